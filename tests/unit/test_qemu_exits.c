/*
 * test_qemu_exits.c - a QEMU of the qemu: transport that exits without being
 * asked to (SIGKILL here) is recorded with its pid and signal, whether it
 * dies while parked between connections, while a reply is awaited, or after
 * the last reply and before the close; a QEMU the transport stops itself is
 * not.  p9_qemu_exits_take hands each record out once.  Skips (passes with
 * a note) when qemu-system-x86_64 is missing.
 */
#include <check.h>

#include "unit.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "p9.h"
#include "targets/qemu.h"

enum { TMO = 20000 };

static char dir[64];
static int have_qemu;

static void setup(void)
{
	have_qemu = system("command -v ${P9_QEMU:-qemu-system-x86_64} >/dev/null 2>&1") == 0;
	snprintf(dir, sizeof dir, "/tmp/9pkit-qexit.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	unsetenv("P9_QEMU_REUSE");
}

static void teardown(void)
{
	rmdir(dir);
}

static struct p9_client *open_client(struct p9_conn **conn)
{
	char target[128], err[512];
	struct p9_client *c;
	int rc;
	snprintf(target, sizeof target, "qemu:%s", dir);
	rc = p9_dial(target, TMO, conn, err, sizeof err);
	ck_assert_msg(rc == 0, "dial: %s", err);
	c = p9_client_new(*conn, 65536, P9_DL);
	ck_assert_ptr_nonnull(c);
	rc = p9_client_version(c, 65536, "9P2000.L", TMO, err, sizeof err);
	ck_assert_msg(rc == 0, "version: %s", err);
	return c;
}

static int qemu_pid(struct p9_conn *conn)
{
	char info[512];
	const char *p;
	ck_assert_int_eq(p9_qemu_conn_info(conn, info, sizeof info), 0);
	p = strstr(info, "qemu_pid ");
	ck_assert_ptr_nonnull(p);
	return atoi(p + 9);
}

/* Wait until pid has exited and can be reaped (left for the transport). */
static void wait_zombie(int pid)
{
	for (int i = 0; i < 500; i++) {
		siginfo_t si = { 0 };
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
		    si.si_pid == pid)
			return;
		usleep(10000);
	}
	ck_abort_msg("pid %d did not die", pid);
}

static void expect_exit(int pid, const char *when)
{
	char why[600], want[64];
	ck_assert_int_eq(p9_qemu_exits_take(0, why, sizeof why), 1);
	snprintf(want, sizeof want, "QEMU (pid %d) killed by signal 9", pid);
	ck_assert_msg(strstr(why, want) && strstr(why, when), "got: %s", why);
	ck_assert_int_eq(p9_qemu_exits_take(0, why, sizeof why), 0);
}

START_TEST(killed_while_idle)
{
	struct p9_conn *conn;
	struct p9_client *c;
	int pid;
	if (!have_qemu)
		return;
	c = open_client(&conn);
	pid = qemu_pid(conn);
	p9_client_free(c);
	p9_conn_close(conn); /* parked */
	ck_assert_int_eq(p9_qemu_exits_take(0, NULL, 0), 0);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	wait_zombie(pid);
	expect_exit(pid, "while idle between connections");
}
END_TEST

START_TEST(killed_while_waiting)
{
	struct p9_conn *conn;
	struct p9_client *c;
	struct p9_reply *r;
	int pid;
	if (!have_qemu)
		return;
	c = open_client(&conn);
	pid = qemu_pid(conn);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert_int_eq(p9_client_wait_any(c, 5000, &r), -ECONNRESET);
	p9_client_free(c);
	p9_conn_close(conn);
	expect_exit(pid, "during a connection");
}
END_TEST

START_TEST(killed_after_last_reply)
{
	struct p9_conn *conn;
	struct p9_client *c;
	int pid;
	if (!have_qemu)
		return;
	c = open_client(&conn);
	pid = qemu_pid(conn);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	wait_zombie(pid);
	p9_client_free(c);
	p9_conn_close(conn);
	expect_exit(pid, "during a connection");
}
END_TEST

START_TEST(stopped_by_us_not_recorded)
{
	struct p9_conn *conn;
	struct p9_client *c;
	struct p9_msg m = { .type = P9_TGETATTR, .fid = 0, .request_mask = 1, .tag = 5 };
	int pid;
	if (!have_qemu)
		return;
	c = open_client(&conn);
	pid = qemu_pid(conn);
	/* a request in flight: the close stops this QEMU instead of parking it */
	ck_assert_int_eq(p9_client_send(c, &m), 0);
	p9_client_free(c);
	p9_conn_close(conn);
	ck_assert_int_ne(kill(pid, 0), 0);
	ck_assert_int_eq(p9_qemu_exits_take(0, NULL, 0), 0);
}
END_TEST

int main(void)
{
	TCase *tc = unit_case("unasked QEMU exits", 120, UNIT_TESTS(
		killed_while_idle, killed_while_waiting,
		killed_after_last_reply, stopped_by_us_not_recorded));
	tcase_add_checked_fixture(tc, setup, teardown);
	return unit_run_case("qemu exits", tc, CK_FORK_GETENV);
}
