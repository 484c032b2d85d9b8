/*
 * shrink.c - the explorer's shrinker: given a sequence whose run ended in
 * a mismatch, find a smaller one that still ends in a mismatch of the same
 * check.  Delta debugging over steps (remove halves, quarters, ... single
 * steps, keeping every removal that still fails), then smaller values
 * (counts, offsets, sizes, fewer walk names, plainer open flags), each
 * candidate re-run on a fresh connection and scratch directory, until no
 * single change keeps the failure or the budget of runs is spent.
 */
#include <stdlib.h>
#include <string.h>

#include "explore.h"
#include "lflags.h"
#include "xalloc.h"

enum { SHRINK_MAXRUNS = 3000 };

struct shrinker {
	struct xtarget *tg;
	uint32_t maxbytes;
	char check[32];
	struct xfail last;
	unsigned runs;
};

/* 1 if q still fails the same check; q is cut after its failing step. */
static int still_fails(struct shrinker *s, struct xseq *q)
{
	struct xfail f;
	s->runs++;
	if (run_seq(s->tg, q, s->maxbytes, &f, NULL, NULL) != 1 || strcmp(f.check, s->check))
		return 0;
	q->n = f.step + 1;
	s->last = f;
	return 1;
}

static int try_remove(struct shrinker *s, struct xseq *q, size_t at, size_t n)
{
	struct xseq c = { 0 };
	c.cap = q->n;
	c.s = xmalloc(c.cap * sizeof *c.s);
	memcpy(c.s, q->s, at * sizeof *c.s);
	memcpy(c.s + at, q->s + at + n, (q->n - at - n) * sizeof *c.s);
	c.n = q->n - n;
	if (still_fails(s, &c)) {
		seq_free(q);
		*q = c;
		return 1;
	}
	seq_free(&c);
	return 0;
}

static void shrink_steps(struct shrinker *s, struct xseq *q)
{
	size_t chunk = q->n / 2 ? q->n / 2 : 1;
	while (s->runs < SHRINK_MAXRUNS) {
		int progress = 0;
		for (size_t at = 0; at + chunk <= q->n && q->n > 1 && s->runs < SHRINK_MAXRUNS;) {
			if (try_remove(s, q, at, chunk))
				progress = 1;
			else
				at += chunk;
		}
		if (chunk == 1 && !progress)
			break;
		if (!progress || chunk > q->n / 2)
			chunk = chunk / 2 ? chunk / 2 : 1;
	}
}

/* Candidate smaller values of step i; k-th one into *st, 0 when none. */
static int smaller(const struct xstep *o, int k, struct xstep *st)
{
	*st = *o;
	switch (k) {
	case 0: st->count = o->count / 2; return o->count > 1 && o->op != XO_READDIR;
	case 1: st->off = 0; return o->off != 0;
	case 2: st->off = o->off / 2; return o->off > 1;
	case 3: st->count = o->op == XO_READDIR ? X_READDIR_FULL : 1;
		return o->count > st->count;
	case 4: st->nname = o->nname ? o->nname - 1 : 0; return o->nname > 0;
	case 5: st->flags = o->flags & ~(uint32_t)(P9_L_O_TRUNC | P9_L_O_EXCL);
		return st->flags != o->flags;
	case 6: st->flags = o->flags & ~(uint32_t)P9_L_O_APPEND; return st->flags != o->flags;
	case 7: st->dseed = 0; return o->dseed != 0;
	case 8: st->count = o->count - 1; return o->count > 1 && o->op == XO_READDIR;
	case 9: st->from = 0; return o->from != 0;
	case 10: st->fid2 = 0; return o->fid2 != 0;
	case 11: st->fid = 0; return o->fid != 0;
	case 12: st->name[0] = 0; return o->name[0] != 0 && o->name[0] < X_NNAMES;
	case 13: st->count = o->count - 16;
		return o->op == XO_READDIR && o->count > X_READDIR_FULL + 16;
	}
	return -1;
}

static void shrink_values(struct shrinker *s, struct xseq *q)
{
	int progress = 1;
	while (progress && s->runs < SHRINK_MAXRUNS) {
		progress = 0;
		for (size_t i = 0; i < q->n && s->runs < SHRINK_MAXRUNS; i++) {
			struct xstep st, old = q->s[i];
			for (int k = 0, r; (r = smaller(&old, k, &st)) >= 0; k++) {
				if (!r || i >= q->n)
					continue;
				q->s[i] = st;
				if (still_fails(s, q)) {
					old = st;
					progress = 1;
				} else {
					q->s[i] = old;
				}
			}
		}
	}
}

/* Larger Treaddir counts, so that one reply can do the work of several
 * and the step pass can drop the others. */
static void coarsen(struct shrinker *s, struct xseq *q)
{
	for (size_t i = 0; i < q->n && s->runs < SHRINK_MAXRUNS; i++) {
		struct xstep old = q->s[i];
		if (old.op != XO_READDIR)
			continue;
		for (uint32_t more = 26; more <= 78; more += 26) {
			q->s[i].count = old.count + more;
			if (still_fails(s, q))
				break;
			q->s[i] = old;
		}
	}
}

int shrink_seq(struct xtarget *tg, struct xseq *q, uint32_t maxbytes,
	       const struct xfail *first, struct xfail *last, unsigned *runs)
{
	struct shrinker s = { .tg = tg, .maxbytes = maxbytes, .last = *first };
	snprintf(s.check, sizeof s.check, "%s", first->check);
	q->n = first->step + 1;
	shrink_steps(&s, q);
	shrink_values(&s, q);
	coarsen(&s, q);
	shrink_steps(&s, q);
	shrink_values(&s, q);
	shrink_steps(&s, q);
	*last = s.last;
	*runs = s.runs;
	return 0;
}
