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
#include <unistd.h>

#include "suite.h"
#include "targets/qemu.h"

static const int order[] = { P9_DL, P9_DU, P9_D2000 };

const char *dialect_short(int d)
{
	return d == P9_DL ? "L" : d == P9_DU ? "u" : d == P9_D2000 ? "2000" : "?";
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d)
		abort();
	return d;
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
	while (fgets(line, sizeof line, f)) {
		char *p = line, *code, *why;
		ln++;
		line[strcspn(line, "\n")] = 0;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue;
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
		r->xcode = realloc(r->xcode, (size_t)(r->nx + 1) * sizeof *r->xcode);
		r->xwhy = realloc(r->xwhy, (size_t)(r->nx + 1) * sizeof *r->xwhy);
		if (!r->xcode || !r->xwhy)
			abort();
		r->xcode[r->nx] = xstrdup(code);
		r->xwhy[r->nx++] = xstrdup(why);
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

static int try_walk(struct interp *in, uint32_t fid, uint32_t newfid, const char *a,
		    const char *b)
{
	struct p9_msg m = { .type = P9_TWALK, .fid = fid, .newfid = newfid };
	struct p9_reply *r;
	int ok;
	m.wname[0] = p9_s(a);
	m.nwname = 1;
	if (b) {
		m.wname[1] = p9_s(b);
		m.nwname = 2;
	}
	if (in_rpc(in, NULL, &m, &r))
		return 0;
	ok = r->decode_rc == 0 && r->m.type == P9_RWALK && r->m.nwqid == m.nwname;
	p9_reply_free(r);
	return ok;
}

static void probe_writable(struct interp *in, struct caps *c)
{
	char name[64];
	uint32_t base = 10, dir = 11;
	struct p9_msg m = { .type = P9_TWALK, .fid = 0, .newfid = base };
	if (*c->scratchbase) {
		m.wname[0] = p9_s(c->scratchbase);
		m.nwname = 1;
	}
	if (!try_rpc(in, &m, P9_RWALK))
		return;
	snprintf(name, sizeof name, "9psuite-probe-%d", (int)getpid());
	if (h_mkdir(in, NULL, base, name, NULL)) {
		in->failmsg[0] = 0;
		return;
	}
	c->writable = 1;
	if (!try_walk(in, base, dir, name, NULL)) {
		in->failmsg[0] = 0;
		return;
	}
	if (in->dialect == P9_DL) {
		/* user xattrs: create one on the probe directory */
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
		try_walk(in, base, dir, name, NULL);
	}
	struct p9_msg rm = { .type = P9_TREMOVE, .fid = dir };
	try_rpc(in, &rm, P9_RREMOVE);
	in->failmsg[0] = 0;
}

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
		}
		/* the target does not speak this dialect */
		interp_done(&in);
		return rc;
	}
	char aerr[512];
	struct p9_qid q;
	if (p9_client_attach(in.cl, 0, r->o.uname, r->o.aname, r->o.n_uname, r->o.call_ms, &q,
			     aerr, sizeof aerr)) {
		snprintf(err, cap, "target %s (%s): %s", r->o.target, p9_dialect_name(d), aerr);
		interp_done(&in);
		return -1;
	}
	c->dialects = d;
	c->synthfs = try_walk(&in, 0, 1, "ctl", "msgs");
	c->blocking = c->synthfs && try_walk(&in, 0, 2, "flush", "block");
	/* the directory only: under multidevs=forbid walking into devA fails */
	c->multidev = try_walk(&in, 0, 3, "multidev", NULL);
	snprintf(c->scratchbase, sizeof c->scratchbase, "%s", c->synthfs ? "rw" : "");
	probe_writable(&in, c);
	if (c->synthfs && c->writable)
		c->xattr = 1;
	interp_done(&in);
	return 0;
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
	return xstrdup(buf);
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
	if ((c->needs & NEED_MULTIDEV) && !k->multidev)
		return "needs a /multidev tree (synthfs or qemu:scratch)";
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
	r->res = realloc(r->res, (size_t)(r->nres + 1) * sizeof *r->res);
	if (!r->res)
		abort();
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

static void run_one(struct run *r, const struct scase *c, int d, struct result *res)
{
	struct interp in;
	const char *xwhy = expected(r, c, d);
	uint64_t t0 = p9_now_ns();
	int st;
	interp_init(&in, &r->o, &r->caps[d], c, d);
	st = interp_run(&in);
	res->secs = (double)(p9_now_ns() - t0) / 1e9;
	res->tolerated = in.ntolerated;
	if (st == R_SKIP) {
		res->status = ST_SKIP;
		res->msg = xstrdup(in.skipmsg);
	} else if (st == R_PASS) {
		res->status = xwhy ? ST_XPASS : ST_PASS;
		if (xwhy) {
			char m[600];
			snprintf(m, sizeof m, "listed as a known deviation (%s) but passed", xwhy);
			res->msg = xstrdup(m);
			res->is_fail = r->strict;
		}
	} else {
		res->exchange = xstrdup(in.log);
		if (xwhy) {
			char m[1600];
			snprintf(m, sizeof m, "%s (got: %s)", xwhy, in.failmsg);
			res->status = ST_XFAIL;
			res->msg = xstrdup(m);
		} else if (c->level == LV_SHOULD) {
			res->status = ST_WARN;
			res->msg = xstrdup(in.failmsg);
			res->is_fail = r->strict;
		} else {
			res->status = ST_FAIL;
			res->msg = xstrdup(in.failmsg);
			res->is_fail = 1;
		}
	}
	if (r->o.verbose && in.log && res->status == ST_PASS)
		res->exchange = xstrdup(in.log);
	interp_done(&in);
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
	r->exitmsg = realloc(r->exitmsg, (size_t)(r->nexits + 1) * sizeof *r->exitmsg);
	if (!r->exitmsg)
		abort();
	r->exitmsg[r->nexits++] = xstrdup(m);
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
	res->msg = xstrdup(m);
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
			res->msg = xstrdup(m);
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
			/* an expectation "skip: reason" keeps a case off this target */
			const char *xw = expected(r, c, d);
			if (!why && xw && strncmp(xw, "skip:", 5) == 0)
				why = xw;
			res = add_result(r, c, d);
			if (why) {
				res->status = ST_SKIP;
				res->msg = xstrdup(why);
			} else {
				char label[64];
				snprintf(label, sizeof label, "%s [%s]", c->code, p9_dialect_name(d));
				qemu_exit_between(r, prev[0] ? prev : NULL, 0);
				run_one(r, c, d, res);
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

void run_free(struct run *r)
{
	for (int i = 0; i < r->nres; i++) {
		free(r->res[i].msg);
		free(r->res[i].exchange);
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
	catalogue_free(&r->cat);
}
