/*
 * buf.c - bounds-checked reader and writer; see buf.h.
 */
#include <errno.h>
#include <string.h>

#include "buf.h"

void p9_rd_init(struct p9_rd *r, const uint8_t *p, size_t len)
{
	memset(r, 0, sizeof *r);
	r->p = p;
	r->len = len;
}

void p9_rd_fail(struct p9_rd *r, int err, const char *why)
{
	if (r->err)
		return;
	r->err = err;
	r->err_off = r->pos;
	r->why = why;
}

/* Reserve n bytes; returns their start or NULL after latching an error. */
static const uint8_t *take(struct p9_rd *r, size_t n, const char *why)
{
	const uint8_t *q;
	if (r->err)
		return NULL;
	if (n > p9_rd_left(r)) {
		p9_rd_fail(r, -EBADMSG, why);
		return NULL;
	}
	q = r->p + r->pos;
	r->pos += n;
	return q;
}

uint8_t p9_rd_u8(struct p9_rd *r)
{
	const uint8_t *q = take(r, 1, "truncated");
	return q ? q[0] : 0;
}

uint16_t p9_rd_u16(struct p9_rd *r)
{
	const uint8_t *q = take(r, 2, "truncated");
	return q ? p9_get16(q) : 0;
}

uint32_t p9_rd_u32(struct p9_rd *r)
{
	const uint8_t *q = take(r, 4, "truncated");
	return q ? p9_get32(q) : 0;
}

uint64_t p9_rd_u64(struct p9_rd *r)
{
	const uint8_t *q = take(r, 8, "truncated");
	return q ? (uint64_t)p9_get32(q) | (uint64_t)p9_get32(q + 4) << 32 : 0;
}

struct p9_str p9_rd_str(struct p9_rd *r)
{
	struct p9_str s = { "", 0 };
	uint16_t n = p9_rd_u16(r);
	const uint8_t *q = take(r, n, "string runs past end");
	if (q) {
		s.p = (const char *)q;
		s.len = n;
	}
	return s;
}

void p9_rd_qid(struct p9_rd *r, struct p9_qid *q)
{
	q->type = p9_rd_u8(r);
	q->version = p9_rd_u32(r);
	q->path = p9_rd_u64(r);
}

const uint8_t *p9_rd_bytes(struct p9_rd *r, size_t n)
{
	return take(r, n, "data runs past end");
}

void p9_rd_stat(struct p9_rd *r, struct p9_stat *st, int dialect)
{
	struct p9_rd body;
	const uint8_t *q;
	memset(st, 0, sizeof *st);
	st->size = p9_rd_u16(r);
	q = take(r, st->size, "stat size runs past end");
	if (!q)
		return;
	p9_rd_init(&body, q, st->size);
	st->type = p9_rd_u16(&body);
	st->dev = p9_rd_u32(&body);
	p9_rd_qid(&body, &st->qid);
	st->mode = p9_rd_u32(&body);
	st->atime = p9_rd_u32(&body);
	st->mtime = p9_rd_u32(&body);
	st->length = p9_rd_u64(&body);
	st->name = p9_rd_str(&body);
	st->uid = p9_rd_str(&body);
	st->gid = p9_rd_str(&body);
	st->muid = p9_rd_str(&body);
	if (dialect == P9_DU) {
		st->extension = p9_rd_str(&body);
		st->n_uid = p9_rd_u32(&body);
		st->n_gid = p9_rd_u32(&body);
		st->n_muid = p9_rd_u32(&body);
	}
	if (!body.err && p9_rd_left(&body))
		p9_rd_fail(&body, -EBADMSG, "stat size larger than its fields");
	if (body.err) {
		/* report the error at its position within the whole buffer */
		r->pos = (size_t)(q - r->p) + body.err_off;
		p9_rd_fail(r, body.err, body.why);
	}
}

void p9_wr_init(struct p9_wr *w, uint8_t *p, size_t cap)
{
	w->p = p;
	w->cap = cap;
	w->pos = 0;
	w->err = 0;
}

static uint8_t *room(struct p9_wr *w, size_t n)
{
	uint8_t *q;
	if (w->err || n > w->cap - w->pos) {
		w->err = -ENOSPC;
		return NULL;
	}
	q = w->p + w->pos;
	w->pos += n;
	return q;
}

void p9_wr_u8(struct p9_wr *w, uint8_t v)
{
	uint8_t *q = room(w, 1);
	if (q)
		q[0] = v;
}

void p9_wr_u16(struct p9_wr *w, uint16_t v)
{
	uint8_t *q = room(w, 2);
	if (q)
		p9_put16(q, v);
}

void p9_wr_u32(struct p9_wr *w, uint32_t v)
{
	uint8_t *q = room(w, 4);
	if (q)
		p9_put32(q, v);
}

void p9_wr_u64(struct p9_wr *w, uint64_t v)
{
	uint8_t *q = room(w, 8);
	if (q) {
		p9_put32(q, (uint32_t)v);
		p9_put32(q + 4, (uint32_t)(v >> 32));
	}
}

void p9_wr_str(struct p9_wr *w, struct p9_str s)
{
	p9_wr_u16(w, s.len);
	p9_wr_bytes(w, s.p, s.len);
}

void p9_wr_qid(struct p9_wr *w, const struct p9_qid *q)
{
	p9_wr_u8(w, q->type);
	p9_wr_u32(w, q->version);
	p9_wr_u64(w, q->path);
}

void p9_wr_bytes(struct p9_wr *w, const void *src, size_t n)
{
	uint8_t *q = room(w, n);
	if (q && n)
		memcpy(q, src, n);
}

size_t p9_stat_wire_size(const struct p9_stat *st, int dialect)
{
	size_t n = 2 + 2 + 4 + P9_QIDSZ + 4 + 4 + 4 + 8 +
		   8 + st->name.len + st->uid.len + st->gid.len + st->muid.len;
	if (dialect == P9_DU)
		n += 2 + st->extension.len + 12;
	return n;
}

void p9_wr_stat(struct p9_wr *w, const struct p9_stat *st, int dialect)
{
	p9_wr_u16(w, (uint16_t)(p9_stat_wire_size(st, dialect) - 2));
	p9_wr_u16(w, st->type);
	p9_wr_u32(w, st->dev);
	p9_wr_qid(w, &st->qid);
	p9_wr_u32(w, st->mode);
	p9_wr_u32(w, st->atime);
	p9_wr_u32(w, st->mtime);
	p9_wr_u64(w, st->length);
	p9_wr_str(w, st->name);
	p9_wr_str(w, st->uid);
	p9_wr_str(w, st->gid);
	p9_wr_str(w, st->muid);
	if (dialect == P9_DU) {
		p9_wr_str(w, st->extension);
		p9_wr_u32(w, st->n_uid);
		p9_wr_u32(w, st->n_gid);
		p9_wr_u32(w, st->n_muid);
	}
}
