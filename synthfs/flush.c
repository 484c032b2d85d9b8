/*
 * flush.c - Tflush per flush(5): which end a flushed request gets.
 *
 * A flushed request is either answered before its Rflush (it already ran:
 * in a worker, or its reply is held by --delay) or never (it is blocked on
 * /flush/block and never ran).
 * Tflush of a tag not in flight gets Rflush at once; several Tflush of one
 * tag are answered in order.  The --bug flush-* switches break exactly
 * these rules.  The requests themselves are request.c's.  Runs on the main
 * thread with the server lock held.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "synthfs/server.h"

/* Is oldtag a Tflush waiting on another request?  Then forget it. */
static int drop_waiting_flush(struct sfs_conn *c, uint16_t oldtag)
{
	for (struct sfs_req *r = c->inflight; r; r = r->on[SFS_INFLIGHT].next) {
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

/* Tflush tag of a request r that is still running in a worker: its reply
 * (if any) goes first, then the Rflush. */
static void flush_in_worker(struct sfs_req *r, uint16_t tag)
{
	uint16_t *nt = realloc(r->ftags, (r->nftags + 1) * sizeof *nt);
	if (!nt) {
		sfs_send_rflush(r->c, tag);
		return;
	}
	r->ftags = nt;
	r->ftags[r->nftags++] = tag;
	r->flushed = 1;
}

static void flush(struct sfs_conn *c, uint16_t tag, uint16_t oldtag)
{
	struct sfs_server *s = c->s;
	struct sfs_req *r;

	for (r = c->inflight; r; r = r->on[SFS_INFLIGHT].next)
		if (r->tag == oldtag)
			break;
	if (!r) {
		drop_waiting_flush(c, oldtag);
		if (SFS_BUG(s, BUG_FLUSH_UNKNOWN_ERROR))
			sfs_send_error(c, tag, EINVAL);
		else
			sfs_send_rflush(c, tag);
		return;
	}
	if (SFS_BUG(s, BUG_FLUSH_RERROR)) {
		sfs_send_error(c, tag, EINTR);
		return; /* the request carries on as if never flushed */
	}
	if (SFS_BUG(s, BUG_FLUSH_LATE_REPLY)) {
		sfs_send_rflush(c, tag);
		if (r->state == REQ_PARKED) {
			sfs_unpark(s, r);
			sfs_req_finish(r);
		}
		return; /* a worker's request is answered when it ends */
	}
	if (r->state == REQ_PARKED) {
		sfs_unpark(s, r);
		if (r->parked_block)
			sfs_req_drop(r);   /* never ran: never answered */
		else
			sfs_req_finish(r); /* ran, reply held by --delay: it goes first */
		sfs_send_rflush(c, tag);
		return;
	}
	flush_in_worker(r, tag);
}

void sfs_tflush(struct sfs_conn *c, const uint8_t *p, size_t len)
{
	struct p9_msg m;
	/* a malformed one still has its header: the decoder keeps the tag */
	if (p9_decode(p, len, c->dialect, &m, NULL) < 0) {
		sfs_send_error(c, m.tag, EBADMSG);
		return;
	}
	flush(c, m.tag, m.oldtag);
}
