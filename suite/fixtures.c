/*
 * fixtures.c - the contract tree for cases that `needs fixtures`: found on
 * the target (synthfs's own tree, or an export that carries the stamp of
 * this version: provisioned, or kept by an earlier run), or built over 9P
 * in the scratch area of a writable target with lib's client file layer,
 * once per run, and removed at the end unless --keep-fixtures.
 *
 * Owns: the fixture directory's name and lifetime, and the probe's part
 * that decides where the tree is.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "p9fs.h"
#include "suite.h"

/* The layer's fids on the probe's and the cleanup's connections. */
enum { FIXFS_FIDLO = 700 };
#define FIX_KEPT "9psuite-fixtures"

static void join(char *out, size_t cap, const char *base, const char *name)
{
	snprintf(out, cap, "%s%s%s", base, *base ? "/" : "", name);
}

/* 1 if path (from fid 0) holds a stamped tree. */
static int stamped(struct p9_fs *fs, const char *path)
{
	uint32_t fid;
	int ok;
	if (p9_fs_walk(fs, 0, path, &fid, NULL))
		return 0;
	ok = p9_contract_check_9p(fs, fid);
	p9_fs_clunk(fs, fid);
	return ok;
}

static void progress(void *arg, unsigned done, unsigned total)
{
	(void)arg;
	if (isatty(2))
		fprintf(stderr, "\r\033[K9psuite: building fixtures: %u/%u", done, total);
}

/* Build the tree as base/name (a stale one of that name is removed). */
static int build(struct p9_fs *fs, const char *base, const char *name)
{
	uint32_t dir, tree;
	int rc = p9_fs_walk(fs, 0, base, &dir, NULL);
	if (rc)
		return rc;
	p9_fs_rmtree(fs, dir, name); /* a partial tree of an earlier run */
	if ((rc = p9_fs_mkdir(fs, dir, name, 0755)) == 0 &&
	    (rc = p9_fs_walk(fs, dir, name, &tree, NULL)) == 0) {
		rc = p9_contract_build_9p(fs, tree, progress, NULL);
		p9_fs_clunk(fs, tree);
		if (isatty(2))
			fprintf(stderr, "\r\033[K");
		if (rc) {
			char keep[sizeof fs->err];
			memcpy(keep, fs->err, sizeof keep);
			p9_fs_rmtree(fs, dir, name);
			memcpy(fs->err, keep, sizeof keep);
		}
	}
	p9_fs_clunk(fs, dir);
	return rc;
}

/* Where the tree is, built if need be; "" when the root holds it. */
static int locate(struct run *r, struct caps *c, struct p9_fs *fs, char *path, size_t cap)
{
	char name[64];
	if (c->synthfs || stamped(fs, "")) {
		path[0] = 0;
		return 0;
	}
	if (r->fixfound[0] && stamped(fs, r->fixfound)) {
		snprintf(path, cap, "%s", r->fixfound);
		return 0;
	}
	join(path, cap, c->scratchbase, FIX_KEPT);
	if (stamped(fs, path))
		return 0;
	if (!c->writable) {
		snprintf(fs->err, sizeof fs->err, "the target is read-only and holds no fixture "
			 "tree (build one into its export with 9psuite --provision-dir DIR)");
		return -EROFS;
	}
	if (r->keep_fixtures)
		snprintf(name, sizeof name, "%s", FIX_KEPT);
	else
		snprintf(name, sizeof name, "%s-%d", FIX_KEPT, (int)getpid());
	join(path, cap, c->scratchbase, name);
	uint64_t t0 = p9_now_ns();
	int rc = build(fs, c->scratchbase, name);
	if (rc == 0) {
		fprintf(stderr, "9psuite: built the fixture tree %s (%u nodes) over 9P in %.1f s%s\n",
			path, p9_contract_size(), (double)(p9_now_ns() - t0) / 1e9,
			r->keep_fixtures ? ", kept" : "");
		if (!r->keep_fixtures)
			snprintf(r->fixbuilt, sizeof r->fixbuilt, "%s", path);
	}
	return rc;
}

void fixtures_probe(struct run *r, struct caps *c, struct interp *in)
{
	struct p9_fs fs;
	p9_fs_init(&fs, in->cl, in->o->call_ms, FIXFS_FIDLO);
	if (locate(r, c, &fs, c->fixpath, sizeof c->fixpath)) {
		snprintf(c->fixwhy, sizeof c->fixwhy, "needs the fixture tree: %s", fs.err);
		fprintf(stderr, "9psuite: fixtures (%s): %s\n", p9_dialect_name(in->dialect), fs.err);
		return;
	}
	c->fixtures = 1;
	if (!r->fixfound[0])
		snprintf(r->fixfound, sizeof r->fixfound, "%s", c->fixpath);
}

int fixtures_release(struct run *r)
{
	char err[600], base[160], *slash;
	struct p9_conn *conn;
	struct p9_client *cl;
	struct p9_fs fs;
	int rc = -1, d = 0;
	if (!r->fixbuilt[0])
		return 0;
	for (int i = P9_DL; i >= P9_D2000 && !d; i >>= 1)
		d = r->caps[i].dialects & i;
	snprintf(base, sizeof base, "%s", r->fixbuilt);
	slash = strrchr(base, '/');
	*(slash ? slash : base) = 0;
	if (p9_dial(r->o.target, r->o.call_ms, &conn, err, sizeof err) == 0) {
		cl = p9_client_new(conn, r->o.msize, d);
		if (cl && p9_client_version(cl, r->o.msize, p9_dialect_name(d), r->o.call_ms, err,
					    sizeof err) == 0 &&
		    p9_client_attach(cl, 0, r->o.uname, r->o.aname, r->o.n_uname, r->o.call_ms,
				     NULL, err, sizeof err) == 0) {
			uint32_t dir;
			p9_fs_init(&fs, cl, r->o.call_ms, FIXFS_FIDLO);
			rc = p9_fs_walk(&fs, 0, base, &dir, NULL);
			if (rc == 0)
				rc = p9_fs_rmtree(&fs, dir, r->fixbuilt + (slash ? slash - base + 1 : 0));
			snprintf(err, sizeof err, "%s", fs.err);
		}
		p9_client_free(cl);
		p9_conn_close(conn);
	}
	if (rc)
		fprintf(stderr, "9psuite: could not remove the fixture tree %s: %s\n", r->fixbuilt,
			err);
	return rc ? -1 : 0;
}

int fixtures_build_host(const char *dir, char *err, size_t cap)
{
	return p9_contract_build_host(dir, err, cap);
}
