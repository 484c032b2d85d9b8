/*
 * fuse.c - synthfs's FUSE frontend: `synthfs --fuse MOUNTPOINT` serves the
 * same synthetic tree (synthfs/tree.h) through the host kernel, so a stock
 * QEMU can export it with `-fsdev local` (the qemu:synthfs target).
 *
 * Owns: the libfuse3 low-level operations mapped onto the tree API, FUSE
 * node ids (the node's address; the root is FUSE_ROOT_ID) with one tree
 * reference per kernel lookup, inode numbers chosen by the tree (st_ino is
 * the tree's qid.path, so --multidevs shapes what QEMU sees), no kernel
 * caching (zero timeouts, direct I/O) so every access reaches the tree, and
 * /flush/block: a read or write that waits until the kernel interrupts the
 * request (FUSE_INTERRUPT) or --block-timeout passes, then fails with EINTR.
 * --delay holds the answers of the FUSE operations QEMU uses for Twalk
 * (lookup), Tgetattr, Tlopen, Tread, Twrite and Treaddir.
 * /ctl files are 9P-connection counters with no meaning here: EOPNOTSUPP.
 * One mutex serialises every tree call (the tree is not thread-safe);
 * requests run on libfuse's worker threads, so a blocked read never stalls
 * the others.
 */
#define FUSE_USE_VERSION 312
#include <errno.h>
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "p9.h"
#include "synthfs/fuse.h"
#include "synthfs/tree.h"

/* Kernel references (lookups not yet forgotten) per node, so they can be
 * dropped when the session ends: an open-addressing map keyed by node. */
struct kref {
	struct sfs_node *n;
	uint64_t count;
};

struct ffs {
	struct sfs_tree *t;
	pthread_mutex_t lock;
	int block_timeout;    /* seconds */
	int verbose;
	const uint64_t *delay_ns; /* --delay by 9P T-message type, or NULL */
	struct kref *kref;    /* capacity nkref (a power of two) */
	size_t nkref, used;
};

static size_t kslot(const struct ffs *f, const struct sfs_node *n)
{
	return ((uintptr_t)n >> 4) * 0x9E3779B97F4A7C15ull & (f->nkref - 1);
}

static int kref_grow(struct ffs *f)
{
	size_t cap = f->nkref ? f->nkref * 2 : 1024;
	struct kref *old = f->kref, *k = calloc(cap, sizeof *k);
	size_t oldcap = f->nkref;
	if (!k)
		return -ENOMEM;
	f->kref = k;
	f->nkref = cap;
	for (size_t i = 0; i < oldcap; i++) {
		size_t j;
		if (!old[i].n)
			continue;
		for (j = kslot(f, old[i].n); k[j].n; j = (j + 1) & (cap - 1))
			;
		k[j] = old[i];
	}
	free(old);
	return 0;
}

/* The slot of n's entry, or the free slot its entry would take. */
static size_t kref_find(const struct ffs *f, const struct sfs_node *n)
{
	size_t j;
	for (j = kslot(f, n); f->kref[j].n && f->kref[j].n != n;
	     j = (j + 1) & (f->nkref - 1))
		;
	return j;
}

/* One more kernel reference to n (and a tree reference). */
static void kref_add(struct ffs *f, struct sfs_node *n)
{
	size_t j;
	sfs_ref(n);
	if ((f->used + 1) * 2 > f->nkref && kref_grow(f))
		return; /* out of memory: the node just stays referenced */
	j = kref_find(f, n);
	if (!f->kref[j].n)
		f->kref[j].n = n, f->used++;
	f->kref[j].count++;
}

/* Drop nlookup kernel references; removes the entry at zero (backward
 * shift keeps the probe chains intact). */
static void kref_drop(struct ffs *f, struct sfs_node *n, uint64_t nlookup)
{
	size_t j, i, k;
	if (!f->nkref)
		return;
	j = kref_find(f, n);
	if (!f->kref[j].n)
		return;
	if (nlookup > f->kref[j].count)
		nlookup = f->kref[j].count;
	f->kref[j].count -= nlookup;
	if (f->kref[j].count == 0) {
		f->kref[j].n = NULL;
		f->used--;
		for (i = (j + 1) & (f->nkref - 1); f->kref[i].n; i = (i + 1) & (f->nkref - 1)) {
			k = kslot(f, f->kref[i].n);
			if ((i > j && (k <= j || k > i)) || (i < j && k <= j && k > i)) {
				f->kref[j] = f->kref[i];
				f->kref[i].n = NULL;
				j = i;
			}
		}
	}
	while (nlookup--)
		sfs_unref(f->t, n);
}

/* The session is over: the kernel holds nothing any more. */
static void kref_clear(struct ffs *f)
{
	for (size_t i = 0; i < f->nkref; i++)
		if (f->kref[i].n)
			while (f->kref[i].count--)
				sfs_unref(f->t, f->kref[i].n);
	free(f->kref);
	f->kref = NULL;
	f->nkref = f->used = 0;
}

static struct ffs *F(fuse_req_t req) { return fuse_req_userdata(req); }

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* --delay: hold the answer to the operation QEMU maps the 9P type to;
 * sleep (timer slack 1 ns, set in main) to SFS_DELAY_SPIN_US before the
 * end, then poll the clock, so short delays are not rounded up. */
static void delay(struct ffs *f, int type)
{
	uint64_t ns = f->delay_ns ? f->delay_ns[type] : 0;
	int64_t end = mono_ns() + (int64_t)ns, wake = end - SFS_DELAY_SPIN_US * 1000;
	if (!ns)
		return;
	if (wake > mono_ns()) {
		struct timespec ts = { (time_t)(wake / 1000000000), (long)(wake % 1000000000) };
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
	}
	while (mono_ns() < end)
		;
}

static struct sfs_node *node_of(struct ffs *f, fuse_ino_t ino)
{
	return ino == FUSE_ROOT_ID ? f->t->root : (struct sfs_node *)(uintptr_t)ino;
}

static fuse_ino_t ino_of(struct ffs *f, struct sfs_node *n)
{
	return n == f->t->root ? FUSE_ROOT_ID : (fuse_ino_t)(uintptr_t)n;
}

static struct timespec ts_of(int64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000), (long)(ns % 1000000000) };
	return ts;
}

static void stat_of(struct ffs *f, struct sfs_node *n, struct stat *st)
{
	struct sfs_attr a;
	sfs_getattr(f->t, n, &a);
	memset(st, 0, sizeof *st);
	st->st_ino = a.qpath ? a.qpath : a.ino;
	st->st_mode = a.mode;
	st->st_nlink = a.nlink;
	st->st_uid = a.uid;
	st->st_gid = a.gid;
	st->st_rdev = a.rdev;
	st->st_size = (off_t)a.size;
	st->st_blksize = (blksize_t)a.blksize;
	st->st_blocks = (blkcnt_t)a.blocks;
	st->st_atim = ts_of(a.atime);
	st->st_mtim = ts_of(a.mtime);
	st->st_ctim = ts_of(a.ctime);
}

/* Reply with an entry for n, taking one reference for the kernel. */
static void reply_entry(fuse_req_t req, struct ffs *f, struct sfs_node *n)
{
	struct fuse_entry_param e;
	memset(&e, 0, sizeof e);
	if (n != f->t->root)
		kref_add(f, n);
	e.ino = ino_of(f, n);
	stat_of(f, n, &e.attr);
	pthread_mutex_unlock(&f->lock);
	if (fuse_reply_entry(req, &e) && n != f->t->root) {
		pthread_mutex_lock(&f->lock);
		kref_drop(f, n, 1);
		pthread_mutex_unlock(&f->lock);
	}
}

static void reply_rc(fuse_req_t req, struct ffs *f, int rc)
{
	pthread_mutex_unlock(&f->lock);
	fuse_reply_err(req, rc < 0 ? -rc : 0);
}

/* The reply to a request that made (or linked) n: the error rc, or an
 * entry for n. */
static void reply_made(fuse_req_t req, struct ffs *f, int rc,
		       struct sfs_node *n)
{
	if (rc)
		reply_rc(req, f, rc);
	else
		reply_entry(req, f, n);
}

/* Drop the reference an open took on n (taking the lock). */
static void unref_open(struct ffs *f, struct sfs_node *n)
{
	pthread_mutex_lock(&f->lock);
	sfs_unref(f->t, n);
	pthread_mutex_unlock(&f->lock);
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct ffs *f = F(req);
	struct sfs_node *n;
	int rc;
	pthread_mutex_lock(&f->lock);
	rc = sfs_lookup(f->t, node_of(f, parent), name, strlen(name), &n);
	if (rc)
		return reply_rc(req, f, rc);
	delay(f, P9_TWALK); /* under the lock: n must stay alive */
	reply_entry(req, f, n);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	struct ffs *f = F(req);
	pthread_mutex_lock(&f->lock);
	if (ino != FUSE_ROOT_ID)
		kref_drop(f, node_of(f, ino), nlookup);
	pthread_mutex_unlock(&f->lock);
	fuse_reply_none(req);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct ffs *f = F(req);
	struct stat st;
	(void)fi;
	pthread_mutex_lock(&f->lock);
	stat_of(f, node_of(f, ino), &st);
	pthread_mutex_unlock(&f->lock);
	delay(f, P9_TGETATTR);
	fuse_reply_attr(req, &st, 0);
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int to_set, struct fuse_file_info *fi)
{
	struct ffs *f = F(req);
	struct sfs_setattr s = { 0 };
	struct stat st;
	int rc;
	(void)fi;
	if (to_set & FUSE_SET_ATTR_MODE)
		s.valid |= SFS_SET_MODE, s.mode = attr->st_mode & 07777;
	if (to_set & FUSE_SET_ATTR_UID)
		s.valid |= SFS_SET_UID, s.uid = attr->st_uid;
	if (to_set & FUSE_SET_ATTR_GID)
		s.valid |= SFS_SET_GID, s.gid = attr->st_gid;
	if (to_set & FUSE_SET_ATTR_SIZE)
		s.valid |= SFS_SET_SIZE, s.size = (uint64_t)attr->st_size;
	if (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_ATIME_NOW))
		s.valid |= SFS_SET_ATIME;
	if (to_set & FUSE_SET_ATTR_ATIME)
		s.valid |= SFS_SET_ATIME_SET,
		s.atime = (int64_t)attr->st_atim.tv_sec * 1000000000 + attr->st_atim.tv_nsec;
	if (to_set & (FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_MTIME_NOW))
		s.valid |= SFS_SET_MTIME;
	if (to_set & FUSE_SET_ATTR_MTIME)
		s.valid |= SFS_SET_MTIME_SET,
		s.mtime = (int64_t)attr->st_mtim.tv_sec * 1000000000 + attr->st_mtim.tv_nsec;
	if (to_set & FUSE_SET_ATTR_CTIME)
		s.valid |= SFS_SET_CTIME;
	pthread_mutex_lock(&f->lock);
	rc = sfs_setattr(f->t, node_of(f, ino), &s);
	if (rc)
		return reply_rc(req, f, rc);
	stat_of(f, node_of(f, ino), &st);
	pthread_mutex_unlock(&f->lock);
	fuse_reply_attr(req, &st, 0);
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct ffs *f = F(req);
	const char *target;
	char *copy;
	int rc;
	pthread_mutex_lock(&f->lock);
	rc = sfs_readlink(node_of(f, ino), &target);
	if (rc)
		return reply_rc(req, f, rc);
	copy = strdup(target);
	pthread_mutex_unlock(&f->lock);
	if (!copy)
		fuse_reply_err(req, ENOMEM);
	else
		fuse_reply_readlink(req, copy);
	free(copy);
}

static void make(fuse_req_t req, fuse_ino_t parent, const char *name,
		 mode_t mode, dev_t rdev)
{
	struct ffs *f = F(req);
	struct sfs_node *n = NULL;
	int rc;
	pthread_mutex_lock(&f->lock);
	rc = sfs_create(f->t, node_of(f, parent), name, strlen(name), mode, rdev,
			fuse_req_ctx(req)->gid, &n);
	reply_made(req, f, rc, n);
}

static void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode, dev_t rdev)
{
	make(req, parent, name, mode, rdev);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	make(req, parent, name, (mode & 07777) | S_IFDIR, 0);
}

/* unlink and rmdir: remove name from parent as a file or a directory. */
static void unlink_as(fuse_req_t req, fuse_ino_t parent, const char *name,
		      int how)
{
	struct ffs *f = F(req);
	pthread_mutex_lock(&f->lock);
	reply_rc(req, f, sfs_unlink(f->t, node_of(f, parent), name, strlen(name),
				    how));
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	unlink_as(req, parent, name, SFS_UNLINK_FILE);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	unlink_as(req, parent, name, SFS_UNLINK_DIR);
}

static void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		       const char *name)
{
	struct ffs *f = F(req);
	struct sfs_node *n = NULL;
	int rc;
	pthread_mutex_lock(&f->lock);
	rc = sfs_symlink(f->t, node_of(f, parent), name, strlen(name), link,
			 strlen(link), fuse_req_ctx(req)->gid, &n);
	reply_made(req, f, rc, n);
}

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		      fuse_ino_t newparent, const char *newname, unsigned flags)
{
	struct ffs *f = F(req);
	if (flags) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	pthread_mutex_lock(&f->lock);
	reply_rc(req, f, sfs_rename(f->t, node_of(f, parent), name, strlen(name),
				    node_of(f, newparent), newname, strlen(newname)));
}

static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
		    const char *newname)
{
	struct ffs *f = F(req);
	struct sfs_node *n = node_of(f, ino);
	int rc;
	pthread_mutex_lock(&f->lock);
	rc = sfs_link(f->t, node_of(f, newparent), newname, strlen(newname), n);
	reply_made(req, f, rc, n);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct ffs *f = F(req);
	struct sfs_node *n = node_of(f, ino);
	int acc = fi->flags & O_ACCMODE, rc = 0;
	pthread_mutex_lock(&f->lock);
	if (sfs_is_dir(n) && acc != O_RDONLY)
		rc = -EISDIR;
	else
		rc = sfs_access(n, acc == O_RDONLY ? SFS_MAY_READ
				   : acc == O_WRONLY ? SFS_MAY_WRITE
				   : SFS_MAY_READ | SFS_MAY_WRITE);
	if (rc)
		return reply_rc(req, f, rc);
	sfs_ref(n);
	pthread_mutex_unlock(&f->lock);
	fi->direct_io = 1;
	fi->keep_cache = 0;
	fi->fh = (uint64_t)(uintptr_t)n;
	delay(f, P9_TLOPEN);
	if (fuse_reply_open(req, fi))
		unref_open(f, n);
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	unref_open(F(req), (struct sfs_node *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

/* /flush/block: wait for the kernel's interrupt or the block timeout. */
struct blocker {
	pthread_mutex_t m;
	pthread_cond_t c;
	int interrupted;
};

static void on_interrupt(fuse_req_t req, void *arg)
{
	struct blocker *b = arg;
	(void)req;
	pthread_mutex_lock(&b->m);
	b->interrupted = 1;
	pthread_cond_signal(&b->c);
	pthread_mutex_unlock(&b->m);
}

static void block_then_eintr(fuse_req_t req, struct ffs *f)
{
	struct blocker b = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 };
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += f->block_timeout;
	fuse_req_interrupt_func(req, on_interrupt, &b);
	pthread_mutex_lock(&b.m);
	while (!b.interrupted && pthread_cond_timedwait(&b.c, &b.m, &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&b.m);
	fuse_req_interrupt_func(req, NULL, NULL);
	if (f->verbose)
		fprintf(stderr, "synthfs: fuse: blocked request ends (%s)\n",
			b.interrupted ? "interrupted" : "timeout");
	fuse_reply_err(req, EINTR);
}

/* Read into rbuf, or write wbuf (rbuf NULL), size bytes at off of the
 * file open as fi; replies when that fails or blocks.  Returns the count
 * done, or -1 when the request has its reply. */
static long file_io(fuse_req_t req, struct ffs *f, struct fuse_file_info *fi,
		    off_t off, char *rbuf, const char *wbuf, size_t size)
{
	struct sfs_node *n = (struct sfs_node *)(uintptr_t)fi->fh;
	long rc;
	pthread_mutex_lock(&f->lock);
	if (n->kind == SFS_K_CTL)
		rc = -EOPNOTSUPP;
	else if (rbuf)
		rc = sfs_read(f->t, n, (uint64_t)off, rbuf, size);
	else
		rc = sfs_write(f->t, n, (uint64_t)off, wbuf, size);
	pthread_mutex_unlock(&f->lock);
	if (rc == SFS_EBLOCK)
		block_then_eintr(req, f);
	else if (rc < 0)
		fuse_reply_err(req, (int)-rc);
	return rc < 0 ? -1 : rc;
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct ffs *f = F(req);
	char *buf = malloc(size ? size : 1);
	long rc;
	(void)ino;
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if ((rc = file_io(req, f, fi, off, buf, NULL, size)) >= 0)
		delay(f, P9_TREAD), fuse_reply_buf(req, buf, (size_t)rc);
	free(buf);
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size,
		     off_t off, struct fuse_file_info *fi)
{
	struct ffs *f = F(req);
	long rc;
	(void)ino;
	if ((rc = file_io(req, f, fi, off, NULL, buf, size)) >= 0)
		delay(f, P9_TWRITE), fuse_reply_write(req, (size_t)rc);
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct ffs *f = F(req);
	struct sfs_node *n = node_of(f, ino);
	pthread_mutex_lock(&f->lock);
	if (!sfs_is_dir(n))
		return reply_rc(req, f, -ENOTDIR);
	sfs_ref(n);
	pthread_mutex_unlock(&f->lock);
	fi->fh = (uint64_t)(uintptr_t)n;
	fuse_reply_open(req, fi);
}

struct dirbuf {
	fuse_req_t req;
	struct ffs *f;
	char *buf;
	size_t size, len;
};

static int add_dirent(void *arg, const struct sfs_dirent *e)
{
	struct dirbuf *d = arg;
	struct stat st;
	char name[256];
	size_t need;
	if (e->namelen >= sizeof name)
		return 0; /* cannot happen: 9P names fit */
	memcpy(name, e->name, e->namelen);
	name[e->namelen] = 0;
	stat_of(d->f, e->node, &st);
	need = fuse_add_direntry(d->req, d->buf + d->len, d->size - d->len, name, &st,
				 (off_t)e->next);
	if (need > d->size - d->len)
		return 1;
	d->len += need;
	return 0;
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct ffs *f = F(req);
	struct dirbuf d = { req, f, malloc(size ? size : 1), size, 0 };
	int rc;
	(void)ino;
	if (!d.buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	pthread_mutex_lock(&f->lock);
	rc = sfs_readdir(f->t, (struct sfs_node *)(uintptr_t)fi->fh, (uint64_t)off,
			 add_dirent, &d);
	pthread_mutex_unlock(&f->lock);
	if (rc < 0)
		fuse_reply_err(req, -rc);
	else
		delay(f, P9_TREADDIR), fuse_reply_buf(req, d.buf, d.len);
	free(d.buf);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv = { .f_bsize = 4096, .f_frsize = 4096, .f_blocks = 1 << 20,
			      .f_bfree = 1 << 19, .f_bavail = 1 << 19, .f_files = 1 << 20,
			      .f_ffree = 1 << 19, .f_namemax = 255 };
	(void)ino;
	fuse_reply_statfs(req, &sv);
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, struct fuse_file_info *fi)
{
	struct ffs *f = F(req);
	struct fuse_entry_param e;
	struct sfs_node *n;
	int rc;
	pthread_mutex_lock(&f->lock);
	rc = sfs_create(f->t, node_of(f, parent), name, strlen(name),
			(mode & 07777) | S_IFREG, 0, fuse_req_ctx(req)->gid, &n);
	if (rc)
		return reply_rc(req, f, rc);
	kref_add(f, n); /* the kernel's lookup */
	sfs_ref(n);     /* the open file */
	memset(&e, 0, sizeof e);
	e.ino = ino_of(f, n);
	stat_of(f, n, &e.attr);
	pthread_mutex_unlock(&f->lock);
	fi->direct_io = 1;
	fi->fh = (uint64_t)(uintptr_t)n;
	if (fuse_reply_create(req, &e, fi)) {
		pthread_mutex_lock(&f->lock);
		kref_drop(f, n, 1);
		sfs_unref(f->t, n);
		pthread_mutex_unlock(&f->lock);
	}
}

static void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		     struct fuse_file_info *fi)
{
	(void)ino, (void)datasync, (void)fi;
	fuse_reply_err(req, 0);
}

/* getxattr of name, or listxattr (name NULL), into a buffer of size
 * bytes (0: the size it takes). */
static void get_xattr(fuse_req_t req, fuse_ino_t ino, const char *name,
		      size_t size)
{
	struct ffs *f = F(req);
	char *buf = size ? malloc(size) : NULL;
	long rc;
	if (size && !buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	pthread_mutex_lock(&f->lock);
	if (name)
		rc = sfs_xattr_get(node_of(f, ino), name, buf, size);
	else
		rc = sfs_xattr_list(node_of(f, ino), buf, size);
	pthread_mutex_unlock(&f->lock);
	if (rc < 0)
		fuse_reply_err(req, (int)-rc);
	else if (!size)
		fuse_reply_xattr(req, (size_t)rc);
	else
		fuse_reply_buf(req, buf, (size_t)rc);
	free(buf);
}

static void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	get_xattr(req, ino, name, size);
}

static void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	get_xattr(req, ino, NULL, size);
}

static void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			const char *value, size_t size, int flags)
{
	struct ffs *f = F(req);
	int rc;
	pthread_mutex_lock(&f->lock);
	/* a zero-length value is a value here, not a removal */
	rc = sfs_xattr_set(f->t, node_of(f, ino), name, size ? value : "", size,
			   flags & 3);
	reply_rc(req, f, rc);
}

static void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	struct ffs *f = F(req);
	struct sfs_node *n = node_of(f, ino);
	int rc;
	pthread_mutex_lock(&f->lock);
	rc = sfs_xattr_get(n, name, NULL, 0) < 0 ? -ENODATA :
		sfs_xattr_set(f->t, n, name, NULL, 0, 0);
	reply_rc(req, f, rc);
}

static const struct fuse_lowlevel_ops ops = {
	.lookup = op_lookup, .forget = op_forget, .getattr = op_getattr,
	.setattr = op_setattr, .readlink = op_readlink, .mknod = op_mknod,
	.mkdir = op_mkdir, .unlink = op_unlink, .rmdir = op_rmdir,
	.symlink = op_symlink, .rename = op_rename, .link = op_link,
	.open = op_open, .read = op_read, .write = op_write,
	.release = op_release, .fsync = op_fsync, .opendir = op_opendir,
	.readdir = op_readdir, .releasedir = op_release, .fsyncdir = op_fsync,
	.statfs = op_statfs, .setxattr = op_setxattr, .getxattr = op_getxattr,
	.listxattr = op_listxattr, .removexattr = op_removexattr,
	.create = op_create,
};

int sfs_fuse_main(struct sfs_tree *t, const char *mountpoint, int block_timeout,
		  const uint64_t *delay_ns, int verbose)
{
	char *argv[] = { "synthfs", "-o", "fsname=synthfs,subtype=synthfs", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);
	struct ffs f = { .t = t, .block_timeout = block_timeout > 0 ? block_timeout : 30,
			 .verbose = verbose, .delay_ns = delay_ns };
	struct fuse_session *se;
	int rc = 2;
	pthread_mutex_init(&f.lock, NULL);
	se = fuse_session_new(&args, &ops, sizeof ops, &f);
	if (!se) {
		fprintf(stderr, "synthfs: --fuse: cannot create a FUSE session\n");
		return 2;
	}
	if (fuse_set_signal_handlers(se)) {
		fprintf(stderr, "synthfs: --fuse: cannot set signal handlers\n");
	} else if (fuse_session_mount(se, mountpoint)) {
		fprintf(stderr, "synthfs: --fuse %s: mount failed\n", mountpoint);
		fuse_remove_signal_handlers(se);
	} else {
		printf("synthfs: mounted on %s\n", mountpoint);
		fflush(stdout);
		struct fuse_loop_config *lc = fuse_loop_cfg_create();
		if (!lc) {
			rc = 2;
		} else {
			fuse_loop_cfg_set_clone_fd(lc, 0);
			fuse_loop_cfg_set_max_threads(lc, 64);
			rc = fuse_session_loop_mt(se, lc) < 0 ? 2 : 0;
			fuse_loop_cfg_destroy(lc);
		}
		fuse_session_unmount(se);
		fuse_remove_signal_handlers(se);
	}
	fuse_session_destroy(se);
	fuse_opt_free_args(&args);
	kref_clear(&f);
	pthread_mutex_destroy(&f.lock);
	return rc;
}
