/*
 * qemu_test.h - the qemu: transport in unit tests: whether QEMU is
 * installed, a 9P2000.L client on a qemu: target (attached or not) and its
 * close, and the pid of a connection's QEMU.  Header only (static inline),
 * since every unit test binary is one .c file.
 */
#ifndef P9KIT_QEMU_TEST_H
#define P9KIT_QEMU_TEST_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "p9.h"
#include "targets/qemu.h"

enum { QEMU_TEST_TMO = 20000 };

/* Whether $P9_QEMU, or qemu-system-x86_64 if unset, is on the PATH. */
static inline int qemu_test_installed(void)
{
	return system("command -v ${P9_QEMU:-qemu-system-x86_64} >/dev/null 2>&1") == 0;
}

/* Dial target and agree on 9P2000.L, asking for msize. */
static inline struct p9_client *qemu_test_client(const char *target, uint32_t msize,
						 struct p9_conn **conn)
{
	char err[512];
	struct p9_client *c;
	int rc = p9_dial(target, QEMU_TEST_TMO, conn, err, sizeof err);
	ck_assert_msg(rc == 0, "dial %s: %s", target, err);
	c = p9_client_new(*conn, msize, P9_DL);
	ck_assert_ptr_nonnull(c);
	rc = p9_client_version(c, msize, "9P2000.L", QEMU_TEST_TMO, err, sizeof err);
	ck_assert_msg(rc == 0, "version: %s", err);
	return c;
}

/* Tattach of fid 0 as root to the default export. */
static inline void qemu_test_attach(struct p9_client *c)
{
	char err[512];
	int rc = p9_client_attach(c, 0, "root", "", 0, QEMU_TEST_TMO, NULL, err, sizeof err);
	ck_assert_msg(rc == 0, "attach: %s", err);
}

/* qemu_test_client with msize 65536, then qemu_test_attach. */
static inline struct p9_client *qemu_test_attached(const char *target, struct p9_conn **conn)
{
	struct p9_client *c = qemu_test_client(target, 65536, conn);
	qemu_test_attach(c);
	return c;
}

static inline void qemu_test_close(struct p9_client *c, struct p9_conn *conn)
{
	p9_client_free(c);
	p9_conn_close(conn);
}

/* The pid of the QEMU behind conn. */
static inline int qemu_test_pid(struct p9_conn *conn)
{
	char info[512];
	const char *p;
	ck_assert_int_eq(p9_qemu_conn_info(conn, info, sizeof info), 0);
	p = strstr(info, "qemu_pid ");
	ck_assert_ptr_nonnull(p);
	return atoi(p + 9);
}

#endif
