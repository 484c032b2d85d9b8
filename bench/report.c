/*
 * report.c - `9pbench report`: turns result files, comparison files and
 * 9psuite JSON results into gnuplot charts (SVG and PNG, drawn by the
 * scripts in reports/) and one self-contained index.html (inline CSS, no
 * scripts, no fonts, no network).
 *
 * Owns: the chart data files (blocks headed by a quoted series title),
 * the HTML page and its tables.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

struct rep {
	const struct bench_report_opts *o;
	struct bench_result *res;
	const char **resname;
	size_t nres;
	struct bjson **cmp;
	const char **cmpname;
	size_t ncmp;
	struct bjson **suite;
	size_t nsuite;
	char gpdir[PATH_MAX];
	FILE *html;
	int charts, chart_fail;
	char *titles[64];  /* series titles seen, so a series keeps its colour */
	int ntitles;
};

/* A walk over the metrics of one group in every result, in file order:
 *   for (struct mwalk w = {0}; next_metric(p, "floor", &w);) use w.m, w.r */
struct mwalk {
	size_t i, k;
	const struct bench_result *r;
	const struct bench_metric *m;
};

/* ---- small helpers ------------------------------------------------------ */

static void h_esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

static const char *label_of(const struct bench_result *r)
{
	return r->env.label[0] ? r->env.label : r->env.target[0] ? r->env.target : r->kind;
}

/* The line type (1..8) of a series title: the same in every chart. */
static int colour_of(struct rep *p, const char *t)
{
	int i;
	for (i = 0; i < p->ntitles && strcmp(p->titles[i], t); i++)
		;
	if (i == p->ntitles && i < 64 && (p->titles[i] = strdup(t)))
		p->ntitles++;
	return i % 8 + 1;
}

/* Start a data block: its title (safe inside a gnuplot double-quoted
 * string) on the first line; its line type is appended to lts. */
static void block_head(struct rep *p, FILE *f, int *first, const char *a, const char *b,
		       char *lts, size_t ltcap)
{
	char t[160];
	size_t n = strlen(lts);
	snprintf(t, sizeof t, "%s%s%s", a, b && b[0] ? " " : "", b ? b : "");
	for (char *q = t; *q; q++)
		if (*q == '"' || *q == '\\' || (unsigned char)*q < 32)
			*q = '_';
	fprintf(f, "%s\"%s\"\n", *first ? "" : "\n\n", t);
	snprintf(lts + n, ltcap - n, "%d ", colour_of(p, t));
	*first = 0;
}

/* Run gnuplot on script with -e vars in the output directory. */
static int gnuplot(struct rep *p, const char *script, const char *vars)
{
	char path[PATH_MAX + 64], all[PATH_MAX + 2048];
	pid_t pid;
	int st;
	snprintf(path, sizeof path, "%s/%s", p->gpdir, script);
	snprintf(all, sizeof all, "gpdir=\"%s\"; %s", p->gpdir, vars);
	if ((pid = fork()) < 0)
		return -errno;
	if (pid == 0) {
		FILE *log;
		if (chdir(p->o->outdir))
			_exit(127);
		if ((log = freopen("gnuplot.log", "a", stderr)) == NULL)
			_exit(127);
		execlp("gnuplot", "gnuplot", "-e", all, path, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		p->chart_fail++;
		return -EIO;
	}
	p->charts++;
	return 0;
}

static FILE *data_open(struct rep *p, const char *name)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof path, "%s/%s", p->o->outdir, name);
	return fopen(path, "w");
}

static void html_chart(struct rep *p, const char *name, const char *caption)
{
	fprintf(p->html, "<figure><a href=\"%s.png\"><img src=\"%s.svg\" alt=\"", name, name);
	h_esc(p->html, caption);
	fprintf(p->html, "\"></a><figcaption>");
	h_esc(p->html, caption);
	fprintf(p->html, " (<a href=\"%s.png\">PNG</a>, <a href=\"%s.dat\">data</a>)"
		"</figcaption></figure>\n", name, name);
}

static int next_metric(const struct rep *p, const char *group, struct mwalk *w);

static int has_group(const struct rep *p, const char *group)
{
	struct mwalk w = {0};
	return next_metric(p, group, &w);
}

static void us(FILE *f, double ns)
{
	if (ns >= 1e6)
		fprintf(f, "<td>%.2f ms</td>", ns / 1e6);
	else
		fprintf(f, "<td>%.1f us</td>", ns / 1e3);
}

static int next_metric(const struct rep *p, const char *group, struct mwalk *w)
{
	for (; w->i < p->nres; w->i++, w->k = 0)
		while (w->k < p->res[w->i].nm) {
			const struct bench_metric *m = &p->res[w->i].m[w->k++];
			if (!strcmp(m->group, group)) {
				w->r = &p->res[w->i];
				w->m = m;
				return 1;
			}
		}
	return 0;
}

/* Open a table row with its first two cells: the result's label and a
 * series name. */
static void row_head(struct rep *p, const struct bench_result *r, const char *series)
{
	fprintf(p->html, "<tr><td>");
	h_esc(p->html, label_of(r));
	fprintf(p->html, "</td><td>");
	h_esc(p->html, series);
	fprintf(p->html, "</td>");
}

/* A row's cells up to the value: row_head, the x and the metric's value. */
static void row_value(struct rep *p, const struct bench_result *r,
		      const struct bench_metric *m)
{
	row_head(p, r, m->series);
	fprintf(p->html, "<td>%.0f</td>", m->x);
	us(p->html, bench_metric_value(m));
}

/* Start the section of a group with its html (heading, text, table
 * head); 0 (nothing written) when no result has the group. */
static int section(struct rep *p, const char *group, const char *html)
{
	if (!has_group(p, group))
		return 0;
	fputs(html, p->html);
	return 1;
}

/* Whether metric k of r is the first of its (group, series) in r: charts
 * draw one block per result and series. */
static int first_of_series(const struct bench_result *r, size_t k)
{
	const struct bench_metric *m = &r->m[k];
	for (size_t q = 0; q < k; q++)
		if (!strcmp(r->m[q].group, m->group) && !strcmp(r->m[q].series, m->series))
			return 0;
	return 1;
}

/* The points "x y" of metric k's series in r, scaled by xdiv and ydiv. */
static void series_points(FILE *f, const struct bench_result *r, size_t k, double xdiv,
			  double ydiv)
{
	const struct bench_metric *m = &r->m[k];
	for (size_t q = k; q < r->nm; q++)
		if (!strcmp(r->m[q].group, m->group) && !strcmp(r->m[q].series, m->series))
			fprintf(f, "%g %.6g\n", r->m[q].x / xdiv,
				bench_metric_value(&r->m[q]) / ydiv);
}

/* ---- sections ---------------------------------------------------------- */

static void sec_floor(struct rep *p)
{
	if (!section(p, "floor", "<h2 id=\"floor\">Floor of this machine</h2>\n<p>Raw ping-pong "
		"with an echoing process (no 9P), and the two-thread eventfd round trip "
		"that one main&rarr;worker&rarr;main hop pair costs. Every 9P latency "
		"below is also shown as a multiple of its transport's 64-byte floor.</p>\n"
		"<table><tr><th>source</th><th>transport</th><th>bytes</th><th>median</th>"
		"<th>p99</th><th>p99.9</th><th>n</th></tr>\n"))
		return;
	for (struct mwalk w = {0}; next_metric(p, "floor", &w);) {
		const struct bench_metric *m = w.m;
		row_value(p, w.r, m);
		us(p->html, m->hist ? (double)bench_hist_quantile(m->hist, 0.99) : 0);
		us(p->html, m->hist ? (double)bench_hist_quantile(m->hist, 0.999) : 0);
		fprintf(p->html, "<td>%llu</td></tr>\n", (unsigned long long)m->seen);
	}
	fprintf(p->html, "</table>\n");
}

/* The distinct series (ops) of a group, in first-seen order. */
static size_t series_of(const struct rep *p, const char *group, const char **out, size_t max)
{
	size_t n = 0;
	for (struct mwalk w = {0}; next_metric(p, group, &w);) {
		size_t j;
		for (j = 0; j < n && strcmp(out[j], w.m->series); j++)
			;
		if (j == n && n < max)
			out[n++] = w.m->series;
	}
	return n;
}

static void cdf_chart(struct rep *p, const char *op)
{
	char name[96], vars[768], lts[256] = "";
	FILE *f;
	int first = 1, nb = 0;
	snprintf(name, sizeof name, "cdf_%s", op);
	for (char *c = name; *c; c++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_", *c))
			*c = '_';
	char dat[128];
	snprintf(dat, sizeof dat, "%s.dat", name);
	if (!(f = data_open(p, dat)))
		return;
	for (struct mwalk w = {0}; next_metric(p, "latency", &w);) {
		const struct bench_metric *m = w.m;
		uint64_t cum = 0;
		char depth[32] = "";
		if (strcmp(m->series, op) || !m->hist || !m->hist->count)
			continue;
		if (m->x != 1)
			snprintf(depth, sizeof depth, "depth %.0f", m->x);
		block_head(p, f, &first, label_of(w.r), depth, lts, sizeof lts);
		fprintf(f, "%.3f 0\n", (double)m->hist->min / 1e3);
		for (int b = 0; b < BENCH_HBUCKETS; b++) {
			if (!m->hist->b[b])
				continue;
			cum += m->hist->b[b];
			fprintf(f, "%.3f %.6f\n", (double)bench_hist_hi(b) / 1e3,
				(double)cum / (double)m->hist->count);
		}
		nb++;
	}
	fclose(f);
	if (!nb)
		return;
	snprintf(vars, sizeof vars, "data=\"%s\"; n=%d; out=\"%s\"; title=\"%s: latency CDF\"; "
		 "lts=\"%s\"", dat, nb, name, op, lts);
	if (!gnuplot(p, "cdf.gp", vars))
		html_chart(p, name, op);
}

static void latency_row(struct rep *p, const struct bench_result *r,
			const struct bench_metric *m)
{
	double fl = bench_metric_extra(m, "floor_ns", 0);
	row_value(p, r, m);
	us(p->html, (double)bench_hist_quantile(m->hist, 0.9));
	us(p->html, (double)bench_hist_quantile(m->hist, 0.99));
	us(p->html, (double)bench_hist_quantile(m->hist, 0.999));
	us(p->html, (double)m->hist->max);
	fprintf(p->html, "<td>%llu</td>", (unsigned long long)m->seen);
	if (fl > 0)
		fprintf(p->html, "<td>%.2f</td>", bench_metric_value(m) / fl);
	else
		fprintf(p->html, "<td>-</td>");
	fprintf(p->html, "<td>%.0f ns</td></tr>\n", bench_metric_extra(m, "client_ns", 0));
}

static void sec_latency(struct rep *p)
{
	const char *ops[32];
	size_t nops = series_of(p, "latency", ops, 32);
	if (!nops)
		return;
	fprintf(p->html, "<h2 id=\"latency\">Latency per operation</h2>\n<p>Round trip of one "
		"request from send to matching reply, measured by the client with the "
		"stated number in flight on one connection. <i>&times; floor</i> is the "
		"median divided by the transport's 64-byte ping-pong; <i>client</i> is "
		"9pbench's own cost per request (codec and bookkeeping, measured against "
		"an in-memory connection).</p>\n<table><tr><th>target</th><th>op</th>"
		"<th>depth</th><th>median</th><th>p90</th><th>p99</th><th>p99.9</th>"
		"<th>max</th><th>n</th><th>&times; floor</th><th>client</th></tr>\n");
	for (struct mwalk w = {0}; next_metric(p, "latency", &w);)
		if (w.m->hist)
			latency_row(p, w.r, w.m);
	fprintf(p->html, "</table>\n<p>How to read the CDF charts: a line further left is "
		"faster; a steep line is steady; a long flat tail to the right is the slow "
		"requests (p99 and beyond).</p>\n");
	for (size_t i = 0; i < nops; i++)
		cdf_chart(p, ops[i]);
}

/* Targets that cannot add hops (QEMU): getattr minus flush. */
static void sec_hop_estimates(struct rep *p)
{
	if (!section(p, "hops-estimate", "<p>Estimates for targets whose hops cannot be varied: the median "
		"of getattr (filesystem work on a worker thread: one hop pair in QEMU, plus "
		"the stat) minus the median of a Tflush of a tag not in flight (no "
		"filesystem work), both over the same transport, so the transport cancels."
		"</p>\n<table><tr><th>target</th><th>getattr</th><th>flush</th>"
		"<th>estimated hop pair</th><th>floor hop pair</th></tr>\n"))
		return;
	for (size_t i = 0; i < p->nres; i++) {
		const struct bench_result *r = &p->res[i];
		if (strcmp(r->kind, "hops-estimate") || r->nm < 2)
			continue;
		fprintf(p->html, "<tr><td>");
		h_esc(p->html, label_of(r));
		fprintf(p->html, "</td>");
		us(p->html, bench_metric_value(&r->m[0]));
		us(p->html, bench_metric_value(&r->m[1]));
		us(p->html, bench_metric_extra(&r->m[0], "estimate_ns", 0));
		us(p->html, bench_metric_extra(&r->m[0], "floor_pair", 0));
		fprintf(p->html, "</tr>\n");
	}
	fprintf(p->html, "</table>\n");
}

static void sec_hops(struct rep *p)
{
	FILE *f;
	char fa[256] = "", fb[256] = "", fp[256] = "", vars[1500], lts[256] = "";
	int first = 1, nb = 0;
	if (!has_group(p, "hops")) {
		if (has_group(p, "hops-estimate")) {
			fprintf(p->html, "<h2 id=\"hops\">Thread hops</h2>\n");
			sec_hop_estimates(p);
		}
		return;
	}
	if (!(f = data_open(p, "hops.dat")))
		return;
	fprintf(p->html, "<h2 id=\"hops\">Thread hops</h2>\n<p>getattr latency on synthfs "
		"with <code>--hops N</code> added thread hops per request. The slope of "
		"the fitted line is the measured cost of one hop; it should agree with "
		"the eventfd hop pair of the floor measured in the same run.</p>\n"
		"<table><tr><th>target</th><th>dispatch</th><th>intercept</th>"
		"<th>slope per hop</th><th>r&sup2;</th><th>floor hop pair</th>"
		"<th>slope / floor</th></tr>\n");
	for (struct mwalk w = {0}; next_metric(p, "hops", &w);) {
		const struct bench_metric *m = w.m;
		if (!first_of_series(w.r, w.k - 1))
			continue;
		block_head(p, f, &first, label_of(w.r), m->series, lts, sizeof lts);
		series_points(f, w.r, w.k - 1, 1, 1e3);
		double a = bench_metric_extra(m, "fit_a", 0), b = bench_metric_extra(m, "fit_b", 0),
		       pr = bench_metric_extra(m, "floor_pair", 0);
		snprintf(fa + strlen(fa), sizeof fa - strlen(fa), "%.3f ", a / 1e3);
		snprintf(fb + strlen(fb), sizeof fb - strlen(fb), "%.3f ", b / 1e3);
		snprintf(fp + strlen(fp), sizeof fp - strlen(fp), "%.3f ", pr / 1e3);
		nb++;
		row_head(p, w.r, m->series);
		us(p->html, a);
		us(p->html, b);
		fprintf(p->html, "<td>%.3f</td>", bench_metric_extra(m, "fit_r2", 0));
		us(p->html, pr);
		fprintf(p->html, "<td>%.2f</td></tr>\n", pr > 0 ? b / pr : 0);
	}
	fclose(f);
	fprintf(p->html, "</table>\n");
	sec_hop_estimates(p);
	snprintf(vars, sizeof vars, "data=\"hops.dat\"; n=%d; out=\"hops\"; title=\"hop cost\"; "
		 "fa=\"%s\"; fb=\"%s\"; fp=\"%s\"; lts=\"%s\"", nb, fa, fb, fp, lts);
	if (nb && !gnuplot(p, "hops.gp", vars))
		html_chart(p, "hops", "latency against hops, with the fit and the floor");
}

/* One line chart of a group: a block per (result, series). */
static void line_chart(struct rep *p, const char *group, const char *name, const char *title,
		       const char *xl, const char *yl, double xdiv, double ydiv, int logx,
		       int logy)
{
	FILE *f;
	char dat[96], vars[1280], lts[256] = "";
	int first = 1, nb = 0;
	snprintf(dat, sizeof dat, "%s.dat", name);
	if (!(f = data_open(p, dat)))
		return;
	for (struct mwalk w = {0}; next_metric(p, group, &w);) {
		if (!first_of_series(w.r, w.k - 1))
			continue;
		block_head(p, f, &first, label_of(w.r), w.m->series, lts, sizeof lts);
		series_points(f, w.r, w.k - 1, xdiv, ydiv);
		nb++;
	}
	fclose(f);
	snprintf(vars, sizeof vars, "data=\"%s\"; n=%d; out=\"%s\"; title=\"%s\"; "
		 "xlabel_=\"%s\"; ylabel_=\"%s\"; logx=%d; logy=%d; lts=\"%s\"",
		 dat, nb, name, title, xl, yl, logx, logy, lts);
	if (nb && !gnuplot(p, "lines.gp", vars))
		html_chart(p, name, title);
}

/* The readdir metric of label lab, series ser, x entries, or NULL. */
static const struct bench_metric *find_readdir(struct rep *p, const char *lab,
					       const char *ser, double x)
{
	for (struct mwalk w = {0}; next_metric(p, "readdir", &w);)
		if (!strcmp(w.m->series, ser) && w.m->x == x && !strcmp(label_of(w.r), lab))
			return w.m;
	return NULL;
}

/* Series "A-per-entry" beside "A-per-request" of the same target: the
 * factor a hop per directory entry costs (QEMU's 2020 rework removed it). */
static void readdir_factors(struct rep *p)
{
	int any = 0;
	for (struct mwalk w = {0}; next_metric(p, "readdir", &w);) {
		const struct bench_metric *m = w.m, *b;
		char base[sizeof m->series + 8];
		const char *pe = strstr(m->series, "per-entry");
		if (!pe)
			continue;
		snprintf(base, sizeof base, "%.*sper-request%s",
			 (int)(pe - m->series), m->series, pe + 9);
		if (!(b = find_readdir(p, label_of(w.r), base, m->x)) ||
		    bench_metric_value(b) <= 0)
			continue;
		if (!any++)
			fprintf(p->html, "<p>Per-entry hop factor (listing time with "
				"a thread hop pair per entry over one pass per "
				"Treaddir; QEMU measured 0.0825 s / 0.0026 s = 32x "
				"per Treaddir of 2000 entries):</p>\n<table><tr>"
				"<th>target</th><th>series</th><th>entries</th>"
				"<th>listing, hop pair per entry</th><th>listing, one pass</th>"
				"<th>factor</th></tr>\n");
		row_value(p, w.r, m);
		us(p->html, bench_metric_value(b));
		fprintf(p->html, "<td>%.1fx</td></tr>\n",
			bench_metric_value(m) / bench_metric_value(b));
	}
	if (any)
		fprintf(p->html, "</table>\n");
}

static void sec_readdir(struct rep *p)
{
	if (!section(p, "readdir", "<h2 id=\"readdir\">Readdir</h2>\n<p>Time to list a whole "
		"directory (Treaddir from offset 0, following the last entry's offset, "
		"until an empty reply), median of the repetitions.</p>\n<table><tr>"
		"<th>target</th><th>series</th><th>entries</th><th>msize</th><th>listing</th>"
		"<th>Treaddirs</th><th>per Treaddir</th><th>per entry</th></tr>\n"))
		return;
	for (struct mwalk w = {0}; next_metric(p, "readdir", &w);) {
		const struct bench_metric *m = w.m;
		row_head(p, w.r, m->series);
		fprintf(p->html, "<td>%.0f</td><td>%u</td>", m->x, w.r->env.msize);
		us(p->html, bench_metric_value(m));
		fprintf(p->html, "<td>%.0f</td>", bench_metric_extra(m, "treaddirs", 0));
		us(p->html, bench_metric_extra(m, "per_call_ns", 0));
		us(p->html, bench_metric_extra(m, "per_entry_ns", 0));
		fprintf(p->html, "</tr>\n");
	}
	fprintf(p->html, "</table>\n");
	readdir_factors(p);
	line_chart(p, "readdir", "readdir", "time to list a directory", "entries",
		   "listing time (ms)", 1, 1e6, 10, 1);
}

static void sec_rates(struct rep *p)
{
	if (section(p, "throughput", "<h2 id=\"throughput\">Throughput</h2>\n<p>Sequential "
		    "reads or writes of msize&minus;24 bytes per request; mean of the "
		    "repetitions. Higher is better.</p>\n")) {
		line_chart(p, "throughput", "throughput", "throughput versus msize",
			   "negotiated msize (KiB)", "MiB/s", 1024, 1048576, 2, 0);
		line_chart(p, "throughput-req", "throughput_req", "requests per second versus msize",
			   "negotiated msize (KiB)", "requests/s", 1024, 1, 2, 0);
	}
	if (section(p, "concurrency", "<h2 id=\"concurrency\">Concurrency</h2>\n<p>getattr "
		    "from N connections at once (one thread each). A server that scales "
		    "keeps the rate rising until the CPUs are busy; this machine has "
		    "few.</p>\n")) {
		line_chart(p, "concurrency", "concurrency", "getattr rate versus connections",
			   "connections", "requests/s (all connections)", 1, 1, 2, 0);
		line_chart(p, "concurrency-lat", "concurrency_lat",
			   "getattr median latency versus connections", "connections",
			   "median round trip (us)", 1, 1e3, 2, 0);
	}
}

static void sec_compare(struct rep *p)
{
	if (!p->ncmp)
		return;
	fprintf(p->html, "<h2 id=\"compare\">Baseline versus new</h2>\n<p>Each metric's "
		"headline figure (median for times, mean for rates) with a 95%% bootstrap "
		"interval of the change. A change is called only when the interval "
		"excludes zero and the change exceeds the threshold.</p>\n");
	for (size_t c = 0; c < p->ncmp; c++) {
		const struct bjson *j = p->cmp[c], *ms = bjson_get(j, "metrics");
		char name[32], dat[48], vars[512];
		double thr = bjson_num(j, "threshold", 0.05), ymax = 120;
		FILE *f;
		snprintf(name, sizeof name, "compare%zu", c);
		snprintf(dat, sizeof dat, "%s.dat", name);
		fprintf(p->html, "<h3>");
		h_esc(p->html, p->cmpname[c]);
		fprintf(p->html, ": base ");
		h_esc(p->html, bjson_str(bjson_get(j, "base"), "git", "?"));
		fprintf(p->html, " vs new ");
		h_esc(p->html, bjson_str(bjson_get(j, "new"), "git", "?"));
		fprintf(p->html, ", threshold %.0f%%</h3>\n<table><tr><th>metric</th><th>base</th>"
			"<th>new</th><th>change</th><th>95%% interval</th><th>verdict</th></tr>\n",
			100 * thr);
		if (!(f = data_open(p, dat)))
			continue;
		for (size_t i = 0; ms && i < ms->nkids; i++) {
			const struct bjson *m = ms->kids[i];
			const char *v = bjson_str(m, "verdict", "");
			double rel = bjson_num(m, "rel", 0), lo = bjson_num(m, "lo", 0),
			       hi = bjson_num(m, "hi", 0);
			char lab[100];
			snprintf(lab, sizeof lab, "%s", bjson_str(m, "name", "?"));
			for (char *q = lab; *q; q++)
				if (*q == '"' || *q == ' ' || (unsigned char)*q < 32)
					*q = '_';
			fprintf(f, "\"%s\" 100 %.3f %.3f %.3f\n", lab, 100 * (1 + rel),
				100 * (1 + lo), 100 * (1 + hi));
			fprintf(p->html, "<tr class=\"%s\"><td>", !strcmp(v, "slower") ? "bad"
				: !strcmp(v, "faster") ? "good" : "");
			h_esc(p->html, lab);
			char bv[32], nv[32];
			const char *unit = bjson_str(m, "unit", "");
			fprintf(p->html, "</td><td>%s</td><td>%s</td><td>%+.1f%%</td>"
				"<td>[%+.1f%%, %+.1f%%]</td><td>",
				bench_fmt_value(bv, sizeof bv, bjson_num(m, "base", 0), unit),
				bench_fmt_value(nv, sizeof nv, bjson_num(m, "new", 0), unit),
				100 * rel, 100 * lo, 100 * hi);
			if (100 * (1 + hi) > ymax)
				ymax = 100 * (1 + hi);
			h_esc(p->html, v);
			fprintf(p->html, "</td></tr>\n");
		}
		fclose(f);
		fprintf(p->html, "</table>\n");
		/* a huge regression would flatten every other bar: cap the axis
		 * at 4x and print the clipped values on their bars */
		snprintf(vars, sizeof vars, "data=\"%s\"; out=\"%s\"; title=\"baseline vs new\"; "
			 "thr=%.3f; ycap=%.0f", dat, name, 100 * thr,
			 ymax * 1.1 > 400 ? 400 : ymax * 1.1);
		if (ms && ms->nkids && !gnuplot(p, "bars.gp", vars))
			html_chart(p, name, "baseline versus new, with 95% intervals");
	}
}

/* ---- the suite matrix ----------------------------------------------------- */

static const char *family_of(const struct bjson *c, char *buf, size_t cap)
{
	const struct bjson *fl = bjson_get(c, "flags");
	const char *code = bjson_str(c, "code", "?");
	size_t n = 0;
	if (fl && fl->type == BJ_ARR && fl->nkids && fl->kids[0]->type == BJ_STR)
		return fl->kids[0]->str;
	while (code[n] && n + 1 < cap && !(code[n] >= '0' && code[n] <= '9'))
		n++;
	snprintf(buf, cap, "%.*s", (int)n, code);
	return buf;
}

static void sec_suite(struct rep *p)
{
	const char *fam[128];
	size_t nf = 0;
	fprintf(p->html, "<h2 id=\"suite\">Conformance (9psuite)</h2>\n");
	if (!p->nsuite) {
		fprintf(p->html, "<p>No 9psuite results were given (none found); run "
			"<code>9psuite --json FILE</code> and pass <code>--suite FILE</code> "
			"to include them.</p>\n");
		return;
	}
	for (size_t s = 0; s < p->nsuite; s++) {
		const struct bjson *cs = bjson_get(p->suite[s], "cases");
		for (size_t i = 0; cs && i < cs->nkids; i++) {
			char buf[64];
			const char *f = family_of(cs->kids[i], buf, sizeof buf);
			size_t j;
			for (j = 0; j < nf && strcmp(fam[j], f); j++)
				;
			if (j == nf && nf < 128 && (fam[nf] = strdup(f)))
				nf++;
		}
	}
	fprintf(p->html, "<p>Cases per family and target: pass / fail / xfail (and skip, "
		"xpass, warn when present). Families are a case's first flag.</p>\n"
		"<table><tr><th>family</th>");
	for (size_t s = 0; s < p->nsuite; s++) {
		fprintf(p->html, "<th>");
		h_esc(p->html, bjson_str(p->suite[s], "target", "?"));
		fprintf(p->html, "</th>");
	}
	fprintf(p->html, "</tr>\n");
	for (size_t j = 0; j < nf; j++) {
		fprintf(p->html, "<tr><td>");
		h_esc(p->html, fam[j]);
		fprintf(p->html, "</td>");
		for (size_t s = 0; s < p->nsuite; s++) {
			const struct bjson *cs = bjson_get(p->suite[s], "cases");
			int n[6] = {0};
			static const char *st[6] = {"pass", "fail", "xfail", "skip", "xpass", "warn"};
			for (size_t i = 0; cs && i < cs->nkids; i++) {
				char buf[64];
				if (strcmp(family_of(cs->kids[i], buf, sizeof buf), fam[j]))
					continue;
				for (int k = 0; k < 6; k++)
					if (!strcmp(bjson_str(cs->kids[i], "status", ""), st[k]))
						n[k]++;
			}
			fprintf(p->html, "<td class=\"%s\">%d / %d / %d", n[1] ? "bad" :
				n[0] + n[2] ? "good" : "", n[0], n[1], n[2]);
			for (int k = 3; k < 6; k++)
				if (n[k])
					fprintf(p->html, " (%s %d)", st[k], n[k]);
			fprintf(p->html, "</td>");
		}
		fprintf(p->html, "</tr>\n");
	}
	fprintf(p->html, "</table>\n");
	for (size_t j = 0; j < nf; j++)
		free((char *)fam[j]);
}

static void sec_env(struct rep *p)
{
	fprintf(p->html, "<h2 id=\"env\">Environment</h2>\n<table><tr><th>file</th>"
		"<th>kind</th><th>target</th><th>version</th><th>9pkit</th><th>host</th>"
		"<th>CPU</th><th>kernel</th><th>load</th><th>time</th></tr>\n");
	for (size_t i = 0; i < p->nres; i++) {
		const struct bench_env *e = &p->res[i].env;
		const char *cells[] = {p->resname[i], p->res[i].kind, e->target, e->target_version,
				       e->git, e->host, e->cpu, e->kernel};
		fprintf(p->html, "<tr>");
		for (size_t c = 0; c < sizeof cells / sizeof *cells; c++) {
			fprintf(p->html, "<td>");
			h_esc(p->html, cells[c]);
			fprintf(p->html, "</td>");
		}
		fprintf(p->html, "<td>%.2f (%d CPUs)</td><td>", e->load1, e->ncpu);
		h_esc(p->html, e->time);
		fprintf(p->html, "</td></tr>\n");
	}
	fprintf(p->html, "</table>\n<h3>Notes of the runs</h3>\n<ul>\n");
	for (size_t i = 0; i < p->nres; i++)
		if (p->res[i].note[0]) {
			fprintf(p->html, "<li><b>");
			h_esc(p->html, p->resname[i]);
			fprintf(p->html, "</b>: ");
			h_esc(p->html, p->res[i].note);
			fprintf(p->html, "</li>\n");
		}
	fprintf(p->html, "</ul>\n");
}

static const char css[] =
"body{font-family:sans-serif;max-width:1100px;margin:1em auto;padding:0 1em;color:#222}"
"h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;margin-top:1.6em}"
"table{border-collapse:collapse;font-size:.85em;margin:.5em 0}"
"th,td{border:1px solid #ccc;padding:.2em .5em;text-align:right}"
"th{background:#f0f0f0}td:first-child,td.note{text-align:left}"
"tr.bad td,td.bad{background:#fbe3e3}tr.good td,td.good{background:#e3f5e3}"
"figure{margin:1em 0}img{max-width:100%;border:1px solid #eee}"
"figcaption{font-size:.85em;color:#555}code{background:#f4f4f4}"
"nav a{margin-right:1em}";

static void page(struct rep *p)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
	fprintf(p->html, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		"<title>");
	h_esc(p->html, p->o->title ? p->o->title : "9pbench report");
	fprintf(p->html, "</title><style>%s</style></head><body>\n<h1>", css);
	h_esc(p->html, p->o->title ? p->o->title : "9pbench report");
	fprintf(p->html, "</h1>\n<p>Generated %s by <code>9pbench report</code> from %zu "
		"result file(s), %zu comparison(s) and %zu 9psuite result(s). Charts are "
		"SVG (click for PNG); this page uses no scripts and no network.</p>\n"
		"<nav><a href=\"#floor\">floor</a><a href=\"#latency\">latency</a>"
		"<a href=\"#hops\">hops</a><a href=\"#readdir\">readdir</a>"
		"<a href=\"#throughput\">throughput</a><a href=\"#concurrency\">concurrency</a>"
		"<a href=\"#compare\">compare</a><a href=\"#suite\">suite</a>"
		"<a href=\"#env\">environment</a></nav>\n", when, p->nres, p->ncmp, p->nsuite);
	sec_floor(p);
	sec_latency(p);
	sec_hops(p);
	sec_readdir(p);
	sec_rates(p);
	sec_compare(p);
	sec_suite(p);
	sec_env(p);
	if (p->chart_fail)
		fprintf(p->html, "<p><b>%d chart(s) could not be drawn</b> (is gnuplot "
			"installed? see gnuplot.log).</p>\n", p->chart_fail);
	fprintf(p->html, "</body></html>\n");
}

/* ---- loading -------------------------------------------------------------- */

static int load_all(struct rep *p, const char **files, size_t n, char *err, size_t cap)
{
	p->res = calloc(n + 1, sizeof *p->res);
	p->resname = calloc(n + 1, sizeof *p->resname);
	p->cmp = calloc(n + 1, sizeof *p->cmp);
	p->cmpname = calloc(n + 1, sizeof *p->cmpname);
	p->suite = calloc(p->o->nsuite + n + 1, sizeof *p->suite);
	if (!p->res || !p->resname || !p->cmp || !p->cmpname || !p->suite)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct bjson *j = bjson_parse_file(files[i], err, cap);
		const char *fmt;
		const char *base = strrchr(files[i], '/') ? strrchr(files[i], '/') + 1 : files[i];
		if (!j)
			return -EBADMSG;
		fmt = bjson_str(j, "format", "");
		if (!strcmp(fmt, "9pbench-compare")) {
			p->cmpname[p->ncmp] = base;
			p->cmp[p->ncmp++] = j;
			continue;
		}
		if (!strcmp(bjson_str(j, "tool", ""), "9psuite")) {
			p->suite[p->nsuite++] = j;
			continue;
		}
		if (bench_result_from_json(&p->res[p->nres], j, err, cap)) {
			char tmp[256];
			snprintf(tmp, sizeof tmp, "%s", err);
			snprintf(err, cap, "%s: %s", files[i], tmp);
			bjson_free(j);
			return -EBADMSG;
		}
		p->resname[p->nres++] = base;
		bjson_free(j);
	}
	for (size_t i = 0; i < p->o->nsuite; i++) {
		struct bjson *j = bjson_parse_file(p->o->suite[i], err, cap);
		if (!j)
			return -EBADMSG;
		p->suite[p->nsuite++] = j;
	}
	return 0;
}

static void free_all(struct rep *p)
{
	for (size_t i = 0; i < p->nres; i++)
		bench_result_free(&p->res[i]);
	for (size_t i = 0; i < p->ncmp; i++)
		bjson_free(p->cmp[i]);
	for (size_t i = 0; i < p->nsuite; i++)
		bjson_free(p->suite[i]);
	free(p->res);
	free(p->resname);
	free(p->cmp);
	free(p->cmpname);
	free(p->suite);
	for (int i = 0; i < p->ntitles; i++)
		free(p->titles[i]);
}

int bench_report(const char **files, size_t nfiles, const struct bench_report_opts *o,
		 char *err, size_t errcap)
{
	struct rep p = {.o = o};
	char path[PATH_MAX + 32];
	int rc;
	if (strchr(o->outdir, '"') || strchr(o->gpdir, '"')) {
		snprintf(err, errcap, "paths may not contain '\"'");
		return -EINVAL;
	}
	if (mkdir(o->outdir, 0755) && errno != EEXIST) {
		snprintf(err, errcap, "%s: %s", o->outdir, strerror(errno));
		return -errno;
	}
	if (!realpath(o->gpdir, p.gpdir)) {
		snprintf(err, errcap, "%s: %s (the gnuplot scripts; use --gp DIR)", o->gpdir,
			 strerror(errno));
		return -ENOENT;
	}
	if ((rc = load_all(&p, files, nfiles, err, errcap))) {
		free_all(&p);
		return rc;
	}
	snprintf(path, sizeof path, "%s/gnuplot.log", o->outdir);
	unlink(path);
	snprintf(path, sizeof path, "%s/index.html", o->outdir);
	if (!(p.html = fopen(path, "w"))) {
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		free_all(&p);
		return -errno;
	}
	page(&p);
	rc = fclose(p.html) ? -errno : 0;
	if (rc)
		snprintf(err, errcap, "%s: %s", path, strerror(-rc));
	free_all(&p);
	return rc;
}
