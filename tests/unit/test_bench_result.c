/*
 * test_bench_result.c - 9pbench result files: JSON written and read back
 * keeps every metric, sample, round, extra, histogram bucket and the
 * environment; the JSON reader rejects malformed input with an offset.
 */
#include <check.h>

#include "unit.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"

START_TEST(round_trip)
{
	struct bench_result r, back;
	struct bench_metric *m, *t, *b;
	char path[] = "/tmp/test_bench_result.XXXXXX", err[256] = "";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	bench_result_init(&r, "latency");
	bench_env_collect(&r.env, ".");
	snprintf(r.env.target, sizeof r.env.target, "exec:bin/synthfs \"--stdio\"");
	r.env.msize = 65536;
	snprintf(r.note, sizeof r.note, "a note with \"quotes\"\nand a newline");
	m = bench_metric_add(&r, "latency/getattr/d1", "latency", "getattr", 1, "ns", 1, 1);
	for (int i = 1; i <= 30000; i++) /* more than the reservoir holds */
		bench_metric_sample(&r, m, 1000 + i % 977);
	bench_metric_round(m, 1400);
	bench_metric_round(m, 1500.5);
	bench_metric_set_extra(m, "client_ns", 321.5);
	t = bench_metric_add(&r, "throughput/read/65536", "throughput", "read", 65536, "B/s", 0, 0);
	bench_metric_sample(&r, t, 1.5e9);
	bench_metric_sample(&r, t, 1.7e9);
	ck_assert_uint_eq(m->nsamples, BENCH_MAXSAMPLES);
	ck_assert_uint_eq(m->seen, 30000);
	ck_assert_int_eq(bench_result_save(&r, path), 0);

	ck_assert_int_eq(bench_result_load(&back, path, err, sizeof err), 0);
	ck_assert_str_eq(back.kind, "latency");
	ck_assert_str_eq(back.note, r.note);
	ck_assert_str_eq(back.env.target, r.env.target);
	ck_assert_str_eq(back.env.host, r.env.host);
	ck_assert_str_eq(back.env.git, r.env.git);
	ck_assert_uint_eq(back.env.msize, 65536);
	ck_assert_uint_eq(back.nm, 2);
	b = bench_metric_find(&back, "latency/getattr/d1");
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(b->group, "latency");
	ck_assert_str_eq(b->series, "getattr");
	ck_assert(b->lower_better && b->stat == BENCH_MEDIAN);
	ck_assert_uint_eq(b->nsamples, m->nsamples);
	ck_assert_uint_eq(b->seen, 30000);
	for (size_t i = 0; i < b->nsamples; i++)
		ck_assert(b->samples[i] == m->samples[i]);
	ck_assert_int_eq(b->nrounds, 2);
	ck_assert(b->rounds[1] == 1500.5);
	ck_assert(bench_metric_extra(b, "client_ns", 0) == 321.5);
	ck_assert_ptr_nonnull(b->hist);
	ck_assert_uint_eq(b->hist->count, 30000);
	ck_assert_uint_eq(b->hist->min, m->hist->min);
	ck_assert_uint_eq(b->hist->max, m->hist->max);
	ck_assert_uint_eq(bench_hist_quantile(b->hist, 0.99), bench_hist_quantile(m->hist, 0.99));
	ck_assert(memcmp(b->hist->b, m->hist->b, sizeof b->hist->b) == 0);
	b = bench_metric_find(&back, "throughput/read/65536");
	ck_assert(!b->lower_better && b->stat == BENCH_MEAN);
	ck_assert(b->x == 65536);
	ck_assert(bench_metric_value(b) == 1.6e9);
	bench_result_free(&back);
	bench_result_free(&r);
	unlink(path);
}
END_TEST

START_TEST(reader_rejects_bad_json)
{
	static const char *bad[] = {"{", "{\"a\":}", "[1,2", "{\"a\" 1}", "\"abc",
				    "[1] x", "tru", "{\"a\":\"\\u12\"}", ""};
	char err[128];
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		err[0] = 0;
		ck_assert_ptr_null(bjson_parse(bad[i], strlen(bad[i]), err, sizeof err));
		ck_assert_msg(strstr(err, "at byte") != NULL, "%s: %s", bad[i], err);
	}
	char deep[400];
	memset(deep, '[', sizeof deep);
	ck_assert_ptr_null(bjson_parse(deep, sizeof deep, err, sizeof err));
}
END_TEST

START_TEST(reader_values)
{
	const char *t = "{\"s\":\"a\\\"b\\u0041\\n\",\"n\":-1.5e3,\"b\":true,\"z\":null,"
			"\"a\":[1,{\"k\":2}]}";
	char err[128] = "";
	struct bjson *j = bjson_parse(t, strlen(t), err, sizeof err);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(bjson_str(j, "s", ""), "a\"bA\n");
	ck_assert(bjson_num(j, "n", 0) == -1500);
	ck_assert(bjson_num(j, "b", 0) == 1);
	ck_assert_int_eq(bjson_get(j, "z")->type, BJ_NULL);
	ck_assert_uint_eq(bjson_get(j, "a")->nkids, 2);
	ck_assert(bjson_num(bjson_get(j, "a")->kids[1], "k", 0) == 2);
	ck_assert(bjson_num(j, "missing", 7) == 7);
	bjson_free(j);
}
END_TEST

START_TEST(not_a_result_file)
{
	const char *t = "{\"format\":\"other\"}";
	char err[128] = "";
	struct bench_result r;
	struct bjson *j = bjson_parse(t, strlen(t), err, sizeof err);
	ck_assert_int_ne(bench_result_from_json(&r, j, err, sizeof err), 0);
	ck_assert(strstr(err, "not a 9pbench") != NULL);
	bjson_free(j);
}
END_TEST

int main(void)
{
	return unit_main("bench_result", "result", 0, UNIT_TESTS(
		round_trip, reader_rejects_bad_json, reader_values,
		not_a_result_file));
}
