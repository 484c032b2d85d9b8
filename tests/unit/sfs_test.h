/*
 * sfs_test.h - synthfs in-process for unit tests: the set-up and tear-down
 * the synthfs and file-layer tests share, in two forms.
 *   On a thread: synthfs's event loop runs on a thread, a socketpair joins
 *     it to lib's client, Tversion and Tattach (fid 0) done, lib's file
 *     layer ready (struct sfs_inproc, sfs_inproc_up, sfs_inproc_down).
 *   In memory: no event loop; requests go in with sfs_mem_input and the
 *     replies are collected in order (struct sfs_replies, sfs_collect,
 *     sfs_memserver_up, sfs_memserver_down).
 * Also the verdict on one --bug switch's probe (sfs_test_probed).
 * Header only (static inline), since every unit test binary is one .c file.
 */
#ifndef P9KIT_SFS_TEST_H
#define P9KIT_SFS_TEST_H

#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "p9fs.h"
#include "synthfs/server.h"

/* the file layer's fids; tests use fids below */
enum { SFS_TEST_FSFIDLO = 100, SFS_TEST_TIMEOUT_MS = 5000 };

struct sfs_inproc {
	struct sfs_server s;   /* fields other than msize, block_timeout and
				* nworkers are set before sfs_inproc_up */
	pthread_t th;
	struct p9_conn *conn;
	struct p9_client *c;
	struct p9_fs fs;       /* lib's file layer on c */
	struct p9_qid root;    /* the attach's qid */
};

static inline void *sfs_inproc_run(void *arg)
{
	sfs_run(arg);
	return NULL;
}

static inline struct sfs_inproc *sfs_inproc_new(void)
{
	struct sfs_inproc *v = calloc(1, sizeof *v);
	ck_assert_ptr_nonnull(v);
	return v;
}

/* Serve a tree made from o (server msize 1 MiB, blocking reads time out
 * after 30 s, 2 workers) and attach a client of dialect and msize. */
static inline void sfs_inproc_up(struct sfs_inproc *v, const struct sfs_opts *o, int dialect,
				 uint32_t msize)
{
	int sv[2];
	char err[256];
	v->s.msize = 1 << 20;
	v->s.block_timeout = 30;
	v->s.nworkers = 2;
	ck_assert_ptr_nonnull(v->s.tree = sfs_tree_new(o));
	ck_assert_int_eq(sfs_server_init(&v->s), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(sfs_add_fds(&v->s, sv[0], sv[0]), 0);
	ck_assert_int_eq(pthread_create(&v->th, NULL, sfs_inproc_run, &v->s), 0);
	v->conn = p9_conn_new_stream(sv[1], sv[1], "test");
	v->c = p9_client_new(v->conn, msize, dialect);
	ck_assert_int_eq(p9_client_version(v->c, msize, p9_dialect_name(dialect),
					   SFS_TEST_TIMEOUT_MS, err, sizeof err), 0);
	ck_assert_int_eq(p9_client_attach(v->c, 0, "t", "", 0, SFS_TEST_TIMEOUT_MS, &v->root,
					  err, sizeof err), 0);
	p9_fs_init(&v->fs, v->c, SFS_TEST_TIMEOUT_MS, SFS_TEST_FSFIDLO);
}

/* Stop the server, free everything (v too). */
static inline void sfs_inproc_down(struct sfs_inproc *v)
{
	p9_client_free(v->c);
	p9_conn_close(v->conn);
	sfs_stop(&v->s);
	pthread_join(v->th, NULL);
	sfs_server_fini(&v->s);
	sfs_tree_free(v->s.tree);
	free(v);
}

/* Replies of the in-memory server, in order. */
enum { SFS_REPLIES_CAP = 1 << 17 };
struct sfs_replies {
	uint8_t buf[SFS_REPLIES_CAP];
	size_t len;
};

/* The output callback of sfs_mem_input/sfs_mem_output: arg is a struct
 * sfs_replies. */
static inline void sfs_collect(void *arg, const uint8_t *p, size_t n)
{
	struct sfs_replies *g = arg;
	ck_assert_uint_le(g->len + n, sizeof g->buf);
	memcpy(g->buf + g->len, p, n);
	g->len += n;
}

/* A server without its event loop on a tree made from o (s's other
 * fields set by the caller) and one connection to it. */
static inline struct sfs_conn *sfs_memserver_up(struct sfs_server *s, const struct sfs_opts *o)
{
	struct sfs_conn *c;
	ck_assert_ptr_nonnull(s->tree = sfs_tree_new(o));
	ck_assert_int_eq(sfs_server_init_mem(s), 0);
	ck_assert_ptr_nonnull(c = sfs_add_mem(s));
	return c;
}

/* Drop the connection: no fid and no connection may be left. */
static inline void sfs_memserver_down(struct sfs_server *s, struct sfs_conn *c)
{
	sfs_mem_close(c);
	ck_assert_uint_eq(s->allfids, 0);
	ck_assert_uint_eq(s->nconns, 0);
	sfs_server_fini(s);
	sfs_tree_free(s->tree);
}

/* A probe of bug ran on a server started with the bug's switch on (with 1)
 * or off (0): it must have seen the bug (seen 1) exactly when the switch
 * was on.  how: the rest of the server's set-up, for the message. */
static inline void sfs_test_probed(int bug, int with, int seen, const char *how)
{
	ck_assert_msg(seen == with, "%s %s the bug%s", sfs_bug_name(bug),
		      with ? "not seen with" : "seen without", how);
}

#endif
