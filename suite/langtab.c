/*
 * langtab.c - the helper statements of the case language, one table: a
 * row is a statement's name, its arity, the options it takes (named and
 * typed), what '-> $var' captures and the variables it sets besides, and
 * the function that runs it.  parse.c checks statements against the rows;
 * interp.c runs them through run_helper, which evaluates the options and
 * sets the variable of '-> $var' from what the row says it captures.  The steps themselves are helpers.c's and connect.c's.
 *
 * Owns: the helper table.  Adding a helper is a row and its run function.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "suite.h"

/* ---- arguments ---- */

static int arg_u32(struct interp *in, const struct stmt *s, int i, uint32_t *v)
{
	uint64_t x;
	if (eval_int(in, s->arg[i], &x))
		return -1;
	*v = (uint32_t)x;
	return 0;
}

/* Argument 0, a fid, and argument 1, a string (caller frees). */
static int arg_fid_str(struct interp *in, const struct stmt *s, uint32_t *fid, char **str)
{
	if (arg_u32(in, s, 0, fid))
		return -1;
	return (*str = eval_cstr(in, s->arg[1])) ? 0 : -1;
}

/* Drain the connection first: a reply that came unasked fails the case. */
static int drained(struct interp *in, const struct stmt *s)
{
	return in->cl && (p9_client_drain(in->cl), in_unsolicited(in, s, 0)) ? -1 : 0;
}

/* ---- the helpers ---- */

#define RUN(fn) static int fn(struct interp *in, const struct stmt *s, \
			      const struct helper_opts *o, struct helper_out *out)

/* connect, reconnect [msize=N] */
RUN(run_connect)
{
	(void)out;
	if (drained(in, s))
		return -1;
	return in_connect(in, s, 1, o->given & 1 ? (uint32_t)o->v[0] : in->o->msize);
}

RUN(run_disconnect)
{
	(void)o;
	(void)out;
	if (drained(in, s))
		return -1;
	in_disconnect(in);
	return 0;
}

/* walk NEWFID PATH [FROMFID]: the qid only when captured (walking no name
 * then costs a Tgetattr) */
RUN(run_walk)
{
	uint32_t from = 0, newfid;
	char *path;
	int rc = -1;
	(void)o;
	if (arg_u32(in, s, 0, &newfid) || !(path = eval_cstr(in, s->arg[1])))
		return -1;
	if (s->narg < 3 || !arg_u32(in, s, 2, &from))
		rc = h_walk(in, s, from, newfid, path, s->var ? &out->q : NULL);
	free(path);
	return rc;
}

/* open FID MODE... (sets $iounit) */
RUN(run_open)
{
	uint32_t fid, iounit;
	char mode[128];
	(void)o;
	if (arg_u32(in, s, 0, &fid) || eval_words(in, s->arg + 1, s->narg - 1, mode, sizeof mode) ||
	    h_open(in, s, fid, mode, &out->q, &iounit))
		return -1;
	var_int(in, "iounit", iounit);
	return 0;
}

/* create DIRFID NAME [MODE...] */
RUN(run_create)
{
	uint32_t fid;
	char *name = NULL, mode[128];
	int rc = -1;
	(void)o;
	if (!arg_fid_str(in, s, &fid, &name) &&
	    !eval_words(in, s->arg + 2, s->narg - 2, mode, sizeof mode))
		rc = h_create(in, s, fid, name, mode, &out->q);
	free(name);
	return rc;
}

/* mkdir DIRFID NAME */
RUN(run_mkdir)
{
	uint32_t fid;
	char *name = NULL;
	int rc = -1;
	(void)o;
	if (!arg_fid_str(in, s, &fid, &name))
		rc = h_mkdir(in, s, fid, name, &out->q);
	free(name);
	return rc;
}

RUN(run_clunk)
{
	uint32_t fid;
	(void)o;
	(void)out;
	return arg_u32(in, s, 0, &fid) ? -1 : h_clunk(in, s, fid);
}

RUN(run_getsize)
{
	uint32_t fid;
	(void)o;
	return arg_u32(in, s, 0, &fid) ? -1 : h_getsize(in, s, fid, &out->n);
}

RUN(run_getqid)
{
	uint32_t fid;
	(void)o;
	return arg_u32(in, s, 0, &fid) ? -1 : h_getqid(in, s, fid, &out->q);
}

/* writefile FID DATA */
RUN(run_writefile)
{
	uint32_t fid;
	struct value v;
	int rc;
	(void)o;
	(void)out;
	if (arg_u32(in, s, 0, &fid) || eval(in, s->arg[1], &v))
		return -1;
	if (v.kind != V_STR) {
		val_free(&v);
		return in_fail(in, s, "writefile takes a string");
	}
	rc = h_writefile(in, s, fid, v.s, v.len);
	val_free(&v);
	return rc;
}

/* listdir FID [count=N] [synth=N] [churn=DIRFID] */
enum { LD_COUNT, LD_SYNTH, LD_CHURN };

RUN(run_listdir)
{
	uint32_t fid;
	if (arg_u32(in, s, 0, &fid))
		return -1;
	return h_listdir(in, s, fid, (uint32_t)o->v[LD_COUNT], o->v[LD_SYNTH],
			 (o->given >> LD_CHURN) & 1, (uint32_t)o->v[LD_CHURN], &out->n);
}

/* qidscan PATH [PRUNE...] [unique=0] [dirent=0] [max=N] */
enum { QS_UNIQUE, QS_DIRENT, QS_MAX };

RUN(run_qidscan)
{
	struct qscan how = { .unique = (int)o->v[QS_UNIQUE], .dirent = (int)o->v[QS_DIRENT],
			     .max = o->v[QS_MAX] };
	char *path, *prune[QSCAN_MAXPRUNE] = { 0 };
	int rc = 0;
	if (!(path = eval_cstr(in, s->arg[0])))
		return -1;
	for (int k = 1; k < s->narg && !rc; k++)
		if (!(how.prune[k - 1] = prune[k - 1] = eval_cstr(in, s->arg[k])))
			rc = -1;
	if (!rc)
		rc = h_qidscan(in, s, path, &how, &out->n);
	for (int k = 0; k < QSCAN_MAXPRUNE; k++)
		free(prune[k]);
	free(path);
	return rc;
}

/* ---- the table ---- */

#define NOOPT { { NULL, 0, 0 } }

static const struct helper helpers[] = {
	{ "connect", 0, 0, { { "msize", OPT_U32, 0 } }, CAP_NONE, 0,
	  "msize root iomax asroot rootqid multidev msize_grew", run_connect },
	{ "reconnect", 0, 0, { { "msize", OPT_U32, 0 } }, CAP_NONE, 0,
	  "msize root iomax asroot rootqid multidev msize_grew", run_connect },
	{ "disconnect", 0, 0, NOOPT, CAP_NONE, 0, NULL, run_disconnect },
	{ "walk", 2, 3, NOOPT, CAP_QID, 0, NULL, run_walk },
	{ "open", 2, 4, NOOPT, CAP_QID, 0, "iounit", run_open },
	{ "create", 2, 4, NOOPT, CAP_QID, 0, NULL, run_create },
	{ "mkdir", 2, 2, NOOPT, CAP_QID, 0, NULL, run_mkdir },
	{ "clunk", 1, 1, NOOPT, CAP_NONE, 0, NULL, run_clunk },
	{ "getsize", 1, 1, NOOPT, CAP_NUM, 1, NULL, run_getsize },
	{ "getqid", 1, 1, NOOPT, CAP_QID, 1, NULL, run_getqid },
	{ "writefile", 2, 2, NOOPT, CAP_NONE, 0, NULL, run_writefile },
	{ "listdir", 1, 1,
	  { [LD_COUNT] = { "count", OPT_U32, 0 }, [LD_SYNTH] = { "synth", OPT_NUM, 0 },
	    [LD_CHURN] = { "churn", OPT_FID, 0 } },
	  CAP_NUM, 0, NULL, run_listdir },
	{ "qidscan", 1, 1 + QSCAN_MAXPRUNE,
	  { [QS_UNIQUE] = { "unique", OPT_BOOL, 1 }, [QS_DIRENT] = { "dirent", OPT_BOOL, 1 },
	    [QS_MAX] = { "max", OPT_NUM, UINT64_MAX } },
	  CAP_NUM, 0, NULL, run_qidscan },
};

const struct helper *helper_byname(const char *name)
{
	for (size_t i = 0; i < sizeof helpers / sizeof helpers[0]; i++)
		if (strcmp(helpers[i].name, name) == 0)
			return &helpers[i];
	return NULL;
}

int helper_opt(const struct helper *h, const char *name)
{
	for (int i = 0; i < HELPER_MAXOPT && h->opt[i].name; i++)
		if (strcmp(h->opt[i].name, name) == 0)
			return i;
	return -1;
}

/* The statement's options by the row's types, defaults where not given. */
static int eval_opts(struct interp *in, const struct stmt *s, struct helper_opts *o)
{
	const struct helper *h = s->helper;
	memset(o, 0, sizeof *o);
	for (int i = 0; i < HELPER_MAXOPT; i++)
		o->v[i] = h->opt[i].dflt;
	for (int i = 0; i < s->nas; i++) {
		int k = helper_opt(h, s->as[i].field);
		uint64_t v;
		if (k < 0)
			return in_fail(in, s, "unknown option %s=", s->as[i].field);
		if (eval_int(in, s->as[i].val, &v))
			return -1;
		switch (h->opt[k].type) {
		case OPT_U32:
		case OPT_FID: v = (uint32_t)v; break;
		case OPT_BOOL: v = v != 0; break;
		}
		o->v[k] = v;
		o->given |= 1u << k;
	}
	return 0;
}

int run_helper(struct interp *in, const struct stmt *s)
{
	const struct helper *h = s->helper;
	struct helper_opts o;
	struct helper_out out = { { 0 }, 0 };
	if (eval_opts(in, s, &o) || h->run(in, s, &o, &out))
		return -1;
	if (s->var && h->capture == CAP_QID)
		var_qid(in, s->var, out.q);
	else if (s->var && h->capture == CAP_NUM)
		var_int(in, s->var, out.n);
	return 0;
}
