/*
 * ab.c - `9pbench ab A B`: two targets measured in the same time window,
 * round by round, each round running every op on A then B (or B then A on
 * odd rounds, so neither side always goes first), and a verdict per op
 * from the rounds paired: the median of log(B/A) over rounds, a bootstrap
 * interval over rounds, the Wilcoxon signed-rank p-value, and a noise
 * floor (--threshold) below which no change is claimed.  Drift and
 * neighbours' load hit both sides of a round alike and cancel in its ratio.
 *
 * Every round opens fresh sessions (exec: targets: fresh processes), so
 * what is particular to one process is a round's noise, not a bias.
 *
 * Owns: the round schedule and the ab result (a 9pbench-compare JSON with
 * method "ab", drawn by `report` like compare's).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

enum { AB_SIDES = 2, AB_MINWARM = 50 };

struct ab_side {
	const char *target;
	struct bench_sess s;
	struct bench_result r;
};

static void ab_env(struct ab_side *sd, const struct bench_opts *o, const char *label)
{
	bench_result_init(&sd->r, "latency");
	bench_env_collect(&sd->r.env, o->root);
	snprintf(sd->r.env.target, sizeof sd->r.env.target, "%s", sd->target);
	snprintf(sd->r.env.label, sizeof sd->r.env.label, "%s", label);
	snprintf(sd->r.env.dialect, sizeof sd->r.env.dialect, "%s", o->dialect);
}

static int ab_open(struct ab_side *sd, const struct bench_opts *o, char *err, size_t cap)
{
	int rc = bench_sess_open(&sd->s, sd->target, o->msize, o->dialect, o->timeout_ms,
				 err, cap);
	if (!rc)
		sd->r.env.msize = sd->s.cl->msize;
	return rc;
}

/* One op on one side for one round: its samples join the side's metric
 * and its median becomes the metric's round (warm: run, record nothing). */
static int ab_step(struct ab_side *sd, const struct bench_opts *o, const char *op, int warm,
		   char *err, size_t cap)
{
	char name[96];
	struct bench_metric *m = NULL, *t;
	struct bench_result tr;
	int rc;
	snprintf(name, sizeof name, "latency/%s/d%d", op, o->depth);
	if (!warm && !(m = bench_metric_find(&sd->r, name)) &&
	    !(m = bench_metric_add(&sd->r, name, "latency", op, o->depth, "ns", 1, 1)))
		return -ENOMEM;
	bench_result_init(&tr, "round");
	if (!(t = bench_metric_add(&tr, name, "latency", op, o->depth, "ns", 1, 0)))
		rc = -ENOMEM;
	else if (!(rc = bench_run_op(&sd->s, o, op, &tr, t, err, cap)) && m) {
		for (size_t i = 0; i < t->nsamples; i++)
			bench_metric_sample(&sd->r, m, t->samples[i]);
		bench_metric_round(m, bench_metric_value(t));
	}
	bench_result_free(&tr);
	if (rc && !strstr(err, sd->target)) {
		char e[512];
		snprintf(e, sizeof e, "%s: %s", sd->target, err[0] ? err : strerror(-rc));
		snprintf(err, cap, "%s", e);
	}
	return rc;
}

/* One round: fresh sessions on both sides (for exec: targets, fresh
 * server processes), so a process's luck (its CPU, its memory layout)
 * is one round's, not the whole run's; then per op a warm-up on both and
 * the measurement on both back to back, first = the side going first. */
static int ab_round(struct ab_side *sd, const struct bench_opts *o, int rounds, int first,
		    char *err, size_t cap)
{
	struct bench_opts ro = *o, wo = *o;
	char ops[256], *save = NULL;
	int rc = 0;
	ro.count = (o->count + (uint64_t)rounds - 1) / (uint64_t)rounds;
	ro.warmup = wo.warmup = 0;
	wo.count = o->warmup / (uint64_t)rounds > AB_MINWARM ? o->warmup / (uint64_t)rounds
							     : AB_MINWARM;
	for (int k = 0; k < AB_SIDES && !rc; k++)
		rc = ab_open(&sd[(first + k) % AB_SIDES], o, err, cap);
	snprintf(ops, sizeof ops, "%s", o->ops);
	for (char *op = strtok_r(ops, ",", &save); op && !rc; op = strtok_r(NULL, ",", &save)) {
		for (int k = 0; k < AB_SIDES && !rc; k++)
			rc = ab_step(&sd[(first + k) % AB_SIDES], &wo, op, 1, err, cap);
		for (int k = 0; k < AB_SIDES && !rc; k++)
			rc = ab_step(&sd[(first + k) % AB_SIDES], &ro, op, 0, err, cap);
	}
	for (int k = 0; k < AB_SIDES; k++)
		if (sd[k].s.cl)
			bench_sess_close(&sd[k].s);
	return rc;
}

static int ab_verdicts(struct ab_side *sd, const struct bench_opts *o,
		       const struct bench_cmp_opts *co, int rounds, FILE *out)
{
	struct bench_cmp_sink k;
	char caveat[300];
	int rc;
	if ((rc = bench_cmp_begin(&k, &sd[0].r, &sd[1].r, "ab", co, out)))
		return rc;
	for (size_t i = 0; i < sd[1].r.nm; i++) {
		struct bench_metric *b = &sd[1].r.m[i];
		const struct bench_metric *a = bench_metric_find(&sd[0].r, b->name);
		struct bench_change c;
		if (!a || a->nrounds != b->nrounds ||
		    bench_paired_change(a->rounds, b->rounds, (size_t)b->nrounds, co->conf,
					co->resamples, 0xab + i, &c))
			continue;
		bench_cmp_row(&k, b, &c);
	}
	snprintf(caveat, sizeof caveat,
		 "A/B in one run: %d interleaved rounds of %llu requests per op and side, "
		 "verdict from the rounds paired (median of B/A, bootstrap interval, "
		 "Wilcoxon signed-rank); no change is claimed below %.1f%%",
		 rounds, (unsigned long long)((o->count + (uint64_t)rounds - 1) / (uint64_t)rounds),
		 100 * co->threshold);
	return bench_cmp_end(&k, caveat);
}

int bench_ab(const struct bench_opts *o, const char *ta, const char *tb,
	     const struct bench_cmp_opts *co, FILE *out, char *err, size_t cap)
{
	struct ab_side sd[AB_SIDES] = {{.target = ta}, {.target = tb}};
	int rounds = o->reps < 2 ? 2 : o->reps > BENCH_MAXROUNDS ? BENCH_MAXROUNDS : o->reps;
	int rc = 0;
	if (!o->count) {
		snprintf(err, cap, "ab needs --count (requests per op and side)");
		return -EINVAL;
	}
	ab_env(&sd[0], o, "A");
	ab_env(&sd[1], o, "B");
	for (int round = 0; round < rounds && !rc; round++)
		rc = ab_round(sd, o, rounds, round & 1, err, cap);
	if (!rc)
		rc = ab_verdicts(sd, o, co, rounds, out);
	for (int k = 0; k < AB_SIDES; k++)
		bench_result_free(&sd[k].r);
	return rc;
}
