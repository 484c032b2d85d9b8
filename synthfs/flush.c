/*
 * flush.c - Tflush per flush(5), and the requests answered later: parked on
 * a blocking file, held back by --delay, or still in a worker.
 *
 * A flushed request is either answered before its Rflush (it already ran:
 * in a worker, or its reply is held by --delay) or never (it is blocked on
 * /flush/block and never ran).
 * Tflush of a tag not in flight gets Rflush at once; several Tflush of one
 * tag are answered in order.  The --bug flush-* switches break exactly
 * these rules.  Runs on the main thread with the server lock held.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "synthfs/server.h"

void sfs_req_unlink(struct sfs_req *r)
{
	struct sfs_conn *c = r->c;
	if (r->prev)
		r->prev->next = r->next;
	else if (c->inflight == r)
		c->inflight = r->next;
	if (r->next)
		r->next->prev = r->prev;
	r->next = r->prev = NULL;
}

void sfs_req_free(struct sfs_req *r)
{
	free(r->tmsg);
	free(r->reply);
	free(r->ftags);
	free(r);
}

static void unpark(struct sfs_server *s, struct sfs_req *r)
{
	if (r->state != REQ_PARKED)
		return;
	if (r->pprev)
		r->pprev->pnext = r->pnext;
	else if (s->parked == r)
		s->parked = r->pnext;
	if (r->pnext)
		r->pnext->pprev = r->pprev;
	r->pnext = r->pprev = NULL;
	r->state = 0;
}

void sfs_park(struct sfs_server *s, struct sfs_req *r, int64_t deadline)
{
	r->state = REQ_PARKED;
	r->deadline = deadline;
	r->pprev = NULL;
	r->pnext = s->parked;
	if (s->parked)
		s->parked->pprev = r;
	s->parked = r;
}

static void send_rflush(struct sfs_conn *c, uint16_t tag)
{
	uint8_t b[7];
	p9_put32(b, 7);
	b[4] = P9_RFLUSH;
	p9_put16(b + 5, tag);
	sfs_send(c, b, 7);
	sfs_tag_done(c);
}

static void send_error(struct sfs_conn *c, uint16_t tag, int err)
{
	uint8_t b[256];
	size_t n = sfs_error_reply(c, tag, err, b, sizeof b);
	sfs_send(c, b, n);
	sfs_tag_done(c);
}

/* Answer waiting Tflushes, unlink and free the request. */
static void finish_flushes(struct sfs_req *r)
{
	for (size_t i = 0; i < r->nftags; i++)
		send_rflush(r->c, r->ftags[i]);
	sfs_req_unlink(r);
	sfs_req_free(r);
}

void sfs_req_finish(struct sfs_req *r)
{
	if (r->rlen) {
		sfs_send(r->c, r->reply, r->rlen);
		sfs_tag_done(r->c);
	}
	finish_flushes(r);
}

/* Drop a request without answering it, then answer its flushes. */
static void drop(struct sfs_req *r)
{
	sfs_tag_done(r->c);
	finish_flushes(r);
}

int64_t sfs_expire(struct sfs_server *s)
{
	int64_t now = sfs_mono_ns(), next = -1;
	struct sfs_req *r = s->parked, *nx;
	for (; r; r = nx) {
		nx = r->pnext;
		if (r->deadline <= now) {
			unpark(s, r);
			sfs_req_finish(r);
		} else if (next < 0 || r->deadline < next)
			next = r->deadline;
	}
	if (next < 0)
		return -1;
	return next - now;
}

/* Is oldtag a Tflush waiting on another request?  Then forget it. */
static int drop_waiting_flush(struct sfs_conn *c, uint16_t oldtag)
{
	for (struct sfs_req *r = c->inflight; r; r = r->next) {
		for (size_t i = 0; i < r->nftags; i++) {
			if (r->ftags[i] != oldtag)
				continue;
			memmove(&r->ftags[i], &r->ftags[i + 1],
				(r->nftags - i - 1) * sizeof r->ftags[0]);
			r->nftags--;
			sfs_tag_done(c);
			return 1;
		}
	}
	return 0;
}

void sfs_flush(struct sfs_conn *c, uint16_t tag, uint16_t oldtag)
{
	struct sfs_server *s = c->s;
	struct sfs_req *r;
	uint16_t *nt;

	for (r = c->inflight; r; r = r->next)
		if (r->tag == oldtag)
			break;
	if (!r) {
		drop_waiting_flush(c, oldtag);
		if (SFS_BUG(s, BUG_FLUSH_UNKNOWN_ERROR))
			send_error(c, tag, EINVAL);
		else
			send_rflush(c, tag);
		return;
	}
	if (SFS_BUG(s, BUG_FLUSH_RERROR)) {
		send_error(c, tag, EINTR);
		return; /* the request carries on as if never flushed */
	}
	if (SFS_BUG(s, BUG_FLUSH_LATE_REPLY)) {
		send_rflush(c, tag);
		if (r->state == REQ_PARKED) {
			unpark(s, r);
			sfs_req_finish(r);
		}
		return; /* a worker's request is answered when it ends */
	}
	if (r->state == REQ_PARKED) {
		unpark(s, r);
		if (r->parked_block)
			drop(r);          /* never ran: never answered */
		else
			sfs_req_finish(r); /* ran, reply held by --delay: it goes first */
		send_rflush(c, tag);
		return;
	}
	/* in a worker: its reply (if any) goes first, then the Rflush */
	nt = realloc(r->ftags, (r->nftags + 1) * sizeof *nt);
	if (!nt) {
		send_rflush(c, tag);
		return;
	}
	r->ftags = nt;
	r->ftags[r->nftags++] = tag;
	r->flushed = 1;
}

/* A worker finished r (main thread, lock held): answer, park or drop it. */
void sfs_req_done(struct sfs_req *r)
{
	struct sfs_server *s = r->c->s;
	if (r->aborted) {
		sfs_req_unlink(r);
		sfs_req_free(r);
		return;
	}
	if (r->flushed && r->parked_block) {
		drop(r);
		return;
	}
	if (r->flushed) {
		sfs_req_finish(r);
		return;
	}
	if (r->parked_block) {
		sfs_park(s, r, sfs_mono_ns() + (int64_t)s->block_timeout * 1000000000);
		return;
	}
	if (s->delay_us[r->type]) {
		sfs_park(s, r, sfs_mono_ns() + (int64_t)s->delay_us[r->type] * 1000);
		return;
	}
	sfs_req_finish(r);
}

/* Remove a closing connection's parked requests. */
void sfs_unpark_conn(struct sfs_conn *c)
{
	struct sfs_req *r = c->inflight, *nx;
	for (; r; r = nx) {
		nx = r->next;
		if (r->state == REQ_PARKED) {
			unpark(c->s, r);
			sfs_req_unlink(r);
			sfs_req_free(r);
		}
	}
}

void sfs_abort_conn(struct sfs_conn *c)
{
	sfs_unpark_conn(c);
	for (struct sfs_req *r = c->inflight; r; r = r->next)
		r->aborted = 1;
	c->ntags = 0;
}
