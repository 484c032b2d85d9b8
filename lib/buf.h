/*
 * buf.h - bounds-checked little-endian reader and writer (internal to lib/).
 *
 * Owns: every byte access of the codec.  A reader never reads past its end:
 * each accessor checks the remaining length first and, on a short read,
 * latches an error (the first one wins) with the offset where it happened.
 * A writer likewise latches -ENOSPC instead of writing past its capacity.
 * Records inside messages (stat, dirent) are read and written by their
 * tables (rectab.c).
 */
#ifndef P9_BUF_H
#define P9_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "p9.h"

struct p9_rd {
	const uint8_t *p;
	size_t len, pos;
	int err;            /* 0 or negative errno */
	size_t err_off;     /* where the first error happened */
	const char *why;    /* short reason of the first error */
};

struct p9_wr {
	uint8_t *p;
	size_t cap, pos;
	int err;
};

void p9_rd_init(struct p9_rd *r, const uint8_t *p, size_t len);
void p9_rd_fail(struct p9_rd *r, int err, const char *why);
uint8_t p9_rd_u8(struct p9_rd *r);
uint16_t p9_rd_u16(struct p9_rd *r);
uint32_t p9_rd_u32(struct p9_rd *r);
uint64_t p9_rd_u64(struct p9_rd *r);
struct p9_str p9_rd_str(struct p9_rd *r);
void p9_rd_qid(struct p9_rd *r, struct p9_qid *q);
/* n bytes in place; NULL (and an error) if fewer remain. */
const uint8_t *p9_rd_bytes(struct p9_rd *r, size_t n);
/* A record by its table (rectab.c), fields on the wire in dialect; one
 * with a P9R_RECSIZE field (a stat: size[2] then the body) must fill it. */
void p9_rd_rec(struct p9_rd *r, const struct p9_recdef *d, void *rec, int dialect);
/* A 9P2000/.u stat record: size[2] then the body, which must fill it. */
void p9_rd_stat(struct p9_rd *r, struct p9_stat *st, int dialect);
static inline size_t p9_rd_left(const struct p9_rd *r)
{
	return r->len - r->pos;
}

void p9_wr_init(struct p9_wr *w, uint8_t *p, size_t cap);
void p9_wr_u8(struct p9_wr *w, uint8_t v);
void p9_wr_u16(struct p9_wr *w, uint16_t v);
void p9_wr_u32(struct p9_wr *w, uint32_t v);
void p9_wr_u64(struct p9_wr *w, uint64_t v);
void p9_wr_str(struct p9_wr *w, struct p9_str s);
void p9_wr_qid(struct p9_wr *w, const struct p9_qid *q);
void p9_wr_bytes(struct p9_wr *w, const void *src, size_t n);
void p9_wr_rec(struct p9_wr *w, const struct p9_recdef *d, const void *rec,
	       int dialect);
void p9_wr_stat(struct p9_wr *w, const struct p9_stat *st, int dialect);
/* Bytes a record takes on the wire (a stat's including its size[2]). */
size_t p9_rec_wire_size(const struct p9_recdef *d, const void *rec, int dialect);
size_t p9_stat_wire_size(const struct p9_stat *st, int dialect);
/* An integer member of kind P9K_U8..P9K_U64 at p, read or written (other
 * kinds read 0 and are not written): for message fields and record fields. */
uint64_t p9_kind_uint(const void *p, int kind);
void p9_kind_set_uint(void *p, int kind, uint64_t v);

#endif
