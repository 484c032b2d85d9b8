/*
 * compare.c - `9pbench compare BASE NEW`: per metric, the relative change
 * of its headline statistic (median for times, mean for rates) with a
 * bootstrap confidence interval and a Mann-Whitney p-value, and a verdict
 * that ignores what the noise can explain (rule in stats.c).  Two saved
 * runs ran at different times: the interval is widened by the spread of
 * their rounds and the verdict says so (9pbench ab is the gate).
 *
 * Owns: the comparison table and the comparison JSON that `report` draws.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "bench.h"

/* "21.3 us", "812 MiB/s", "12.5 k op/s" */
const char *bench_fmt_value(char *buf, size_t cap, double v, const char *unit)
{
	if (!strcmp(unit, "ns")) {
		if (v >= 1e9)
			snprintf(buf, cap, "%.2f s", v / 1e9);
		else if (v >= 1e6)
			snprintf(buf, cap, "%.2f ms", v / 1e6);
		else if (v >= 1e3)
			snprintf(buf, cap, "%.1f us", v / 1e3);
		else
			snprintf(buf, cap, "%.0f ns", v);
	} else if (!strcmp(unit, "B/s")) {
		snprintf(buf, cap, "%.1f MiB/s", v / 1048576);
	} else if (v >= 1e4) {
		snprintf(buf, cap, "%.1f k %s", v / 1e3, unit);
	} else {
		snprintf(buf, cap, "%.0f %s", v, unit);
	}
	return buf;
}

static void json_change(FILE *f, const struct bench_metric *m, const struct bench_change *c,
			enum bench_verdict v, int first)
{
	fprintf(f, "%s\n    ", first ? "" : ",");
	bench_metric_put_id(f, m);
	fprintf(f, ", \"better\": \"%s\", \"base\": %.10g, \"new\": %.10g, \"rel\": %.6f, "
		"\"lo\": %.6f, \"hi\": %.6f, \"mw_p\": %.6g, \"verdict\": \"%s\"}",
		m->lower_better ? "lower" : "higher", c->base, c->new_, c->rel, c->lo,
		c->hi, c->mw_p, bench_verdict_name(v));
}

static void json_env(FILE *f, const char *key, const struct bench_env *e)
{
	fprintf(f, "  \"%s\": {\"git\": ", key);
	bjson_put_str(f, e->git);
	fprintf(f, ", \"target\": ");
	bjson_put_str(f, e->target);
	fprintf(f, ", \"time\": ");
	bjson_put_str(f, e->time);
	fprintf(f, "},\n");
}

int bench_cmp_begin(struct bench_cmp_sink *k, const struct bench_result *base,
		    const struct bench_result *new_, const char *method,
		    const struct bench_cmp_opts *o, FILE *out)
{
	memset(k, 0, sizeof *k);
	k->o = o;
	k->out = out;
	k->first = 1;
	if (o->json && !(k->jf = fopen(o->json, "w")))
		return -errno;
	if (k->jf) {
		fprintf(k->jf, "{\n  \"format\": \"9pbench-compare\",\n  \"method\": \"%s\",\n"
			"  \"threshold\": %.4f,\n  \"confidence\": %.3f,\n", method,
			o->threshold, o->conf);
		json_env(k->jf, "base", &base->env);
		json_env(k->jf, "new", &new_->env);
		fprintf(k->jf, "  \"metrics\": [");
	}
	if (!o->quiet)
		fprintf(out, "%-34s %12s %12s %8s  %-19s %s\n", "metric", "base", "new",
			"change", "95% interval", "verdict");
	return 0;
}

void bench_cmp_row(struct bench_cmp_sink *k, const struct bench_metric *m,
		   const struct bench_change *c)
{
	enum bench_verdict v = bench_verdict(c, m->lower_better, k->o->threshold);
	char bv[32], nv[32], ci[40];
	k->compared++;
	k->slower += v == BENCH_SLOWER;
	snprintf(ci, sizeof ci, "[%+.1f%%, %+.1f%%]", 100 * c->lo, 100 * c->hi);
	if (!k->o->quiet || v == BENCH_SLOWER)
		fprintf(k->out, "%-34s %12s %12s %+7.1f%%  %-19s %s\n", m->name,
			bench_fmt_value(bv, sizeof bv, c->base, m->unit),
			bench_fmt_value(nv, sizeof nv, c->new_, m->unit), 100 * c->rel, ci,
			bench_verdict_name(v));
	if (k->jf)
		json_change(k->jf, m, c, v, k->first);
	k->first = 0;
}

int bench_cmp_end(struct bench_cmp_sink *k, const char *caveat)
{
	if (!k->o->quiet) {
		fprintf(k->out, "compared %d metrics: %d slower beyond %.1f%% (%s)\n",
			k->compared, k->slower, 100 * k->o->threshold,
			k->slower ? "REGRESSION" : "no regression");
		if (caveat)
			fprintf(k->out, "note: %s\n", caveat);
	}
	if (k->jf) {
		fprintf(k->jf, "\n  ],\n  \"caveat\": ");
		bjson_put_str(k->jf, caveat ? caveat : "");
		fprintf(k->jf, ",\n  \"slower\": %d\n}\n", k->slower);
		if (fclose(k->jf))
			return -errno;
	}
	return k->slower;
}

/* The change of one metric between two saved runs: by rounds when both
 * carry at least 3, the interval then widened by the drift a run's own
 * rounds show (a between-run estimate; *w gets the widening). */
static int saved_change(const struct bench_metric *b, const struct bench_metric *n,
			const struct bench_cmp_opts *o, uint64_t seed, struct bench_change *c,
			double *w)
{
	int by_round = b->nrounds >= 3 && n->nrounds >= 3;
	double sb, sn;
	*w = 0;
	if (bench_change(by_round ? b->rounds : b->samples,
			 by_round ? (size_t)b->nrounds : b->nsamples,
			 by_round ? n->rounds : n->samples,
			 by_round ? (size_t)n->nrounds : n->nsamples, n->stat,
			 o->conf, o->resamples, seed, c))
		return -1;
	if (!by_round)
		return 0;
	sb = bench_rel_spread(b->rounds, (size_t)b->nrounds);
	sn = bench_rel_spread(n->rounds, (size_t)n->nrounds);
	*w = BENCH_Z95 * sqrt(sb * sb + sn * sn);
	bench_change_widen(c, *w);
	return 0;
}

int bench_compare(const struct bench_result *base, const struct bench_result *new_,
		  const struct bench_cmp_opts *o, FILE *out)
{
	struct bench_cmp_sink k;
	double w, wmax = 0;
	char caveat[400];
	int rc;
	if ((rc = bench_cmp_begin(&k, base, new_, "saved runs", o, out)))
		return rc;
	for (size_t i = 0; i < new_->nm; i++) {
		const struct bench_metric *n = &new_->m[i];
		const struct bench_metric *b = bench_metric_find(base, n->name);
		struct bench_change c;
		if (!b || !b->nsamples || !n->nsamples) {
			if (!o->quiet)
				fprintf(out, "%-34s %s\n", n->name, b ? "no samples" : "only in NEW");
			continue;
		}
		if (saved_change(b, n, o, 0x9b + i, &c, &w))
			continue;
		wmax = w > wmax ? w : wmax;
		bench_cmp_row(&k, n, &c);
	}
	for (size_t i = 0; i < base->nm && !o->quiet; i++)
		if (!bench_metric_find(new_, base->m[i].name))
			fprintf(out, "%-34s only in BASE\n", base->m[i].name);
	snprintf(caveat, sizeof caveat,
		 "between-run comparison: BASE and NEW ran at different times, so the "
		 "machine's drift between them is not measured; the intervals assume it is "
		 "as large as the spread of each run's rounds (widened by up to %.1f%%). "
		 "For a gate, measure both in one run: 9pbench ab", 100 * wmax);
	return bench_cmp_end(&k, caveat);
}
