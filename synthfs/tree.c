/*
 * tree.c - synthfs's in-memory tree: nodes, directory entries, lookups,
 * readdir cookies, content, quota, links, xattrs and the multidevs mapping.
 * The contract tree itself is built in build.c.  See tree.h for the API.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "lib/p9fs.h"
#include "lib/xalloc.h"
#include "synthfs/tree.h"

static int64_t sfs_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int sfs_is_dir(const struct sfs_node *n)
{
	return S_ISDIR(n->mode);
}

/* ---- lookup hash: (directory id, name) -> entry ---- */

static size_t hkey(uint64_t dirid, const char *name, size_t len)
{
	uint64_t h = 1469598103934665603ull ^ (dirid * 0x9e3779b97f4a7c15ull);
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)name[i]) * 1099511628211ull;
	return (size_t)(h ^ (h >> 29));
}

static void hash_grow(struct sfs_tree *t)
{
	size_t n = t->hmask ? (t->hmask + 1) * 2 : 1024;
	struct sfs_dent **h = calloc(n, sizeof *h);
	if (!h)
		return; /* keep the old table: chains just get longer */
	for (size_t i = 0; t->hash && i <= t->hmask; i++) {
		struct sfs_dent *d = t->hash[i], *nx;
		for (; d; d = nx) {
			size_t k = hkey(d->dir->id, d->name, d->namelen) & (n - 1);
			nx = d->hnext;
			d->hnext = h[k];
			h[k] = d;
		}
	}
	free(t->hash);
	t->hash = h;
	t->hmask = n - 1;
}

static struct sfs_dent **hash_slot(struct sfs_tree *t, struct sfs_node *dir,
				   const char *name, size_t len)
{
	struct sfs_dent **pp = &t->hash[hkey(dir->id, name, len) & t->hmask];
	for (; *pp; pp = &(*pp)->hnext)
		if ((*pp)->dir == dir && (*pp)->namelen == len &&
		    memcmp((*pp)->name, name, len) == 0)
			return pp;
	return pp;
}

static struct sfs_dent *dent_find(struct sfs_tree *t, struct sfs_node *dir,
				  const char *name, size_t len)
{
	if (!t->hash)
		return NULL; /* no entry yet (a --bare tree) */
	return *hash_slot(t, dir, name, len);
}

/* ---- nodes ---- */

static void node_free(struct sfs_tree *t, struct sfs_node *n)
{
	struct sfs_xattr *x, *nx;
	sfs_data_free(t, n);
	for (x = n->xattrs; x; x = nx) {
		nx = x->next;
		t->used -= x->len < t->used ? x->len : t->used;
		free(x->name);
		free(x->val);
		free(x);
	}
	free(n->target);
	free(n->name);
	free(n->ents);
	free(n);
}

static void maybe_free(struct sfs_tree *t, struct sfs_node *n)
{
	if (n->nlink == 0 && n->nref == 0 && n != t->root)
		node_free(t, n);
}

void sfs_ref(struct sfs_node *n)
{
	n->nref++;
}

void sfs_unref(struct sfs_tree *t, struct sfs_node *n)
{
	if (n->nref)
		n->nref--;
	maybe_free(t, n);
}

static void sfs_touch(struct sfs_tree *t, struct sfs_node *n)
{
	if (!t->o.version_static)
		n->version++;
	n->mtime = n->ctime = sfs_now();
}

struct sfs_node *sfs_node_new(struct sfs_tree *t, uint32_t mode)
{
	struct sfs_node *n = calloc(1, sizeof *n);
	if (!n)
		return NULL;
	n->id = t->nextid++;
	n->ino = n->id;
	n->mode = mode;
	n->atime = n->mtime = n->ctime = sfs_now();
	n->nextpos = 3; /* 1 and 2 are "." and ".." */
	return n;
}

static int valid_name(const char *name, size_t len)
{
	if (len == 0 || len > 255 || memchr(name, '/', len) ||
	    memchr(name, 0, len))
		return -EINVAL;
	if ((len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return -EEXIST;
	return 0;
}

/* Add an entry name -> n in dir (no checks). */
int sfs_dent_add(struct sfs_tree *t, struct sfs_node *dir, const char *name,
		 size_t len, struct sfs_node *n)
{
	struct sfs_dent *d;
	if (t->nhash >= t->hmask)
		hash_grow(t);
	if (p9_grow(&dir->ents, &dir->capents, dir->nents, sizeof *dir->ents, 8))
		return -ENOMEM;
	d = malloc(sizeof *d + len + 1);
	if (!d)
		return -ENOMEM;
	d->dir = dir;
	d->node = n;
	d->pos = dir->nextpos++;
	d->namelen = (uint16_t)len;
	memcpy(d->name, name, len);
	d->name[len] = 0;
	struct sfs_dent **slot = &t->hash[hkey(dir->id, name, len) & t->hmask];
	d->hnext = *slot;
	*slot = d;
	t->nhash++;
	dir->ents[dir->nents++] = d;
	n->nlink++;
	d->lnext = n->dent;
	n->dent = d;
	if (S_ISDIR(n->mode)) {
		n->parent = dir;
		dir->nsubdirs++;
	}
	char *nm = strndup(name, len);
	if (nm) {
		free(n->name);
		n->name = nm;
	}
	return 0;
}

/* Remove an entry (no checks); frees the node if nothing refers to it. */
static void dent_remove(struct sfs_tree *t, struct sfs_dent *d)
{
	struct sfs_node *dir = d->dir, *n = d->node;
	struct sfs_dent **pp = hash_slot(t, dir, d->name, d->namelen);
	size_t lo = 0, hi = dir->nents;
	if (*pp == d)
		*pp = d->hnext;
	t->nhash--;
	while (lo < hi) { /* entries are sorted by pos */
		size_t mid = (lo + hi) / 2;
		if (dir->ents[mid]->pos < d->pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < dir->nents && dir->ents[lo] == d) {
		memmove(&dir->ents[lo], &dir->ents[lo + 1],
			(dir->nents - lo - 1) * sizeof d);
		dir->nents--;
	}
	for (struct sfs_dent **lp = &n->dent; *lp; lp = &(*lp)->lnext) {
		if (*lp == d) {
			*lp = d->lnext;
			break;
		}
	}
	if (S_ISDIR(n->mode)) {
		n->parent = NULL;
		dir->nsubdirs--;
	}
	n->nlink--;
	if (n->nlink == 0)
		n->ctime = sfs_now();
	free(d);
	maybe_free(t, n);
}

/* ---- queries ---- */

int sfs_lookup(struct sfs_tree *t, struct sfs_node *dir, const char *name,
	       size_t len, struct sfs_node **out)
{
	struct sfs_dent *d;
	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	if (len == 0 || memchr(name, '/', len))
		return -EINVAL;
	if (len == 1 && name[0] == '.') {
		*out = dir;
		return 0;
	}
	if (len == 2 && name[0] == '.' && name[1] == '.') {
		*out = dir->parent ? dir->parent : (dir == t->root ? dir : NULL);
		return *out ? 0 : -ENOENT;
	}
	d = dent_find(t, dir, name, len);
	if (!d)
		return -ENOENT;
	if (t->o.multidevs == SFS_MD_FORBID && d->node->dev != 0)
		return -ENODEV;
	*out = d->node;
	return 0;
}

struct sfs_node *sfs_path(struct sfs_tree *t, const char *path)
{
	struct sfs_node *n = t->root;
	while (n && *path) {
		const char *e;
		while (*path == '/')
			path++;
		if (!*path)
			break;
		e = strchrnul(path, '/');
		struct sfs_dent *d = S_ISDIR(n->mode) ?
			dent_find(t, n, path, (size_t)(e - path)) : NULL;
		n = d ? d->node : NULL;
		path = e;
	}
	return n;
}

static uint64_t qpath(struct sfs_tree *t, const struct sfs_node *n)
{
	if (t->o.qid_collide && !S_ISDIR(n->mode))
		return SFS_COLLIDE_BASE + n->id % SFS_COLLIDE_MOD;
	if (n->dev == 0)
		return t->o.multidevs == SFS_MD_REMAP ? (n->ino << 1) | 1 : n->ino;
	if (t->o.multidevs != SFS_MD_REMAP || t->o.path_collision)
		return n->ino;
	/* remap: device k gets the 3-bit suffix 010 (devA) or 110 (devB) */
	return (n->ino << 3) | (n->dev == 1 ? 2 : 6);
}

void sfs_getattr(struct sfs_tree *t, struct sfs_node *n, struct sfs_attr *a)
{
	memset(a, 0, sizeof *a);
	a->mode = n->mode;
	a->uid = n->uid;
	a->gid = n->gid;
	a->nlink = S_ISDIR(n->mode) ? 2 + n->nsubdirs : n->nlink;
	a->rdev = n->rdev;
	a->size = S_ISDIR(n->mode) ? 4096 : S_ISLNK(n->mode) ?
		(n->target ? strlen(n->target) : 0) : n->size;
	a->blksize = 4096;
	a->blocks = (a->size + 511) / 512;
	a->ino = n->ino;
	a->dev = n->dev;
	a->qpath = qpath(t, n);
	a->qtype = S_ISDIR(n->mode) ? 0x80 : S_ISLNK(n->mode) ? 0x02 : 0;
	if (n->append)
		a->qtype |= 0x40;
	if (n->excl)
		a->qtype |= 0x20;
	a->version = n->version;
	a->atime = n->atime;
	a->mtime = n->mtime;
	a->ctime = n->ctime;
	a->btime = n->ctime;
}

static uint8_t dtype(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR: return DT_DIR;
	case S_IFLNK: return DT_LNK;
	case S_IFCHR: return DT_CHR;
	case S_IFBLK: return DT_BLK;
	case S_IFIFO: return DT_FIFO;
	case S_IFSOCK: return DT_SOCK;
	}
	return DT_REG;
}

uint64_t sfs_index_cookie(const struct sfs_node *dir, uint64_t idx)
{
	if (idx < 3)
		return idx; /* 0: the start, 1: after ".", 2: after ".." */
	if (idx - 3 < dir->nents)
		return dir->ents[idx - 3]->pos;
	return UINT64_MAX; /* past the end */
}

int sfs_readdir(struct sfs_tree *t, struct sfs_node *dir, uint64_t cookie,
		int (*cb)(void *arg, const struct sfs_dirent *e), void *arg)
{
	struct sfs_dirent e;
	size_t lo = 0, hi;
	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	if (!dir->parent && dir != t->root)
		return 0; /* removed while open: no entries, '.' and '..' included */
	if (cookie < 1) {
		e = (struct sfs_dirent){ ".", 1, 1, dir, DT_DIR };
		if (cb(arg, &e))
			return 0;
	}
	if (cookie < 2) {
		struct sfs_node *p = dir->parent ? dir->parent : dir;
		e = (struct sfs_dirent){ "..", 2, 2, p, DT_DIR };
		if (cb(arg, &e))
			return 0;
	}
	hi = dir->nents;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (dir->ents[mid]->pos <= cookie)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < dir->nents; lo++) {
		struct sfs_dent *d = dir->ents[lo];
		e = (struct sfs_dirent){ d->name, d->namelen, d->pos, d->node,
					 dtype(d->node->mode) };
		if (cb(arg, &e))
			break;
	}
	return 0;
}

/* ---- content ---- */

/* What any read or write of n meets first: -EISDIR, SFS_EBLOCK
 * (/flush/block), or 0 when the kind of node decides. */
static long io_first(const struct sfs_node *n)
{
	if (S_ISDIR(n->mode))
		return -EISDIR;
	return n->kind == SFS_K_BLOCK ? SFS_EBLOCK : 0;
}

long sfs_read(struct sfs_tree *t, struct sfs_node *n, uint64_t off, void *buf,
	      size_t len)
{
	long rc = io_first(n);
	if (rc)
		return rc;
	switch (n->kind) {
	case SFS_K_NOW:
		if (off >= 4)
			return 0;
		if (len > 4 - off)
			len = 4 - off;
		memcpy(buf, "now\n" + off, len);
		return (long)len;
	case SFS_K_CTL:
		return -EIO; /* the server formats these */
	default:
		break;
	}
	if (!S_ISREG(n->mode))
		return -EINVAL;
	if (off >= n->size)
		return 0;
	if (len > n->size - off)
		len = (size_t)(n->size - off);
	if (n->kind == SFS_K_PATTERN)
		p9_contract_fill(buf, len, off);
	else if (n->cdata)
		memcpy(buf, n->cdata + off, len);
	else
		sfs_data_read(t, n, off, buf, len);
	return (long)len;
}

long sfs_write(struct sfs_tree *t, struct sfs_node *n, uint64_t off,
	       const void *buf, size_t len)
{
	long rc = io_first(n);
	if (rc)
		return rc;
	switch (n->kind) {
	case SFS_K_NOW:
		return (long)len;
	case SFS_K_PLAIN:
		break;
	default:
		return -EACCES;
	}
	if (!S_ISREG(n->mode))
		return -EINVAL;
	if (n->append && !t->o.append_ignored)
		off = n->size;
	if (off + len < off || off + len > ((uint64_t)1 << 40))
		return -EFBIG;
	if (len == 0)
		return 0;
	if ((rc = sfs_data_write(t, n, off, buf, len)) < 0)
		return rc;
	if (off + len > n->size)
		n->size = off + len;
	sfs_touch(t, n);
	return (long)len;
}

int sfs_access(const struct sfs_node *n, int want)
{
	unsigned bits = (n->mode >> 6) & 7;
	return (bits & (unsigned)want) == (unsigned)want ? 0 : -EACCES;
}

/* ---- namespace changes ---- */

static int can_add(struct sfs_tree *t, struct sfs_node *dir, const char *name,
		   size_t len)
{
	int rc;
	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	if (dir->nlink == 0 && dir != t->root)
		return -ENOENT; /* removed directory */
	if ((rc = valid_name(name, len)) < 0)
		return rc;
	if (sfs_access(dir, SFS_MAY_WRITE) < 0)
		return -EACCES;
	if (dent_find(t, dir, name, len))
		return -EEXIST;
	return 0;
}

static struct sfs_node *child_new(struct sfs_tree *t, struct sfs_node *dir,
				  uint32_t mode, uint32_t gid)
{
	struct sfs_node *n = sfs_node_new(t, mode);
	if (!n)
		return NULL;
	n->quota = 1;
	n->gid = gid;
	n->dev = dir->dev;
	return n;
}

int sfs_create(struct sfs_tree *t, struct sfs_node *dir, const char *name,
	       size_t len, uint32_t mode, uint64_t rdev, uint32_t gid,
	       struct sfs_node **out)
{
	struct sfs_node *n;
	int rc = can_add(t, dir, name, len);
	if (rc < 0)
		return rc;
	if ((mode & S_IFMT) == 0)
		mode |= S_IFREG;
	switch (mode & S_IFMT) {
	case S_IFREG: case S_IFDIR: case S_IFIFO: case S_IFCHR: case S_IFBLK:
	case S_IFSOCK:
		break;
	default:
		return -EINVAL;
	}
	if (!(n = child_new(t, dir, mode & (S_IFMT | 07777), gid)))
		return -ENOMEM;
	n->rdev = rdev;
	if ((rc = sfs_dent_add(t, dir, name, len, n)) < 0) {
		node_free(t, n);
		return rc;
	}
	sfs_touch(t, dir);
	*out = n;
	return 0;
}

int sfs_symlink(struct sfs_tree *t, struct sfs_node *dir, const char *name,
		size_t len, const char *target, size_t tlen, uint32_t gid,
		struct sfs_node **out)
{
	struct sfs_node *n;
	int rc = can_add(t, dir, name, len);
	if (rc < 0)
		return rc;
	if (tlen == 0 || tlen > 4095)
		return tlen ? -ENAMETOOLONG : -ENOENT;
	if (!(n = child_new(t, dir, S_IFLNK | 0777, gid)))
		return -ENOMEM;
	n->target = strndup(target, tlen);
	if (!n->target || (rc = sfs_dent_add(t, dir, name, len, n)) < 0) {
		node_free(t, n);
		return n->target ? rc : -ENOMEM;
	}
	sfs_touch(t, dir);
	*out = n;
	return 0;
}

int sfs_link(struct sfs_tree *t, struct sfs_node *dir, const char *name,
	     size_t len, struct sfs_node *n)
{
	int rc = can_add(t, dir, name, len);
	if (rc < 0)
		return rc;
	if (S_ISDIR(n->mode))
		return -EPERM;
	if (n->dev != dir->dev)
		return -EXDEV;
	if (n->nlink == 0)
		return -ENOENT;
	if (n->fixed)
		return -EPERM;
	if ((rc = sfs_dent_add(t, dir, name, len, n)) < 0)
		return rc;
	n->ctime = sfs_now();
	if (!t->o.version_static)
		n->version++;
	sfs_touch(t, dir);
	return 0;
}

static int removable(struct sfs_tree *t, struct sfs_dent *d, int how)
{
	struct sfs_node *n = d->node;
	if (sfs_access(d->dir, SFS_MAY_WRITE) < 0 || n->fixed)
		return -EACCES;
	if (how == SFS_UNLINK_DIR && !S_ISDIR(n->mode))
		return -ENOTDIR;
	if (how == SFS_UNLINK_FILE && S_ISDIR(n->mode))
		return -EISDIR;
	if (S_ISDIR(n->mode) && n->nents)
		return -ENOTEMPTY;
	(void)t;
	return 0;
}

int sfs_unlink(struct sfs_tree *t, struct sfs_node *dir, const char *name,
	       size_t len, int how)
{
	struct sfs_dent *d;
	int rc;
	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	if ((rc = valid_name(name, len)) < 0)
		return rc == -EEXIST ? -EINVAL : rc;
	if (!(d = dent_find(t, dir, name, len)))
		return -ENOENT;
	if ((rc = removable(t, d, how)) < 0)
		return rc;
	dent_remove(t, d);
	sfs_touch(t, dir);
	return 0;
}

int sfs_remove_node(struct sfs_tree *t, struct sfs_node *n)
{
	struct sfs_dent *d = n->dent;
	struct sfs_node *dir;
	int rc;
	if (n == t->root)
		return -EBUSY;
	if (!d)
		return -ENOENT;
	if ((rc = removable(t, d, SFS_UNLINK_ANY)) < 0)
		return rc;
	dir = d->dir;
	dent_remove(t, d);
	sfs_touch(t, dir);
	return 0;
}

static int is_ancestor(struct sfs_node *a, struct sfs_node *n)
{
	for (; n; n = n->parent)
		if (n == a)
			return 1;
	return 0;
}

int sfs_rename(struct sfs_tree *t, struct sfs_node *odir, const char *oname,
	       size_t olen, struct sfs_node *ndir, const char *nname,
	       size_t nlen)
{
	struct sfs_dent *od, *nd;
	struct sfs_node *n;
	int rc;
	if (!S_ISDIR(odir->mode) || !S_ISDIR(ndir->mode))
		return -ENOTDIR;
	if ((rc = valid_name(oname, olen)) < 0 ||
	    (rc = valid_name(nname, nlen)) < 0)
		return rc == -EEXIST ? -EBUSY : rc;
	if (!(od = dent_find(t, odir, oname, olen)))
		return -ENOENT;
	n = od->node;
	if (sfs_access(odir, SFS_MAY_WRITE) < 0 ||
	    sfs_access(ndir, SFS_MAY_WRITE) < 0 || n->fixed)
		return -EACCES;
	if (ndir->nlink == 0 && ndir != t->root)
		return -ENOENT;
	if (n->dev != ndir->dev)
		return -EXDEV;
	if (S_ISDIR(n->mode) && is_ancestor(n, ndir))
		return -EINVAL;
	nd = dent_find(t, ndir, nname, nlen);
	if (nd) {
		if (nd->node == n)
			return 0;
		if (S_ISDIR(n->mode) && !S_ISDIR(nd->node->mode))
			return -ENOTDIR;
		if (!S_ISDIR(n->mode) && S_ISDIR(nd->node->mode))
			return -EISDIR;
		if ((rc = removable(t, nd, SFS_UNLINK_ANY)) < 0)
			return rc;
	}
	n->nref++; /* keep it alive between remove and add */
	if (nd)
		dent_remove(t, nd);
	dent_remove(t, od);
	rc = sfs_dent_add(t, ndir, nname, nlen, n);
	n->nref--;
	if (rc < 0) {
		maybe_free(t, n);
		return rc;
	}
	n->ctime = sfs_now();
	if (!t->o.version_static)
		n->version++;
	sfs_touch(t, odir);
	if (ndir != odir)
		sfs_touch(t, ndir);
	return 0;
}

int sfs_readlink(struct sfs_node *n, const char **target)
{
	if (!S_ISLNK(n->mode) || !n->target)
		return -EINVAL;
	*target = n->target;
	return 0;
}

int sfs_setattr(struct sfs_tree *t, struct sfs_node *n,
		const struct sfs_setattr *s)
{
	int64_t now = sfs_now();
	int rc;
	if ((s->valid & (SFS_SET_MODE | SFS_SET_UID | SFS_SET_GID)) && n->fixed)
		return -EPERM;
	if (s->valid & SFS_SET_SIZE) {
		if (S_ISDIR(n->mode))
			return -EISDIR;
		if (!S_ISREG(n->mode) || n->kind != SFS_K_PLAIN)
			return -EINVAL;
		if (sfs_access(n, SFS_MAY_WRITE) < 0)
			return -EACCES;
		if (s->size > ((uint64_t)1 << 40))
			return -EFBIG;
		/* growing makes a hole: nothing is stored */
		if ((rc = sfs_data_truncate(t, n, s->size)) < 0)
			return rc;
		n->size = s->size;
		n->mtime = now;
	}
	if (s->valid & SFS_SET_MODE)
		n->mode = (n->mode & S_IFMT) | (s->mode & 07777);
	if (s->valid & SFS_SET_UID)
		n->uid = s->uid;
	if (s->valid & SFS_SET_GID)
		n->gid = s->gid;
	if (s->valid & SFS_SET_ATIME)
		n->atime = (s->valid & SFS_SET_ATIME_SET) ? s->atime : now;
	if (s->valid & SFS_SET_MTIME)
		n->mtime = (s->valid & SFS_SET_MTIME_SET) ? s->mtime : now;
	n->ctime = now;
	if (!t->o.version_static)
		n->version++;
	return 0;
}

/* ---- extended attributes ---- */

static struct sfs_xattr **xattr_slot(struct sfs_node *n, const char *name)
{
	struct sfs_xattr **pp = &n->xattrs;
	for (; *pp; pp = &(*pp)->next)
		if (strcmp((*pp)->name, name) == 0)
			break;
	return pp;
}

long sfs_xattr_get(struct sfs_node *n, const char *name, void *buf, size_t cap)
{
	struct sfs_xattr *x = *xattr_slot(n, name);
	if (!x)
		return -ENODATA;
	if (buf && cap < x->len)
		return -ERANGE;
	if (buf)
		memcpy(buf, x->val, x->len);
	return (long)x->len;
}

long sfs_xattr_list(struct sfs_node *n, void *buf, size_t cap)
{
	size_t need = 0;
	for (struct sfs_xattr *x = n->xattrs; x; x = x->next) {
		size_t l = strlen(x->name) + 1;
		if (buf && need + l > cap)
			return -ERANGE;
		if (buf)
			memcpy((char *)buf + need, x->name, l);
		need += l;
	}
	return (long)need;
}

int sfs_xattr_set(struct sfs_tree *t, struct sfs_node *n, const char *name,
		  const void *val, size_t len, int flags)
{
	struct sfs_xattr **pp = xattr_slot(n, name), *x = *pp;
	if (!*name)
		return -EINVAL;
	if (n->fixed || !n->quota)
		return -EACCES;
	if ((flags & 1) && x)
		return -EEXIST;
	if ((flags & 2) && !x)
		return -ENODATA;
	if (!val && len == 0 && flags == 0) {
		if (!x)
			return -ENODATA;
		*pp = x->next;
		t->used -= x->len;
		free(x->name);
		free(x->val);
		free(x);
		sfs_touch(t, n);
		return 0;
	}
	if (len > 65536)
		return -E2BIG;
	if (t->used + len > t->o.quota)
		return -ENOSPC;
	if (!x) {
		if (!(x = calloc(1, sizeof *x)) || !(x->name = strdup(name))) {
			free(x);
			return -ENOMEM;
		}
		x->next = n->xattrs;
		n->xattrs = x;
	}
	uint8_t *v = malloc(len ? len : 1);
	if (!v)
		return -ENOMEM;
	if (len)
		memcpy(v, val, len);
	t->used -= x->len;
	free(x->val);
	x->val = v;
	x->len = len;
	t->used += len;
	n->ctime = sfs_now();
	if (!t->o.version_static)
		n->version++;
	return 0;
}

/* ---- teardown ---- */

static void clear_dir(struct sfs_tree *t, struct sfs_node *dir)
{
	while (dir->nents) {
		struct sfs_dent *d = dir->ents[dir->nents - 1];
		if (S_ISDIR(d->node->mode) && d->node != dir)
			clear_dir(t, d->node);
		dent_remove(t, d);
	}
}

void sfs_tree_free(struct sfs_tree *t)
{
	if (!t)
		return;
	clear_dir(t, t->root);
	node_free(t, t->root);
	free(t->hash);
	free(t);
}
