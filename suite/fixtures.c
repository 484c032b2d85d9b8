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

static void progress(void *arg, unsigned done, unsigned total)
{
	(void)arg;
	if (isatty(2))
		fprintf(stderr, "\r\033[K9psuite: building fixtures: %u/%u", done, total);
}

/* A new connection and attach in the run's best dialect, for work outside
 * any case: 0 or -1 with err set.  p9_client_free and p9_conn_close after. */
static int fresh_session(struct run *r, struct p9_conn **conn, struct p9_client **cl,
			 char *err, size_t cap)
{
	int d = 0;
	*cl = NULL;
	for (int i = P9_DL; i >= P9_D2000 && !d; i >>= 1)
		d = r->caps[i].dialects & i;
	if (p9_dial(r->o.target, r->o.call_ms, conn, err, cap))
		return -1;
	*cl = p9_client_new(*conn, r->o.msize, d);
	/* as interp.c: VER11 and VER12 report these */
	if (*cl && (r->caps[d].versiondev & VDEV_TAG))
		(*cl)->lax |= P9_LAX_VERSION_TAG;
	if (*cl && (r->caps[d].versiondev & VDEV_MSIZE))
		(*cl)->lax |= P9_LAX_MSIZE_GROW;
	if (*cl && p9_client_version(*cl, r->o.msize, p9_dialect_name(d), r->o.call_ms, err,
				     cap) == 0 &&
	    p9_client_attach(*cl, 0, r->o.uname, r->o.aname, r->o.n_uname, r->o.call_ms,
			     NULL, err, cap) == 0)
		return 0;
	return -1;
}

static void fresh_close(struct p9_conn *conn, struct p9_client *cl)
{
	p9_client_free(cl);
	if (conn)
		p9_conn_close(conn);
}

/* A tree just built over the probe's connection must still be there on a
 * new one: an exec: target starts a new server per connection, and one
 * that keeps its files in memory forgets them. */
static int outlives_connection(struct run *r, const char *path, char *err, size_t cap)
{
	struct p9_conn *conn = NULL;
	struct p9_client *cl;
	struct p9_fs fs;
	int ok = 0;
	if (fresh_session(r, &conn, &cl, err, cap) == 0) {
		p9_fs_init(&fs, cl, r->o.call_ms, FIXFS_FIDLO);
		uint32_t f;
		if (p9_fs_walk(&fs, 0, path, &f, NULL) == 0) {
			ok = p9_contract_check_9p(&fs, f) == 1;
			p9_fs_clunk(&fs, f);
		}
		if (!ok)
			snprintf(err, cap, "the tree built over 9P is gone on a new connection: the "
				 "target does not keep files between connections (an exec: target "
				 "of an in-memory server? serve it on a unix: or tcp: address)");
	}
	fresh_close(conn, cl);
	return ok;
}

int fixtures_release(struct run *r)
{
	char err[600] = "";
	struct p9_conn *conn = NULL;
	struct p9_client *cl;
	struct p9_fs fs;
	int rc = -1;
	if (!r->fixbuilt[0])
		return 0;
	if (fresh_session(r, &conn, &cl, err, sizeof err) == 0) {
		p9_fs_init(&fs, cl, r->o.call_ms, FIXFS_FIDLO);
		if ((rc = p9_contract_remove(&fs, 0, r->fixbuilt)))
			snprintf(err, sizeof err, "%s", fs.err);
	}
	fresh_close(conn, cl);
	if (rc)
		fprintf(stderr, "9psuite: could not remove the fixture tree /%s: %s\n", r->fixbuilt,
			err);
	return rc ? -1 : 0;
}

/* Where the tree is, built if need be; "" when the root holds it. */
static int locate(struct run *r, struct caps *c, struct p9_fs *fs, char *path, size_t cap)
{
	char name[64];
	if (c->synthfs) {
		path[0] = 0;
		return 0;
	}
	if (r->fixgone[0]) {
		/* an earlier dialect's build did not outlive its connection */
		snprintf(fs->err, sizeof fs->err, "%s", r->fixgone);
		return -1;
	}
	if (r->fixfound[0]) {
		/* an earlier dialect's probe found or built it */
		int rc = p9_contract_provide(fs, 0, r->fixfound, "", NULL, NULL, NULL, path, cap);
		if (rc == 0)
			return 0;
	}
	if (r->keep_fixtures)
		snprintf(name, sizeof name, "%s", FIX_KEPT);
	else
		snprintf(name, sizeof name, "%s-%d", FIX_KEPT, (int)getpid());
	uint64_t t0 = p9_now_ns();
	int rc = p9_contract_provide(fs, 0, c->scratchbase, FIX_KEPT,
				     c->writable ? name : NULL, progress, NULL, path, cap);
	if (isatty(2) && c->writable)
		fprintf(stderr, "\r\033[K");
	if (rc == -ENOENT && !c->writable) {
		snprintf(fs->err, sizeof fs->err, "the target is read-only and holds no fixture "
			 "tree (build one into its export with 9psuite --provision-dir DIR)");
		return rc;
	}
	if (rc == 1 && !outlives_connection(r, path, fs->err, sizeof fs->err)) {
		snprintf(r->fixgone, sizeof r->fixgone, "%s", fs->err);
		return -1;
	}
	if (rc == 1) {
		fprintf(stderr, "9psuite: built the fixture tree /%s (%u nodes) over 9P in %.1f s%s\n",
			path, p9_contract_size(), (double)(p9_now_ns() - t0) / 1e9,
			r->keep_fixtures ? ", kept" : "");
		if (!r->keep_fixtures)
			snprintf(r->fixbuilt, sizeof r->fixbuilt, "%s", path);
		rc = 0;
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

int fixtures_build_host(const char *dir, char *err, size_t cap)
{
	return p9_contract_build_host(dir, err, cap);
}
