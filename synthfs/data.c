/*
 * data.c - the content of synthfs's writable files: sparse, in chunks.
 *
 * A file's bytes live in chunks of at most SFS_CHUNK bytes, chunk i holding
 * offsets [i * SFS_CHUNK, i * SFS_CHUNK + used); chunks are kept sorted by
 * index and grow by doubling, so a small file costs what it holds and a
 * file with data beyond 4 GiB costs only the chunks written.  Bytes below
 * the file size that no chunk holds are a hole: they read as zeros (as
 * SFS_HOLE_BYTE with --bug holes-nonzero, which also fills the gap a write
 * leaves inside a chunk).  Allocated bytes count against the tree's quota
 * when the node has quota set; a write either fits whole or fails ENOSPC.
 * Static content (cdata, contract nodes) is copied into chunks on the
 * first write.  Used by tree.c only (sfs_read, sfs_write, sfs_setattr).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "synthfs/tree.h"

enum { MIN_ALLOC = 64 };

static uint8_t fill_byte(const struct sfs_tree *t)
{
	return t->o.holes_nonzero ? SFS_HOLE_BYTE : 0;
}

/* Index of the first chunk with idx >= want. */
static size_t chunk_pos(const struct sfs_node *n, uint64_t want)
{
	size_t lo = 0, hi = n->nchunks;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (n->chunks[mid].idx < want)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct sfs_chunk *chunk_find(const struct sfs_node *n, uint64_t idx)
{
	size_t i = chunk_pos(n, idx);
	return i < n->nchunks && n->chunks[i].idx == idx ? &n->chunks[i] : NULL;
}

void sfs_data_read(const struct sfs_tree *t, const struct sfs_node *n,
		   uint64_t off, uint8_t *buf, size_t len)
{
	while (len) {
		uint64_t idx = off / SFS_CHUNK;
		size_t k = (size_t)(off % SFS_CHUNK), piece = SFS_CHUNK - k, have = 0;
		const struct sfs_chunk *c = chunk_find(n, idx);
		if (piece > len)
			piece = len;
		if (c && k < c->used) {
			have = c->used - k < piece ? c->used - k : piece;
			memcpy(buf, c->p + k, have);
		}
		memset(buf + have, fill_byte(t), piece - have);
		buf += piece;
		off += piece;
		len -= piece;
	}
}

/* The allocation a chunk needs to hold need bytes. */
static uint32_t alloc_for(uint32_t cur, size_t need, int exact)
{
	size_t a = cur ? cur : MIN_ALLOC;
	if (need <= cur)
		return cur;
	if (exact)
		return (uint32_t)need;
	while (a < need)
		a *= 2;
	return (uint32_t)(a > SFS_CHUNK ? SFS_CHUNK : a);
}

/* Bytes the write [off, off + len) adds to the allocations. */
static uint64_t grow_cost(const struct sfs_node *n, uint64_t off, size_t len,
			  int exact)
{
	uint64_t cost = 0;
	while (len) {
		size_t k = (size_t)(off % SFS_CHUNK), piece = SFS_CHUNK - k;
		const struct sfs_chunk *c = chunk_find(n, off / SFS_CHUNK);
		uint32_t cur = c ? c->alloc : 0;
		if (piece > len)
			piece = len;
		cost += alloc_for(cur, k + piece, exact) - cur;
		off += piece;
		len -= piece;
	}
	return cost;
}

/* The chunk idx with room for need bytes (made if missing). */
static struct sfs_chunk *chunk_get(struct sfs_tree *t, struct sfs_node *n,
				   uint64_t idx, size_t need, int exact)
{
	size_t i = chunk_pos(n, idx);
	struct sfs_chunk *c;
	uint32_t a;
	if (i == n->nchunks || n->chunks[i].idx != idx) {
		if (p9_grow(&n->chunks, &n->capchunks, n->nchunks,
			    sizeof *n->chunks, 4))
			return NULL;
		memmove(&n->chunks[i + 1], &n->chunks[i],
			(n->nchunks - i) * sizeof *c);
		n->nchunks++;
		n->chunks[i] = (struct sfs_chunk){ .idx = idx };
	}
	c = &n->chunks[i];
	if ((a = alloc_for(c->alloc, need, exact)) > c->alloc) {
		uint8_t *p = realloc(c->p, a);
		if (!p)
			return NULL;
		if (n->quota)
			t->used += a - c->alloc;
		c->p = p;
		c->alloc = a;
	}
	return c;
}

/* Static content becomes chunks before it is changed. */
static int unshare(struct sfs_tree *t, struct sfs_node *n)
{
	const char *src = n->cdata;
	uint64_t size = n->size;
	int rc = 0;
	if (!src)
		return 0;
	n->cdata = NULL;
	n->size = 0;
	if (size && (rc = sfs_data_write(t, n, 0, src, (size_t)size)) < 0) {
		n->cdata = src;
		n->size = size;
	}
	return rc;
}

int sfs_data_write(struct sfs_tree *t, struct sfs_node *n, uint64_t off,
		   const void *buf, size_t len)
{
	const uint8_t *b = buf;
	int exact = 0, rc;
	if ((rc = unshare(t, n)) < 0)
		return rc;
	if (n->quota && t->used + grow_cost(n, off, len, 0) > t->o.quota) {
		exact = 1; /* an exact fit near the limit */
		if (t->used + grow_cost(n, off, len, 1) > t->o.quota)
			return -ENOSPC;
	}
	while (len) {
		size_t k = (size_t)(off % SFS_CHUNK), piece = SFS_CHUNK - k;
		struct sfs_chunk *c;
		if (piece > len)
			piece = len;
		if (!(c = chunk_get(t, n, off / SFS_CHUNK, k + piece, exact)))
			return -ENOSPC;
		if (k > c->used) /* a hole inside the chunk */
			memset(c->p + c->used, fill_byte(t), k - c->used);
		memcpy(c->p + k, b, piece);
		if (k + piece > c->used)
			c->used = (uint32_t)(k + piece);
		b += piece;
		off += piece;
		len -= piece;
	}
	return 0;
}

static void chunk_free(struct sfs_tree *t, struct sfs_node *n,
		       struct sfs_chunk *c)
{
	if (n->quota)
		t->used -= c->alloc < t->used ? c->alloc : t->used;
	free(c->p);
}

int sfs_data_truncate(struct sfs_tree *t, struct sfs_node *n, uint64_t size)
{
	size_t i;
	int rc;
	if ((rc = unshare(t, n)) < 0)
		return rc;
	i = chunk_pos(n, (size + SFS_CHUNK - 1) / SFS_CHUNK);
	for (size_t j = i; j < n->nchunks; j++)
		chunk_free(t, n, &n->chunks[j]);
	n->nchunks = i;
	if (i && n->chunks[i - 1].idx == size / SFS_CHUNK &&
	    n->chunks[i - 1].used > size % SFS_CHUNK)
		n->chunks[i - 1].used = (uint32_t)(size % SFS_CHUNK);
	return 0;
}

void sfs_data_free(struct sfs_tree *t, struct sfs_node *n)
{
	for (size_t i = 0; i < n->nchunks; i++)
		chunk_free(t, n, &n->chunks[i]);
	free(n->chunks);
	n->chunks = NULL;
	n->nchunks = n->capchunks = 0;
}
