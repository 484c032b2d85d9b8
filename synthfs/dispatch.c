/*
 * dispatch.c - one handler per 9P message type: decode a request, act on
 * the tree (tree.h) and the connection's fids, encode the reply.
 *
 * Runs with the server lock held (on the main thread for inline dispatch,
 * on a worker otherwise).  Errors become Rlerror (9P2000.L, Linux errno),
 * Rerror with ename and errno (9P2000.u) or Rerror with ename (9P2000).
 * Tflush never comes here (flush.c); Tversion always runs inline.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "lib/lflags.h"
#include "synthfs/server.h"

struct ctx {
	struct sfs_server *s;
	struct sfs_conn *c;
	struct sfs_tree *t;
	const struct p9_msg *m;
	struct p9_msg r;
	uint8_t *out;
	size_t cap;
	size_t rawlen;  /* > 0: the handler wrote the whole reply itself */
	int park;
	char sbuf[4][300]; /* string storage for replies */
};

/* Byte-range locks (Tlock/Tgetlock). */
struct sfs_lock {
	struct sfs_lock *next;
	uint64_t node;
	struct sfs_conn *c;
	uint8_t type;
	uint64_t start, end; /* end exclusive; UINT64_MAX = to EOF */
	uint32_t proc_id;
	char client[64];
};
enum { VERSION_GROW = 4096 };  /* --bug version-msize-grow */

/* ---- helpers ---- */

static int dial(const struct sfs_conn *c)
{
	return c->dialect ? c->dialect : P9_D2000;
}

static int is_L(const struct ctx *x)
{
	return x->c->dialect == P9_DL;
}

static struct sfs_fid *getfid(struct ctx *x, uint32_t fid)
{
	return sfs_fid_get(&x->c->fids, fid);
}

/* The reply of type rtype to a request that carries nothing back (Rlink,
 * Rrename, ...), or the error rc of doing it. */
static int done(struct ctx *x, int rc, int rtype)
{
	if (rc < 0)
		return rc;
	x->r.type = rtype;
	return 0;
}

static void mkqid(struct ctx *x, struct sfs_node *n, struct p9_qid *q)
{
	struct sfs_attr a;
	sfs_getattr(x->t, n, &a);
	q->type = a.qtype;
	q->version = a.version;
	q->path = a.qpath;
}

static uint32_t iounit(const struct ctx *x)
{
	return x->c->msize > P9_IOHDRSZ ? x->c->msize - P9_IOHDRSZ : 0;
}

size_t sfs_reply_cap(struct sfs_conn *c)
{
	if (SFS_BUG(c->s, BUG_MSIZE_NOT_ENFORCED))
		return P9_MAXMSIZE + 64;
	return c->msize < 4096 ? 4096 : c->msize;
}

/* The largest reply data count: clamped to the msize (unless the bug). */
static uint32_t clamp_count(struct ctx *x, uint32_t count)
{
	size_t lim = x->cap - 11;
	if (!SFS_BUG(x->s, BUG_MSIZE_NOT_ENFORCED) && x->c->msize - 11 < lim)
		lim = x->c->msize - 11;
	return count > lim ? (uint32_t)lim : count;
}

static void cstr(char *dst, size_t cap, struct p9_str s)
{
	p9_strcpy(dst, cap, s);
}

static void sfs_fid_release(struct sfs_server *s, struct sfs_fid *f)
{
	if (f->node) {
		if (f->exclheld && f->node->nopen)
			f->node->nopen--;
		sfs_unref(s->tree, f->node);
	}
	free(f->xname);
	free(f->xbuf);
	free(f);
}

static void release_cb(void *arg, struct sfs_fid *f)
{
	sfs_fid_release(arg, f);
}

void sfs_conn_reset(struct sfs_conn *c)
{
	struct sfs_lock **pp = &c->s->locks;
	sfs_fidtab_clear(&c->fids, release_cb, c->s);
	while (*pp) {
		if ((*pp)->c == c) {
			struct sfs_lock *l = *pp;
			*pp = l->next;
			free(l);
		} else
			pp = &(*pp)->next;
	}
}

/* ---- errors ---- */

size_t sfs_error_reply(struct sfs_conn *c, uint16_t tag, int err,
		       uint8_t *out, size_t cap)
{
	struct p9_msg r;
	long n;
	memset(&r, 0, sizeof r);
	if (err == ENOENT && SFS_BUG(c->s, BUG_WRONG_ERRNO))
		err = EIO;
	r.tag = tag;
	r.errnum = (uint32_t)err;
	if (c->dialect == P9_DL) {
		r.type = P9_RLERROR;
	} else {
		const char *e = strerrordesc_np(err);
		r.type = P9_RERROR;
		r.ename = p9_s(e ? e : "error");
	}
	n = p9_encode(&r, dial(c), out, cap);
	return n > 0 ? (size_t)n : 0;
}

/* ---- session ---- */

static int h_version(struct ctx *x)
{
	const struct p9_msg *m = x->m;
	struct sfs_conn *c = x->c;
	uint32_t msize = m->msize;
	int d = 0;
	if (m->version.len >= 6 && memcmp(m->version.p, "9P2000", 6) == 0) {
		if (p9_streq(m->version, "9P2000.L"))
			d = P9_DL;
		else if (p9_streq(m->version, "9P2000.u"))
			d = P9_DU;
		else
			d = P9_D2000;
	}
	if (!SFS_BUG(x->s, BUG_MSIZE_NOT_ENFORCED) && msize > x->s->msize)
		msize = x->s->msize;
	if (msize > P9_MAXMSIZE)
		msize = P9_MAXMSIZE;
	if (msize < P9_MINMSIZE)
		return -EINVAL;
	sfs_conn_reset(c); /* a new session: all fids are clunked */
	c->dialect = d;
	c->msize = msize;
	x->r.type = P9_RVERSION;
	x->r.msize = msize;
	x->r.version = p9_s(d ? p9_dialect_name(d) : "unknown");
	if (SFS_BUG(x->s, BUG_VERSION_MSIZE_GROW)) {
		/* more than asked, and the server goes by it */
		uint32_t grown = m->msize > UINT32_MAX - VERSION_GROW ?
			UINT32_MAX : m->msize + VERSION_GROW;
		x->r.msize = grown;
		c->msize = grown > P9_MAXMSIZE ? P9_MAXMSIZE : grown;
	}
	if (SFS_BUG(x->s, BUG_VERSION_TAG))
		x->r.tag = (uint16_t)(m->tag + 1); /* NOTAG becomes 0 */
	return 0;
}

static int h_auth(struct ctx *x)
{
	(void)x;
	return -EOPNOTSUPP;
}

static int h_attach(struct ctx *x)
{
	char aname[4096];
	struct sfs_node *n;
	struct sfs_fid *f;
	int err;
	if (x->m->afid != P9_NOFID)
		return -EINVAL;
	cstr(aname, sizeof aname, x->m->aname);
	n = sfs_path(x->t, aname);
	if (!n)
		n = x->t->root;
	if (!(f = sfs_fid_new(&x->c->fids, x->m->fid, &err)))
		return err;
	f->node = n;
	sfs_ref(n);
	x->r.type = P9_RATTACH;
	mkqid(x, n, &x->r.qid);
	return 0;
}

/* ---- walk ---- */

/* Walk nw names w from fid to newfid; the qids go to q, their number to
 * *nq (the Rwalk's nwqid). */
static int walk_names(struct ctx *x, uint32_t fid, uint32_t newfid, unsigned nw,
		      const struct p9_str *w, struct p9_qid *q, unsigned *nq)
{
	struct sfs_fid *f = getfid(x, fid), *nf;
	struct sfs_node *n;
	int rc = 0, err;
	unsigned i;
	if (!f || newfid == P9_NOFID)
		return -EBADF;
	if (f->open || f->xkind)
		return -EBADF; /* walk(5): not from a fid opened for I/O */
	if (newfid != fid && getfid(x, newfid))
		return -EEXIST;
	n = f->node;
	for (i = 0; i < nw; i++) {
		struct sfs_node *next;
		rc = sfs_lookup(x->t, n, w[i].p, w[i].len, &next);
		if (rc < 0)
			break;
		n = next;
		mkqid(x, n, &q[i]);
	}
	*nq = i;
	if (i < nw) {
		if (i == 0 || SFS_BUG(x->s, BUG_WALK_LATER_ERROR))
			return rc;
		if (!SFS_BUG(x->s, BUG_WALK_PARTIAL_FID) || newfid == fid)
			return 0;
	}
	if (newfid == fid) {
		sfs_ref(n);
		sfs_unref(x->t, f->node);
		f->node = n;
		return 0;
	}
	if (!(nf = sfs_fid_new(&x->c->fids, newfid, &err)))
		return err;
	nf->node = n;
	sfs_ref(n);
	return 0;
}

static int h_walk(struct ctx *x)
{
	const struct p9_msg *m = x->m;
	unsigned nq = 0;
	int rc = walk_names(x, m->fid, m->newfid, m->nwname, m->wname,
			    x->r.wqid, &nq);
	x->r.type = P9_RWALK;
	x->r.nwqid = (uint16_t)nq;
	return rc;
}

/* --bug walk-17: a Twalk of more than MAXWELEM names, which the codec
 * refuses, parsed here and walked whole; the Rwalk is written by hand. */
enum { WALK17_MAX = 256, TWALK_NWNAME_AT = 15 };

static int h_walk_long(struct ctx *x, const uint8_t *t, size_t tlen)
{
	struct p9_str w[WALK17_MAX];
	struct p9_qid q[WALK17_MAX];
	unsigned nw = p9_get16(t + TWALK_NWNAME_AT), nq = 0;
	size_t off = TWALK_NWNAME_AT + 2, need;
	int rc;
	if (nw > WALK17_MAX)
		return -EBADMSG;
	for (unsigned i = 0; i < nw; i++) {
		if (off + 2 > tlen || off + 2 + p9_get16(t + off) > tlen)
			return -EBADMSG;
		w[i].len = p9_get16(t + off);
		w[i].p = (const char *)t + off + 2;
		off += 2 + w[i].len;
	}
	if (off != tlen)
		return -EBADMSG;
	need = P9_HDRSZ + 2 + (size_t)nw * P9_QIDSZ; /* before newfid exists */
	if (need > x->cap || need > x->c->msize)
		return -EMSGSIZE;
	rc = walk_names(x, p9_get32(t + 7), p9_get32(t + 11), nw, w, q, &nq);
	if (rc < 0)
		return rc;
	need = P9_HDRSZ + 2 + (size_t)nq * P9_QIDSZ;
	p9_put32(x->out, (uint32_t)need);
	x->out[4] = P9_RWALK;
	p9_put16(x->out + 5, x->r.tag);
	p9_put16(x->out + P9_HDRSZ, (uint16_t)nq);
	for (unsigned i = 0; i < nq; i++) {
		uint8_t *p = x->out + P9_HDRSZ + 2 + i * P9_QIDSZ;
		p[0] = q[i].type;
		p9_put32(p + 1, q[i].version);
		p9_put32(p + 5, (uint32_t)q[i].path);
		p9_put32(p + 9, (uint32_t)(q[i].path >> 32));
	}
	x->rawlen = need;
	return 0;
}

/* ---- open / create ---- */

/* Fid f is open on node n, readable r, writable w. */
static void mark_open(struct sfs_fid *f, struct sfs_node *n, int r, int w)
{
	f->open = 1;
	f->canread = (uint8_t)r;
	f->canwrite = (uint8_t)w;
	if (n->excl) {
		n->nopen++;
		f->exclheld = 1;
	}
}

static int open_fid(struct ctx *x, struct sfs_fid *f, int r, int w, int trunc)
{
	struct sfs_node *n = f->node;
	int rc;
	if (f->open || f->xkind)
		return -EINVAL;
	if (sfs_is_dir(n) && (w || trunc))
		return -EISDIR;
	if (S_ISLNK(n->mode))
		return -ELOOP;
	if ((r && sfs_access(n, SFS_MAY_READ) < 0) ||
	    ((w || trunc) && sfs_access(n, SFS_MAY_WRITE) < 0))
		return -EACCES;
	if (n->excl && n->nopen)
		return -EBUSY;
	if (trunc && S_ISREG(n->mode) && n->kind == SFS_K_PLAIN && n->size) {
		struct sfs_setattr s = { .valid = SFS_SET_SIZE, .size = 0 };
		if ((rc = sfs_setattr(x->t, n, &s)) < 0)
			return rc;
	}
	mark_open(f, n, r, w);
	f->dir_off = f->dir_cookie = f->bug_cursor = 0;
	return 0;
}

/* The reply to a request that opened node n for fid's I/O (Ropen,
 * Rlopen, Rcreate, Rlcreate): its qid and iounit. */
static int opened(struct ctx *x, int rtype, struct sfs_node *n)
{
	x->r.type = rtype;
	mkqid(x, n, &x->r.qid);
	x->r.iounit = iounit(x);
	return 0;
}

/* The access a 9P2000.L open flags word asks for (Tlopen, Tlcreate):
 * readable r, writable w; -EINVAL for the access mode 3. */
static int l_access(uint32_t fl, int *r, int *w)
{
	int acc = fl & P9_L_O_ACCMODE;
	*r = acc != P9_L_O_WRONLY;
	*w = acc != P9_L_O_RDONLY;
	return acc == P9_L_O_ACCMODE ? -EINVAL : 0;
}

static int omode_open(struct ctx *x, struct sfs_fid *f, uint8_t mode)
{
	int acc = mode & 3, rc;
	rc = open_fid(x, f, acc != P9_OWRITE, acc == P9_OWRITE || acc == P9_ORDWR,
		      (mode & P9_OTRUNC) != 0);
	if (rc == 0 && (mode & P9_ORCLOSE))
		f->rclose = 1;
	return rc;
}

static int h_open(struct ctx *x)
{
	struct sfs_fid *f = getfid(x, x->m->fid);
	int rc;
	if (!f)
		return -EBADF;
	if ((rc = omode_open(x, f, x->m->mode)) < 0)
		return rc;
	return opened(x, P9_ROPEN, f->node);
}

static int h_lopen(struct ctx *x)
{
	struct sfs_fid *f = getfid(x, x->m->fid);
	uint32_t fl = x->m->flags;
	int r, w, rc;
	if (!f)
		return -EBADF;
	if (l_access(fl, &r, &w) < 0)
		return -EINVAL;
	if ((fl & P9_L_O_DIRECTORY) && !sfs_is_dir(f->node))
		return -ENOTDIR;
	rc = open_fid(x, f, r, w, (fl & P9_L_O_TRUNC) != 0);
	if (rc < 0)
		return rc;
	f->append = (fl & P9_L_O_APPEND) != 0;
	return opened(x, P9_RLOPEN, f->node);
}

/* Move fid f to a node just created in its directory, opened. */
static int become(struct ctx *x, struct sfs_fid *f, struct sfs_node *n,
		  int r, int w)
{
	sfs_ref(n);
	sfs_unref(x->t, f->node);
	f->node = n;
	mark_open(f, n, r, w);
	return 0;
}

#define DMLINK 0x01000000u /* 9P2000.u */

static int h_create(struct ctx *x)
{
	const struct p9_msg *m = x->m;
	struct sfs_fid *f = getfid(x, m->fid);
	struct sfs_node *n;
	uint32_t perm = m->perm, mode;
	uint64_t rdev = 0;
	int rc, acc = m->mode & 3;
	if (!f)
		return -EBADF;
	if (f->open)
		return -EINVAL;
	if (!sfs_is_dir(f->node))
		return -ENOTDIR;
	if (perm & DMLINK) {
		/* 9P2000.u hard link: extension is "FID\n" of the target */
		char ext[32];
		char *end;
		unsigned long tfid;
		struct sfs_fid *tf;
		if (x->c->dialect != P9_DU)
			return -EINVAL;
		cstr(ext, sizeof ext, m->extension);
		tfid = strtoul(ext, &end, 10);
		if (end == ext || !(tf = getfid(x, (uint32_t)tfid)))
			return -EBADF;
		rc = sfs_link(x->t, f->node, m->name.p, m->name.len, tf->node);
		if (rc < 0)
			return rc;
		n = tf->node;
		acc = -1;
	} else if (perm & P9_DMSYMLINK) {
		char tgt[4096];
		if (x->c->dialect != P9_DU)
			return -EINVAL;
		cstr(tgt, sizeof tgt, m->extension);
		rc = sfs_symlink(x->t, f->node, m->name.p, m->name.len, tgt,
				 strlen(tgt), 0, &n);
		acc = -1;
	} else {
		mode = perm & 0777;
		if (perm & P9_DMDIR) {
			mode |= S_IFDIR;
			if (acc != P9_OREAD)
				return -EINVAL;
		} else if (perm & P9_DMNAMEDPIPE)
			mode |= S_IFIFO;
		else if (perm & P9_DMSOCKET)
			mode |= S_IFSOCK;
		else if (perm & P9_DMDEVICE) {
			char ext[64], kind = 0;
			unsigned ma = 0, mi = 0;
			cstr(ext, sizeof ext, m->extension);
			if (sscanf(ext, "%c %u %u", &kind, &ma, &mi) != 3 ||
			    (kind != 'c' && kind != 'b'))
				return -EINVAL;
			mode |= kind == 'c' ? S_IFCHR : S_IFBLK;
			rdev = makedev(ma, mi);
		} else
			mode |= S_IFREG;
		rc = sfs_create(x->t, f->node, m->name.p, m->name.len, mode,
				rdev, 0, &n);
	}
	if (rc < 0)
		return rc;
	if (acc < 0 || !S_ISREG(n->mode) ) {
		/* symlinks, devices, pipes: the fid moves there, opened read */
		become(x, f, n, 1, 0);
	} else {
		become(x, f, n, acc != P9_OWRITE,
		       acc == P9_OWRITE || acc == P9_ORDWR);
		if (m->mode & P9_ORCLOSE)
			f->rclose = 1;
	}
	return opened(x, P9_RCREATE, n);
}

static int h_lcreate(struct ctx *x)
{
	const struct p9_msg *m = x->m;
	struct sfs_fid *f = getfid(x, m->fid);
	struct sfs_node *n;
	int r, w, rc;
	if (!f)
		return -EBADF;
	if (f->open)
		return -EINVAL;
	if (l_access(m->flags, &r, &w) < 0)
		return -EINVAL;
	rc = sfs_create(x->t, f->node, m->name.p, m->name.len,
			S_IFREG | (m->lmode & 07777), 0, m->gid, &n);
	if (rc < 0)
		return rc;
	become(x, f, n, r, w);
	f->append = (m->flags & P9_L_O_APPEND) != 0;
	return opened(x, P9_RLCREATE, n);
}

/* ---- read / write ---- */

/* The text of a /ctl file for this connection; returns its length. */
static size_t ctl_text(struct ctx *x, struct sfs_node *n, char txt[32])
{
	uint64_t v = 0;
	switch (n->ctl) {
	case SFS_CTL_FIDS: v = x->c->fids.n; break;
	case SFS_CTL_TAGS: v = x->c->ntags; break;
	case SFS_CTL_MSGS: v = x->c->nmsgs; break;
	case SFS_CTL_CONNS: v = x->s->nconns; break;
	case SFS_CTL_ALLFIDS: v = x->s->allfids; break;
	case SFS_CTL_HOPS: v = x->s->nhops; break;
	}
	return (size_t)snprintf(txt, 32, "%llu\n", (unsigned long long)v);
}

static long ctl_read(struct ctx *x, struct sfs_node *n, uint64_t off,
		     uint8_t *buf, uint32_t count)
{
	char txt[32];
	size_t len = ctl_text(x, n, txt);
	if (off >= len)
		return 0;
	if (count > len - off)
		count = (uint32_t)(len - off);
	memcpy(buf, txt + off, count);
	return count;
}

/* 9P2000/.u stat of node n under the name given. */
static void fill_stat(struct ctx *x, struct sfs_node *n, const char *name,
		      size_t namelen, struct p9_stat *st, char *ext, size_t extcap)
{
	struct sfs_attr a;
	uint32_t mode;
	int u = x->c->dialect == P9_DU;
	sfs_getattr(x->t, n, &a);
	memset(st, 0, sizeof *st);
	st->qid.type = a.qtype;
	st->qid.version = a.version;
	st->qid.path = a.qpath;
	mode = a.mode & 0777;
	if (S_ISDIR(a.mode))
		mode |= P9_DMDIR;
	if (n->append)
		mode |= P9_DMAPPEND;
	if (n->excl)
		mode |= P9_DMEXCL;
	ext[0] = 0;
	if (u) {
		if (S_ISLNK(a.mode)) {
			mode |= P9_DMSYMLINK;
			snprintf(ext, extcap, "%s", n->target ? n->target : "");
		} else if (S_ISCHR(a.mode) || S_ISBLK(a.mode)) {
			mode |= P9_DMDEVICE;
			snprintf(ext, extcap, "%c %u %u", S_ISCHR(a.mode) ? 'c' : 'b',
				 major(a.rdev), minor(a.rdev));
		} else if (S_ISFIFO(a.mode))
			mode |= P9_DMNAMEDPIPE;
		else if (S_ISSOCK(a.mode))
			mode |= P9_DMSOCKET;
		if (a.mode & S_ISUID)
			mode |= P9_DMSETUID;
		if (a.mode & S_ISGID)
			mode |= P9_DMSETGID;
	}
	st->mode = mode;
	st->atime = (uint32_t)(a.atime / 1000000000);
	st->mtime = (uint32_t)(a.mtime / 1000000000);
	st->length = S_ISDIR(a.mode) ? 0 : a.size;
	if (n->kind == SFS_K_CTL) {
		char txt[32];
		st->length = ctl_text(x, n, txt);
	}
	st->name.p = name;
	st->name.len = (uint16_t)namelen;
	st->uid = p9_s("root");
	st->gid = p9_s("root");
	st->muid = p9_s("");
	st->extension = p9_s(ext);
	st->n_uid = a.uid;
	st->n_gid = a.gid;
	st->n_muid = 0;
}

struct statdir {
	struct ctx *x;
	uint8_t *buf;
	size_t cap, len;
	uint64_t cookie;
	int full;
	uint64_t consumed; /* listing entries passed ("." and ".." too) */
};

static int statdir_cb(void *arg, const struct sfs_dirent *e)
{
	struct statdir *sd = arg;
	struct p9_stat st;
	char ext[4200];
	long n;
	if ((e->namelen == 1 && e->name[0] == '.') ||
	    (e->namelen == 2 && e->name[0] == '.' && e->name[1] == '.')) {
		sd->cookie = e->next;
		sd->consumed++;
		return 0;
	}
	fill_stat(sd->x, e->node, e->name, e->namelen, &st, ext, sizeof ext);
	n = p9_stat_put(sd->buf + sd->len, sd->cap - sd->len, &st,
			sd->x->c->dialect);
	if (n < 0) {
		sd->full = 1;
		return 1;
	}
	sd->len += (size_t)n;
	sd->cookie = e->next;
	sd->consumed++;
	sd->x->c->dirents++;
	return 0;
}

static long dir_read(struct ctx *x, struct sfs_fid *f, uint64_t off,
		     uint8_t *buf, uint32_t count)
{
	struct statdir sd = { x, buf, count, 0, 0, 0, 0 };
	if (off == 0)
		f->dir_off = f->dir_cookie = f->dir_index = 0;
	else if (off != f->dir_off)
		return -EINVAL;
	sd.cookie = f->dir_cookie;
	if (SFS_BUG(x->s, BUG_READDIR_SHIFT)) /* the position is an index */
		sd.cookie = sfs_index_cookie(f->node, f->dir_index);
	sfs_readdir(x->t, f->node, sd.cookie, statdir_cb, &sd);
	/* count too small for the next entry: an empty Rread, position kept
	 * (Linux's .u client reads the rest of a short reply this way) */
	f->dir_cookie = sd.cookie;
	f->dir_index += sd.consumed;
	f->dir_off += sd.len;
	return (long)sd.len;
}

static void put_hdr(uint8_t *out, uint8_t type, uint16_t tag, uint32_t count)
{
	p9_put32(out, 11 + count);
	out[4] = type;
	p9_put16(out + 5, tag);
	p9_put32(out + 7, count);
}

static int h_read(struct ctx *x)
{
	const struct p9_msg *m = x->m;
	struct sfs_fid *f = getfid(x, m->fid);
	uint32_t count = clamp_count(x, m->count);
	uint8_t *data = x->out + 11;
	long n;
	if (!f)
		return -EBADF;
	if (f->xkind == FX_READ) {
		n = 0;
		if (m->offset < f->xlen) {
			n = (long)(f->xlen - m->offset);
			if (n > (long)count)
				n = count;
			memcpy(data, f->xbuf + m->offset, (size_t)n);
		}
	} else if (!f->open || !f->canread) {
		return -EBADF;
	} else if (sfs_is_dir(f->node)) {
		if (is_L(x))
			return -EISDIR;
		n = dir_read(x, f, m->offset, data, count);
	} else if (f->node->kind == SFS_K_CTL) {
		n = ctl_read(x, f->node, m->offset, data, count);
	} else {
		n = sfs_read(x->t, f->node, m->offset, data, count);
		if (n == SFS_EBLOCK) {
			x->park = 1;
			return -EINTR;
		}
	}
	if (n < 0)
		return (int)n;
	put_hdr(x->out, P9_RREAD, m->tag, (uint32_t)n);
	x->rawlen = 11 + (size_t)n;
	return 0;
}

static int h_write(struct ctx *x)
{
	const struct p9_msg *m = x->m;
	struct sfs_fid *f = getfid(x, m->fid);
	long n;
	if (!f)
		return -EBADF;
	if (f->xkind == FX_CREATE) {
		if (m->offset + m->count > f->xsize || m->offset > f->xsize)
			return -ENOSPC;
		memcpy(f->xbuf + m->offset, m->data, m->count);
		if (m->offset + m->count > f->xlen)
			f->xlen = m->offset + m->count;
		n = m->count;
	} else if (!f->open || !f->canwrite) {
		return -EBADF;
	} else {
		uint64_t off = m->offset;
		if (f->append && !SFS_BUG(x->s, BUG_APPEND_IGNORED))
			off = f->node->size; /* O_APPEND: at the end */
		n = sfs_write(x->t, f->node, off, m->data, m->count);
		if (n == SFS_EBLOCK) {
			x->park = 1;
			return -EINTR;
		}
	}
	if (n < 0)
		return (int)n;
	x->r.type = P9_RWRITE;
	x->r.count = (uint32_t)n;
	return 0;
}

/* ---- clunk / remove ---- */

static int commit_xattr(struct ctx *x, struct sfs_fid *f)
{
	if (f->xlen != f->xsize)
		return -EINVAL;
	if (f->xsize == 0 && f->xflags == 0)
		return sfs_xattr_set(x->t, f->node, f->xname, NULL, 0, 0);
	return sfs_xattr_set(x->t, f->node, f->xname, f->xbuf ? f->xbuf :
			     (const uint8_t *)"", f->xlen, f->xflags);
}

static int h_clunk(struct ctx *x)
{
	struct sfs_fid *f;
	int rc = 0;
	if (SFS_BUG(x->s, BUG_CLUNK_LEAK) && getfid(x, x->m->fid)) {
		x->r.type = P9_RCLUNK;
		return 0;
	}
	if (!(f = sfs_fid_take(&x->c->fids, x->m->fid)))
		return -EBADF;
	if (f->xkind == FX_CREATE)
		rc = commit_xattr(x, f);
	if (f->rclose)
		sfs_remove_node(x->t, f->node);
	sfs_fid_release(x->s, f);
	x->r.type = P9_RCLUNK;
	return rc;
}

static int h_remove(struct ctx *x)
{
	struct sfs_fid *f = sfs_fid_take(&x->c->fids, x->m->fid);
	int rc;
	if (!f)
		return -EBADF;
	rc = sfs_remove_node(x->t, f->node);
	sfs_fid_release(x->s, f);
	x->r.type = P9_RREMOVE;
	return rc;
}

/* ---- stat / wstat (9P2000, .u) ---- */

static int h_stat(struct ctx *x)
{
	struct sfs_fid *f = getfid(x, x->m->fid);
	struct sfs_node *n;
	const char *name;
	if (!f)
		return -EBADF;
	n = f->node;
	name = n == x->t->root ? "/" : n->name ? n->name : "";
	fill_stat(x, n, name, strlen(name), &x->r.stat, x->sbuf[0],
		  sizeof x->sbuf[0]);
	x->r.type = P9_RSTAT;
	return 0;
}

static int h_wstat(struct ctx *x)
{
	const struct p9_stat *st = &x->m->stat;
	struct sfs_fid *f = getfid(x, x->m->fid);
	struct sfs_node *n;
	struct sfs_setattr sa = { 0 };
	int rc;
	if (!f)
		return -EBADF;
	n = f->node;
	if (st->type != 0xFFFF || st->dev != 0xFFFFFFFFu ||
	    st->qid.type != 0xFF || st->qid.version != 0xFFFFFFFFu ||
	    st->qid.path != ~0ull)
		return -EINVAL; /* wstat(5): these cannot change */
	if (st->mode != 0xFFFFFFFFu) {
		if (((st->mode & P9_DMDIR) != 0) != (sfs_is_dir(n) != 0))
			return -EINVAL;
		sa.valid |= SFS_SET_MODE;
		sa.mode = st->mode & 0777;
	}
	if (st->length != ~0ull) {
		if (sfs_is_dir(n))
			return st->length ? -EINVAL : 0;
		sa.valid |= SFS_SET_SIZE;
		sa.size = st->length;
	}
	if (st->mtime != 0xFFFFFFFFu) {
		sa.valid |= SFS_SET_MTIME | SFS_SET_MTIME_SET;
		sa.mtime = (int64_t)st->mtime * 1000000000;
	}
	if (st->atime != 0xFFFFFFFFu) {
		sa.valid |= SFS_SET_ATIME | SFS_SET_ATIME_SET;
		sa.atime = (int64_t)st->atime * 1000000000;
	}
	if (x->c->dialect == P9_DU && st->n_gid != 0xFFFFFFFFu) {
		sa.valid |= SFS_SET_GID;
		sa.gid = st->n_gid;
	}
	if (st->name.len) {
		struct sfs_node *dir;
		if (!n->dent || !(dir = n->dent->dir))
			return -ENOENT;
		if (!p9_streq(st->name, n->dent->name)) {
			rc = sfs_rename(x->t, dir, n->dent->name, n->dent->namelen,
					dir, st->name.p, st->name.len);
			if (rc < 0)
				return rc;
		}
	}
	if (sa.valid && (rc = sfs_setattr(x->t, n, &sa)) < 0)
		return rc;
	x->r.type = P9_RWSTAT;
	return 0;
}

/* ---- 9P2000.L attributes ---- */

static int h_getattr(struct ctx *x)
{
	struct sfs_fid *f = getfid(x, x->m->fid);
	struct sfs_attr a;
	struct p9_msg *r = &x->r;
	if (!f)
		return -EBADF;
	sfs_getattr(x->t, f->node, &a);
	if (f->node->kind == SFS_K_CTL) {
		char txt[32];
		a.size = ctl_text(x, f->node, txt);
		a.blocks = 1;
	}
	r->type = P9_RGETATTR;
	r->valid = P9_GETATTR_ALL;
	r->qid.type = a.qtype;
	r->qid.version = a.version;
	r->qid.path = a.qpath;
	r->lmode = a.mode;
	r->uid = a.uid;
	r->gid = a.gid;
	r->nlink = a.nlink;
	r->rdev = a.rdev;
	r->size = a.size;
	r->blksize = a.blksize;
	r->blocks = a.blocks;
	r->atime_sec = (uint64_t)a.atime / 1000000000;
	r->atime_nsec = (uint64_t)a.atime % 1000000000;
	r->mtime_sec = (uint64_t)a.mtime / 1000000000;
	r->mtime_nsec = (uint64_t)a.mtime % 1000000000;
	r->ctime_sec = (uint64_t)a.ctime / 1000000000;
	r->ctime_nsec = (uint64_t)a.ctime % 1000000000;
	r->btime_sec = (uint64_t)a.btime / 1000000000;
	r->btime_nsec = (uint64_t)a.btime % 1000000000;
	r->gen = 0;
	r->data_version = a.version;
	return 0;
}

static int h_setattr(struct ctx *x)
{
	const struct p9_msg *m = x->m;
	struct sfs_fid *f = getfid(x, m->fid);
	struct sfs_setattr sa;
	int rc;
	if (!f)
		return -EBADF;
	sa.valid = m->valid32 & 0x1ff;
	sa.mode = m->lmode;
	sa.uid = m->uid;
	sa.gid = m->gid;
	sa.size = m->size;
	sa.atime = (int64_t)(m->atime_sec * 1000000000 + m->atime_nsec);
	sa.mtime = (int64_t)(m->mtime_sec * 1000000000 + m->mtime_nsec);
	rc = sfs_setattr(x->t, f->node, &sa);
	return done(x, rc, P9_RSETATTR);
}

static int h_statfs(struct ctx *x)
{
	struct p9_msg *r = &x->r;
	uint64_t q = x->t->o.quota, used = x->t->used;
	if (!getfid(x, x->m->fid))
		return -EBADF;
	r->type = P9_RSTATFS;
	r->fstype = 0x01021997; /* V9FS_MAGIC */
	r->bsize = 4096;
	r->blocks = q / 4096;
	r->bfree = r->bavail = (q - (used < q ? used : q)) / 4096;
	r->files = 1 << 20;
	r->ffree = x->t->nextid < r->files ? r->files - x->t->nextid : 0;
	r->fsid = 0x5f5;
	r->namelen = 255;
	return 0;
}

/* ---- readdir (9P2000.L) ---- */

struct rd {
	struct ctx *x;
	uint8_t *buf;
	size_t cap, len;
	size_t last_off;   /* where the last entry's offset field is */
	int any, full;
	uint64_t cookie;
	int shift;         /* --bug readdir-shift: offsets are indexes */
	uint64_t idx;      /* ... the index of the next entry */
};

static int readdir_cb(void *arg, const struct sfs_dirent *e)
{
	struct rd *rd = arg;
	struct p9_dirent d;
	uint64_t next = rd->shift ? rd->idx + 1 : e->next;
	long n;
	mkqid(rd->x, e->node, &d.qid);
	d.offset = next;
	d.type = e->dtype;
	d.name.p = e->name;
	d.name.len = (uint16_t)e->namelen;
	n = p9_dirent_put(rd->buf + rd->len, rd->cap - rd->len, &d);
	if (n < 0) {
		struct sfs_server *s = rd->x->s;
		rd->full = 1;
		if (SFS_BUG(s, BUG_READDIR_PARTIAL_ENTRY)) {
			uint8_t tmp[300];
			long full = p9_dirent_put(tmp, sizeof tmp, &d);
			size_t room = rd->cap - rd->len;
			if (full > 0 && room) {
				memcpy(rd->buf + rd->len, tmp, room);
				rd->len += room;
			}
		} else if (SFS_BUG(s, BUG_READDIR_LOSE_BOUNDARY) && rd->any) {
			/* resume after this entry: it is never sent */
			uint8_t *p = rd->buf + rd->last_off;
			for (int i = 0; i < 8; i++)
				p[i] = (uint8_t)(next >> (8 * i));
			rd->cookie = e->next;
		}
		return 1;
	}
	rd->last_off = rd->len + P9_QIDSZ;
	rd->len += (size_t)n;
	rd->any = 1;
	rd->cookie = e->next;
	rd->idx++;
	rd->x->c->dirents++;
	return 0;
}

static int h_readdir(struct ctx *x)
{
	const struct p9_msg *m = x->m;
	struct sfs_fid *f = getfid(x, m->fid);
	uint32_t count = clamp_count(x, m->count);
	uint64_t off = m->offset;
	struct rd rd;
	int rc;
	if (!f)
		return -EBADF;
	if (!sfs_is_dir(f->node))
		return -ENOTDIR;
	if (!f->open)
		return -EBADF;
	memset(&rd, 0, sizeof rd);
	if (SFS_BUG(x->s, BUG_READDIR_SHIFT)) {
		rd.shift = 1;
		rd.idx = off;
		off = sfs_index_cookie(f->node, off);
	}
	if (SFS_BUG(x->s, BUG_READDIR_IGNORE_OFFSET))
		off = f->bug_cursor;
	rd.x = x;
	rd.buf = x->out + 11;
	rd.cap = count;
	rd.cookie = off;
	if ((rc = sfs_readdir(x->t, f->node, off, readdir_cb, &rd)) < 0)
		return rc;
	if (rd.full && !rd.any && !SFS_BUG(x->s, BUG_READDIR_PARTIAL_ENTRY))
		return -EINVAL; /* count too small for the next entry */
	f->bug_cursor = rd.cookie;
	put_hdr(x->out, P9_RREADDIR, m->tag, (uint32_t)rd.len);
	x->rawlen = 11 + rd.len;
	return 0;
}

/* ---- 9P2000.L namespace operations ---- */

static int dirfid(struct ctx *x, uint32_t fid, struct sfs_node **dir)
{
	struct sfs_fid *f = getfid(x, fid);
	if (!f)
		return -EBADF;
	if (!sfs_is_dir(f->node))
		return -ENOTDIR;
	*dir = f->node;
	return 0;
}

/* The reply to a request that made node n (Rmkdir, Rsymlink, Rmknod):
 * its qid, or the error rc of making it. */
static int made(struct ctx *x, int rc, int rtype, struct sfs_node *n)
{
	if ((rc = done(x, rc, rtype)) == 0)
		mkqid(x, n, &x->r.qid);
	return rc;
}

/* Tmkdir and Tmknod: make the request's name in directory fid dfid with
 * mode and rdev; a request the caller finds bad (ok 0) is refused with
 * EINVAL once the directory is known. */
static int make_in(struct ctx *x, int ok, int rtype, uint32_t mode,
		   uint64_t rdev)
{
	const struct p9_msg *m = x->m;
	struct sfs_node *d, *n = NULL;
	int rc;
	if ((rc = dirfid(x, m->dfid, &d)) < 0)
		return rc;
	if (!ok)
		return -EINVAL;
	rc = sfs_create(x->t, d, m->name.p, m->name.len, mode, rdev, m->gid,
			&n);
	return made(x, rc, rtype, n);
}

static int h_mkdir(struct ctx *x)
{
	return make_in(x, 1, P9_RMKDIR, S_IFDIR | (x->m->lmode & 07777), 0);
}

static int h_symlink(struct ctx *x)
{
	const struct p9_msg *m = x->m;
	struct sfs_node *d, *n = NULL;
	int rc;
	if ((rc = dirfid(x, m->fid, &d)) < 0)
		return rc;
	rc = sfs_symlink(x->t, d, m->name.p, m->name.len, m->symtgt.p,
			 m->symtgt.len, m->gid, &n);
	return made(x, rc, P9_RSYMLINK, n);
}

static int h_mknod(struct ctx *x)
{
	const struct p9_msg *m = x->m;
	uint32_t type = m->lmode & S_IFMT;
	return make_in(x, type != S_IFDIR && type != S_IFLNK, P9_RMKNOD,
		       m->lmode, makedev(m->major, m->minor));
}

static int h_readlink(struct ctx *x)
{
	struct sfs_fid *f = getfid(x, x->m->fid);
	const char *tgt;
	int rc;
	if (!f)
		return -EBADF;
	if ((rc = sfs_readlink(f->node, &tgt)) < 0)
		return rc;
	x->r.type = P9_RREADLINK;
	x->r.target = p9_s(tgt);
	return 0;
}

static int h_link(struct ctx *x)
{
	const struct p9_msg *m = x->m;
	struct sfs_fid *f = getfid(x, m->fid);
	struct sfs_node *d;
	int rc;
	if ((rc = dirfid(x, m->dfid, &d)) < 0)
		return rc;
	if (!f)
		return -EBADF;
	rc = sfs_link(x->t, d, m->name.p, m->name.len, f->node);
	return done(x, rc, P9_RLINK);
}

static int h_rename(struct ctx *x)
{
	const struct p9_msg *m = x->m;
	struct sfs_fid *f = getfid(x, m->fid);
	struct sfs_node *d, *n;
	int rc;
	if (!f)
		return -EBADF;
	if ((rc = dirfid(x, m->dfid, &d)) < 0)
		return rc;
	n = f->node;
	if (n == x->t->root)
		return -EBUSY;
	if (!n->dent)
		return -ENOENT;
	rc = sfs_rename(x->t, n->dent->dir, n->dent->name, n->dent->namelen, d,
			m->name.p, m->name.len);
	return done(x, rc, P9_RRENAME);
}

static int h_renameat(struct ctx *x)
{
	const struct p9_msg *m = x->m;
	struct sfs_node *od, *nd;
	int rc;
	if ((rc = dirfid(x, m->olddirfid, &od)) < 0 ||
	    (rc = dirfid(x, m->newdirfid, &nd)) < 0)
		return rc;
	rc = sfs_rename(x->t, od, m->oldname.p, m->oldname.len, nd,
			m->newname.p, m->newname.len);
	return done(x, rc, P9_RRENAMEAT);
}

static int h_unlinkat(struct ctx *x)
{
	const struct p9_msg *m = x->m;
	struct sfs_node *d;
	int rc;
	if ((rc = dirfid(x, m->dfid, &d)) < 0)
		return rc;
	rc = sfs_unlink(x->t, d, m->name.p, m->name.len,
			(m->flags & P9_L_AT_REMOVEDIR) ? SFS_UNLINK_DIR
						       : SFS_UNLINK_FILE);
	return done(x, rc, P9_RUNLINKAT);
}

static int h_fsync(struct ctx *x)
{
	if (!getfid(x, x->m->fid))
		return -EBADF;
	if (x->m->datasync && SFS_BUG(x->s, BUG_FSYNC_EIO))
		return -EIO;
	x->r.type = P9_RFSYNC;
	return 0;
}

/* ---- xattrs ---- */

static int h_xattrwalk(struct ctx *x)
{
	const struct p9_msg *m = x->m;
	struct sfs_fid *f = getfid(x, m->fid), *nf;
	char name[256];
	long n;
	uint8_t *buf;
	int err;
	if (!f)
		return -EBADF;
	if (m->newfid != m->fid && getfid(x, m->newfid))
		return -EEXIST;
	if (m->name.len >= sizeof name)
		return -ERANGE;
	cstr(name, sizeof name, m->name);
	n = name[0] ? sfs_xattr_get(f->node, name, NULL, 0)
		    : sfs_xattr_list(f->node, NULL, 0);
	if (n < 0)
		return (int)n;
	if (!(buf = malloc((size_t)n + 1)))
		return -ENOMEM;
	n = name[0] ? sfs_xattr_get(f->node, name, buf, (size_t)n)
		    : sfs_xattr_list(f->node, buf, (size_t)n);
	if (m->newfid == m->fid) {
		nf = f;
		free(nf->xbuf);
	} else {
		if (!(nf = sfs_fid_new(&x->c->fids, m->newfid, &err))) {
			free(buf);
			return err;
		}
		nf->node = f->node;
		sfs_ref(f->node);
	}
	nf->xkind = FX_READ;
	nf->xbuf = buf;
	nf->xlen = (size_t)(n < 0 ? 0 : n);
	x->r.type = P9_RXATTRWALK;
	x->r.size = nf->xlen;
	return 0;
}

static int h_xattrcreate(struct ctx *x)
{
	const struct p9_msg *m = x->m;
	struct sfs_fid *f = getfid(x, m->fid);
	if (!f)
		return -EBADF;
	if (f->open || f->xkind)
		return -EINVAL;
	if (m->attr_size > 65536)
		return -E2BIG;
	if (m->name.len == 0 || m->name.len > 255)
		return -EINVAL;
	if (f->node->fixed || !f->node->quota)
		return -EACCES;
	if (!(f->xname = strndup(m->name.p, m->name.len)))
		return -ENOMEM;
	if (!(f->xbuf = calloc(1, m->attr_size ? (size_t)m->attr_size : 1)))
		return -ENOMEM;
	f->xkind = FX_CREATE;
	f->xsize = (size_t)m->attr_size;
	f->xflags = (int)m->flags;
	x->r.type = P9_RXATTRCREATE;
	return 0;
}

/* ---- locks ---- */

static uint64_t lk_end(uint64_t start, uint64_t len)
{
	return len == 0 || start + len < start ? UINT64_MAX : start + len;
}

static struct sfs_lock *lk_conflict(struct ctx *x, struct sfs_node *n,
				    uint8_t type, uint64_t start, uint64_t end,
				    uint32_t proc)
{
	for (struct sfs_lock *l = x->s->locks; l; l = l->next) {
		if (l->node != n->id || (l->c == x->c && l->proc_id == proc))
			continue;
		if (l->start >= end || start >= l->end)
			continue;
		if (type == P9_LOCK_TYPE_WRLCK || l->type == P9_LOCK_TYPE_WRLCK)
			return l;
	}
	return NULL;
}

static int h_lock(struct ctx *x)
{
	const struct p9_msg *m = x->m;
	struct sfs_fid *f = getfid(x, m->fid);
	uint64_t end = lk_end(m->start, m->length);
	struct sfs_lock **pp, *l;
	if (!f)
		return -EBADF;
	if (m->lock_type > P9_LOCK_TYPE_UNLCK)
		return -EINVAL;
	x->r.type = P9_RLOCK;
	if (m->lock_type != P9_LOCK_TYPE_UNLCK &&
	    lk_conflict(x, f->node, m->lock_type, m->start, end, m->proc_id)) {
		x->r.status = P9_LOCK_BLOCKED;
		return 0;
	}
	/* drop this owner's locks in the range, then add the new one */
	for (pp = &x->s->locks; *pp;) {
		l = *pp;
		if (l->node == f->node->id && l->c == x->c &&
		    l->proc_id == m->proc_id && l->start < end && m->start < l->end) {
			*pp = l->next;
			free(l);
		} else
			pp = &l->next;
	}
	if (m->lock_type != P9_LOCK_TYPE_UNLCK) {
		if (!(l = calloc(1, sizeof *l)))
			return -ENOMEM;
		l->node = f->node->id;
		l->c = x->c;
		l->type = m->lock_type;
		l->start = m->start;
		l->end = end;
		l->proc_id = m->proc_id;
		cstr(l->client, sizeof l->client, m->client_id);
		l->next = x->s->locks;
		x->s->locks = l;
	}
	x->r.status = P9_LOCK_SUCCESS;
	return 0;
}

static int h_getlock(struct ctx *x)
{
	const struct p9_msg *m = x->m;
	struct sfs_fid *f = getfid(x, m->fid);
	struct sfs_lock *l;
	struct p9_msg *r = &x->r;
	if (!f)
		return -EBADF;
	if (m->lock_type > P9_LOCK_TYPE_UNLCK)
		return -EINVAL;
	r->type = P9_RGETLOCK;
	l = lk_conflict(x, f->node,
			m->lock_type == P9_LOCK_TYPE_UNLCK ? P9_LOCK_TYPE_WRLCK
							   : m->lock_type,
			m->start, lk_end(m->start, m->length), m->proc_id);
	if (!l) {
		r->lock_type = P9_LOCK_TYPE_UNLCK;
		r->start = m->start;
		r->length = m->length;
		r->proc_id = m->proc_id;
		r->client_id = m->client_id;
		return 0;
	}
	r->lock_type = l->type;
	r->start = l->start;
	r->length = l->end == UINT64_MAX ? 0 : l->end - l->start;
	r->proc_id = l->proc_id;
	snprintf(x->sbuf[1], sizeof x->sbuf[1], "%s", l->client);
	r->client_id = p9_s(x->sbuf[1]);
	return 0;
}

/* ---- the table ---- */

typedef int (*handler)(struct ctx *x);
static const handler handlers[256] = {
	[P9_TVERSION] = h_version, [P9_TAUTH] = h_auth,
	[P9_TATTACH] = h_attach, [P9_TWALK] = h_walk, [P9_TOPEN] = h_open,
	[P9_TCREATE] = h_create, [P9_TREAD] = h_read, [P9_TWRITE] = h_write,
	[P9_TCLUNK] = h_clunk, [P9_TREMOVE] = h_remove, [P9_TSTAT] = h_stat,
	[P9_TWSTAT] = h_wstat, [P9_TSTATFS] = h_statfs, [P9_TLOPEN] = h_lopen,
	[P9_TLCREATE] = h_lcreate, [P9_TSYMLINK] = h_symlink,
	[P9_TMKNOD] = h_mknod, [P9_TRENAME] = h_rename,
	[P9_TREADLINK] = h_readlink, [P9_TGETATTR] = h_getattr,
	[P9_TSETATTR] = h_setattr, [P9_TXATTRWALK] = h_xattrwalk,
	[P9_TXATTRCREATE] = h_xattrcreate, [P9_TREADDIR] = h_readdir,
	[P9_TFSYNC] = h_fsync, [P9_TLOCK] = h_lock, [P9_TGETLOCK] = h_getlock,
	[P9_TLINK] = h_link, [P9_TMKDIR] = h_mkdir, [P9_TRENAMEAT] = h_renameat,
	[P9_TUNLINKAT] = h_unlinkat,
};

size_t sfs_handle(struct sfs_conn *c, const uint8_t *tbuf, size_t tlen,
		  uint8_t *out, size_t cap, int *park)
{
	struct ctx x;
	struct p9_msg m;
	const struct p9_msgdef *d;
	uint8_t type = tbuf[4];
	uint16_t tag = p9_get16(tbuf + 5);
	int rc;
	long n;

	*park = 0;
	c->dirents = 0;
	d = p9_msgdef(type);
	if (type != P9_TVERSION && !c->dialect)
		return sfs_error_reply(c, tag, EPROTO, out, cap);
	if (type != P9_TVERSION && tag == P9_NOTAG)
		return sfs_error_reply(c, tag, EINVAL, out, cap); /* intro(5) */
	if (!d || !handlers[type] || (type != P9_TVERSION && !(d->dialects & c->dialect)))
		return sfs_error_reply(c, tag, EOPNOTSUPP, out, cap);
	memset(&x, 0, offsetof(struct ctx, sbuf));
	x.s = c->s;
	x.c = c;
	x.t = c->s->tree;
	x.m = &m;
	x.out = out;
	x.cap = cap;
	x.r.tag = tag;
	if (type == P9_TWALK && SFS_BUG(c->s, BUG_WALK_17) &&
	    tlen >= TWALK_NWNAME_AT + 2 &&
	    p9_get16(tbuf + TWALK_NWNAME_AT) > P9_MAXWELEM) {
		rc = h_walk_long(&x, tbuf, tlen);
		return rc < 0 ? sfs_error_reply(c, tag, -rc, out, cap) : x.rawlen;
	}
	if (p9_decode(tbuf, tlen, dial(c), &m, NULL) < 0)
		return sfs_error_reply(c, tag, EBADMSG, out, cap);
	rc = handlers[type](&x);
	*park = x.park;
	if (rc < 0)
		return sfs_error_reply(c, tag, -rc, out, cap);
	if (x.rawlen)
		return x.rawlen;
	n = p9_encode(&x.r, dial(c), out, cap);
	if (n < 0)
		return sfs_error_reply(c, tag, EMSGSIZE, out, cap);
	if (x.r.type == P9_RSTAT && SFS_BUG(c->s, BUG_STAT_ZERO_LENGTH))
		p9_put16(out + P9_HDRSZ, 0); /* n[2] of "n[2] stat[n]" */
	if ((size_t)n > c->msize && c->msize && type != P9_TVERSION &&
	    !SFS_BUG(c->s, BUG_MSIZE_NOT_ENFORCED))
		return sfs_error_reply(c, tag, EMSGSIZE, out, cap);
	return (size_t)n;
}
