/*
 * bench.h - 9pbench's internal interface: histograms, statistics, the
 * small JSON reader, result files, the environment, and the measurements.
 *
 * All times are nanoseconds (uint64_t or double).  Every measurement ends
 * in a struct bench_result: a list of metrics, each with raw samples (kept
 * by reservoir sampling up to a cap) and, for latencies, a histogram.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "p9.h"
#include "p9fs.h"

/* ---- histogram (hist.c) ---------------------------------------------------
 * Log-linear buckets: values below 2^BENCH_HSUB_BITS are exact; above, each
 * power of two is split into 2^BENCH_HSUB_BITS equal buckets, so a bucket's
 * width is at most 1/32 (3.1%) of its lower bound. */
enum { BENCH_HSUB_BITS = 5, BENCH_HSUB = 1 << BENCH_HSUB_BITS,
       BENCH_HMAXEXP = 44, BENCH_HBUCKETS = (BENCH_HMAXEXP - BENCH_HSUB_BITS + 1) * BENCH_HSUB };

struct bench_hist {
	uint64_t count, min, max;
	double sum;
	uint64_t b[BENCH_HBUCKETS];
};

void bench_hist_init(struct bench_hist *h);
void bench_hist_add(struct bench_hist *h, uint64_t v);
void bench_hist_merge(struct bench_hist *dst, const struct bench_hist *src);
int bench_hist_index(uint64_t v);
uint64_t bench_hist_lo(int idx);  /* smallest value of a bucket */
uint64_t bench_hist_hi(int idx);  /* largest value of a bucket */
/* Value at quantile q (0..1): the midpoint of the bucket holding the
 * ceil(q*count)-th smallest value, clamped to [min, max]; 0 if empty. */
uint64_t bench_hist_quantile(const struct bench_hist *h, double q);
double bench_hist_mean(const struct bench_hist *h);

/* ---- statistics (stats.c) ------------------------------------------------ */

/* Deterministic PRNG (xorshift64*) so results and tests are repeatable. */
struct bench_rng { uint64_t s; };
void bench_rng_seed(struct bench_rng *r, uint64_t seed);
uint64_t bench_rng_next(struct bench_rng *r);
double bench_rng_unit(struct bench_rng *r); /* [0,1) */

/* Quantile of an unsorted array (copied, not modified); linear interpolation
 * between order statistics (type 7).  0 for n == 0. */
double bench_quantile(const double *x, size_t n, double q);
double bench_mean(const double *x, size_t n);
double bench_stddev(const double *x, size_t n);
/* Least-squares line y = a + b x; r2 gets the coefficient of determination. */
void bench_linfit(const double *x, const double *y, size_t n, double *a,
		  double *b, double *r2);

enum bench_stat { BENCH_MEDIAN, BENCH_MEAN };

/* Relative change of stat(new) over stat(base) (0.10 = 10% larger) with a
 * percentile-bootstrap confidence interval at level conf (0.95). */
struct bench_change {
	double base, new_, rel, lo, hi;
	double mw_p; /* two-sided Mann-Whitney p-value (normal approximation) */
};
int bench_change(const double *base, size_t nb, const double *new_, size_t nn,
		 enum bench_stat stat, double conf, int resamples, uint64_t seed,
		 struct bench_change *out);
/* Two-sided Mann-Whitney U test p-value, normal approximation with ties. */
double bench_mann_whitney(const double *a, size_t na, const double *b, size_t nb);

/* Paired rounds (9pbench ab): round i of A and of B ran back to back.
 * The change is the median over rounds of log(b[i]/a[i]) (as a ratio - 1),
 * its interval a percentile bootstrap over rounds, and mw_p the two-sided
 * Wilcoxon signed-rank p-value of those log ratios. */
int bench_paired_change(const double *a, const double *b, size_t n, double conf,
			int resamples, uint64_t seed, struct bench_change *out);
double bench_wilcoxon(const double *d, size_t n);
/* Robust relative spread of x: 1.4826 x MAD / median (0 when n < 3). */
double bench_rel_spread(const double *x, size_t n);
/* Widen an interval around c->rel by w (added in quadrature on each side). */
void bench_change_widen(struct bench_change *c, double w);

enum bench_verdict { BENCH_SAME, BENCH_FASTER, BENCH_SLOWER, BENCH_NOISE };
/* Verdict for a change.  lower_better: the metric is a time.  A change is
 * called only when the interval excludes zero AND the point estimate is
 * beyond threshold (0.05); inside the interval it is BENCH_SAME; outside
 * the interval but within the threshold it is BENCH_NOISE ("small"). */
enum bench_verdict bench_verdict(const struct bench_change *c, int lower_better,
				 double threshold);
const char *bench_verdict_name(enum bench_verdict v);

/* ---- JSON reader (bjson.c) ----------------------------------------------- */

enum bjson_type { BJ_NULL, BJ_BOOL, BJ_NUM, BJ_STR, BJ_ARR, BJ_OBJ };
struct bjson {
	enum bjson_type type;
	double num;              /* BJ_NUM, BJ_BOOL (0/1) */
	char *str;               /* BJ_STR (NUL-terminated, unescaped) */
	char *key;               /* the member name when inside an object */
	struct bjson **kids;     /* BJ_ARR, BJ_OBJ */
	size_t nkids;
};
/* Parse a whole document; NULL with a reason in err on failure. */
struct bjson *bjson_parse(const char *text, size_t len, char *err, size_t errcap);
struct bjson *bjson_parse_file(const char *path, char *err, size_t errcap);
void bjson_free(struct bjson *j);
const struct bjson *bjson_get(const struct bjson *obj, const char *key);
const char *bjson_str(const struct bjson *obj, const char *key, const char *dflt);
double bjson_num(const struct bjson *obj, const char *key, double dflt);
/* Write s as a JSON string literal. */
void bjson_put_str(FILE *f, const char *s);

/* ---- results (result.c, env.c) ------------------------------------------- */

enum { BENCH_MAXSAMPLES = 20000, BENCH_MAXROUNDS = 64 };

/* One measured quantity: a latency distribution, a rate, a time. */
struct bench_metric {
	char name[96];       /* unique in the file: "latency/getattr/d1" */
	char group[32];      /* chart family: latency hops readdir throughput ... */
	char series[64];     /* line in a chart: op, "worker", "read" ... */
	double x;            /* position on the chart's x axis (hops, entries...) */
	char unit[16];       /* "ns", "B/s", "op/s" */
	int lower_better;    /* 1 for times, 0 for rates */
	enum bench_stat stat;
	double *samples;     /* raw samples (reservoir, at most BENCH_MAXSAMPLES) */
	size_t nsamples, capsamples;
	uint64_t seen;       /* samples offered to the reservoir */
	struct bench_hist *hist; /* latency metrics only */
	/* Per-round headline figures: a run is cut into rounds spread over its
	 * duration (ops interleaved), and compare uses these when both sides
	 * have at least 3, because requests within one round are not
	 * independent of the machine's state at that moment. */
	double rounds[BENCH_MAXROUNDS];
	int nrounds;
	double extra[4];     /* metric-specific figures, see extra_name */
	char extra_name[4][24];
};

struct bench_env {
	char host[64], cpu[128], kernel[128], git[48], time[32];
	int ncpu;
	double load1;
	char target[256], target_version[128], options[512];
	char label[64];      /* short name of the target in charts ("diod") */
	uint32_t msize;
	char dialect[16];
};

struct bench_result {
	char kind[32];       /* floor latency hops readdir throughput concurrency */
	struct bench_env env;
	struct bench_metric *m;
	size_t nm, capm;
	struct bench_rng rng;
	char note[512];      /* free text: client overhead, fit, warnings */
};

void bench_result_init(struct bench_result *r, const char *kind);
void bench_result_free(struct bench_result *r);
/* Add a metric (NULL on allocation failure); with_hist allocates a histogram. */
struct bench_metric *bench_metric_add(struct bench_result *r, const char *name,
				      const char *group, const char *series,
				      double x, const char *unit, int lower_better,
				      int with_hist);
struct bench_metric *bench_metric_find(const struct bench_result *r, const char *name);
/* Record one sample (reservoir sampling keeps at most BENCH_MAXSAMPLES). */
void bench_metric_sample(struct bench_result *r, struct bench_metric *m, double v);
void bench_metric_round(struct bench_metric *m, double v);
/* The metric's headline figure: median or mean of samples (or of hist). */
double bench_metric_value(const struct bench_metric *m);
/* Write a metric's identity as the start of a JSON object: {"name": .., "group":
 * .., "series": .., "x": .., "unit": .. (no closing brace). */
void bench_metric_put_id(FILE *f, const struct bench_metric *m);
void bench_metric_set_extra(struct bench_metric *m, const char *name, double v);
double bench_metric_extra(const struct bench_metric *m, const char *name, double dflt);
int bench_result_write(const struct bench_result *r, FILE *f);
int bench_result_save(const struct bench_result *r, const char *path);
/* Read a result file written by bench_result_write. */
int bench_result_load(struct bench_result *r, const char *path, char *err, size_t errcap);
int bench_result_from_json(struct bench_result *r, const struct bjson *j,
			   char *err, size_t errcap);
/* Fill host, CPU, kernel, load, time and the git revision of root. */
void bench_env_collect(struct bench_env *e, const char *root);

/* ---- measurements (floor.c, workload.c, measure.c) ------------------------ */

/* Common options of the measuring subcommands. */
struct bench_opts {
	const char *target;   /* target string */
	const char *aname;    /* Tattach aname ("" by default; diod: the export) */
	const char *out;      /* result file, NULL = stdout summary only */
	const char *ops;      /* "getattr,walk" */
	const char *dialect;  /* "9P2000.L" */
	uint32_t msize;
	int depth;            /* requests in flight per connection */
	uint64_t count;       /* measured requests per op (0: use duration) */
	double duration;      /* seconds per op when count == 0 */
	uint64_t warmup;      /* requests not recorded */
	int timeout_ms;
	int reps;             /* repetitions for rate metrics */
	const char *read_file, *write_file, *walk_path, *dir;
	const char *fixroot;  /* where the contract tree is ("" : the root) */
	const char *synthfs;  /* path of bin/synthfs for hops/readdir */
	const char *list;     /* "0,1,2,4,8", entries, msizes, conns */
	const char *dispatch; /* worker|inline for hops */
	const char *root;     /* checkout, for the git revision */
	const char *version;  /* target version text to record */
	const char *label;    /* short target name for charts */
	int quiet;
};
void bench_opts_default(struct bench_opts *o);
/* fixtures.c: find the contract tree on the target or, on a writable one,
 * build it (removed at exit); points the workload paths into it.  0, or
 * -errno with a one-line reason. */
int bench_fixtures(struct bench_opts *o, char *err, size_t cap);

int bench_floor(const struct bench_opts *o, struct bench_result *r);
/* Two-thread eventfd round trip: mean ns over n iterations. */
double bench_floor_hop_pair(uint64_t n);
/* Median ping-pong round trip (ns) of size bytes over "unix", "tcp" or
 * "socketpair"; negative when unknown.  Sizes: 64, 4096, 65536. */
double bench_floor_quick(const char *kind, size_t size, uint64_t count);
/* The floor transport matching a target string, or NULL. */
const char *bench_floor_kind(const char *target);

/* A connected, attached session. */
struct bench_sess {
	struct p9_conn *conn;
	struct p9_client *cl;
	uint32_t rootfid, nextfid;
	struct p9_fs fs;     /* lib's file layer on cl; fids are the caller's */
};
int bench_sess_open(struct bench_sess *s, const char *target, uint32_t msize,
		    const char *dialect, int timeout_ms, char *err, size_t errcap);
/* The aname of every session this process opens (set once by main). */
void bench_set_aname(const char *aname);
void bench_sess_close(struct bench_sess *s);
/* The session's file layer (lib's p9fs.h) with this timeout; the fids
 * the bench functions below walk are the caller's. */
struct p9_fs *bench_sess_fs(struct bench_sess *s, int timeout_ms);
/* Walk from root to a slash-separated path into newfid. */
int bench_walk(struct bench_sess *s, const char *path, uint32_t newfid, int timeout_ms);
/* Walk + Tlopen path with flags into newfid. */
int bench_open(struct bench_sess *s, const char *path, uint32_t flags, uint32_t newfid,
	       int timeout_ms);
int bench_clunk(struct bench_sess *s, uint32_t fid, int timeout_ms);
/* Open path read-write, creating it (mode 0644) in its parent if missing. */
int bench_open_create(struct bench_sess *s, const char *path, uint32_t newfid,
		      int timeout_ms);

/* Run one op's latency workload on an open session; samples go to m. */
int bench_run_op(struct bench_sess *s, const struct bench_opts *o, const char *op,
		 struct bench_result *r, struct bench_metric *m, char *err, size_t errcap);
/* The client's own cost per request (ns): the workload engine against an
 * in-memory connection that answers at once. */
double bench_client_overhead(uint64_t n);

int bench_latency(const struct bench_opts *o, struct bench_result *r, char *err, size_t cap);
int bench_hops(const struct bench_opts *o, struct bench_result *r, char *err, size_t cap);
int bench_readdir(const struct bench_opts *o, struct bench_result *r, char *err, size_t cap);
int bench_throughput(const struct bench_opts *o, const char *op, struct bench_result *r,
		     char *err, size_t cap);
int bench_concurrency(const struct bench_opts *o, struct bench_result *r, char *err, size_t cap);

/* ---- compare and report (compare.c, report.c) ---------------------------- */

struct bench_cmp_opts {
	double threshold;   /* 0.05 */
	double conf;        /* 0.95 */
	int resamples;      /* 1000 */
	const char *json;   /* write the comparison as JSON here */
	int quiet;
};
/* Compare two results; prints a table to out.  Returns the number of
 * metrics judged slower (>= 0) or negative on error. */
/* A value with its unit for people: "21.3 us", "812.0 MiB/s", "12.5 k op/s". */
const char *bench_fmt_value(char *buf, size_t cap, double v, const char *unit);
int bench_compare(const struct bench_result *base, const struct bench_result *new_,
		  const struct bench_cmp_opts *o, FILE *out);

/* The comparison table and JSON, row by row (compare.c; ab.c uses it too):
 * begin writes the header, row judges one change with bench_verdict and
 * prints it, end prints the count and the caveat and returns the number of
 * slower metrics (or -errno). */
#define BENCH_Z95 1.959964 /* the normal quantile of a two-sided 95% */
struct bench_cmp_sink {
	const struct bench_cmp_opts *o;
	FILE *out, *jf;
	int first, compared, slower;
};
int bench_cmp_begin(struct bench_cmp_sink *k, const struct bench_result *base,
		    const struct bench_result *new_, const char *method,
		    const struct bench_cmp_opts *o, FILE *out);
void bench_cmp_row(struct bench_cmp_sink *k, const struct bench_metric *m,
		   const struct bench_change *c);
int bench_cmp_end(struct bench_cmp_sink *k, const char *caveat);

/* 9pbench ab (ab.c): targets A and B measured round by round, interleaved
 * (A B, then B A, ...), each op's verdict from the per-round medians
 * paired (bench_paired_change) against the noise floor o->threshold. */
int bench_ab(const struct bench_opts *o, const char *ta, const char *tb,
	     const struct bench_cmp_opts *co, FILE *out, char *err, size_t cap);

struct bench_report_opts {
	const char *outdir;
	const char *gpdir;    /* directory of the gnuplot scripts (reports/) */
	const char **suite;   /* 9psuite JSON results */
	size_t nsuite;
	const char *title;
};
int bench_report(const char **files, size_t nfiles, const struct bench_report_opts *o,
		 char *err, size_t errcap);

#endif
