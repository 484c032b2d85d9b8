/*
 * test_qemu_transport.c - the qemu: transport against QEMU's real
 * virtio-9p-pci device exporting a temp directory (-fsdev local).
 *
 * One QEMU per test case (Check forks each case): a 9P2000.L session
 * (version, attach, walk, lopen, read, lcreate, write, readdir, flush,
 * several requests in flight), the transport's msize clamp, and start-up
 * errors.  Skips (passes with a note) when qemu-system-x86_64 is missing.
 */
#include <check.h>

#include "unit.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <signal.h>
#include <unistd.h>

#include "p9.h"
#include "qemu_test.h"
#include "targets/qemu.h"

enum { TMO = QEMU_TEST_TMO };

static char dir[64];
static int have_qemu;

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void setup(void)
{
	char sub[128];
	have_qemu = qemu_test_installed();
	snprintf(dir, sizeof dir, "/tmp/9pkit-qtest-export.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_file("hello", "hello 9p\n");
	snprintf(sub, sizeof sub, "%s/sub", dir);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	write_file("sub/inner", "x");
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* A client on the qemu: target exporting dir with options opts
 * (",name=value..."), asking for msize. */
static struct p9_client *open_client(struct p9_conn **conn, const char *opts, uint32_t msize)
{
	char target[256];
	snprintf(target, sizeof target, "qemu:%s%s", dir, opts);
	return qemu_test_client(target, msize, conn);
}

static struct p9_reply *rpc(struct p9_client *c, struct p9_msg *m, int want)
{
	struct p9_reply *r = NULL;
	char line[256];
	int rc = p9_client_rpc(c, m, TMO, &r);
	ck_assert_msg(rc == 0, "rpc %s: %s", p9_typename(m->type), strerror(-rc));
	ck_assert_int_eq(r->decode_rc, 0);
	p9_fmt(line, sizeof line, &r->m, P9_DL);
	ck_assert_msg(r->m.type == want, "expected %s, got %s", p9_typename(want), line);
	return r;
}

static void walk(struct p9_client *c, uint32_t fid, uint32_t newfid, const char *name)
{
	struct p9_msg m = { .type = P9_TWALK, .fid = fid, .newfid = newfid, .nwname = name ? 1 : 0 };
	if (name)
		m.wname[0] = p9_s(name);
	p9_reply_free(rpc(c, &m, P9_RWALK));
}

START_TEST(session)
{
	struct p9_conn *conn;
	struct p9_client *c;
	struct p9_msg m;
	struct p9_reply *r;
	struct p9_dirent e;
	size_t pos = 0;
	int seen = 0, rc;
	if (!have_qemu) {
		puts("skipped: qemu-system-x86_64 not installed");
		return;
	}
	c = open_client(&conn, "", 65536);
	ck_assert_str_eq(p9_dialect_name(c->dialect), "9P2000.L");
	ck_assert_int_eq(c->msize, 65536);
	qemu_test_attach(c);
	/* walk + lopen + read */
	walk(c, 0, 1, "hello");
	m = (struct p9_msg){ .type = P9_TLOPEN, .fid = 1, .flags = O_RDONLY };
	p9_reply_free(rpc(c, &m, P9_RLOPEN));
	m = (struct p9_msg){ .type = P9_TREAD, .fid = 1, .offset = 0, .count = 100 };
	r = rpc(c, &m, P9_RREAD);
	ck_assert_int_eq(r->m.count, 9);
	ck_assert_mem_eq(r->m.data, "hello 9p\n", 9);
	p9_reply_free(r);
	/* a failed walk is an Rlerror ENOENT */
	m = (struct p9_msg){ .type = P9_TWALK, .fid = 0, .newfid = 2, .nwname = 1 };
	m.wname[0] = p9_s("absent");
	r = rpc(c, &m, P9_RLERROR);
	ck_assert_int_eq(r->m.errnum, ENOENT);
	p9_reply_free(r);
	/* lcreate + write, visible on the host */
	walk(c, 0, 3, NULL);
	m = (struct p9_msg){ .type = P9_TLCREATE, .fid = 3, .flags = O_RDWR, .lmode = 0644 };
	m.name = p9_s("made");
	p9_reply_free(rpc(c, &m, P9_RLCREATE));
	m = (struct p9_msg){ .type = P9_TWRITE, .fid = 3, .offset = 0, .count = 5,
			     .data = (const uint8_t *)"abcde" };
	r = rpc(c, &m, P9_RWRITE);
	ck_assert_int_eq(r->m.count, 5);
	p9_reply_free(r);
	{
		char path[128], buf[16] = "";
		FILE *f;
		snprintf(path, sizeof path, "%s/made", dir);
		f = fopen(path, "r");
		ck_assert_ptr_nonnull(f);
		ck_assert_ptr_nonnull(fgets(buf, sizeof buf, f));
		fclose(f);
		ck_assert_str_eq(buf, "abcde");
	}
	/* readdir of the root */
	walk(c, 0, 4, NULL);
	m = (struct p9_msg){ .type = P9_TLOPEN, .fid = 4, .flags = O_RDONLY | O_DIRECTORY };
	p9_reply_free(rpc(c, &m, P9_RLOPEN));
	m = (struct p9_msg){ .type = P9_TREADDIR, .fid = 4, .offset = 0, .count = 4096 };
	r = rpc(c, &m, P9_RREADDIR);
	while ((rc = p9_dirent_next(r->m.data, r->m.count, &pos, &e)) == 1)
		seen |= p9_streq(e.name, "hello") | p9_streq(e.name, "sub") << 1 |
			p9_streq(e.name, "made") << 2 | p9_streq(e.name, ".") << 3;
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(seen, 15);
	p9_reply_free(r);
	/* Tflush of a tag not in flight: Rflush at once */
	m = (struct p9_msg){ .type = P9_TFLUSH, .oldtag = 999 };
	p9_reply_free(rpc(c, &m, P9_RFLUSH));
	qemu_test_close(c, conn);
}
END_TEST

/* Many requests in flight (more than the queue's slots), then a flush
 * racing a request: either the request's reply or P9_NOREPLY comes back
 * before the Rflush. */
START_TEST(inflight)
{
	struct p9_conn *conn;
	struct p9_client *c;
	struct p9_msg m;
	struct p9_reply *r;
	uint16_t tags[100], ftag;
	if (!have_qemu)
		return;
	c = open_client(&conn, ",msize=65536", 65536);
	qemu_test_attach(c);
	for (int i = 0; i < 100; i++) {
		m = (struct p9_msg){ .type = P9_TGETATTR, .fid = 0,
				     .request_mask = P9_GETATTR_BASIC };
		m.tag = tags[i] = p9_client_tag(c);
		ck_assert_int_eq(p9_client_send(c, &m), 0);
	}
	for (int i = 99; i >= 0; i--) {
		ck_assert_int_eq(p9_client_wait(c, tags[i], TMO, &r), 0);
		ck_assert_int_eq(r->m.type, P9_RGETATTR);
		ck_assert_int_eq(r->m.qid.type, P9_QTDIR);
		p9_reply_free(r);
	}
	m = (struct p9_msg){ .type = P9_TGETATTR, .fid = 0, .request_mask = P9_GETATTR_BASIC };
	m.tag = tags[0] = p9_client_tag(c);
	ck_assert_int_eq(p9_client_send(c, &m), 0);
	m = (struct p9_msg){ .type = P9_TFLUSH, .oldtag = tags[0] };
	m.tag = ftag = p9_client_tag(c);
	ck_assert_int_eq(p9_client_send(c, &m), 0);
	ck_assert_int_eq(p9_client_wait_any(c, TMO, &r), 0);
	ck_assert_int_eq(r->m.tag, tags[0]);
	ck_assert(r->m.type == P9_RGETATTR || r->m.type == P9_NOREPLY);
	p9_reply_free(r);
	ck_assert_int_eq(p9_client_wait_any(c, TMO, &r), 0);
	ck_assert_int_eq(r->m.tag, ftag);
	ck_assert_int_eq(r->m.type, P9_RFLUSH);
	p9_reply_free(r);
	qemu_test_close(c, conn);
}
END_TEST

/* A Tversion asking more than the transport carries is lowered to it. */
START_TEST(msize_clamp)
{
	struct p9_conn *conn;
	struct p9_client *c;
	if (!have_qemu)
		return;
	c = open_client(&conn, ",msize=8192", 1 << 20);
	ck_assert_int_eq(c->msize, 8192);
	qemu_test_close(c, conn);
}
END_TEST

/* A closed idle connection's QEMU is reused by the next dial of the same
 * target; Tversion resets the session, so fid 0 can be attached again.
 * A connection closed with a request in flight is not reused. */
START_TEST(reuse)
{
	struct p9_conn *conn;
	struct p9_client *c;
	struct p9_msg m;
	int pid1, pid2;
	if (!have_qemu)
		return;
	unsetenv("P9_QEMU_REUSE");
	c = open_client(&conn, "", 65536);
	qemu_test_attach(c);
	pid1 = qemu_test_pid(conn);
	qemu_test_close(c, conn);
	c = open_client(&conn, "", 65536);
	pid2 = qemu_test_pid(conn);
	ck_assert_int_eq(pid1, pid2);
	qemu_test_attach(c); /* after the reuse */
	/* leave a request in flight: this QEMU must not be parked */
	m = (struct p9_msg){ .type = P9_TGETATTR, .fid = 0, .request_mask = 1, .tag = 5 };
	ck_assert_int_eq(p9_client_send(c, &m), 0);
	qemu_test_close(c, conn);
	ck_assert_int_ne(kill(pid2, 0), 0);
	c = open_client(&conn, "", 65536);
	ck_assert_int_ne(qemu_test_pid(conn), pid2);
	qemu_test_close(c, conn);
}
END_TEST

START_TEST(start_errors)
{
	struct p9_conn *conn = NULL;
	char target[128], err[512];
	ck_assert_int_lt(p9_dial("qemu:/nonexistent/9pkit", TMO, &conn, err, sizeof err), 0);
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
	snprintf(target, sizeof target, "qemu:%s,multidevs=bogus", dir);
	ck_assert_int_lt(p9_target_check(target, err, sizeof err), 0);
	ck_assert_ptr_nonnull(strstr(err, "multidevs"));
	snprintf(target, sizeof target, "qemu:%s,colour=blue", dir);
	ck_assert_int_lt(p9_dial(target, TMO, &conn, err, sizeof err), 0);
	ck_assert_ptr_nonnull(strstr(err, "unknown option"));
	if (!have_qemu)
		return;
	/* QEMU refuses the fsdev: the error carries QEMU's own words */
	snprintf(target, sizeof target, "qemu:%s,security_model=mapped-file", dir);
	setenv("P9_QEMU", "/bin/false", 1);
	ck_assert_int_lt(p9_dial(target, TMO, &conn, err, sizeof err), 0);
	ck_assert_ptr_nonnull(strstr(err, "QEMU exited during start-up"));
	setenv("P9_QEMU", "/nonexistent/qemu", 1);
	ck_assert_int_lt(p9_dial(target, TMO, &conn, err, sizeof err), 0);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/qemu"));
	unsetenv("P9_QEMU");
}
END_TEST

int main(void)
{
	TCase *tc = unit_case("virtio-9p over qtest", 120, UNIT_TESTS(
		session, inflight, msize_clamp, start_errors, reuse));
	tcase_add_checked_fixture(tc, setup, teardown);
	return unit_run_case("qemu transport", tc, CK_FORK_GETENV);
}
