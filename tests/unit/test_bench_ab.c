/*
 * test_bench_ab.c - the statistics of `9pbench ab` on seeded round
 * medians (no clock, no server): a drift common to A and B (the machine's
 * load changing between rounds) cancels in the paired ratios; B 10% slower
 * than A under that drift is called slower, B equal to A is not, and a
 * change under the noise floor is not claimed.  Also the Wilcoxon
 * signed-rank test's known values and compare's widened interval.
 */
#include <check.h>

#include "unit.h"
#include <math.h>

#include "bench/bench.h"

enum { ROUNDS = 30 };

/* ROUNDS round medians of A and B: 20 us times a drift of up to +-30% per
 * round shared by both sides, times B's factor, each with 1% of its own
 * noise. */
static void rounds(double *a, double *b, double factor, uint64_t seed)
{
	struct bench_rng r;
	bench_rng_seed(&r, seed);
	for (int i = 0; i < ROUNDS; i++) {
		double drift = 1 + 0.6 * (bench_rng_unit(&r) - 0.5);
		a[i] = 20000 * drift * (1 + 0.02 * (bench_rng_unit(&r) - 0.5));
		b[i] = 20000 * drift * factor * (1 + 0.02 * (bench_rng_unit(&r) - 0.5));
	}
}

static enum bench_verdict verdict(double factor, double floor, uint64_t seed,
				  struct bench_change *c)
{
	double a[ROUNDS], b[ROUNDS];
	rounds(a, b, factor, seed);
	ck_assert_int_eq(bench_paired_change(a, b, ROUNDS, 0.95, 1000, 7, c), 0);
	return bench_verdict(c, 1, floor);
}

START_TEST(drift_cancels_and_ten_percent_is_slower)
{
	struct bench_change c;
	for (uint64_t seed = 1; seed <= 20; seed++) {
		ck_assert_int_eq(verdict(1.10, 0.03, seed, &c), BENCH_SLOWER);
		ck_assert_msg(c.rel > 0.09 && c.rel < 0.11, "rel %g", c.rel);
		ck_assert(c.lo > 0.05 && c.hi < 0.15);
		ck_assert(c.mw_p < 0.001);
	}
}
END_TEST

START_TEST(same_is_not_called_and_floor_holds)
{
	struct bench_change c;
	for (uint64_t seed = 1; seed <= 20; seed++) {
		enum bench_verdict v = verdict(1.0, 0.03, seed, &c);
		ck_assert(v == BENCH_SAME || v == BENCH_NOISE);
		/* 2% is real (the interval excludes 0) but under a 3% floor */
		ck_assert_int_ne(verdict(1.02, 0.03, seed, &c), BENCH_SLOWER);
		/* and faster is never slower */
		ck_assert_int_eq(verdict(0.90, 0.03, seed, &c), BENCH_FASTER);
	}
}
END_TEST

START_TEST(wilcoxon_known_values)
{
	double pos[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, mixed[10];
	/* all 10 positive: W+ = 55, mu 27.5, sigma 9.81: p ~ 0.0051 */
	double p = bench_wilcoxon(pos, 10);
	ck_assert_msg(p > 0.004 && p < 0.007, "p %g", p);
	for (int i = 0; i < 10; i++)
		mixed[i] = (i % 2 ? -1 : 1) * pos[i];
	ck_assert(bench_wilcoxon(mixed, 10) > 0.5);
	ck_assert(bench_wilcoxon(pos, 0) == 1);
}
END_TEST

START_TEST(widen_adds_in_quadrature)
{
	struct bench_change c = {.rel = 0.10, .lo = 0.07, .hi = 0.14};
	bench_change_widen(&c, 0.04);
	ck_assert(fabs(c.lo - (0.10 - 0.05)) < 1e-12);
	ck_assert(fabs(c.hi - (0.10 + sqrt(0.0032))) < 1e-12);
	double x[] = {100, 110, 90, 100, 100};
	ck_assert(fabs(bench_rel_spread(x, 5)) < 1e-12); /* MAD 0 */
	double y[] = {90, 100, 110};
	ck_assert(fabs(bench_rel_spread(y, 3) - 1.4826 * 10 / 100) < 1e-12);
}
END_TEST

int main(void)
{
	return unit_main("bench_ab", "ab", 60, UNIT_TESTS(
		drift_cancels_and_ten_percent_is_slower, same_is_not_called_and_floor_holds,
		wilcoxon_known_values, widen_adds_in_quadrature));
}
