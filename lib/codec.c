/*
 * codec.c - table-driven encoding and decoding of whole 9P messages.
 *
 * Owns: the walk over a table row's fields in wire order for one dialect,
 * the header (size[4] type[1] tag[2]), and strict validation: the size field
 * must equal the buffer, counts must respect MAXWELEM, data counts must fit,
 * and nothing may trail the last field.  Errors name type, field and offset.
 * Decode flags (p9_decode_flags) relax one named rule each and report it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "p9.h"

#define MEMBER(m, f, T) ((T *)((char *)(m) + (f)->off))
#define CMEMBER(m, f, T) ((const T *)((const char *)(m) + (f)->off))

static int field_on_wire(const struct p9_field *f, int dialect)
{
	return (f->dialects & dialect) != 0;
}

/* ---- decode ---- */

/* The count n[2] of a walk list into *n: 1, or 0 when it cannot be read
 * or is above P9_MAXWELEM (failing with why at the count). */
static int dec_walk_count(struct p9_rd *r, uint16_t *n, const char *why)
{
	*n = p9_rd_u16(r);
	if (!r->err && *n > P9_MAXWELEM) {
		r->pos -= 2;
		p9_rd_fail(r, -EBADMSG, why);
	}
	return !r->err;
}

static void dec_wnames(struct p9_rd *r, struct p9_msg *m)
{
	if (dec_walk_count(r, &m->nwname, "nwname above 16"))
		for (unsigned i = 0; i < m->nwname && !r->err; i++)
			m->wname[i] = p9_rd_str(r);
}

static void dec_wqids(struct p9_rd *r, struct p9_msg *m)
{
	if (dec_walk_count(r, &m->nwqid, "nwqid above 16"))
		for (unsigned i = 0; i < m->nwqid && !r->err; i++)
			p9_rd_qid(r, &m->wqid[i]);
}

/* What one decode may tolerate and has tolerated (enum p9_decode_flag). */
struct dec_opts {
	unsigned flags, tolerated;
};

/* n[2] stat[n].  Strict: n must be the record's length.  With
 * P9_DEC_STATLEN any n is accepted when the record (checked against its own
 * size[2]) ends the message: the deviation is recorded in o->tolerated. */
static void dec_stat(struct p9_rd *r, struct p9_msg *m, int dialect,
		     struct dec_opts *o)
{
	int lax = (o->flags & P9_DEC_STATLEN) != 0;
	uint16_t n = p9_rd_u16(r);
	size_t start = r->pos;
	if (r->err)
		return;
	m->nstat = n;
	if (n > p9_rd_left(r) && !lax) {
		r->pos -= 2;
		p9_rd_fail(r, -EBADMSG, "stat length runs past end");
		return;
	}
	p9_rd_stat(r, &m->stat, dialect);
	if (r->err || r->pos - start == n)
		return;
	if (lax && p9_rd_left(r) == 0) {
		o->tolerated |= P9_DEC_STATLEN;
		return;
	}
	p9_rd_fail(r, -EBADMSG, "stat length disagrees with stat size");
}

static void dec_field(struct p9_rd *r, const struct p9_field *f,
		      struct p9_msg *m, int dialect, struct dec_opts *o)
{
	switch (f->kind) {
	case P9K_U8: *MEMBER(m, f, uint8_t) = p9_rd_u8(r); break;
	case P9K_U16: *MEMBER(m, f, uint16_t) = p9_rd_u16(r); break;
	case P9K_U32: *MEMBER(m, f, uint32_t) = p9_rd_u32(r); break;
	case P9K_U64: *MEMBER(m, f, uint64_t) = p9_rd_u64(r); break;
	case P9K_STR: *MEMBER(m, f, struct p9_str) = p9_rd_str(r); break;
	case P9K_QID: p9_rd_qid(r, MEMBER(m, f, struct p9_qid)); break;
	case P9K_DATA:
	case P9K_DIRENTS:
		m->count = p9_rd_u32(r);
		m->data = p9_rd_bytes(r, m->count);
		break;
	case P9K_STAT: dec_stat(r, m, dialect, o); break;
	case P9K_WNAMES: dec_wnames(r, m); break;
	case P9K_WQIDS: dec_wqids(r, m); break;
	}
}

static int dec_fail(struct p9_decode_err *err, int code, uint8_t type,
		    const char *field, size_t off, const char *what)
{
	if (err) {
		err->code = code;
		err->type = type;
		err->field = field;
		err->offset = off;
		snprintf(err->what, sizeof err->what, "%s", what);
	}
	return code;
}

/* A failed decode leaves only type and tag: half-filled fields (a count
 * without its data) would mislead the printers. */
static int dec_fail_reset(struct p9_msg *m, struct p9_decode_err *err, int code,
			  const char *field, size_t off, const char *what)
{
	uint8_t type = m->type;
	uint16_t tag = m->tag;
	memset(m, 0, sizeof *m);
	m->type = m->wiretype = type;
	m->tag = tag;
	return dec_fail(err, code, type, field, off, what);
}

int p9_decode(const uint8_t *buf, size_t len, int dialect, struct p9_msg *m,
	      struct p9_decode_err *err)
{
	return p9_decode_flags(buf, len, dialect, 0, m, err, NULL);
}

int p9_decode_flags(const uint8_t *buf, size_t len, int dialect, unsigned flags,
		    struct p9_msg *m, struct p9_decode_err *err, unsigned *tolerated)
{
	const struct p9_msgdef *d;
	struct p9_rd r;
	struct dec_opts o = { flags, 0 };
	uint32_t size;

	memset(m, 0, sizeof *m);
	if (tolerated)
		*tolerated = 0;
	if (len < P9_HDRSZ)
		return dec_fail(err, -EBADMSG, 0, "size", 0, "shorter than a header");
	size = p9_get32(buf);
	m->type = m->wiretype = buf[4];
	m->tag = p9_get16(buf + 5);
	if (size != len)
		return dec_fail(err, -EBADMSG, m->type, "size", 0,
				size > len ? "size beyond buffer" : "size short of buffer");
	/* nfs-ganesha's 9P2000.L errors: type Rerror, body ecode[4] (Rlerror's) */
	if ((flags & P9_DEC_RLERROR) && dialect == P9_DL && m->type == P9_RERROR &&
	    len == P9_HDRSZ + 4) {
		m->type = P9_RLERROR;
		m->errnum = p9_get32(buf + P9_HDRSZ);
		if (tolerated)
			*tolerated = P9_DEC_RLERROR;
		return 0;
	}
	d = p9_msgdef(m->type);
	if (!d)
		return dec_fail(err, -EPROTO, m->type, "type", 4, "unknown message type");
	p9_rd_init(&r, buf, len);
	r.pos = P9_HDRSZ;
	for (unsigned i = 0; i < d->nfield; i++) {
		const struct p9_field *f = &d->field[i];
		if (!field_on_wire(f, dialect))
			continue;
		dec_field(&r, f, m, dialect, &o);
		if (r.err)
			return dec_fail_reset(m, err, r.err, f->name, r.err_off, r.why);
	}
	if (p9_rd_left(&r))
		return dec_fail_reset(m, err, -EBADMSG, "trailing", r.pos,
				      "bytes after the last field");
	if (tolerated)
		*tolerated = o.tolerated;
	return 0;
}

/* The decode flags: each one's name and the strict rule it relaxes. */
static const struct {
	unsigned flag;
	const char *name, *rule;
} dec_flags[] = {
	{ P9_DEC_STATLEN, "statlen",
	  "the n[2] before a stat record is the record's length" },
	{ P9_DEC_RLERROR, "rlerror",
	  "9P2000.L errors are Rlerror (type 7), never Rerror (type 107)" },
};

/* The first flag set in flags: its rule (or its name), "" if none. */
static const char *dec_flag_text(unsigned flags, int rule)
{
	for (size_t i = 0; i < sizeof dec_flags / sizeof dec_flags[0]; i++)
		if (flags & dec_flags[i].flag)
			return rule ? dec_flags[i].rule : dec_flags[i].name;
	return "";
}

const char *p9_decode_flag_rule(unsigned flags)
{
	return dec_flag_text(flags, 1);
}

const char *p9_decode_flag_name(unsigned flags)
{
	return dec_flag_text(flags, 0);
}

void p9_decode_err_str(const struct p9_decode_err *e, char *out, size_t cap)
{
	snprintf(out, cap, "%s: field %s: %s at offset %zu",
		 p9_msgdef(e->type) ? p9_typename(e->type) : "message",
		 e->field ? e->field : "?", e->what, e->offset);
}

/* ---- encode ---- */

/* The count n[2] of a walk list: -EINVAL above P9_MAXWELEM. */
static int enc_walk_count(struct p9_wr *w, uint16_t n)
{
	if (n > P9_MAXWELEM)
		return -EINVAL;
	p9_wr_u16(w, n);
	return 0;
}

static int enc_field(struct p9_wr *w, const struct p9_field *f,
		     const struct p9_msg *m, int dialect)
{
	int rc;
	switch (f->kind) {
	case P9K_U8: p9_wr_u8(w, *CMEMBER(m, f, uint8_t)); break;
	case P9K_U16: p9_wr_u16(w, *CMEMBER(m, f, uint16_t)); break;
	case P9K_U32: p9_wr_u32(w, *CMEMBER(m, f, uint32_t)); break;
	case P9K_U64: p9_wr_u64(w, *CMEMBER(m, f, uint64_t)); break;
	case P9K_STR: p9_wr_str(w, *CMEMBER(m, f, struct p9_str)); break;
	case P9K_QID: p9_wr_qid(w, CMEMBER(m, f, struct p9_qid)); break;
	case P9K_DATA:
	case P9K_DIRENTS:
		p9_wr_u32(w, m->count);
		p9_wr_bytes(w, m->data, m->count);
		break;
	case P9K_STAT:
		if (p9_stat_wire_size(&m->stat, dialect) > 0xFFFF)
			return -EINVAL; /* n[2] cannot hold it */
		p9_wr_u16(w, (uint16_t)p9_stat_wire_size(&m->stat, dialect));
		p9_wr_stat(w, &m->stat, dialect);
		break;
	case P9K_WNAMES:
		rc = enc_walk_count(w, m->nwname);
		for (unsigned i = 0; !rc && i < m->nwname; i++)
			p9_wr_str(w, m->wname[i]);
		return rc;
	case P9K_WQIDS:
		rc = enc_walk_count(w, m->nwqid);
		for (unsigned i = 0; !rc && i < m->nwqid; i++)
			p9_wr_qid(w, &m->wqid[i]);
		return rc;
	}
	return 0;
}

long p9_encode(const struct p9_msg *m, int dialect, uint8_t *buf, size_t cap)
{
	const struct p9_msgdef *d = p9_msgdef(m->type);
	struct p9_wr w;
	if (!d)
		return -EINVAL;
	p9_wr_init(&w, buf, cap);
	p9_wr_u32(&w, 0);
	p9_wr_u8(&w, m->type);
	p9_wr_u16(&w, m->tag);
	for (unsigned i = 0; i < d->nfield; i++) {
		int rc;
		if (!field_on_wire(&d->field[i], dialect))
			continue;
		rc = enc_field(&w, &d->field[i], m, dialect);
		if (rc)
			return rc;
	}
	if (w.err)
		return w.err;
	if (w.pos > UINT32_MAX)
		return -EINVAL;
	p9_put32(buf, (uint32_t)w.pos);
	return (long)w.pos;
}

static size_t field_size(const struct p9_field *f, const struct p9_msg *m,
			 int dialect)
{
	size_t n = 0;
	switch (f->kind) {
	case P9K_U8: return 1;
	case P9K_U16: return 2;
	case P9K_U32: return 4;
	case P9K_U64: return 8;
	case P9K_STR: return 2 + CMEMBER(m, f, struct p9_str)->len;
	case P9K_QID: return P9_QIDSZ;
	case P9K_DATA:
	case P9K_DIRENTS: return 4 + (size_t)m->count;
	case P9K_STAT: return 2 + p9_stat_wire_size(&m->stat, dialect);
	case P9K_WNAMES:
		for (unsigned i = 0; i < m->nwname && i < P9_MAXWELEM; i++)
			n += 2 + m->wname[i].len;
		return 2 + n;
	case P9K_WQIDS: return 2 + (size_t)m->nwqid * P9_QIDSZ;
	}
	return 0;
}

long p9_encoded_size(const struct p9_msg *m, int dialect)
{
	const struct p9_msgdef *d = p9_msgdef(m->type);
	size_t n = P9_HDRSZ;
	if (!d)
		return -EINVAL;
	for (unsigned i = 0; i < d->nfield; i++) {
		const struct p9_field *f = &d->field[i];
		if (!field_on_wire(f, dialect))
			continue;
		if (f->kind == P9K_STAT && p9_stat_wire_size(&m->stat, dialect) > 0xFFFF)
			return -EINVAL;
		n += field_size(f, m, dialect);
	}
	return (long)n;
}

struct p9_str p9_s(const char *cstr)
{
	struct p9_str s;
	size_t n = cstr ? strlen(cstr) : 0;
	s.p = cstr ? cstr : "";
	s.len = (uint16_t)(n > 0xFFFF ? 0xFFFF : n);
	return s;
}

int p9_streq(struct p9_str a, const char *cstr)
{
	size_t n = strlen(cstr);
	return n == a.len && (n == 0 || memcmp(a.p, cstr, n) == 0);
}

char *p9_strcpy(char *dst, size_t cap, struct p9_str s)
{
	size_t n;
	if (cap == 0)
		return dst;
	n = s.len < cap - 1 ? s.len : cap - 1;
	if (n) /* an empty p9_str may have p == NULL (a zeroed field) */
		memcpy(dst, s.p, n);
	dst[n] = 0;
	return dst;
}
