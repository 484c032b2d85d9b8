/*
 * probe.c - synthfs-probe, the raw-message test client of synthfs's
 * integration tests: `synthfs-probe TARGET DIALECT SCENARIO [ARG]` sends
 * hand-built messages through lib/client.c and checks every reply against
 * the contract in docs/synthfs.md.  Walks, opens and creates whose errors
 * are checked stay hand-built; reading a file goes through lib's file
 * layer (p9fs.h).  Prints "ok SCENARIO" and exits 0, or
 * prints each failed check and exits 1 (2 for a connection failure).
 *
 * Scenarios: basic, rw, readdir, flush (server needs --delay write=USEC),
 * msize, multidev MODE (warn, remap, forbid), ctl, garbage, quota (server
 * needs --rw-quota 65536).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/p9fs.h"
#include "lib/xalloc.h"

static struct p9_client *C;
static int D;          /* dialect */
static int fails;
static uint32_t nextfid = 100;
/* lib's file layer; its fids start far above the hand-built walks' */
enum { PROBE_FSFIDLO = 100000 };
static struct p9_fs FS;

#define CHECK(cond, ...) check((cond), __LINE__, __VA_ARGS__)

static void check(int ok, int line, const char *fmt, ...)
{
	va_list ap;
	if (ok)
		return;
	fails++;
	fprintf(stderr, "FAIL line %d: ", line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void die(const char *what)
{
	fprintf(stderr, "synthfs-probe: %s\n", what);
	exit(2);
}

static struct p9_reply *rpc(struct p9_msg *m)
{
	struct p9_reply *r;
	m->tag = 0;
	if (p9_client_rpc(C, m, 10000, &r) < 0)
		die("no reply (timeout or connection lost)");
	if (r->decode_rc)
		die("undecodable reply");
	return r;
}

/* 0 for success replies, the errno for errors (9P2000: matched by text). */
static int rerr(const struct p9_reply *r)
{
	if (r->m.type == P9_RERROR && D == P9_D2000) {
		for (int e = 1; e < 134; e++) {
			const char *s = strerrordesc_np(e);
			if (s && p9_streq(r->m.ename, s))
				return e;
		}
		return EIO;
	}
	return p9_reply_errno(r);
}

/* Send m, expect an error; returns its errno (0 if it succeeded). */
static int expect_err(struct p9_msg *m)
{
	struct p9_reply *r = rpc(m);
	int e = rerr(r);
	p9_reply_free(r);
	return e;
}

static int ok(struct p9_msg *m)
{
	return expect_err(m) == 0;
}

/* Create regular file name in the directory fid stands for, opened
 * read-write on fid: Tlcreate in 9P2000.L, Tcreate otherwise. */
static int create_file(uint32_t fid, const char *name)
{
	struct p9_msg c = { .type = P9_TCREATE, .fid = fid, .name = p9_s(name),
			    .perm = 0644, .mode = P9_ORDWR };
	if (D == P9_DL)
		c = (struct p9_msg){ .type = P9_TLCREATE, .fid = fid, .name = p9_s(name),
				     .flags = P9_L_O_RDWR, .lmode = 0644 };
	return ok(&c);
}

static uint32_t walk(uint32_t fid, const char *path, int *err, struct p9_qid *q)
{
	struct p9_msg m = { .type = P9_TWALK, .fid = fid, .newfid = nextfid++ };
	char buf[1024], *save, *tok;
	struct p9_reply *r;
	snprintf(buf, sizeof buf, "%s", path);
	for (tok = strtok_r(buf, "/", &save); tok && m.nwname < 16;
	     tok = strtok_r(NULL, "/", &save))
		m.wname[m.nwname++] = p9_s(tok);
	r = rpc(&m);
	*err = rerr(r);
	if (!*err && r->m.nwqid != m.nwname)
		*err = -(int)r->m.nwqid - 1; /* partial walk: -(n+1) */
	if (!*err && q)
		*q = m.nwname ? r->m.wqid[m.nwname - 1] : (struct p9_qid){ 0 };
	p9_reply_free(r);
	return m.newfid;
}

static uint32_t walk_ok(const char *path, struct p9_qid *q)
{
	int e;
	uint32_t f = walk(0, path, &e, q);
	CHECK(e == 0, "walk %s: error %d", path, e);
	return f;
}

static void clunk(uint32_t fid)
{
	CHECK(p9_fs_clunk(&FS, fid) == 0, "clunk %u: %s", fid, FS.err);
}

static int open_fid(uint32_t fid, int write)
{
	struct p9_msg m = { 0 };
	if (D == P9_DL) {
		m.type = P9_TLOPEN;
		m.flags = write ? P9_L_O_RDWR : P9_L_O_RDONLY;
	} else {
		m.type = P9_TOPEN;
		m.mode = write ? P9_ORDWR : P9_OREAD;
	}
	m.fid = fid;
	return expect_err(&m);
}

/* One Tread: the count the server answered, or -errno. */
static long read_fid(uint32_t fid, uint64_t off, uint8_t *buf, uint32_t count)
{
	return p9_fs_pread(&FS, fid, off, buf, count);
}

/* A small file's text (one Tread): walk, open, read, clunk. */
static long read_file(const char *path, char *buf, size_t cap)
{
	uint32_t f;
	long n;
	int rc = p9_fs_walk(&FS, 0, path, &f, NULL);
	CHECK(rc == 0, "%s", FS.err);
	if (rc)
		return rc;
	rc = p9_fs_open(&FS, f, P9_L_O_RDONLY);
	CHECK(rc == 0, "open %s: %s", path, FS.err);
	n = p9_fs_pread(&FS, f, 0, buf, cap - 1);
	if (n >= 0)
		buf[n] = 0;
	clunk(f);
	return n;
}

static uint64_t ctl(const char *name)
{
	char path[64], buf[64];
	snprintf(path, sizeof path, "ctl/%s", name);
	if (read_file(path, buf, sizeof buf) < 0)
		return ~0ull;
	return strtoull(buf, NULL, 10);
}

/* ---- scenarios ---- */

/* s_basic's node checks: qid types, the data pattern, attributes. */
static void basic_nodes(void)
{
	struct p9_qid q;
	uint32_t f;

	/* qid types */
	f = walk_ok("misc/append", &q);
	CHECK(q.type == P9_QTAPPEND, "append qid type %x", q.type);
	clunk(f);
	f = walk_ok("misc/excl", &q);
	CHECK(q.type == P9_QTEXCL, "excl qid type %x", q.type);
	clunk(f);
	f = walk_ok("misc/link", &q);
	CHECK(q.type == P9_QTSYMLINK || D == P9_D2000, "symlink qid type %x", q.type);
	clunk(f);
	/* /data pattern at an odd offset */
	{
		uint8_t d[1000];
		long n;
		f = walk_ok("data/64M", NULL);
		CHECK(open_fid(f, 0) == 0, "open data/64M");
		n = read_fid(f, 12345677, d, sizeof d);
		CHECK(n == 1000, "read data: %ld", n);
		if (n > 0) {
			size_t bad = p9_contract_mismatch(d, (size_t)n, 12345677);
			CHECK(bad == (size_t)n, "data byte %zu", bad);
		}
		n = read_fid(f, (64 << 20) - 10, d, sizeof d);
		CHECK(n == 10, "short read at EOF: %ld", n);
		CHECK(open_fid(f, 0) != 0, "second open of one fid fails");
		clunk(f);
		f = walk_ok("data/1G", NULL);
		CHECK(open_fid(f, 1) == EACCES, "write-open of /data is EACCES");
		clunk(f);
	}
	/* attributes */
	f = walk_ok("data/1M", NULL);
	if (D == P9_DL) {
		struct p9_msg m = { .type = P9_TGETATTR, .fid = f,
				    .request_mask = P9_GETATTR_ALL };
		struct p9_reply *r = rpc(&m);
		CHECK(r->m.type == P9_RGETATTR && r->m.size == 1 << 20 &&
		      (r->m.lmode & 0170000) == 0100000, "getattr data/1M");
		p9_reply_free(r);
	} else {
		struct p9_msg m = { .type = P9_TSTAT, .fid = f };
		struct p9_reply *r = rpc(&m);
		CHECK(r->m.type == P9_RSTAT && r->m.stat.length == 1 << 20 &&
		      p9_streq(r->m.stat.name, "1M"), "stat data/1M");
		p9_reply_free(r);
	}
	clunk(f);
}

static void s_basic(void)
{
	char buf[256];
	struct p9_qid q;
	int e;
	uint32_t f;

	CHECK(read_file("README", buf, sizeof buf) == 34 &&
	      strcmp(buf, P9_CONTRACT_README) == 0,
	      "README content: %s", buf);
	CHECK(read_file("misc/ro", buf, sizeof buf) == 3 && !strcmp(buf, "ro\n"),
	      "misc/ro");
	CHECK(read_file("flush/now", buf, sizeof buf) == 4, "flush/now");
	/* 16-element walk to the leaf */
	{
		uint32_t w = walk_ok("walk", NULL);
		f = walk(w, "WALK0/WALK1/WALK2/WALK3/WALK4/WALK5/WALK6/WALK7/"
			 "WALK8/WALK9/WALK10/WALK11/WALK12/WALK13/WALK14/WALK15",
			 &e, &q);
		CHECK(e == 0, "16-element walk: %d", e);
		clunk(w);
	}
	CHECK(q.type == P9_QTDIR, "WALK15 is a directory");
	{
		uint32_t g = walk(f, "leaf", &e, &q);
		CHECK(e == 0 && q.type == 0, "leaf");
		if (!e)
			clunk(g);
	}
	clunk(f);
	/* first element missing: error ENOENT, no fid */
	f = walk(0, "nonexistent", &e, NULL);
	CHECK(e == ENOENT, "walk nonexistent: %d", e);
	/* later element missing: Rwalk with 1 qid, newfid not created */
	f = walk(0, "walk/nope", &e, NULL);
	CHECK(e == -2, "partial walk gives 1 qid: %d", e);
	{
		struct p9_msg m = { .type = P9_TCLUNK, .fid = f };
		CHECK(expect_err(&m) == EBADF, "partial walk created newfid");
	}
	/* unknown fid */
	{
		struct p9_msg m = { .type = P9_TCLUNK, .fid = 999999 };
		CHECK(expect_err(&m) == EBADF, "clunk unknown fid");
	}
	basic_nodes();
	/* auth is refused; a message of another dialect is refused */
	{
		struct p9_msg m = { .type = P9_TAUTH, .afid = 5, .uname = p9_s("u"),
				    .aname = p9_s("") };
		CHECK(expect_err(&m) != 0, "Tauth refused");
		struct p9_msg g = { .type = D == P9_DL ? P9_TSTAT : P9_TGETATTR,
				    .fid = 0 };
		CHECK(expect_err(&g) == EOPNOTSUPP || D == P9_D2000,
		      "other dialect's message refused");
	}
}

/* s_rw in 9P2000.L: EEXIST, renameat, symlink and readlink, unlinkat. */
static void rw_names_l(uint32_t d)
{
	uint32_t f;

	struct p9_msg m = { .type = P9_TMKDIR, .dfid = d, .name = p9_s("sub"),
			    .lmode = 0755 };
	CHECK(expect_err(&m) == EEXIST, "mkdir twice is EEXIST");
	struct p9_msg r = { .type = P9_TRENAMEAT, .olddirfid = d,
			    .oldname = p9_s("file"), .newdirfid = d,
			    .newname = p9_s("file2") };
	CHECK(ok(&r), "renameat");
	struct p9_msg s = { .type = P9_TSYMLINK, .fid = d, .name = p9_s("sl"),
			    .symtgt = p9_s("file2") };
	CHECK(ok(&s), "symlink");
	f = walk_ok("rw/sl", NULL);
	struct p9_msg rl = { .type = P9_TREADLINK, .fid = f };
	struct p9_reply *rr = rpc(&rl);
	CHECK(rr->m.type == P9_RREADLINK && p9_streq(rr->m.target, "file2"),
	      "readlink");
	p9_reply_free(rr);
	clunk(f);
	struct p9_msg u = { .type = P9_TUNLINKAT, .dfid = d, .name = p9_s("sub"),
			    .flags = 0 };
	CHECK(expect_err(&u) == EISDIR, "unlinkat dir without AT_REMOVEDIR");
	u.flags = P9_L_AT_REMOVEDIR;
	CHECK(ok(&u), "rmdir");
	u.name = p9_s("sl");
	u.flags = 0;
	CHECK(ok(&u), "unlink sl");
	u.name = p9_s("file2");
	CHECK(ok(&u), "unlink file2");
	CHECK(expect_err(&u) == ENOENT, "unlink twice");
}

/* s_rw in 9P2000 and .u: a hard link (.u), Tremove of the file and dir. */
static void rw_remove_u(uint32_t d, const struct p9_qid *q)
{
	uint32_t f;
	int e;

	if (D == P9_DU) { /* hard link: Tcreate DMLINK "FID\n" */
		char ext[32];
		struct p9_qid lq;
		uint32_t tf = walk_ok("rw/file", NULL), g = walk(d, "", &e, NULL);
		snprintf(ext, sizeof ext, "%u\n", tf);
		struct p9_msg l = { .type = P9_TCREATE, .fid = g, .name = p9_s("hl"),
				    .perm = 0x01000000, .mode = P9_OREAD,
				    .extension = p9_s(ext) };
		CHECK(ok(&l), "DMLINK create");
		clunk(g);
		clunk(tf);
		f = walk_ok("rw/hl", &lq);
		CHECK(lq.path == q->path, "hard link names the same file");
		struct p9_msg rm = { .type = P9_TREMOVE, .fid = f };
		CHECK(ok(&rm), "remove hl");
	}
	f = walk_ok("rw/file", NULL);
	struct p9_msg rm = { .type = P9_TREMOVE, .fid = f };
	CHECK(ok(&rm), "remove file");
	f = walk_ok("rw/sub", NULL);
	rm.fid = f;
	CHECK(ok(&rm), "remove dir");
	walk(0, "rw/file", &e, NULL);
	CHECK(e == -2, "file gone: %d", e);
}

static void s_rw(void)
{
	struct p9_qid q, q2;
	char buf[256];
	uint32_t d, f;
	int e;

	d = walk_ok("rw", NULL);
	f = walk(d, "", &e, NULL); /* clone */
	CHECK(e == 0, "clone");
	if (D == P9_DL) {
		struct p9_msg m = { .type = P9_TMKDIR, .dfid = d, .name = p9_s("sub"),
				    .lmode = 0755 };
		CHECK(ok(&m), "mkdir");
	} else {
		uint32_t g = walk(d, "", &e, NULL);
		struct p9_msg m = { .type = P9_TCREATE, .fid = g, .name = p9_s("sub"),
				    .perm = P9_DMDIR | 0755, .mode = P9_OREAD };
		CHECK(ok(&m), "create dir");
		clunk(g);
	}
	CHECK(create_file(f, "file"), D == P9_DL ? "lcreate" : "create file");
	{
		struct p9_msg w = { .type = P9_TWRITE, .fid = f, .offset = 0,
				    .data = (const uint8_t *)"hello", .count = 5 };
		CHECK(ok(&w), "write");
		CHECK(read_fid(f, 0, (uint8_t *)buf, 100) == 5 &&
		      !memcmp(buf, "hello", 5), "read back");
	}
	clunk(f);
	f = walk_ok("rw/file", &q);
	CHECK(open_fid(f, 1) == 0, "reopen for write");
	{
		struct p9_msg w = { .type = P9_TWRITE, .fid = f, .offset = 5,
				    .data = (const uint8_t *)"!", .count = 1 };
		CHECK(ok(&w), "append write");
	}
	clunk(f);
	f = walk_ok("rw/file", &q2);
	CHECK(q2.path == q.path && q2.version != q.version,
	      "qid.version bumps on write (%u -> %u)", q.version, q2.version);
	clunk(f);
	CHECK(read_file("rw/file", buf, sizeof buf) == 6 && !strcmp(buf, "hello!"),
	      "content %s", buf);
	/* exists */
	if (D == P9_DL)
		rw_names_l(d);
	else
		rw_remove_u(d, &q);
	/* read-only areas */
	{
		uint32_t g = walk_ok("misc", NULL);
		if (D == P9_DL) {
			struct p9_msg m = { .type = P9_TMKDIR, .dfid = g,
					    .name = p9_s("x"), .lmode = 0755 };
			CHECK(expect_err(&m) == EACCES, "mkdir in misc");
		}
		clunk(g);
	}
	clunk(d);
}

/* Read a whole directory in chunks of count; check every name once. */
static void readdir_all(const char *path, unsigned nfiles, uint32_t count)
{
	uint32_t f = walk_ok(path, NULL);
	unsigned char *seen = xcalloc(nfiles + 2, 1);
	uint64_t off = 0;
	unsigned total = 0, calls = 0;
	int bad = 0;
	CHECK(open_fid(f, 0) == 0, "open %s", path);
	for (;;) {
		struct p9_reply *r;
		if (D == P9_DL) {
			struct p9_msg m = { .type = P9_TREADDIR, .fid = f, .offset = off,
					    .count = count };
			r = rpc(&m);
		} else {
			struct p9_msg m = { .type = P9_TREAD, .fid = f, .offset = off,
					    .count = count };
			r = rpc(&m);
		}
		if (rerr(r) || ++calls > 100000) {
			CHECK(0, "readdir %s count %u: error %d", path, count, rerr(r));
			p9_reply_free(r);
			break;
		}
		if (r->m.count == 0) {
			p9_reply_free(r);
			break;
		}
		CHECK(r->m.count <= count, "reply count above request");
		size_t pos = 0;
		int rc;
		if (D == P9_DL) {
			struct p9_dirent e;
			while ((rc = p9_dirent_next(r->m.data, r->m.count, &pos, &e)) == 1) {
				unsigned i;
				if (p9_streq(e.name, "."))
					i = nfiles;
				else if (p9_streq(e.name, ".."))
					i = nfiles + 1;
				else if (!p9_contract_name_index(e.name.p, e.name.len, nfiles, &i))
					i = ~0u;
				if (i == ~0u || seen[i]++)
					bad++;
				total++;
				off = e.offset;
			}
		} else {
			struct p9_stat st;
			while ((rc = p9_stat_next(r->m.data, r->m.count, D, &pos, &st)) == 1) {
				unsigned i;
				if (!p9_contract_name_index(st.name.p, st.name.len, nfiles, &i) ||
				    seen[i]++)
					bad++;
				total++;
			}
			off += r->m.count;
		}
		CHECK(rc == 0, "partial entry in reply");
		p9_reply_free(r);
		if (rc)
			break;
	}
	unsigned want = D == P9_DL ? nfiles + 2 : nfiles;
	CHECK(!bad && total == want, "%s count %u: %u entries, %d bad, want %u",
	      path, count, total, bad, want);
	free(seen);
	clunk(f);
}

static void s_readdir(void)
{
	static const uint32_t counts[] = { 160, 161, 200, 256, 333, 512, 4096, 65536 };
	for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
		readdir_all("readdir/d1000", 1000, counts[i]);
	readdir_all("readdir/d0", 0, 4096);
	readdir_all("readdir/d1", 1, 4096);
	readdir_all("readdir/d100", 100, 171);
	readdir_all("readdir/d10000", 10000, 65536);
}

/* Two concurrent flushes: a blocked read is never answered; a write whose
 * reply is held by --delay is answered before its Rflush. */
static void s_flush(void)
{
	uint32_t b = walk_ok("flush/block", NULL), n = walk_ok("flush/now", NULL);
	struct p9_reply *r;
	uint16_t t1, t2, f1, f2;
	CHECK(open_fid(b, 0) == 0, "open block");
	CHECK(open_fid(n, 1) == 0, "open now");
	struct p9_msg rd = { .type = P9_TREAD, .fid = b, .count = 100 };
	struct p9_msg wr = { .type = P9_TWRITE, .fid = n, .count = 3,
			     .data = (const uint8_t *)"abc" };
	rd.tag = t1 = p9_client_tag(C);
	p9_client_send(C, &rd);
	wr.tag = t2 = p9_client_tag(C);
	p9_client_send(C, &wr);
	struct p9_msg fl = { .type = P9_TFLUSH, .oldtag = t1 };
	fl.tag = f1 = p9_client_tag(C);
	p9_client_send(C, &fl);
	struct p9_msg fl2 = { .type = P9_TFLUSH, .oldtag = t2 };
	fl2.tag = f2 = p9_client_tag(C);
	p9_client_send(C, &fl2);
	/* order on the wire: Rflush(f1) first; then Rwrite(t2) before Rflush(f2) */
	int got_write = 0, got_f1 = 0, got_f2 = 0;
	for (int i = 0; i < 3; i++) {
		if (p9_client_wait_any(C, 5000, &r) < 0) {
			CHECK(0, "flush: missing reply");
			break;
		}
		if (r->m.tag == t1)
			CHECK(0, "flushed blocking read was answered");
		else if (r->m.tag == t2) {
			CHECK(r->m.type == P9_RWRITE && !got_f2, "Rwrite before Rflush");
			got_write = 1;
		} else if (r->m.tag == f1) {
			CHECK(r->m.type == P9_RFLUSH, "Rflush for block");
			got_f1 = 1;
		} else if (r->m.tag == f2) {
			CHECK(r->m.type == P9_RFLUSH && got_write, "Rflush after Rwrite");
			got_f2 = 1;
		}
		p9_reply_free(r);
	}
	CHECK(got_write && got_f1 && got_f2, "all replies");
	/* Tflush of an unknown tag: Rflush at once */
	struct p9_msg fu = { .type = P9_TFLUSH, .oldtag = 4242 };
	r = rpc(&fu);
	CHECK(r->m.type == P9_RFLUSH, "unknown oldtag");
	p9_reply_free(r);
	/* the tag of the flushed request is reusable; nothing else pending */
	CHECK(ctl("tags") == 1, "tags in flight after flush");
	clunk(b);
	clunk(n);
}

static void s_msize(void)
{
	/* a Twrite bigger than msize: error, connection stays usable */
	uint32_t f = walk_ok("flush/now", NULL);
	size_t big = C->msize + 100;
	uint8_t *data = xcalloc(1, big);
	CHECK(open_fid(f, 1) == 0, "open");
	struct p9_msg w = { .type = P9_TWRITE, .fid = f, .data = data,
			    .count = (uint32_t)big };
	CHECK(expect_err(&w) == EMSGSIZE, "oversized Twrite: EMSGSIZE");
	free(data);
	/* a read above msize is clamped */
	uint8_t *buf = xmalloc(C->msize * 2);
	uint32_t g = walk_ok("data/64M", NULL);
	CHECK(open_fid(g, 0) == 0, "open data");
	long n = read_fid(g, 0, buf, C->msize * 2);
	CHECK(n == (long)C->msize - 11, "read clamped to msize-11: %ld", n);
	free(buf);
	clunk(g);
	clunk(f);
}

static void s_multidev(const char *mode)
{
	struct p9_qid a, b;
	int e;
	if (strcmp(mode, "forbid") == 0) {
		walk(0, "multidev/devA/f1", &e, NULL);
		CHECK(e == -2, "forbid: walk stops before devA: %d", e);
		walk(0, "multidev/devB", &e, NULL);
		CHECK(e == -2, "forbid: devB: %d", e);
		uint32_t d = walk_ok("multidev", NULL);
		walk(d, "devA", &e, NULL);
		CHECK(e == ENODEV, "forbid: ENODEV, got %d", e);
		clunk(d);
		return;
	}
	clunk(walk_ok("multidev/devA/f1", &a));
	clunk(walk_ok("multidev/devB/f1", &b));
	if (strcmp(mode, "warn") == 0)
		CHECK(a.path == 3 && b.path == 3, "warn: raw inode 3 on both: %llx %llx",
		      (unsigned long long)a.path, (unsigned long long)b.path);
	else
		CHECK(a.path == (3 << 3 | 2) && b.path == (3 << 3 | 6),
		      "remap: %llx %llx", (unsigned long long)a.path,
		      (unsigned long long)b.path);
}

static void s_ctl(void)
{
	uint64_t f0 = ctl("fids");
	uint32_t a = walk_ok("README", NULL), b = walk_ok("misc", NULL);
	CHECK(ctl("fids") == f0 + 2, "fids counts walks: %llu",
	      (unsigned long long)ctl("fids"));
	clunk(a);
	clunk(b);
	CHECK(ctl("fids") == f0, "clunk frees fids");
	CHECK(ctl("tags") == 1, "tags: the read itself");
	uint64_t m0 = ctl("msgs");
	CHECK(ctl("msgs") == m0 + 4, "msgs: walk, open, read, clunk");
	CHECK(ctl("conns") >= 1, "conns");
	CHECK(ctl("allfids") >= f0, "allfids");
}

/* Server started with --rw-quota 65536: writes stop with ENOSPC, removing
 * the file gives the space back. */
static void s_quota(void)
{
	static uint8_t chunk[16384];
	uint32_t d = walk_ok("rw", NULL), f;
	uint64_t written = 0;
	int e = 0;
	f = walk(d, "", &e, NULL);
	CHECK(create_file(f, "q"), D == P9_DL ? "lcreate" : "create");
	for (int i = 0; i < 16; i++) {
		struct p9_msg w = { .type = P9_TWRITE, .fid = f, .offset = written,
				    .data = chunk, .count = sizeof chunk };
		if ((e = expect_err(&w)) != 0)
			break;
		written += sizeof chunk;
	}
	CHECK(e == ENOSPC && written <= 65536 && written >= 32768,
	      "quota: error %d after %llu bytes", e, (unsigned long long)written);
	struct p9_msg rm = { .type = P9_TREMOVE, .fid = f };
	CHECK(ok(&rm), "remove");
	f = walk(d, "", &e, NULL);
	CHECK(create_file(f, "q2"), D == P9_DL ? "lcreate again" : "create again");
	struct p9_msg w = { .type = P9_TWRITE, .fid = f, .data = chunk,
			    .count = sizeof chunk };
	CHECK(ok(&w), "space returned after remove");
	struct p9_msg rm2 = { .type = P9_TREMOVE, .fid = f };
	CHECK(ok(&rm2), "remove q2");
	clunk(d);
}

/* Random bodies for every message type: each gets exactly one reply with
 * its tag (never a crash, never a closed connection); then the session
 * still works.  Reads and writes are skipped (a random fid could name
 * /flush/block).  Deterministic: a fixed seed. */
static void s_garbage(void)
{
	uint8_t buf[128];
	unsigned seed = 12345, sent = 0;
	struct p9_reply *r;
	char err[256];
	for (unsigned type = 0; type < 256; type++) {
		if (type == P9_TREAD || type == P9_TWRITE || type == P9_TVERSION)
			continue;
		for (unsigned len = 7; len < 80; len += 3) {
			uint16_t tag = (uint16_t)(1 + sent % 1000);
			for (unsigned i = 0; i < len; i++)
				buf[i] = (uint8_t)(rand_r(&seed) >> 7);
			if (len > 8 && (seed & 1)) /* often aim at a live fid */
				memset(buf + 7, 0, 4);
			p9_put32(buf, len);
			buf[4] = (uint8_t)type;
			p9_put16(buf + 5, tag);
			if (p9_client_send_raw(C, buf, len) < 0)
				die("send");
			if (p9_client_wait(C, tag, 5000, &r) < 0) {
				CHECK(0, "no reply to type %u len %u", type, len);
				return;
			}
			p9_reply_free(r);
			sent++;
		}
	}
	CHECK(sent > 6000, "sent %u", sent);
	if (p9_client_version(C, 65536, p9_dialect_name(D), 5000, err, sizeof err) < 0)
		die(err);
	struct p9_qid q;
	CHECK(p9_client_attach(C, 0, "probe", "", 0, 5000, &q, err, sizeof err) == 0,
	      "attach after garbage: %s", err);
	char text[64];
	CHECK(read_file("README", text, sizeof text) == 34, "README after garbage");
}

/* The scenarios without an argument. */
static void (*scenario(const char *name))(void)
{
	static const struct { const char *name; void (*fn)(void); } tab[] = {
		{ "basic", s_basic }, { "rw", s_rw }, { "readdir", s_readdir },
		{ "flush", s_flush }, { "msize", s_msize }, { "ctl", s_ctl },
		{ "garbage", s_garbage }, { "quota", s_quota },
	};
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (!strcmp(name, tab[i].name))
			return tab[i].fn;
	die("unknown scenario");
	return NULL;
}

int main(int argc, char **argv)
{
	struct p9_conn *conn;
	char err[512];
	struct p9_qid q;
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		puts("usage: synthfs-probe TARGET DIALECT SCENARIO [ARG]\n"
		     "scenarios: basic rw readdir flush msize ctl garbage quota multidev MODE");
		return 0;
	}
	if (argc < 4) {
		fprintf(stderr, "usage: synthfs-probe TARGET DIALECT SCENARIO [ARG]\n");
		return 2;
	}
	D = p9_dialect_parse(argv[2]);
	if (!D)
		die("bad dialect");
	if (p9_dial(argv[1], 5000, &conn, err, sizeof err) < 0)
		die(err);
	C = p9_client_new(conn, 1 << 20, D);
	if (p9_client_version(C, strcmp(argv[3], "msize") == 0 ? 8192 : 1 << 20,
			      p9_dialect_name(D), 5000, err, sizeof err) < 0)
		die(err);
	if (C->dialect != D)
		die("server chose another dialect");
	if (p9_client_attach(C, 0, "probe", "", 0, 5000, &q, err, sizeof err) < 0)
		die(err);
	CHECK(q.type == P9_QTDIR, "root qid is a directory");
	p9_fs_init(&FS, C, 10000, PROBE_FSFIDLO);
	if (!strcmp(argv[3], "multidev") && argc > 4)
		s_multidev(argv[4]);
	else
		scenario(argv[3])();
	p9_client_free(C);
	p9_conn_close(conn);
	if (fails) {
		printf("FAILED %s (%s): %d checks\n", argv[3], argv[2], fails);
		return 1;
	}
	printf("ok %s %s\n", argv[3], argv[2]);
	return 0;
}
