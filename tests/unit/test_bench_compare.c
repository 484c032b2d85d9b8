/*
 * test_bench_compare.c - `9pbench compare`'s verdicts on fixed sample sets:
 * rounds of latency samples drawn from a seeded generator (no clock, no
 * server), so each verdict is the same on any machine however loaded.
 * Two draws of one distribution are not called slower; one shifted by
 * 300 us is, and the other way round it is faster, not slower.  Whether
 * real measurements meet the verdicts' goals is a benchmark's question
 * (make bench), not a test's.
 */
#include <check.h>

#include "unit.h"
#include <stdio.h>
#include <stdlib.h>

#include "bench/bench.h"

enum { ROUNDS = 7, PER_ROUND = 200 };

/* xorshift64: a sample stream fixed by its seed. */
static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A result of ROUNDS rounds of getattr latencies: base_ns plus up to 40%
 * of noise with a long tail, each round's median recorded as compare
 * reads it. */
static void draw(struct bench_result *r, uint64_t seed, uint64_t base_ns)
{
	struct bench_metric *m;
	bench_result_init(r, "latency");
	m = bench_metric_add(r, "latency/getattr/d1", "latency", "getattr", 1, "ns", 1, 1);
	for (int round = 0; round < ROUNDS; round++) {
		struct bench_result tr;
		struct bench_metric *t;
		bench_result_init(&tr, "round");
		t = bench_metric_add(&tr, "t", "t", "t", 0, "ns", 1, 0);
		for (int i = 0; i < PER_ROUND; i++) {
			uint64_t u = next(&seed) % 1000;
			double v = (double)base_ns * (1.0 + 0.4 * (double)u / 1000.0);
			if (u > 990)
				v *= 3; /* the tail: a scheduling hiccup */
			bench_metric_sample(&tr, t, v);
			bench_metric_sample(r, m, v);
		}
		bench_metric_round(m, bench_metric_value(t));
		bench_result_free(&tr);
	}
}

/* compare's count of slower metrics between a and b at a 100% threshold. */
static int slower(const struct bench_result *a, const struct bench_result *b)
{
	struct bench_cmp_opts co = {.threshold = 1.0, .conf = 0.95, .resamples = 500,
				    .quiet = 1};
	FILE *devnull = fopen("/dev/null", "w");
	ck_assert_ptr_nonnull(devnull);
	int n = bench_compare(a, b, &co, devnull);
	fclose(devnull);
	return n;
}

START_TEST(same_distribution_is_not_slower)
{
	struct bench_result a, b;
	draw(&a, 0x9e3779b97f4a7c15ull, 20000);
	draw(&b, 0x2545f4914f6cdd1dull, 20000);
	ck_assert_int_eq(a.m[0].nrounds, ROUNDS);
	ck_assert_int_eq(slower(&a, &b), 0);
	ck_assert_int_eq(slower(&b, &a), 0);
	ck_assert_int_eq(slower(&a, &a), 0);
	bench_result_free(&a);
	bench_result_free(&b);
}
END_TEST

START_TEST(shifted_by_300us_is_slower)
{
	struct bench_result a, b;
	draw(&a, 0x9e3779b97f4a7c15ull, 20000);
	draw(&b, 0x2545f4914f6cdd1dull, 320000);
	ck_assert_int_eq(slower(&a, &b), 1);
	/* and the other way round it is faster, not slower */
	ck_assert_int_eq(slower(&b, &a), 0);
	bench_result_free(&a);
	bench_result_free(&b);
}
END_TEST

int main(void)
{
	return unit_main("bench_compare", "compare", 60, UNIT_TESTS(
		same_distribution_is_not_slower, shifted_by_300us_is_slower));
}
