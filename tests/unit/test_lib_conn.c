/*
 * test_lib_conn.c - connections, transports, target strings and the client.
 *
 * Owns: each transport (fd: on a socketpair and on pipes, unix: in a temp
 * directory, tcp: on 127.0.0.1 port 0, exec: of this very binary in peer
 * mode) driven through p9_client with two tags in flight answered out of
 * order; peers that never answer, close, or send impossible sizes; target
 * string errors; exec failures and reaping.
 *
 * The peer: "test_lib_conn --peer MODE" serves MODE on stdin (a socket);
 * the same code runs in forked children for the other transports.
 */
#include <check.h>

#include "unit.h"
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "p9.h"

static char self[PATH_MAX];

/* ---- the peer ---- */

static int reply_read(struct p9_conn *c, const uint8_t *req)
{
	struct p9_msg m = { .type = P9_RREAD, .tag = p9_get16(req + 5) };
	char text[32];
	uint8_t out[64];
	long n;
	snprintf(text, sizeof text, "tag %u", m.tag);
	m.count = (uint32_t)strlen(text);
	m.data = (const uint8_t *)text;
	n = p9_encode(&m, P9_DL, out, sizeof out);
	return n < 0 ? (int)n : p9_conn_send(c, out, (size_t)n);
}

/* Serve one connection (read rfd, write wfd) in the given mode. */
static void peer_run(int rfd, int wfd, const char *mode)
{
	struct p9_conn *c = p9_conn_new_stream(rfd, wfd, "peer");
	uint8_t a[8192], b[8192];
	if (!c)
		return;
	if (!strcmp(mode, "swap")) {
		/* answer each pair of requests in reverse order */
		while (p9_conn_recv(c, a, sizeof a, 10000) > 0 &&
		       p9_conn_recv(c, b, sizeof b, 10000) > 0) {
			if (reply_read(c, b) || reply_read(c, a))
				break;
		}
	} else if (!strcmp(mode, "rerror")) {
		/* a 9P2000 server that refuses everything */
		while (p9_conn_recv(c, a, sizeof a, 10000) > 0) {
			struct p9_msg m = { .type = P9_RERROR, .tag = p9_get16(a + 5),
					    .ename = { "go away", 7 } };
			long n = p9_encode(&m, P9_D2000, b, sizeof b);
			if (n < 0 || p9_conn_send(c, b, (size_t)n))
				break;
		}
	} else if (!strcmp(mode, "version")) {
		/* answers Tversion with 9P2000.u and msize 4096, then Rattach */
		while (p9_conn_recv(c, a, sizeof a, 10000) > 0) {
			struct p9_msg m = { .type = P9_RVERSION, .tag = p9_get16(a + 5),
					    .msize = 4096, .version = { "9P2000.u", 8 } };
			long n;
			if (a[4] == P9_TATTACH)
				m = (struct p9_msg){ .type = P9_RATTACH, .tag = m.tag,
						     .qid = { P9_QTDIR, 0, 42 } };
			n = p9_encode(&m, P9_DU, b, sizeof b);
			if (n < 0 || p9_conn_send(c, b, (size_t)n))
				break;
		}
	} else if (!strcmp(mode, "bigread")) {
		/* answers each request with a 2 MiB Rread: byte i is i % 251 */
		enum { N = 2 << 20 };
		uint8_t *d = malloc(N), *out = malloc(N + 64);
		for (size_t i = 0; d && i < N; i++)
			d[i] = (uint8_t)(i % 251);
		while (d && out && p9_conn_recv(c, a, sizeof a, 10000) > 0) {
			struct p9_msg m = { .type = P9_RREAD, .tag = p9_get16(a + 5),
					    .count = N, .data = d };
			long n = p9_encode(&m, P9_DL, out, N + 64);
			if (n < 0 || p9_conn_send(c, out, (size_t)n))
				break;
		}
		free(d);
		free(out);
	} else if (!strcmp(mode, "silent")) {
		while (p9_conn_recv(c, a, sizeof a, 10000) > 0)
			;
	} else if (!strcmp(mode, "close")) {
		p9_conn_recv(c, a, sizeof a, 10000);
	} else if (!strcmp(mode, "huge") || !strcmp(mode, "tiny") ||
		   !strcmp(mode, "partial") || !strcmp(mode, "big")) {
		uint8_t h[11] = { 0 };
		size_t n = 7;
		p9_conn_recv(c, a, sizeof a, 10000);
		if (!strcmp(mode, "huge"))
			p9_put32(h, 0x7fffffffu);
		else if (!strcmp(mode, "tiny"))
			p9_put32(h, 3);
		else if (!strcmp(mode, "big"))
			p9_put32(h, 100);
		else
			p9_put32(h, 11), n = 9; /* two bytes short, then gone */
		h[4] = P9_RREAD;
		p9_conn_send(c, h, n);
		if (strcmp(mode, "partial"))
			while (p9_conn_recv(c, a, sizeof a, 10000) > 0)
				;
	}
	p9_conn_close(c);
}

/* Fork a child that accepts one connection on lfd (or, when lfd < 0,
 * serves fd) and runs the peer; it closes other, the parent's end. */
static pid_t fork_peer(int lfd, int fd, int other, const char *mode)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (other >= 0)
			close(other);
		if (lfd >= 0)
			fd = accept(lfd, NULL, NULL);
		if (fd >= 0)
			peer_run(fd, fd, mode);
		_exit(0);
	}
	return pid;
}

static void reap(pid_t pid)
{
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* ---- the checks every transport runs ---- */

static struct p9_client *client_on(const char *target, struct p9_conn **conn)
{
	char err[256] = "";
	int rc = p9_dial(target, 2000, conn, err, sizeof err);
	ck_assert_msg(rc == 0, "dial %s: %s", target, err);
	ck_assert_str_eq((*conn)->desc, target);
	return p9_client_new(*conn, 8192, P9_DL);
}

/* Two Treads in flight; the peer answers the second first. */
static void two_tags_out_of_order(const char *target)
{
	struct p9_conn *conn;
	struct p9_client *c = client_on(target, &conn);
	for (int round = 0; round < 3; round++) {
		struct p9_msg m1 = { .type = P9_TREAD, .fid = 1, .count = 10 };
		struct p9_msg m2 = { .type = P9_TREAD, .fid = 2, .count = 10 };
		struct p9_reply *r1, *r2;
		char want[32];
		m1.tag = p9_client_tag(c);
		m2.tag = p9_client_tag(c);
		ck_assert_uint_ne(m1.tag, m2.tag);
		ck_assert_int_eq(p9_client_send(c, &m1), 0);
		ck_assert_int_eq(p9_client_send(c, &m2), 0);
		ck_assert_int_eq(p9_client_wait(c, m1.tag, 5000, &r1), 0);
		/* tag 2's reply arrived first and waits in the stash */
		ck_assert_uint_eq(c->nstash, 1);
		ck_assert_int_eq(p9_client_wait(c, m2.tag, 5000, &r2), 0);
		ck_assert_uint_eq(c->nstash, 0);
		ck_assert_int_eq(r1->decode_rc, 0);
		ck_assert_uint_eq(r1->m.type, P9_RREAD);
		ck_assert_uint_eq(r1->m.tag, m1.tag);
		snprintf(want, sizeof want, "tag %u", m1.tag);
		ck_assert_uint_eq(r1->m.count, strlen(want));
		ck_assert(memcmp(r1->m.data, want, r1->m.count) == 0);
		snprintf(want, sizeof want, "tag %u", m2.tag);
		ck_assert_uint_eq(r2->m.tag, m2.tag);
		ck_assert(memcmp(r2->m.data, want, r2->m.count) == 0);
		p9_reply_free(r1);
		p9_reply_free(r2);
	}
	p9_client_free(c);
	p9_conn_close(conn);
}

/* A peer that reads but never answers: -ETIMEDOUT within bounds. */
static void times_out(const char *target)
{
	struct p9_conn *conn;
	struct p9_client *c = client_on(target, &conn);
	struct p9_msg m = { .type = P9_TCLUNK, .fid = 1 };
	struct p9_reply *r = NULL;
	uint64_t t0 = p9_now_ns(), ms;
	ck_assert_int_eq(p9_client_rpc(c, &m, 300, &r), -ETIMEDOUT);
	ms = (p9_now_ns() - t0) / 1000000;
	ck_assert_uint_ge(ms, 250);
	ck_assert_uint_lt(ms, 2000);
	ck_assert_ptr_null(r);
	p9_client_free(c);
	p9_conn_close(conn);
}

static void expect_recv_error(const char *target, int want)
{
	struct p9_conn *conn;
	struct p9_client *c = client_on(target, &conn);
	struct p9_msg m = { .type = P9_TCLUNK, .fid = 1 };
	struct p9_reply *r = NULL;
	ck_assert_int_eq(p9_client_rpc(c, &m, 5000, &r), want);
	p9_client_free(c);
	p9_conn_close(conn);
}

/* ---- fd: ---- */

static void on_socketpair(const char *mode, void (*check)(const char *))
{
	int sv[2];
	char target[64];
	pid_t pid;
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = fork_peer(-1, sv[1], sv[0], mode);
	close(sv[1]);
	snprintf(target, sizeof target, "fd:%d", sv[0]);
	check(target);
	reap(pid);
}

START_TEST(fd_two_tags)
{
	on_socketpair("swap", two_tags_out_of_order);
}
END_TEST

START_TEST(fd_timeout)
{
	on_socketpair("silent", times_out);
}
END_TEST

static void want_reset(const char *t) { expect_recv_error(t, -ECONNRESET); }
static void want_msgsize(const char *t) { expect_recv_error(t, -EMSGSIZE); }
static void want_proto(const char *t) { expect_recv_error(t, -EPROTO); }

START_TEST(fd_peer_closes)
{
	on_socketpair("close", want_reset);
	on_socketpair("partial", want_reset);
}
END_TEST

START_TEST(fd_bad_sizes)
{
	on_socketpair("huge", want_msgsize);
	on_socketpair("tiny", want_proto);
}
END_TEST

/* Messages far larger than a socket buffer, several in a row. */
static void big_messages(const char *target)
{
	struct p9_conn *conn;
	struct p9_client *c = client_on(target, &conn);
	for (int round = 0; round < 3; round++) {
		struct p9_msg m = { .type = P9_TREAD, .fid = 1, .count = 2 << 20 };
		struct p9_reply *r;
		size_t bad = 0;
		ck_assert_int_eq(p9_client_rpc(c, &m, 10000, &r), 0);
		ck_assert_int_eq(r->decode_rc, 0);
		ck_assert_uint_eq(r->m.count, 2 << 20);
		for (size_t i = 0; i < r->m.count; i++)
			bad += r->m.data[i] != (uint8_t)(i % 251);
		ck_assert_uint_eq(bad, 0);
		p9_reply_free(r);
	}
	p9_client_free(c);
	p9_conn_close(conn);
}

START_TEST(fd_big_messages)
{
	on_socketpair("bigread", big_messages);
}
END_TEST

/* A size larger than the caller's buffer is -EMSGSIZE too. */
static void small_buffer(const char *target)
{
	struct p9_conn *conn;
	char err[128];
	uint8_t msg[11] = { 11, 0, 0, 0, P9_TCLUNK, 1, 0, 1, 0, 0, 0 }, buf[50];
	ck_assert_int_eq(p9_dial(target, 1000, &conn, err, sizeof err), 0);
	ck_assert_int_eq(p9_conn_send(conn, msg, sizeof msg), 0);
	ck_assert_int_eq(p9_conn_recv(conn, buf, sizeof buf, 5000), -EMSGSIZE);
	p9_conn_close(conn);
}

START_TEST(fd_small_buffer)
{
	on_socketpair("big", small_buffer);
}
END_TEST

/* fd:R,W on two pipes; a dead reader must give an error, not SIGPIPE. */
START_TEST(fd_pipes)
{
	int to[2], from[2];
	char target[64], err[128];
	struct p9_conn *conn;
	uint8_t msg[11] = { 11, 0, 0, 0, P9_TCLUNK, 1, 0, 1, 0, 0, 0 };
	pid_t pid;
	int rc = 0;
	ck_assert_int_eq(pipe(to), 0);
	ck_assert_int_eq(pipe(from), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* read one message from "to", then close everything */
		uint8_t buf[64];
		close(to[1]);
		close(from[0]);
		if (read(to[0], buf, sizeof buf) < 0)
			_exit(1);
		_exit(0);
	}
	close(to[0]);
	close(from[1]);
	snprintf(target, sizeof target, "fd:%d,%d", from[0], to[1]);
	ck_assert_int_eq(p9_dial(target, 1000, &conn, err, sizeof err), 0);
	ck_assert_int_eq(p9_conn_send(conn, msg, sizeof msg), 0);
	reap(pid);
	ck_assert_int_eq(p9_conn_recv(conn, msg, sizeof msg, 1000), -ECONNRESET);
	for (int i = 0; i < 3 && rc == 0; i++)
		rc = p9_conn_send(conn, msg, sizeof msg);
	ck_assert_int_eq(rc, -ECONNRESET);
	p9_conn_close(conn);
}
END_TEST

/* ---- unix: ---- */

/* A unix socket dir/sock (dir made from its template) listening with
 * backlog; returns its fd, the address in sa. */
static int unix_listener(char *dir, struct sockaddr_un *sa, int backlog)
{
	int lfd;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	*sa = (struct sockaddr_un){ .sun_family = AF_UNIX };
	snprintf(sa->sun_path, sizeof sa->sun_path, "%s/sock", dir);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)sa, sizeof *sa), 0);
	ck_assert_int_eq(listen(lfd, backlog), 0);
	return lfd;
}

static void on_unix(const char *mode, void (*check)(const char *))
{
	char dir[] = "/tmp/9pkit-conn.XXXXXX", target[128];
	struct sockaddr_un sa;
	int lfd = unix_listener(dir, &sa, 4);
	pid_t pid = fork_peer(lfd, -1, -1, mode);
	close(lfd);
	snprintf(target, sizeof target, "unix:%s", sa.sun_path);
	check(target);
	reap(pid);
	unlink(sa.sun_path);
	rmdir(dir);
}

START_TEST(unix_two_tags)
{
	on_unix("swap", two_tags_out_of_order);
}
END_TEST

START_TEST(unix_timeout_and_close)
{
	on_unix("silent", times_out);
	on_unix("close", want_reset);
	on_unix("huge", want_msgsize);
}
END_TEST

START_TEST(unix_missing_socket)
{
	struct p9_conn *conn = NULL;
	char err[256];
	ck_assert_int_eq(p9_dial("unix:/nonexistent/9pkit.sock", 1000, &conn, err,
				 sizeof err), -ENOENT);
	ck_assert_str_eq(err, "unix:/nonexistent/9pkit.sock: No such file or directory");
	ck_assert_ptr_null(conn);
}
END_TEST

/* A listener whose backlog is full: connect says EAGAIN, which for unix
 * sockets is not "in progress"; dial must wait and then time out, not
 * hand back an unconnected socket. */
START_TEST(unix_backlog_full)
{
	char dir[] = "/tmp/9pkit-conn.XXXXXX", target[128], err[256];
	struct sockaddr_un sa;
	struct p9_conn *conn = NULL;
	int lfd = unix_listener(dir, &sa, 0), fds[64], n = 0, rc;
	uint64_t t0;
	for (n = 0; n < 64; n++) {
		fds[n] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (connect(fds[n], (struct sockaddr *)&sa, sizeof sa) < 0) {
			ck_assert_int_eq(errno, EAGAIN);
			close(fds[n]);
			break;
		}
	}
	ck_assert_int_lt(n, 64);
	snprintf(target, sizeof target, "unix:%s", sa.sun_path);
	t0 = p9_now_ns();
	rc = p9_dial(target, 300, &conn, err, sizeof err);
	ck_assert_msg(rc == -ETIMEDOUT, "dial to a full backlog gave %d (%s)", rc, err);
	ck_assert_uint_lt((p9_now_ns() - t0) / 1000000, 2000);
	ck_assert_ptr_null(conn);
	/* once the server accepts, the same dial succeeds */
	close(accept(lfd, NULL, NULL));
	ck_assert_int_eq(p9_dial(target, 2000, &conn, err, sizeof err), 0);
	p9_conn_close(conn);
	while (n-- > 0)
		close(fds[n]);
	close(lfd);
	unlink(sa.sun_path);
	rmdir(dir);
}
END_TEST

/* ---- tcp: ---- */

static void on_tcp(const char *mode, void (*check)(const char *))
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sa;
	char target[64];
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	pid_t pid;
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(listen(lfd, 4), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&sa, &len), 0);
	pid = fork_peer(lfd, -1, -1, mode);
	close(lfd);
	snprintf(target, sizeof target, "tcp:127.0.0.1:%u", ntohs(sa.sin_port));
	check(target);
	reap(pid);
}

START_TEST(tcp_two_tags)
{
	on_tcp("swap", two_tags_out_of_order);
}
END_TEST

START_TEST(tcp_timeout_and_close)
{
	on_tcp("silent", times_out);
	on_tcp("close", want_reset);
	on_tcp("huge", want_msgsize);
}
END_TEST

START_TEST(tcp_refused)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sa;
	struct p9_conn *conn = NULL;
	char target[64], err[256], want[128];
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	/* a port that was just free: bound, never listened on */
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	snprintf(target, sizeof target, "tcp:127.0.0.1:%u", ntohs(sa.sin_port));
	ck_assert_int_eq(p9_dial(target, 1000, &conn, err, sizeof err), -ECONNREFUSED);
	snprintf(want, sizeof want, "%s: connection refused", target);
	ck_assert_str_eq(err, want);
	close(fd);
}
END_TEST

/* ---- exec: ---- */

static void on_exec(const char *mode, void (*check)(const char *))
{
	char target[PATH_MAX + 64];
	snprintf(target, sizeof target, "exec:%s --peer %s", self, mode);
	check(target);
}

START_TEST(exec_two_tags)
{
	on_exec("swap", two_tags_out_of_order);
}
END_TEST

START_TEST(exec_timeout_and_close)
{
	on_exec("silent", times_out);
	on_exec("close", want_reset);
	on_exec("huge", want_msgsize);
}
END_TEST

START_TEST(exec_missing_program)
{
	struct p9_conn *conn = NULL;
	char err[256];
	ck_assert_int_eq(p9_dial("exec:/nonexistent/9pkit-server --stdio", 1000, &conn,
				 err, sizeof err), -ENOENT);
	ck_assert_str_eq(err, "exec:/nonexistent/9pkit-server --stdio: No such file or directory");
	ck_assert_ptr_null(conn);
	ck_assert_int_eq(p9_dial("exec:9pkit-no-such-program-anywhere", 1000, &conn,
				 err, sizeof err), -ENOENT);
	ck_assert_str_eq(err, "exec:9pkit-no-such-program-anywhere: No such file or directory");
	/* nothing left behind to reap */
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
}
END_TEST

/* The child is reaped on close, even one that ignores SIGTERM. */
START_TEST(exec_child_reaped)
{
	static const char *modes[] = { "silent", "sigterm-proof" };
	for (int i = 0; i < 2; i++) {
		struct p9_conn *conn;
		char target[PATH_MAX + 64], err[256];
		pid_t pid;
		uint64_t t0;
		snprintf(target, sizeof target, "exec:%s --peer %s", self, modes[i]);
		ck_assert_int_eq(p9_dial(target, 1000, &conn, err, sizeof err), 0);
		pid = conn->pid;
		ck_assert_int_gt(pid, 0);
		ck_assert_int_eq(kill(pid, 0), 0);
		usleep(100000); /* let it install its handlers */
		t0 = p9_now_ns();
		p9_conn_close(conn);
		ck_assert_uint_lt((p9_now_ns() - t0) / 1000000, 3000);
		ck_assert_int_eq(kill(pid, 0), -1);
		ck_assert_int_eq(errno, ESRCH);
	}
}
END_TEST

/* A parent with stdin and stdout closed gets a socketpair on fds 0 and 1;
 * the child must still end up with the socket on both. */
START_TEST(exec_with_std_fds_closed)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char target[PATH_MAX + 64], err[256];
		struct p9_conn *conn;
		struct p9_client *c;
		struct p9_msg m = { .type = P9_TREAD };
		struct p9_msg m2 = { .type = P9_TREAD, .tag = 77 };
		struct p9_reply *r;
		close(0);
		close(1);
		snprintf(target, sizeof target, "exec:%s --peer swap", self);
		if (p9_dial(target, 1000, &conn, err, sizeof err))
			_exit(10);
		c = p9_client_new(conn, 8192, P9_DL);
		m.tag = 76;
		if (p9_client_send(c, &m) || p9_client_send(c, &m2))
			_exit(11);
		if (p9_client_wait(c, 76, 3000, &r) || r->m.type != P9_RREAD)
			_exit(12);
		p9_reply_free(r);
		p9_client_free(c);
		p9_conn_close(conn);
		_exit(0);
	}
	reap(pid);
}
END_TEST

START_TEST(exec_quoting)
{
	struct p9_conn *conn;
	struct p9_client *c;
	char target[PATH_MAX + 64];
	snprintf(target, sizeof target, "exec:'%s' \"--peer\"   'swap'", self);
	c = client_on(target, &conn);
	p9_client_free(c);
	p9_conn_close(conn);
}
END_TEST

/* ---- client helpers ---- */

START_TEST(client_version_and_attach)
{
	char target[PATH_MAX + 64], err[256];
	struct p9_conn *conn;
	struct p9_client *c;
	struct p9_qid q;
	snprintf(target, sizeof target, "exec:%s --peer version", self);
	ck_assert_int_eq(p9_dial(target, 1000, &conn, err, sizeof err), 0);
	c = p9_client_new(conn, 8192, P9_DL);
	ck_assert_int_eq(p9_client_version(c, 8192, "9P2000.u", 3000, err, sizeof err), 0);
	ck_assert_int_eq(c->dialect, P9_DU);
	ck_assert_uint_eq(c->msize, 4096);
	ck_assert_int_eq(p9_client_attach(c, 1, "u", "", 0, 3000, &q, err, sizeof err), 0);
	ck_assert_uint_eq(q.path, 42);
	ck_assert_uint_eq(q.type, P9_QTDIR);
	p9_client_free(c);
	p9_conn_close(conn);
}
END_TEST

/* Errors from the server are reported in the connection's own dialect
 * (a 9P2000 Rerror has no errno to print). */
START_TEST(client_errors_in_dialect)
{
	char target[PATH_MAX + 64], err[256];
	struct p9_conn *conn;
	struct p9_client *c;
	snprintf(target, sizeof target, "exec:%s --peer rerror", self);
	ck_assert_int_eq(p9_dial(target, 1000, &conn, err, sizeof err), 0);
	c = p9_client_new(conn, 8192, P9_D2000);
	ck_assert_int_eq(p9_client_version(c, 8192, "9P2000", 3000, err, sizeof err), -EPERM);
	ck_assert_str_eq(err, "expected Rversion, got Rerror tag 65535 ename 'go away'");
	ck_assert_int_eq(p9_client_attach(c, 1, "u", "", 0, 3000, NULL, err, sizeof err), -EPERM);
	ck_assert_str_eq(err, "expected Rattach, got Rerror tag 1 ename 'go away'");
	p9_client_free(c);
	p9_conn_close(conn);
	snprintf(target, sizeof target, "exec:%s --peer silent", self);
	ck_assert_int_eq(p9_dial(target, 1000, &conn, err, sizeof err), 0);
	c = p9_client_new(conn, 8192, P9_DL);
	ck_assert_int_eq(p9_client_version(c, 8192, "9P2000.L", 200, err, sizeof err), -ETIMEDOUT);
	ck_assert_str_eq(err, "Tversion: no reply (timeout)");
	p9_client_free(c);
	p9_conn_close(conn);
}
END_TEST

/* ---- target strings ---- */

static void bad_target(const char *t, const char *want)
{
	char err[512] = "";
	struct p9_conn *conn = NULL;
	ck_assert_int_eq(p9_target_check(t, err, sizeof err), -EINVAL);
	ck_assert_str_eq(err, want);
	err[0] = 0;
	ck_assert_int_eq(p9_dial(t, 100, &conn, err, sizeof err), -EINVAL);
	ck_assert_str_eq(err, want);
	ck_assert_ptr_null(conn);
}

START_TEST(target_errors)
{
	char err[256];
	bad_target("tcp:host", "tcp:host: expected tcp:HOST:PORT with a port 1..65535");
	bad_target("tcp:h:99999", "tcp:h:99999: expected tcp:HOST:PORT with a port 1..65535");
	bad_target("tcp:h:0", "tcp:h:0: expected tcp:HOST:PORT with a port 1..65535");
	bad_target("tcp:h:-1", "tcp:h:-1: expected tcp:HOST:PORT with a port 1..65535");
	bad_target("tcp::564", "tcp::564: expected tcp:HOST:PORT with a port 1..65535");
	bad_target("tcp:h:99999999999999", "tcp:h:99999999999999: expected tcp:HOST:PORT with a port 1..65535");
	bad_target("tcp:[::1:564", "tcp:[::1:564: expected tcp:HOST:PORT with a port 1..65535");
	bad_target("unix:", "unix:: nothing after the colon");
	bad_target("bogus:x", "bogus:x: unknown target (expected unix:PATH, tcp:HOST:PORT, "
		   "fd:R,W, exec:CMD, qemu:DIR, or a registered prefix)");
	bad_target("nocolon", "nocolon: unknown target (expected unix:PATH, tcp:HOST:PORT, "
		   "fd:R,W, exec:CMD, qemu:DIR, or a registered prefix)");
	bad_target("exec:'unterminated", "exec:'unterminated: unterminated quote");
	bad_target("exec:   ", "exec:   : no command");
	bad_target("fd:x", "fd:x: expected fd:R,W or fd:N");
	bad_target("fd:1,", "fd:1,: expected fd:R,W or fd:N");
	ck_assert_int_eq(p9_target_check("tcp:localhost:564", err, sizeof err), 0);
	ck_assert_int_eq(p9_target_check("tcp:[::1]:564", err, sizeof err), 0);
	ck_assert_int_eq(p9_target_check("unix:/tmp/x", err, sizeof err), 0);
	ck_assert_int_eq(p9_target_check("unix:@abstract", err, sizeof err), 0);
	ck_assert_int_eq(p9_target_check("fd:3,4", err, sizeof err), 0);
	ck_assert_int_eq(p9_target_check("exec:synthfs --stdio", err, sizeof err), 0);
}
END_TEST

static int fake_dial(const char *rest, int timeout_ms, struct p9_conn **out,
		     char *err, size_t cap)
{
	(void)timeout_ms;
	(void)out;
	snprintf(err, cap, "fake:%s: reached", rest);
	return -ENOSYS;
}

START_TEST(registered_transport)
{
	char err[128];
	struct p9_conn *conn = NULL;
	ck_assert_int_eq(p9_transport_register("fake", fake_dial), 0);
	ck_assert_int_eq(p9_target_check("fake:abc", err, sizeof err), 0);
	ck_assert_int_eq(p9_dial("fake:abc", 100, &conn, err, sizeof err), -ENOSYS);
	ck_assert_str_eq(err, "fake:abc: reached");
	ck_assert_int_eq(p9_transport_register("a-prefix-far-too-long", fake_dial), -ENOSPC);
}
END_TEST

static Suite *conn_suite(void)
{
	Suite *s = suite_create("lib_conn");
	suite_add_tcase(s, unit_case("fd", 20, UNIT_TESTS(
		fd_two_tags, fd_timeout, fd_peer_closes, fd_bad_sizes,
		fd_small_buffer, fd_big_messages, fd_pipes)));
	suite_add_tcase(s, unit_case("unix", 20, UNIT_TESTS(
		unix_two_tags, unix_timeout_and_close, unix_missing_socket,
		unix_backlog_full)));
	suite_add_tcase(s, unit_case("tcp", 20, UNIT_TESTS(
		tcp_two_tags, tcp_timeout_and_close, tcp_refused)));
	suite_add_tcase(s, unit_case("exec", 20, UNIT_TESTS(
		exec_two_tags, exec_timeout_and_close, exec_missing_program,
		exec_child_reaped, exec_quoting, exec_with_std_fds_closed)));
	suite_add_tcase(s, unit_case("client", 20, UNIT_TESTS(
		client_version_and_attach, client_errors_in_dialect)));
	suite_add_tcase(s, unit_case("targets", 0, UNIT_TESTS(
		target_errors, registered_transport)));
	return s;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--peer")) {
		if (!strcmp(argv[2], "sigterm-proof")) {
			signal(SIGTERM, SIG_IGN);
			argv[2] = "silent";
		}
		peer_run(0, 1, argv[2]);
		return 0;
	}
	if (realpath("/proc/self/exe", self) == NULL)
		return 2;
	return unit_run(conn_suite(), CK_FORK_GETENV);
}
