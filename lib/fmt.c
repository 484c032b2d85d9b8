/*
 * fmt.c - the Plan 9 fcall text form of a message, driven by the table:
 *   Twalk tag 1 fid 0 newfid 1 nwname 2 0:a 1:b
 *   Rattach tag 1 qid (0000000000000001 0 d)
 *   Rread tag 3 count 5 'hello'
 *   Rlerror tag 2 ecode ENOENT
 *
 * Owns: how each field kind reads as text.  Strings are printed bare unless
 * empty or holding blanks, quotes or unprintable bytes (then 'quoted', with
 * C escapes).  Data shows at most 64 bytes: 'text' when printable, hex
 * otherwise, "..." when cut.  Fids equal to NOFID print as -1.
 */
#include <stdio.h>

#include "p9.h"
#include "sbuf.h"

enum { DUMPMAX = 64, DIRENTMAX = 8 };

int p9_fmt_qid(char *out, size_t cap, const struct p9_qid *q)
{
	char t[8];
	int n = 0;
	if (q->type & P9_QTDIR) t[n++] = 'd';
	if (q->type & P9_QTAPPEND) t[n++] = 'a';
	if (q->type & P9_QTEXCL) t[n++] = 'l';
	if (q->type & P9_QTAUTH) t[n++] = 'A';
	if (q->type & P9_QTTMP) t[n++] = 't';
	if (q->type & P9_QTSYMLINK) t[n++] = 'L';
	t[n] = 0;
	return snprintf(out, cap, "(%.16llx %lu %s)", (unsigned long long)q->path,
			(unsigned long)q->version, t);
}

static void put_qid(struct p9_sb *b, const struct p9_qid *q)
{
	/* the p9_fmt_qid form without printf: this is the hot path of 9ptrace */
	p9_sb_putc(b, '(');
	p9_sb_hex(b, q->path, 16);
	p9_sb_putc(b, ' ');
	p9_sb_u64(b, q->version);
	p9_sb_putc(b, ' ');
	if (q->type & P9_QTDIR) p9_sb_putc(b, 'd');
	if (q->type & P9_QTAPPEND) p9_sb_putc(b, 'a');
	if (q->type & P9_QTEXCL) p9_sb_putc(b, 'l');
	if (q->type & P9_QTAUTH) p9_sb_putc(b, 'A');
	if (q->type & P9_QTTMP) p9_sb_putc(b, 't');
	if (q->type & P9_QTSYMLINK) p9_sb_putc(b, 'L');
	p9_sb_putc(b, ')');
}

/* " name " */
static void put_name(struct p9_sb *b, const char *name)
{
	p9_sb_putc(b, ' ');
	p9_sb_str(b, name);
	p9_sb_putc(b, ' ');
}

static int needs_quotes(struct p9_str s)
{
	if (s.len == 0)
		return 1;
	for (unsigned i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (c <= ' ' || c >= 0x7f || c == '\'' || c == '\\')
			return 1;
	}
	return 0;
}

static void put_escaped(struct p9_sb *b, const void *p, size_t n)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		size_t run = 0;
		while (i + run < n && s[i + run] >= ' ' && s[i + run] < 0x7f &&
		       s[i + run] != '\'' && s[i + run] != '\\')
			run++;
		if (run) { /* plain bytes in one copy */
			p9_sb_mem(b, s + i, run);
			i += run - 1;
			continue;
		}
		if (c == '\n') p9_sb_printf(b, "\\n");
		else if (c == '\t') p9_sb_printf(b, "\\t");
		else if (c == '\'' || c == '\\') p9_sb_printf(b, "\\%c", c);
		else if (c < ' ' || c >= 0x7f) p9_sb_printf(b, "\\x%02x", c);
		else p9_sb_putc(b, (char)c);
	}
}

static void put_str(struct p9_sb *b, struct p9_str s)
{
	if (!needs_quotes(s)) {
		p9_sb_mem(b, s.p, s.len);
		return;
	}
	p9_sb_putc(b, '\'');
	put_escaped(b, s.p, s.len);
	p9_sb_putc(b, '\'');
}

static int printable(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((p[i] < ' ' && p[i] != '\n' && p[i] != '\t') || p[i] >= 0x7f)
			return 0;
	return 1;
}

static void put_data(struct p9_sb *b, const uint8_t *p, uint32_t count)
{
	size_t n = count < DUMPMAX ? count : DUMPMAX;
	p9_sb_str(b, " count ");
	p9_sb_u64(b, count);
	if (count == 0 || p == NULL)
		return;
	p9_sb_putc(b, ' ');
	if (printable(p, n)) {
		p9_sb_putc(b, '\'');
		put_escaped(b, p, n);
		p9_sb_putc(b, '\'');
	} else {
		for (size_t i = 0; i < n; i++)
			p9_sb_hex(b, p[i], 2);
	}
	if (n < count)
		p9_sb_printf(b, "...");
}

static void put_oct(struct p9_sb *b, unsigned long long v)
{
	char t[24];
	int i = sizeof t;
	do {
		t[--i] = (char)('0' + (v & 7));
		v >>= 3;
	} while (v);
	if (t[i] != '0')
		t[--i] = '0';
	p9_sb_mem(b, t + i, sizeof t - (size_t)i);
}

/* An integer as its field shows it (not P9S_ERRNO). */
static void put_uint(struct p9_sb *b, unsigned show, uint64_t v)
{
	switch (show) {
	case P9S_HEX: /* as %#llx */
		if (v)
			p9_sb_str(b, "0x");
		p9_sb_hex(b, v, 1);
		break;
	case P9S_OCT: /* as %#llo */
		put_oct(b, v);
		break;
	default:
		p9_sb_u64(b, v);
	}
}

/* The fields of a record that the fcall text shows, in its order, each
 * after its text. */
static void put_rec(struct p9_sb *b, const struct p9_recdef *d, const void *rec,
		    int dialect)
{
	for (unsigned pos = 0; pos < d->nfield; pos++)
		for (unsigned i = 0; i < d->nfield; i++) {
			const struct p9_recfield *f = &d->field[i];
			if (!f->text || f->textpos != pos || !(f->dialects & dialect))
				continue;
			p9_sb_str(b, f->text);
			if (f->kind == P9K_STR)
				put_str(b, p9_rec_str(rec, f));
			else if (f->kind == P9K_QID)
				put_qid(b, (const struct p9_qid *)((const char *)rec + f->off));
			else
				put_uint(b, f->show, p9_rec_uint(rec, f));
		}
}

static void put_dirents(struct p9_sb *b, const struct p9_msg *m)
{
	struct p9_dirent e;
	size_t pos = 0;
	unsigned n = 0;
	int rc;
	p9_sb_str(b, " count ");
	p9_sb_u64(b, m->count);
	if (!m->data && m->count) /* a count without its payload (a QEMU trace log) */
		return;
	while ((rc = p9_dirent_next(m->data, m->count, &pos, &e)) > 0) {
		if (n < DIRENTMAX) {
			p9_sb_putc(b, ' ');
			p9_sb_u64(b, n);
			p9_sb_putc(b, ':');
			put_rec(b, p9_dirent_def(), &e, P9_DL);
		}
		n++;
	}
	if (n > DIRENTMAX)
		p9_sb_printf(b, " ...");
	p9_sb_str(b, " nent ");
	p9_sb_u64(b, n);
	if (rc < 0)
		p9_sb_printf(b, " partial-entry-at %zu", pos);
}

/* " label n", then the first n (at most P9_MAXWELEM) items of a walk
 * list are printed, each after " i:" (put_item). */
static unsigned put_list(struct p9_sb *b, const char *label, unsigned n)
{
	p9_sb_str(b, label);
	p9_sb_u64(b, n);
	return n < P9_MAXWELEM ? n : P9_MAXWELEM;
}

static void put_item(struct p9_sb *b, unsigned i)
{
	p9_sb_putc(b, ' ');
	p9_sb_u64(b, i);
	p9_sb_putc(b, ':');
}

static void put_int(struct p9_sb *b, const struct p9_field *f, uint64_t v)
{
	const char *en;
	if (p9_role_is_fid(f->role) && v == P9_NOFID) {
		p9_sb_printf(b, " %s -1", f->name);
		return;
	}
	if (f->show != P9S_ERRNO) {
		put_name(b, f->name);
		put_uint(b, f->show, v);
		return;
	}
	en = p9_errno_name((uint32_t)v);
	if (en)
		p9_sb_printf(b, " %s %s", f->name, en);
	else
		p9_sb_printf(b, " %s %llu", f->name, (unsigned long long)v);
}

static void put_field(struct p9_sb *b, const struct p9_field *f,
		      const struct p9_msg *m, int dialect)
{
	const void *p = (const char *)m + f->off;
	switch (f->kind) {
	case P9K_U8: case P9K_U16: case P9K_U32: case P9K_U64:
		put_int(b, f, p9_field_uint(m, f));
		break;
	case P9K_STR:
		put_name(b, f->name);
		put_str(b, *(const struct p9_str *)p);
		break;
	case P9K_QID:
		put_name(b, f->name);
		put_qid(b, p);
		break;
	case P9K_DATA: put_data(b, m->data, m->count); break;
	case P9K_DIRENTS: put_dirents(b, m); break;
	case P9K_STAT: put_rec(b, p9_stat_def(), &m->stat, dialect); break;
	case P9K_WNAMES:
		for (unsigned i = 0, n = put_list(b, " nwname ", m->nwname);
		     i < n; i++) {
			put_item(b, i);
			put_str(b, m->wname[i]);
		}
		break;
	case P9K_WQIDS:
		for (unsigned i = 0, n = put_list(b, " nwqid ", m->nwqid);
		     i < n; i++) {
			put_item(b, i);
			put_qid(b, &m->wqid[i]);
		}
		break;
	}
}

int p9_fmt(char *out, size_t cap, const struct p9_msg *m, int dialect)
{
	const struct p9_msgdef *d = p9_msgdef(m->type);
	struct p9_sb b;
	p9_sb_init(&b, out, cap);
	if (!d) {
		p9_sb_printf(&b, "%s type %u tag %u",
			     m->type == P9_NOREPLY ? "NOREPLY" : "unknown",
			     m->type, m->tag);
		return (int)b.len;
	}
	p9_sb_str(&b, d->name);
	p9_sb_str(&b, " tag ");
	p9_sb_u64(&b, m->tag);
	for (unsigned i = 0; i < d->nfield; i++)
		if (d->field[i].dialects & dialect)
			put_field(&b, &d->field[i], m, dialect);
	return (int)b.len;
}
