/*
 * runner.c - runs the catalogue against one target: probes what the target
 * offers, selects cases (codes, globs, flags), resolves dialects, needs,
 * dependencies and expectations (xfail/xpass), runs each case on a fresh
 * connection within its timeout and prints TAP as it goes.
 *
 * Owns: struct run's results and the probe of target capabilities.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "suite.h"
#include "xalloc.h"
#include "targets/qemu.h"

static const int order[] = { P9_DL, P9_DU, P9_D2000 };

/* A copy of s; of "" when s is NULL. */
static char *dup_or_empty(const char *s)
{
	return xstrdup(s ? s : "");
}

/* ---- expectations ---- */

int run_load_expect(struct run *r, const char *file, char *err, size_t cap)
{
	FILE *f = fopen(file, "r");
	char line[1024];
	int ln = 0;
	if (!f) {
		snprintf(err, cap, "%s: cannot open expectations file", file);
		return -1;
	}
	for (char *p; (p = p9_conf_line(f, line, sizeof line, &ln));) {
		char *code, *why;
		code = p;
		p += strcspn(p, " \t");
		if (*p)
			*p++ = 0;
		while (*p == ' ' || *p == '\t')
			p++;
		why = p;
		if (!*why) {
			snprintf(err, cap, "%s:%d: %s has no reason (CODE[/DIALECT] reason...)", file,
				 ln, code);
			fclose(f);
			return -1;
		}
		r->xcode = xrealloc(r->xcode, (size_t)(r->nx + 1) * sizeof *r->xcode);
		r->xwhy = xrealloc(r->xwhy, (size_t)(r->nx + 1) * sizeof *r->xwhy);
		r->xcode[r->nx] = dup_or_empty(code);
		r->xwhy[r->nx++] = dup_or_empty(why);
	}
	fclose(f);
	return 0;
}

static const char *expected(const struct run *r, const struct scase *c, int d)
{
	for (int i = 0; i < r->nx; i++) {
		const char *x = r->xcode[i];
		size_t l = strlen(c->code);
		if (strncmp(x, c->code, l) != 0)
			continue;
		if (x[l] == 0)
			return r->xwhy[i];
		if (x[l] == '/' && (p9_dialect_parse(x + l + 1) & d))
			return r->xwhy[i];
	}
	return NULL;
}

/* ---- probe ---- */

static int try_rpc(struct interp *in, struct p9_msg *m, int want)
{
	struct p9_reply *r;
	int ok;
	if (in_rpc(in, NULL, m, &r))
		return 0;
	ok = r->decode_rc == 0 && r->m.type == want;
	p9_reply_free(r);
	return ok;
}

/* Walk newfid to a path of at most P9_MAXWELEM names from fid; 1 if it exists. */
static int try_walk_path(struct interp *in, uint32_t fid, uint32_t newfid, const char *path)
{
	char buf[1024], *save = NULL;
	struct p9_msg m = { .type = P9_TWALK, .fid = fid, .newfid = newfid };
	struct p9_reply *r;
	snprintf(buf, sizeof buf, "%s", path);
	for (char *n = strtok_r(buf, "/", &save); n; n = strtok_r(NULL, "/", &save)) {
		if (m.nwname == P9_MAXWELEM)
			return 0;
		m.wname[m.nwname++] = p9_s(n);
	}
	if (!m.nwname || in_rpc(in, NULL, &m, &r))
		return 0;
	int ok = r->decode_rc == 0 && r->m.type == P9_RWALK && r->m.nwqid == m.nwname;
	p9_reply_free(r);
	return ok;
}

/* A line for the TAP output (a comment after the version line). */
static void probe_note(struct run *r, const char *line)
{
	size_t n = r->probenotes ? strlen(r->probenotes) : 0, l = strlen(line);
	r->probenotes = xrealloc(r->probenotes, n + l + 2);
	memcpy(r->probenotes + n, line, l);
	memcpy(r->probenotes + n + l, "\n", 2);
}

/* The probe's Rversion broke version(5) but named the dialect: accepted. */
static void probe_version_notes(struct run *r, const struct interp *in)
{
	char line[400];
	if (!in->versiondev)
		return;
	snprintf(line, sizeof line, "probe (%s): version: the Rversion breaks version(5)%s%s%s, "
		 "accepted (the session uses msize %u); VER11-VER13 report it",
		 p9_dialect_name(in->dialect), in->versiondev & VDEV_TAG ? ", tag not NOTAG" : "",
		 in->versiondev & VDEV_MSIZE ? ", msize above the one asked" : "",
		 in->versiondev & VDEV_BODY ? ", malformed body" : "", in->cl->msize);
	probe_note(r, line);
}

/* A probe step that failed: a note for the TAP output.  0: the probe goes
 * on; 1: the step closed the connection but the target can be reached
 * again (the probe of this dialect stops there); -1: the target is gone
 * (crashed: the run cannot go on, err says which step). */
static int probe_step_failed(struct run *r, struct interp *in, const char *step,
			     char *err, size_t cap)
{
	char line[1400];
	snprintf(line, sizeof line, "probe (%s): %s: %s", p9_dialect_name(in->dialect), step,
		 in->failmsg[0] ? in->failmsg : "failed");
	in->failmsg[0] = 0;
	if (in->conn_lost) {
		struct p9_conn *c;
		char derr[256];
		if (p9_dial(r->o.target, r->o.call_ms, &c, derr, sizeof derr)) {
			snprintf(err, cap, "%s", line);
			return -1;
		}
		p9_conn_close(c);
		probe_note(r, line);
		return 1;
	}
	probe_note(r, line);
	return 0;
}

/* xattr check: create a user xattr on the probe directory (fid dir). */
static void probe_xattr(struct interp *in, struct caps *c, uint32_t dir)
{
	struct p9_msg x = { .type = P9_TXATTRCREATE, .fid = dir,
			    .name = p9_s("user.9psuite"), .attr_size = 1 };
	struct p9_msg w = { .type = P9_TWRITE, .fid = dir, .data = (const uint8_t *)"x",
			    .count = 1 };
	struct p9_msg cl = { .type = P9_TCLUNK, .fid = dir };
	if (try_rpc(in, &x, P9_RXATTRCREATE)) {
		int ok = try_rpc(in, &w, P9_RWRITE);
		c->xattr = try_rpc(in, &cl, P9_RCLUNK) && ok;
	} else {
		try_rpc(in, &cl, P9_RCLUNK);
	}
}

/* Writable check: make a directory in the scratch base, try a user xattr
 * on it (9P2000.L), remove it (Tunlinkat first, then Tremove).  -1 when a
 * step closed the connection (err says which). */
static int probe_writable(struct run *r, struct interp *in, struct caps *c, char *err,
			  size_t cap)
{
	char name[64];
	uint32_t base = 10, dir = 11;
	struct p9_msg m = { .type = P9_TWALK, .fid = 0, .newfid = base };
	if (*c->scratchbase) {
		m.wname[0] = p9_s(c->scratchbase);
		m.nwname = 1;
	}
	struct p9_reply *rw;
	if (in_rpc_ok(in, NULL, &m, P9_RWALK, &rw))
		return probe_step_failed(r, in, "walk to the scratch base", err, cap);
	p9_reply_free(rw);
	snprintf(name, sizeof name, "9psuite-probe-%d", (int)getpid());
	if (h_mkdir(in, NULL, base, name, NULL))
		return probe_step_failed(r, in, "writable check", err, cap);
	c->writable = 1;
	if (!try_walk_path(in, base, dir, name))
		return probe_step_failed(r, in, "writable check: walk", err, cap);
	if (in->dialect == P9_DL) {
		probe_xattr(in, c, dir);
		if (in->conn_lost)
			return probe_step_failed(r, in, "xattr check", err, cap);
		if (!try_walk_path(in, base, dir, name))
			return probe_step_failed(r, in, "xattr check: walk", err, cap);
	}
	if (h_remove(in, NULL, base, dir, name, 1)) {
		r->probe_left = 1; /* the final sweep tries again */
		return probe_step_failed(r, in, "writable check: removing the probe directory",
					 err, cap);
	}
	c->unlinkat = in->unlinkat;
	return 0;
}

/* A selected case of dialect d needs the contract tree (built only then). */
static int wants_fixtures(const struct run *r, int d)
{
	for (int i = 0; i < r->cat.n; i++) {
		const struct scase *c = &r->cat.c[i];
		if ((c->needs & NEED_FIXTURES) && (c->dialects & d) && case_selected(r, c))
			return 1;
	}
	return 0;
}

/* The probe of one dialect: version and attach, then which trees exist
 * and whether the scratch base is writable.  Each step is named in its
 * failure; one that makes the target close the connection ends the run. */
static int probe_one(struct run *r, int d, char *err, size_t cap)
{
	struct scase fake = { .code = "probe", .setup = SETUP_ATTACH };
	struct interp in;
	struct caps *c = &r->caps[d];
	int rc = 0;
	memset(c, 0, sizeof *c);
	interp_init(&in, &r->o, c, &fake, d);
	if (in_connect(&in, NULL, 0, r->o.msize)) {
		if (in.infra[0]) {
			snprintf(err, cap, "cannot reach target %s: %s", r->o.target, in.infra);
			rc = -1;
		} else if (in.conn_lost) {
			snprintf(err, cap, "probe (%s): version: %s", p9_dialect_name(d),
				 in.failmsg);
			rc = -1;
		}
		/* the target does not speak this dialect */
		interp_done(&in);
		return rc;
	}
	probe_version_notes(r, &in);
	char aerr[512];
	struct p9_qid q;
	if (p9_client_attach(in.cl, 0, r->o.uname, r->o.aname, r->o.n_uname, r->o.call_ms, &q,
			     aerr, sizeof aerr)) {
		snprintf(err, cap, "target %s (%s): %s", r->o.target, p9_dialect_name(d), aerr);
		interp_done(&in);
		return -1;
	}
	c->dialects = d;
	c->versiondev = in.versiondev;
	c->synthfs = try_walk_path(&in, 0, 1, "ctl/msgs");
	c->blocking = c->synthfs && try_walk_path(&in, 0, 2, "flush/block");
	/* the directory only: under multidevs=forbid walking into devA fails */
	c->multidev = try_walk_path(&in, 0, 3, r->o.multidev ? r->o.multidev : "multidev");
	if (in.failmsg[0])
		rc = probe_step_failed(r, &in, "tree check (walks to /ctl, /flush and the multidev tree)",
				       err, cap);
	snprintf(c->scratchbase, sizeof c->scratchbase, "%s", c->synthfs ? "rw" : "");
	if (!rc)
		rc = probe_writable(r, &in, c, err, cap);
	if (c->synthfs && c->writable)
		c->xattr = 1;
	if (wants_fixtures(r, d))
		fixtures_probe(r, c, &in);
	interp_done(&in);
	return rc < 0 ? -1 : 0;
}

int run_probe(struct run *r, char *err, size_t cap)
{
	int any = 0;
	for (int i = 0; i < 3; i++) {
		int d = order[i];
		if (!(r->dialects & d))
			continue;
		if (probe_one(r, d, err, cap))
			return -1;
		any |= r->caps[d].dialects;
	}
	if (!any) {
		snprintf(err, cap, "target %s accepted none of the requested dialects", r->o.target);
		return -1;
	}
	return 0;
}

/* ---- selection ---- */

int case_selected(const struct run *r, const struct scase *c)
{
	if (!r->nfilter)
		return 1;
	for (int i = 0; i < r->nfilter; i++) {
		const char *f = r->filter[i];
		if (fnmatch(f, c->code, 0) == 0 || case_has_flag(c, f))
			return 1;
	}
	return 0;
}

static const struct result *find_result(const struct run *r, const char *code, int d)
{
	for (int i = r->nres - 1; i >= 0; i--)
		if (r->res[i].dialect == d && strcmp(r->res[i].sc->code, code) == 0)
			return &r->res[i];
	return NULL;
}

static char *dialect_list(int mask)
{
	char buf[64] = "";
	for (int i = 0; i < 3; i++)
		if (mask & order[i]) {
			size_t n = strlen(buf);
			snprintf(buf + n, sizeof buf - n, "%s%s", n ? ", " : "",
				 p9_dialect_name(order[i]));
		}
	return dup_or_empty(buf);
}

static const char *skip_reason(const struct run *r, const struct scase *c, int d,
			       char *buf, size_t cap)
{
	const struct caps *k = &r->caps[d];
	if (!(k->dialects & d)) {
		snprintf(buf, cap, "target does not speak %s", p9_dialect_name(d));
		return buf;
	}
	if ((c->needs & NEED_SYNTHFS) && !k->synthfs)
		return "needs the synthfs tree";
	if ((c->needs & NEED_FIXTURES) && !k->fixtures)
		return k->fixwhy;
	if ((c->needs & NEED_MULTIDEV) && !k->multidev)
		return "needs a tree of two devices at /multidev or --multidev PATH "
		       "(synthfs, qemu:scratch; docs/9psuite.md)";
	if ((c->needs & NEED_WRITABLE) && !k->writable)
		return "needs a writable target";
	if ((c->needs & NEED_BLOCKING) && !k->blocking)
		return "needs a blocking file (synthfs /flush/block)";
	if ((c->needs & NEED_XATTR) && !k->xattr)
		return "needs user xattrs in the scratch directory";
	for (int i = 0; i < c->ndeps; i++) {
		const struct result *dr = find_result(r, c->deps[i], d);
		if (!dr)
			continue; /* not selected: ignore */
		if (dr->status == ST_FAIL || dr->status == ST_XFAIL || dr->status == ST_WARN) {
			snprintf(buf, cap, "dependency %s failed", c->deps[i]);
			return buf;
		}
		if (dr->status == ST_SKIP) {
			snprintf(buf, cap, "dependency %s was skipped", c->deps[i]);
			return buf;
		}
	}
	return NULL;
}

static struct result *add_result(struct run *r, const struct scase *c, int d)
{
	struct result *res;
	r->res = xrealloc(r->res, (size_t)(r->nres + 1) * sizeof *r->res);
	res = &r->res[r->nres++];
	memset(res, 0, sizeof *res);
	res->sc = c;
	res->dialect = d;
	return res;
}

static void progress(const struct run *r, int done, int total, const char *code)
{
	if (!isatty(2))
		return;
	if (code)
		fprintf(stderr, "\r\033[K[%d/%d] %s", done, total, code);
	else
		fprintf(stderr, "\r\033[K");
	(void)r;
}

/* Run one case; returns 1 if it lost its connection (or could not make
 * one), so the runner checks the target before the next case. */
static int run_one(struct run *r, const struct scase *c, int d, struct result *res)
{
	struct interp in;
	const char *xwhy = expected(r, c, d);
	uint64_t t0 = p9_now_ns();
	int st;
	interp_init(&in, &r->o, &r->caps[d], c, d);
	var_int(&in, "rounds", r->o.rounds);
	st = interp_run(&in);
	res->secs = (double)(p9_now_ns() - t0) / 1e9;
	res->tolerated = in.ntolerated;
	res->tolkinds = in.tolkinds;
	if (in.cleanupmsg[0])
		res->cleanup = dup_or_empty(in.cleanupmsg);
	if (st != R_PASS && in.setup_failed) {
		/* not the subject's failure, whatever the expectations say */
		res->exchange = dup_or_empty(in.log);
		res->status = ST_ERROR;
		res->msg = dup_or_empty(in.failmsg);
		res->is_fail = 1;
	} else if (st == R_SKIP) {
		res->status = ST_SKIP;
		res->msg = dup_or_empty(in.skipmsg);
	} else if (st == R_PASS) {
		res->status = xwhy ? ST_XPASS : ST_PASS;
		if (xwhy) {
			char m[600];
			snprintf(m, sizeof m, "listed as a known deviation (%s) but passed", xwhy);
			res->msg = dup_or_empty(m);
			/* a race the run did not hit is no stale entry */
			res->is_fail = r->strict && strncmp(xwhy, "racy:", 5) != 0;
		}
	} else {
		res->exchange = dup_or_empty(in.log);
		if (xwhy) {
			char m[1600];
			snprintf(m, sizeof m, "%s (got: %s)", xwhy, in.failmsg);
			res->status = ST_XFAIL;
			res->msg = dup_or_empty(m);
		} else if (c->level == LV_SHOULD) {
			res->status = ST_WARN;
			res->msg = dup_or_empty(in.failmsg);
			res->is_fail = r->strict;
		} else {
			res->status = ST_FAIL;
			res->msg = dup_or_empty(in.failmsg);
			res->is_fail = 1;
		}
	}
	if (r->o.verbose && in.log && (res->status == ST_PASS || res->status == ST_XPASS))
		res->exchange = dup_or_empty(in.log);
	int lost = in.conn_lost || in.infra[0];
	interp_done(&in);
	return lost;
}

/* Targets reached by dialing an address that a server listens on: one
 * that is gone stays gone (exec: and qemu: start a new server per
 * connection; fd: has a single connection). */
static int target_listens(const char *t)
{
	return strncmp(t, "tcp:", 4) == 0 || strncmp(t, "unix:", 5) == 0;
}

/* After a case that lost its connection: is the target reachable again?
 * A supervisor may restart a crashed server, so dialing is retried for
 * REACH_WAIT_MS; a target still gone is reported once, and every case
 * left is skipped naming the case after which it went. */
static void check_reachable(struct run *r)
{
	enum { REACH_WAIT_MS = 5000, REACH_STEP_MS = 100 };
	char err[512] = "";
	uint64_t end = p9_now_ns() + REACH_WAIT_MS * 1000000ull;
	for (;;) {
		struct p9_conn *c;
		if (p9_dial(r->o.target, 1000, &c, err, sizeof err) == 0) {
			p9_conn_close(c);
			r->lostafter[0] = 0;
			return;
		}
		if (p9_now_ns() >= end)
			break;
		struct timespec ts = { 0, REACH_STEP_MS * 1000000L };
		nanosleep(&ts, NULL);
	}
	snprintf(r->unreachable, sizeof r->unreachable, "target unreachable since %s (crashed?)",
		 r->lostafter);
	printf("# %s: %s\n", r->unreachable, err);
	fflush(stdout);
	fprintf(stderr, "9psuite: %s: %s\n", r->unreachable, err);
	r->lostafter[0] = 0;
}

/* A QEMU (qemu: transport) that exited without being asked to, seen before
 * a case starts: it died during or after the previous case (already
 * reported), so the run fails on its own account. */
static void qemu_exit_between(struct run *r, const char *prev, int last)
{
	char why[600];
	if (!p9_qemu_exits_take(last, why, sizeof why))
		return;
	char m[700];
	snprintf(m, sizeof m, "%s%s: %s", prev ? "after " : "before the first case",
		 prev ? prev : "", why);
	r->exitmsg = xrealloc(r->exitmsg, (size_t)(r->nexits + 1) * sizeof *r->exitmsg);
	r->exitmsg[r->nexits++] = dup_or_empty(m);
	printf("# %s\n", m);
	fflush(stdout);
	fprintf(stderr, "9psuite: %s%s: %s\n", prev ? "after case " : "before the first case",
		prev ? prev : "", why);
}

/* One seen when a case is over: it died during the case or right after its
 * last reply; the case fails with that reason whatever its own result. */
static void qemu_exit_during(struct result *res, const char *label)
{
	char why[600], m[2000];
	if (!p9_qemu_exits_take(0, why, sizeof why))
		return;
	fprintf(stderr, "9psuite: during or right after case %s: %s\n", label, why);
	if (res->msg && res->status != ST_PASS)
		snprintf(m, sizeof m, "%s, during or right after this case (its own "
			 "result: %s: %s)", why, status_name(res->status), res->msg);
	else
		snprintf(m, sizeof m, "%s, during or right after this case", why);
	free(res->msg);
	res->msg = dup_or_empty(m);
	res->status = ST_FAIL;
	res->is_fail = 1;
}

void run_cases(struct run *r)
{
	int total = 0, done = 0, n = 0;
	char prev[64] = "";
	uint64_t t0 = p9_now_ns();
	for (int i = 0; i < r->cat.n; i++)
		if (case_selected(r, &r->cat.c[i]))
			total++;
	printf("TAP version 14\n");
	for (const char *p = r->probenotes; p && *p;) {
		size_t l = strcspn(p, "\n");
		printf("# %.*s\n", (int)l, p);
		p += l + (p[l] != 0);
	}
	fflush(stdout);
	for (int i = 0; i < r->cat.n; i++) {
		const struct scase *c = &r->cat.c[i];
		int app = c->dialects & r->dialects;
		if (!case_selected(r, c))
			continue;
		progress(r, ++done, total, c->code);
		if (!app) {
			struct result *res = add_result(r, c, r->dialects & -r->dialects);
			char *dl = dialect_list(c->dialects), m[128];
			snprintf(m, sizeof m, "applies to %s only", dl);
			free(dl);
			res->status = ST_SKIP;
			res->msg = dup_or_empty(m);
			progress(r, done, total, NULL);
			tap_result(r, ++n, res);
			continue;
		}
		for (int k = 0; k < 3; k++) {
			int d = order[k];
			char buf[256];
			const char *why;
			struct result *res;
			if (!(app & d))
				continue;
			why = skip_reason(r, c, d, buf, sizeof buf);
			/* an expectation "skip: reason" keeps a case off this target;
			 * "crash: reason" keeps it off a long-lived server (tcp:,
			 * unix:), whose death would end the run, and runs it where
			 * each connection starts a server (exec:, qemu:) */
			const char *xw = expected(r, c, d);
			if (!why && xw && (strncmp(xw, "skip:", 5) == 0 ||
					   (strncmp(xw, "crash:", 6) == 0 && target_listens(r->o.target))))
				why = xw;
			if (!why && r->lostafter[0])
				check_reachable(r);
			if (!why && r->unreachable[0]) {
				why = r->unreachable;
				r->nunreach++;
			}
			res = add_result(r, c, d);
			if (why) {
				res->status = ST_SKIP;
				res->msg = dup_or_empty(why);
			} else {
				char label[64];
				snprintf(label, sizeof label, "%s [%s]", c->code, p9_dialect_name(d));
				qemu_exit_between(r, prev[0] ? prev : NULL, 0);
				if (run_one(r, c, d, res) && target_listens(r->o.target))
					snprintf(r->lostafter, sizeof r->lostafter, "%s", label);
				qemu_exit_during(res, label);
				snprintf(prev, sizeof prev, "%s", label);
			}
			progress(r, done, total, NULL);
			tap_result(r, ++n, res);
		}
	}
	progress(r, done, total, NULL);
	/* the parked QEMU is stopped now: a death under way is still seen */
	qemu_exit_between(r, prev[0] ? prev : NULL, 1);
	printf("1..%d\n", n);
	r->secs = (double)(p9_now_ns() - t0) / 1e9;
}

/* Whether the run may have left something behind: a cleanup failed, or a
 * case failed (it may have been stopped before its cleanup). */
static int sweep_needed(const struct run *r)
{
	if (r->probe_left)
		return 1;
	for (int i = 0; i < r->nres; i++)
		if (r->res[i].cleanup || r->res[i].status == ST_FAIL ||
		    r->res[i].status == ST_ERROR)
			return 1;
	return 0;
}

void run_sweep(struct run *r)
{
	struct scase fake = { .code = "sweep", .setup = SETUP_ATTACH };
	char pat1[64], pat2[64], left[2048] = "";
	const char *pat[] = { pat1, pat2, NULL };
	int d = 0;
	for (int i = 0; i < 3 && !d; i++)
		if (r->caps[order[i]].writable && (r->dialects & order[i]))
			d = order[i];
	if (!d || !sweep_needed(r) || r->unreachable[0])
		return;
	snprintf(pat1, sizeof pat1, "9psuite-*-%d-*", (int)getpid());
	snprintf(pat2, sizeof pat2, "9psuite-probe-%d", (int)getpid());
	struct interp in;
	interp_init(&in, &r->o, &r->caps[d], &fake, d);
	in.deadline_ns = p9_now_ns() + (uint64_t)r->o.call_ms * 8 * 1000000ull;
	if (in_connect(&in, NULL, 1, r->o.msize) ||
	    h_walk(&in, NULL, 0, BASE_FID, r->caps[d].scratchbase, NULL) ||
	    h_sweep(&in, BASE_FID, pat, &r->swept, &r->unswept, left, sizeof left)) {
		snprintf(left, sizeof left, "the sweep failed (%s): directories 9psuite-*-%d-* "
			 "may be left", in.failmsg, (int)getpid());
		r->unswept++;
	}
	if (r->unswept)
		r->unswept_names = dup_or_empty(left);
	interp_done(&in);
}

void run_free(struct run *r)
{
	for (int i = 0; i < r->nres; i++) {
		free(r->res[i].msg);
		free(r->res[i].exchange);
		free(r->res[i].cleanup);
	}
	free(r->res);
	for (int i = 0; i < r->nx; i++) {
		free(r->xcode[i]);
		free(r->xwhy[i]);
	}
	free(r->xcode);
	free(r->xwhy);
	for (int i = 0; i < r->nexits; i++)
		free(r->exitmsg[i]);
	free(r->exitmsg);
	free(r->probenotes);
	free(r->unswept_names);
	catalogue_free(&r->cat);
}
