/*
 * stats.c - the statistics 9pbench needs: quantiles, means, a line fit,
 * the percentile bootstrap of a relative change, the Mann-Whitney U test
 * and the verdict rule used by `9pbench compare`.
 *
 * Owns: a deterministic PRNG so every interval is repeatable.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

void bench_rng_seed(struct bench_rng *r, uint64_t seed)
{
	r->s = seed ? seed : 0x9e3779b97f4a7c15ull;
}

uint64_t bench_rng_next(struct bench_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dull;
}

double bench_rng_unit(struct bench_rng *r)
{
	return (double)(bench_rng_next(r) >> 11) / 9007199254740992.0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double bench_quantile(const double *x, size_t n, double q)
{
	double *s, pos, v;
	size_t i;
	if (n == 0)
		return 0;
	if (!(s = malloc(n * sizeof *s)))
		return NAN;
	memcpy(s, x, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_double);
	if (q < 0)
		q = 0;
	if (q > 1)
		q = 1;
	pos = q * (double)(n - 1);
	i = (size_t)pos;
	v = i + 1 < n ? s[i] + (pos - (double)i) * (s[i + 1] - s[i]) : s[i];
	free(s);
	return v;
}

double bench_mean(const double *x, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += x[i];
	return n ? s / (double)n : 0;
}

double bench_stddev(const double *x, size_t n)
{
	double m = bench_mean(x, n), s = 0;
	if (n < 2)
		return 0;
	for (size_t i = 0; i < n; i++)
		s += (x[i] - m) * (x[i] - m);
	return sqrt(s / (double)(n - 1));
}

void bench_linfit(const double *x, const double *y, size_t n, double *a,
		  double *b, double *r2)
{
	double mx = bench_mean(x, n), my = bench_mean(y, n), sxy = 0, sxx = 0,
	       syy = 0;
	for (size_t i = 0; i < n; i++) {
		sxy += (x[i] - mx) * (y[i] - my);
		sxx += (x[i] - mx) * (x[i] - mx);
		syy += (y[i] - my) * (y[i] - my);
	}
	*b = sxx > 0 ? sxy / sxx : 0;
	*a = my - *b * mx;
	*r2 = sxx > 0 && syy > 0 ? (sxy * sxy) / (sxx * syy) : 1;
}

/* k-th smallest of x[0..n) (x is reordered; Wirth's selection). */
static double select_k(double *x, size_t n, size_t k)
{
	long l = 0, r = (long)n - 1, kk = (long)k;
	while (r > l) {
		double p = x[kk];
		long i = l, j = r;
		do {
			while (x[i] < p)
				i++;
			while (p < x[j])
				j--;
			if (i <= j) {
				double t = x[i];
				x[i] = x[j];
				x[j] = t;
				i++;
				j--;
			}
		} while (i <= j);
		if (j < kk)
			l = i;
		if (kk < i)
			r = j;
	}
	return x[kk];
}

static double stat_of(double *x, size_t n, enum bench_stat st)
{
	if (st == BENCH_MEAN)
		return bench_mean(x, n);
	if (n % 2)
		return select_k(x, n, n / 2);
	return (select_k(x, n, n / 2 - 1) + select_k(x, n, n / 2)) / 2;
}

/* One bootstrap replicate of stat over m draws from x. */
static double resample_stat(const double *x, size_t n, size_t m, double *tmp,
			    enum bench_stat st, struct bench_rng *rng)
{
	for (size_t i = 0; i < m; i++)
		tmp[i] = x[bench_rng_next(rng) % n];
	return stat_of(tmp, m, st);
}

int bench_change(const double *base, size_t nb, const double *new_, size_t nn,
		 enum bench_stat stat, double conf, int resamples, uint64_t seed,
		 struct bench_change *out)
{
	size_t mb = nb < 2000 ? nb : 2000, mn = nn < 2000 ? nn : 2000;
	double *tmp, *rel;
	struct bench_rng rng;
	memset(out, 0, sizeof *out);
	if (!nb || !nn || resamples < 10)
		return -EINVAL;
	tmp = malloc((mb > mn ? mb : mn) * sizeof *tmp);
	rel = malloc((size_t)resamples * sizeof *rel);
	if (!tmp || !rel) {
		free(tmp);
		free(rel);
		return -ENOMEM;
	}
	out->base = stat == BENCH_MEAN ? bench_mean(base, nb) : bench_quantile(base, nb, 0.5);
	out->new_ = stat == BENCH_MEAN ? bench_mean(new_, nn) : bench_quantile(new_, nn, 0.5);
	out->rel = out->base != 0 ? out->new_ / out->base - 1 : 0;
	bench_rng_seed(&rng, seed);
	for (int i = 0; i < resamples; i++) {
		double b = resample_stat(base, nb, mb, tmp, stat, &rng);
		double n = resample_stat(new_, nn, mn, tmp, stat, &rng);
		rel[i] = b != 0 ? n / b - 1 : 0;
	}
	out->lo = bench_quantile(rel, (size_t)resamples, (1 - conf) / 2);
	out->hi = bench_quantile(rel, (size_t)resamples, 1 - (1 - conf) / 2);
	out->mw_p = bench_mann_whitney(base, nb, new_, nn);
	free(tmp);
	free(rel);
	return 0;
}

struct ranked { double v; int from_a; };

static int cmp_ranked(const void *a, const void *b)
{
	return cmp_double(&((const struct ranked *)a)->v, &((const struct ranked *)b)->v);
}

/* Sort r, rank it (ties get their mean rank) and return the sum of the
 * ranks of the flagged entries; *ties gets sum(t^3 - t) over tie groups. */
static double rank_sum(struct ranked *r, size_t n, double *ties)
{
	size_t i = 0;
	double sum = 0;
	*ties = 0;
	qsort(r, n, sizeof *r, cmp_ranked);
	while (i < n) {
		size_t j = i;
		double rank, t;
		while (j + 1 < n && r[j + 1].v == r[i].v)
			j++;
		rank = ((double)i + (double)j) / 2 + 1;
		t = (double)(j - i + 1);
		*ties += t * t * t - t;
		for (size_t k = i; k <= j; k++)
			if (r[k].from_a)
				sum += rank;
		i = j + 1;
	}
	return sum;
}

double bench_mann_whitney(const double *a, size_t na, const double *b, size_t nb)
{
	size_t n = na + nb;
	double ra, ties, u, mu, sigma, z;
	struct ranked *r;
	if (!na || !nb || !(r = malloc(n * sizeof *r)))
		return 1;
	for (size_t k = 0; k < na; k++)
		r[k] = (struct ranked){a[k], 1};
	for (size_t k = 0; k < nb; k++)
		r[na + k] = (struct ranked){b[k], 0};
	ra = rank_sum(r, n, &ties);
	free(r);
	u = ra - (double)na * ((double)na + 1) / 2;
	mu = (double)na * (double)nb / 2;
	sigma = sqrt((double)na * (double)nb / 12 *
		     (((double)n + 1) - ties / ((double)n * ((double)n - 1))));
	if (sigma <= 0)
		return 1;
	z = (fabs(u - mu) - 0.5) / sigma;
	if (z < 0)
		z = 0;
	return erfc(z / sqrt(2));
}

enum bench_verdict bench_verdict(const struct bench_change *c, int lower_better,
				 double threshold)
{
	int worse, better;
	if (c->lo <= 0 && c->hi >= 0)
		return BENCH_SAME;
	if (fabs(c->rel) <= threshold)
		return BENCH_NOISE;
	worse = lower_better ? c->rel > 0 : c->rel < 0;
	better = !worse;
	return worse ? BENCH_SLOWER : better ? BENCH_FASTER : BENCH_SAME;
}

const char *bench_verdict_name(enum bench_verdict v)
{
	switch (v) {
	case BENCH_FASTER: return "faster";
	case BENCH_SLOWER: return "slower";
	case BENCH_NOISE: return "no change (small)";
	default: return "no change";
	}
}

/* ---- paired rounds (9pbench ab) ------------------------------------------ */

double bench_wilcoxon(const double *d, size_t n)
{
	struct ranked *r;
	size_t m = 0;
	double wplus, ties, mu, sigma, z;
	if (!n || !(r = malloc(n * sizeof *r)))
		return 1;
	for (size_t k = 0; k < n; k++)
		if (d[k] != 0) /* zero differences carry no sign (Wilcoxon's rule) */
			r[m++] = (struct ranked){fabs(d[k]), d[k] > 0};
	wplus = rank_sum(r, m, &ties);
	free(r);
	mu = (double)m * ((double)m + 1) / 4;
	sigma = sqrt((double)m * ((double)m + 1) * (2 * (double)m + 1) / 24 - ties / 48);
	if (m == 0 || sigma <= 0)
		return 1;
	z = (fabs(wplus - mu) - 0.5) / sigma;
	return erfc((z < 0 ? 0 : z) / sqrt(2));
}

int bench_paired_change(const double *a, const double *b, size_t n, double conf,
			int resamples, uint64_t seed, struct bench_change *out)
{
	double *d, *tmp, *rel;
	struct bench_rng rng;
	memset(out, 0, sizeof *out);
	if (n < 2 || resamples < 10)
		return -EINVAL;
	d = malloc(n * sizeof *d);
	tmp = malloc(n * sizeof *tmp);
	rel = malloc((size_t)resamples * sizeof *rel);
	if (!d || !tmp || !rel) {
		free(d), free(tmp), free(rel);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		d[i] = a[i] > 0 && b[i] > 0 ? log(b[i] / a[i]) : 0;
	out->base = bench_quantile(a, n, 0.5);
	out->new_ = bench_quantile(b, n, 0.5);
	out->rel = exp(bench_quantile(d, n, 0.5)) - 1;
	bench_rng_seed(&rng, seed);
	for (int i = 0; i < resamples; i++)
		rel[i] = exp(resample_stat(d, n, n, tmp, BENCH_MEDIAN, &rng)) - 1;
	out->lo = bench_quantile(rel, (size_t)resamples, (1 - conf) / 2);
	out->hi = bench_quantile(rel, (size_t)resamples, 1 - (1 - conf) / 2);
	out->mw_p = bench_wilcoxon(d, n);
	free(d), free(tmp), free(rel);
	return 0;
}

double bench_rel_spread(const double *x, size_t n)
{
	double med, *dev, mad;
	if (n < 3 || !(dev = malloc(n * sizeof *dev)))
		return 0;
	med = bench_quantile(x, n, 0.5);
	for (size_t i = 0; i < n; i++)
		dev[i] = fabs(x[i] - med);
	mad = bench_quantile(dev, n, 0.5);
	free(dev);
	return med > 0 ? 1.4826 * mad / med : 0;
}

void bench_change_widen(struct bench_change *c, double w)
{
	double below = c->rel - c->lo, above = c->hi - c->rel;
	c->lo = c->rel - sqrt(below * below + w * w);
	c->hi = c->rel + sqrt(above * above + w * w);
}
