/*
 * fslist.c - the client file layer's directory side (p9fs.h): listing a
 * directory (Treaddir in 9P2000.L, Tread of stat records otherwise),
 * removing a name (Tunlinkat, or Tremove where the server lacks it) and
 * removing a whole tree.
 *
 * Owns: the listing loop's end conditions (an empty reply, or an offset
 * that does not move, which ends the listing with an error rather than a
 * loop).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p9fs.h"
#include "xalloc.h"

enum { LIST_COUNT = 8192 };

static int dot(const char *n)
{
	return strcmp(n, ".") == 0 || strcmp(n, "..") == 0;
}

static int rpc_data(struct p9_fs *fs, struct p9_msg *m, int want, struct p9_reply **r)
{
	int rc = p9_client_rpc(fs->cl, m, fs->timeout_ms, r);
	if (rc) {
		snprintf(fs->err, sizeof fs->err, "%s: %s", p9_typename(m->type),
			 rc == -ETIMEDOUT ? "no reply (timeout)" : strerror(-rc));
		return rc;
	}
	if ((*r)->decode_rc || (*r)->m.type != want) {
		int e = p9_reply_errno(*r);
		snprintf(fs->err, sizeof fs->err, "%s: %s", p9_typename(m->type),
			 e ? strerror(e) : "unexpected reply");
		p9_reply_free(*r);
		return e ? -e : -EPROTO;
	}
	return 0;
}

static int list_l(struct p9_fs *fs, uint32_t fid, p9_fs_entry_fn fn, void *arg)
{
	uint64_t off = 0;
	uint32_t count = fs->cl->msize - P9_READDIRHDRSZ;
	for (;;) {
		struct p9_msg m = { .type = P9_TREADDIR, .fid = fid, .offset = off,
				    .count = count > LIST_COUNT ? LIST_COUNT : count };
		struct p9_reply *r;
		struct p9_dirent e;
		size_t pos = 0;
		int rc = rpc_data(fs, &m, P9_RREADDIR, &r), got = 0;
		if (rc)
			return rc;
		while (rc == 0 && p9_dirent_next(r->m.data, r->m.count, &pos, &e) == 1) {
			char name[256];
			p9_strcpy(name, sizeof name, e.name);
			got = 1;
			if (e.offset == off) {
				rc = -ELOOP;
				snprintf(fs->err, sizeof fs->err, "readdir: entry offset %llu "
					 "does not advance", (unsigned long long)off);
				break;
			}
			off = e.offset;
			if (!dot(name))
				rc = fn(arg, name, &e.qid);
		}
		p9_reply_free(r);
		if (rc || !got)
			return rc;
	}
}

static int list_stat(struct p9_fs *fs, uint32_t fid, p9_fs_entry_fn fn, void *arg)
{
	uint64_t off = 0;
	for (;;) {
		struct p9_msg m = { .type = P9_TREAD, .fid = fid, .offset = off,
				    .count = fs->cl->msize - P9_IOHDRSZ };
		struct p9_reply *r;
		struct p9_stat st;
		size_t pos = 0;
		int rc = rpc_data(fs, &m, P9_RREAD, &r);
		if (rc)
			return rc;
		uint32_t n = r->m.count;
		while (rc == 0 && p9_stat_next(r->m.data, n, fs->dialect, &pos, &st) == 1) {
			char name[256];
			p9_strcpy(name, sizeof name, st.name);
			if (!dot(name))
				rc = fn(arg, name, &st.qid);
		}
		p9_reply_free(r);
		if (rc || n == 0)
			return rc;
		off += n;
	}
}

int p9_fs_list(struct p9_fs *fs, uint32_t dirfid, p9_fs_entry_fn fn, void *arg)
{
	return fs->dialect == P9_DL ? list_l(fs, dirfid, fn, arg) :
				      list_stat(fs, dirfid, fn, arg);
}

static int remove_fid(struct p9_fs *fs, uint32_t dirfid, const char *name)
{
	uint32_t fid;
	int rc = p9_fs_walk(fs, dirfid, name, &fid, NULL);
	if (rc)
		return rc;
	struct p9_msg m = { .type = P9_TREMOVE, .fid = fid };
	struct p9_reply *r;
	/* Tremove clunks the fid whatever its result */
	p9_fs_clunk_forget(fs, fid);
	rc = rpc_data(fs, &m, P9_RREMOVE, &r);
	if (rc == 0)
		p9_reply_free(r);
	else
		snprintf(fs->err + strlen(fs->err), sizeof fs->err - strlen(fs->err),
			 " (remove %s)", name);
	return rc;
}

int p9_fs_remove(struct p9_fs *fs, uint32_t dirfid, const char *name, int isdir)
{
	if (fs->dialect != P9_DL || fs->no_unlinkat)
		return remove_fid(fs, dirfid, name);
	struct p9_msg m = { .type = P9_TUNLINKAT, .dfid = dirfid,
			    .flags = isdir ? P9_L_AT_REMOVEDIR : 0 };
	struct p9_reply *r;
	m.name = p9_s(name);
	int rc = rpc_data(fs, &m, P9_RUNLINKAT, &r);
	if (rc == 0) {
		p9_reply_free(r);
		return 0;
	}
	if (rc != -EOPNOTSUPP && rc != -ENOSYS)
		return rc;
	fs->no_unlinkat = 1;
	return remove_fid(fs, dirfid, name);
}

struct names {
	char **v;
	size_t n, cap;
};

static int add_name(void *arg, const char *name, const struct p9_qid *q)
{
	struct names *l = arg;
	(void)q;
	if (p9_grow(&l->v, &l->cap, l->n, sizeof *l->v, 64))
		return -ENOMEM;
	if (!(l->v[l->n] = strdup(name)))
		return -ENOMEM;
	l->n++;
	return 0;
}

static void names_free(struct names *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

int p9_fs_rmtree(struct p9_fs *fs, uint32_t dirfid, const char *name)
{
	uint32_t fid;
	struct p9_qid q;
	struct names l = { 0 };
	int rc = p9_fs_walk(fs, dirfid, name, &fid, &q);
	if (rc)
		return rc;
	if (q.type & P9_QTDIR) {
		uint32_t lf;
		if ((rc = p9_fs_walk(fs, fid, "", &lf, NULL)) == 0) {
			if ((rc = p9_fs_open(fs, lf, P9_L_O_RDONLY | P9_L_O_DIRECTORY)) == 0)
				rc = p9_fs_list(fs, lf, add_name, &l);
			p9_fs_clunk(fs, lf);
		}
		for (size_t i = 0; rc == 0 && i < l.n; i++)
			rc = p9_fs_rmtree(fs, fid, l.v[i]);
		names_free(&l);
	}
	p9_fs_clunk(fs, fid);
	return rc ? rc : p9_fs_remove(fs, dirfid, name, (q.type & P9_QTDIR) != 0);
}
