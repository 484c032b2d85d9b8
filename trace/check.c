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
 * Fid rules apply only to sessions seen from their Tversion.
 */
#include <stdarg.h>
#include <string.h>

#include "trace.h"

int tr_fid_state(struct tr_conn *c, uint32_t fid);

void tr_warn(struct tr_conn *c, const char *fmt, ...)
{
	struct tr *t = c->tr;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	t->nwarn++;
	uint64_t rel = t->now - t->t0;
	if (t->o.json) {
		fprintf(t->out, "{\"ts\":%llu.%06llu,\"conn\":%u,\"warning\":\"",
			(unsigned long long)(rel / 1000000000),
			(unsigned long long)(rel / 1000 % 1000000), c->id);
		for (const char *p = msg; *p; p++) /* warnings hold no quotes or controls */
			if (*p != '"' && *p != '\\' && (unsigned char)*p >= ' ')
				fputc(*p, t->out);
		fputs("\"}\n", t->out);
		return;
	}
	fprintf(t->out, "%llu.%06llu c%u !! %s\n", (unsigned long long)(rel / 1000000000),
		(unsigned long long)(rel / 1000 % 1000000), c->id, msg);
}

static void need_fid(struct tr_conn *c, const struct p9_msg *m, const char *field,
		     uint32_t fid)
{
	int st = tr_fid_state(c, fid);
	if (st == 1 || fid == P9_NOFID)
		return;
	tr_warn(c, "%s tag %u: %s %u used %s", p9_typename(m->type), m->tag, field,
		fid, st == 2 ? "after clunk" : "before creation");
}

static void new_fid(struct tr_conn *c, const struct p9_msg *m, const char *field,
		    uint32_t fid)
{
	if (fid != P9_NOFID && tr_fid_state(c, fid) == 1)
		tr_warn(c, "%s tag %u: %s %u already in use", p9_typename(m->type),
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
static void check_fids(struct tr_conn *c, const struct p9_msg *m)
{
	const struct p9_msgdef *d = p9_msgdef(m->type);
	uint32_t fid;
	for (unsigned i = 0; d && i < d->nfield; i++) {
		const struct p9_field *f = &d->field[i];
		if (p9_role_is_fid(f->role) && f->role != P9R_NEWFID)
			need_fid(c, m, f->name, (uint32_t)p9_field_uint(m, f));
	}
	for (unsigned i = 0; d && i < d->nfield; i++) {
		const struct p9_field *f = &d->field[i];
		uint32_t nf = (uint32_t)p9_field_uint(m, f);
		if (f->role == P9R_NEWFID &&
		    !(role_value(d, m, P9R_FID, &fid) && fid == nf))
			new_fid(c, m, f->name, nf);
	}
}

/* Only for messages decoded from wire bytes (len > 0): a QEMU-log event
 * has no n[2]. */
static void check_statlen(struct tr_conn *c, const struct p9_msg *m, size_t len)
{
	if (!len || (m->type != P9_RSTAT && m->type != P9_TWSTAT) ||
	    m->nstat == m->stat.size + 2u)
		return;
	tr_warn(c, "%s tag %u: n[2] is %u, the stat record is %u bytes",
		p9_typename(m->type), m->tag, m->nstat, m->stat.size + 2u);
}

/* A reply decoded as Rlerror from a type-107 (Rerror) message. */
static void check_rlerror_type(struct tr_conn *c, const struct p9_msg *m, size_t len)
{
	if (len && m->type == P9_RLERROR && m->wiretype == P9_RERROR)
		tr_warn(c, "Rlerror tag %u: sent as type %u with Rlerror's body (ecode %u): %s",
			m->tag, m->wiretype, m->errnum, p9_decode_flag_rule(P9_DEC_RLERROR));
}

void tr_check_request(struct tr_conn *c, const struct p9_msg *m, size_t len)
{
	check_statlen(c, m, len);
	if (m->type == P9_TVERSION)
		return;
	const struct tr_req *o = tr_tag_live(c, m->tag);
	if (o)
		tr_warn(c, "%s tag %u: tag reused while %s is in flight",
			p9_typename(m->type), m->tag, p9_typename(o->type));
	if (c->from_start)
		check_fids(c, m);
}

static void check_readdir(struct tr_conn *c, const struct p9_msg *m,
			  const struct tr_req *rq)
{
	struct p9_dirent e;
	size_t pos = 0;
	uint64_t prev = rq->offset;
	int rc, first = 1;
	while ((rc = p9_dirent_next(m->data, m->count, &pos, &e)) > 0) {
		if ((!first || prev != 0) && e.offset <= prev) {
			tr_warn(c, "Rreaddir tag %u: entry offset %llu goes backwards (after %llu)",
				m->tag, (unsigned long long)e.offset,
				(unsigned long long)prev);
			break;
		}
		prev = e.offset;
		first = 0;
	}
	if (rc < 0)
		tr_warn(c, "Rreaddir tag %u: entry split at byte %zu of %u", m->tag,
			pos, m->count);
}

void tr_check_reply(struct tr_conn *c, const struct p9_msg *m, size_t len,
		    const struct tr_req *rq)
{
	int err = m->type == P9_RERROR || m->type == P9_RLERROR;
	if (!rq) {
		const struct tr_req *o = tr_tag_peek(c, m->tag);
		if (o && o->flushed)
			tr_warn(c, "%s tag %u: reply arrives after its Rflush",
				p9_typename(m->type), m->tag);
		else if (c->from_start && m->type != P9_RVERSION)
			tr_warn(c, "%s tag %u: reply to no request", p9_typename(m->type),
				m->tag);
		return;
	}
	if (!err && m->type != rq->type + 1)
		tr_warn(c, "%s tag %u: reply to %s", p9_typename(m->type), m->tag,
			p9_typename(rq->type));
	if (c->msize && len > c->msize)
		tr_warn(c, "%s tag %u: %zu bytes, larger than msize %u",
			p9_typename(m->type), m->tag, len, c->msize);
	if (err && rq->type == P9_TFLUSH)
		tr_warn(c, "%s tag %u: error answering Tflush", p9_typename(m->type),
			m->tag);
	if ((m->type == P9_RREAD || m->type == P9_RREADDIR) && m->count > rq->count)
		tr_warn(c, "%s tag %u: count %u above the requested %u",
			p9_typename(m->type), m->tag, m->count, rq->count);
	if (m->type == P9_RREADDIR && m->data)
		check_readdir(c, m, rq);
	check_statlen(c, m, len);
	check_rlerror_type(c, m, len);
	if (m->type == P9_RREAD && m->data && c->dialect != P9_DL &&
	    tr_fid_isdir(c, rq->fid)) {
		struct p9_stat st;
		size_t pos = 0;
		int rc;
		while ((rc = p9_stat_next(m->data, m->count, c->dialect ? c->dialect : P9_D2000,
					  &pos, &st)) > 0)
			;
		if (rc < 0)
			tr_warn(c, "Rread tag %u: directory entry split at byte %zu of %u",
				m->tag, pos, m->count);
	}
}
