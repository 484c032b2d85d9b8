/*
 * test_synthfs_bugs.c - the --bug switches that model the bug classes of
 * issue 13 (walk-17 and later in enum sfs_bug; the earlier ones are in
 * test_synthfs_proto.c), each shown at the protocol level: with the switch
 * the misbehaviour is on the wire, without it the reply is correct; each
 * in the normal tree (in /rw) and in --bare (in the root).  Also --bare
 * itself: an empty writable root in all three dialects.  synthfs runs in
 * memory (sfs_server_init_mem, sfs_mem_input): raw bytes in, replies out.
 */
#include <check.h>

#include "unit.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sfs_test.h"

enum { FID_ROOT = 0, FID_DIR = 1, FID_A = 2, FID_B = 3, MSIZE = 65536 };

struct v {
	struct sfs_server s;
	struct sfs_conn *c;
	int dialect, bare;
	struct sfs_replies out; /* the replies to the last request */
};

/* Feed n request bytes; exactly one reply is expected, left in v->out.buf. */
static void raw(struct v *v, const uint8_t *req, size_t n)
{
	v->out.len = 0;
	ck_assert_int_eq(sfs_mem_input(v->c, req, n, sfs_collect, &v->out), 0);
	ck_assert_uint_ge(v->out.len, P9_HDRSZ);
	ck_assert_uint_eq(p9_get32(v->out.buf), v->out.len);
}

/* Send m (tag 1) in the session's dialect; the decoded reply. */
static struct p9_msg call(struct v *v, struct p9_msg *m)
{
	uint8_t req[MSIZE];
	struct p9_msg r;
	long n;
	m->tag = 1;
	n = p9_encode(m, v->dialect, req, sizeof req);
	ck_assert_int_gt(n, 0);
	raw(v, req, (size_t)n);
	ck_assert_int_eq(p9_decode(v->out.buf, v->out.len, v->dialect, &r, NULL), 0);
	ck_assert_uint_eq(r.tag, 1);
	return r;
}

/* 0, or the errno of an Rlerror/Rerror (any error in plain 9P2000). */
static int call_err(struct v *v, struct p9_msg *m)
{
	struct p9_msg r = call(v, m);
	if (r.type == P9_RLERROR || r.type == P9_RERROR)
		return v->dialect == P9_D2000 ? EIO : (int)r.errnum;
	ck_assert_uint_eq(r.type, m->type + 1);
	return 0;
}

static void ok(struct v *v, struct p9_msg *m)
{
	int e = call_err(v, m);
	ck_assert_msg(e == 0, "%s: %s", p9_typename(m->type), strerror(e));
}

/* Tversion with tag and msize as given (no check of the reply). */
static void version(struct v *v, uint16_t tag, uint32_t msize)
{
	uint8_t req[64];
	struct p9_msg m = { .type = P9_TVERSION, .tag = tag, .msize = msize,
			    .version = p9_s(p9_dialect_name(v->dialect)) };
	long n = p9_encode(&m, v->dialect, req, sizeof req);
	ck_assert_int_gt(n, 0);
	raw(v, req, (size_t)n);
	ck_assert_uint_eq(v->out.buf[4], P9_RVERSION);
}

static void walk(struct v *v, uint32_t fid, uint32_t newfid, const char *name)
{
	struct p9_msg m = { .type = P9_TWALK, .fid = fid, .newfid = newfid };
	if (name)
		m.wname[m.nwname++] = p9_s(name);
	ok(v, &m);
}

/* synthfs in memory, Tversion and Tattach done; FID_DIR is the scratch
 * directory: /rw, or the root with --bare. */
static struct v *up(uint32_t bugs, int bare, int dialect)
{
	struct v *v = calloc(1, sizeof *v);
	struct sfs_opts o = { .bare = bare, .readdir_max = 120 };
	struct p9_msg a = { .type = P9_TATTACH, .fid = FID_ROOT, .afid = P9_NOFID,
			    .uname = p9_s("u"), .aname = p9_s("") };
	ck_assert_ptr_nonnull(v);
	v->dialect = dialect;
	v->bare = bare;
	v->s.msize = MSIZE;
	v->s.bugs = bugs;
	sfs_bug_opts(bugs, &o);
	v->c = sfs_memserver_up(&v->s, &o);
	version(v, P9_NOTAG, MSIZE);
	ok(v, &a);
	walk(v, FID_ROOT, FID_DIR, bare ? NULL : "rw");
	return v;
}

static void down(struct v *v)
{
	sfs_memserver_down(&v->s, v->c);
	free(v);
}

/* 9P2000.L: a regular file name in directory fid dfid; its qid path. */
static uint64_t mkfile(struct v *v, uint32_t dfid, const char *name)
{
	struct p9_msg m = { .type = P9_TMKNOD, .dfid = dfid, .name = p9_s(name),
			    .lmode = S_IFREG | 0644 };
	struct p9_msg r = call(v, &m);
	ck_assert_uint_eq(r.type, P9_RMKNOD);
	return r.qid.path;
}

static void mkdir_(struct v *v, uint32_t dfid, const char *name)
{
	struct p9_msg m = { .type = P9_TMKDIR, .dfid = dfid, .name = p9_s(name),
			    .lmode = 0755 };
	ok(v, &m);
}

static void lopen(struct v *v, uint32_t fid, uint32_t flags)
{
	struct p9_msg m = { .type = P9_TLOPEN, .fid = fid, .flags = flags };
	ok(v, &m);
}

static void clunk(struct v *v, uint32_t fid)
{
	struct p9_msg m = { .type = P9_TCLUNK, .fid = fid };
	ok(v, &m);
}

static void write_at(struct v *v, uint32_t fid, uint64_t off, const char *s)
{
	struct p9_msg m = { .type = P9_TWRITE, .fid = fid, .offset = off,
			    .count = (uint32_t)strlen(s), .data = (const uint8_t *)s };
	struct p9_msg r = call(v, &m);
	ck_assert_uint_eq(r.type, P9_RWRITE);
	ck_assert_uint_eq(r.count, strlen(s));
}

/* Read count bytes at off into out; returns the bytes read. */
static size_t read_at(struct v *v, uint32_t fid, uint64_t off, uint32_t count,
		      uint8_t *out)
{
	struct p9_msg m = { .type = P9_TREAD, .fid = fid, .offset = off,
			    .count = count };
	struct p9_msg r = call(v, &m);
	ck_assert_uint_eq(r.type, P9_RREAD);
	memcpy(out, r.data, r.count);
	return r.count;
}

/* ---- one probe per switch: 1 if the bug shows, 0 if correct ---- */

/* A 17-deep chain of directories "d" exists; Twalk the 17 names. */
static int p_walk_17(struct v *v)
{
	uint8_t req[256];
	size_t n = P9_HDRSZ;
	mkdir_(v, FID_DIR, "d");
	walk(v, FID_DIR, FID_A, "d");
	for (int i = 1; i < 17; i++) {
		mkdir_(v, FID_A, "d");
		walk(v, FID_A, FID_A, "d");
	}
	req[4] = P9_TWALK;
	p9_put16(req + 5, 1);
	p9_put32(req + n, FID_DIR);
	p9_put32(req + n + 4, FID_B);
	p9_put16(req + n + 8, 17);
	n += 10;
	for (int i = 0; i < 17; i++) {
		p9_put16(req + n, 1);
		req[n + 2] = 'd';
		n += 3;
	}
	p9_put32(req, (uint32_t)n);
	raw(v, req, n);
	if (v->out.buf[4] != P9_RWALK)
		return 0; /* refused: correct */
	ck_assert_uint_eq(p9_get16(v->out.buf + P9_HDRSZ), 17);
	ck_assert_uint_eq(v->out.len, P9_HDRSZ + 2 + 17 * P9_QIDSZ);
	clunk(v, FID_B);
	return 1;
}

/* 200 files in a fresh directory: their qid paths are all different?
 * (Two files made one after the other never share one.) */
static int p_qid_collide(struct v *v)
{
	uint64_t path[200];
	char name[16];
	int dup = 0;
	mkdir_(v, FID_DIR, "q");
	walk(v, FID_DIR, FID_A, "q");
	for (int i = 0; i < 200; i++) {
		snprintf(name, sizeof name, "f%d", i);
		path[i] = mkfile(v, FID_A, name);
		for (int j = 0; j < i; j++)
			dup |= path[i] == path[j];
	}
	ck_assert_uint_ne(path[0], path[1]);
	return dup;
}

/* Names in one Rreaddir (the reply in v->out.buf), counted in seen[]; the
 * last entry's offset goes to *off; returns the number of entries. */
static int dirents(struct v *v, int seen[10], uint64_t *off)
{
	struct p9_msg r;
	struct p9_dirent e;
	size_t pos = 0;
	int n = 0;
	ck_assert_int_eq(p9_decode(v->out.buf, v->out.len, P9_DL, &r, NULL), 0);
	ck_assert_uint_eq(r.type, P9_RREADDIR);
	while (p9_dirent_next(r.data, r.count, &pos, &e) == 1) {
		if (e.name.len == 2 && e.name.p[0] == 'a')
			seen[e.name.p[1] - '0']++;
		*off = e.offset;
		n++;
	}
	return n;
}

static void rdir(struct v *v, uint32_t fid, uint64_t off, uint32_t count)
{
	struct p9_msg m = { .type = P9_TREADDIR, .fid = fid, .offset = off,
			    .count = count };
	ck_assert_uint_eq(call(v, &m).type, P9_RREADDIR);
}

/* a0..a9; read ".", ".." and a0; unlink a0; read on from the offset
 * given: a1..a9 must each come once. */
static int p_readdir_shift(struct v *v)
{
	int seen[10] = { 0 }, bug = 0;
	uint64_t off = 0;
	char name[4] = "a0";
	struct p9_msg u = { .type = P9_TUNLINKAT, .dfid = FID_A, .name = p9_s("a0") };
	mkdir_(v, FID_DIR, "r");
	walk(v, FID_DIR, FID_A, "r");
	for (int i = 0; i < 10; i++) {
		name[1] = (char)('0' + i);
		mkfile(v, FID_A, name);
	}
	walk(v, FID_A, FID_B, NULL);
	lopen(v, FID_B, 0);
	rdir(v, FID_B, 0, 25 + 26 + 26); /* ".", "..", "a0" */
	ck_assert_int_eq(dirents(v, seen, &off), 3);
	ck_assert_int_eq(seen[0], 1);
	ok(v, &u);
	do
		rdir(v, FID_B, off, 4096);
	while (dirents(v, seen, &off) > 0);
	for (int i = 1; i < 10; i++)
		bug |= seen[i] != 1;
	clunk(v, FID_B);
	return bug;
}

/* Writes at offset 0 through an O_APPEND open (Tlcreate, then Tlopen). */
static int p_append_ignored(struct v *v)
{
	struct p9_msg c = { .type = P9_TLCREATE, .fid = FID_A, .name = p9_s("ap"),
			    .flags = P9_L_O_RDWR | P9_L_O_APPEND, .lmode = 0644 };
	uint8_t got[16];
	size_t n;
	walk(v, FID_DIR, FID_A, NULL);
	ok(v, &c);
	write_at(v, FID_A, 0, "abc");
	write_at(v, FID_A, 0, "XY");
	walk(v, FID_DIR, FID_B, "ap");
	lopen(v, FID_B, P9_L_O_WRONLY | P9_L_O_APPEND);
	write_at(v, FID_B, 0, "Z");
	n = read_at(v, FID_A, 0, sizeof got, got);
	if (n == 6 && memcmp(got, "abcXYZ", 6) == 0)
		return 0;
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(memcmp(got, "ZYc", 3), 0);
	return 1;
}

/* Holes made by a write beyond EOF and by Tsetattr growing the size. */
static int p_holes_nonzero(struct v *v)
{
	struct p9_msg s = { .type = P9_TSETATTR, .fid = FID_A, .valid32 = 8,
			    .size = 300 };
	uint8_t got[400];
	int nonzero = 0, zero = 0;
	mkfile(v, FID_DIR, "h");
	walk(v, FID_DIR, FID_A, "h");
	lopen(v, FID_A, P9_L_O_RDWR);
	write_at(v, FID_A, 100, "x");
	ok(v, &s);
	ck_assert_uint_eq(read_at(v, FID_A, 0, sizeof got, got), 300);
	ck_assert_uint_eq(got[100], 'x');
	for (int i = 0; i < 300; i++) {
		if (i == 100)
			continue;
		nonzero += got[i] == SFS_HOLE_BYTE;
		zero += got[i] == 0;
	}
	ck_assert_int_eq(nonzero + zero, 299); /* all one or the other */
	ck_assert(nonzero == 0 || zero == 0);
	return nonzero != 0;
}

static int p_version_msize_grow(struct v *v)
{
	version(v, P9_NOTAG, 8192);
	return p9_get32(v->out.buf + P9_HDRSZ) > 8192;
}

/* The tag of the Rversion to a Tversion with NOTAG, then with tag 7. */
static int p_version_tag(struct v *v)
{
	int bad;
	version(v, P9_NOTAG, MSIZE);
	bad = p9_get16(v->out.buf + 5) != P9_NOTAG;
	version(v, 7, MSIZE);
	ck_assert_int_eq(bad, p9_get16(v->out.buf + 5) != 7);
	return bad;
}

static int (*const probes[BUG_COUNT])(struct v *) = {
	[BUG_WALK_17] = p_walk_17,
	[BUG_QID_COLLIDE] = p_qid_collide,
	[BUG_READDIR_SHIFT] = p_readdir_shift,
	[BUG_APPEND_IGNORED] = p_append_ignored,
	[BUG_HOLES_NONZERO] = p_holes_nonzero,
	[BUG_VERSION_MSIZE_GROW] = p_version_msize_grow,
	[BUG_VERSION_TAG] = p_version_tag,
};

/* _i: the bug, from BUG_WALK_17 on, times 2: normal tree or --bare. */
START_TEST(each_bug)
{
	int bug = BUG_WALK_17 + _i / 2, bare = _i % 2;
	ck_assert_ptr_nonnull(probes[bug]);
	for (int with = 0; with < 2; with++) {
		struct v *v = up(with ? 1u << bug : 0, bare, P9_DL);
		sfs_test_probed(bug, with, probes[bug](v), bare ? " (--bare)" : "");
		down(v);
	}
	ck_assert_int_eq(sfs_bug_parse(sfs_bug_name(bug)), bug);
}
END_TEST

/* ---- --bare: an empty writable root ---- */

static const char *const contract[] = { "README", "walk", "flush", "readdir",
	"multidev", "data", "rw", "misc", "ctl", NULL };

static void no_contract_tree(struct v *v)
{
	for (int i = 0; contract[i]; i++) {
		struct p9_msg m = { .type = P9_TWALK, .fid = FID_ROOT,
				    .newfid = FID_B, .nwname = 1 };
		m.wname[0] = p9_s(contract[i]);
		ck_assert_int_ne(call_err(v, &m), 0);
	}
}

START_TEST(bare_root_L)
{
	struct v *v = up(0, 1, P9_DL);
	struct p9_msg g = { .type = P9_TGETATTR, .fid = FID_ROOT,
			    .request_mask = P9_GETATTR_ALL }, r;
	struct p9_msg sl = { .type = P9_TSYMLINK, .fid = FID_DIR, .name = p9_s("s"),
			     .symtgt = p9_s("f") };
	struct p9_msg ln = { .type = P9_TLINK, .dfid = FID_DIR, .fid = FID_A,
			     .name = p9_s("h") };
	struct p9_msg rn = { .type = P9_TRENAMEAT, .olddirfid = FID_DIR,
			     .oldname = p9_s("h"), .newdirfid = FID_B,
			     .newname = p9_s("h2") };
	struct p9_msg ch = { .type = P9_TSETATTR, .fid = FID_A, .valid32 = 1,
			     .lmode = 0600 };
	struct p9_msg xc = { .type = P9_TXATTRCREATE, .fid = FID_B,
			     .name = p9_s("user.k"), .attr_size = 1 };
	struct p9_msg ud = { .type = P9_TUNLINKAT, .dfid = FID_DIR,
			     .name = p9_s("d"), .flags = P9_L_AT_REMOVEDIR };
	uint64_t off = 0;
	int seen[10] = { 0 };
	no_contract_tree(v);
	r = call(v, &g);
	ck_assert_uint_eq(r.type, P9_RGETATTR);
	ck_assert_uint_eq(r.lmode, S_IFDIR | 0777);
	walk(v, FID_ROOT, FID_B, NULL);
	lopen(v, FID_B, 0);
	rdir(v, FID_B, 0, 4096);
	ck_assert_int_eq(dirents(v, seen, &off), 2); /* "." and ".." only */
	clunk(v, FID_B);
	mkfile(v, FID_DIR, "f");
	mkdir_(v, FID_DIR, "d");
	ok(v, &sl);
	walk(v, FID_DIR, FID_A, "f");
	ok(v, &ln);
	walk(v, FID_DIR, FID_B, "d");
	ok(v, &rn);
	ok(v, &ch);
	clunk(v, FID_B);
	walk(v, FID_DIR, FID_B, "s");
	ok(v, &xc);
	write_at(v, FID_B, 0, "v");
	clunk(v, FID_B); /* sets the xattr */
	walk(v, FID_DIR, FID_B, "d");
	ud.name = p9_s("h2");
	ud.dfid = FID_B;
	ud.flags = 0;
	ok(v, &ud);
	clunk(v, FID_B);
	ud.name = p9_s("d");
	ud.dfid = FID_DIR;
	ud.flags = P9_L_AT_REMOVEDIR;
	ok(v, &ud);
	down(v);
}
END_TEST

/* 9P2000 and 9P2000.u: Tstat of the root, its empty listing, Tcreate,
 * Twrite, Tread, Twstat (rename) and Tremove at the root. */
START_TEST(bare_root_stat)
{
	int d = _i ? P9_DU : P9_D2000;
	struct v *v = up(0, 1, d);
	struct p9_msg st = { .type = P9_TSTAT, .fid = FID_ROOT }, r;
	struct p9_msg o = { .type = P9_TOPEN, .fid = FID_B, .mode = 0 };
	struct p9_msg c = { .type = P9_TCREATE, .fid = FID_A, .name = p9_s("f"),
			    .perm = 0644, .mode = 2 };
	struct p9_msg ws = { .type = P9_TWSTAT, .fid = FID_A }, rm = { .type = P9_TREMOVE,
			     .fid = FID_A };
	uint8_t got[8];
	no_contract_tree(v);
	r = call(v, &st);
	ck_assert_uint_eq(r.type, P9_RSTAT);
	ck_assert_uint_eq(r.stat.mode, P9_DMDIR | 0777);
	walk(v, FID_ROOT, FID_B, NULL);
	ok(v, &o);
	ck_assert_uint_eq(read_at(v, FID_B, 0, 4096, got), 0); /* empty */
	clunk(v, FID_B);
	walk(v, FID_DIR, FID_A, NULL);
	ok(v, &c);
	write_at(v, FID_A, 0, "hi");
	ck_assert_uint_eq(read_at(v, FID_A, 0, sizeof got, got), 2);
	memset(&ws.stat, 0xff, sizeof ws.stat);
	ws.stat.name = p9_s("g");
	ws.stat.uid = ws.stat.gid = ws.stat.muid = ws.stat.extension = p9_s("");
	ok(v, &ws);
	walk(v, FID_DIR, FID_B, "g");
	clunk(v, FID_B);
	ok(v, &rm);
	down(v);
}
END_TEST

/* readdir-shift in 9P2000.u: directory Treads at byte offsets, the
 * position kept by the server is an index.  a0..a9 in the --bare root;
 * read one record (a0), remove a0, read on: a1..a9 each once? */
static int shift_stat(struct v *v)
{
	int seen[10] = { 0 }, bug = 0;
	uint64_t off = 0;
	char name[4] = "a0";
	struct p9_msg o = { .type = P9_TOPEN, .fid = FID_B, .mode = 0 };
	struct p9_msg rm = { .type = P9_TREMOVE, .fid = FID_A };
	for (int i = 0; i < 10; i++) {
		struct p9_msg c = { .type = P9_TCREATE, .fid = FID_A, .perm = 0644 };
		name[1] = (char)('0' + i);
		c.name = p9_s(name);
		walk(v, FID_DIR, FID_A, NULL);
		ok(v, &c);
		clunk(v, FID_A);
	}
	walk(v, FID_DIR, FID_B, NULL);
	ok(v, &o);
	for (uint32_t count = 100;; count = 4096) {
		struct p9_msg m = { .type = P9_TREAD, .fid = FID_B, .offset = off,
				    .count = count }, r = call(v, &m);
		struct p9_stat st;
		size_t pos = 0;
		ck_assert_uint_eq(r.type, P9_RREAD);
		if (!r.count)
			break;
		while (p9_stat_next(r.data, r.count, v->dialect, &pos, &st) == 1)
			if (st.name.len == 2 && st.name.p[0] == 'a')
				seen[st.name.p[1] - '0']++;
		off += r.count;
		if (count == 100) { /* the first read: a0 alone */
			ck_assert_int_eq(seen[0], 1);
			walk(v, FID_DIR, FID_A, "a0");
			ok(v, &rm);
		}
	}
	for (int i = 1; i < 10; i++)
		bug |= seen[i] != 1;
	clunk(v, FID_B);
	return bug;
}

START_TEST(readdir_shift_stat)
{
	struct v *v = up(0, 1, P9_DU);
	ck_assert_int_eq(shift_stat(v), 0);
	down(v);
	v = up(1u << BUG_READDIR_SHIFT, 1, P9_DU);
	ck_assert_int_eq(shift_stat(v), 1);
	down(v);
}
END_TEST

int main(void)
{
	TCase *tc = unit_case("bugs", 30, UNIT_TESTS(
		readdir_shift_stat, bare_root_L));
	tcase_add_loop_test(tc, each_bug, 0, 2 * (BUG_COUNT - BUG_WALK_17));
	tcase_add_loop_test(tc, bare_root_stat, 0, 2);
	return unit_run_case("synthfs bugs", tc, CK_FORK_GETENV);
}
