/*
 * interp.c - runs one case: its connection, variables, the send/expect
 * statements, loops and conditions, and the transcript of the exchange.
 *
 * Owns: building a message from "field=value" assignments through the
 * message table (so every message is scriptable with no per-message code),
 * matching replies against predicates, the dialect-adaptive error
 * expectation, timeouts (per reply and per case) and the scratch directory
 * made for cases that need a writable target.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "suite.h"

enum { SCRATCH_FID = 900, BASE_FID = 901 };

/* ---- transcript and failure ---- */

static void log_raw(struct interp *in, const char *s)
{
	size_t n = strlen(s);
	if (in->loglen + n + 2 > in->logcap) {
		size_t cap = in->logcap ? in->logcap * 2 : 4096;
		while (cap < in->loglen + n + 2)
			cap *= 2;
		char *p = realloc(in->log, cap);
		if (!p)
			abort();
		in->log = p;
		in->logcap = cap;
	}
	memcpy(in->log + in->loglen, s, n);
	in->loglen += n;
	in->log[in->loglen++] = '\n';
	in->log[in->loglen] = 0;
}

void in_log(struct interp *in, const char *fmt, ...)
{
	char line[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	/* keep the transcript bounded: a long loop logs only its start */
	if (in->loglen > 256 * 1024)
		return;
	log_raw(in, line);
}

int in_fail(struct interp *in, const struct stmt *s, const char *fmt, ...)
{
	char msg[900];
	va_list ap;
	if (in->failmsg[0])
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (s)
		snprintf(in->failmsg, sizeof in->failmsg, "%s:%d: %s", s->pos.file,
			 s->pos.line, msg);
	else
		snprintf(in->failmsg, sizeof in->failmsg, "%s", msg);
	return -1;
}

static void log_msg(struct interp *in, const char *dir, const struct p9_msg *m)
{
	char line[1024];
	p9_fmt(line, sizeof line, m, in->dialect);
	in_log(in, "%s %s", dir, line);
}

static void log_reply(struct interp *in, const struct p9_reply *r)
{
	if (r->decode_rc) {
		char why[256];
		p9_decode_err_str(&r->derr, why, sizeof why);
		in_log(in, "<- (%zu bytes, malformed: %s)", r->len, why);
	} else {
		log_msg(in, "<-", &r->m);
	}
}

/* ---- variables ---- */

struct value *var_get(struct interp *in, const char *name)
{
	if (name[0] == '$')
		name++;
	for (int i = 0; i < in->nvar; i++)
		if (strcmp(in->vars[i].name, name) == 0)
			return &in->vars[i].v;
	return NULL;
}

void var_set(struct interp *in, const char *name, const struct value *v)
{
	struct value *old;
	if (name[0] == '$')
		name++;
	if ((old = var_get(in, name))) {
		struct value tmp;
		val_copy(&tmp, v);
		val_free(old);
		*old = tmp;
		return;
	}
	struct var *nv = realloc(in->vars, (size_t)(in->nvar + 1) * sizeof *nv);
	if (!nv)
		abort();
	in->vars = nv;
	in->vars[in->nvar].name = strdup(name);
	if (!in->vars[in->nvar].name)
		abort();
	val_copy(&in->vars[in->nvar].v, v);
	in->nvar++;
}

static void var_int(struct interp *in, const char *name, uint64_t i)
{
	struct value v = val_int(i);
	var_set(in, name, &v);
}

static void var_qid(struct interp *in, const char *name, struct p9_qid q)
{
	struct value v = val_qid(q);
	var_set(in, name, &v);
}

static void var_str(struct interp *in, const char *name, const char *s)
{
	struct value v = val_str(s, strlen(s));
	var_set(in, name, &v);
	val_free(&v);
}

/* A sub-path of a value: .path .type .version of a qid, .len of a string,
 * [i] of a list. */
static int val_sub(struct interp *in, const struct expr *e, const struct value *v,
		   const char *path, struct value *out)
{
	if (!path || !*path) {
		val_copy(out, v);
		return 0;
	}
	if (*path == '.')
		path++;
	if (*path == '[') {
		char *end;
		long i = strtol(path + 1, &end, 10);
		if (*end != ']' || v->kind != V_LIST || i < 0 || i >= v->nitem)
			return in_fail(in, NULL, "%s:%d: bad index %s", e->pos.file,
				       e->pos.line, path);
		return val_sub(in, e, &v->item[i], end + 1, out);
	}
	if (v->kind == V_QID) {
		if (strcmp(path, "path") == 0) { *out = val_int(v->q.path); return 0; }
		if (strcmp(path, "type") == 0) { *out = val_int(v->q.type); return 0; }
		if (strcmp(path, "version") == 0) { *out = val_int(v->q.version); return 0; }
	}
	if (v->kind == V_STR && strcmp(path, "len") == 0) {
		*out = val_int(v->len);
		return 0;
	}
	if (v->kind == V_LIST && strcmp(path, "len") == 0) {
		*out = val_int((uint64_t)v->nitem);
		return 0;
	}
	return in_fail(in, NULL, "%s:%d: no sub-field .%s of this value", e->pos.file,
		       e->pos.line, path);
}

/* ---- expressions ---- */

static int eval_call(struct interp *in, const struct expr *e, struct value *out)
{
	struct value a[3] = { { 0 } };
	int rc = 0;
	if (e->narg > 3)
		return in_fail(in, NULL, "%s:%d: too many arguments", e->pos.file, e->pos.line);
	for (int i = 0; i < e->narg && !rc; i++)
		rc = eval(in, e->arg[i], &a[i]);
	if (rc)
		goto out;
	if (strcmp(e->s, "str") == 0 && e->narg == 2 && a[0].kind == V_STR &&
	    a[1].kind == V_INT && a[1].i <= (1u << 24)) {
		/* str("x", 100): the string repeated */
		size_t n = a[0].len * a[1].i;
		char *buf = malloc(n + 1);
		if (!buf)
			abort();
		for (size_t i = 0; i < n; i++)
			buf[i] = a[0].s[i % a[0].len];
		*out = val_str(buf, n);
		free(buf);
	} else if (strcmp(e->s, "bytes") == 0 && e->narg >= 1 && a[0].kind == V_INT &&
		   a[0].i <= (1u << 24)) {
		/* bytes(n[, off]): the synthfs /data pattern, byte o is o % 251 */
		uint64_t off = e->narg > 1 && a[1].kind == V_INT ? a[1].i : 0;
		char *buf = malloc(a[0].i + 1);
		if (!buf)
			abort();
		for (uint64_t i = 0; i < a[0].i; i++)
			buf[i] = (char)((off + i) % 251);
		*out = val_str(buf, a[0].i);
		free(buf);
	} else if (strcmp(e->s, "synthname") == 0 && e->narg == 1 && a[0].kind == V_INT) {
		char buf[128];
		int n = snprintf(buf, sizeof buf, "f%llu_", (unsigned long long)a[0].i);
		for (uint64_t i = 0; i < a[0].i % 53; i++)
			buf[n++] = 'x';
		*out = val_str(buf, (size_t)n);
	} else if (strcmp(e->s, "len") == 0 && e->narg == 1) {
		*out = val_int(a[0].kind == V_LIST ? (uint64_t)a[0].nitem : a[0].len);
	} else if (strcmp(e->s, "cat") == 0 && e->narg == 2 && a[0].kind == V_STR &&
		   a[1].kind != V_LIST) {
		char num[32];
		const char *s2 = a[1].s;
		size_t l2 = a[1].len;
		if (a[1].kind == V_INT) {
			l2 = (size_t)snprintf(num, sizeof num, "%llu", (unsigned long long)a[1].i);
			s2 = num;
		}
		char *buf = malloc(a[0].len + l2 + 1);
		if (!buf)
			abort();
		memcpy(buf, a[0].s, a[0].len);
		memcpy(buf + a[0].len, s2, l2);
		*out = val_str(buf, a[0].len + l2);
		free(buf);
	} else {
		rc = in_fail(in, NULL, "%s:%d: bad call %s() (str(s,n), bytes(n[,off]), synthname(i), len(x), cat(a,b))",
			     e->pos.file, e->pos.line, e->s);
	}
out:
	for (int i = 0; i < 3; i++)
		val_free(&a[i]);
	return rc;
}

int eval(struct interp *in, const struct expr *e, struct value *out)
{
	memset(out, 0, sizeof *out);
	switch (e->kind) {
	case E_NUM:
		*out = val_int(e->n);
		return 0;
	case E_STR:
		*out = val_str(e->s, e->slen);
		return 0;
	case E_ANY:
		out->kind = V_NONE;
		return 0;
	case E_VAR: {
		struct value *v = var_get(in, e->s);
		if (!v)
			return in_fail(in, NULL, "%s:%d: variable $%s is not set", e->pos.file,
				       e->pos.line, e->s);
		return val_sub(in, e, v, e->path, out);
	}
	case E_LIST:
	case E_SET:
		out->kind = V_LIST;
		out->item = calloc((size_t)e->narg + 1, sizeof *out->item);
		if (!out->item)
			abort();
		for (int i = 0; i < e->narg; i++, out->nitem++)
			if (eval(in, e->arg[i], &out->item[i])) {
				val_free(out);
				return -1;
			}
		return 0;
	case E_BIN: {
		struct value l, r;
		if (eval(in, e->arg[0], &l))
			return -1;
		if (eval(in, e->arg[1], &r)) {
			val_free(&l);
			return -1;
		}
		if (l.kind != V_INT || r.kind != V_INT || (e->op == '/' && r.i == 0)) {
			val_free(&l);
			val_free(&r);
			return in_fail(in, NULL, "%s:%d: arithmetic needs numbers", e->pos.file,
				       e->pos.line);
		}
		switch (e->op) {
		case '+': *out = val_int(l.i + r.i); break;
		case '-': *out = val_int(l.i - r.i); break;
		case '*': *out = val_int(l.i * r.i); break;
		default: *out = val_int(l.i / r.i); break;
		}
		return 0;
	}
	case E_CALL:
		return eval_call(in, e, out);
	}
	return in_fail(in, NULL, "bad expression");
}

static int eval_int(struct interp *in, const struct expr *e, uint64_t *v)
{
	struct value x;
	if (eval(in, e, &x))
		return -1;
	if (x.kind != V_INT) {
		val_free(&x);
		return in_fail(in, NULL, "%s:%d: expected a number", e->pos.file, e->pos.line);
	}
	*v = x.i;
	return 0;
}

/* A string argument (numbers become decimal text); caller frees. */
static char *eval_cstr(struct interp *in, const struct expr *e)
{
	struct value x;
	char *s;
	if (eval(in, e, &x))
		return NULL;
	if (x.kind == V_INT) {
		if (asprintf(&s, "%llu", (unsigned long long)x.i) < 0)
			abort();
		return s;
	}
	if (x.kind != V_STR) {
		val_free(&x);
		in_fail(in, NULL, "%s:%d: expected a string", e->pos.file, e->pos.line);
		return NULL;
	}
	return x.s;
}

/* ---- timeouts ---- */

int in_call_ms(const struct interp *in)
{
	uint64_t now = p9_now_ns();
	if (now >= in->deadline_ns)
		return 0;
	uint64_t left = (in->deadline_ns - now) / 1000000;
	return left < (uint64_t)in->o->call_ms ? (int)left : in->o->call_ms;
}

static int timed_out(struct interp *in, const struct stmt *s)
{
	if (p9_now_ns() < in->deadline_ns)
		return 0;
	return in_fail(in, s, "case timed out");
}

/* ---- connection ---- */

void in_disconnect(struct interp *in)
{
	if (in->cl)
		p9_client_free(in->cl);
	if (in->conn)
		p9_conn_close(in->conn);
	in->cl = NULL;
	in->conn = NULL;
	in->npend = 0;
	in->last = -1;
}

static const char *rc_str(int rc)
{
	if (rc == -ETIMEDOUT)
		return "no reply (timeout)";
	if (rc == -ECONNRESET)
		return "connection closed by the server";
	return strerror(-rc);
}

int in_connect(struct interp *in, const struct stmt *s, int attach, uint32_t msize)
{
	char err[512];
	int rc;
	struct p9_qid q;
	in_disconnect(in);
	rc = p9_dial(in->o->target, in_call_ms(in), &in->conn, err, sizeof err);
	if (rc) {
		snprintf(in->infra, sizeof in->infra, "%s", err);
		return in_fail(in, s, "cannot connect: %s", err);
	}
	in->cl = p9_client_new(in->conn, msize, in->dialect);
	if (!in->cl)
		abort();
	in->versioned = 0;
	var_int(in, "root", 0);
	if (attach < 0)
		return 0;
	in_log(in, "-> Tversion tag 65535 msize %u version %s", msize,
	       p9_dialect_name(in->dialect));
	rc = p9_client_version(in->cl, msize, p9_dialect_name(in->dialect), in_call_ms(in),
			       err, sizeof err);
	if (rc)
		return in_fail(in, s, "version: %s", err);
	in_log(in, "<- Rversion msize %u version %s", in->cl->msize,
	       p9_dialect_name(in->cl->dialect));
	if (in->cl->dialect != in->dialect)
		return in_fail(in, s, "server answered %s to %s", p9_dialect_name(in->cl->dialect),
			       p9_dialect_name(in->dialect));
	in->versioned = 1;
	var_int(in, "msize", in->cl->msize);
	var_int(in, "root", 0);
	var_int(in, "iomax", in->cl->msize - P9_IOHDRSZ);
	if (!attach)
		return 0;
	in_log(in, "-> Tattach fid 0 afid -1 uname %s aname %s", in->o->uname, in->o->aname);
	rc = p9_client_attach(in->cl, 0, in->o->uname, in->o->aname, in->o->n_uname,
			      in_call_ms(in), &q, err, sizeof err);
	if (rc)
		return in_fail(in, s, "attach: %s", err);
	in_log(in, "<- Rattach qid (%llx %u)", (unsigned long long)q.path, q.version);
	var_qid(in, "rootqid", q);
	return 0;
}

int in_rpc(struct interp *in, const struct stmt *s, struct p9_msg *m,
	   struct p9_reply **r)
{
	int rc;
	if (!in->cl)
		return in_fail(in, s, "not connected");
	if (m->type == P9_TVERSION)
		m->tag = P9_NOTAG;
	else
		m->tag = p9_client_tag(in->cl);
	log_msg(in, "->", m);
	rc = p9_client_send(in->cl, m);
	if (!rc)
		rc = p9_client_wait(in->cl, m->tag, in_call_ms(in), r);
	if (rc)
		return in_fail(in, s, "%s: %s", p9_typename(m->type), rc_str(rc));
	log_reply(in, *r);
	return 0;
}

int in_rpc_ok(struct interp *in, const struct stmt *s, struct p9_msg *m, int want,
	      struct p9_reply **r)
{
	char line[512];
	if (in_rpc(in, s, m, r))
		return -1;
	if ((*r)->decode_rc == 0 && (*r)->m.type == want)
		return 0;
	if ((*r)->decode_rc)
		p9_decode_err_str(&(*r)->derr, line, sizeof line);
	else
		p9_fmt(line, sizeof line, &(*r)->m, in->dialect);
	p9_reply_free(*r);
	*r = NULL;
	return in_fail(in, s, "%s: expected %s, got %s", p9_typename(m->type),
		       p9_typename((unsigned)want), line);
}

/* ---- send ---- */

static void stat_dont_touch(struct p9_stat *st)
{
	memset(st, 0, sizeof *st);
	st->type = 0xFFFF;
	st->dev = 0xFFFFFFFF;
	st->qid.type = 0xFF;
	st->qid.version = 0xFFFFFFFF;
	st->qid.path = ~0ull;
	st->mode = st->atime = st->mtime = 0xFFFFFFFF;
	st->length = ~0ull;
	st->n_uid = st->n_gid = st->n_muid = 0xFFFFFFFF;
	st->name = st->uid = st->gid = st->muid = st->extension = p9_s("");
}

/* Strings assigned into a message must outlive the send: keep them. */
struct keep {
	struct value v[P9_MAXFIELDS + P9_MAXWELEM + 8];
	int n;
};

static struct value *keep_new(struct keep *k)
{
	return k->n < (int)(sizeof k->v / sizeof k->v[0]) ? &k->v[k->n++] : NULL;
}

static void keep_free(struct keep *k)
{
	for (int i = 0; i < k->n; i++)
		val_free(&k->v[i]);
}

static int set_stat_field(struct interp *in, const struct assign *a, struct p9_stat *st,
			  struct value *v)
{
	const char *f = a->field + 5;
	struct { const char *n; struct p9_str *p; } strs[] = {
		{ "name", &st->name }, { "uid", &st->uid }, { "gid", &st->gid },
		{ "muid", &st->muid }, { "extension", &st->extension },
	};
	for (unsigned i = 0; i < 5; i++)
		if (strcmp(f, strs[i].n) == 0) {
			if (v->kind != V_STR)
				goto bad;
			strs[i].p->p = v->s;
			strs[i].p->len = (uint16_t)v->len;
			return 0;
		}
	if (strcmp(f, "qid") == 0 && v->kind == V_QID) {
		st->qid = v->q;
		return 0;
	}
	if (v->kind != V_INT)
		goto bad;
	if (strcmp(f, "type") == 0) st->type = (uint16_t)v->i;
	else if (strcmp(f, "dev") == 0) st->dev = (uint32_t)v->i;
	else if (strcmp(f, "mode") == 0) st->mode = (uint32_t)v->i;
	else if (strcmp(f, "atime") == 0) st->atime = (uint32_t)v->i;
	else if (strcmp(f, "mtime") == 0) st->mtime = (uint32_t)v->i;
	else if (strcmp(f, "length") == 0) st->length = v->i;
	else if (strcmp(f, "n_uid") == 0) st->n_uid = (uint32_t)v->i;
	else if (strcmp(f, "n_gid") == 0) st->n_gid = (uint32_t)v->i;
	else if (strcmp(f, "n_muid") == 0) st->n_muid = (uint32_t)v->i;
	else
		goto bad;
	return 0;
bad:
	return in_fail(in, NULL, "%s:%d:%d: bad stat field or value for %s", a->pos.file,
		       a->pos.line, a->pos.col, a->field);
}

static int set_field(struct interp *in, struct p9_msg *m, const struct p9_field *f,
		     const struct assign *a, struct value *v)
{
	void *p = p9_field_ptr(m, f);
	switch (f->kind) {
	case P9K_U8: case P9K_U16: case P9K_U32: case P9K_U64:
		if (v->kind != V_INT)
			break;
		p9_field_set_uint(m, f, v->i);
		return 0;
	case P9K_STR:
		if (v->kind != V_STR)
			break;
		((struct p9_str *)p)->p = v->s;
		((struct p9_str *)p)->len = (uint16_t)v->len;
		return 0;
	case P9K_QID:
		if (v->kind != V_QID)
			break;
		*(struct p9_qid *)p = v->q;
		return 0;
	case P9K_DATA:
	case P9K_DIRENTS:
		if (v->kind != V_STR)
			break;
		m->data = (const uint8_t *)v->s;
		m->count = (uint32_t)v->len;
		return 0;
	case P9K_WNAMES:
		if (v->kind != V_LIST || v->nitem > P9_MAXWELEM)
			return in_fail(in, NULL, "%s:%d:%d: wname takes a [list] of at most 16 names (use sendraw for more)",
				       a->pos.file, a->pos.line, a->pos.col);
		for (int i = 0; i < v->nitem; i++) {
			if (v->item[i].kind != V_STR)
				goto bad;
			m->wname[i].p = v->item[i].s;
			m->wname[i].len = (uint16_t)v->item[i].len;
		}
		m->nwname = (uint16_t)v->nitem;
		return 0;
	case P9K_WQIDS:
		if (v->kind != V_LIST || v->nitem > P9_MAXWELEM)
			break;
		for (int i = 0; i < v->nitem; i++) {
			if (v->item[i].kind != V_QID)
				goto bad;
			m->wqid[i] = v->item[i].q;
		}
		m->nwqid = (uint16_t)v->nitem;
		return 0;
	}
bad:
	return in_fail(in, NULL, "%s:%d:%d: wrong kind of value for field %s", a->pos.file,
		       a->pos.line, a->pos.col, a->field);
}

static int add_pending(struct interp *in, const char *name, uint16_t tag, uint8_t type)
{
	int slot = -1;
	for (int i = 0; i < in->npend; i++)
		if (in->pend[i].used != 1) {
			slot = i;
			break;
		}
	if (slot < 0) {
		if (in->npend == (int)(sizeof in->pend / sizeof in->pend[0]))
			return in_fail(in, NULL, "more than 256 requests in flight");
		slot = in->npend++;
	}
	snprintf(in->pend[slot].name, sizeof in->pend[slot].name, "%s", name ? name : "");
	in->pend[slot].tag = tag;
	in->pend[slot].type = type;
	in->pend[slot].used = 1;
	in->last = slot;
	return 0;
}

/* $tag is the latest request's tag; $tag_NAME the tag of @NAME. */
static void set_tag_vars(struct interp *in, const char *handle, uint16_t tag)
{
	var_int(in, "tag", tag);
	if (handle) {
		char name[48];
		snprintf(name, sizeof name, "tag_%s", handle);
		var_int(in, name, tag);
	}
}

static int tag_in_flight(const struct interp *in, uint16_t tag)
{
	for (int i = 0; i < in->npend; i++)
		if (in->pend[i].used == 1 && in->pend[i].tag == tag)
			return 1;
	return 0;
}

static int do_send(struct interp *in, const struct stmt *s)
{
	struct p9_msg m = { 0 };
	struct keep *k = calloc(1, sizeof *k);
	int rc = -1, have_tag = 0, have_size = 0, have_type = 0;
	uint64_t size = 0, type = 0;
	if (!k)
		abort();
	if (!in->cl) {
		free(k);
		return in_fail(in, s, "not connected");
	}
	m.type = s->def->type;
	/* defaults that make a bare message sensible */
	if (m.type == P9_TVERSION) {
		m.msize = in->o->msize;
		m.version = p9_s(p9_dialect_name(in->dialect));
		m.tag = P9_NOTAG;
		have_tag = 1;
	}
	if (m.type == P9_TATTACH || m.type == P9_TAUTH) {
		m.afid = P9_NOFID;
		m.uname = p9_s(in->o->uname);
		m.aname = p9_s(in->o->aname);
		m.n_uname = in->o->n_uname;
	}
	if (m.type == P9_TWSTAT)
		stat_dont_touch(&m.stat);
	for (int i = 0; i < s->nas; i++) {
		const struct assign *a = &s->as[i];
		struct value *v = keep_new(k);
		const struct p9_field *f;
		if (!v) {
			in_fail(in, s, "too many fields");
			goto out;
		}
		if (eval(in, a->val, v))
			goto out;
		int bare = !p9_field_byname(s->def, a->field);
		if (strcmp(a->field, "tag") == 0 || strcmp(a->field, "msgsize") == 0 ||
		    strcmp(a->field, "msgtype") == 0 ||
		    (bare && (strcmp(a->field, "size") == 0 || strcmp(a->field, "type") == 0))) {
			if (v->kind != V_INT) {
				in_fail(in, s, "%s needs a number", a->field);
				goto out;
			}
			if (strcmp(a->field, "tag") == 0) { m.tag = (uint16_t)v->i; have_tag = 1; }
			else if (strstr(a->field, "size")) { size = v->i; have_size = 1; }
			else { type = v->i; have_type = 1; }
			continue;
		}
		if (strncmp(a->field, "stat.", 5) == 0) {
			if (set_stat_field(in, a, &m.stat, v))
				goto out;
			continue;
		}
		f = p9_field_byname(s->def, a->field);
		if (set_field(in, &m, f, a, v))
			goto out;
	}
	if (!have_tag)
		do
			m.tag = p9_client_tag(in->cl);
		while (tag_in_flight(in, m.tag));
	log_msg(in, "->", &m);
	if (have_size || have_type) {
		long n = p9_encoded_size(&m, in->dialect);
		uint8_t *buf;
		if (n < 0) {
			in_fail(in, s, "cannot encode: %s", strerror((int)-n));
			goto out;
		}
		buf = malloc((size_t)n);
		if (!buf)
			abort();
		n = p9_encode(&m, in->dialect, buf, (size_t)n);
		if (have_size)
			p9_put32(buf, (uint32_t)size);
		if (have_type)
			buf[4] = (uint8_t)type;
		in_log(in, "   (sent with size %u type %u)", p9_get32(buf), buf[4]);
		rc = p9_conn_send(in->conn, buf, (size_t)n);
		free(buf);
	} else {
		rc = p9_client_send(in->cl, &m);
	}
	if (rc) {
		rc = in_fail(in, s, "send %s: %s", s->def->name, rc_str(rc));
		goto out;
	}
	rc = add_pending(in, s->handle, m.tag, m.type);
	set_tag_vars(in, s->handle, m.tag);
out:
	keep_free(k);
	free(k);
	return rc;
}

static int do_sendraw(struct interp *in, const struct stmt *s)
{
	uint8_t *buf = NULL;
	size_t n = 0;
	int rc;
	if (!in->conn)
		return in_fail(in, s, "not connected");
	for (int i = 0; i < s->narg; i++) {
		struct value v;
		if (eval(in, s->arg[i], &v)) {
			free(buf);
			return -1;
		}
		if (v.kind != V_STR) {
			val_free(&v);
			free(buf);
			return in_fail(in, s, "sendraw takes bytes (0x...) or strings");
		}
		buf = realloc(buf, n + v.len + 1);
		if (!buf)
			abort();
		memcpy(buf + n, v.s, v.len);
		n += v.len;
		val_free(&v);
	}
	{
		char hex[140];
		size_t k;
		for (k = 0; k < n && k < 64; k++)
			snprintf(hex + 2 * k, 3, "%02x", buf[k]);
		hex[2 * k] = 0;
		in_log(in, "-> raw %zu bytes %s%s", n, hex, n > 64 ? "..." : "");
	}
	rc = p9_conn_send(in->conn, buf, n);
	uint16_t tag = n >= 7 ? p9_get16(buf + 5) : P9_NOTAG;
	uint8_t type = n >= 5 ? buf[4] : 0;
	free(buf);
	if (rc)
		return in_fail(in, s, "sendraw: %s", rc_str(rc));
	if (add_pending(in, s->handle, tag, type))
		return -1;
	set_tag_vars(in, s->handle, tag);
	return 0;
}

/* ---- expect ---- */

static int find_pending(struct interp *in, const struct stmt *s)
{
	if (s->handle) {
		for (int i = in->npend - 1; i >= 0; i--)
			if (in->pend[i].used && strcmp(in->pend[i].name, s->handle) == 0)
				return i;
		return in_fail(in, s, "no request named @%s was sent", s->handle);
	}
	if (in->last < 0 || !in->pend[in->last].used)
		return in_fail(in, s, "expect without a request sent before it");
	return in->last;
}

static int errno_of(const struct p9_reply *r)
{
	if (r->m.type == P9_RLERROR || r->m.type == P9_RERROR)
		return (int)r->m.errnum;
	return 0;
}

/* The value of a reply field (or pseudo-field) named by path. */
static int reply_field(struct interp *in, const struct stmt *s, const struct p9_reply *r,
		       const char *path, struct value *out)
{
	const struct p9_msg *m = &r->m;
	const struct p9_msgdef *d = p9_msgdef(m->type);
	char name[64], idx_sub[96];
	const char *sub;
	size_t n = strcspn(path, ".[");
	struct value base = { 0 };
	int rc;
	if (n >= sizeof name)
		return in_fail(in, s, "field name too long");
	memcpy(name, path, n);
	name[n] = 0;
	sub = path + n;
	if (d && p9_field_byname(d, name) && strcmp(name, "stat") != 0 &&
	    strcmp(name, "wqid") != 0) {
		/* a real field of the message: handled below */
	} else if (strcmp(name, "tag") == 0) base = val_int(m->tag);
	else if (strcmp(name, "msgtype") == 0) base = val_int(m->type);
	else if (strcmp(name, "msgsize") == 0) base = val_int(r->len);
	else if (strcmp(name, "nwqid") == 0) base = val_int(m->nwqid);
	else if (strcmp(name, "error") == 0 || strcmp(name, "errno") == 0 ||
		 strcmp(name, "ecode") == 0) base = val_int((uint64_t)errno_of(r));
	else if (strcmp(name, "ename") == 0) base = val_str(m->ename.p ? m->ename.p : "", m->ename.len);
	else if (strcmp(name, "count") == 0) base = val_int(m->count);
	else if (strcmp(name, "aqid") == 0) base = val_qid(m->qid);
	else if (strcmp(name, "wqid") == 0) {
		base.kind = V_LIST;
		base.item = calloc(P9_MAXWELEM + 1, sizeof *base.item);
		if (!base.item)
			abort();
		for (int i = 0; i < m->nwqid; i++)
			base.item[base.nitem++] = val_qid(m->wqid[i]);
	} else if (strcmp(name, "entries") == 0 || strcmp(name, "entry") == 0 ||
		   strcmp(name, "last") == 0) {
		size_t pos = 0;
		struct p9_dirent de;
		int k;
		base.kind = V_LIST;
		while ((k = p9_dirent_next(m->data, m->count, &pos, &de)) == 1) {
			struct value *it = realloc(base.item, (size_t)(base.nitem + 1) * sizeof *it);
			if (!it)
				abort();
			base.item = it;
			/* an entry is a list: [qid, offset, type, name] */
			struct value e = { .kind = V_LIST };
			e.item = calloc(5, sizeof *e.item);
			if (!e.item)
				abort();
			e.item[0] = val_qid(de.qid);
			e.item[1] = val_int(de.offset);
			e.item[2] = val_int(de.type);
			e.item[3] = val_str(de.name.p, de.name.len);
			e.nitem = 4;
			base.item[base.nitem++] = e;
		}
		if (k < 0) {
			val_free(&base);
			return in_fail(in, s, "Rreaddir: malformed entry at byte %zu", pos);
		}
		if (name[0] == 'l') {
			/* last.name: the last entry of the reply */
			if (!base.nitem) {
				val_free(&base);
				return in_fail(in, s, "no last entry: the Rreaddir is empty");
			}
			snprintf(idx_sub, sizeof idx_sub, "[%d]%s", base.nitem - 1, sub);
			sub = idx_sub;
		}
		if (strcmp(name, "entries") == 0) {
			int cnt = base.nitem;
			val_free(&base);
			base = val_int((uint64_t)cnt);
		} else if (sub[0] == '[') {
			/* entry[i].name etc: map the names onto the list */
			char *end;
			long i = strtol(sub + 1, &end, 10);
			if (*end != ']' || i < 0 || i >= base.nitem) {
				val_free(&base);
				return in_fail(in, s, "no entry %s in this Rreaddir", sub);
			}
			struct value e = base.item[i];
			base.item[i].kind = V_NONE;
			base.item[i].item = NULL;
			base.item[i].nitem = 0;
			val_free(&base);
			sub = end + 1;
			if (*sub == '.')
				sub++;
			const char *fields[] = { "qid", "offset", "type", "name" };
			int idx = -1;
			size_t fl = strcspn(sub, ".");
			for (int j = 0; j < 4; j++)
				if (strlen(fields[j]) == fl && strncmp(sub, fields[j], fl) == 0)
					idx = j;
			if (idx < 0) {
				val_free(&e);
				return in_fail(in, s, "entry fields are qid, offset, type, name");
			}
			val_copy(&base, &e.item[idx]);
			val_free(&e);
			sub += fl;
		}
	} else if (strcmp(name, "stat") == 0 && d && p9_field_byname(d, "stat")) {
		const struct p9_stat *st = &m->stat;
		const char *f = sub[0] == '.' ? sub + 1 : sub;
		size_t fl = strcspn(f, ".");
		char fn[32];
		if (fl >= sizeof fn)
			fl = sizeof fn - 1;
		memcpy(fn, f, fl);
		fn[fl] = 0;
		sub = f + fl;
		if (strcmp(fn, "name") == 0) base = val_str(st->name.p, st->name.len);
		else if (strcmp(fn, "uid") == 0) base = val_str(st->uid.p, st->uid.len);
		else if (strcmp(fn, "gid") == 0) base = val_str(st->gid.p, st->gid.len);
		else if (strcmp(fn, "muid") == 0) base = val_str(st->muid.p, st->muid.len);
		else if (strcmp(fn, "extension") == 0) base = val_str(st->extension.p, st->extension.len);
		else if (strcmp(fn, "qid") == 0) base = val_qid(st->qid);
		else if (strcmp(fn, "type") == 0) base = val_int(st->type);
		else if (strcmp(fn, "dev") == 0) base = val_int(st->dev);
		else if (strcmp(fn, "mode") == 0) base = val_int(st->mode);
		else if (strcmp(fn, "atime") == 0) base = val_int(st->atime);
		else if (strcmp(fn, "mtime") == 0) base = val_int(st->mtime);
		else if (strcmp(fn, "length") == 0) base = val_int(st->length);
		else if (strcmp(fn, "n_uid") == 0) base = val_int(st->n_uid);
		else
			return in_fail(in, s, "no stat field '%s'", fn);
	}
	if (base.kind == V_NONE) {
		const struct p9_field *f = d ? p9_field_byname(d, name) : NULL;
		if (!f)
			return in_fail(in, s, "%s has no field '%s'", p9_typename(m->type), name);
		switch (f->kind) {
		case P9K_U8: case P9K_U16: case P9K_U32: case P9K_U64:
			base = val_int(p9_field_uint(m, f));
			break;
		case P9K_STR: {
			const struct p9_str *ps = p9_field_ptr((struct p9_msg *)m, f);
			base = val_str(ps->p ? ps->p : "", ps->len);
			break;
		}
		case P9K_QID:
			base = val_qid(*(const struct p9_qid *)p9_field_ptr((struct p9_msg *)m, f));
			break;
		case P9K_DATA:
		case P9K_DIRENTS:
			base = val_str((const char *)(m->data ? m->data : (const uint8_t *)""), m->count);
			break;
		default:
			return in_fail(in, s, "field '%s' cannot be compared", name);
		}
	}
	struct expr dummy = { .pos = s->pos };
	rc = val_sub(in, &dummy, &base, sub, out);
	val_free(&base);
	return rc;
}

static int compare(struct interp *in, const struct stmt *s, const char *what,
		   const struct value *a, int op, const struct value *b)
{
	char sa[200], sb[200];
	int ok = 0;
	if (b->kind == V_NONE)
		return 0; /* any */
	switch (op) {
	case P_EQ: ok = val_eq(a, b); break;
	case P_NE: ok = !val_eq(a, b); break;
	case P_LT: case P_LE: case P_GT: case P_GE:
		if (a->kind != V_INT || b->kind != V_INT)
			return in_fail(in, s, "%s: <, >, <=, >= compare numbers", what);
		ok = op == P_LT ? a->i < b->i : op == P_LE ? a->i <= b->i :
		     op == P_GT ? a->i > b->i : a->i >= b->i;
		break;
	case P_IN:
		for (int i = 0; i < b->nitem && !ok; i++)
			ok = val_eq(a, &b->item[i]);
		break;
	case P_HAS:
		if (a->kind == V_INT && b->kind == V_INT)
			ok = (a->i & b->i) == b->i;
		else if (a->kind == V_STR && b->kind == V_STR)
			ok = memmem(a->s, a->len, b->s, b->len) != NULL;
		else
			return in_fail(in, s, "%s: ~ tests bits of numbers or substrings", what);
		break;
	}
	if (ok)
		return 0;
	static const char *opn[] = { "=", "!=", "<", "<=", ">", ">=", "in", "~" };
	if (op == P_IN) {
		size_t n = 0;
		sb[0] = '{';
		n = 1;
		for (int i = 0; i < b->nitem && n < sizeof sb - 40; i++) {
			char t[64];
			n += (size_t)snprintf(sb + n, sizeof sb - n, "%s%s", i ? "," : "",
					      val_fmt(&b->item[i], t, sizeof t));
		}
		snprintf(sb + n, sizeof sb - n, "}");
	} else {
		val_fmt(b, sb, sizeof sb);
	}
	return in_fail(in, s, "%s is %s, expected %s %s", what, val_fmt(a, sa, sizeof sa),
		       opn[op], sb);
}

static int check_preds(struct interp *in, const struct stmt *s, const struct p9_reply *r)
{
	for (int i = 0; i < s->npr; i++) {
		const struct pred *p = &s->pr[i];
		struct value got, want;
		int rc;
		if (reply_field(in, s, r, p->field, &got))
			return -1;
		if (p->op == P_CAPTURE) {
			var_set(in, p->var, &got);
			val_free(&got);
			continue;
		}
		if (eval(in, p->val, &want)) {
			val_free(&got);
			return -1;
		}
		rc = compare(in, s, p->field, &got, p->op, &want);
		val_free(&got);
		val_free(&want);
		if (rc)
			return -1;
	}
	return 0;
}

static int is_error(const struct p9_reply *r)
{
	return r->m.type == P9_RLERROR || r->m.type == P9_RERROR;
}

static int check_error(struct interp *in, const struct stmt *s, const struct p9_reply *r,
		       const char *got)
{
	int e = errno_of(r);
	if (in->early && (r->m.type == P9_RLERROR || r->m.type == P9_RERROR)) {
		if (!s->nerrno || !e)
			return 0;
	} else if (in->dialect == P9_DL && r->m.type != P9_RLERROR)
		return in_fail(in, s, "expected Rlerror, got %s", got);
	if (in->dialect != P9_DL && r->m.type != P9_RERROR)
		return in_fail(in, s, "expected Rerror, got %s", got);
	if (!s->nerrno || in->dialect == P9_D2000)
		return 0;
	for (int i = 0; i < s->nerrno; i++)
		if (e == s->errnos[i])
			return 0;
	char want[200];
	size_t n = 0;
	for (int i = 0; i < s->nerrno && n < sizeof want - 20; i++) {
		const char *nm = p9_errno_name((uint32_t)s->errnos[i]);
		n += (size_t)snprintf(want + n, sizeof want - n, "%s%s", i ? "|" : "", nm ? nm : "?");
	}
	const char *gn = p9_errno_name((uint32_t)e);
	return in_fail(in, s, "expected error %s, got %s (%s)", want, gn ? gn : "?", got);
}

static int in_stash(const struct interp *in, uint16_t tag)
{
	for (size_t i = 0; i < in->cl->nstash; i++)
		if (in->cl->stash[i]->m.tag == tag)
			return 1;
	return 0;
}

static int match_reply(struct interp *in, const struct stmt *s, struct p9_reply *r,
		       int ms, int ptype);

/* The request was flushed: no reply at all, or one that arrived before the
 * Rflush the case already consumed (so it is in the stash now). */
static int expect_flushed(struct interp *in, const struct stmt *s, int idx, int ms)
{
	struct pending *pd = &in->pend[idx];
	struct p9_reply *r;
	int rc;
	if (in_stash(in, pd->tag)) {
		p9_client_wait(in->cl, pd->tag, 0, &r);
		log_reply(in, r);
		in_log(in, "   (the flushed request was answered before Rflush: allowed)");
		p9_reply_free(r);
		pd->used = 2;
		return 0;
	}
	if (!s->within_ms)
		ms = 200;
	rc = p9_client_wait(in->cl, pd->tag, ms, &r);
	if (rc == -ETIMEDOUT) {
		pd->used = 2;
		return 0;
	}
	if (rc)
		return in_fail(in, s, "waiting after Rflush: %s", rc_str(rc));
	log_reply(in, r);
	char got[512];
	p9_fmt(got, sizeof got, &r->m, in->dialect);
	p9_reply_free(r);
	pd->used = 2;
	return in_fail(in, s, "flushed request answered after its Rflush: %s", got);
}

/* Every request in flight must be answered (in any order) and match. */
static int expect_all(struct interp *in, const struct stmt *s)
{
	int n = 0;
	for (int i = 0; i < in->npend; i++) {
		struct pending *pd = &in->pend[i];
		struct p9_reply *r;
		int rc, ms = in_call_ms(in);
		if (pd->used != 1)
			continue;
		rc = p9_client_wait(in->cl, pd->tag, ms, &r);
		pd->used = 2;
		if (rc)
			return in_fail(in, s, "reply to %s tag %u: %s", p9_typename(pd->type), pd->tag,
				       rc_str(rc));
		log_reply(in, r);
		if (match_reply(in, s, r, ms, pd->type))
			return -1;
		n++;
	}
	if (!n)
		return in_fail(in, s, "expect all: no request in flight");
	return 0;
}

static int do_expect(struct interp *in, const struct stmt *s)
{
	struct p9_reply *r = NULL;
	int idx, rc;
	int ms = s->within_ms ? (int)s->within_ms : in->o->call_ms;
	int left = in_call_ms(in);
	char got[1024];
	if (!in->cl)
		return in_fail(in, s, "not connected");
	if (s->xkind == X_NONE && !s->handle) {
		if (ms > left && left < in->o->call_ms)
			return in_fail(in, s, "case timed out");
		rc = p9_client_wait_any(in->cl, ms, &r);
		if (rc == -ETIMEDOUT)
			return 0;
		if (rc)
			return in_fail(in, s, "expect none: %s", rc_str(rc));
		log_reply(in, r);
		p9_fmt(got, sizeof got, &r->m, in->dialect);
		p9_reply_free(r);
		return in_fail(in, s, "expected no reply within %dms, got %s", ms, got);
	}
	if (s->all)
		return expect_all(in, s);
	if ((idx = find_pending(in, s)) < 0)
		return -1;
	if (s->xkind == X_FLUSHED)
		return expect_flushed(in, s, idx, ms);
	if (s->already) {
		if (!in_stash(in, in->pend[idx].tag))
			return in_fail(in, s, "the reply to %s tag %u had not arrived yet",
				       p9_typename(in->pend[idx].type), in->pend[idx].tag);
		ms = 0;
	}
	if (ms > left) {
		if (s->xkind == X_NONE)
			return in_fail(in, s, "case timed out");
		ms = left;
	}
	struct pending *pd = &in->pend[idx];
	rc = p9_client_wait(in->cl, pd->tag, ms, &r);
	if (rc == -ETIMEDOUT) {
		if (s->xkind == X_NONE)
			return 0;
		return in_fail(in, s, "no reply to %s tag %u within %dms%s", p9_typename(pd->type),
			       pd->tag, ms, s->xkind == X_ERROR_OR_CLOSE ? " (server hung)" : "");
	}
	pd->used = 2; /* answered (or the connection is gone) */
	if (rc == -ECONNRESET) {
		in_log(in, "<- (connection closed)");
		if (s->xkind == X_CLOSE || s->xkind == X_ERROR_OR_CLOSE)
			return 0;
		return in_fail(in, s, "connection closed while waiting for the reply to %s",
			       p9_typename(pd->type));
	}
	if (rc)
		return in_fail(in, s, "waiting for %s: %s", p9_typename(pd->type), rc_str(rc));
	log_reply(in, r);
	return match_reply(in, s, r, ms, pd->type);
}

/* Check one received reply against the expectation; frees r. */
static int match_reply(struct interp *in, const struct stmt *s, struct p9_reply *r,
		       int ms, int ptype)
{
	char got[1024];
	int rc;
	/* Before a dialect is agreed (and for Tversion itself) a server can only
	 * answer a plain 9P2000 Rerror: accept that form too. */
	int early = ptype == P9_TVERSION || !in->versioned;
	if (r->decode_rc && early && r->len > 4 && r->buf[4] == P9_RERROR &&
	    p9_decode(r->buf, r->len, P9_D2000, &r->m, &r->derr) == 0)
		r->decode_rc = 0;
	in->early = early;
	if (r->decode_rc) {
		char why[256];
		p9_decode_err_str(&r->derr, why, sizeof why);
		p9_reply_free(r);
		return in_fail(in, s, "malformed reply: %s", why);
	}
	p9_fmt(got, sizeof got, &r->m, in->dialect);
	if (r->m.type == P9_RVERSION)
		in->versioned = 1;
	rc = 0;
	switch (s->xkind) {
	case X_NONE:
		rc = in_fail(in, s, "expected no reply within %dms, got %s", ms, got);
		break;
	case X_CLOSE:
		rc = in_fail(in, s, "expected the server to close the connection, got %s", got);
		break;
	case X_ANY:
		break;
	case X_ERROR:
	case X_ERROR_OR_CLOSE:
		if (check_error(in, s, r, got))
			rc = -1;
		break;
	case X_MSG:
		if (r->m.type != s->def->type) {
			rc = in_fail(in, s, "expected %s, got %s", s->def->name, got);
			break;
		}
		break;
	}
	if (!rc)
		rc = check_preds(in, s, r);
	(void)is_error;
	p9_reply_free(r);
	return rc;
}

/* ---- helpers dispatch ---- */

static int arg_u32(struct interp *in, const struct stmt *s, int i, uint32_t *v)
{
	uint64_t x;
	if (eval_int(in, s->arg[i], &x))
		return -1;
	*v = (uint32_t)x;
	return 0;
}

static int opt_u64(struct interp *in, const struct stmt *s, const char *name, uint64_t *v)
{
	for (int i = 0; i < s->nas; i++)
		if (strcmp(s->as[i].field, name) == 0)
			return eval_int(in, s->as[i].val, v);
	return 0;
}

static int check_opts(struct interp *in, const struct stmt *s, const char *allowed)
{
	for (int i = 0; i < s->nas; i++) {
		char pat[40];
		snprintf(pat, sizeof pat, " %s ", s->as[i].field);
		if (!strstr(allowed, pat))
			return in_fail(in, s, "unknown option %s=", s->as[i].field);
	}
	return 0;
}

static int modes(struct interp *in, const struct stmt *s, int first, char *out, size_t cap)
{
	out[0] = 0;
	for (int i = first; i < s->narg; i++) {
		char *w = eval_cstr(in, s->arg[i]);
		if (!w)
			return -1;
		size_t n = strlen(out);
		snprintf(out + n, cap - n, "%s%s", n ? " " : "", w);
		free(w);
	}
	return 0;
}

static int do_helper(struct interp *in, const struct stmt *s)
{
	uint32_t a = 0, b = 0;
	uint64_t n = 0, x = 0;
	struct p9_qid q = { 0 };
	char *str = NULL, mode[128];
	int rc = -1;
	switch (s->kind) {
	case S_CONNECT:
	case S_RECONNECT: {
		uint64_t ms = in->o->msize;
		if (check_opts(in, s, " msize ") || opt_u64(in, s, "msize", &ms))
			return -1;
		return in_connect(in, s, 1, (uint32_t)ms);
	}
	case S_DISCONNECT:
		in_disconnect(in);
		return 0;
	case S_WALK: /* walk NEWFID PATH [FROMFID] */
		if (arg_u32(in, s, 0, &b) || !(str = eval_cstr(in, s->arg[1])))
			return -1;
		if (s->narg > 2 && arg_u32(in, s, 2, &a))
			break;
		rc = h_walk(in, s, a, b, str, s->var ? &q : NULL);
		if (!rc && s->var)
			var_qid(in, s->var, q);
		break;
	case S_OPEN:
		if (arg_u32(in, s, 0, &a) || modes(in, s, 1, mode, sizeof mode))
			return -1;
		rc = h_open(in, s, a, mode, &q, &b);
		if (!rc) {
			var_int(in, "iounit", b);
			if (s->var)
				var_qid(in, s->var, q);
		}
		break;
	case S_CREATE:
		if (arg_u32(in, s, 0, &a) || !(str = eval_cstr(in, s->arg[1])) ||
		    modes(in, s, 2, mode, sizeof mode))
			break;
		rc = h_create(in, s, a, str, mode, &q);
		if (!rc && s->var)
			var_qid(in, s->var, q);
		break;
	case S_MKDIR:
		if (arg_u32(in, s, 0, &a) || !(str = eval_cstr(in, s->arg[1])))
			break;
		rc = h_mkdir(in, s, a, str, &q);
		if (!rc && s->var)
			var_qid(in, s->var, q);
		break;
	case S_CLUNK:
		if (arg_u32(in, s, 0, &a))
			return -1;
		return h_clunk(in, s, a);
	case S_GETSIZE:
		if (arg_u32(in, s, 0, &a) || h_getsize(in, s, a, &n))
			return -1;
		var_int(in, s->var, n);
		return 0;
	case S_GETQID:
		if (arg_u32(in, s, 0, &a) || h_getqid(in, s, a, &q))
			return -1;
		var_qid(in, s->var, q);
		return 0;
	case S_LISTDIR:
		if (check_opts(in, s, " count synth ") || arg_u32(in, s, 0, &a) ||
		    opt_u64(in, s, "count", &x) || opt_u64(in, s, "synth", &n))
			return -1;
		if (h_listdir(in, s, a, (uint32_t)x, n, &n))
			return -1;
		if (s->var)
			var_int(in, s->var, n);
		return 0;
	case S_QIDSCAN:
		if (!(str = eval_cstr(in, s->arg[0])))
			return -1;
		rc = h_qidscan(in, s, str, &n);
		if (!rc && s->var)
			var_int(in, s->var, n);
		break;
	case S_WRITEFILE: {
		struct value v;
		if (arg_u32(in, s, 0, &a) || eval(in, s->arg[1], &v))
			return -1;
		if (v.kind != V_STR) {
			val_free(&v);
			return in_fail(in, s, "writefile takes a string");
		}
		rc = h_writefile(in, s, a, v.s, v.len);
		val_free(&v);
		return rc;
	}
	case S_SLEEP: {
		uint64_t ms;
		if (eval_int(in, s->arg[0], &ms))
			return -1;
		struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
		return 0;
	}
	case S_FAIL:
		if (!(str = eval_cstr(in, s->arg[0])))
			return -1;
		in_fail(in, s, "%s", str);
		break;
	case S_LOG:
		if (modes(in, s, 0, mode, sizeof mode))
			return -1;
		in_log(in, "# %s", mode);
		return 0;
	}
	free(str);
	return rc;
}

/* ---- statements ---- */

static int run_block(struct interp *in, const struct stmt *body, int n);

static int do_assert(struct interp *in, const struct stmt *s)
{
	struct value a, b;
	int rc;
	if (eval(in, s->arg[0], &a))
		return -1;
	if (eval(in, s->arg[1], &b)) {
		val_free(&a);
		return -1;
	}
	const char *what = s->text;
	if (strncmp(what, "assert ", 7) == 0)
		what += 7;
	rc = compare(in, s, s->arg[0]->kind == E_VAR ? s->arg[0]->s : "value", &a, s->op, &b);
	(void)what;
	val_free(&a);
	val_free(&b);
	return rc;
}

static int run_stmt(struct interp *in, const struct stmt *s)
{
	if (timed_out(in, s))
		return -1;
	switch (s->kind) {
	case S_SEND:
		return do_send(in, s);
	case S_SENDRAW:
		return do_sendraw(in, s);
	case S_EXPECT:
		return do_expect(in, s);
	case S_SET: {
		struct value v;
		if (eval(in, s->arg[0], &v))
			return -1;
		var_set(in, s->var, &v);
		val_free(&v);
		return 0;
	}
	case S_ASSERT:
		return do_assert(in, s);
	case S_FOR: {
		uint64_t lo, hi, step = 1;
		if (eval_int(in, s->arg[0], &lo) || eval_int(in, s->arg[1], &hi) ||
		    (s->narg > 2 && eval_int(in, s->arg[2], &step)))
			return -1;
		if (step == 0)
			return in_fail(in, s, "step 0");
		for (uint64_t i = lo; i <= hi; i += step) {
			var_int(in, s->var, i);
			if (run_block(in, s->body, s->nbody))
				return -1;
		}
		return 0;
	}
	case S_REPEAT: {
		uint64_t k;
		if (eval_int(in, s->arg[0], &k))
			return -1;
		for (uint64_t i = 0; i < k; i++) {
			var_int(in, "i", i);
			if (run_block(in, s->body, s->nbody))
				return -1;
		}
		return 0;
	}
	case S_IF:
		if (s->dialects & in->dialect)
			return run_block(in, s->body, s->nbody);
		return run_block(in, s->elsebody, s->nelse);
	default:
		return do_helper(in, s);
	}
}

static int run_block(struct interp *in, const struct stmt *body, int n)
{
	for (int i = 0; i < n; i++)
		if (run_stmt(in, &body[i]))
			return -1;
	return 0;
}

/* ---- the case ---- */

void interp_init(struct interp *in, const struct runopts *o, const struct caps *caps,
		 const struct scase *sc, int dialect)
{
	memset(in, 0, sizeof *in);
	in->o = o;
	in->caps = caps;
	in->sc = sc;
	in->dialect = dialect;
	in->last = -1;
	uint64_t ms = sc && sc->timeout_ms ? sc->timeout_ms : o->case_ms;
	in->deadline_ns = p9_now_ns() + ms * 1000000ull;
}

void interp_done(struct interp *in)
{
	in_disconnect(in);
	for (int i = 0; i < in->nvar; i++) {
		free(in->vars[i].name);
		val_free(&in->vars[i].v);
	}
	free(in->vars);
	free(in->log);
	in->vars = NULL;
	in->log = NULL;
}

static int make_scratch(struct interp *in)
{
	const char *base = in->caps->scratchbase;
	snprintf(in->scratchname, sizeof in->scratchname, "9psuite-%s-%d-%s", in->sc->code,
		 (int)getpid(), p9_dialect_name(in->dialect) + 6);
	for (char *p = in->scratchname; *p; p++)
		if (*p == '.')
			*p = '_';
	in_log(in, "# scratch directory %s/%s", base, in->scratchname);
	if (h_walk(in, NULL, 0, BASE_FID, base, NULL) ||
	    h_mkdir(in, NULL, BASE_FID, in->scratchname, NULL))
		return -1;
	in->scratchfid = SCRATCH_FID;
	if (h_walk(in, NULL, BASE_FID, SCRATCH_FID, in->scratchname, NULL) ||
	    h_clunk(in, NULL, BASE_FID))
		return -1;
	var_int(in, "scratch", SCRATCH_FID);
	var_str(in, "scratchname", in->scratchname);
	char path[200];
	snprintf(path, sizeof path, "%s%s%s", base, *base ? "/" : "", in->scratchname);
	var_str(in, "scratchpath", path);
	return 0;
}

/* Remove the scratch directory on a fresh connection. */
static void remove_scratch(struct interp *in)
{
	char saved[sizeof in->failmsg];
	memcpy(saved, in->failmsg, sizeof saved);
	in->failmsg[0] = 0;
	/* cleanup gets its own time */
	in->deadline_ns = p9_now_ns() + (uint64_t)in->o->call_ms * 4 * 1000000ull;
	size_t mark = in->loglen;
	if (in_connect(in, NULL, 1, in->o->msize) == 0 &&
	    h_walk(in, NULL, 0, BASE_FID, in->caps->scratchbase, NULL) == 0)
		h_rmtree(in, BASE_FID, in->scratchname);
	if (in->failmsg[0] && in->o->verbose)
		fprintf(stderr, "9psuite: %s: cleanup of %s: %s\n", in->sc->code,
			in->scratchname, in->failmsg);
	/* the cleanup exchange is not part of the case's transcript */
	in->loglen = mark;
	if (in->log)
		in->log[mark] = 0;
	memcpy(in->failmsg, saved, sizeof saved);
	in_disconnect(in);
}

int interp_run(struct interp *in)
{
	const struct scase *sc = in->sc;
	int rc = 0;
	rc = in_connect(in, NULL, sc->setup == SETUP_ATTACH ? 1 : sc->setup == SETUP_VERSION ? 0 : -1,
			in->o->msize);
	if (!rc && (sc->needs & NEED_WRITABLE) && sc->setup == SETUP_ATTACH)
		rc = make_scratch(in);
	if (!rc)
		rc = run_block(in, sc->body, sc->nbody);
	if (rc && !in->failmsg[0])
		in_fail(in, NULL, "failed");
	in_disconnect(in);
	if (in->scratchfid)
		remove_scratch(in);
	return in->failmsg[0] ? R_FAIL : R_PASS;
}
