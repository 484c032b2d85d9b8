/*
 * result.c - 9pbench result files: a kind, the environment, and a list of
 * metrics with raw samples (and histogram buckets for latencies), written
 * as JSON and read back for `compare` and `report`.
 *
 * Owns: the result file format (docs/bench.md, "Result files") and the
 * reservoir that bounds the samples kept per metric.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "xalloc.h"

void bench_result_init(struct bench_result *r, const char *kind)
{
	memset(r, 0, sizeof *r);
	snprintf(r->kind, sizeof r->kind, "%s", kind);
	bench_rng_seed(&r->rng, 0x5eed9b0d);
}

void bench_result_free(struct bench_result *r)
{
	for (size_t i = 0; i < r->nm; i++) {
		free(r->m[i].samples);
		free(r->m[i].hist);
	}
	free(r->m);
	r->m = NULL;
	r->nm = r->capm = 0;
}

struct bench_metric *bench_metric_find(const struct bench_result *r, const char *name)
{
	for (size_t i = 0; i < r->nm; i++)
		if (!strcmp(r->m[i].name, name))
			return &r->m[i];
	return NULL;
}

struct bench_metric *bench_metric_add(struct bench_result *r, const char *name,
				      const char *group, const char *series,
				      double x, const char *unit, int lower_better,
				      int with_hist)
{
	struct bench_metric *m;
	if (p9_grow(&r->m, &r->capm, r->nm, sizeof *r->m, 16))
		return NULL;
	m = &r->m[r->nm];
	memset(m, 0, sizeof *m);
	snprintf(m->name, sizeof m->name, "%s", name);
	snprintf(m->group, sizeof m->group, "%s", group);
	snprintf(m->series, sizeof m->series, "%s", series);
	snprintf(m->unit, sizeof m->unit, "%s", unit);
	m->x = x;
	m->lower_better = lower_better;
	m->stat = lower_better ? BENCH_MEDIAN : BENCH_MEAN;
	if (with_hist) {
		if (!(m->hist = malloc(sizeof *m->hist)))
			return NULL;
		bench_hist_init(m->hist);
	}
	r->nm++;
	return m;
}

void bench_metric_sample(struct bench_result *r, struct bench_metric *m, double v)
{
	m->seen++;
	if (m->hist)
		bench_hist_add(m->hist, v < 0 ? 0 : (uint64_t)v);
	if (m->nsamples < BENCH_MAXSAMPLES) {
		if (m->nsamples == m->capsamples) {
			size_t cap = m->capsamples ? m->capsamples * 2 : 256;
			double *n;
			if (cap > BENCH_MAXSAMPLES)
				cap = BENCH_MAXSAMPLES;
			if (!(n = realloc(m->samples, cap * sizeof *n)))
				return;
			m->samples = n;
			m->capsamples = cap;
		}
		m->samples[m->nsamples++] = v;
		return;
	}
	/* reservoir: keep each of the seen samples with equal probability */
	uint64_t j = bench_rng_next(&r->rng) % m->seen;
	if (j < BENCH_MAXSAMPLES)
		m->samples[j] = v;
}

void bench_metric_round(struct bench_metric *m, double v)
{
	if (m->nrounds < BENCH_MAXROUNDS)
		m->rounds[m->nrounds++] = v;
}

double bench_metric_value(const struct bench_metric *m)
{
	if (m->nsamples)
		return m->stat == BENCH_MEAN ? bench_mean(m->samples, m->nsamples)
					     : bench_quantile(m->samples, m->nsamples, 0.5);
	if (m->hist && m->hist->count)
		return (double)bench_hist_quantile(m->hist, 0.5);
	return 0;
}

void bench_metric_set_extra(struct bench_metric *m, const char *name, double v)
{
	for (int i = 0; i < 4; i++)
		if (!m->extra_name[i][0] || !strcmp(m->extra_name[i], name)) {
			snprintf(m->extra_name[i], sizeof m->extra_name[i], "%s", name);
			m->extra[i] = v;
			return;
		}
}

double bench_metric_extra(const struct bench_metric *m, const char *name, double dflt)
{
	for (int i = 0; i < 4; i++)
		if (m->extra_name[i][0] && !strcmp(m->extra_name[i], name))
			return m->extra[i];
	return dflt;
}

static void put_kv(FILE *f, const char *k, const char *v, int comma)
{
	fprintf(f, "%s\n    ", comma ? "," : "");
	bjson_put_str(f, k);
	fputc(':', f);
	bjson_put_str(f, v);
}

static void write_env(const struct bench_env *e, FILE *f)
{
	fprintf(f, "  \"env\": {");
	put_kv(f, "host", e->host, 0);
	put_kv(f, "cpu", e->cpu, 1);
	fprintf(f, ",\n    \"ncpu\": %d,\n    \"load1\": %.2f", e->ncpu, e->load1);
	put_kv(f, "kernel", e->kernel, 1);
	put_kv(f, "git", e->git, 1);
	put_kv(f, "time", e->time, 1);
	put_kv(f, "target", e->target, 1);
	put_kv(f, "target_version", e->target_version, 1);
	put_kv(f, "label", e->label, 1);
	put_kv(f, "dialect", e->dialect, 1);
	fprintf(f, ",\n    \"msize\": %u", e->msize);
	put_kv(f, "options", e->options, 1);
	fprintf(f, "\n  }");
}

static void write_hist(const struct bench_hist *h, FILE *f)
{
	int first = 1;
	fprintf(f, ",\n     \"summary\": {\"min\": %llu, \"p50\": %llu, \"p90\": %llu, "
		"\"p99\": %llu, \"p999\": %llu, \"max\": %llu, \"mean\": %.1f, \"count\": %llu}",
		(unsigned long long)h->min,
		(unsigned long long)bench_hist_quantile(h, 0.5),
		(unsigned long long)bench_hist_quantile(h, 0.9),
		(unsigned long long)bench_hist_quantile(h, 0.99),
		(unsigned long long)bench_hist_quantile(h, 0.999),
		(unsigned long long)h->max, bench_hist_mean(h),
		(unsigned long long)h->count);
	fprintf(f, ",\n     \"buckets\": [");
	for (int i = 0; i < BENCH_HBUCKETS; i++) {
		if (!h->b[i])
			continue;
		fprintf(f, "%s[%llu,%llu,%llu]", first ? "" : ",",
			(unsigned long long)bench_hist_lo(i),
			(unsigned long long)bench_hist_hi(i),
			(unsigned long long)h->b[i]);
		first = 0;
	}
	fprintf(f, "]");
}

void bench_metric_put_id(FILE *f, const struct bench_metric *m)
{
	fprintf(f, "{\"name\": ");
	bjson_put_str(f, m->name);
	fprintf(f, ", \"group\": ");
	bjson_put_str(f, m->group);
	fprintf(f, ", \"series\": ");
	bjson_put_str(f, m->series);
	fprintf(f, ", \"x\": %.10g, \"unit\": ", m->x);
	bjson_put_str(f, m->unit);
}

static void write_metric(const struct bench_metric *m, FILE *f)
{
	fprintf(f, "    ");
	bench_metric_put_id(f, m);
	fprintf(f, ",\n     \"better\": \"%s\", \"stat\": \"%s\", \"value\": %.10g, "
		"\"count\": %llu",
		m->lower_better ? "lower" : "higher",
		m->stat == BENCH_MEAN ? "mean" : "median", bench_metric_value(m),
		(unsigned long long)m->seen);
	fprintf(f, ", \"extra\": {");
	for (int i = 0, n = 0; i < 4; i++)
		if (m->extra_name[i][0]) {
			fprintf(f, "%s", n++ ? ", " : "");
			bjson_put_str(f, m->extra_name[i]);
			fprintf(f, ": %.10g", m->extra[i]);
		}
	fprintf(f, "}");
	if (m->hist)
		write_hist(m->hist, f);
	fprintf(f, ",\n     \"rounds\": [");
	for (int i = 0; i < m->nrounds; i++)
		fprintf(f, "%s%.10g", i ? "," : "", m->rounds[i]);
	fprintf(f, "]");
	fprintf(f, ",\n     \"samples\": [");
	for (size_t i = 0; i < m->nsamples; i++)
		fprintf(f, "%s%.10g", i ? "," : "", m->samples[i]);
	fprintf(f, "]}");
}

int bench_result_write(const struct bench_result *r, FILE *f)
{
	fprintf(f, "{\n  \"format\": \"9pbench-result\",\n  \"version\": 1,\n  \"kind\": ");
	bjson_put_str(f, r->kind);
	fprintf(f, ",\n  \"note\": ");
	bjson_put_str(f, r->note);
	fprintf(f, ",\n");
	write_env(&r->env, f);
	fprintf(f, ",\n  \"metrics\": [\n");
	for (size_t i = 0; i < r->nm; i++) {
		write_metric(&r->m[i], f);
		fprintf(f, "%s\n", i + 1 < r->nm ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	return ferror(f) ? -EIO : 0;
}

int bench_result_save(const struct bench_result *r, const char *path)
{
	FILE *f = fopen(path, "w");
	int rc;
	if (!f)
		return -errno;
	rc = bench_result_write(r, f);
	if (fclose(f) && !rc)
		rc = -errno;
	return rc;
}

static void copy_str(char *dst, size_t cap, const struct bjson *o, const char *key)
{
	snprintf(dst, cap, "%s", bjson_str(o, key, ""));
}

static void read_env(struct bench_env *e, const struct bjson *j)
{
	copy_str(e->host, sizeof e->host, j, "host");
	copy_str(e->cpu, sizeof e->cpu, j, "cpu");
	copy_str(e->kernel, sizeof e->kernel, j, "kernel");
	copy_str(e->git, sizeof e->git, j, "git");
	copy_str(e->time, sizeof e->time, j, "time");
	copy_str(e->target, sizeof e->target, j, "target");
	copy_str(e->target_version, sizeof e->target_version, j, "target_version");
	copy_str(e->dialect, sizeof e->dialect, j, "dialect");
	copy_str(e->label, sizeof e->label, j, "label");
	copy_str(e->options, sizeof e->options, j, "options");
	e->ncpu = (int)bjson_num(j, "ncpu", 0);
	e->load1 = bjson_num(j, "load1", 0);
	e->msize = (uint32_t)bjson_num(j, "msize", 0);
}

static int read_buckets(struct bench_metric *m, const struct bjson *b)
{
	if (!(m->hist = malloc(sizeof *m->hist)))
		return -ENOMEM;
	bench_hist_init(m->hist);
	for (size_t i = 0; b && i < b->nkids; i++) {
		const struct bjson *t = b->kids[i];
		int idx;
		uint64_t n;
		if (t->type != BJ_ARR || t->nkids != 3 || t->kids[0]->num < 0 ||
		    t->kids[2]->num < 0)
			return -EBADMSG;
		idx = bench_hist_index((uint64_t)t->kids[0]->num);
		n = (uint64_t)t->kids[2]->num;
		m->hist->b[idx] += n;
		m->hist->count += n;
	}
	return 0;
}

static int read_metric(struct bench_result *r, const struct bjson *j)
{
	const struct bjson *rd = bjson_get(j, "rounds");
	const struct bjson *s = bjson_get(j, "samples"), *sum = bjson_get(j, "summary"),
			   *ex = bjson_get(j, "extra");
	struct bench_metric *m;
	if (j->type != BJ_OBJ || !bjson_get(j, "name"))
		return -EBADMSG;
	m = bench_metric_add(r, bjson_str(j, "name", ""), bjson_str(j, "group", ""),
			     bjson_str(j, "series", ""), bjson_num(j, "x", 0),
			     bjson_str(j, "unit", ""),
			     strcmp(bjson_str(j, "better", "lower"), "higher") != 0, 0);
	if (!m)
		return -ENOMEM;
	m->stat = strcmp(bjson_str(j, "stat", "median"), "mean") ? BENCH_MEDIAN : BENCH_MEAN;
	for (size_t i = 0; ex && ex->type == BJ_OBJ && i < ex->nkids; i++)
		if (ex->kids[i]->type == BJ_NUM)
			bench_metric_set_extra(m, ex->kids[i]->key, ex->kids[i]->num);
	for (size_t i = 0; s && s->type == BJ_ARR && i < s->nkids; i++)
		if (s->kids[i]->type == BJ_NUM)
			bench_metric_sample(r, m, s->kids[i]->num);
	for (size_t i = 0; rd && rd->type == BJ_ARR && i < rd->nkids; i++)
		if (rd->kids[i]->type == BJ_NUM)
			bench_metric_round(m, rd->kids[i]->num);
	if (bjson_get(j, "buckets")) {
		if (read_buckets(m, bjson_get(j, "buckets")))
			return -EBADMSG;
		m->hist->min = (uint64_t)bjson_num(sum, "min", 0);
		m->hist->max = (uint64_t)bjson_num(sum, "max", 0);
		m->hist->sum = bjson_num(sum, "mean", 0) * (double)m->hist->count;
	}
	m->seen = (uint64_t)bjson_num(j, "count", (double)m->nsamples);
	return 0;
}

int bench_result_from_json(struct bench_result *r, const struct bjson *j,
			   char *err, size_t errcap)
{
	const struct bjson *ms = bjson_get(j, "metrics");
	if (strcmp(bjson_str(j, "format", ""), "9pbench-result")) {
		snprintf(err, errcap, "not a 9pbench result file");
		return -EBADMSG;
	}
	bench_result_init(r, bjson_str(j, "kind", ""));
	copy_str(r->note, sizeof r->note, j, "note");
	read_env(&r->env, bjson_get(j, "env"));
	for (size_t i = 0; ms && ms->type == BJ_ARR && i < ms->nkids; i++)
		if (read_metric(r, ms->kids[i])) {
			snprintf(err, errcap, "metric %zu is malformed", i);
			bench_result_free(r);
			return -EBADMSG;
		}
	return 0;
}

int bench_result_load(struct bench_result *r, const char *path, char *err, size_t errcap)
{
	struct bjson *j = bjson_parse_file(path, err, errcap);
	int rc;
	if (!j)
		return -EBADMSG;
	rc = bench_result_from_json(r, j, err, errcap);
	if (rc) {
		char tmp[256];
		snprintf(tmp, sizeof tmp, "%s", err);
		snprintf(err, errcap, "%s: %s", path, tmp);
	}
	bjson_free(j);
	return rc;
}
