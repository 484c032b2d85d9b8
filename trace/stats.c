/*
 * stats.c - what 9ptrace counts: per message type (count, bytes, errors,
 * the latencies of its requests) and per path (opens, reads, writes and
 * their bytes), and the --stats tables printed at the end.
 *
 * Owns: the counters of struct tr (ts[], phash) and their lifetime.  It
 * calls nothing else of trace/: message.c adds each message, state.c the
 * per-path events it learns from replies.
 */
#include <stdlib.h>
#include <string.h>

#include "trace.h"
#include "xalloc.h"

enum { NPHASH = 4093 };

void tr_stats_init(struct tr *t)
{
	t->nphash = NPHASH;
	t->phash = xcalloc(t->nphash, sizeof *t->phash);
}

void tr_stats_free(struct tr *t)
{
	for (size_t i = 0; i < t->nphash; i++) {
		struct tr_pathstat *s, *sn;
		for (s = t->phash[i]; s; s = sn) {
			sn = s->next;
			free(s->path);
			free(s);
		}
	}
	for (int i = 0; i < 256; i++)
		free(t->ts[i].lat);
	free(t->phash);
}

static int is_error(uint8_t type)
{
	return type == P9_RERROR || type == P9_RLERROR;
}

void tr_stats_add(struct tr *t, const struct p9_msg *m, size_t len,
		  const struct tr_req *rq)
{
	if (t->o.silent)
		return;
	struct tr_typestat *s = &t->ts[m->type];
	s->count++;
	s->bytes += len;
	if (!rq)
		return;
	struct tr_typestat *r = &t->ts[rq->type];
	if (is_error(m->type))
		r->errors++;
	if (p9_grow(&r->lat, &r->caplat, r->nlat, sizeof *r->lat, 1024))
		return;
	r->lat[r->nlat++] = t->now - rq->ts;
}

static size_t str_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h % n;
}

struct tr_pathstat *tr_pathstat(struct tr *t, const char *path)
{
	size_t h = str_hash(path, t->nphash);
	struct tr_pathstat *s;
	for (s = t->phash[h]; s; s = s->next)
		if (!strcmp(s->path, path))
			return s;
	s = xcalloc(1, sizeof *s);
	s->path = xstrdup(path);
	s->next = t->phash[h];
	t->phash[h] = s;
	t->npaths++;
	return s;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_path(const void *a, const void *b)
{
	const struct tr_pathstat *x = *(struct tr_pathstat *const *)a;
	const struct tr_pathstat *y = *(struct tr_pathstat *const *)b;
	uint64_t bx = x->rbytes + x->wbytes, by = y->rbytes + y->wbytes;
	if (bx != by)
		return bx > by ? -1 : 1;
	return strcmp(x->path, y->path);
}

static double us(uint64_t ns)
{
	return (double)ns / 1000.0;
}

void tr_stats_print(struct tr *t, FILE *f)
{
	fprintf(f, "%-14s %10s %12s %10s %10s %10s %10s %8s\n", "type", "count",
		"bytes", "min(us)", "p50(us)", "p99(us)", "max(us)", "errors");
	for (int i = 0; i < 256; i++) {
		struct tr_typestat *s = &t->ts[i];
		if (!s->count)
			continue;
		fprintf(f, "%-14s %10llu %12llu", p9_typename((unsigned)i),
			(unsigned long long)s->count, (unsigned long long)s->bytes);
		if (s->nlat) {
			qsort(s->lat, s->nlat, sizeof *s->lat, cmp_u64);
			size_t p50 = (s->nlat - 1) / 2, p99 = (s->nlat - 1) * 99 / 100;
			fprintf(f, " %10.1f %10.1f %10.1f %10.1f %8llu", us(s->lat[0]),
				us(s->lat[p50]), us(s->lat[p99]), us(s->lat[s->nlat - 1]),
				(unsigned long long)s->errors);
		} else if (!(i & 1) || i == 0) {
			fprintf(f, " %10s %10s %10s %10s %8llu", "-", "-", "-", "-",
				(unsigned long long)s->errors);
		}
		fputc('\n', f);
	}
	fprintf(f, "messages %llu, connections %u, gaps %llu, undecodable %llu, warnings %llu\n",
		(unsigned long long)t->nmsgs, t->nconn, (unsigned long long)t->ngaps,
		(unsigned long long)t->ndecode_err, (unsigned long long)t->nwarn);
	if (!t->npaths)
		return;
	struct tr_pathstat **v = malloc(t->npaths * sizeof *v);
	if (!v)
		return;
	size_t n = 0;
	for (size_t i = 0; i < t->nphash; i++)
		for (struct tr_pathstat *s = t->phash[i]; s; s = s->next)
			v[n++] = s;
	qsort(v, n, sizeof *v, cmp_path);
	fprintf(f, "\n%-40s %8s %8s %8s %12s %12s\n", "path", "opens", "reads",
		"writes", "rbytes", "wbytes");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%-40s %8llu %8llu %8llu %12llu %12llu\n", v[i]->path,
			(unsigned long long)v[i]->opens, (unsigned long long)v[i]->reads,
			(unsigned long long)v[i]->writes, (unsigned long long)v[i]->rbytes,
			(unsigned long long)v[i]->wbytes);
	free(v);
}
