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
#include "qemu_test.h"
#include "targets/qemu.h"

static char dir[64];
static int have_qemu;

static void setup(void)
{
	have_qemu = qemu_test_installed();
	snprintf(dir, sizeof dir, "/tmp/9pkit-qexit.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	unsetenv("P9_QEMU_REUSE");
}

static void teardown(void)
{
	rmdir(dir);
}

/* A client on a QEMU exporting dir, and that QEMU's pid. */
struct qc {
	struct p9_conn *conn;
	struct p9_client *c;
	int pid;
};

/* Opens q; 0 (the test passes) when there is no QEMU. */
static int qc_open(struct qc *q)
{
	char target[128];
	if (!have_qemu)
		return 0;
	snprintf(target, sizeof target, "qemu:%s", dir);
	q->c = qemu_test_client(target, 65536, &q->conn);
	q->pid = qemu_test_pid(q->conn);
	return 1;
}

/* SIGKILL pid and wait until it has exited and can be reaped (left for
 * the transport). */
static void kill_and_wait(int pid)
{
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
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
	struct qc q;
	if (!qc_open(&q))
		return;
	qemu_test_close(q.c, q.conn); /* parked */
	ck_assert_int_eq(p9_qemu_exits_take(0, NULL, 0), 0);
	kill_and_wait(q.pid);
	expect_exit(q.pid, "while idle between connections");
}
END_TEST

START_TEST(killed_while_waiting)
{
	struct qc q;
	struct p9_reply *r;
	if (!qc_open(&q))
		return;
	ck_assert_int_eq(kill(q.pid, SIGKILL), 0);
	ck_assert_int_eq(p9_client_wait_any(q.c, 5000, &r), -ECONNRESET);
	qemu_test_close(q.c, q.conn);
	expect_exit(q.pid, "during a connection");
}
END_TEST

START_TEST(killed_after_last_reply)
{
	struct qc q;
	if (!qc_open(&q))
		return;
	kill_and_wait(q.pid);
	qemu_test_close(q.c, q.conn);
	expect_exit(q.pid, "during a connection");
}
END_TEST

START_TEST(stopped_by_us_not_recorded)
{
	struct qc q;
	struct p9_msg m = { .type = P9_TGETATTR, .fid = 0, .request_mask = 1, .tag = 5 };
	if (!qc_open(&q))
		return;
	/* a request in flight: the close stops this QEMU instead of parking it */
	ck_assert_int_eq(p9_client_send(q.c, &m), 0);
	qemu_test_close(q.c, q.conn);
	ck_assert_int_ne(kill(q.pid, 0), 0);
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
