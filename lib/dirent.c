/*
 * dirent.c - directory payloads: 9P2000.L Rreaddir entries and the packed
 * stat records that a 9P2000/.u Tread of a directory returns.
 *
 * Owns: entry iteration that stops with an error on a partial trailing
 * entry (a real server bug), and the matching encoders for servers.  The
 * fields of both records come from their tables (rectab.c).
 */
#include <errno.h>

#include "buf.h"
#include "p9.h"

/* The next record of a payload: a reader r over data from *pos, or 0
 * when the payload is done. */
static int next_at(struct p9_rd *r, const uint8_t *data, size_t len,
		   size_t pos)
{
	if (pos >= len)
		return 0;
	p9_rd_init(r, data, len);
	r->pos = pos;
	return 1;
}

/* The record r has read: its error, or 1 with *pos moved past it. */
static int next_done(const struct p9_rd *r, size_t *pos)
{
	if (r->err)
		return r->err;
	*pos = r->pos;
	return 1;
}

/* A record w has written: its length, or w's error. */
static long put_done(const struct p9_wr *w)
{
	return w->err ? w->err : (long)w->pos;
}

int p9_dirent_next(const uint8_t *data, size_t len, size_t *pos,
		   struct p9_dirent *e)
{
	struct p9_rd r;
	if (!next_at(&r, data, len, *pos))
		return 0;
	p9_rd_rec(&r, p9_dirent_def(), e, P9_DL);
	return next_done(&r, pos);
}

long p9_dirent_put(uint8_t *buf, size_t cap, const struct p9_dirent *e)
{
	struct p9_wr w;
	p9_wr_init(&w, buf, cap);
	p9_wr_rec(&w, p9_dirent_def(), e, P9_DL);
	return put_done(&w);
}

int p9_stat_next(const uint8_t *data, size_t len, int dialect, size_t *pos,
		 struct p9_stat *st)
{
	struct p9_rd r;
	if (!next_at(&r, data, len, *pos))
		return 0;
	p9_rd_stat(&r, st, dialect);
	return next_done(&r, pos);
}

long p9_stat_put(uint8_t *buf, size_t cap, const struct p9_stat *st, int dialect)
{
	struct p9_wr w;
	if (p9_stat_wire_size(st, dialect) - 2 > 0xFFFF)
		return -EINVAL; /* size[2] cannot hold it */
	p9_wr_init(&w, buf, cap);
	p9_wr_stat(&w, st, dialect);
	return put_done(&w);
}
