/*
 * test_bench_hist.c - 9pbench's log-linear histogram: bucket arithmetic,
 * quantiles against exact order statistics, merging.
 */
#include <check.h>

#include "unit.h"
#include <stdlib.h>

#include "bench/bench.h"

START_TEST(buckets_are_contiguous)
{
	for (int i = 0; i + 1 < BENCH_HBUCKETS; i++) {
		ck_assert_uint_eq(bench_hist_hi(i) + 1, bench_hist_lo(i + 1));
		ck_assert_int_eq(bench_hist_index(bench_hist_lo(i)), i);
		ck_assert_int_eq(bench_hist_index(bench_hist_hi(i)), i);
	}
	for (uint64_t v = 0; v < 32; v++)
		ck_assert_int_eq(bench_hist_index(v), (int)v);
	ck_assert_int_eq(bench_hist_index(UINT64_MAX), BENCH_HBUCKETS - 1);
}
END_TEST

START_TEST(bucket_width_is_bounded)
{
	for (int i = 32; i < BENCH_HBUCKETS; i++) {
		double lo = (double)bench_hist_lo(i), w = (double)(bench_hist_hi(i) - bench_hist_lo(i) + 1);
		ck_assert(w / lo <= 1.0 / 32 + 1e-12);
	}
}
END_TEST

START_TEST(quantiles_match_order_statistics)
{
	struct bench_hist *h = malloc(sizeof *h);
	bench_hist_init(h);
	/* 1..100000 ns: the q-quantile is q*100000 within the bucket error */
	for (uint64_t v = 1; v <= 100000; v++)
		bench_hist_add(h, v);
	ck_assert_uint_eq(h->count, 100000);
	ck_assert_uint_eq(h->min, 1);
	ck_assert_uint_eq(h->max, 100000);
	double qs[] = {0.5, 0.9, 0.99, 0.999};
	for (int i = 0; i < 4; i++) {
		double want = qs[i] * 100000, got = (double)bench_hist_quantile(h, qs[i]);
		ck_assert_msg(got > want * 0.984 && got < want * 1.016, "q %.3f: %f vs %f",
			      qs[i], got, want);
	}
	ck_assert_uint_eq(bench_hist_quantile(h, 1), 100000);
	ck_assert_uint_eq(bench_hist_quantile(h, 0), 1);
	ck_assert(bench_hist_mean(h) > 50000.4 && bench_hist_mean(h) < 50000.6);
	free(h);
}
END_TEST

START_TEST(small_values_are_exact)
{
	struct bench_hist h;
	bench_hist_init(&h);
	bench_hist_add(&h, 3);
	bench_hist_add(&h, 7);
	bench_hist_add(&h, 7);
	bench_hist_add(&h, 20);
	ck_assert_uint_eq(bench_hist_quantile(&h, 0.25), 3);
	ck_assert_uint_eq(bench_hist_quantile(&h, 0.5), 7);
	ck_assert_uint_eq(bench_hist_quantile(&h, 0.75), 7);
	ck_assert_uint_eq(bench_hist_quantile(&h, 0.999), 20);
	bench_hist_init(&h);
	ck_assert_uint_eq(bench_hist_quantile(&h, 0.5), 0);
}
END_TEST

START_TEST(quantile_clamps_to_min_max)
{
	struct bench_hist h;
	bench_hist_init(&h);
	bench_hist_add(&h, 1000001); /* one value: every quantile is it */
	ck_assert_uint_eq(bench_hist_quantile(&h, 0.5), 1000001);
	ck_assert_uint_eq(bench_hist_quantile(&h, 0.99), 1000001);
}
END_TEST

START_TEST(merge_adds_counts)
{
	struct bench_hist a, b;
	bench_hist_init(&a);
	bench_hist_init(&b);
	for (uint64_t v = 100; v < 200; v++)
		bench_hist_add(&a, v);
	for (uint64_t v = 5000; v < 5100; v++)
		bench_hist_add(&b, v);
	bench_hist_merge(&a, &b);
	ck_assert_uint_eq(a.count, 200);
	ck_assert_uint_eq(a.min, 100);
	ck_assert_uint_eq(a.max, 5099);
	ck_assert(bench_hist_quantile(&a, 0.75) > 4900);
	ck_assert(bench_hist_quantile(&a, 0.25) < 200);
}
END_TEST

int main(void)
{
	return unit_main("bench_hist", "hist", 0, UNIT_TESTS(
		buckets_are_contiguous, bucket_width_is_bounded,
		quantiles_match_order_statistics, small_values_are_exact,
		quantile_clamps_to_min_max, merge_adds_counts));
}
