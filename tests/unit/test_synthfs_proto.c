/*
 * test_synthfs_proto.c - synthfs served in-process (event loop on a
 * thread, a socketpair to lib/client.c): Tflush per flush(5), the blocking
 * file's timeout, worker dispatch, --readdir-hops per-entry (hops counted
 * through /ctl/hops), and the --bug switches before walk-17 (the later
 * ones: test_synthfs_bugs.c), each shown to change a reply (the same probe run without the bug sees correct
 * behaviour).
 */
#include <check.h>

#include "unit.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sfs_test.h"

static int g_rdhops_entry; /* --readdir-hops per-entry for the next up2 */

static struct sfs_inproc *up2(uint32_t bugs, enum sfs_multidevs md, int trips,
			      int dialect, uint32_t msize)
{
	struct sfs_inproc *v = sfs_inproc_new();
	struct sfs_opts o = { .multidevs = md };
	v->s.trips = trips;
	v->s.rdhops_entry = g_rdhops_entry;
	v->s.bugs = bugs;
	sfs_bug_opts(bugs, &o);
	sfs_inproc_up(v, &o, dialect, msize);
	return v;
}

static struct sfs_inproc *up(uint32_t bugs)
{
	return up2(bugs, SFS_MD_WARN, 0, P9_DL, 1 << 20);
}

static struct p9_reply *rpc(struct sfs_inproc *v, struct p9_msg *m)
{
	struct p9_reply *r;
	m->tag = 0;
	ck_assert_int_eq(p9_client_rpc(v->c, m, 5000, &r), 0);
	return r;
}

static int rpc_err(struct sfs_inproc *v, struct p9_msg *m)
{
	struct p9_reply *r = rpc(v, m);
	int e = p9_reply_errno(r);
	p9_reply_free(r);
	return e;
}

/* Walk from fid 0; returns the reply (caller frees). */
static struct p9_reply *walk(struct sfs_inproc *v, uint32_t newfid, const char *a,
			     const char *b)
{
	struct p9_msg m = { .type = P9_TWALK, .fid = 0, .newfid = newfid };
	m.wname[m.nwname++] = p9_s(a);
	if (b)
		m.wname[m.nwname++] = p9_s(b);
	return rpc(v, &m);
}

static void walk_ok(struct sfs_inproc *v, uint32_t newfid, const char *a, const char *b)
{
	struct p9_reply *r = walk(v, newfid, a, b);
	ck_assert_int_eq(r->m.type, P9_RWALK);
	ck_assert_int_eq(r->m.nwqid, b ? 2 : 1);
	p9_reply_free(r);
}

static void lopen(struct sfs_inproc *v, uint32_t fid, uint32_t flags)
{
	struct p9_msg m = { .type = P9_TLOPEN, .fid = fid, .flags = flags };
	ck_assert_int_eq(rpc_err(v, &m), 0);
}

static uint16_t send_read(struct sfs_inproc *v, uint32_t fid)
{
	struct p9_msg m = { .type = P9_TREAD, .fid = fid, .count = 64 };
	m.tag = p9_client_tag(v->c);
	ck_assert_int_eq(p9_client_send(v->c, &m), 0);
	return m.tag;
}

static uint16_t send_flush(struct sfs_inproc *v, uint16_t oldtag)
{
	struct p9_msg m = { .type = P9_TFLUSH, .oldtag = oldtag };
	m.tag = p9_client_tag(v->c);
	ck_assert_int_eq(p9_client_send(v->c, &m), 0);
	return m.tag;
}

static struct p9_reply *next_reply(struct sfs_inproc *v, int ms)
{
	struct p9_reply *r = NULL;
	if (p9_client_wait_any(v->c, ms, &r) < 0)
		return NULL;
	return r;
}

/* ---- flush(5) ---- */

START_TEST(flush_blocked_read)
{
	struct sfs_inproc *v = up(0);
	struct p9_reply *r;
	walk_ok(v, 1, "flush", "block");
	lopen(v, 1, 0);
	uint16_t t = send_read(v, 1);
	uint16_t f1 = send_flush(v, t), f2 = send_flush(v, t);
	r = next_reply(v, 2000);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->m.type, P9_RFLUSH);
	ck_assert_int_eq(r->m.tag, f1);
	p9_reply_free(r);
	r = next_reply(v, 2000);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->m.type, P9_RFLUSH);
	ck_assert_int_eq(r->m.tag, f2);
	p9_reply_free(r);
	ck_assert_ptr_null(next_reply(v, 300)); /* the read is never answered */
	sfs_inproc_down(v);
}
END_TEST

START_TEST(flush_unknown_and_timeout)
{
	struct sfs_inproc *v = up(0);
	struct p9_reply *r;
	struct p9_msg f = { .type = P9_TFLUSH, .oldtag = 999 };
	r = rpc(v, &f);
	ck_assert_int_eq(r->m.type, P9_RFLUSH);
	p9_reply_free(r);
	v->s.block_timeout = 1;
	walk_ok(v, 1, "flush", "block");
	lopen(v, 1, 2);
	struct p9_msg w = { .type = P9_TWRITE, .fid = 1, .count = 1,
			    .data = (const uint8_t *)"x" };
	uint64_t t0 = p9_now_ns();
	ck_assert_int_eq(rpc_err(v, &w), EINTR);
	ck_assert_uint_ge(p9_now_ns() - t0, 900000000ull);
	sfs_inproc_down(v);
}
END_TEST

START_TEST(version_aborts)
{
	struct sfs_inproc *v = up(0);
	struct p9_reply *r;
	char err[256];
	walk_ok(v, 1, "flush", "block");
	lopen(v, 1, 0);
	uint16_t t = send_read(v, 1);
	ck_assert_int_eq(p9_client_version(v->c, 65536, "9P2000.L", 5000, err,
					   sizeof err), 0);
	ck_assert_ptr_null(next_reply(v, 300)); /* the read is gone */
	(void)t;
	ck_assert_uint_eq(v->s.allfids, 0);   /* and so are the fids */
	struct p9_msg m = { .type = P9_TCLUNK, .fid = 1 };
	r = rpc(v, &m);
	ck_assert_int_eq(p9_reply_errno(r), EBADF);
	p9_reply_free(r);
	sfs_inproc_down(v);
}
END_TEST

START_TEST(worker_dispatch)
{
	struct sfs_inproc *v = up2(0, SFS_MD_WARN, 3, P9_DL, 1 << 20);
	struct p9_reply *r;
	walk_ok(v, 1, "flush", "block");
	lopen(v, 1, 0);
	uint16_t t = send_read(v, 1);
	usleep(100000); /* let it park */
	uint16_t f = send_flush(v, t);
	r = next_reply(v, 2000);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->m.tag, f);
	p9_reply_free(r);
	walk_ok(v, 2, "README", NULL);
	lopen(v, 2, 0);
	struct p9_msg m = { .type = P9_TREAD, .fid = 2, .count = 100 };
	r = rpc(v, &m);
	ck_assert_int_eq(r->m.count, 34);
	p9_reply_free(r);
	sfs_inproc_down(v);
}
END_TEST

/* ---- --readdir-hops: round trips counted by /ctl/hops ---- */

static void open_any(struct sfs_inproc *v, int dialect, uint32_t fid)
{
	struct p9_msg m = { .type = P9_TOPEN, .fid = fid, .mode = 0 };
	if (dialect == P9_DL) {
		lopen(v, fid, 0);
		return;
	}
	ck_assert_int_eq(rpc_err(v, &m), 0);
}

static uint64_t ctl_hops(struct sfs_inproc *v)
{
	struct p9_msg m = { .type = P9_TREAD, .fid = 9, .count = 32 };
	struct p9_reply *r = rpc(v, &m);
	char txt[33];
	ck_assert_int_eq(r->m.type, P9_RREAD);
	ck_assert_uint_lt(r->m.count, sizeof txt);
	memcpy(txt, r->m.data, r->m.count);
	txt[r->m.count] = 0;
	p9_reply_free(r);
	return strtoull(txt, NULL, 10);
}

/* One directory read of readdir/d100 (Treaddir, or Tread for 9P2000) with
 * count bytes; *entries gets the entries in the reply, *hops the round
 * trips it cost; returns the payload (caller frees) of *len bytes. */
static uint8_t *one_dirread(int entry_hops, int dialect, uint32_t count,
			    unsigned *entries, uint64_t *hops, size_t *len)
{
	struct sfs_inproc *v;
	struct p9_reply *r;
	struct p9_msg m = { .fid = 1, .count = count };
	uint64_t h0, h1;
	uint8_t *copy;
	size_t pos = 0;
	g_rdhops_entry = entry_hops;
	v = up2(0, SFS_MD_WARN, 1, dialect, 1 << 20);
	g_rdhops_entry = 0;
	walk_ok(v, 1, "readdir", "d100");
	open_any(v, dialect, 1);
	walk_ok(v, 9, "ctl", "hops");
	open_any(v, dialect, 9);
	m.type = dialect == P9_DL ? P9_TREADDIR : P9_TREAD;
	h0 = ctl_hops(v);
	r = rpc(v, &m);
	h1 = ctl_hops(v);
	ck_assert_int_eq(r->m.type, dialect == P9_DL ? P9_RREADDIR : P9_RREAD);
	*entries = 0;
	if (dialect == P9_DL) {
		struct p9_dirent e;
		while (p9_dirent_next(r->m.data, r->m.count, &pos, &e) == 1)
			(*entries)++;
	} else {
		struct p9_stat st;
		while (p9_stat_next(r->m.data, r->m.count, dialect, &pos, &st) == 1)
			(*entries)++;
	}
	ck_assert_uint_eq(pos, r->m.count); /* whole entries only */
	/* h1 - h0: the first ctl read's own trip, then the directory read's */
	*hops = h1 - h0 - 1;
	*len = r->m.count;
	copy = malloc(*len + 1);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, r->m.data, *len);
	/* 9P2000 stat records carry atime and mtime (seconds): two trees built
	 * on either side of a second boundary differ there, so blank them */
	for (size_t o = 0; dialect != P9_DL && o + 33 <= *len; o += 2 + p9_get16(copy + o))
		memset(copy + o + 25, 0, 8);
	p9_reply_free(r);
	sfs_inproc_down(v);
	return copy;
}

START_TEST(readdir_hops)
{
	static const int dialects[] = { P9_DL, P9_D2000 };
	static const uint32_t counts[] = { 1 << 16, 600 };
	for (int d = 0; d < 2; d++) {
		for (int k = 0; k < 2; k++) {
			unsigned ereq, eent;
			uint64_t hreq, hent;
			size_t lreq, lent;
			uint8_t *preq = one_dirread(0, dialects[d], counts[k],
						    &ereq, &hreq, &lreq);
			uint8_t *pent = one_dirread(1, dialects[d], counts[k],
						    &eent, &hent, &lent);
			/* the same reply either way */
			ck_assert_uint_eq(ereq, eent);
			ck_assert_uint_eq(lreq, lent);
			ck_assert_int_eq(memcmp(preq, pent, lreq), 0);
			if (counts[k] == 1 << 16) /* the whole directory */
				ck_assert_uint_eq(ereq, dialects[d] == P9_DL ? 102 : 100);
			else
				ck_assert(ereq > 0 && ereq < 100);
			/* per request: one round trip; per entry: one more per entry */
			ck_assert_uint_eq(hreq, 1);
			ck_assert_uint_eq(hent, 1 + (uint64_t)eent);
			free(preq);
			free(pent);
		}
	}
}
END_TEST

/* ---- bugs: each probe returns 1 when it sees the misbehaviour ---- */

static int readdir_partial(struct sfs_inproc *v, int *partial, unsigned *names,
			   int restart_once)
{
	uint64_t off = 0;
	int calls = 0;
	walk_ok(v, 1, "readdir", "d1000");
	lopen(v, 1, 0);
	*partial = 0;
	*names = 0;
	for (;;) {
		struct p9_msg m = { .type = P9_TREADDIR, .fid = 1, .offset = off,
				    .count = 200 };
		struct p9_reply *r = rpc(v, &m);
		struct p9_dirent e;
		size_t pos = 0;
		int rc;
		if (r->m.type != P9_RREADDIR || r->m.count == 0 || ++calls > 5000) {
			p9_reply_free(r);
			break;
		}
		while ((rc = p9_dirent_next(r->m.data, r->m.count, &pos, &e)) == 1) {
			(*names)++;
			off = e.offset;
		}
		if (rc < 0)
			*partial = 1;
		p9_reply_free(r);
		if (rc < 0)
			break;
		if (restart_once && calls == 1) {
			off = 0; /* rewind: the first entry must come again */
			restart_once = 0;
			*names = 0;
		}
	}
	return 0;
}

static int p_readdir_partial_entry(struct sfs_inproc *v)
{
	int partial;
	unsigned n;
	readdir_partial(v, &partial, &n, 0);
	return partial;
}

static int p_readdir_ignore_offset(struct sfs_inproc *v)
{
	int partial;
	unsigned n;
	readdir_partial(v, &partial, &n, 1);
	return n != 1002;
}

static int p_readdir_lose_boundary(struct sfs_inproc *v)
{
	int partial;
	unsigned n;
	readdir_partial(v, &partial, &n, 0);
	return n != 1002;
}

static int flush_probe(struct sfs_inproc *v, int *errreply, int *late)
{
	struct p9_reply *r;
	walk_ok(v, 1, "flush", "block");
	lopen(v, 1, 0);
	uint16_t t = send_read(v, 1);
	uint16_t f = send_flush(v, t);
	*errreply = *late = 0;
	r = next_reply(v, 2000);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->m.tag, f);
	*errreply = r->m.type != P9_RFLUSH;
	p9_reply_free(r);
	r = next_reply(v, 300);
	if (r) {
		*late = r->m.tag == t;
		p9_reply_free(r);
	}
	return 0;
}

static int p_flush_rerror(struct sfs_inproc *v)
{
	int e, l;
	flush_probe(v, &e, &l);
	return e;
}

static int p_flush_late_reply(struct sfs_inproc *v)
{
	int e, l;
	flush_probe(v, &e, &l);
	return l;
}

static int p_walk_later_error(struct sfs_inproc *v)
{
	struct p9_reply *r = walk(v, 5, "walk", "nope");
	int bug = r->m.type != P9_RWALK;
	p9_reply_free(r);
	return bug;
}

static int p_walk_partial_fid(struct sfs_inproc *v)
{
	struct p9_reply *r = walk(v, 5, "walk", "nope");
	p9_reply_free(r);
	struct p9_msg m = { .type = P9_TCLUNK, .fid = 5 };
	return rpc_err(v, &m) == 0;
}

static int p_msize_not_enforced(struct sfs_inproc *v)
{
	char err[256];
	p9_client_version(v->c, 4 << 20, "9P2000.L", 5000, err, sizeof err);
	return v->c->msize != 1 << 20;
}

static int qpath(struct sfs_inproc *v, const char *dev, uint64_t *path)
{
	struct p9_msg m = { .type = P9_TWALK, .fid = 0, .newfid = 9, .nwname = 3 };
	struct p9_reply *r;
	m.wname[0] = p9_s("multidev");
	m.wname[1] = p9_s(dev);
	m.wname[2] = p9_s("f1");
	r = rpc(v, &m);
	ck_assert_int_eq(r->m.nwqid, 3);
	*path = r->m.wqid[2].path;
	p9_reply_free(r);
	struct p9_msg c = { .type = P9_TCLUNK, .fid = 9 };
	return rpc_err(v, &c);
}

static int p_qid_path_collision(struct sfs_inproc *v)
{
	uint64_t a, b;
	qpath(v, "devA", &a);
	qpath(v, "devB", &b);
	return a == b;
}

static int p_qid_version_static(struct sfs_inproc *v)
{
	struct p9_msg c = { .type = P9_TLCREATE, .fid = 1, .name = p9_s("f"),
			    .flags = P9_L_O_RDWR, .lmode = 0644 };
	struct p9_msg w = { .type = P9_TWRITE, .fid = 1, .count = 2,
			    .data = (const uint8_t *)"hi" };
	struct p9_msg g = { .type = P9_TGETATTR, .fid = 1, .request_mask = 0x7ff };
	struct p9_reply *r;
	uint32_t v0;
	walk_ok(v, 1, "rw", NULL);
	ck_assert_int_eq(rpc_err(v, &c), 0);
	r = rpc(v, &g);
	v0 = r->m.qid.version;
	p9_reply_free(r);
	ck_assert_int_eq(rpc_err(v, &w), 0);
	r = rpc(v, &g);
	int bug = r->m.qid.version == v0;
	p9_reply_free(r);
	return bug;
}

static int p_clunk_leak(struct sfs_inproc *v)
{
	struct p9_msg m = { .type = P9_TCLUNK, .fid = 1 };
	walk_ok(v, 1, "README", NULL);
	ck_assert_int_eq(rpc_err(v, &m), 0);
	return v->s.allfids != 1; /* only the root fid should remain */
}

static int p_wrong_errno(struct sfs_inproc *v)
{
	struct p9_reply *r = walk(v, 5, "nonexistent", NULL);
	int bug = p9_reply_errno(r) != ENOENT;
	p9_reply_free(r);
	return bug;
}

static int p_fsync_eio(struct sfs_inproc *v)
{
	struct p9_msg m = { .type = P9_TFSYNC, .fid = 0, .datasync = 1 };
	return rpc_err(v, &m) != 0;
}

static int p_flush_unknown_error(struct sfs_inproc *v)
{
	struct p9_msg f = { .type = P9_TFLUSH, .oldtag = 777 };
	struct p9_reply *r = rpc(v, &f);
	int bug = r->m.type != P9_RFLUSH;
	p9_reply_free(r);
	return bug;
}

/* Runs on a 9P2000.u server: n[2] of the Rstat, as on the wire. */
static int p_stat_zero_length(struct sfs_inproc *v)
{
	struct p9_msg m = { .type = P9_TSTAT, .fid = 0 };
	struct p9_reply *r = rpc(v, &m);
	ck_assert_uint_eq(r->buf[4], P9_RSTAT);
	ck_assert_uint_ge(r->len, 11);
	int bug = p9_get16(r->buf + P9_HDRSZ) == 0;
	if (!bug) /* the clean server: n[2] is the record's length */
		ck_assert_int_eq(r->decode_rc, 0);
	else /* the strict client refuses it */
		ck_assert_int_eq(r->decode_rc, -EBADMSG);
	p9_reply_free(r);
	return bug;
}

/* Each bug's probe and the server it runs on: multidevs md (0: warn) and
 * dialect (0: 9P2000.L). */
static const struct {
	int (*probe)(struct sfs_inproc *);
	enum sfs_multidevs md;
	int dialect;
} probes[BUG_COUNT] = {
	[BUG_READDIR_PARTIAL_ENTRY] = { p_readdir_partial_entry },
	[BUG_READDIR_IGNORE_OFFSET] = { p_readdir_ignore_offset },
	[BUG_READDIR_LOSE_BOUNDARY] = { p_readdir_lose_boundary },
	[BUG_FLUSH_RERROR] = { p_flush_rerror },
	[BUG_FLUSH_LATE_REPLY] = { p_flush_late_reply },
	[BUG_WALK_LATER_ERROR] = { p_walk_later_error },
	[BUG_WALK_PARTIAL_FID] = { p_walk_partial_fid },
	[BUG_MSIZE_NOT_ENFORCED] = { p_msize_not_enforced },
	[BUG_QID_PATH_COLLISION] = { p_qid_path_collision, SFS_MD_REMAP },
	[BUG_QID_VERSION_STATIC] = { p_qid_version_static },
	[BUG_CLUNK_LEAK] = { p_clunk_leak },
	[BUG_WRONG_ERRNO] = { p_wrong_errno },
	[BUG_FSYNC_EIO] = { p_fsync_eio },
	[BUG_FLUSH_UNKNOWN_ERROR] = { p_flush_unknown_error },
	[BUG_STAT_ZERO_LENGTH] = { p_stat_zero_length, .dialect = P9_DU },
};

START_TEST(each_bug)
{
	int bug = _i, d = probes[bug].dialect ? probes[bug].dialect : P9_DL;
	ck_assert_ptr_nonnull(probes[bug].probe);
	for (int with = 0; with < 2; with++) {
		uint32_t bugs = with ? 1u << bug : 0;
		struct sfs_inproc *v = up2(bugs, probes[bug].md, 0, d, 1 << 20);
		sfs_test_probed(bug, with, probes[bug].probe(v), "");
		sfs_inproc_down(v);
	}
	ck_assert_int_eq(sfs_bug_parse(sfs_bug_name(bug)), bug);
}
END_TEST

int main(void)
{
	TCase *tc = unit_case("proto", 30, UNIT_TESTS(
		flush_blocked_read, flush_unknown_and_timeout,
		worker_dispatch, version_aborts, readdir_hops));
	/* the switches from walk-17 on: test_synthfs_bugs.c */
	tcase_add_loop_test(tc, each_bug, 0, BUG_WALK_17);
	return unit_run_case("synthfs protocol", tc, CK_FORK_GETENV);
}
