/*
 * json.c - one JSON object per message, every field by its table name:
 *   {"type":"Twalk","tag":1,"fid":0,"newfid":1,"nwname":2,"wname":["a","b"]}
 *
 * Owns: the JSON spelling of each field kind.  Qids are objects
 * {"type":..,"version":..,"path":..}; data is hex (cut at maxdata bytes,
 * then "data_truncated":true); Rreaddir payloads become "entries", a stat
 * and each entry an object printed from its record table; errno
 * fields gain a "<field>_name" member; strings escape every byte that is not
 * printable ASCII as \u00XX so the output is always valid JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p9.h"
#include "sbuf.h"
#include "xalloc.h"

void p9_json_quote(struct p9_sb *b, const char *p, size_t n, unsigned how)
{
	p9_sb_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '"' || c == '\\')
			p9_sb_printf(b, "\\%c", c);
		else if (c == '\n' && (how & P9_JQ_SHORTNL))
			p9_sb_str(b, "\\n");
		else if (c < 0x20 || c == 0x7f || (c > 0x7f && !(how & P9_JQ_UTF8)))
			p9_sb_printf(b, "\\u%04x", c);
		else
			p9_sb_putc(b, (char)c);
	}
	p9_sb_putc(b, '"');
}

void p9_json_fquote(FILE *f, const char *s, unsigned how)
{
	char small[256];
	size_t n = s ? strlen(s) : 0;
	size_t cap = n * 6 + 3;
	char *out = cap <= sizeof small ? small : xmalloc(cap);
	struct p9_sb b;
	p9_sb_init(&b, out, cap);
	p9_json_quote(&b, s ? s : "", n, how);
	fputs(out, f);
	if (out != small)
		free(out);
}

static void js_str(struct p9_sb *b, const char *p, size_t n)
{
	p9_json_quote(b, p, n, 0);
}

static void js_pstr(struct p9_sb *b, struct p9_str s)
{
	js_str(b, s.p, s.len);
}

static void js_qid(struct p9_sb *b, const struct p9_qid *q)
{
	p9_sb_printf(b, "{\"type\":%u,\"version\":%lu,\"path\":%llu}", q->type,
		     (unsigned long)q->version, (unsigned long long)q->path);
}

static void js_key(struct p9_sb *b, const char *k)
{
	p9_sb_printf(b, ",\"%s\":", k);
}

static void js_data(struct p9_sb *b, const struct p9_msg *m, size_t maxdata)
{
	size_t n = m->count < maxdata ? m->count : maxdata;
	p9_sb_printf(b, ",\"count\":%lu,\"data\":\"", (unsigned long)m->count);
	for (size_t i = 0; i < n && m->data; i++)
		p9_sb_printf(b, "%02x", m->data[i]);
	p9_sb_putc(b, '"');
	if (n < m->count)
		p9_sb_printf(b, ",\"data_truncated\":true");
}

/* A record as one object: every field on the wire in dialect, in wire
 * order, under its JSON key. */
static void js_rec(struct p9_sb *b, const struct p9_recdef *d, const void *rec,
		   int dialect)
{
	int first = 1;
	p9_sb_putc(b, '{');
	for (unsigned i = 0; i < d->nfield; i++) {
		const struct p9_recfield *f = &d->field[i];
		if (!(f->dialects & dialect))
			continue;
		p9_sb_printf(b, "%s\"%s\":", first ? "" : ",", f->json ? f->json : f->name);
		first = 0;
		if (f->kind == P9K_STR)
			js_pstr(b, p9_rec_str(rec, f));
		else if (f->kind == P9K_QID)
			js_qid(b, (const struct p9_qid *)((const char *)rec + f->off));
		else
			p9_sb_u64(b, p9_rec_uint(rec, f));
	}
	p9_sb_putc(b, '}');
}

static void js_dirents(struct p9_sb *b, const struct p9_msg *m)
{
	struct p9_dirent e;
	size_t pos = 0;
	int rc = 0, first = 1;
	p9_sb_printf(b, ",\"count\":%lu,\"entries\":[", (unsigned long)m->count);
	while (m->data && (rc = p9_dirent_next(m->data, m->count, &pos, &e)) > 0) {
		if (!first)
			p9_sb_putc(b, ',');
		js_rec(b, p9_dirent_def(), &e, P9_DL);
		first = 0;
	}
	p9_sb_putc(b, ']');
	if (rc < 0)
		p9_sb_printf(b, ",\"entries_error\":\"partial entry at %zu\"", pos);
}

static void js_stat(struct p9_sb *b, const struct p9_stat *st, int dialect)
{
	p9_sb_str(b, ",\"stat\":");
	js_rec(b, p9_stat_def(), st, dialect);
}

static void js_field(struct p9_sb *b, const struct p9_field *f,
		     const struct p9_msg *m, int dialect, size_t maxdata)
{
	const void *p = (const char *)m + f->off;
	const char *en;
	switch (f->kind) {
	case P9K_U8: case P9K_U16: case P9K_U32: case P9K_U64:
		p9_sb_printf(b, ",\"%s\":%llu", f->name,
			     (unsigned long long)p9_field_uint(m, f));
		if (f->show == P9S_ERRNO && (en = p9_errno_name((uint32_t)p9_field_uint(m, f))))
			p9_sb_printf(b, ",\"%s_name\":\"%s\"", f->name, en);
		break;
	case P9K_STR: js_key(b, f->name); js_pstr(b, *(const struct p9_str *)p); break;
	case P9K_QID: js_key(b, f->name); js_qid(b, p); break;
	case P9K_DATA: js_data(b, m, maxdata); break;
	case P9K_DIRENTS: js_dirents(b, m); break;
	case P9K_STAT: js_stat(b, &m->stat, dialect); break;
	case P9K_WNAMES:
		p9_sb_printf(b, ",\"nwname\":%u,\"wname\":[", m->nwname);
		for (unsigned i = 0; i < m->nwname && i < P9_MAXWELEM; i++) {
			if (i)
				p9_sb_putc(b, ',');
			js_pstr(b, m->wname[i]);
		}
		p9_sb_putc(b, ']');
		break;
	case P9K_WQIDS:
		p9_sb_printf(b, ",\"nwqid\":%u,\"wqid\":[", m->nwqid);
		for (unsigned i = 0; i < m->nwqid && i < P9_MAXWELEM; i++) {
			if (i)
				p9_sb_putc(b, ',');
			js_qid(b, &m->wqid[i]);
		}
		p9_sb_putc(b, ']');
		break;
	}
}

int p9_json(char *out, size_t cap, const struct p9_msg *m, int dialect,
	    size_t maxdata)
{
	const struct p9_msgdef *d = p9_msgdef(m->type);
	struct p9_sb b;
	p9_sb_init(&b, out, cap);
	p9_sb_printf(&b, "{\"type\":\"%s\",\"typenum\":%u,\"tag\":%u",
		     p9_typename(m->type), m->type, m->tag);
	for (unsigned i = 0; d && i < d->nfield; i++)
		if (d->field[i].dialects & dialect)
			js_field(&b, &d->field[i], m, dialect, maxdata);
	p9_sb_putc(&b, '}');
	return (int)b.len;
}
