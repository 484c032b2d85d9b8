/*
 * run.c - one run of a sequence against a server: a connection (9P2000.L,
 * lib's client), a private scratch directory (under /rw on synthfs, at the
 * export root elsewhere), each step predicted by the model, sent, and its
 * reply checked; the scratch directory removed at the end.  Owns the
 * fallbacks for servers that lack an operation (Tunlinkat EOPNOTSUPP: walk
 * and Tremove; Trenameat EOPNOTSUPP: renames are disabled), the coverage
 * counters and the split of time between the model and the server.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "explore.h"
#include "lflags.h"
#include "xalloc.h"

enum { FS_FIDLO = 700, TMP_FID = 800 };

static int session(struct xtarget *tg, struct xrun *x, char *err, size_t cap)
{
	if (p9_dial(tg->addr, tg->timeout_ms, &x->conn, err, cap))
		return -1;
	x->cl = p9_client_new(x->conn, tg->msize, P9_DL);
	/* as 9psuite: decode ganesha's Rerror-typed Rlerror and QEMU's Rstat
	 * n[2] (both are its documented tolerances, counted by its cases) */
	if (x->cl)
		x->cl->decode_flags = P9_DEC_STATLEN | P9_DEC_RLERROR;
	if (!x->cl || p9_client_version(x->cl, tg->msize, "9P2000.L", tg->timeout_ms, err, cap))
		return -1;
	if (x->cl->dialect != P9_DL) {
		snprintf(err, cap, "the target does not speak 9P2000.L");
		return -1;
	}
	if (p9_client_attach(x->cl, 0, tg->uname, tg->aname, 0, tg->timeout_ms, NULL, err, cap))
		return -1;
	p9_fs_init(&x->fs, x->cl, tg->timeout_ms, FS_FIDLO);
	return 0;
}

/* synthfs keeps writable files under /rw (as 9psuite's runner decides). */
static void detect_synthfs(struct xtarget *tg, struct xrun *x)
{
	uint32_t f;
	if (tg->synthfs >= 0)
		return;
	tg->synthfs = p9_fs_walk(&x->fs, 0, "ctl/msgs", &f, NULL) == 0;
	if (tg->synthfs)
		p9_fs_clunk(&x->fs, f);
}

int run_open(struct xtarget *tg, struct xrun *x, uint32_t maxbytes, char *err, size_t cap)
{
	memset(x, 0, sizeof *x);
	x->tg = tg;
	if (session(tg, x, err, cap))
		return -1;
	detect_synthfs(tg, x);
	if (p9_fs_walk(&x->fs, 0, tg->synthfs ? "rw" : "", &x->basefid, NULL)) {
		snprintf(err, cap, "scratch base: %s", x->fs.err);
		return -1;
	}
	snprintf(x->scratch, sizeof x->scratch, "9pexplore-%d-%u", (int)getpid(), tg->runs++);
	if (p9_fs_mkdir(&x->fs, x->basefid, x->scratch, 0755) ||
	    p9_fs_walk_fid(&x->fs, x->basefid, x->scratch, X_SCRATCH_FID, NULL)) {
		snprintf(err, cap, "scratch directory: %s", x->fs.err);
		return -1;
	}
	x->fs.no_unlinkat = tg->no_unlinkat;
	model_init(&x->m, maxbytes, x->cl->msize - P9_IOHDRSZ);
	x->m.no_unlinkat = tg->no_unlinkat;
	x->m.no_renameat = tg->no_renameat;
	x->m.accept = tg->accept;
	return 0;
}

void run_close(struct xrun *x)
{
	if (x->cl && x->basefid && x->scratch[0]) {
		for (uint32_t s = 1; s < X_MAXFIDS; s++)
			if (x->m.nodes && x->m.fid[s].inuse) {
				struct p9_msg t = { .type = P9_TCLUNK, .fid = s };
				p9_fs_rpc(&x->fs, &t, P9_RCLUNK, NULL, "clunk");
			}
		struct p9_msg t = { .type = P9_TCLUNK, .fid = X_SCRATCH_FID };
		p9_fs_rpc(&x->fs, &t, P9_RCLUNK, NULL, "clunk");
		if (p9_fs_rmtree(&x->fs, x->basefid, x->scratch) && x->tg->verbose)
			fprintf(stderr, "9psuite explore: could not remove %s: %s\n", x->scratch,
				x->fs.err);
	}
	if (x->m.nodes && x->m.naccepted) {
		char key[40];
		x->tg->naccepted += x->m.naccepted;
		snprintf(key, sizeof key, " %s", x->m.lastaccepted);
		if (!strstr(x->tg->acceptseen, key) &&
		    strlen(x->tg->acceptseen) + strlen(key) < sizeof x->tg->acceptseen)
			strcat(x->tg->acceptseen, key);
	}
	for (int c = 0; c < XC_COUNT && x->m.nodes; c++)
		x->tg->choice[c] += x->m.choice[c];
	if (x->m.nodes)
		model_free(&x->m);
	if (x->cl)
		p9_client_free(x->cl);
	if (x->conn)
		p9_conn_close(x->conn);
	x->cl = NULL;
	x->conn = NULL;
}

/* Tunlinkat without Tunlinkat: walk to the name and Tremove it; *r is a
 * reply the model reads as Runlinkat (or the walk's or remove's error). */
static int unlink_fallback(struct xrun *x, const struct p9_msg *t, struct p9_reply **r)
{
	struct p9_msg w = { .type = P9_TWALK, .fid = t->dfid, .newfid = TMP_FID, .nwname = 1 };
	int rc;
	w.wname[0] = t->name;
	if ((rc = p9_client_rpc(x->cl, &w, x->tg->timeout_ms, r)) < 0)
		return rc;
	if (p9_reply_errno(*r) || (*r)->m.type != P9_RWALK)
		return 0;
	p9_reply_free(*r);
	struct p9_msg rm = { .type = P9_TREMOVE, .fid = TMP_FID };
	if ((rc = p9_client_rpc(x->cl, &rm, x->tg->timeout_ms, r)) < 0)
		return rc;
	if ((*r)->m.type == P9_RREMOVE)
		(*r)->m.type = P9_RUNLINKAT;
	return 0;
}

static void cover(struct xtarget *tg, const struct xstep *st, const struct p9_reply *r)
{
	int e = p9_reply_errno(r);
	tg->cover[st->op][e ? 1 : 0]++;
	if (e > 0 && e < 64)
		tg->errseen[st->op] |= 1ull << e;
	if (st->op == XO_LCREATE || st->op == XO_LOPEN) {
		unsigned k = (st->flags & 3) | (st->flags & P9_L_O_APPEND ? 4 : 0) |
			     (st->flags & P9_L_O_TRUNC ? 8 : 0);
		tg->flagseen[k & 15]++;
		if (st->flags & P9_L_O_EXCL)
			tg->cover[st->op][2]++;
	}
}

/* EOPNOTSUPP for a whole operation: disable it or fall back. 1: handled,
 * the step counts as not sent (renames) or was redone (unlinks). */
static int unsupported(struct xrun *x, const struct p9_msg *t, struct p9_reply **r)
{
	if (p9_reply_errno(*r) != EOPNOTSUPP)
		return 0;
	if (t->type == P9_TRENAMEAT) {
		x->tg->no_renameat = x->m.no_renameat = 1;
		return 1;
	}
	if (t->type == P9_TUNLINKAT) {
		x->tg->no_unlinkat = x->m.no_unlinkat = x->fs.no_unlinkat = 1;
		x->m.choice[XC_UNLINKAT_FALLBACK]++;
		p9_reply_free(*r);
		*r = NULL;
		return unlink_fallback(x, t, r) < 0 ? -1 : 2;
	}
	return 0;
}

static void show(const char *dir, const struct p9_msg *m)
{
	char buf[600];
	p9_fmt(buf, sizeof buf, m, P9_DL);
	printf("# %s %s\n", dir, buf);
}

static int send_step(struct xrun *x, const struct xstep *st, struct p9_msg *t,
		     struct p9_reply **r)
{
	uint64_t t0 = p9_now_ns();
	int rc;
	if (st->op == XO_UNLINK && x->m.no_unlinkat)
		rc = unlink_fallback(x, t, r);
	else
		rc = p9_client_rpc(x->cl, t, x->tg->timeout_ms, r);
	if (rc == 0 && (rc = unsupported(x, t, r)) == 1) {
		x->tg->wait_ns += p9_now_ns() - t0;
		return 1;
	}
	x->tg->wait_ns += p9_now_ns() - t0;
	return rc < 0 ? rc : 0;
}

int run_step(struct xrun *x, const struct xstep *st, struct xfail *f, int *sent,
	     xrun_step_fn fn, void *arg)
{
	static uint8_t *data;
	struct xexpect e;
	struct p9_msg t;
	struct p9_reply *r = NULL;
	uint64_t t0 = p9_now_ns();
	int rc;
	*sent = 0;
	model_expect(&x->m, st, &e);
	if (e.skip) {
		x->tg->model_ns += p9_now_ns() - t0;
		return 0;
	}
	if (!data)
		data = xmalloc(P9_MAXMSIZE);
	model_build(&x->m, st, &t, data);
	x->tg->model_ns += p9_now_ns() - t0;
	if (x->tg->verbose)
		show("->", &t);
	if ((rc = send_step(x, st, &t, &r)) != 0) {
		if (rc < 0)
			snprintf(f->why, sizeof f->why, "%s: %s", p9_typename(t.type), strerror(-rc));
		p9_reply_free(r);
		return rc < 0 ? -1 : 0;
	}
	*sent = 1;
	if (x->tg->verbose)
		show("<-", &r->m);
	t0 = p9_now_ns();
	cover(x->tg, st, r);
	rc = model_apply(&x->m, st, &e, r, f);
	x->tg->model_ns += p9_now_ns() - t0;
	if (fn)
		fn(arg, x, st, &e, &t, r);
	p9_reply_free(r);
	if (rc) {
		f->op = st->op;
		return 1;
	}
	return 0;
}

int run_seq(struct xtarget *tg, const struct xseq *q, uint32_t maxbytes, struct xfail *f,
	    xrun_step_fn fn, void *arg)
{
	struct xrun x;
	int rc = 0, sent;
	memset(f, 0, sizeof *f);
	if (run_open(tg, &x, maxbytes, f->why, sizeof f->why)) {
		run_close(&x);
		return -1;
	}
	for (size_t i = 0; i < q->n && rc == 0; i++) {
		rc = run_step(&x, &q->s[i], f, &sent, fn, arg);
		f->step = i;
	}
	run_close(&x);
	return rc;
}

void seq_push(struct xseq *q, const struct xstep *st)
{
	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 256;
		q->s = xrealloc(q->s, q->cap * sizeof *q->s);
	}
	q->s[q->n++] = *st;
}

void seq_free(struct xseq *q)
{
	free(q->s);
	memset(q, 0, sizeof *q);
}
