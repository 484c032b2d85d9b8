/*
 * check.c - --check: passive conformance warnings on what the trace shows.
 *
 * Owns: the rules.  Requests: a tag reused while in flight, a fid used
 * after clunk or before its creation, a newfid already in use.  Replies: a
 * reply to no request, a reply that arrives after its request was flushed,
 * a reply of the wrong type, a reply larger than msize, an Rread/Rreaddir
 * count above the requested count, an Rreaddir (or a 9P2000 directory
 * Rread) whose last entry is split, Rreaddir offsets going backwards, an Rerror/Rlerror answering a Tflush.
 * Both: an Rstat/Twstat whose n[2] is not its stat record's length (QEMU's
 * Rstat has 0; the decoder tolerates it, see P9_DEC_STATLEN); a 9P2000.L
 * error sent as Rerror with Rlerror's body (nfs-ganesha; P9_DEC_RLERROR).
 * Fid rules apply only to sessions seen from their Tversion; which fields
 * are fids, and which one a message creates, is their role in lib's table.
 * The rules print nothing: each warning is recorded in a struct
 * tr_warnings, which output.c prints (message.c counts them).
 */
#include <stdarg.h>
#include <stdio.h>

#include "trace.h"

static void warn(struct tr_warnings *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void warn(struct tr_warnings *w, const char *fmt, ...)
{
	va_list ap;
	if (w->n == TR_MAXWARN)
		return;
	va_start(ap, fmt);
	vsnprintf(w->msg[w->n++], TR_WARNLEN, fmt, ap);
	va_end(ap);
}

static void need_fid(struct tr_conn *c, const struct p9_msg *m, const char *field,
		     uint32_t fid, struct tr_warnings *w)
{
	enum tr_fid_state st = tr_fid_state(c, fid);
	if (st == TR_FID_LIVE || fid == P9_NOFID)
		return;
	warn(w, "%s tag %u: %s %u used %s", p9_typename(m->type), m->tag, field,
	     fid, st == TR_FID_CLUNKED ? "after clunk" : "before creation");
}

static void new_fid(struct tr_conn *c, const struct p9_msg *m, const char *field,
		    uint32_t fid, struct tr_warnings *w)
{
	if (fid != P9_NOFID && tr_fid_state(c, fid) == TR_FID_LIVE)
		warn(w, "%s tag %u: %s %u already in use", p9_typename(m->type),
		     m->tag, field, fid);
}

/* A fid field's value, if the row has a field of that role. */
static int role_value(const struct p9_msgdef *d, const struct p9_msg *m,
		      unsigned role, uint32_t *v)
{
	for (unsigned i = 0; i < d->nfield; i++)
		if (d->field[i].role == role) {
			*v = (uint32_t)p9_field_uint(m, &d->field[i]);
			return 1;
		}
	return 0;
}

/* By the roles of the row's fields: first every fid that must exist, in
 * field order, then the fid it creates (unless it reuses its own fid, as a
 * Twalk to newfid == fid does). */
static void check_fids(struct tr_conn *c, const struct p9_msg *m, struct tr_warnings *w)
{
	const struct p9_msgdef *d = p9_msgdef(m->type);
	uint32_t fid;
	for (unsigned i = 0; d && i < d->nfield; i++) {
		const struct p9_field *f = &d->field[i];
		if (p9_role_is_fid(f->role) && f->role != P9R_NEWFID)
			need_fid(c, m, f->name, (uint32_t)p9_field_uint(m, f), w);
	}
	for (unsigned i = 0; d && i < d->nfield; i++) {
		const struct p9_field *f = &d->field[i];
		uint32_t nf = (uint32_t)p9_field_uint(m, f);
		if (f->role == P9R_NEWFID &&
		    !(role_value(d, m, P9R_FID, &fid) && fid == nf))
			new_fid(c, m, f->name, nf, w);
	}
}

/* Only for messages decoded from wire bytes (len > 0): a QEMU-log event
 * has no n[2]. */
static void check_statlen(const struct p9_msg *m, size_t len, struct tr_warnings *w)
{
	if (!len || (m->type != P9_RSTAT && m->type != P9_TWSTAT) ||
	    m->nstat == m->stat.size + 2u)
		return;
	warn(w, "%s tag %u: n[2] is %u, the stat record is %u bytes",
	     p9_typename(m->type), m->tag, m->nstat, m->stat.size + 2u);
}

/* A reply decoded as Rlerror from a type-107 (Rerror) message. */
static void check_rlerror_type(const struct p9_msg *m, size_t len,
			       struct tr_warnings *w)
{
	if (len && m->type == P9_RLERROR && m->wiretype == P9_RERROR)
		warn(w, "Rlerror tag %u: sent as type %u with Rlerror's body (ecode %u): %s",
		     m->tag, m->wiretype, m->errnum, p9_decode_flag_rule(P9_DEC_RLERROR));
}

void tr_check_request(struct tr_conn *c, const struct p9_msg *m, size_t len,
		      struct tr_warnings *w)
{
	w->n = 0;
	check_statlen(m, len, w);
	if (m->type == P9_TVERSION)
		return;
	const struct tr_req *o = tr_tag_live(c, m->tag);
	if (o)
		warn(w, "%s tag %u: tag reused while %s is in flight",
		     p9_typename(m->type), m->tag, p9_typename(o->type));
	if (c->from_start)
		check_fids(c, m, w);
}

static void check_readdir(const struct p9_msg *m, const struct tr_req *rq,
			  struct tr_warnings *w)
{
	struct p9_dirent e;
	size_t pos = 0;
	uint64_t prev = rq->offset;
	int rc, first = 1;
	while ((rc = p9_dirent_next(m->data, m->count, &pos, &e)) > 0) {
		if ((!first || prev != 0) && e.offset <= prev) {
			warn(w, "Rreaddir tag %u: entry offset %llu goes backwards (after %llu)",
			     m->tag, (unsigned long long)e.offset, (unsigned long long)prev);
			break;
		}
		prev = e.offset;
		first = 0;
	}
	if (rc < 0)
		warn(w, "Rreaddir tag %u: entry split at byte %zu of %u", m->tag,
		     pos, m->count);
}

/* A 9P2000/.u Rread of a directory: packed stat records, none split. */
static void check_dir_read(struct tr_conn *c, const struct p9_msg *m,
			   struct tr_warnings *w)
{
	struct p9_stat st;
	size_t pos = 0;
	int rc;
	while ((rc = p9_stat_next(m->data, m->count, c->dialect ? c->dialect : P9_D2000,
				  &pos, &st)) > 0)
		;
	if (rc < 0)
		warn(w, "Rread tag %u: directory entry split at byte %zu of %u",
		     m->tag, pos, m->count);
}

/* A reply whose tag has no request in flight. */
static void check_unpaired(struct tr_conn *c, const struct p9_msg *m,
			   struct tr_warnings *w)
{
	const struct tr_req *o = tr_tag_peek(c, m->tag);
	if (o && o->flushed)
		warn(w, "%s tag %u: reply arrives after its Rflush",
		     p9_typename(m->type), m->tag);
	else if (c->from_start && m->type != P9_RVERSION)
		warn(w, "%s tag %u: reply to no request", p9_typename(m->type), m->tag);
}

void tr_check_reply(struct tr_conn *c, const struct p9_msg *m, size_t len,
		    const struct tr_req *rq, struct tr_warnings *w)
{
	int err = m->type == P9_RERROR || m->type == P9_RLERROR;
	const char *name = p9_typename(m->type);
	w->n = 0;
	if (!rq) {
		check_unpaired(c, m, w);
		return;
	}
	if (!err && m->type != rq->type + 1)
		warn(w, "%s tag %u: reply to %s", name, m->tag, p9_typename(rq->type));
	if (c->msize && len > c->msize)
		warn(w, "%s tag %u: %zu bytes, larger than msize %u", name, m->tag, len,
		     c->msize);
	if (err && rq->type == P9_TFLUSH)
		warn(w, "%s tag %u: error answering Tflush", name, m->tag);
	if ((m->type == P9_RREAD || m->type == P9_RREADDIR) && m->count > rq->count)
		warn(w, "%s tag %u: count %u above the requested %u", name, m->tag,
		     m->count, rq->count);
	if (m->type == P9_RREADDIR && m->data)
		check_readdir(m, rq, w);
	check_statlen(m, len, w);
	check_rlerror_type(m, len, w);
	if (m->type == P9_RREAD && m->data && c->dialect != P9_DL &&
	    tr_fid_isdir(c, rq->fid))
		check_dir_read(c, m, w);
}

void tr_check_close(struct tr_conn *c, struct tr_warnings *w)
{
	w->n = 0;
	for (unsigned tag = 0; c->tags && tag <= 0xffff; tag++) {
		if (!c->tags[tag >> 8]) {   /* a page never used */
			tag |= 0xff;
			continue;
		}
		const struct tr_req *rq = tr_tag_live(c, (uint16_t)tag);
		if (rq && !rq->flushed)
			warn(w, "connection closed with %s tag %u unanswered",
			     p9_typename(rq->type), tag);
	}
}
