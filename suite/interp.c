/*
 * interp.c - runs one case: connects it (in_connect), times it out as a
 * whole, dispatches its statements (helpers, loops, conditions, compare)
 * and makes and removes the scratch directory of cases that need a
 * writable target.  The top of the interpreter: the transcript and rpc
 * are session.c's, values eval.c's, send and expect send.c's and
 * expect.c's, helper steps helpers.c's; none of them calls back up here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "suite.h"

/* ---- timeouts ---- */

static int timed_out(struct interp *in, const struct stmt *s)
{
	if (p9_now_ns() < in->deadline_ns)
		return 0;
	return in_fail(in, s, "case timed out");
}

/* ---- connection ---- */

int in_connect(struct interp *in, const struct stmt *s, int attach, uint32_t msize)
{
	char err[512];
	int rc;
	struct p9_qid q;
	in_disconnect(in);
	/* a dial may take the case's whole time (qemu: starts a QEMU) */
	uint64_t now = p9_now_ns();
	int dial_ms = now >= in->deadline_ns ? 0 : (int)((in->deadline_ns - now) / 1000000);
	rc = p9_dial(in->o->target, dial_ms, &in->conn, err, sizeof err);
	if (rc) {
		snprintf(in->infra, sizeof in->infra, "%s", err);
		return in_fail(in, s, "cannot connect: %s", err);
	}
	in->cl = p9_client_new(in->conn, msize, in->dialect);
	if (!in->cl)
		abort();
	/* QEMU's Rstat n[2] = 0 and nfs-ganesha's Rerror for Rlerror are decoded,
	 * logged and counted; STAT13 and ERR5 fail on them */
	if (!in->o->strict_decode)
		in->cl->decode_flags = P9_DEC_STATLEN | P9_DEC_RLERROR;
	/* the probe found the Rversion's tag is not NOTAG: VER11 reports it,
	 * other cases that send a Tversion take such an Rversion as its reply */
	if (in->caps && (in->caps->versiondev & VDEV_TAG))
		in->cl->lax = P9_LAX_VERSION_TAG;
	in->versioned = 0;
	var_int(in, "root", 0);
	var_str(in, "multidev", in->o->multidev ? in->o->multidev : "multidev");
	/* the probe's Rversion answered more than the msize asked: VER12 says
	 * so, and cases whose verdict follows from it skip */
	var_int(in, "msize_grew", in->caps && (in->caps->versiondev & VDEV_MSIZE));
	if (attach < 0)
		return 0;
	rc = in_version(in, msize, err, sizeof err);
	if (rc == -ECONNRESET)
		return in_lost(in, s, P9_TVERSION, P9_NOTAG);
	if (rc)
		return in_fail(in, s, "version: %s", err);
	if (in->cl->dialect != in->dialect)
		return in_fail(in, s, "server answered %s to %s", p9_dialect_name(in->cl->dialect),
			       p9_dialect_name(in->dialect));
	in->versioned = 1;
	var_int(in, "msize", in->cl->msize);
	var_int(in, "root", 0);
	var_int(in, "iomax", in->cl->msize - P9_IOHDRSZ);
	/* root may open a read-only file for writing on a server that acts
	 * as its user (cases on permissions skip then) */
	var_int(in, "asroot", in->o->n_uname == 0 || strcmp(in->o->uname, "root") == 0);
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
		if (in->cl && (p9_client_drain(in->cl), in_unsolicited(in, s, 0)))
			return -1;
		return in_connect(in, s, 1, (uint32_t)ms);
	}
	case S_DISCONNECT:
		if (in->cl && (p9_client_drain(in->cl), in_unsolicited(in, s, 0)))
			return -1;
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
	{
		uint64_t cf = UINT64_MAX;
		if (check_opts(in, s, " count synth churn ") || arg_u32(in, s, 0, &a) ||
		    opt_u64(in, s, "count", &x) || opt_u64(in, s, "synth", &n) ||
		    opt_u64(in, s, "churn", &cf))
			return -1;
		if (h_listdir(in, s, a, (uint32_t)x, n, cf != UINT64_MAX, (uint32_t)cf, &n))
			return -1;
	}
		if (s->var)
			var_int(in, s->var, n);
		return 0;
	case S_QIDSCAN: {
		uint64_t uq = 1, de = 1, mx = UINT64_MAX;
		if (check_opts(in, s, " unique dirent max ") || opt_u64(in, s, "unique", &uq) ||
		    opt_u64(in, s, "dirent", &de) || opt_u64(in, s, "max", &mx))
			return -1;
		if (!(str = eval_cstr(in, s->arg[0])))
			return -1;
		struct qscan how = { .unique = uq != 0, .dirent = de != 0, .max = mx };
		char *prune[QSCAN_MAXPRUNE] = { 0 };
		rc = 0;
		for (int k = 1; k < s->narg && !rc; k++)
			if (!(how.prune[k - 1] = prune[k - 1] = eval_cstr(in, s->arg[k])))
				rc = -1;
		if (!rc)
			rc = h_qidscan(in, s, str, &how, &n);
		for (int k = 0; k < QSCAN_MAXPRUNE; k++)
			free(prune[k]);
		if (!rc && s->var)
			var_int(in, s->var, n);
		break;
	}
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
	case S_SKIP: /* ends the case, as skipped: the target lacks a precondition */
		if (!(str = eval_cstr(in, s->arg[0])))
			return -1;
		snprintf(in->skipmsg, sizeof in->skipmsg, "%s", str);
		in_log(in, "# skip: %s", str);
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

/* assert A OP B (fails the case), or the condition of if A OP B (1/0). */
static int do_compare(struct interp *in, const struct stmt *s, int test)
{
	struct value a, b;
	int rc;
	if (eval(in, s->arg[0], &a))
		return -1;
	if (eval(in, s->arg[1], &b)) {
		val_free(&a);
		return -1;
	}
	const char *what = s->arg[0]->kind == E_VAR ? s->arg[0]->s : "value";
	rc = test ? value_test(in, s, what, &a, s->op, &b)
		  : value_compare(in, s, what, &a, s->op, &b);
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
		return stmt_send(in, s);
	case S_SENDRAW:
		return stmt_sendraw(in, s);
	case S_EXPECT:
		return stmt_expect(in, s);
	case S_SET: {
		struct value v;
		if (eval(in, s->arg[0], &v))
			return -1;
		if (!var_fits(in, s->var, &v)) {
			val_free(&v);
			return in_fail(in, s, "set %s: the case's variables would hold "
				       "more than 64 MiB", s->var);
		}
		var_set(in, s->var, &v);
		val_free(&v);
		return 0;
	}
	case S_ASSERT:
		return do_compare(in, s, 0);
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
	case S_IF: {
		int yes = s->narg ? do_compare(in, s, 1) : !!(s->dialects & in->dialect);
		if (yes < 0)
			return -1;
		if (yes)
			return run_block(in, s->body, s->nbody);
		return run_block(in, s->elsebody, s->nelse);
	}
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
	in->unlinkat = caps ? caps->unlinkat : 0;
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

/* $fix: a fid at the root of the contract tree. */
static int walk_fixtures(struct interp *in)
{
	in_log(in, "# fixture tree /%s", in->caps->fixpath);
	if (h_walk(in, NULL, 0, FIX_FID, in->caps->fixpath, NULL))
		return -1;
	var_int(in, "fix", FIX_FID);
	var_str(in, "fixpath", in->caps->fixpath);
	return 0;
}

/* Remove the scratch directory on a fresh connection.  A failure is the
 * case's cleanup failure (in->cleanupmsg), not its result. */
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
	if (in->failmsg[0]) {
		snprintf(in->cleanupmsg, sizeof in->cleanupmsg, "removing %s: %s",
			 in->scratchname, in->failmsg);
		if (in->o->verbose)
			fprintf(stderr, "9psuite: %s: cleanup: %s\n", in->sc->code,
				in->cleanupmsg);
	}
	/* the cleanup exchange is not part of the case's transcript */
	in->loglen = mark;
	if (in->log)
		in->log[mark] = 0;
	memcpy(in->failmsg, saved, sizeof saved);
	in_disconnect(in);
}

/* The case's setup (its connection, version and attach; its scratch
 * directory) failed: an error of the setup, not a failure of the case's
 * subject (in->setup_failed). */
static void setup_error(struct interp *in, const char *step)
{
	char was[900];
	snprintf(was, sizeof was, "%.899s", in->failmsg[0] ? in->failmsg : "failed");
	in->setup_failed = 1;
	snprintf(in->failmsg, sizeof in->failmsg, "setup (%s): %s", step, was);
}

/* At the end of the case, replies that have already arrived are taken in:
 * an unsolicited one fails a passing case, or is added to a failure's
 * reason (it may explain it). */
static void end_check(struct interp *in)
{
	char why[300];
	if (!in->cl || (p9_client_drain(in->cl), !p9_client_unsolicited(in->cl, why, sizeof why)))
		return;
	if (!in->failmsg[0]) {
		in_unsolicited(in, NULL, 0);
		return;
	}
	if (in->unsol_logged)
		return;
	in_log_unsolicited(in, why);
	size_t n = strlen(in->failmsg);
	snprintf(in->failmsg + n, sizeof in->failmsg - n, "; then %s", why);
}

int interp_run(struct interp *in)
{
	const struct scase *sc = in->sc;
	int rc = 0;
	rc = in_connect(in, NULL, sc->setup == SETUP_ATTACH ? 1 : sc->setup == SETUP_VERSION ? 0 : -1,
			in->o->msize);
	if (rc)
		setup_error(in, sc->setup == SETUP_NONE ? "connection" :
			    sc->setup == SETUP_VERSION ? "connection and Tversion" :
			    "connection, Tversion and Tattach");
	if (!rc && (sc->needs & NEED_WRITABLE) && sc->setup == SETUP_ATTACH &&
	    (rc = make_scratch(in)))
		setup_error(in, "scratch directory");
	if (!rc && (sc->needs & NEED_FIXTURES) && sc->setup == SETUP_ATTACH &&
	    (rc = walk_fixtures(in)))
		setup_error(in, "fixture tree");
	if (!rc)
		rc = run_block(in, sc->body, sc->nbody);
	if (rc && !in->failmsg[0] && !in->skipmsg[0])
		in_fail(in, NULL, "failed");
	end_check(in);
	in_disconnect(in);
	if (in->scratchfid)
		remove_scratch(in);
	if (in->skipmsg[0] && !in->failmsg[0])
		return R_SKIP;
	return in->failmsg[0] ? R_FAIL : R_PASS;
}

