/*
 * eval.c - the values a case computes: variables (with .path/.type/
 * .version/.len/[i] sub-paths) and expressions (numbers, strings, lists,
 * arithmetic in parentheses, and calls).
 *
 * Owns: the table of builtin functions (str, bytes, synthname, len, cat,
 * answered): name, arity and body, read by the parser's checks and here.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "suite.h"
#include "p9fs.h"
#include "xalloc.h"

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
	struct var *nv = xrealloc(in->vars, (size_t)(in->nvar + 1) * sizeof *nv);
	in->vars = nv;
	in->vars[in->nvar].name = xstrdup(name);
	val_copy(&in->vars[in->nvar].v, v);
	in->nvar++;
}

/* Bytes a value holds (strings, and the items of lists). */
static size_t val_bytes(const struct value *v)
{
	size_t n = v->kind == V_STR ? v->len : 0;
	for (int i = 0; v->kind == V_LIST && i < v->nitem; i++)
		n += val_bytes(&v->item[i]) + sizeof *v->item;
	return n;
}

/* Whether a case's variables may hold v under name: all of them together
 * stay within EVAL_MAXVARS, so no case text can make 9psuite hold more. */
int var_fits(struct interp *in, const char *name, const struct value *v)
{
	const struct value *old = var_get(in, name);
	size_t total = val_bytes(v);
	for (int i = 0; i < in->nvar; i++)
		if (&in->vars[i].v != old)
			total += val_bytes(&in->vars[i].v);
	return total <= EVAL_MAXVARS;
}

void var_int(struct interp *in, const char *name, uint64_t i)
{
	struct value v = val_int(i);
	var_set(in, name, &v);
}

void var_qid(struct interp *in, const char *name, struct p9_qid q)
{
	struct value v = val_qid(q);
	var_set(in, name, &v);
}

void var_str(struct interp *in, const char *name, const char *s)
{
	struct value v = val_str(s, strlen(s));
	var_set(in, name, &v);
	val_free(&v);
}

/* A sub-path of a value: .path .type .version of a qid, .len of a string,
 * [i] of a list. */
int val_sub(struct interp *in, const struct expr *e, const struct value *v,
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

/* The longest string a function makes (no message carries more). */
#define EVAL_MAXSTR (1u << 24)

/* A builtin's body: 0 (out set), -1 (the case failed), or BAD_CALL when
 * the arguments are not of the kinds it takes. */
enum { BAD_CALL = 1 };

static int too_long(struct interp *in, const struct expr *e)
{
	return in_fail(in, NULL, "%s:%d: %s(): the string would exceed 16 MiB", e->pos.file,
		       e->pos.line, e->s);
}

/* str("x", 100): the string repeated */
static int fn_str(struct interp *in, const struct expr *e, const struct value *a,
		  struct value *out)
{
	if (a[0].kind != V_STR || a[1].kind != V_INT)
		return BAD_CALL;
	if (a[1].i && a[0].len > EVAL_MAXSTR / a[1].i)
		return too_long(in, e);
	if (a[1].i > EVAL_MAXSTR)
		return BAD_CALL;
	size_t n = a[0].len * a[1].i;
	char *buf = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++)
		buf[i] = a[0].s[i % a[0].len];
	*out = val_str(buf, n);
	free(buf);
	return 0;
}

/* bytes(n[, off]): the synthfs /data pattern (lib/p9fs.h) */
static int fn_bytes(struct interp *in, const struct expr *e, const struct value *a,
		    struct value *out)
{
	(void)in;
	if (a[0].kind != V_INT || a[0].i > EVAL_MAXSTR)
		return BAD_CALL;
	uint64_t off = e->narg > 1 && a[1].kind == V_INT ? a[1].i : 0;
	char *buf = xmalloc(a[0].i + 1);
	p9_contract_fill((uint8_t *)buf, a[0].i, off);
	*out = val_str(buf, a[0].i);
	free(buf);
	return 0;
}

/* synthname(i): the name of entry i of a synthfs readdir directory */
static int fn_synthname(struct interp *in, const struct expr *e, const struct value *a,
			struct value *out)
{
	char buf[128];
	(void)in;
	(void)e;
	if (a[0].kind != V_INT || a[0].i > UINT_MAX)
		return BAD_CALL;
	p9_contract_name(buf, sizeof buf, (unsigned)a[0].i);
	*out = val_str(buf, strlen(buf));
	return 0;
}

static int fn_len(struct interp *in, const struct expr *e, const struct value *a,
		  struct value *out)
{
	(void)in;
	(void)e;
	*out = val_int(a[0].kind == V_LIST ? (uint64_t)a[0].nitem : a[0].len);
	return 0;
}

/* cat(a, b): a string and a string or a number (in decimal) */
static int fn_cat(struct interp *in, const struct expr *e, const struct value *a,
		  struct value *out)
{
	char num[32];
	const char *s2 = a[1].s;
	size_t l2 = a[1].len;
	if (a[0].kind != V_STR || a[1].kind == V_LIST)
		return BAD_CALL;
	if (a[1].kind == V_STR && a[0].len + a[1].len > EVAL_MAXSTR)
		return too_long(in, e);
	if (a[1].kind == V_INT) {
		l2 = (size_t)snprintf(num, sizeof num, "%llu", (unsigned long long)a[1].i);
		s2 = num;
	}
	char *buf = xmalloc(a[0].len + l2 + 1);
	memcpy(buf, a[0].s, a[0].len);
	memcpy(buf + a[0].len, s2, l2);
	*out = val_str(buf, a[0].len + l2);
	free(buf);
	return 0;
}

/* answered(NAME[, WAIT]): 1 once a reply to @NAME has arrived */
static int fn_answered(struct interp *in, const struct expr *e, const struct value *a,
		       struct value *out)
{
	if (a[0].kind != V_STR)
		return BAD_CALL;
	uint64_t ms = e->narg > 1 && a[1].kind == V_INT ? a[1].i : 0;
	int k = in_answered(in, a[0].s, ms > 600000 ? 600000 : (int)ms);
	if (k < 0)
		return -1;
	*out = val_int((uint64_t)k);
	return 0;
}

/* The builtin functions: the parser checks names and arity against this
 * table, the evaluator runs its rows. */
static const struct builtin builtins[] = {
	{ "str", 2, 2, "str(s,n)", fn_str },
	{ "bytes", 1, 2, "bytes(n[,off])", fn_bytes },
	{ "synthname", 1, 1, "synthname(i)", fn_synthname },
	{ "len", 1, 1, "len(x)", fn_len },
	{ "cat", 2, 2, "cat(a,b)", fn_cat },
	{ "answered", 1, 2, "answered(name[,wait])", fn_answered },
};

const struct builtin *builtin_byname(const char *name)
{
	for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
		if (strcmp(builtins[i].name, name) == 0)
			return &builtins[i];
	return NULL;
}

char *builtin_usage(char *out, size_t cap)
{
	size_t n = 0;
	out[0] = 0;
	for (size_t i = 0; i < sizeof builtins / sizeof builtins[0] && n < cap; i++)
		n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? ", " : "", builtins[i].usage);
	return out;
}

static int eval_call(struct interp *in, const struct expr *e, struct value *out)
{
	const struct builtin *b = builtin_byname(e->s);
	struct value a[BUILTIN_MAXARGS] = { { 0 } };
	int rc = b && e->narg >= b->minargs && e->narg <= b->maxargs ? 0 : BAD_CALL;
	for (int i = 0; i < e->narg && !rc; i++)
		rc = eval(in, e->arg[i], &a[i]);
	if (!rc)
		rc = b->fn(in, e, a, out);
	if (rc == BAD_CALL) {
		char usage[200];
		rc = in_fail(in, NULL, "%s:%d: bad call %s() (%s)", e->pos.file, e->pos.line, e->s,
			     builtin_usage(usage, sizeof usage));
	}
	for (int i = 0; i < BUILTIN_MAXARGS; i++)
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
		out->item = xcalloc((size_t)e->narg + 1, sizeof *out->item);
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

int eval_int(struct interp *in, const struct expr *e, uint64_t *v)
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
char *eval_cstr(struct interp *in, const struct expr *e)
{
	struct value x;
	if (eval(in, e, &x))
		return NULL;
	if (x.kind == V_INT) {
		char num[24];
		snprintf(num, sizeof num, "%llu", (unsigned long long)x.i);
		return xstrdup(num);
	}
	if (x.kind != V_STR) {
		val_free(&x);
		in_fail(in, NULL, "%s:%d: expected a string", e->pos.file, e->pos.line);
		return NULL;
	}
	return x.s;
}

int eval_words(struct interp *in, struct expr *const *e, int n, char *out, size_t cap)
{
	out[0] = 0;
	for (int i = 0; i < n; i++) {
		char *w = eval_cstr(in, e[i]);
		size_t len = strlen(out);
		if (!w)
			return -1;
		snprintf(out + len, cap - len, "%s%s", len ? " " : "", w);
		free(w);
	}
	return 0;
}
