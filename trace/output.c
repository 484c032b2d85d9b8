/*
 * output.c - what 9ptrace prints: one line (or JSON object) per message,
 * notes about the stream, and the --stats tables.
 *
 * Owns: the filters (--fid, --path, --type, --errors-only), the line
 *   0.000131 c1 <- Rwalk tag 1 nwqid 2 0:(...) 1:(...) (57us)
 * (the fcall text comes from p9_fmt; fids gain their path as
 * "fid 3 (/dir/file)"; an error reply names its request), the JSON form
 * (p9_json plus ts, conn, dir, latency, request and paths), the -x hex
 * dump, the notes about the stream ("##") and --check's warnings ("!!"),
 * which check.c only records.  JSON strings go through lib's one escaper.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sbuf.h"
#include "trace.h"
#include "xalloc.h"

static int is_error(uint8_t type)
{
	return type == P9_RERROR || type == P9_RLERROR;
}

/* Which fields of a row name fids (their role), as a bit mask; computed
 * once per type (the table is constant), since this runs for every message. */
static uint32_t fid_mask(const struct p9_msgdef *d)
{
	static uint32_t mask[256];
	static uint8_t known[256];
	if (!known[d->type]) {
		uint32_t m = 0;
		for (unsigned i = 0; i < d->nfield && i < 32; i++)
			if (p9_role_is_fid(d->field[i].role))
				m |= 1u << i;
		mask[d->type] = m;
		known[d->type] = 1;
	}
	return mask[d->type];
}

/* ---- filters ---- */

static int path_match(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);
	return path && !strncmp(path, prefix, n) &&
	       (n == 0 || prefix[n - 1] == '/' || path[n] == 0 || path[n] == '/');
}

static int fids_match(struct tr_conn *c, const struct p9_msg *m,
		      const struct tr_req *rq)
{
	const struct tr_opts *o = &c->tr->o;
	const struct p9_msgdef *d = p9_msgdef(m->type);
	uint32_t fm = d ? fid_mask(d) : 0;
	for (unsigned i = 0; fm && i < d->nfield; i++) {
		const struct p9_field *f = &d->field[i];
		if (!(fm & (1u << i)))
			continue;
		uint32_t fid = (uint32_t)p9_field_uint(m, f);
		if ((!o->has_fid || fid == o->fid) &&
		    (!o->path || path_match(tr_fid_path(c, fid), o->path)))
			return 1;
	}
	if (rq && (m->type & 1)) {
		if ((!o->has_fid || rq->fid == o->fid || rq->newfid == o->fid) &&
		    (!o->path || path_match(tr_fid_path(c, rq->fid), o->path) ||
		     path_match(rq->path, o->path)))
			return 1;
	}
	if (rq && !(m->type & 1) && o->path && path_match(rq->path, o->path) &&
	    !o->has_fid)
		return 1;
	return 0;
}

static int shown(struct tr_conn *c, const struct p9_msg *m, const struct tr_req *rq)
{
	const struct tr_opts *o = &c->tr->o;
	if (o->quiet || o->silent)
		return 0;
	if (o->has_types && !o->types[m->type])
		return 0;
	if (o->errors_only && !is_error(m->type))
		return 0;
	if ((o->has_fid || o->path) && !fids_match(c, m, rq))
		return 0;
	return 1;
}

/* ---- the line ---- */

struct line {
	char *p;
	size_t len, cap;
};

static void l_grow(struct line *l, size_t more)
{
	if (l->len + more + 1 <= l->cap)
		return;
	size_t cap = l->cap * 2;
	while (cap < l->len + more + 1)
		cap *= 2;
	l->p = xrealloc(l->p, cap);
	l->cap = cap;
}

static void l_mem(struct line *l, const char *s, size_t n)
{
	l_grow(l, n);
	memcpy(l->p + l->len, s, n);
	l->len += n;
	l->p[l->len] = 0;
}

static void l_printf(struct line *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void l_printf(struct line *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(l->p + l->len, l->cap - l->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= l->cap - l->len) {
		l_grow(l, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(l->p + l->len, l->cap - l->len, fmt, ap);
		va_end(ap);
	}
	l->len += (size_t)n;
}

/* Append p9_fmt's text, or p9_json's when json. */
static void l_msg(struct line *l, const struct p9_msg *m, int dialect, int json)
{
	for (;;) {
		size_t room = l->cap - l->len;
		int n = json ? p9_json(l->p + l->len, room, m, dialect, 4096)
			     : p9_fmt(l->p + l->len, room, m, dialect);
		if (n < 0)
			return;
		if ((size_t)n < room) {
			l->len += (size_t)n;
			return;
		}
		l_grow(l, (size_t)n);
	}
}

/* Append ts, conn, direction. */
static void l_head(struct line *l, struct tr *t, struct tr_conn *c, const char *dir)
{
	uint64_t rel = t->now >= t->t0 ? t->now - t->t0 : 0;
	char b[64];
	size_t n = 0;
	n += p9_dec(b + n, rel / 1000000000, 0);
	b[n++] = '.';
	n += p9_dec(b + n, rel / 1000 % 1000000, 6);
	b[n++] = ' ';
	b[n++] = 'c';
	n += p9_dec(b + n, c->id, 0);
	b[n++] = ' ';
	b[n++] = dir[0];
	b[n++] = dir[1];
	b[n++] = ' ';
	l_mem(l, b, n);
}

/* Text of the fcall with " (path)" after each fid that has one. */
static void l_fcall(struct line *l, struct tr_conn *c, const struct p9_msg *m)
{
	size_t start = l->len;
	l_msg(l, m, c->dialect ? c->dialect : P9_DL, 0);
	const struct p9_msgdef *d = p9_msgdef(m->type);
	if (!d || !c->nfids)
		return;
	size_t from = start;
	uint32_t fm = fid_mask(d);
	for (unsigned i = 0; fm && i < d->nfield; i++) {
		const struct p9_field *f = &d->field[i];
		if (!(fm & (1u << i)) || !(f->dialects & (c->dialect ? c->dialect : P9_DL)))
			continue;
		uint32_t fid = (uint32_t)p9_field_uint(m, f);
		const char *path = tr_fid_path(c, fid);
		char needle[48];
		size_t fl = strlen(f->name);
		needle[0] = ' ';
		memcpy(needle + 1, f->name, fl);
		needle[fl + 1] = ' ';
		int nn = (int)(fl + 2 + p9_dec(needle + fl + 2, fid, 0));
		needle[nn] = 0;
		char *at = strstr(l->p + from, needle);
		if (!at)
			continue;
		size_t pos = (size_t)(at - l->p) + (size_t)nn;
		from = pos;
		if (!path || (l->p[pos] != ' ' && l->p[pos] != 0))
			continue;
		size_t plen = strlen(path);
		l_grow(l, plen + 3);
		memmove(l->p + pos + plen + 3, l->p + pos, l->len - pos + 1);
		l->p[pos] = ' ';
		l->p[pos + 1] = '(';
		memcpy(l->p + pos + 2, path, plen);
		l->p[pos + 2 + plen] = ')';
		l->len += plen + 3;
		from = pos + plen + 3;
	}
}

static void l_latency(struct line *l, struct tr *t, const struct p9_msg *m,
		      const struct tr_req *rq)
{
	uint64_t us = (t->now - rq->ts) / 1000;
	char b[64];
	size_t n = 0;
	b[n++] = ' ';
	b[n++] = '(';
	if (is_error(m->type) || m->type != rq->type + 1) {
		const char *name = p9_typename(rq->type);
		size_t k = strlen(name);
		memcpy(b + n, name, k);
		n += k;
		b[n++] = ',';
		b[n++] = ' ';
	}
	n += p9_dec(b + n, us, 0);
	memcpy(b + n, "us)", 3);
	l_mem(l, b, n + 3);
}

/* A 9P2000/.u directory read: the names of its stat entries. */
static void l_stat_entries(struct line *l, struct tr_conn *c, const struct p9_msg *m)
{
	struct p9_stat st;
	size_t pos = 0;
	unsigned n = 0;
	int rc;
	if (!m->data)
		return;
	l_mem(l, " entries", 8);
	while ((rc = p9_stat_next(m->data, m->count, c->dialect ? c->dialect : P9_D2000,
				  &pos, &st)) > 0) {
		if (n < 8) {
			l_printf(l, " %u:", n);
			l_mem(l, st.name.p, st.name.len);
		}
		n++;
	}
	if (n > 8)
		l_mem(l, " ...", 4);
	l_printf(l, " nent %u", n);
	if (rc < 0)
		l_printf(l, " partial-entry-at %zu", pos);
}

static void l_hex(struct line *l, const uint8_t *buf, size_t len)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i += 16) {
		l_printf(l, "\n\t%04zx ", i);
		l_grow(l, 16 * 3 + 20);
		for (size_t j = i; j < i + 16 && j < len; j++) {
			l->p[l->len++] = ' ';
			l->p[l->len++] = hx[buf[j] >> 4];
			l->p[l->len++] = hx[buf[j] & 15];
		}
		l->p[l->len] = 0;
	}
}

/* s as a JSON string (p9_json_quote: every byte that is not printable
 * ASCII as \u00XX). */
static void l_json_str(struct line *l, const char *s)
{
	size_t n = strlen(s);
	struct p9_sb b;
	l_grow(l, n * 6 + 2);
	p9_sb_init(&b, l->p + l->len, l->cap - l->len);
	p9_json_quote(&b, s, n, 0);
	l->len += b.len;
}

static void json_line(struct line *l, struct tr *t, struct tr_conn *c, int client,
		      const struct p9_msg *m, const struct tr_req *rq)
{
	uint64_t rel = t->now >= t->t0 ? t->now - t->t0 : 0;
	l_printf(l, "{\"ts\":%llu.%06llu,\"conn\":%u,\"dir\":\"%s\",",
		 (unsigned long long)(rel / 1000000000),
		 (unsigned long long)(rel / 1000 % 1000000), c->id, client ? "->" : "<-");
	size_t at = l->len;
	l_msg(l, m, c->dialect ? c->dialect : P9_DL, 1);
	/* drop p9_json's own braces */
	if (l->len > at && l->p[at] == '{') {
		memmove(l->p + at, l->p + at + 1, l->len - at);
		l->len--;
	}
	if (l->len > at && l->p[l->len - 1] == '}')
		l->p[--l->len] = 0;
	if (!client && rq)
		l_printf(l, ",\"request\":\"%s\",\"latency_us\":%llu",
			 p9_typename(rq->type),
			 (unsigned long long)((t->now - rq->ts) / 1000));
	const struct p9_msgdef *d = p9_msgdef(m->type);
	int any = 0;
	uint32_t fm = d ? fid_mask(d) : 0;
	for (unsigned i = 0; fm && i < d->nfield; i++) {
		const struct p9_field *f = &d->field[i];
		if (!(fm & (1u << i)))
			continue;
		const char *path = tr_fid_path(c, (uint32_t)p9_field_uint(m, f));
		if (!path)
			continue;
		l_printf(l, "%s\"%s\":", any ? "," : ",\"paths\":{", f->name);
		l_json_str(l, path);
		any = 1;
	}
	if (any)
		l_mem(l, "}", 1);
	l_mem(l, "}", 1);
}

void tr_emit(struct tr_conn *c, int client, const uint8_t *buf, size_t len,
	     const struct p9_msg *m, const struct tr_req *rq)
{
	struct tr *t = c->tr;
	if (!shown(c, m, client ? NULL : rq))
		return;
	struct line l = { t->line, 0, t->linecap };
	l.p[0] = 0;
	if (t->o.json) {
		json_line(&l, t, c, client, m, rq);
	} else {
		l_head(&l, t, c, client ? "->" : "<-");
		l_fcall(&l, c, m);
		if (!client && rq && m->type == P9_RREAD && c->dialect != P9_DL &&
		    tr_fid_isdir(c, rq->fid))
			l_stat_entries(&l, c, m);
		if (!client && rq)
			l_latency(&l, t, m, rq);
		if (t->o.hex && buf)
			l_hex(&l, buf, len);
	}
	l_mem(&l, "\n", 1);
	fwrite(l.p, 1, l.len, t->out);
	t->line = l.p;
	t->linecap = l.cap;
}

void tr_emit_note(struct tr_conn *c, const char *fmt, ...)
{
	struct tr *t = c->tr;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	uint64_t rel = t->now >= t->t0 ? t->now - t->t0 : 0;
	FILE *f = t->o.quiet ? stderr : t->out;
	if (t->o.json) {
		struct line l = { t->line, 0, t->linecap };
		l.p[0] = 0;
		l_printf(&l, "{\"ts\":%llu.%06llu,\"conn\":%u,\"note\":",
			 (unsigned long long)(rel / 1000000000),
			 (unsigned long long)(rel / 1000 % 1000000), c->id);
		l_json_str(&l, msg);
		l_mem(&l, "}\n", 2);
		fwrite(l.p, 1, l.len, f);
		t->line = l.p;
		t->linecap = l.cap;
		return;
	}
	fprintf(f, "%llu.%06llu c%u ## %s\n", (unsigned long long)(rel / 1000000000),
		(unsigned long long)(rel / 1000 % 1000000), c->id, msg);
}

/* --check's warnings of one message, before its line. */
void tr_emit_warnings(struct tr_conn *c, const struct tr_warnings *w)
{
	struct tr *t = c->tr;
	uint64_t rel = t->now - t->t0;
	for (unsigned i = 0; i < w->n; i++) {
		unsigned long long sec = rel / 1000000000, usec = rel / 1000 % 1000000;
		if (!t->o.json) {
			fprintf(t->out, "%llu.%06llu c%u !! %s\n", sec, usec, c->id, w->msg[i]);
			continue;
		}
		fprintf(t->out, "{\"ts\":%llu.%06llu,\"conn\":%u,\"warning\":", sec, usec,
			c->id);
		p9_json_fquote(t->out, w->msg[i], 0);
		fputs("}\n", t->out);
	}
}

int tr_parse_types(struct tr_opts *o, const char *list)
{
	char *dup = xstrdup(list), *save = NULL;
	o->has_types = 1;
	for (char *w = strtok_r(dup, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		const struct p9_msgdef *d = p9_msgdef_byname(w);
		if (d) {
			o->types[d->type] = 1;
			continue;
		}
		char name[64];
		int found = 0;
		for (int k = 0; k < 2; k++) {
			snprintf(name, sizeof name, "%c%s", k ? 'R' : 'T', w);
			if ((d = p9_msgdef_byname(name))) {
				o->types[d->type] = 1;
				found = 1;
			}
		}
		if (!found && !strcmp(w, "error")) {
			o->types[P9_RERROR] = o->types[P9_RLERROR] = 1;
			found = 1;
		}
		if (!found) {
			free(dup);
			return -1;
		}
	}
	free(dup);
	return 0;
}
