/*
 * request.c - the lifecycle of a request answered later: queued for a
 * worker, parked on a blocking file, or held back by --delay.
 *
 * A request is created on its connection's in-flight list
 * (sfs_req_for_worker, sfs_req_defer), may be parked until a deadline
 * (sfs_req_done, sfs_expire), and ends in one of three ways: answered
 * (sfs_req_finish), dropped unanswered (sfs_req_drop: flushed before it
 * ran), or forgotten (its connection closed or sent Tversion).  Either of
 * the first two then answers the Tflushes that waited on it, in order.
 * flush.c decides which end a flushed request gets; loop.c moves requests
 * between the main thread and the workers.  Also here: the count of a
 * connection's unanswered tags, and the monotonic clock of deadlines.
 * Runs on the main thread with the server lock held.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "synthfs/server.h"

int64_t sfs_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void sfs_tag_done(struct sfs_conn *c)
{
	if (c->ntags)
		c->ntags--;
}

/* ---- answering ---- */

void sfs_send_rflush(struct sfs_conn *c, uint16_t tag)
{
	uint8_t b[P9_HDRSZ];
	p9_put32(b, P9_HDRSZ);
	b[4] = P9_RFLUSH;
	p9_put16(b + 5, tag);
	sfs_send(c, b, P9_HDRSZ);
	sfs_tag_done(c);
}

void sfs_send_error(struct sfs_conn *c, uint16_t tag, int err)
{
	uint8_t b[256];
	size_t n = sfs_error_reply(c, tag, err, b, sizeof b);
	sfs_send(c, b, n);
	sfs_tag_done(c);
}

/* ---- the in-flight list ---- */

/* Put r at the head of its list l, *head. */
static void list_push(struct sfs_req **head, struct sfs_req *r,
		      enum sfs_req_list l)
{
	r->on[l].prev = NULL;
	r->on[l].next = *head;
	if (*head)
		(*head)->on[l].prev = r;
	*head = r;
}

/* Take r off its list l, *head (nothing if it is not on it). */
static void list_unlink(struct sfs_req **head, struct sfs_req *r,
			enum sfs_req_list l)
{
	if (r->on[l].prev)
		r->on[l].prev->on[l].next = r->on[l].next;
	else if (*head == r)
		*head = r->on[l].next;
	if (r->on[l].next)
		r->on[l].next->on[l].prev = r->on[l].prev;
	r->on[l].next = r->on[l].prev = NULL;
}

/* A new request on c's in-flight list (NULL without memory). */
static struct sfs_req *req_new(struct sfs_conn *c, uint16_t tag, uint8_t type)
{
	struct sfs_req *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->c = c;
	r->tag = tag;
	r->type = type;
	list_push(&c->inflight, r, SFS_INFLIGHT);
	return r;
}

void sfs_req_unlink(struct sfs_req *r)
{
	list_unlink(&r->c->inflight, r, SFS_INFLIGHT);
}

void sfs_req_free(struct sfs_req *r)
{
	free(r->tmsg);
	free(r->reply);
	free(r->ftags);
	free(r);
}

/* Unlink and free a request that never got going. */
static void discard(struct sfs_req *r)
{
	sfs_req_unlink(r);
	sfs_req_free(r);
}

/* ---- parking ---- */

void sfs_unpark(struct sfs_server *s, struct sfs_req *r)
{
	if (r->state != REQ_PARKED)
		return;
	list_unlink(&s->parked, r, SFS_PARKED);
	r->state = REQ_MAIN;
}

static void park(struct sfs_server *s, struct sfs_req *r, int64_t deadline)
{
	r->state = REQ_PARKED;
	r->deadline = deadline;
	list_push(&s->parked, r, SFS_PARKED);
}

/* ---- the end of a request ---- */

/* Answer waiting Tflushes, unlink and free the request. */
static void finish_flushes(struct sfs_req *r)
{
	for (size_t i = 0; i < r->nftags; i++)
		sfs_send_rflush(r->c, r->ftags[i]);
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

void sfs_req_drop(struct sfs_req *r)
{
	sfs_tag_done(r->c);
	finish_flushes(r);
}

int64_t sfs_expire(struct sfs_server *s)
{
	int64_t now = sfs_mono_ns(), next = -1;
	struct sfs_req *r = s->parked, *nx;
	for (; r; r = nx) {
		nx = r->on[SFS_PARKED].next;
		if (r->deadline <= now) {
			sfs_unpark(s, r);
			sfs_req_finish(r);
		} else if (next < 0 || r->deadline < next)
			next = r->deadline;
	}
	if (next < 0)
		return -1;
	return next - now;
}

/* ---- from the main thread's point of view ---- */

struct sfs_req *sfs_req_for_worker(struct sfs_conn *c, const uint8_t *p,
				   size_t len)
{
	uint16_t tag = p9_get16(p + 5);
	struct sfs_req *r = req_new(c, tag, p[4]);
	if (!r || !(r->tmsg = malloc(len))) {
		if (r)
			discard(r);
		sfs_send_error(c, tag, ENOMEM);
		return NULL;
	}
	memcpy(r->tmsg, p, len);
	r->tlen = len;
	r->hops = c->s->trips;
	r->state = REQ_WORKER;
	c->nasync++;
	return r;
}

void sfs_req_defer(struct sfs_conn *c, const uint8_t *p, const uint8_t *reply,
		   size_t n, int park)
{
	struct sfs_req *r = req_new(c, p9_get16(p + 5), p[4]);
	if (!r || !(r->reply = malloc(n))) {
		if (r)
			discard(r);
		c->wlen += n; /* no memory: answer now (reply is queued there) */
		sfs_tag_done(c);
		return;
	}
	memcpy(r->reply, reply, n);
	r->rlen = n;
	r->parked_block = (uint8_t)park;
	sfs_req_done(r);
}

void sfs_req_done(struct sfs_req *r)
{
	struct sfs_server *s = r->c->s;
	if (r->aborted) {
		discard(r);
		return;
	}
	if (r->flushed && r->parked_block) {
		sfs_req_drop(r);
		return;
	}
	if (r->flushed) {
		sfs_req_finish(r);
		return;
	}
	if (r->parked_block) {
		park(s, r, sfs_mono_ns() + (int64_t)s->block_timeout * 1000000000);
		return;
	}
	if (s->delay_ns[r->type]) {
		park(s, r, sfs_mono_ns() + (int64_t)s->delay_ns[r->type]);
		return;
	}
	sfs_req_finish(r);
}

/* ---- the end of a connection's requests ---- */

void sfs_unpark_conn(struct sfs_conn *c)
{
	struct sfs_req *r = c->inflight, *nx;
	for (; r; r = nx) {
		nx = r->on[SFS_INFLIGHT].next;
		if (r->state == REQ_PARKED) {
			sfs_unpark(c->s, r);
			discard(r);
		}
	}
}

void sfs_abort_conn(struct sfs_conn *c)
{
	sfs_unpark_conn(c);
	for (struct sfs_req *r = c->inflight; r; r = r->on[SFS_INFLIGHT].next)
		r->aborted = 1;
	c->ntags = 0;
}
