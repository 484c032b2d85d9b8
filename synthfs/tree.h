/*
 * tree.h - synthfs's in-memory file tree, independent of 9P.
 *
 * Owns: nodes (stable ids, inode numbers, simulated devices, versions),
 * directory entries with stable readdir cookies, generated content (/data,
 * /flush, /ctl), the writable /rw area with its quota, hard links, symlinks,
 * extended attributes, and the multidevs inode mapping.
 *
 * A 9P server (dispatch.c) and a FUSE frontend can both serve this tree.
 * Every function returns 0 (or a byte count) on success and a negative
 * Linux errno on failure.  The tree is NOT thread-safe: callers serialise
 * all calls (synthfs holds one lock around each operation).
 *
 * API summary:
 *   sfs_tree_new(opts)                 build the contract tree (or, with
 *                                      opts.bare, only a writable root)
 *   sfs_lookup(t, dir, name, &node)    one path element ("." and ".." too)
 *   sfs_getattr(t, node, &attr)        stat-like attributes incl. qid path
 *   sfs_readdir(t, dir, cookie, cb, a) entries after cookie (0 = start);
 *                                      cb returns nonzero to stop
 *   sfs_read / sfs_write               byte I/O; SFS_EBLOCK = "would block"
 *   sfs_create / sfs_symlink / sfs_link / sfs_unlink / sfs_rename
 *   sfs_readlink / sfs_setattr / sfs_xattr_get / _set / _list
 *   sfs_ref / sfs_unref                 keep a node alive while a handle
 *                                      (fid, FUSE inode) refers to it
 */
#ifndef SYNTHFS_TREE_H
#define SYNTHFS_TREE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SFS_EBLOCK (-100000L) /* read/write of a blocking file */
#define SFS_COLLIDE_MOD 64      /* --bug qid-collide */
#define SFS_COLLIDE_BASE (1ull << 32) /* ... above every directory's path */
#define SFS_HOLE_BYTE 0xa5      /* --bug holes-nonzero: what holes hold */

enum sfs_multidevs { SFS_MD_WARN = 0, SFS_MD_REMAP, SFS_MD_FORBID };

/* What a node's content is. */
enum sfs_kind {
	SFS_K_PLAIN = 0, /* data held in memory (or empty) */
	SFS_K_PATTERN,   /* byte at o is p9_contract_byte(o), no RAM */
	SFS_K_BLOCK,     /* /flush/block */
	SFS_K_NOW,       /* /flush/now */
	SFS_K_CTL,       /* /ctl/...: the server formats the content */
};
enum sfs_ctl { SFS_CTL_FIDS, SFS_CTL_TAGS, SFS_CTL_MSGS, SFS_CTL_CONNS,
	       SFS_CTL_ALLFIDS, SFS_CTL_HOPS };

struct sfs_xattr {
	struct sfs_xattr *next;
	char *name;
	uint8_t *val;
	size_t len;
};

struct sfs_dent;

/* A piece of a file's content (data.c): offsets [idx * SFS_CHUNK,
 * idx * SFS_CHUNK + used) are in p (alloc bytes). */
#define SFS_CHUNK (64u * 1024)
struct sfs_chunk {
	uint64_t idx;
	uint32_t used, alloc;
	uint8_t *p;
};

struct sfs_node {
	uint64_t id;          /* unique, never reused; the root device inode */
	uint64_t ino;         /* inode number on its device */
	uint32_t dev;         /* simulated device: 0 root, 1 devA, 2 devB */
	uint32_t version;     /* bumped on every modification */
	uint32_t mode;        /* Linux st_mode (type and permission bits) */
	uint32_t uid, gid;
	uint64_t rdev;
	uint32_t nlink;       /* directory entries naming it */
	uint32_t nref;        /* handles (fids) holding it */
	uint32_t nopen;       /* opens, for exclusive-use files */
	uint8_t kind;         /* enum sfs_kind */
	uint8_t ctl;          /* enum sfs_ctl for SFS_K_CTL */
	uint8_t append, excl; /* DMAPPEND / DMEXCL */
	uint8_t quota;        /* data counts against the quota */
	uint8_t fixed;        /* contract node: no chmod/chown/rename/remove */
	uint32_t nsubdirs;    /* directories: subdirectories, for nlink */
	struct sfs_dent *dent; /* entries naming it (via lnext), newest first */
	char *name;           /* the name it was last given (for Rstat) */
	struct sfs_node *parent; /* directories: the parent; NULL if removed */
	uint64_t size;
	struct sfs_chunk *chunks; /* SFS_K_PLAIN content, sorted by idx; */
	size_t nchunks, capchunks; /* bytes no chunk holds are a hole */
	const char *cdata;    /* static content instead of chunks */
	char *target;         /* symlink target */
	struct sfs_xattr *xattrs;
	int64_t atime, mtime, ctime; /* nanoseconds */
	/* directories: entries in cookie order */
	struct sfs_dent **ents;
	size_t nents, capents;
	uint64_t nextpos;     /* next cookie for a new entry */
};

struct sfs_dent {
	struct sfs_dent *hnext; /* lookup hash chain */
	struct sfs_dent *lnext; /* the node's other entries (hard links) */
	struct sfs_node *dir;
	struct sfs_node *node;
	uint64_t pos;          /* readdir cookie of this entry */
	uint16_t namelen;
	char name[];
};

struct sfs_attr {
	uint32_t mode, uid, gid;
	uint64_t nlink, rdev, size, blksize, blocks, ino;
	uint32_t dev;
	uint64_t qpath;        /* qid.path after the multidevs mapping */
	uint8_t qtype;         /* qid.type bits */
	uint32_t version;
	int64_t atime, mtime, ctime, btime;
};

struct sfs_dirent {
	const char *name;
	size_t namelen;
	uint64_t next;         /* cookie to resume after this entry */
	struct sfs_node *node;
	uint8_t dtype;         /* DT_* */
};

struct sfs_opts {
	enum sfs_multidevs multidevs;
	uint64_t quota;        /* bytes of /rw data */
	int version_static;    /* bug qid-version-static */
	int path_collision;    /* bug qid-path-collision */
	int qid_collide;       /* bug qid-collide: files' qid.path is the
				  node id modulo SFS_COLLIDE_MOD */
	int append_ignored;    /* bug append-ignored: DMAPPEND ignored */
	int holes_nonzero;     /* bug holes-nonzero: holes read SFS_HOLE_BYTE */
	int bare;              /* --bare: only an empty writable root */
	unsigned readdir_max;  /* files per /readdir/dN at most (0: N); the
				  fuzzer's tree is small, to build fast */
};

struct sfs_tree {
	struct sfs_opts o;
	struct sfs_node *root;
	uint64_t nextid;
	uint64_t used;         /* bytes counted against the quota */
	struct sfs_dent **hash;
	size_t nhash, hmask;
};

struct sfs_setattr {
	unsigned valid;        /* SFS_SET_* */
	uint32_t mode, uid, gid;
	uint64_t size;
	int64_t atime, mtime;  /* ns; ignored unless the *_SET bit is given */
};
enum { SFS_SET_MODE = 1, SFS_SET_UID = 2, SFS_SET_GID = 4, SFS_SET_SIZE = 8,
       SFS_SET_ATIME = 16, SFS_SET_MTIME = 32, SFS_SET_CTIME = 64,
       SFS_SET_ATIME_SET = 128, SFS_SET_MTIME_SET = 256 };

enum { SFS_UNLINK_ANY = 0, SFS_UNLINK_DIR = 1, SFS_UNLINK_FILE = 2 };

struct sfs_tree *sfs_tree_new(const struct sfs_opts *o);
void sfs_tree_free(struct sfs_tree *t);
/* Load extra nodes from a text description (see docs/synthfs.md).  On error
 * returns negative and writes "FILE:LINE: reason" to err. */
int sfs_tree_load(struct sfs_tree *t, const char *path, char *err, size_t cap);
/* The cookie after which the entry at listing index idx comes ("." is
 * index 0, ".." 1, then the entries in cookie order): for the bug
 * readdir-shift, whose offsets are indexes. */
uint64_t sfs_index_cookie(const struct sfs_node *dir, uint64_t idx);
/* Resolve a slash-separated path from the root (no multidevs checks). */
struct sfs_node *sfs_path(struct sfs_tree *t, const char *path);

void sfs_ref(struct sfs_node *n);
void sfs_unref(struct sfs_tree *t, struct sfs_node *n);

int sfs_lookup(struct sfs_tree *t, struct sfs_node *dir, const char *name,
	       size_t len, struct sfs_node **out);
void sfs_getattr(struct sfs_tree *t, struct sfs_node *n, struct sfs_attr *a);
int sfs_is_dir(const struct sfs_node *n);
int sfs_readdir(struct sfs_tree *t, struct sfs_node *dir, uint64_t cookie,
		int (*cb)(void *arg, const struct sfs_dirent *e), void *arg);
long sfs_read(struct sfs_tree *t, struct sfs_node *n, uint64_t off, void *buf,
	      size_t len);
long sfs_write(struct sfs_tree *t, struct sfs_node *n, uint64_t off,
	       const void *buf, size_t len);
/* mode carries S_IFREG/S_IFDIR/S_IFIFO/S_IFCHR/S_IFBLK/S_IFSOCK. */
int sfs_create(struct sfs_tree *t, struct sfs_node *dir, const char *name,
	       size_t len, uint32_t mode, uint64_t rdev, uint32_t gid,
	       struct sfs_node **out);
int sfs_symlink(struct sfs_tree *t, struct sfs_node *dir, const char *name,
		size_t len, const char *target, size_t tlen, uint32_t gid,
		struct sfs_node **out);
int sfs_link(struct sfs_tree *t, struct sfs_node *dir, const char *name,
	     size_t len, struct sfs_node *n);
int sfs_unlink(struct sfs_tree *t, struct sfs_node *dir, const char *name,
	       size_t len, int how);
int sfs_rename(struct sfs_tree *t, struct sfs_node *odir, const char *oname,
	       size_t olen, struct sfs_node *ndir, const char *nname,
	       size_t nlen);
/* Remove the entry that names n in its parent (Tremove). */
int sfs_remove_node(struct sfs_tree *t, struct sfs_node *n);
int sfs_readlink(struct sfs_node *n, const char **target);
int sfs_setattr(struct sfs_tree *t, struct sfs_node *n,
		const struct sfs_setattr *s);
/* Permission check on the owner bits: want is a mask of these. */
enum { SFS_MAY_READ = 4, SFS_MAY_WRITE = 2 };
int sfs_access(const struct sfs_node *n, int want);
long sfs_xattr_get(struct sfs_node *n, const char *name, void *buf, size_t cap);
long sfs_xattr_list(struct sfs_node *n, void *buf, size_t cap);
/* flags: 1 = XATTR_CREATE, 2 = XATTR_REPLACE.  len 0 with val NULL and
 * flags 0 removes the attribute. */
int sfs_xattr_set(struct sfs_tree *t, struct sfs_node *n, const char *name,
		  const void *val, size_t len, int flags);
/* Building blocks for build.c: a detached node, and an entry for it. */
struct sfs_node *sfs_node_new(struct sfs_tree *t, uint32_t mode);
int sfs_dent_add(struct sfs_tree *t, struct sfs_node *dir, const char *name,
		 size_t len, struct sfs_node *n);
/* data.c: a plain file's sparse content.  Read fills len bytes (holes as
 * zeros); write stores them whole or fails (-ENOSPC: quota); truncate drops
 * what lies at or beyond size; free drops it all.  No size/time updates. */
void sfs_data_read(const struct sfs_tree *t, const struct sfs_node *n,
		   uint64_t off, uint8_t *buf, size_t len);
int sfs_data_write(struct sfs_tree *t, struct sfs_node *n, uint64_t off,
		   const void *buf, size_t len);
int sfs_data_truncate(struct sfs_tree *t, struct sfs_node *n, uint64_t size);
void sfs_data_free(struct sfs_tree *t, struct sfs_node *n);

/* ---- --delay, in both frontends (loop.c, fuse.c) ---- */

/* --delay-spin's default (us): the last microseconds of a --delay are
 * polled rather than slept, because a timer wake-up on a busy machine
 * comes late by several us even with 1 ns of timer slack
 * (docs/performance.md, "synthfs --delay accuracy"). */
enum { SFS_DELAY_SPIN_US = 100 };
/* A --delay up to this long (us) is spun inline on the event loop (the
 * whole server waits, as for CPU work) instead of parking the reply. */
enum { SFS_DELAY_INLINE_US = 10 };

#endif
