/*
 * hist.c - log-linear latency histograms (the HdrHistogram idea, small).
 *
 * Owns: bucket arithmetic and quantiles.  Values below 32 have a bucket
 * each; every higher power of two is cut into 32 equal buckets, so a
 * quantile read from a bucket midpoint is within 1.6% of the true value.
 */
#include <string.h>

#include "bench.h"

void bench_hist_init(struct bench_hist *h)
{
	memset(h, 0, sizeof *h);
}

int bench_hist_index(uint64_t v)
{
	int k, idx;
	if (v < BENCH_HSUB)
		return (int)v;
	k = 63 - __builtin_clzll(v);
	if (k >= BENCH_HMAXEXP)
		return BENCH_HBUCKETS - 1;
	idx = (k - BENCH_HSUB_BITS + 1) * BENCH_HSUB +
	      (int)((v >> (k - BENCH_HSUB_BITS)) - BENCH_HSUB);
	return idx;
}

uint64_t bench_hist_lo(int idx)
{
	int k, sub;
	if (idx < BENCH_HSUB)
		return (uint64_t)idx;
	k = idx / BENCH_HSUB + BENCH_HSUB_BITS - 1;
	sub = idx % BENCH_HSUB;
	return (uint64_t)(BENCH_HSUB + sub) << (k - BENCH_HSUB_BITS);
}

uint64_t bench_hist_hi(int idx)
{
	int k;
	if (idx < BENCH_HSUB)
		return (uint64_t)idx;
	k = idx / BENCH_HSUB + BENCH_HSUB_BITS - 1;
	return bench_hist_lo(idx) + ((uint64_t)1 << (k - BENCH_HSUB_BITS)) - 1;
}

void bench_hist_add(struct bench_hist *h, uint64_t v)
{
	if (h->count == 0 || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
	h->sum += (double)v;
	h->b[bench_hist_index(v)]++;
}

void bench_hist_merge(struct bench_hist *dst, const struct bench_hist *src)
{
	if (!src->count)
		return;
	if (dst->count == 0 || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum += src->sum;
	for (int i = 0; i < BENCH_HBUCKETS; i++)
		dst->b[i] += src->b[i];
}

uint64_t bench_hist_quantile(const struct bench_hist *h, double q)
{
	uint64_t rank, seen = 0, v;
	if (!h->count)
		return 0;
	if (q <= 0)
		return h->min;
	if (q >= 1)
		return h->max;
	rank = (uint64_t)(q * (double)h->count);
	if ((double)rank < q * (double)h->count)
		rank++;
	if (rank == 0)
		rank = 1;
	for (int i = 0; i < BENCH_HBUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank) {
			v = bench_hist_lo(i) + (bench_hist_hi(i) - bench_hist_lo(i)) / 2;
			if (v < h->min)
				v = h->min;
			if (v > h->max)
				v = h->max;
			return v;
		}
	}
	return h->max;
}

double bench_hist_mean(const struct bench_hist *h)
{
	return h->count ? h->sum / (double)h->count : 0;
}
