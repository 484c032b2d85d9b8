/*
 * p9fs.h - the client file layer and the contract tree.
 *
 * Owns: struct p9_fs, a small dialect-adaptive file API on top of
 * struct p9_client (walk a path, open, create, mkdir, symlink, link, read
 * and write whole ranges, list a directory, remove, remove a tree; the
 * Linux flags it takes are in lflags.h), and the contract
 * tree: the one description of the fixtures (readdir directories, the walk
 * chain, patterned data, links) that synthfs serves, that a host directory
 * can be filled with and that a client builds over 9P in any writable
 * server.
 *
 * Every call returns 0 (or a count) or a negative errno; on failure fs->err
 * holds one line naming the step ("lcreate readdir/d100/f7_xxxxxxx: EACCES").
 */
#ifndef P9FS_H
#define P9FS_H

#include <stddef.h>
#include <stdint.h>

#include "lflags.h"
#include "p9.h"

/* A range of fids the layer hands out (bitmap over [lo, lo + P9FS_MAXFIDS)). */
enum { P9FS_MAXFIDS = 64 };

struct p9_fs {
	struct p9_client *cl;
	int dialect;                 /* the client's negotiated dialect */
	int timeout_ms;              /* per request */
	uint32_t fidlo;              /* first fid of the layer's range */
	uint64_t fidused;            /* bitmap of fids in use */
	uint32_t gid;                /* for Tlcreate/Tmkdir/Tsymlink */
	int no_unlinkat;             /* the server answered Tunlinkat EOPNOTSUPP */
	uint8_t rtype;               /* type of p9_fs_rpc's last reply, 0: none came */
	char err[512];
};

/* fids fidlo .. fidlo+63 are the layer's; the caller keeps them free. */
void p9_fs_init(struct p9_fs *fs, struct p9_client *cl, int timeout_ms, uint32_t fidlo);
/* One request (m->tag 0: the client picks one) that must be answered with
 * reply type want: 0 (the reply in *out if out is given, else freed),
 * -errno for an error reply, -EPROTO for another or an undecodable reply,
 * or the transport's error; on failure fs->err is "what: reason" and
 * fs->rtype the type of the reply (0 when none came). */
int p9_fs_rpc(struct p9_fs *fs, struct p9_msg *m, int want, struct p9_reply **out,
	      const char *what);
/* A free fid of the range, or P9_NOFID (err set) when all are in use. */
uint32_t p9_fs_fid(struct p9_fs *fs);
/* Clunk a fid of the range (or any fid) and free it. */
int p9_fs_clunk(struct p9_fs *fs, uint32_t fid);
/* Free a fid of the range without a request (after Tremove). */
void p9_fs_clunk_forget(struct p9_fs *fs, uint32_t fid);
/* Walk path ("a/b/c"; "" clones) from fid into a new fid of the range. */
int p9_fs_walk(struct p9_fs *fs, uint32_t from, const char *path, uint32_t *newfid,
	       struct p9_qid *qid);
/* The same into newfid, a fid the caller chose; every name must be walked
 * (a partial walk is -ENOENT, and newfid is clunked in case the server
 * made it). */
int p9_fs_walk_fid(struct p9_fs *fs, uint32_t from, const char *path, uint32_t newfid,
		   struct p9_qid *qid);
/* Open fid with Linux flags (P9_L_O_*): Tlopen, or Topen with the mode
 * they map to. */
int p9_fs_open(struct p9_fs *fs, uint32_t fid, uint32_t lflags);
/* Create name in dirfid (not moved): a new fid of the range, open for
 * writing (Tlcreate, or Tcreate). */
int p9_fs_create(struct p9_fs *fs, uint32_t dirfid, const char *name, uint32_t perm,
		 uint32_t *fid);
int p9_fs_mkdir(struct p9_fs *fs, uint32_t dirfid, const char *name, uint32_t perm);
/* -EOPNOTSUPP in 9P2000. */
int p9_fs_symlink(struct p9_fs *fs, uint32_t dirfid, const char *name, const char *target);
/* Hard link name in dirfid to fid (9P2000.L only). */
int p9_fs_link(struct p9_fs *fs, uint32_t dirfid, uint32_t fid, const char *name);
/* Permission bits of fid (Tsetattr, or Twstat). */
int p9_fs_chmod(struct p9_fs *fs, uint32_t fid, uint32_t perm);
/* Write / read len bytes at off in msize-sized pieces; read returns the
 * bytes read (short at end of file). */
int p9_fs_write(struct p9_fs *fs, uint32_t fid, uint64_t off, const void *buf, size_t len);
long p9_fs_read(struct p9_fs *fs, uint32_t fid, uint64_t off, void *buf, size_t len);
/* One Tread of up to len bytes at off (the server clamps it to msize):
 * the count it answered. */
long p9_fs_pread(struct p9_fs *fs, uint32_t fid, uint64_t off, void *buf, size_t len);
/* List an open directory: fn gets every entry but . and ..; a non-zero
 * return of fn stops the listing and is returned. */
typedef int (*p9_fs_entry_fn)(void *arg, const char *name, const struct p9_qid *qid);
int p9_fs_list(struct p9_fs *fs, uint32_t dirfid, p9_fs_entry_fn fn, void *arg);
/* Remove name in dirfid (Tunlinkat, falling back to Tremove where the
 * server lacks it); isdir for directories. */
int p9_fs_remove(struct p9_fs *fs, uint32_t dirfid, const char *name, int isdir);
/* Remove name and everything under it. */
int p9_fs_rmtree(struct p9_fs *fs, uint32_t dirfid, const char *name);

/* ---- the contract tree ---- */

/* Written last into the root of a complete tree: its text names the
 * version of the description, so a tree of another version is rebuilt. */
#define P9_CONTRACT_STAMP ".9pkit-contract"
#define P9_CONTRACT_VERSION "9pkit contract tree 1\n"
#define P9_CONTRACT_README "synthfs: a synthetic 9P test tree\n"

/* The synthfs content pattern: names of varied length and patterned data,
 * the one definition every program and test uses. */
enum { P9_CONTRACT_NAMEVAR = 53, P9_CONTRACT_PERIOD = 251 };
/* The name of entry i of a readdir directory: "f<i>_" + "x" * (i % 53). */
void p9_contract_name(char *out, size_t cap, unsigned i);
/* 1 if name is p9_contract_name(i) for some i < n, that i in *i. */
int p9_contract_name_index(const char *name, size_t len, unsigned n, unsigned *i);
/* Byte o of a patterned file: o % 251. */
static inline uint8_t p9_contract_byte(uint64_t o)
{
	return (uint8_t)(o % P9_CONTRACT_PERIOD);
}
/* len bytes of the pattern from offset off. */
void p9_contract_fill(uint8_t *buf, size_t len, uint64_t off);
/* The index of the first byte of buf (len) that is not the pattern from
 * off, or len when all are. */
size_t p9_contract_mismatch(const uint8_t *buf, size_t len, uint64_t off);

enum p9_cnode_kind {
	P9C_DIR,        /* a directory */
	P9C_TEXT,       /* a file holding text */
	P9C_PATTERN,    /* size bytes of the pattern */
	P9C_SPARSE,     /* size bytes; only the last tail bytes hold the pattern */
	P9C_SYMLINK,    /* a symbolic link to text */
	P9C_MANY,       /* a directory of count empty files named p9_contract_name */
	P9C_CHAIN,      /* count nested directories WALK0..WALK<count-1>, a leaf file */
};

struct p9_cnode {
	const char *path;   /* relative to the tree's root */
	uint8_t kind;       /* enum p9_cnode_kind */
	uint32_t mode;      /* permission bits */
	const char *text;   /* P9C_TEXT content, P9C_SYMLINK target */
	uint64_t size;      /* P9C_PATTERN, P9C_SPARSE */
	uint64_t tail;      /* P9C_SPARSE: patterned bytes at the end */
	unsigned count;     /* P9C_MANY entries, P9C_CHAIN depth */
};

/* The description, in build order (parents first); *n gets its length. */
const struct p9_cnode *p9_contract_nodes(int *n);
/* Count of files and directories the tree holds. */
unsigned p9_contract_size(void);

/* Progress of a build: called every few hundred nodes (may be NULL). */
typedef void (*p9_contract_progress_fn)(void *arg, unsigned done, unsigned total);

/* Build the tree over 9P under dirfid (which must be empty or hold a
 * partial tree); the stamp is written last. */
int p9_contract_build_9p(struct p9_fs *fs, uint32_t dirfid, p9_contract_progress_fn fn,
			 void *arg);
/* 1 if the tree under dirfid carries this version's stamp, 0 if not. */
int p9_contract_check_9p(struct p9_fs *fs, uint32_t dirfid);
/* Where the tree is on a target, from rootfid: the root itself when it
 * carries the stamp (path ""), else base/keep when that does, else built
 * now as base/build (build NULL: not built, -ENOENT).  A stale tree of the
 * same name is removed first; a failed build removes what it made.
 * Returns 0 (found), 1 (built here) or -errno with fs->err. */
int p9_contract_provide(struct p9_fs *fs, uint32_t rootfid, const char *base,
			const char *keep, const char *build, p9_contract_progress_fn fn,
			void *arg, char *path, size_t cap);
/* Remove the tree at path (from rootfid). */
int p9_contract_remove(struct p9_fs *fs, uint32_t rootfid, const char *path);
/* Build the tree in a host directory (created if missing); 0 or -errno
 * with a reason in err. */
int p9_contract_build_host(const char *root, char *err, size_t cap);

#endif
