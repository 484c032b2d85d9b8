/*
 * test_qemu_multidevs.c - QEMU's multidevs modes on a real export spanning
 * three devices: qemu:scratch puts multidev/devA and multidev/devB on their
 * own tmpfs (same inode numbers on both).  warn exposes the collision in
 * qid.path, remap makes every qid.path unique, forbid answers ENODEV.
 * Needs root (mounts in QEMU's private namespace); skips otherwise.
 */
#include <check.h>

#include "unit.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "p9.h"
#include "qemu_test.h"

enum { TMO = QEMU_TEST_TMO };

static int skip(void)
{
	if (geteuid() != 0 || system("command -v qemu-system-x86_64 >/dev/null") != 0) {
		puts("skipped: needs root and qemu-system-x86_64");
		return 1;
	}
	return 0;
}

/* A client attached to qemu:scratch in multidevs mode; NULL (the test
 * passes) where skip() says so. */
static struct p9_client *start(const char *mode, struct p9_conn **conn)
{
	char target[64];
	if (skip())
		return NULL;
	snprintf(target, sizeof target, "qemu:scratch,multidevs=%s", mode);
	return qemu_test_attached(target, conn);
}

/* Walk fid 0 along path ("a/b/c") to newfid; returns the reply. */
static struct p9_reply *walk(struct p9_client *c, uint32_t newfid, const char *path)
{
	char buf[256], *save = NULL, *t;
	struct p9_msg m = { .type = P9_TWALK, .fid = 0, .newfid = newfid };
	struct p9_reply *r;
	snprintf(buf, sizeof buf, "%s", path);
	for (t = strtok_r(buf, "/", &save); t; t = strtok_r(NULL, "/", &save))
		m.wname[m.nwname++] = p9_s(t);
	ck_assert_int_eq(p9_client_rpc(c, &m, TMO, &r), 0);
	return r;
}

static uint64_t qpath(struct p9_client *c, uint32_t fid, const char *path)
{
	struct p9_reply *r = walk(c, fid, path);
	uint64_t p;
	ck_assert_msg(r->m.type == P9_RWALK, "walk %s: %s", path, p9_typename(r->m.type));
	ck_assert_int_eq(r->m.nwqid, 3);
	p = r->m.wqid[2].path;
	p9_reply_free(r);
	return p;
}

START_TEST(warn_collides)
{
	struct p9_conn *conn;
	struct p9_client *c;
	if ((c = start("warn", &conn)) == NULL)
		return;
	ck_assert_uint_eq(qpath(c, 1, "multidev/devA/f1"), qpath(c, 2, "multidev/devB/f1"));
	ck_assert_uint_eq(qpath(c, 3, "multidev/devA/f4"), qpath(c, 4, "multidev/devB/f4"));
	qemu_test_close(c, conn);
}
END_TEST

START_TEST(remap_unique)
{
	struct p9_conn *conn;
	struct p9_client *c;
	uint64_t p[8];
	char path[64];
	if ((c = start("remap", &conn)) == NULL)
		return;
	for (int i = 0; i < 8; i++) {
		snprintf(path, sizeof path, "multidev/dev%c/f%d", i < 4 ? 'A' : 'B', i % 4 + 1);
		p[i] = qpath(c, (uint32_t)i + 1, path);
		for (int j = 0; j < i; j++)
			ck_assert_msg(p[i] != p[j], "%s shares qid.path %llx", path, (unsigned long long)p[i]);
	}
	qemu_test_close(c, conn);
}
END_TEST

START_TEST(forbid_enodev)
{
	struct p9_conn *conn;
	struct p9_client *c;
	struct p9_reply *r;
	if ((c = start("forbid", &conn)) == NULL)
		return;
	/* the first element already crosses to another device: an error */
	r = walk(c, 1, "multidev");
	ck_assert_int_eq(r->m.type, P9_RWALK);
	p9_reply_free(r);
	{
		struct p9_msg m = { .type = P9_TWALK, .fid = 1, .newfid = 2, .nwname = 1 };
		m.wname[0] = p9_s("devA");
		ck_assert_int_eq(p9_client_rpc(c, &m, TMO, &r), 0);
		ck_assert_int_eq(r->m.type, P9_RLERROR);
		ck_assert_int_eq(r->m.errnum, ENODEV);
		p9_reply_free(r);
	}
	qemu_test_close(c, conn);
}
END_TEST

int main(void)
{
	return unit_main("qemu multidevs", "remap forbid warn", 120, UNIT_TESTS(
		warn_collides, remap_unique, forbid_enodev));
}
