/*
 * target.c - target strings and the transports behind them:
 *   unix:PATH (unix:@NAME for the abstract namespace), tcp:HOST:PORT
 *   (tcp:[::1]:564 for IPv6), fd:R,W or fd:N, exec:CMD ARGS, and
 *   qemu:DIR[,options] (targets/ registers it, see docs/virtio.md).
 *
 * Owns: parsing with one-line errors, connecting with a timeout, spawning an
 * exec server on a socketpair (its death is reaped on close and it is killed
 * if we die first), and the registry of further transports ("qemu:"), each
 * with an optional syntax check for p9_target_check.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "p9.h"

enum { MAXARGS = 64, MAXEXTRA = 8 };

struct transport {
	char prefix[16];
	p9_dial_fn dial;
	p9_check_fn check;   /* NULL: any text after the colon will do */
};

/* Process-wide registry of extra transports, filled at program start-up
 * (before any thread) by p9_transport_register. */
static struct transport extra[MAXEXTRA];
static int nextra;

int p9_transport_register_check(const char *prefix, p9_dial_fn dial,
				p9_check_fn check)
{
	if (nextra >= MAXEXTRA || strlen(prefix) >= sizeof extra[0].prefix)
		return -ENOSPC;
	snprintf(extra[nextra].prefix, sizeof extra[0].prefix, "%s", prefix);
	extra[nextra].check = check;
	extra[nextra++].dial = dial;
	return 0;
}

int p9_transport_register(const char *prefix, p9_dial_fn dial)
{
	return p9_transport_register_check(prefix, dial, NULL);
}

static int fail(char *err, size_t cap, int code, const char *fmt, const char *a,
		const char *b)
{
	snprintf(err, cap, fmt, a, b);
	return code;
}

/* Wrap connected fds in a stream connection described as PREFIX+REST. */
static int wrap(int rfd, int wfd, const char *prefix, const char *rest,
		struct p9_conn **out)
{
	char desc[256];
	snprintf(desc, sizeof desc, "%s%s", prefix, rest);
	*out = p9_conn_new_stream(rfd, wfd, desc);
	if (*out)
		return 0;
	close(rfd);
	if (wfd != rfd)
		close(wfd);
	return -ENOMEM;
}

/* ---- unix ---- */

static int unix_addr(const char *path, struct sockaddr_un *sa, socklen_t *len,
		     char *err, size_t cap)
{
	size_t n = strlen(path);
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	if (n == 0)
		return fail(err, cap, -EINVAL, "unix:%s: empty socket path%s", path, "");
	if (n >= sizeof sa->sun_path)
		return fail(err, cap, -ENAMETOOLONG, "unix:%s: socket path too long%s", path, "");
	memcpy(sa->sun_path, path, n);
	if (path[0] == '@')
		sa->sun_path[0] = 0;
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (path[0] != '@'));
	return 0;
}

/* Non-blocking connect bounded by timeout_ms; returns 0 or -errno. */
static int connect_timeout(int fd, const struct sockaddr *sa, socklen_t len,
			   int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int soerr = 0, n;
	socklen_t sl = sizeof soerr;
	uint64_t deadline = p9_now_ns() + (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms) * 1000000ull;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	/* A unix listener with a full backlog says EAGAIN: nothing is in
	 * progress, so try again until the deadline.  EINPROGRESS (and
	 * EINTR, after which the connect goes on) is waited for below. */
	for (;;) {
		if (connect(fd, sa, len) == 0)
			return 0;
		if (errno == EINPROGRESS || errno == EINTR)
			break;
		if (errno != EAGAIN)
			return -errno;
		if (timeout_ms >= 0 && p9_now_ns() >= deadline)
			return -ETIMEDOUT;
		usleep(10000);
	}
	do
		n = poll(&p, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return -ETIMEDOUT;
	if (n < 0)
		return -errno;
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
	return -soerr;
}

static int dial_unix(const char *rest, int timeout_ms, struct p9_conn **out,
		     char *err, size_t cap)
{
	struct sockaddr_un sa;
	socklen_t len;
	int fd, rc = unix_addr(rest, &sa, &len, err, cap);
	if (rc)
		return rc;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(err, cap, -errno, "unix:%s: socket: %s", rest, strerror(errno));
	rc = connect_timeout(fd, (struct sockaddr *)&sa, len, timeout_ms);
	if (rc) {
		close(fd);
		return fail(err, cap, rc, "unix:%s: %s", rest, strerror(-rc));
	}
	return wrap(fd, fd, "unix:", rest, out);
}

/* ---- tcp ---- */

/* Split "HOST:PORT" or "[V6]:PORT" into host and port. */
static int split_hostport(const char *s, char *host, size_t hcap, char *port,
			  size_t pcap)
{
	const char *colon;
	size_t hl;
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end || end[1] != ':')
			return -EINVAL;
		hl = (size_t)(end - s - 1);
		s++;
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= hcap || strlen(colon + 1) == 0 || strlen(colon + 1) >= pcap)
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = 0;
	strcpy(port, colon + 1);
	for (const char *p = port; *p; p++)
		if (*p < '0' || *p > '9')
			return -EINVAL;
	return strtol(port, NULL, 10) > 0 && strtol(port, NULL, 10) < 65536 ? 0 : -EINVAL;
}

static int dial_tcp(const char *rest, int timeout_ms, struct p9_conn **out,
		    char *err, size_t cap)
{
	char host[256], port[16];
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai, *a;
	int fd = -1, rc, one = 1;
	if (split_hostport(rest, host, sizeof host, port, sizeof port))
		return fail(err, cap, -EINVAL, "tcp:%s: expected tcp:HOST:PORT%s", rest, "");
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc)
		return fail(err, cap, -EHOSTUNREACH, "tcp:%s: %s", rest, gai_strerror(rc));
	rc = -ECONNREFUSED;
	for (a = ai; a; a = a->ai_next) {
		fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		rc = connect_timeout(fd, a->ai_addr, a->ai_addrlen, timeout_ms);
		if (rc == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0) {
		char why[128];
		snprintf(why, sizeof why, "%s", rc == -ECONNREFUSED ? "connection refused" : strerror(-rc));
		return fail(err, cap, rc, "tcp:%s: %s", rest, why);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return wrap(fd, fd, "tcp:", rest, out);
}

/* ---- fd ---- */

static int parse_fd(const char *s, char **end)
{
	long v;
	if (*s < '0' || *s > '9')
		return -1;
	v = strtol(s, end, 10);
	return v >= 0 && v < 1 << 20 ? (int)v : -1;
}

/* "R,W" or "N" into *r and *w; 0 or -EINVAL. */
static int parse_fds(const char *rest, int *r, int *w)
{
	char *end;
	*r = *w = parse_fd(rest, &end);
	if (*r >= 0 && *end == ',')
		*w = parse_fd(end + 1, &end);
	return *r < 0 || *w < 0 || *end ? -EINVAL : 0;
}

static int dial_fd(const char *rest, int timeout_ms, struct p9_conn **out,
		   char *err, size_t cap)
{
	int r, w;
	(void)timeout_ms;
	if (parse_fds(rest, &r, &w))
		return fail(err, cap, -EINVAL, "fd:%s: expected fd:R,W or fd:N%s", rest, "");
	if (fcntl(r, F_GETFD) < 0 || fcntl(w, F_GETFD) < 0)
		return fail(err, cap, -EBADF, "fd:%s: %s", rest, "bad file descriptor");
	return wrap(r, w, "fd:", rest, out);
}

/* ---- exec ---- */

/* Split a command line on blanks, honouring '...' and "..." quoting.
 * Writes into buf; returns argc, -1 on an unterminated quote, -2 when
 * there are too many arguments. */
static int split_args(const char *s, char *buf, char **argv, int max)
{
	int argc = 0;
	while (*s) {
		char q = 0;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		if (argc == max - 1)
			return -2;
		argv[argc++] = buf;
		while (*s && (q || (*s != ' ' && *s != '\t'))) {
			if (!q && (*s == '\'' || *s == '"'))
				q = *s++;
			else if (q && *s == q)
				q = 0, s++;
			else
				*buf++ = *s++;
		}
		if (q)
			return -1;
		*buf++ = 0;
	}
	argv[argc] = NULL;
	return argc;
}

static const char *args_error(int rc)
{
	return rc == 0 ? "no command" : rc == -1 ? "unterminated quote" :
	       "too many arguments";
}

/* Check an exec command line's syntax; 0 or -EINVAL with err set. */
static int check_exec(const char *rest, char *err, size_t cap)
{
	char *buf = malloc(strlen(rest) + 1), *argv[MAXARGS];
	int argc;
	if (!buf)
		return -ENOMEM;
	argc = split_args(rest, buf, argv, MAXARGS);
	free(buf);
	return argc > 0 ? 0 : fail(err, cap, -EINVAL, "exec:%s: %s", rest, args_error(argc));
}

static void exec_child(int sock, int errpipe, char **argv)
{
	int e;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGPIPE, SIG_DFL);
	/* When the parent ran with stdin/stdout closed, sock or errpipe may
	 * be fd 0 or 1: move both above 2 first, so the dup2s below always
	 * make fresh (inheritable) copies and clobber neither. */
	sock = fcntl(sock, F_DUPFD_CLOEXEC, 3);
	errpipe = fcntl(errpipe, F_DUPFD_CLOEXEC, 3);
	if (sock < 0 || errpipe < 0 || dup2(sock, 0) < 0 || dup2(sock, 1) < 0)
		_exit(127);
	execvp(argv[0], argv);
	e = errno;
	if (write(errpipe, &e, sizeof e) < 0)
		_exit(127);
	_exit(127);
}

static int dial_exec(const char *rest, int timeout_ms, struct p9_conn **out,
		     char *err, size_t cap)
{
	char *buf = malloc(strlen(rest) + 1), *argv[MAXARGS];
	int sv[2], ep[2], e = 0, argc, rc;
	pid_t pid;
	ssize_t n;
	(void)timeout_ms;
	if (!buf)
		return -ENOMEM;
	argc = split_args(rest, buf, argv, MAXARGS);
	if (argc <= 0) {
		free(buf);
		return fail(err, cap, -EINVAL, "exec:%s: %s", rest, args_error(argc));
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) ||
	    pipe2(ep, O_CLOEXEC)) {
		free(buf);
		return fail(err, cap, -errno, "exec:%s: %s", rest, strerror(errno));
	}
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		close(ep[0]);
		/* dup2 clears close-on-exec on the copies */
		exec_child(sv[1], ep[1], argv);
	}
	close(sv[1]);
	close(ep[1]);
	free(buf);
	if (pid < 0) {
		close(sv[0]);
		close(ep[0]);
		return fail(err, cap, -errno, "exec:%s: fork: %s", rest, strerror(errno));
	}
	n = read(ep[0], &e, sizeof e);
	close(ep[0]);
	if (n == sizeof e) {
		waitpid(pid, NULL, 0);
		close(sv[0]);
		return fail(err, cap, -e, "exec:%s: %s", rest, strerror(e));
	}
	rc = wrap(sv[0], sv[0], "exec:", rest, out);
	if (rc) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return rc;
	}
	(*out)->pid = pid;
	return 0;
}

/* ---- dispatch ---- */

static const struct transport builtin[] = {
	{ "unix", dial_unix, NULL }, { "tcp", dial_tcp, NULL },
	{ "fd", dial_fd, NULL }, { "exec", dial_exec, check_exec },
};

static const struct transport *find(const char *target, const char **rest)
{
	const char *colon = strchr(target, ':');
	size_t n = colon ? (size_t)(colon - target) : 0;
	if (!colon)
		return NULL;
	*rest = colon + 1;
	for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++)
		if (strlen(builtin[i].prefix) == n && !strncmp(builtin[i].prefix, target, n))
			return &builtin[i];
	for (int i = 0; i < nextra; i++)
		if (strlen(extra[i].prefix) == n && !strncmp(extra[i].prefix, target, n))
			return &extra[i];
	return NULL;
}

int p9_target_check(const char *target, char *err, size_t cap)
{
	const char *rest = NULL;
	char host[256], port[16];
	int r, w;
	const struct transport *t = find(target, &rest);
	if (!t)
		return fail(err, cap, -EINVAL,
			    "%s: unknown target (expected unix:PATH, tcp:HOST:PORT, fd:R,W, exec:CMD, qemu:DIR, or a registered prefix)%s",
			    target, "");
	if (*rest == 0)
		return fail(err, cap, -EINVAL, "%s: nothing after the colon%s", target, "");
	if (t->dial == dial_tcp && split_hostport(rest, host, sizeof host, port, sizeof port))
		return fail(err, cap, -EINVAL, "%s: expected tcp:HOST:PORT with a port 1..65535%s", target, "");
	if (t->dial == dial_fd && parse_fds(rest, &r, &w))
		return fail(err, cap, -EINVAL, "%s: expected fd:R,W or fd:N%s", target, "");
	return t->check ? t->check(rest, err, cap) : 0;
}

int p9_dial(const char *target, int timeout_ms, struct p9_conn **out, char *err,
	    size_t cap)
{
	const char *rest = NULL;
	int rc = p9_target_check(target, err, cap);
	if (rc)
		return rc;
	return find(target, &rest)->dial(rest, timeout_ms, out, err, cap);
}
