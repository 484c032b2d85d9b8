/*
 * test_bench_stats.c - the statistics behind `9pbench compare`: quantiles,
 * line fit, bootstrap intervals, Mann-Whitney, and the verdict rule on
 * synthetic samples (same distribution -> no change; shifted -> slower).
 */
#include <check.h>

#include "unit.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "bench/bench.h"

/* n log-normal-ish latencies around median m (deterministic). */
static double *latencies(size_t n, double m, uint64_t seed)
{
	double *x = malloc(n * sizeof *x);
	struct bench_rng r;
	bench_rng_seed(&r, seed);
	for (size_t i = 0; i < n; i++) {
		double u = bench_rng_unit(&r), v = bench_rng_unit(&r);
		double z = sqrt(-2 * log(u + 1e-12)) * cos(2 * M_PI * v);
		x[i] = m * exp(0.3 * z);
	}
	return x;
}

START_TEST(quantile_interpolates)
{
	double x[] = {5, 1, 4, 2, 3};
	ck_assert(fabs(bench_quantile(x, 5, 0.5) - 3) < 1e-12);
	ck_assert(fabs(bench_quantile(x, 5, 0) - 1) < 1e-12);
	ck_assert(fabs(bench_quantile(x, 5, 1) - 5) < 1e-12);
	ck_assert(fabs(bench_quantile(x, 5, 0.125) - 1.5) < 1e-12);
	ck_assert(x[0] == 5); /* input untouched */
	ck_assert(fabs(bench_mean(x, 5) - 3) < 1e-12);
	ck_assert(fabs(bench_stddev(x, 5) - sqrt(2.5)) < 1e-12);
}
END_TEST

START_TEST(linfit_recovers_line)
{
	double x[] = {0, 1, 2, 4, 8}, y[5], a, b, r2;
	for (int i = 0; i < 5; i++)
		y[i] = 20000 + 5000 * x[i];
	bench_linfit(x, y, 5, &a, &b, &r2);
	ck_assert(fabs(a - 20000) < 1e-6);
	ck_assert(fabs(b - 5000) < 1e-6);
	ck_assert(fabs(r2 - 1) < 1e-9);
}
END_TEST

START_TEST(identical_distributions_no_change)
{
	double *a = latencies(5000, 30000, 1), *b = latencies(5000, 30000, 2);
	struct bench_change c;
	ck_assert_int_eq(bench_change(a, 5000, b, 5000, BENCH_MEDIAN, 0.95, 500, 7, &c), 0);
	ck_assert(c.lo <= 0.03 && c.hi >= -0.03);
	ck_assert(fabs(c.rel) < 0.03);
	enum bench_verdict v = bench_verdict(&c, 1, 0.05);
	ck_assert(v == BENCH_SAME || v == BENCH_NOISE);
	ck_assert(c.mw_p > 0.001);
	free(a);
	free(b);
}
END_TEST

START_TEST(shifted_distribution_is_slower)
{
	double *a = latencies(5000, 30000, 3), *b = latencies(5000, 36000, 4);
	struct bench_change c;
	ck_assert_int_eq(bench_change(a, 5000, b, 5000, BENCH_MEDIAN, 0.95, 500, 7, &c), 0);
	ck_assert_msg(c.rel > 0.15 && c.rel < 0.25, "rel %f", c.rel);
	ck_assert(c.lo > 0.1 && c.hi < 0.3 && c.lo < c.rel && c.rel < c.hi);
	ck_assert_int_eq(bench_verdict(&c, 1, 0.05), BENCH_SLOWER);
	/* the same change on a rate (higher is better) is an improvement */
	ck_assert_int_eq(bench_verdict(&c, 0, 0.05), BENCH_FASTER);
	/* beyond the noise but inside a 30% threshold: not called */
	ck_assert_int_eq(bench_verdict(&c, 1, 0.30), BENCH_NOISE);
	ck_assert(c.mw_p < 1e-6);
	/* and the other way round it is faster */
	ck_assert_int_eq(bench_change(b, 5000, a, 5000, BENCH_MEDIAN, 0.95, 500, 7, &c), 0);
	ck_assert_int_eq(bench_verdict(&c, 1, 0.05), BENCH_FASTER);
	free(a);
	free(b);
}
END_TEST

START_TEST(few_noisy_rounds_are_not_called)
{
	/* five round medians each, heavily overlapping: interval spans zero */
	double a[] = {30, 45, 31, 60, 33}, b[] = {34, 29, 50, 32, 58};
	struct bench_change c;
	ck_assert_int_eq(bench_change(a, 5, b, 5, BENCH_MEDIAN, 0.95, 1000, 7, &c), 0);
	ck_assert(c.lo < 0 && c.hi > 0);
	ck_assert_int_eq(bench_verdict(&c, 1, 0.05), BENCH_SAME);
}
END_TEST

START_TEST(bootstrap_is_deterministic)
{
	double *a = latencies(1000, 100, 5), *b = latencies(1000, 110, 6);
	struct bench_change c1, c2;
	bench_change(a, 1000, b, 1000, BENCH_MEAN, 0.95, 300, 42, &c1);
	bench_change(a, 1000, b, 1000, BENCH_MEAN, 0.95, 300, 42, &c2);
	ck_assert(c1.lo == c2.lo && c1.hi == c2.hi);
	ck_assert_int_eq(bench_change(a, 0, b, 1000, BENCH_MEAN, 0.95, 300, 42, &c1), -EINVAL);
	free(a);
	free(b);
}
END_TEST

START_TEST(mann_whitney_known_values)
{
	double a[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	double b[] = {11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
	/* complete separation of 10 vs 10: z = (50-0.5)/13.23, p ~ 0.00018 */
	double p = bench_mann_whitney(a, 10, b, 10);
	ck_assert_msg(p > 1.5e-4 && p < 2.2e-4, "p %g", p);
	ck_assert(bench_mann_whitney(a, 10, a, 10) > 0.9);
}
END_TEST

int main(void)
{
	return unit_main("bench_stats", "stats", 60, UNIT_TESTS(
		quantile_interpolates, linfit_recovers_line,
		identical_distributions_no_change,
		shifted_distribution_is_slower,
		few_noisy_rounds_are_not_called, bootstrap_is_deterministic,
		mann_whitney_known_values));
}
