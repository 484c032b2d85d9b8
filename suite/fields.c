/*
 * fields.c - the names a case reads from a reply (expect's predicates and
 * captures) and sets on a request (send's assignments): the message
 * table's fields, the fields of the records inside messages (a stat's, a
 * directory entry's) through lib's record tables, and one table of
 * pseudo-fields (tag, msgtype, msgsize, errno, entries, ...) saying for
 * each where it applies, whether it is read from a reply and how, and
 * whether it is set on a send and what that sets.
 *
 * Owns: the pseudo-field table.  parse.c's checks (field_known), expect.c
 * (reply_field) and send.c (field_assign, stat_dont_touch) all read it.
 */
#include <stdlib.h>
#include <string.h>

#include "suite.h"
#include "xalloc.h"

/* A field's path split: the name, then what follows it (".path", "[0]"). */
struct fref {
	char name[64];
	const char *sub;
	char subbuf[96];     /* a rewritten sub (last. is entry[n-1].) */
};

static int split(const char *path, struct fref *f)
{
	size_t n = strcspn(path, ".[");
	if (n >= sizeof f->name)
		return -1;
	memcpy(f->name, path, n);
	f->name[n] = 0;
	f->sub = path + n;
	return 0;
}

/* ---- records ---- */

/* The value of a record's field (a stat's, a dirent's). */
static struct value rec_value(const void *rec, const struct p9_recfield *f)
{
	switch (f->kind) {
	case P9K_STR: {
		struct p9_str s = p9_rec_str(rec, f);
		return val_str(s.p ? s.p : "", s.len);
	}
	case P9K_QID:
		return val_qid(*(const struct p9_qid *)p9_rec_ptr((void *)rec, f));
	default:
		return val_int(p9_rec_uint(rec, f));
	}
}

/* Set a record's field to v (the value must outlive the record's use);
 * -1 when v is not of the field's kind. */
static int rec_set(void *rec, const struct p9_recfield *f, const struct value *v)
{
	switch (f->kind) {
	case P9K_STR:
		if (v->kind != V_STR)
			return -1;
		p9_rec_set_str(rec, f, (struct p9_str){ v->s, (uint16_t)v->len });
		return 0;
	case P9K_QID:
		if (v->kind != V_QID)
			return -1;
		*(struct p9_qid *)p9_rec_ptr(rec, f) = v->q;
		return 0;
	default:
		if (v->kind != V_INT)
			return -1;
		p9_rec_set_uint(rec, f, v->i);
		return 0;
	}
}

/* "stat.NAME..." (sub ".NAME..."): the stat field a case names, to read
 * (then sub may go on: stat.qid.path) or to set (NAME alone; never the
 * record's own size[2], which the codec computes). */
static const struct p9_recfield *stat_field(const char *sub, int set)
{
	const struct p9_recfield *f;
	char name[32];
	size_t n = strcspn(sub + 1, ".");
	if (sub[0] != '.' || n >= sizeof name || (set && sub[1 + n]))
		return NULL;
	memcpy(name, sub + 1, n);
	name[n] = 0;
	f = p9_recfield_byname(p9_stat_def(), name);
	return f && !(set && f->role == P9R_RECSIZE) ? f : NULL;
}

/* A Twstat's stat with every field "don't touch" (wstat(5)): integers all
 * ones, strings empty; its size[2] is computed on encode. */
void stat_dont_touch(struct p9_stat *st)
{
	const struct p9_recdef *d = p9_stat_def();
	memset(st, 0, sizeof *st);
	for (unsigned i = 0; i < d->nfield; i++) {
		const struct p9_recfield *f = &d->field[i];
		if (f->role == P9R_RECSIZE)
			continue;
		if (f->kind == P9K_STR)
			p9_rec_set_str(st, f, p9_s(""));
		else if (f->kind == P9K_QID)
			*(struct p9_qid *)p9_rec_ptr(st, f) =
				(struct p9_qid){ 0xFF, 0xFFFFFFFF, ~0ull };
		else
			p9_rec_set_uint(st, f, ~0ull);
	}
}

/* ---- pseudo-fields read from a reply ---- */

int reply_errno(const struct p9_reply *r)
{
	if (r->m.type == P9_RLERROR || r->m.type == P9_RERROR)
		return (int)r->m.errnum;
	return 0;
}

#define GETTER(fn) static int fn(struct interp *in, const struct stmt *s, \
				 const struct p9_reply *r, struct fref *f, struct value *out)
#define UNUSED (void)in, (void)s, (void)f

GETTER(get_tag) { UNUSED; *out = val_int(r->m.tag); return 0; }
/* the type byte as on the wire */
GETTER(get_msgtype) { UNUSED; *out = val_int(r->len > 4 ? r->buf[4] : r->m.type); return 0; }
GETTER(get_msgsize) { UNUSED; *out = val_int(r->len); return 0; }
GETTER(get_nwname) { UNUSED; *out = val_int(r->m.nwname); return 0; }
GETTER(get_nwqid) { UNUSED; *out = val_int(r->m.nwqid); return 0; }
GETTER(get_count) { UNUSED; *out = val_int(r->m.count); return 0; }
GETTER(get_errno) { UNUSED; *out = val_int((uint64_t)reply_errno(r)); return 0; }
/* 9P2000's Rerror carries no errno */
GETTER(get_iserror)
{
	UNUSED;
	*out = val_int(r->m.type == P9_RLERROR || r->m.type == P9_RERROR);
	return 0;
}
GETTER(get_ename)
{
	UNUSED;
	*out = val_str(r->m.ename.p ? r->m.ename.p : "", r->m.ename.len);
	return 0;
}
GETTER(get_nstat) { UNUSED; *out = val_int(r->m.nstat); return 0; }
GETTER(get_aqid) { UNUSED; *out = val_qid(r->m.qid); return 0; }

GETTER(get_wqid)
{
	UNUSED;
	out->kind = V_LIST;
	out->item = xcalloc(P9_MAXWELEM + 1, sizeof *out->item);
	for (int i = 0; i < r->m.nwqid && i < P9_MAXWELEM; i++)
		out->item[out->nitem++] = val_qid(r->m.wqid[i]);
	return 0;
}

/* stat.NAME: a field of the stat record (lib's table) */
GETTER(get_stat)
{
	const char *name = f->sub[0] == '.' ? f->sub + 1 : f->sub;
	size_t len = strcspn(name, ".");
	char fn[32];
	const struct p9_recfield *rf;
	if (len >= sizeof fn)
		len = sizeof fn - 1;
	memcpy(fn, name, len);
	fn[len] = 0;
	f->sub = name + len;
	if (!(rf = p9_recfield_byname(p9_stat_def(), fn)))
		return in_fail(in, s, "no stat field '%s'", fn);
	*out = rec_value(&r->m.stat, rf);
	return 0;
}

/* The entries of an Rreaddir's data (*n of them; caller frees). */
static struct p9_dirent *dirents(struct interp *in, const struct stmt *s,
				 const struct p9_msg *m, int *n)
{
	struct p9_dirent *de = NULL, one;
	size_t pos = 0;
	int k;
	*n = 0;
	while ((k = p9_dirent_next(m->data, m->count, &pos, &one)) == 1) {
		de = xrealloc(de, (size_t)(*n + 1) * sizeof *de);
		de[(*n)++] = one;
	}
	if (k < 0) {
		free(de);
		in_fail(in, s, "Rreaddir: malformed entry at byte %zu", pos);
		return NULL;
	}
	return de ? de : xcalloc(1, sizeof *de);
}

/* An entry as a list of its fields' values, in the table's order. */
static struct value dirent_list(const struct p9_dirent *de)
{
	const struct p9_recdef *d = p9_dirent_def();
	struct value v = { .kind = V_LIST };
	v.item = xcalloc(d->nfield + 1u, sizeof *v.item);
	for (unsigned i = 0; i < d->nfield; i++)
		v.item[v.nitem++] = rec_value(de, &d->field[i]);
	return v;
}

/* entry[i].NAME (f->sub "[i].NAME..."): a field of entry i. */
static int entry_field(struct interp *in, const struct stmt *s, const struct p9_dirent *de,
		       int n, struct fref *f, struct value *out)
{
	const struct p9_recdef *d = p9_dirent_def();
	char *end, fn[32] = "";
	long i = strtol(f->sub + 1, &end, 10);
	const struct p9_recfield *rf;
	if (*end != ']' || i < 0 || i >= n)
		return in_fail(in, s, "no entry %s in this Rreaddir", f->sub);
	f->sub = end + 1 + (end[1] == '.');
	size_t len = strcspn(f->sub, ".");
	if (len < sizeof fn) {
		memcpy(fn, f->sub, len);
		fn[len] = 0;
	}
	if (!len || !(rf = p9_recfield_byname(d, fn))) {
		char names[80] = "";
		for (unsigned k = 0; k < d->nfield; k++) {
			size_t l = strlen(names);
			snprintf(names + l, sizeof names - l, "%s%s", k ? ", " : "", d->field[k].name);
		}
		return in_fail(in, s, "entry fields are %s", names);
	}
	f->sub += len;
	*out = rec_value(&de[i], rf);
	return 0;
}

/* entries (how many), entry[i].NAME, last.NAME (the last entry), entry
 * (all of them, each a list of its fields) */
GETTER(get_entries)
{
	int n, rc = 0;
	struct p9_dirent *de = dirents(in, s, &r->m, &n);
	if (!de)
		return -1;
	if (f->name[0] == 'l') {
		if (!n)
			rc = in_fail(in, s, "no last entry: the Rreaddir is empty");
		snprintf(f->subbuf, sizeof f->subbuf, "[%d]%s", n - 1, f->sub);
		f->sub = f->subbuf;
	}
	if (rc) {
	} else if (strcmp(f->name, "entries") == 0) {
		*out = val_int((uint64_t)n);
	} else if (f->sub[0] == '[') {
		rc = entry_field(in, s, de, n, f, out);
	} else {
		out->kind = V_LIST;
		out->item = xcalloc((size_t)n + 1, sizeof *out->item);
		for (int i = 0; i < n; i++)
			out->item[out->nitem++] = dirent_list(&de[i]);
	}
	free(de);
	return rc;
}

/* ---- the table ---- */

/* Where a pseudo-field applies. */
enum pf_where {
	PW_BARE,     /* where the message has no field of that name */
	PW_STAT,     /* where the message carries a stat record (over its 'stat') */
	PW_ALWAYS,   /* everywhere, over a message field of that name */
};

/* What setting it on a send sets. */
enum pf_set { PS_NONE, PS_TAG, PS_SIZE, PS_TYPE, PS_STAT };

typedef int (*pf_get)(struct interp *in, const struct stmt *s, const struct p9_reply *r,
		      struct fref *f, struct value *out);

static const struct pseudo {
	const char *name;
	int where;           /* enum pf_where */
	pf_get get;          /* read from a reply; NULL: not read */
	int set;             /* enum pf_set: set on a send */
} pseudo[] = {
	{ "tag", PW_ALWAYS, get_tag, PS_TAG },
	{ "msgtype", PW_ALWAYS, get_msgtype, PS_TYPE },
	{ "msgsize", PW_ALWAYS, get_msgsize, PS_SIZE },
	{ "type", PW_BARE, NULL, PS_TYPE },      /* the header's, where no field is */
	{ "size", PW_BARE, NULL, PS_SIZE },
	{ "nwname", PW_BARE, get_nwname, PS_NONE },
	{ "nwqid", PW_BARE, get_nwqid, PS_NONE },
	{ "wqid", PW_ALWAYS, get_wqid, PS_NONE },
	{ "count", PW_BARE, get_count, PS_NONE },  /* data length of Rread/Rreaddir */
	{ "entries", PW_BARE, get_entries, PS_NONE },
	{ "entry", PW_BARE, get_entries, PS_NONE },
	{ "last", PW_BARE, get_entries, PS_NONE },
	{ "errno", PW_BARE, get_errno, PS_NONE },
	{ "ecode", PW_BARE, get_errno, PS_NONE },
	{ "error", PW_BARE, get_errno, PS_NONE },
	{ "iserror", PW_BARE, get_iserror, PS_NONE },
	{ "ename", PW_BARE, get_ename, PS_NONE },
	{ "aqid", PW_BARE, get_aqid, PS_NONE },
	{ "nstat", PW_STAT, get_nstat, PS_NONE },
	{ "stat", PW_STAT, get_stat, PS_STAT },
};

/* The pseudo-field name is in a message of row d (NULL: unknown type), to
 * read (set 0) or to set (set 1); NULL where the message's own field, if
 * any, is meant. */
static const struct pseudo *pseudo_for(const struct p9_msgdef *d, const char *name, int set)
{
	for (size_t i = 0; i < sizeof pseudo / sizeof pseudo[0]; i++) {
		const struct pseudo *pf = &pseudo[i];
		if (strcmp(pf->name, name) != 0 || (set ? pf->set == PS_NONE : !pf->get))
			continue;
		switch (pf->where) {
		case PW_BARE: return d && p9_field_byname(d, name) ? NULL : pf;
		case PW_STAT: return d && p9_field_byname(d, "stat") ? pf : NULL;
		default: return pf;
		}
	}
	return NULL;
}

int field_known(const struct p9_msgdef *d, const char *path, int set)
{
	struct fref f;
	const struct pseudo *pf;
	if (split(path, &f))
		return 0;
	if (!(pf = pseudo_for(d, f.name, set)))  /* a message field (set: no sub-path) */
		return d && p9_field_byname(d, set ? path : f.name) != NULL;
	if (pf->get == get_stat)                 /* stat.NAME: a field of the record */
		return stat_field(f.sub, set) != NULL;
	return !set || !*f.sub;                  /* a header field is set whole */
}

/* ---- reading ---- */

/* A field of the message table, read from m. */
static int msg_field(struct interp *in, const struct stmt *s, const struct p9_msg *m,
		     const char *name, struct value *out)
{
	const struct p9_msgdef *d = p9_msgdef(m->type);
	const struct p9_field *f = d ? p9_field_byname(d, name) : NULL;
	if (!f)
		return in_fail(in, s, "%s has no field '%s'", p9_typename(m->type), name);
	switch (f->kind) {
	case P9K_U8: case P9K_U16: case P9K_U32: case P9K_U64:
		*out = val_int(p9_field_uint(m, f));
		return 0;
	case P9K_STR: {
		const struct p9_str *ps = p9_field_ptr((struct p9_msg *)m, f);
		*out = val_str(ps->p ? ps->p : "", ps->len);
		return 0;
	}
	case P9K_QID:
		*out = val_qid(*(const struct p9_qid *)p9_field_ptr((struct p9_msg *)m, f));
		return 0;
	case P9K_DATA:
	case P9K_DIRENTS:
		*out = val_str((const char *)(m->data ? m->data : (const uint8_t *)""), m->count);
		return 0;
	}
	return in_fail(in, s, "field '%s' cannot be compared", name);
}

int reply_field(struct interp *in, const struct stmt *s, const struct p9_reply *r,
		const char *path, struct value *out)
{
	struct fref f;
	const struct pseudo *pf;
	struct value base = { 0 };
	int rc;
	if (split(path, &f))
		return in_fail(in, s, "field name too long");
	pf = pseudo_for(p9_msgdef(r->m.type), f.name, 0);
	rc = pf ? pf->get(in, s, r, &f, &base) : msg_field(in, s, &r->m, f.name, &base);
	if (rc) {
		val_free(&base);
		return -1;
	}
	struct expr at = { .pos = s->pos };
	rc = val_sub(in, &at, &base, f.sub, out);
	val_free(&base);
	return rc;
}

/* ---- setting ---- */

static int bad_value(struct interp *in, const struct assign *a, const char *what)
{
	return in_fail(in, NULL, "%s:%d:%d: %s %s", a->pos.file, a->pos.line, a->pos.col,
		       what, a->field);
}

/* wname=[a,b]: at most P9_MAXWELEM strings */
static int set_wnames(struct interp *in, struct p9_msg *m, const struct assign *a,
		      const struct value *v)
{
	if (v->kind != V_LIST || v->nitem > P9_MAXWELEM)
		return in_fail(in, NULL, "%s:%d:%d: wname takes a [list] of at most 16 names (use sendraw for more)",
			       a->pos.file, a->pos.line, a->pos.col);
	for (int i = 0; i < v->nitem; i++) {
		if (v->item[i].kind != V_STR)
			return bad_value(in, a, "wrong kind of value for field");
		m->wname[i].p = v->item[i].s;
		m->wname[i].len = (uint16_t)v->item[i].len;
	}
	m->nwname = (uint16_t)v->nitem;
	return 0;
}

/* A field of the message table, set in m to v (which must outlive m). */
static int set_field(struct interp *in, struct p9_msg *m, const struct p9_field *f,
		     const struct assign *a, const struct value *v)
{
	void *p = p9_field_ptr(m, f);
	int ok = 0;
	switch (f->kind) {
	case P9K_U8: case P9K_U16: case P9K_U32: case P9K_U64:
		if ((ok = v->kind == V_INT))
			p9_field_set_uint(m, f, v->i);
		break;
	case P9K_STR:
		if ((ok = v->kind == V_STR))
			*(struct p9_str *)p = (struct p9_str){ v->s, (uint16_t)v->len };
		break;
	case P9K_QID:
		if ((ok = v->kind == V_QID))
			*(struct p9_qid *)p = v->q;
		break;
	case P9K_DATA:
	case P9K_DIRENTS:
		if ((ok = v->kind == V_STR)) {
			m->data = (const uint8_t *)v->s;
			m->count = (uint32_t)v->len;
		}
		break;
	case P9K_WNAMES:
		return set_wnames(in, m, a, v);
	case P9K_WQIDS:
		if ((ok = v->kind == V_LIST && v->nitem <= P9_MAXWELEM))
			for (int i = 0; i < v->nitem && ok; i++)
				ok = v->item[i].kind == V_QID;
		for (int i = 0; ok && i < v->nitem; i++)
			m->wqid[i] = v->item[i].q;
		if (ok)
			m->nwqid = (uint16_t)v->nitem;
		break;
	}
	return ok ? 0 : bad_value(in, a, "wrong kind of value for field");
}

/* The header's tag, size or type, set on q. */
static int set_header(struct interp *in, const struct stmt *s, struct sendreq *q, int which,
		      const struct assign *a, const struct value *v)
{
	if (v->kind != V_INT)
		return in_fail(in, s, "%s needs a number", a->field);
	if (which == PS_TAG) {
		q->m.tag = (uint16_t)v->i;
		q->have_tag = 1;
	} else if (which == PS_SIZE) {
		q->size = v->i;
		q->have_size = 1;
	} else {
		q->type = v->i;
		q->have_type = 1;
	}
	return 0;
}

int field_assign(struct interp *in, const struct stmt *s, struct sendreq *q,
		 const struct assign *a, const struct value *v)
{
	const struct p9_msgdef *d = p9_msgdef(q->m.type);
	const struct p9_recfield *rf;
	const struct pseudo *pf;
	struct fref f;
	if (split(a->field, &f) == 0 && (pf = pseudo_for(d, f.name, 1))) {
		if (pf->set != PS_STAT)
			return set_header(in, s, q, pf->set, a, v);
		if (!(rf = stat_field(f.sub, 1)) || rec_set(&q->m.stat, rf, v))
			return bad_value(in, a, "bad stat field or value for");
		return 0;
	}
	const struct p9_field *mf = d ? p9_field_byname(d, a->field) : NULL;
	if (!mf)
		return in_fail(in, s, "no field '%s' in %s", a->field, d ? d->name : "this message");
	return set_field(in, &q->m, mf, a, v);
}
