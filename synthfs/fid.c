/*
 * fid.c - a connection's fid table: a chained hash table keyed by fid
 * number, grown by doubling, so lookups stay O(1) with many fids (QEMU
 * before 7.2 scanned a list).
 */
#include <errno.h>
#include <stdlib.h>

#include "synthfs/server.h"

static size_t slot(const struct sfs_fidtab *t, uint32_t fid)
{
	uint32_t h = fid * 0x9e3779b1u;
	return (size_t)(h ^ (h >> 15)) & t->mask;
}

void sfs_fidtab_init(struct sfs_fidtab *t, size_t *total)
{
	t->b = NULL;
	t->mask = 0;
	t->n = 0;
	t->total = total;
	t->max = t->maxtotal = 0;
}

struct sfs_fid *sfs_fid_get(struct sfs_fidtab *t, uint32_t fid)
{
	struct sfs_fid *f;
	if (!t->b)
		return NULL;
	for (f = t->b[slot(t, fid)]; f; f = f->next)
		if (f->fid == fid)
			return f;
	return NULL;
}

static int grow(struct sfs_fidtab *t)
{
	size_t n = t->b ? (t->mask + 1) * 2 : 64;
	struct sfs_fid **b = calloc(n, sizeof *b), **old = t->b;
	size_t oldn = t->b ? t->mask + 1 : 0;
	if (!b)
		return -ENOMEM;
	t->b = b;
	t->mask = n - 1;
	for (size_t i = 0; i < oldn; i++) {
		struct sfs_fid *f = old[i], *nx;
		for (; f; f = nx) {
			size_t k = slot(t, f->fid);
			nx = f->next;
			f->next = b[k];
			b[k] = f;
		}
	}
	free(old);
	return 0;
}

struct sfs_fid *sfs_fid_new(struct sfs_fidtab *t, uint32_t fid, int *err)
{
	struct sfs_fid *f;
	if (fid == P9_NOFID) { /* intro(5): NOFID is not a fid */
		*err = -EBADF;
		return NULL;
	}
	if (sfs_fid_get(t, fid)) {
		*err = -EEXIST;
		return NULL;
	}
	if (t->max && t->n >= t->max) {
		*err = -EMFILE;
		return NULL;
	}
	if (t->maxtotal && t->total && *t->total >= t->maxtotal) {
		*err = -ENFILE;
		return NULL;
	}
	if ((!t->b || t->n >= t->mask) && grow(t) < 0 && !t->b) {
		*err = -ENOMEM;
		return NULL;
	}
	if (!(f = calloc(1, sizeof *f))) {
		*err = -ENOMEM;
		return NULL;
	}
	f->fid = fid;
	size_t k = slot(t, fid);
	f->next = t->b[k];
	t->b[k] = f;
	t->n++;
	if (t->total)
		(*t->total)++;
	return f;
}

struct sfs_fid *sfs_fid_take(struct sfs_fidtab *t, uint32_t fid)
{
	struct sfs_fid **pp;
	if (!t->b)
		return NULL;
	for (pp = &t->b[slot(t, fid)]; *pp; pp = &(*pp)->next) {
		if ((*pp)->fid == fid) {
			struct sfs_fid *f = *pp;
			*pp = f->next;
			t->n--;
			if (t->total)
				(*t->total)--;
			return f;
		}
	}
	return NULL;
}

void sfs_fidtab_clear(struct sfs_fidtab *t,
		      void (*release)(void *arg, struct sfs_fid *f), void *arg)
{
	for (size_t i = 0; t->b && i <= t->mask; i++) {
		struct sfs_fid *f = t->b[i], *nx;
		t->b[i] = NULL;
		for (; f; f = nx) {
			nx = f->next;
			t->n--;
			if (t->total)
				(*t->total)--;
			release(arg, f);
		}
	}
}

void sfs_fidtab_free(struct sfs_fidtab *t)
{
	free(t->b);
	t->b = NULL;
	t->mask = t->n = 0;
}
