/*
 * model.c - the explorer's in-memory model of the scratch tree and of each
 * fid.  Owns struct xnode (a file, directory or symlink: data, size, mode,
 * links, the qid.path the server gave it) and struct xlisting (a readdir
 * listing in progress: which names were seen, which were touched by a
 * mutation since it started, snapshots for resumed offsets).  For every
 * step it predicts the reply (model_expect: success and/or a set of
 * errnos, or a step whose precondition is false and is not sent), builds
 * the request (model_build) and checks the reply and applies it
 * (model_apply): exact read data, sizes, qid identity and type, and the
 * exactly-once rule of directory listings under mutation.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "explore.h"
#include "lflags.h"
#include "xalloc.h"

enum { S_IFMT_ = 0170000, S_IFDIR_ = 0040000, S_IFREG_ = 0100000, S_IFLNK_ = 0120000 };

struct xnode {
	int live;
	char type;            /* 'd' 'f' 'l' */
	uint8_t *data;
	uint64_t size, cap;
	uint32_t mode;
	int modeknown;
	int nlink;
	int parent;           /* directories */
	int kid[X_NNAMES];    /* directories: node of each pool name, -1 */
	char target[8];       /* symlinks */
	uint64_t qpath;
	int qknown;
};

struct xsnap {
	uint32_t id;
	uint64_t off;
	uint8_t seen[X_NNAMES];
};

struct xlisting {
	int active, dir;
	uint8_t seen[X_NNAMES];
	uint16_t stable, touched;
	int nsnap;
	struct xsnap snap[X_MAXSNAP];
	uint32_t last;
};

static const char *const pool[X_NNAMES] = { "a", "b", "c", "d", "e", "f" };

const char *model_name(uint8_t i)
{
	if (i == X_NAME_DOTDOT)
		return "..";
	if (i < X_NNAMES)
		return pool[i];
	return "zz";
}

int model_fidnum(uint8_t slot)
{
	return slot ? slot : X_SCRATCH_FID;
}

static int node_new(struct xmodel *m, char type)
{
	if (m->nnodes >= X_MAXNODES)
		return -1;
	struct xnode *n = &m->nodes[m->nnodes];
	memset(n, 0, sizeof *n);
	n->live = 1;
	n->type = type;
	n->nlink = 1;
	n->parent = -1;
	for (int i = 0; i < X_NNAMES; i++)
		n->kid[i] = -1;
	return m->nnodes++;
}

void model_init(struct xmodel *m, uint32_t maxbytes, uint32_t iomax)
{
	memset(m, 0, sizeof *m);
	m->nodes = xcalloc(X_MAXNODES, sizeof *m->nodes);
	m->lst = xcalloc(X_MAXFIDS, sizeof *m->lst);
	m->maxbytes = maxbytes;
	m->iomax = iomax;
	int root = node_new(m, 'd');
	m->nodes[root].parent = root;
	m->fid[0].inuse = 1;
	m->fid[0].node = root;
}

void model_free(struct xmodel *m)
{
	for (int i = 0; i < m->nnodes; i++)
		free(m->nodes[i].data);
	free(m->nodes);
	free(m->lst);
	m->nodes = NULL;
	m->lst = NULL;
}

/* ---- facts ---- */

static struct xnode *fnode(const struct xmodel *m, uint8_t slot)
{
	const struct xfid *f = &m->fid[slot];
	return f->inuse && !f->stale ? &m->nodes[f->node] : NULL;
}

int model_fid_kind(const struct xmodel *m, uint8_t slot)
{
	const struct xnode *n = fnode(m, slot);
	return n ? n->type : 0;
}

uint64_t model_fid_size(const struct xmodel *m, uint8_t slot)
{
	const struct xnode *n = fnode(m, slot);
	return n ? n->size : 0;
}

uint32_t model_last_readdir(const struct xmodel *m, uint8_t slot)
{
	const struct xlisting *l = &m->lst[slot];
	return l->active ? l->last : 0;
}

int model_depth(const struct xmodel *m, uint8_t slot)
{
	const struct xnode *n = fnode(m, slot);
	int d = 0;
	if (!n)
		return -1;
	for (int i = m->fid[slot].node; i != 0 && d < 64; i = m->nodes[i].parent)
		d++;
	return d;
}

int model_resume(const struct xmodel *m, uint8_t slot, uint32_t id, uint64_t *off)
{
	const struct xlisting *l = &m->lst[slot];
	for (int i = l->nsnap - 1; l->active && i >= 0; i--)
		if (l->snap[i].id == id) {
			*off = l->snap[i].off;
			return 0;
		}
	return -1;
}

const char *model_choice_name(int c)
{
	static const char *const n[XC_COUNT] = {
		"readdir lists . and ..", "readdir omits . and ..",
		"Tlcreate of an existing name opens it", "Tlcreate of an existing name: EEXIST",
		"Tunlinkat EOPNOTSUPP: walk + Tremove", "qid.version changes on a size change",
		"qid.version static",
	};
	return c >= 0 && c < XC_COUNT ? n[c] : "?";
}

/* ---- mutations the listings must know about ---- */

static void touch(struct xmodel *m, int dir, uint8_t name)
{
	for (int s = 0; s < X_MAXFIDS; s++)
		if (m->lst[s].active && m->lst[s].dir == dir)
			m->lst[s].touched |= (uint16_t)(1u << name);
}

static int under(const struct xmodel *m, int n, int top)
{
	for (int d = 0; d < 64; d++) {
		if (n == top)
			return 1;
		if (n == 0)
			return 0;
		n = m->nodes[n].parent;
	}
	return 0;
}

/* Fids on n or under it no longer follow their file (path-based servers
 * differ): they are only clunked from now on. */
static void stale_under(struct xmodel *m, int n)
{
	for (int s = 1; s < X_MAXFIDS; s++)
		if (m->fid[s].inuse && under(m, m->fid[s].node, n)) {
			m->fid[s].stale = 1;
			m->lst[s].active = 0;
		}
}

/* A name of n goes.  Fids on n are stale even if n keeps other names: on
 * servers whose fids are paths (QEMU, diod) they no longer reach it. */
static void drop_link(struct xmodel *m, int n)
{
	struct xnode *x = &m->nodes[n];
	stale_under(m, n);
	if (--x->nlink <= 0 || x->type == 'd')
		x->live = 0;
}

static int nkids(const struct xnode *d)
{
	int k = 0;
	for (int i = 0; i < X_NNAMES; i++)
		k += d->kid[i] >= 0;
	return k;
}

/* ---- data ---- */

static void resize(struct xnode *n, uint64_t size)
{
	if (size > n->cap) {
		uint64_t c = n->cap ? n->cap : 256;
		while (c < size)
			c *= 2;
		n->data = xrealloc(n->data, c);
		memset(n->data + n->cap, 0, c - n->cap);
		n->cap = c;
	}
	if (size < n->size)
		memset(n->data + size, 0, n->size - size);
	n->size = size;
}

#define ERR(e) (1ull << (e))
#define SKIP() do { e->skip = 1; return; } while (0)
#define FAILS(set) do { e->ok = 0; e->errs = (set); return; } while (0)

static void expect_walk(struct xmodel *m, const struct xstep *st, struct xexpect *e)
{
	int n = m->fid[st->fid].node;
	if (m->fid[st->fid].open || m->fid[st->newfid].inuse || st->newfid == st->fid)
		SKIP();
	e->rtype = P9_RWALK;
	for (int i = 0; i < st->nname; i++) {
		uint8_t nm = st->name[i];
		if (nm == X_NAME_DOTDOT && m->nodes[n].type == 'd') {
			if (n == 0)
				SKIP();
			n = m->nodes[n].parent;
			continue;
		}
		if (m->nodes[n].type != 'd' || nm >= X_NNAMES || m->nodes[n].kid[nm] < 0) {
			if (i == 0)
				FAILS(m->nodes[n].type == 'd' ? ERR(ENOENT) : ERR(ENOTDIR) | ERR(ENOENT));
			return; /* a partial Rwalk */
		}
		n = m->nodes[n].kid[nm];
	}
}

static int kid_of(const struct xmodel *m, uint8_t slot, uint8_t name)
{
	return name < X_NNAMES ? m->nodes[m->fid[slot].node].kid[name] : -1;
}

static void expect_lcreate(struct xmodel *m, const struct xstep *st, struct xexpect *e)
{
	if (m->fid[st->fid].open || model_fid_kind(m, st->fid) != 'd' ||
	    st->name[0] >= X_NNAMES || st->fid == 0)
		SKIP();
	int k = kid_of(m, st->fid, st->name[0]);
	e->rtype = P9_RLCREATE;
	if (k < 0)
		return;
	if (m->nodes[k].type == 'l')
		SKIP(); /* O_CREAT would follow it out of the model */
	if (st->flags & P9_L_O_EXCL)
		FAILS(ERR(EEXIST));
	if (m->nodes[k].type == 'd')
		FAILS(ERR(EEXIST) | ERR(EISDIR));
	e->errs = ERR(EEXIST); /* a choice: open it, or refuse */
}

static void expect_lopen(struct xmodel *m, const struct xstep *st, struct xexpect *e)
{
	int kind = model_fid_kind(m, st->fid);
	if (!kind || kind == 'l' || m->fid[st->fid].open || st->fid == 0)
		SKIP();
	e->rtype = P9_RLOPEN;
	if (kind == 'd' && (st->flags & P9_L_O_ACCMODE) != P9_L_O_RDONLY)
		FAILS(ERR(EISDIR));
}

static void expect_io(struct xmodel *m, const struct xstep *st, struct xexpect *e)
{
	const struct xfid *f = &m->fid[st->fid];
	if (model_fid_kind(m, st->fid) != 'f' || !f->open)
		SKIP();
	if (st->op == XO_READ) {
		e->rtype = P9_RREAD;
		if (!f->rd)
			FAILS(ERR(EBADF));
	} else if (st->op == XO_WRITE) {
		e->rtype = P9_RWRITE;
		if (!f->wr)
			FAILS(ERR(EBADF));
	} else {
		e->rtype = P9_RFSYNC;
	}
}

static void expect_attr(struct xmodel *m, const struct xstep *st, struct xexpect *e)
{
	int kind = model_fid_kind(m, st->fid);
	if (!kind)
		SKIP();
	switch (st->op) {
	case XO_SETSIZE:
		if (kind != 'f')
			SKIP();
		e->rtype = P9_RSETATTR;
		break;
	case XO_SETMODE:
		if (kind == 'l')
			SKIP();
		e->rtype = P9_RSETATTR;
		break;
	case XO_GETATTR: e->rtype = P9_RGETATTR; break;
	case XO_STATFS: e->rtype = P9_RSTATFS; break;
	case XO_READLINK:
		e->rtype = P9_RREADLINK;
		if (kind != 'l')
			FAILS(ERR(EINVAL));
		break;
	}
}

static void expect_make(struct xmodel *m, const struct xstep *st, struct xexpect *e)
{
	if (model_fid_kind(m, st->fid) != 'd' || st->name[0] >= X_NNAMES)
		SKIP();
	int k = kid_of(m, st->fid, st->name[0]);
	e->rtype = st->op == XO_MKDIR ? P9_RMKDIR : st->op == XO_SYMLINK ? P9_RSYMLINK : P9_RLINK;
	if (st->op == XO_LINK) {
		int kind = model_fid_kind(m, st->fid2);
		if (kind != 'f' && kind != 'l')
			SKIP();
	}
	if (k >= 0)
		FAILS(ERR(EEXIST));
}

static void expect_rename(struct xmodel *m, const struct xstep *st, struct xexpect *e)
{
	if (m->no_renameat || model_fid_kind(m, st->fid) != 'd' ||
	    model_fid_kind(m, st->fid2) != 'd' || st->name2 >= X_NNAMES)
		SKIP();
	e->rtype = P9_RRENAMEAT;
	int s = kid_of(m, st->fid, st->name[0]), t = kid_of(m, st->fid2, st->name2);
	int nd = m->fid[st->fid2].node;
	if (s < 0)
		FAILS(ERR(ENOENT));
	if (s == t)
		return;
	if (m->nodes[s].type == 'd') {
		if (under(m, nd, s))
			FAILS(ERR(EINVAL));
		if (t >= 0 && m->nodes[t].type != 'd')
			FAILS(ERR(ENOTDIR));
		if (t >= 0 && nkids(&m->nodes[t]))
			FAILS(ERR(ENOTEMPTY) | ERR(EEXIST));
	} else if (t >= 0 && m->nodes[t].type == 'd') {
		FAILS(ERR(EISDIR));
	}
}

static void expect_unlink(struct xmodel *m, const struct xstep *st, struct xexpect *e)
{
	if (model_fid_kind(m, st->fid) != 'd')
		SKIP();
	int k = kid_of(m, st->fid, st->name[0]);
	int rmdir = (st->flags & P9_L_AT_REMOVEDIR) != 0;
	e->rtype = P9_RUNLINKAT;
	if (k < 0)
		FAILS(ERR(ENOENT));
	int isdir = m->nodes[k].type == 'd';
	if (m->no_unlinkat && (rmdir != isdir || m->nodes[k].nlink > 1))
		SKIP(); /* Tremove cannot tell, or which name it removes is moot */
	if (rmdir && !isdir)
		FAILS(ERR(ENOTDIR));
	if (!rmdir && isdir)
		FAILS(ERR(EISDIR) | ERR(EPERM));
	if (isdir && nkids(&m->nodes[k]))
		FAILS(ERR(ENOTEMPTY) | ERR(EEXIST));
}

static void expect_readdir(struct xmodel *m, const struct xstep *st, struct xexpect *e)
{
	uint64_t off;
	if (model_fid_kind(m, st->fid) != 'd' || !m->fid[st->fid].open)
		SKIP();
	if (st->from && (!m->lst[st->fid].last ||
			 model_resume(m, st->fid, m->lst[st->fid].last, &off)))
		SKIP();
	e->from_id = st->from ? m->lst[st->fid].last : 0;
	e->rtype = P9_RREADDIR;
	if (st->count < X_READDIR_FULL)
		e->errs = ERR(EINVAL); /* too small for the next entry */
}

void model_expect(struct xmodel *m, const struct xstep *st, struct xexpect *e)
{
	memset(e, 0, sizeof *e);
	e->ok = 1;
	/* O_TRUNC with O_RDONLY is undefined (POSIX): never sent */
	if ((st->op == XO_LOPEN || st->op == XO_LCREATE) && (st->flags & P9_L_O_TRUNC) &&
	    !(st->flags & P9_L_O_ACCMODE)) {
		e->skip = 1;
		return;
	}
	if (st->fid >= X_MAXFIDS || st->fid2 >= X_MAXFIDS || st->newfid >= X_MAXFIDS ||
	    !m->fid[st->fid].inuse) {
		e->skip = 1;
		return;
	}
	if (st->op == XO_CLUNK) {
		e->skip = st->fid == 0;
		e->rtype = P9_RCLUNK;
		return;
	}
	if (m->fid[st->fid].stale) {
		e->skip = 1;
		return;
	}
	switch (st->op) {
	case XO_WALK: expect_walk(m, st, e); break;
	case XO_LCREATE: expect_lcreate(m, st, e); break;
	case XO_LOPEN: expect_lopen(m, st, e); break;
	case XO_READ: case XO_WRITE: case XO_FSYNC: expect_io(m, st, e); break;
	case XO_SETSIZE: case XO_SETMODE: case XO_GETATTR: case XO_STATFS: case XO_READLINK:
		expect_attr(m, st, e);
		break;
	case XO_MKDIR: case XO_SYMLINK: case XO_LINK: expect_make(m, st, e); break;
	case XO_RENAME: expect_rename(m, st, e); break;
	case XO_UNLINK: expect_unlink(m, st, e); break;
	case XO_READDIR: expect_readdir(m, st, e); break;
	default: e->skip = 1;
	}
}

/* ---- requests ---- */

static void build_names(const struct xstep *st, struct p9_msg *t)
{
	switch (st->op) {
	case XO_WALK:
		t->nwname = st->nname;
		for (int i = 0; i < st->nname; i++)
			t->wname[i] = p9_s(model_name(st->name[i]));
		break;
	case XO_RENAME:
		t->oldname = p9_s(model_name(st->name[0]));
		t->newname = p9_s(model_name(st->name2));
		break;
	default:
		t->name = p9_s(model_name(st->name[0]));
	}
}

static const char *const symtargets[4] = { "t0", "t1", "t2", "t3" };

int model_build(struct xmodel *m, const struct xstep *st, struct p9_msg *t, uint8_t *data)
{
	static const uint8_t type[XO_COUNT] = {
		P9_TWALK, P9_TLCREATE, P9_TLOPEN, P9_TREAD, P9_TWRITE, P9_TSETATTR,
		P9_TSETATTR, P9_TGETATTR, P9_TMKDIR, P9_TSYMLINK, P9_TREADLINK, P9_TLINK,
		P9_TRENAMEAT, P9_TUNLINKAT, P9_TREADDIR, P9_TFSYNC, P9_TSTATFS, P9_TCLUNK,
	};
	memset(t, 0, sizeof *t);
	t->type = type[st->op];
	t->fid = t->dfid = t->olddirfid = (uint32_t)model_fidnum(st->fid);
	t->newdirfid = (uint32_t)model_fidnum(st->fid2);
	t->newfid = st->newfid;
	build_names(st, t);
	t->flags = st->flags;
	t->mode = st->mode;
	t->lmode = st->mode;
	switch (st->op) {
	case XO_LINK:
		t->fid = (uint32_t)model_fidnum(st->fid2);
		break;
	case XO_SYMLINK:
		t->symtgt = p9_s(symtargets[st->dseed % 4]);
		break;
	case XO_READ:
		t->offset = st->off;
		t->count = st->count;
		break;
	case XO_WRITE:
		t->offset = st->off;
		t->count = st->count;
		p9_contract_fill(data, st->count, st->dseed);
		t->data = data;
		break;
	case XO_SETSIZE:
		t->valid = P9_SETATTR_SIZE;
		t->size = st->off;
		break;
	case XO_SETMODE:
		t->valid = P9_SETATTR_MODE;
		break;
	case XO_GETATTR:
		t->request_mask = P9_GETATTR_BASIC;
		break;
	case XO_READDIR:
		t->count = st->count;
		if (st->from)
			model_resume(m, st->fid, m->lst[st->fid].last, &t->offset);
		break;
	}
	t->valid32 = (uint32_t)t->valid;
	return 0;
}


const char *symtarget_of(uint32_t dseed)
{
	return symtargets[dseed % 4];
}

/* ---- checking a reply ---- */

static int mis(struct xfail *f, const char *check, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#include <stdarg.h>
static int mis(struct xfail *f, const char *check, const char *fmt, ...)
{
	va_list ap;
	f->failed = 1;
	snprintf(f->check, sizeof f->check, "%s", check);
	va_start(ap, fmt);
	vsnprintf(f->why, sizeof f->why, fmt, ap);
	va_end(ap);
	return -1;
}

/* A mismatch of a check the user accepted (--accept CHECK, a documented
 * deviation) is counted and passes; the model stays consistent because
 * only checks that change nothing are accepted this way. */
int accept_match(const char *list, const char *check)
{
	char buf[256], *save = NULL;
	snprintf(buf, sizeof buf, "%s", list ? list : "");
	for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
		if (fnmatch(t, check, 0) == 0)
			return 1;
	return 0;
}

static int accepted(struct xmodel *m, const char *check)
{
	if (!accept_match(m->accept, check))
		return 0;
	m->naccepted++;
	snprintf(m->lastaccepted, sizeof m->lastaccepted, "%s", check);
	return 1;
}

static int qid_check(struct xmodel *m, int n, const struct p9_qid *q, struct xfail *f,
		     const char *ctx)
{
	char ck[32];
	struct xnode *x = &m->nodes[n];
	uint8_t want = x->type == 'd' ? P9_QTDIR : x->type == 'l' ? P9_QTSYMLINK : P9_QTFILE;
	snprintf(ck, sizeof ck, "%s.qid.type", ctx);
	if ((q->type & (P9_QTDIR | P9_QTSYMLINK)) != want && !accepted(m, ck))
		return mis(f, ck, "qid.type 0x%x, the model has a %s (0x%x)", q->type,
			   x->type == 'd' ? "directory" : x->type == 'l' ? "symlink" : "file", want);
	snprintf(ck, sizeof ck, "%s.qid.path", ctx);
	if (x->qknown) {
		if (q->path != x->qpath && !accepted(m, ck))
			return mis(f, ck, "qid.path %#llx, the same file had %#llx",
				   (unsigned long long)q->path, (unsigned long long)x->qpath);
		return 0;
	}
	snprintf(ck, sizeof ck, "%s.qid.unique", ctx);
	for (int i = 0; i < m->nnodes; i++)
		if (i != n && m->nodes[i].live && m->nodes[i].qknown &&
		    m->nodes[i].qpath == q->path && !accepted(m, ck))
			return mis(f, ck, "qid.path %#llx is also another live file's",
				   (unsigned long long)q->path);
	x->qpath = q->path;
	x->qknown = 1;
	return 0;
}

static int apply_walk(struct xmodel *m, const struct xstep *st, const struct p9_msg *r,
		      struct xfail *f)
{
	int n = m->fid[st->fid].node, i;
	for (i = 0; i < st->nname; i++) {
		uint8_t nm = st->name[i];
		int next = nm == X_NAME_DOTDOT && m->nodes[n].type == 'd' ? m->nodes[n].parent
			 : m->nodes[n].type == 'd' && nm < X_NNAMES ? m->nodes[n].kid[nm] : -1;
		if (next < 0)
			break;
		if (i >= r->nwqid)
			return mis(f, "walk.nwqid", "Rwalk nwqid %u, the model walks %d names",
				   r->nwqid, i + 1);
		if (qid_check(m, next, &r->wqid[i], f, "walk"))
			return -1;
		n = next;
	}
	if (r->nwqid != i)
		return mis(f, "walk.nwqid", "Rwalk nwqid %u, the model walks %d of %u names",
			   r->nwqid, i, st->nname);
	if (i == st->nname) {
		struct xfid *nf = &m->fid[st->newfid];
		memset(nf, 0, sizeof *nf);
		nf->inuse = 1;
		nf->node = n;
	}
	return 0;
}

static void fid_open(struct xmodel *m, uint8_t slot, uint32_t flags)
{
	struct xfid *fd = &m->fid[slot];
	uint32_t acc = flags & P9_L_O_ACCMODE;
	fd->open = 1;
	fd->rd = acc != P9_L_O_WRONLY;
	fd->wr = acc != P9_L_O_RDONLY;
	fd->app = (flags & P9_L_O_APPEND) != 0;
	m->lst[slot].active = 0;
}

static int apply_lcreate(struct xmodel *m, const struct xstep *st, const struct p9_msg *r,
			 struct xfail *f)
{
	int d = m->fid[st->fid].node, k = m->nodes[d].kid[st->name[0]];
	if (k < 0) {
		if ((k = node_new(m, 'f')) < 0)
			return mis(f, "model", "too many nodes");
		m->nodes[d].kid[st->name[0]] = k;
		m->nodes[k].parent = d;
		touch(m, d, st->name[0]);
	} else {
		m->choice[XC_LCREATE_OPENS]++;
		if ((st->flags & P9_L_O_TRUNC) && (st->flags & P9_L_O_ACCMODE))
			resize(&m->nodes[k], 0);
	}
	if (qid_check(m, k, &r->qid, f, "lcreate"))
		return -1;
	m->fid[st->fid].node = k;
	fid_open(m, st->fid, st->flags);
	return 0;
}

static int apply_read(struct xmodel *m, const struct xstep *st, const struct p9_msg *r,
		      struct xfail *f)
{
	const struct xnode *n = &m->nodes[m->fid[st->fid].node];
	uint64_t want = st->off >= n->size ? 0 : n->size - st->off;
	if (want > st->count)
		want = st->count;
	if (r->count != want)
		return mis(f, "read.count", "Rread count %u at offset %llu, the model has %llu "
			   "(size %llu)", r->count, (unsigned long long)st->off,
			   (unsigned long long)want, (unsigned long long)n->size);
	for (uint64_t i = 0; i < want; i++)
		if (r->data[i] != n->data[st->off + i])
			return mis(f, "read.data", "Rread byte %llu (file offset %llu) is 0x%02x, "
				   "the model has 0x%02x", (unsigned long long)i,
				   (unsigned long long)(st->off + i), r->data[i],
				   n->data[st->off + i]);
	return 0;
}

static int apply_write(struct xmodel *m, const struct xstep *st, const struct p9_msg *r,
		       struct xfail *f)
{
	struct xfid *fd = &m->fid[st->fid];
	struct xnode *n = &m->nodes[fd->node];
	if (r->count == 0 || r->count > st->count)
		return mis(f, "write.count", "Rwrite count %u for a Twrite of %u", r->count,
			   st->count);
	uint64_t at = fd->app ? n->size : st->off;
	if (at + r->count > n->size)
		resize(n, at + r->count);
	p9_contract_fill(n->data + at, r->count, st->dseed);
	return 0;
}

static int apply_getattr(struct xmodel *m, const struct xstep *st, const struct p9_msg *r,
			 struct xfail *f)
{
	const struct xnode *n = &m->nodes[m->fid[st->fid].node];
	uint32_t fmt = n->type == 'd' ? S_IFDIR_ : n->type == 'l' ? S_IFLNK_ : S_IFREG_;
	if (qid_check(m, m->fid[st->fid].node, &r->qid, f, "getattr"))
		return -1;
	if ((r->valid & P9_GETATTR_MODE) && (r->lmode & S_IFMT_) != fmt)
		return mis(f, "getattr.mode", "Rgetattr mode %#o, the model has type %#o",
			   r->lmode, fmt);
	if ((r->valid & P9_GETATTR_MODE) && n->modeknown && (r->lmode & 07777) != n->mode)
		return mis(f, "getattr.mode", "Rgetattr mode %#o, set to %#o", r->lmode & 07777,
			   n->mode);
	if (n->type == 'f' && (r->valid & P9_GETATTR_SIZE) && r->size != n->size)
		return mis(f, "getattr.size", "Rgetattr size %llu, the model has %llu",
			   (unsigned long long)r->size, (unsigned long long)n->size);
	if (n->type == 'f' && (r->valid & P9_GETATTR_NLINK) && r->nlink != (uint64_t)n->nlink)
		return mis(f, "getattr.nlink", "Rgetattr nlink %llu, the model has %d",
			   (unsigned long long)r->nlink, n->nlink);
	return 0;
}

static int apply_make(struct xmodel *m, const struct xstep *st, const struct p9_msg *r,
		      struct xfail *f)
{
	int d = m->fid[st->fid].node, k;
	if (st->op == XO_LINK) {
		k = m->fid[st->fid2].node;
		m->nodes[k].nlink++;
	} else if ((k = node_new(m, st->op == XO_MKDIR ? 'd' : 'l')) < 0) {
		return mis(f, "model", "too many nodes");
	} else {
		m->nodes[k].parent = d;
		snprintf(m->nodes[k].target, sizeof m->nodes[k].target, "%s",
			 symtarget_of(st->dseed));
	}
	m->nodes[d].kid[st->name[0]] = k;
	touch(m, d, st->name[0]);
	return st->op == XO_LINK ? 0 : qid_check(m, k, &r->qid, f, st->op == XO_MKDIR ? "mkdir" : "symlink");
}

static void apply_rename(struct xmodel *m, const struct xstep *st)
{
	int od = m->fid[st->fid].node, nd = m->fid[st->fid2].node;
	int s = m->nodes[od].kid[st->name[0]], t = m->nodes[nd].kid[st->name2];
	if (s == t)
		return;
	if (t >= 0)
		drop_link(m, t);
	m->nodes[od].kid[st->name[0]] = -1;
	m->nodes[nd].kid[st->name2] = s;
	if (m->nodes[s].type == 'd')
		m->nodes[s].parent = nd;
	touch(m, od, st->name[0]);
	touch(m, nd, st->name2);
	stale_under(m, s);
}

static void apply_unlink(struct xmodel *m, const struct xstep *st)
{
	int d = m->fid[st->fid].node, k = m->nodes[d].kid[st->name[0]];
	m->nodes[d].kid[st->name[0]] = -1;
	touch(m, d, st->name[0]);
	drop_link(m, k);
}

static void snap_push(struct xlisting *l, uint32_t id, uint64_t off)
{
	if (l->nsnap == X_MAXSNAP) {
		memmove(l->snap, l->snap + 1, (X_MAXSNAP - 1) * sizeof *l->snap);
		l->nsnap--;
	}
	struct xsnap *s = &l->snap[l->nsnap++];
	s->id = id;
	s->off = off;
	memcpy(s->seen, l->seen, sizeof s->seen);
	l->last = id;
}

/* Where the listing of slot resumes for st: a fresh start at offset 0. */
static void listing_start(struct xmodel *m, const struct xstep *st)
{
	struct xlisting *l = &m->lst[st->fid];
	const struct xnode *d = &m->nodes[m->fid[st->fid].node];
	if (st->from) {
		for (int i = l->nsnap - 1; i >= 0; i--)
			if (l->snap[i].id == l->last) {
				memcpy(l->seen, l->snap[i].seen, sizeof l->seen);
				break;
			}
		return;
	}
	memset(l, 0, sizeof *l);
	l->active = 1;
	l->dir = m->fid[st->fid].node;
	for (int i = 0; i < X_NNAMES; i++)
		if (d->kid[i] >= 0)
			l->stable |= (uint16_t)(1u << i);
}

static int entry_check(struct xmodel *m, struct xlisting *l, const struct p9_dirent *e,
		       struct xfail *f)
{
	char name[64];
	unsigned i;
	p9_strcpy(name, sizeof name, e->name);
	if (!strcmp(name, ".") || !strcmp(name, "..")) {
		m->choice[XC_DOTS_LISTED]++;
		return 0;
	}
	for (i = 0; i < X_NNAMES && strcmp(name, pool[i]); i++)
		;
	if (i == X_NNAMES)
		return mis(f, "readdir.name", "Rreaddir lists \"%s\", which the model never made",
			   name);
	int touched = (l->touched >> i) & 1, k = m->nodes[l->dir].kid[i];
	if (!touched && k < 0)
		return mis(f, "readdir.name", "Rreaddir lists \"%s\", which was removed before "
			   "the listing began", name);
	if (!touched && l->seen[i])
		return mis(f, "readdir.once", "Rreaddir lists \"%s\" a second time in one "
			   "listing (no change to it since the listing began)", name);
	l->seen[i]++;
	if (!touched && qid_check(m, k, &e->qid, f, "readdir"))
		return -1;
	return 0;
}

static int listing_end(struct xmodel *m, struct xlisting *l, struct xfail *f)
{
	(void)m;
	for (int i = 0; i < X_NNAMES; i++)
		if (((l->stable & ~l->touched) >> i) & 1 && !l->seen[i])
			return mis(f, "readdir.once", "the listing ended without \"%s\", present "
				   "and untouched since the listing began", pool[i]);
	return 0;
}

static int apply_readdir(struct xmodel *m, const struct xstep *st, const struct p9_msg *r,
			 struct xfail *f)
{
	struct xlisting *l = &m->lst[st->fid];
	struct p9_dirent e;
	size_t pos = 0;
	int n = 0, rc;
	uint64_t off = 0;
	if (st->from)
		model_resume(m, st->fid, l->last, &off);
	if (r->count > st->count)
		return mis(f, "readdir.count", "Rreaddir of %u bytes for a count of %u",
			   r->count, st->count);
	listing_start(m, st);
	while ((rc = p9_dirent_next(r->data, r->count, &pos, &e)) == 1) {
		if (entry_check(m, l, &e, f))
			return -1;
		off = e.offset;
		n++;
	}
	if (rc < 0)
		return mis(f, "readdir.entry", "Rreaddir: malformed or partial entry at byte %zu "
			   "of %u", pos, r->count);
	if (n == 0 && st->count >= X_READDIR_FULL && listing_end(m, l, f))
		return -1;
	snap_push(l, st->id, off);
	if (m->choice[XC_DOTS_LISTED] == 0 && n == 0 && st->count >= X_READDIR_FULL)
		m->choice[XC_DOTS_OMITTED]++;
	return 0;
}

static int apply_ok(struct xmodel *m, const struct xstep *st, const struct p9_msg *r,
		    struct xfail *f)
{
	struct xfid *fd = &m->fid[st->fid];
	switch (st->op) {
	case XO_WALK: return apply_walk(m, st, r, f);
	case XO_LCREATE: return apply_lcreate(m, st, r, f);
	case XO_LOPEN:
		if (st->flags & P9_L_O_TRUNC && st->flags & P9_L_O_ACCMODE)
			resize(&m->nodes[fd->node], 0);
		fid_open(m, st->fid, st->flags);
		return qid_check(m, fd->node, &r->qid, f, "lopen");
	case XO_READ: return apply_read(m, st, r, f);
	case XO_WRITE: return apply_write(m, st, r, f);
	case XO_SETSIZE: resize(&m->nodes[fd->node], st->off); return 0;
	case XO_SETMODE:
		m->nodes[fd->node].mode = st->mode & 07777;
		m->nodes[fd->node].modeknown = 1;
		return 0;
	case XO_GETATTR: return apply_getattr(m, st, r, f);
	case XO_MKDIR: case XO_SYMLINK: case XO_LINK: return apply_make(m, st, r, f);
	case XO_READLINK: {
		const char *t = m->nodes[fd->node].target;
		if (!p9_streq(r->target, t))
			return mis(f, "readlink.target", "Rreadlink \"%.*s\", the link holds \"%s\"",
				   r->target.len, r->target.p, t);
		return 0;
	}
	case XO_RENAME: apply_rename(m, st); return 0;
	case XO_UNLINK: apply_unlink(m, st); return 0;
	case XO_READDIR: return apply_readdir(m, st, r, f);
	case XO_CLUNK:
		memset(fd, 0, sizeof *fd);
		m->lst[st->fid].active = 0;
		return 0;
	}
	return 0;
}

/* A success the model did not expect, accepted (--accept success.Tmsg):
 * what the server did, where the model can follow; 0 where it cannot (the
 * sequence then ends). */
static int accept_success(struct xmodel *m, const struct xstep *st, const struct p9_msg *r)
{
	switch (st->op) {
	case XO_LOPEN: /* a directory opened for writing */
		fid_open(m, st->fid, P9_L_O_RDONLY);
		return 1;
	case XO_WALK: /* a walk from a non-directory: newfid exists, unknown */
		if (r->nwqid != st->nname)
			return 1;
		memset(&m->fid[st->newfid], 0, sizeof m->fid[st->newfid]);
		m->fid[st->newfid].inuse = m->fid[st->newfid].stale = 1;
		return 1;
	case XO_UNLINK: /* a directory removed without AT_REMOVEDIR */
		if (m->nodes[kid_of(m, st->fid, st->name[0])].type != 'd')
			return 0;
		apply_unlink(m, st);
		return 1;
	}
	return 0;
}

int model_apply(struct xmodel *m, const struct xstep *st, const struct xexpect *e,
		const struct p9_reply *r, struct xfail *f)
{
	int err = p9_reply_errno(r);
	if (r->decode_rc)
		return mis(f, "decode", "undecodable reply: %s", r->derr.what);
	if (err) {
		if (err < 64 && (e->errs >> err) & 1) {
			if (st->op == XO_LCREATE && e->ok)
				m->choice[XC_LCREATE_EEXIST]++;
			if (st->op == XO_CLUNK)
				memset(&m->fid[st->fid], 0, sizeof m->fid[st->fid]);
			return 0;
		}
		char ck[32];
		snprintf(ck, sizeof ck, "errno.%s.%s", p9_typename(r->reqtype),
			 p9_errno_name((uint32_t)err) ? p9_errno_name((uint32_t)err) : "?");
		if (!e->ok && accepted(m, ck))
			return 0;
		if (e->ok && st->op == XO_STATFS && (err == ENOENT || err == ELOOP) &&
		    m->nodes[m->fid[st->fid].node].type == 'l')
			return 0; /* statfs follows the (dangling) link, or refuses to */
		if (e->ok)
			return mis(f, ck, "%s: error %s, the model expects success",
				   p9_typename(r->m.type), p9_errno_name((uint32_t)err) ?
				   p9_errno_name((uint32_t)err) : "?");
		return mis(f, ck, "error %s is not among the errors allowed here",
			   p9_errno_name((uint32_t)err) ? p9_errno_name((uint32_t)err) : "?");
	}
	if (r->m.type != e->rtype)
		return mis(f, "reply.type", "%s, the model expects %s", p9_typename(r->m.type),
			   e->ok ? p9_typename(e->rtype) : "an error");
	if (!e->ok) {
		char ck[32];
		snprintf(ck, sizeof ck, "success.%s", p9_typename(e->rtype - 1));
		if (accepted(m, ck) && accept_success(m, st, &r->m))
			return 0;
		return mis(f, ck, "%s succeeded, the model expects an error",
			   p9_typename(e->rtype - 1));
	}
	return apply_ok(m, st, &r->m, f);
}
