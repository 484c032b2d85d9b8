/*
 * gen.c - the explorer's seeded generator: a xorshift random source and
 * one operation at a time, chosen with weights and shaped by what the model
 * knows (which fid slots are free, which point at files or directories,
 * how big a file is) so that most steps are valid and the rest probe the
 * error paths: walks through files, '..', missing names, creating over
 * existing names, unlinking non-empty directories.
 */
#include <string.h>

#include "explore.h"
#include "lflags.h"

uint64_t rng_next(struct xrng *r)
{
	uint64_t x = r->s ? r->s : 0x9e3779b97f4a7c15ull;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return r->s = x;
}

uint32_t rng_below(struct xrng *r, uint32_t n)
{
	return n ? (uint32_t)(rng_next(r) % n) : 0;
}

/* Operation weights, in enum xop order. */
static const uint8_t weight[XO_COUNT] = {
	14, 8, 6, 10, 12, 3, 2, 5, 4, 2, 1, 2, 3, 4, 10, 1, 1, 4,
};

static uint8_t pick_op(struct xrng *r)
{
	unsigned total = 0, x;
	for (int i = 0; i < XO_COUNT; i++)
		total += weight[i];
	x = rng_below(r, total);
	for (uint8_t i = 0; i < XO_COUNT; i++) {
		if (x < weight[i])
			return i;
		x -= weight[i];
	}
	return XO_GETATTR;
}

/* A slot in use whose kind is want (0: any), or -1. */
static int pick_fid(struct xrng *r, const struct xmodel *m, uint32_t nfids, int want)
{
	int cand[X_MAXFIDS], n = 0;
	for (uint32_t s = 0; s < nfids; s++) {
		int k = model_fid_kind(m, (uint8_t)s);
		if (k && (!want || k == want))
			cand[n++] = (int)s;
	}
	return n ? cand[rng_below(r, (uint32_t)n)] : -1;
}

static int free_fid(struct xrng *r, const struct xmodel *m, uint32_t nfids)
{
	int cand[X_MAXFIDS], n = 0;
	for (uint32_t s = 1; s < nfids; s++)
		if (!m->fid[s].inuse)
			cand[n++] = (int)s;
	return n ? cand[rng_below(r, (uint32_t)n)] : -1;
}

static uint8_t pick_name(struct xrng *r)
{
	return rng_below(r, 16) == 0 ? X_NAME_MISSING : (uint8_t)rng_below(r, X_NNAMES);
}

static void gen_walk(struct xrng *r, const struct xmodel *m, struct xstep *st, uint32_t nfids)
{
	int nf = free_fid(r, m, nfids);
	if (nf < 0) { /* every slot in use: clunk one */
		st->op = XO_CLUNK;
		st->fid = (uint8_t)(1 + rng_below(r, nfids - 1));
		return;
	}
	st->newfid = (uint8_t)nf;
	st->nname = (uint8_t)rng_below(r, 4);
	for (int i = 0; i < st->nname; i++)
		st->name[i] = rng_below(r, 6) == 0 ? X_NAME_DOTDOT : pick_name(r);
}

static uint32_t pick_flags(struct xrng *r)
{
	static const uint32_t acc[3] = { P9_L_O_RDONLY, P9_L_O_WRONLY, P9_L_O_RDWR };
	uint32_t fl = acc[rng_below(r, 8) == 0 ? 0 : 1 + rng_below(r, 2)];
	if (rng_below(r, 4) == 0)
		fl |= P9_L_O_APPEND;
	if ((fl & P9_L_O_ACCMODE) && rng_below(r, 5) == 0)
		fl |= P9_L_O_TRUNC;
	return fl;
}

static void gen_io(struct xrng *r, const struct xmodel *m, struct xstep *st)
{
	uint64_t size = model_fid_size(m, st->fid);
	uint32_t maxc = m->iomax < m->maxbytes ? m->iomax : m->maxbytes;
	uint32_t c = rng_below(r, 3) == 0 ? 1 + rng_below(r, 16) : 1 + rng_below(r, maxc);
	uint64_t lim = m->maxbytes > c ? m->maxbytes - c : 0;
	switch (rng_below(r, 4)) {
	case 0: st->off = 0; break;
	case 1: st->off = size < lim ? size : lim; break;  /* at the end */
	case 2: st->off = size + rng_below(r, 64); break;  /* beyond it: a hole */
	default: st->off = rng_below(r, (uint32_t)lim + 1);
	}
	if (st->off > lim)
		st->off = lim;
	st->count = c;
	st->dseed = rng_below(r, 251);
}

static void gen_readdir(struct xrng *r, const struct xmodel *m, struct xstep *st)
{
	uint32_t last = model_last_readdir(m, st->fid);
	st->count = rng_below(r, 3) == 0 ? X_READDIR_FULL + rng_below(r, 200)
					 : 26 + rng_below(r, 40);
	if (last && rng_below(r, 5) != 0)
		st->from = 1;
}

static void gen_args(struct xrng *r, const struct xmodel *m, struct xstep *st, uint32_t nfids)
{
	int d = pick_fid(r, m, nfids, 'd');
	switch (st->op) {
	case XO_WALK: gen_walk(r, m, st, nfids); break;
	case XO_LCREATE:
		if (d <= 0) { /* never the scratch fid itself: clone it first */
			st->op = XO_WALK;
			st->fid = 0;
			gen_walk(r, m, st, nfids);
			st->nname = 0;
			break;
		}
		st->flags = pick_flags(r) | (rng_below(r, 4) == 0 ? P9_L_O_EXCL : 0);
		st->mode = 0644;
		/* fall through */
	case XO_MKDIR: case XO_SYMLINK: case XO_UNLINK:
		st->fid = (uint8_t)(d < 0 ? 0 : d);
		st->name[0] = pick_name(r);
		st->mode = st->op == XO_MKDIR ? 0755 : st->mode;
		st->dseed = rng_below(r, 4);
		if (st->op == XO_UNLINK && rng_below(r, 3) == 0)
			st->flags = P9_L_AT_REMOVEDIR;
		break;
	case XO_LINK: case XO_RENAME:
		st->fid = (uint8_t)(d < 0 ? 0 : d);
		st->name[0] = pick_name(r);
		st->name2 = pick_name(r);
		d = st->op == XO_LINK ? pick_fid(r, m, nfids, 'f') : pick_fid(r, m, nfids, 'd');
		st->fid2 = (uint8_t)(d < 0 ? 0 : d);
		break;
	case XO_LOPEN:
		st->flags = pick_flags(r);
		if (model_fid_kind(m, st->fid) == 'd' && rng_below(r, 4))
			st->flags = rng_below(r, 2) ? P9_L_O_RDONLY : P9_L_O_DIRECTORY;
		break;
	case XO_READ: case XO_WRITE: gen_io(r, m, st); break;
	case XO_SETSIZE: st->off = rng_below(r, m->maxbytes + 1); break;
	case XO_SETMODE: {
		static const uint32_t modes[4] = { 0600, 0644, 0755, 0700 };
		/* a directory keeps its owner's search bit (servers that squash
		 * the user to its owner, as diod -S, would refuse walks) */
		st->mode = modes[rng_below(r, 4)];
		if (model_fid_kind(m, st->fid) == 'd')
			st->mode |= 0100;
		break;
	}
	case XO_READDIR: gen_readdir(r, m, st); break;
	}
}

void gen_step(struct xrng *r, const struct xmodel *m, struct xstep *st, uint32_t id,
	      uint32_t nfids)
{
	memset(st, 0, sizeof *st);
	st->id = id;
	st->op = pick_op(r);
	int f = pick_fid(r, m, nfids, 0);
	if (st->op == XO_READ || st->op == XO_WRITE || st->op == XO_FSYNC)
		f = pick_fid(r, m, nfids, 'f');
	if (st->op == XO_READDIR)
		f = pick_fid(r, m, nfids, 'd');
	st->fid = (uint8_t)(f < 0 ? 0 : f);
	if (st->op == XO_CLUNK && st->fid == 0)
		st->fid = (uint8_t)(1 + rng_below(r, nfids - 1));
	gen_args(r, m, st, nfids);
}
