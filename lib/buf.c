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

static void rd_recfield(struct p9_rd *r, const struct p9_recfield *f, void *rec)
{
	char *p = (char *)rec + f->off;
	switch (f->kind) {
	case P9K_U8: *(uint8_t *)p = p9_rd_u8(r); break;
	case P9K_U16: *(uint16_t *)p = p9_rd_u16(r); break;
	case P9K_U32: *(uint32_t *)p = p9_rd_u32(r); break;
	case P9K_U64: *(uint64_t *)p = p9_rd_u64(r); break;
	case P9K_STR: *(struct p9_str *)p = p9_rd_str(r); break;
	case P9K_QID: p9_rd_qid(r, (struct p9_qid *)p); break;
	}
}

/* The fields after a P9R_RECSIZE field are read from the body it bounds,
 * which they must fill; an error there is reported at its position within
 * the whole buffer. */
void p9_rd_rec(struct p9_rd *r, const struct p9_recdef *d, void *rec, int dialect)
{
	struct p9_rd body, *in = r;
	const uint8_t *q = NULL;
	memset(rec, 0, d->size);
	for (unsigned i = 0; i < d->nfield; i++) {
		const struct p9_recfield *f = &d->field[i];
		if (!(f->dialects & dialect))
			continue;
		rd_recfield(in, f, rec);
		if (f->role != P9R_RECSIZE)
			continue;
		q = take(r, (size_t)p9_rec_uint(rec, f), "stat size runs past end");
		if (!q)
			return;
		p9_rd_init(&body, q, (size_t)p9_rec_uint(rec, f));
		in = &body;
	}
	if (in != &body)
		return;
	if (!body.err && p9_rd_left(&body))
		p9_rd_fail(&body, -EBADMSG, "stat size larger than its fields");
	if (body.err) {
		r->pos = (size_t)(q - r->p) + body.err_off;
		p9_rd_fail(r, body.err, body.why);
	}
}

void p9_rd_stat(struct p9_rd *r, struct p9_stat *st, int dialect)
{
	p9_rd_rec(r, p9_stat_def(), st, dialect);
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

static size_t recfield_size(const struct p9_recfield *f, const void *rec)
{
	switch (f->kind) {
	case P9K_U8: return 1;
	case P9K_U16: return 2;
	case P9K_U32: return 4;
	case P9K_U64: return 8;
	case P9K_STR: return 2 + (size_t)p9_rec_str(rec, f).len;
	case P9K_QID: return P9_QIDSZ;
	}
	return 0;
}

/* Wire bytes of the fields from index `from` on. */
static size_t rec_span(const struct p9_recdef *d, const void *rec, int dialect,
		       unsigned from)
{
	size_t n = 0;
	for (unsigned i = from; i < d->nfield; i++)
		if (d->field[i].dialects & dialect)
			n += recfield_size(&d->field[i], rec);
	return n;
}

size_t p9_rec_wire_size(const struct p9_recdef *d, const void *rec, int dialect)
{
	return rec_span(d, rec, dialect, 0);
}

/* A P9R_RECSIZE field is written as the length of the fields after it. */
void p9_wr_rec(struct p9_wr *w, const struct p9_recdef *d, const void *rec,
	       int dialect)
{
	for (unsigned i = 0; i < d->nfield; i++) {
		const struct p9_recfield *f = &d->field[i];
		const char *p = (const char *)rec + f->off;
		uint64_t v = p9_rec_uint(rec, f);
		if (!(f->dialects & dialect))
			continue;
		if (f->role == P9R_RECSIZE)
			v = rec_span(d, rec, dialect, i + 1);
		switch (f->kind) {
		case P9K_U8: p9_wr_u8(w, (uint8_t)v); break;
		case P9K_U16: p9_wr_u16(w, (uint16_t)v); break;
		case P9K_U32: p9_wr_u32(w, (uint32_t)v); break;
		case P9K_U64: p9_wr_u64(w, v); break;
		case P9K_STR: p9_wr_str(w, *(const struct p9_str *)p); break;
		case P9K_QID: p9_wr_qid(w, (const struct p9_qid *)p); break;
		}
	}
}

size_t p9_stat_wire_size(const struct p9_stat *st, int dialect)
{
	return p9_rec_wire_size(p9_stat_def(), st, dialect);
}

void p9_wr_stat(struct p9_wr *w, const struct p9_stat *st, int dialect)
{
	p9_wr_rec(w, p9_stat_def(), st, dialect);
}
