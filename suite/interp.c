/*
 * interp.c - runs one case: sets it up (its connection, connect.c; its
 * scratch directory and fixture tree), times it out as a whole, runs its
 * statements (loops, conditions, set, assert, sleep, fail, skip, log;
 * helper statements through their table, langtab.c) and removes the
 * scratch directory of cases that need a writable target.  The top of the
 * interpreter: the transcript and rpc are session.c's, values eval.c's,
 * send and expect send.c's and expect.c's, helper steps helpers.c's;
 * none of them calls back up here.
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

static int do_set(struct interp *in, const struct stmt *s)
{
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

static int do_for(struct interp *in, const struct stmt *s)
{
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

static int do_repeat(struct interp *in, const struct stmt *s)
{
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

static int do_if(struct interp *in, const struct stmt *s)
{
	int yes = s->narg ? do_compare(in, s, 1) : !!(s->dialects & in->dialect);
	if (yes < 0)
		return -1;
	if (yes)
		return run_block(in, s->body, s->nbody);
	return run_block(in, s->elsebody, s->nelse);
}

static int do_sleep(struct interp *in, const struct stmt *s)
{
	uint64_t ms;
	if (eval_int(in, s->arg[0], &ms))
		return -1;
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
	return 0;
}

/* fail "why" (the case fails), skip "why" (it ends as skipped: the target
 * lacks a precondition); both end the case. */
static int do_end(struct interp *in, const struct stmt *s)
{
	char *why = eval_cstr(in, s->arg[0]);
	if (!why)
		return -1;
	if (s->kind == S_FAIL) {
		in_fail(in, s, "%s", why);
	} else {
		snprintf(in->skipmsg, sizeof in->skipmsg, "%s", why);
		in_log(in, "# skip: %s", why);
	}
	free(why);
	return -1;
}

static int do_log(struct interp *in, const struct stmt *s)
{
	char text[128];
	if (eval_words(in, s->arg, s->narg, text, sizeof text))
		return -1;
	in_log(in, "# %s", text);
	return 0;
}

static int run_stmt(struct interp *in, const struct stmt *s)
{
	if (timed_out(in, s))
		return -1;
	switch (s->kind) {
	case S_SEND: return stmt_send(in, s);
	case S_SENDRAW: return stmt_sendraw(in, s);
	case S_EXPECT: return stmt_expect(in, s);
	case S_SET: return do_set(in, s);
	case S_ASSERT: return do_compare(in, s, 0);
	case S_FOR: return do_for(in, s);
	case S_REPEAT: return do_repeat(in, s);
	case S_IF: return do_if(in, s);
	case S_SLEEP: return do_sleep(in, s);
	case S_FAIL:
	case S_SKIP: return do_end(in, s);
	case S_LOG: return do_log(in, s);
	case S_HELPER: return run_helper(in, s);
	}
	return in_fail(in, s, "unknown statement");
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

