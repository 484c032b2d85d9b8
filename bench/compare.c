/*
 * compare.c - `9pbench compare BASE NEW`: per metric, the relative change
 * of its headline statistic (median for times, mean for rates) with a
 * bootstrap confidence interval and a Mann-Whitney p-value, and a verdict
 * that ignores what the noise can explain (rule in stats.c).
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

int bench_compare(const struct bench_result *base, const struct bench_result *new_,
		  const struct bench_cmp_opts *o, FILE *out)
{
	FILE *jf = NULL;
	int slower = 0, compared = 0, first = 1;
	if (o->json && !(jf = fopen(o->json, "w")))
		return -errno;
	if (jf) {
		fprintf(jf, "{\n  \"format\": \"9pbench-compare\",\n  \"threshold\": %.4f,\n"
			"  \"confidence\": %.3f,\n", o->threshold, o->conf);
		json_env(jf, "base", &base->env);
		json_env(jf, "new", &new_->env);
		fprintf(jf, "  \"metrics\": [");
	}
	if (!o->quiet)
		fprintf(out, "%-34s %12s %12s %8s  %-19s %s\n", "metric", "base", "new",
			"change", "95% interval", "verdict");
	for (size_t i = 0; i < new_->nm; i++) {
		const struct bench_metric *n = &new_->m[i];
		const struct bench_metric *b = bench_metric_find(base, n->name);
		struct bench_change c;
		enum bench_verdict v;
		char bv[32], nv[32], ci[40];
		if (!b || !b->nsamples || !n->nsamples) {
			if (!o->quiet)
				fprintf(out, "%-34s %s\n", n->name, b ? "no samples" : "only in NEW");
			continue;
		}
		int by_round = b->nrounds >= 3 && n->nrounds >= 3;
		if (bench_change(by_round ? b->rounds : b->samples,
				 by_round ? (size_t)b->nrounds : b->nsamples,
				 by_round ? n->rounds : n->samples,
				 by_round ? (size_t)n->nrounds : n->nsamples, n->stat,
				 o->conf, o->resamples, 0x9b + i, &c))
			continue;
		v = bench_verdict(&c, n->lower_better, o->threshold);
		compared++;
		slower += v == BENCH_SLOWER;
		snprintf(ci, sizeof ci, "[%+.1f%%, %+.1f%%]", 100 * c.lo, 100 * c.hi);
		if (!o->quiet || v == BENCH_SLOWER)
			fprintf(out, "%-34s %12s %12s %+7.1f%%  %-19s %s\n", n->name,
				bench_fmt_value(bv, sizeof bv, c.base, n->unit),
				bench_fmt_value(nv, sizeof nv, c.new_, n->unit), 100 * c.rel, ci,
				bench_verdict_name(v));
		if (jf)
			json_change(jf, n, &c, v, first);
		first = 0;
	}
	for (size_t i = 0; i < base->nm && !o->quiet; i++)
		if (!bench_metric_find(new_, base->m[i].name))
			fprintf(out, "%-34s only in BASE\n", base->m[i].name);
	if (!o->quiet)
		fprintf(out, "compared %d metrics: %d slower beyond %.1f%% (%s)\n", compared,
			slower, 100 * o->threshold,
			slower ? "REGRESSION" : "no regression");
	if (jf) {
		fprintf(jf, "\n  ],\n  \"slower\": %d\n}\n", slower);
		if (fclose(jf))
			return -errno;
	}
	return slower;
}
