/*
 * fixtures.c - the contract tree for 9pbench's workloads on any server:
 * the files the workloads read (data/1M, README, readdir/dN) are used
 * where the target has them (synthfs, a provisioned export), or in a tree
 * that 9psuite --keep-fixtures left, or in one built now over 9P on a
 * writable target (lib/contract.c) and removed when 9pbench exits.
 *
 * Owns: the built tree's name and its removal at exit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "p9fs.h"
#include "bench/bench.h"

enum { FIXFS_FIDLO = 800 };

static struct {
	struct bench_opts o;      /* target, msize, dialect, timeout */
	char path[256];           /* a tree built here, "" none */
	char read[300], walk[300], dir[300], write[300];
} fx;

static int exists(struct p9_fs *fs, uint32_t root, const char *path)
{
	uint32_t fid;
	if (p9_fs_walk(fs, root, path, &fid, NULL))
		return 0;
	p9_fs_clunk(fs, fid);
	return 1;
}

static void remove_built(void)
{
	struct bench_sess s;
	struct p9_fs fs;
	char err[512];
	if (!fx.path[0])
		return;
	if (bench_sess_open(&s, fx.o.target, fx.o.msize, fx.o.dialect, fx.o.timeout_ms, err,
			    sizeof err) == 0) {
		p9_fs_init(&fs, s.cl, fx.o.timeout_ms, FIXFS_FIDLO);
		if (p9_contract_remove(&fs, s.rootfid, fx.path))
			snprintf(err, sizeof err, "%s", fs.err);
		else
			err[0] = 0;
		bench_sess_close(&s);
	}
	if (err[0])
		fprintf(stderr, "9pbench: could not remove the fixture tree /%s: %s\n", fx.path, err);
}

static void point_into(struct bench_opts *o, struct p9_fs *fs, uint32_t root,
		       const char *tree)
{
	snprintf(fx.read, sizeof fx.read, "%s/data/1M", tree);
	snprintf(fx.walk, sizeof fx.walk, "%s/README", tree);
	snprintf(fx.dir, sizeof fx.dir, "%s/readdir/d100", tree);
	o->fixroot = tree;
	o->read_file = fx.read;
	o->walk_path = fx.walk;
	o->dir = fx.dir;
	if (!exists(fs, root, "rw")) {
		snprintf(fx.write, sizeof fx.write, "%s/9pbench.dat", tree);
		o->write_file = fx.write;
	}
}

int bench_fixtures(struct bench_opts *o, char *err, size_t cap)
{
	static char tree[256];
	struct bench_sess s;
	struct p9_fs fs;
	char name[64];
	int rc = bench_sess_open(&s, o->target, o->msize, o->dialect, o->timeout_ms, err, cap);
	if (rc)
		return rc;
	p9_fs_init(&fs, s.cl, o->timeout_ms, FIXFS_FIDLO);
	if (exists(&fs, s.rootfid, o->read_file) && exists(&fs, s.rootfid, o->dir)) {
		bench_sess_close(&s);
		return 0;
	}
	snprintf(name, sizeof name, "9pbench-fixtures-%d", (int)getpid());
	rc = p9_contract_provide(&fs, s.rootfid, "", "9psuite-fixtures", name, NULL, NULL, tree,
				 sizeof tree);
	if (rc < 0) {
		snprintf(err, cap, "%s lacks the fixture tree and it could not be built there (%s); "
			 "build it into the export with 9psuite --provision-dir DIR",
			 o->target, fs.err);
		bench_sess_close(&s);
		return rc;
	}
	if (rc == 1) {
		fx.o = *o;
		snprintf(fx.path, sizeof fx.path, "%s", tree);
		atexit(remove_built);
		if (!o->quiet)
			fprintf(stderr, "9pbench: built the fixture tree /%s over 9P (removed at exit)\n",
				tree);
		if (!strncmp(o->target, "exec:", 5)) /* warned even with -q: it will fail */
			fprintf(stderr, "9pbench: note: each exec: connection starts its own server; "
				"one that keeps its files in memory will not have /%s on the next "
				"(serve it on a socket instead)\n", tree);
	}
	point_into(o, &fs, s.rootfid, tree);
	bench_sess_close(&s);
	return 0;
}
