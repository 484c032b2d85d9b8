/*
 * conn.c - the connection interface and its stream implementation.
 *
 * Owns: framing 9P messages on a byte stream (unix, tcp, fd and exec
 * transports all end up here), per-call timeouts with poll(2), and the
 * generic open/close entry points.  Stream fds are made non-blocking so a
 * peer that stops reading or writing can never hang the caller.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "p9.h"

enum { SEND_TIMEOUT_MS = 30000, RBUF_MIN = 65536 };

uint64_t p9_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Milliseconds left until deadline (ns); -1 means no deadline. */
static int ms_left(uint64_t deadline)
{
	uint64_t now;
	if (deadline == 0)
		return -1;
	now = p9_now_ns();
	return now >= deadline ? 0 : (int)((deadline - now + 999999) / 1000000);
}

static int wait_fd(int fd, short ev, uint64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = ev };
	for (;;) {
		int n = poll(&p, 1, ms_left(deadline));
		if (n > 0)
			return 0;
		if (n == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

long p9_fd_read(int fd, void *buf, size_t cap, uint64_t deadline)
{
	for (;;) {
		ssize_t n = read(fd, buf, cap);
		int rc;
		if (n > 0)
			return (long)n;
		if (n == 0)
			return -ECONNRESET;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		if ((rc = wait_fd(fd, POLLIN, deadline)))
			return rc;
	}
}

/* write(2) to a pipe without letting a dead reader's SIGPIPE kill us:
 * block it in this thread, and consume it if this write raised it. */
static ssize_t write_nosigpipe(int fd, const void *p, size_t n)
{
	sigset_t pipe_set, old, pending;
	struct timespec zero = { 0, 0 };
	int was_pending, e;
	ssize_t rc;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	rc = write(fd, p, n);
	e = errno;
	if (rc < 0 && e == EPIPE && !was_pending)
		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
			;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return rc;
}

int p9_fd_write_all(int fd, const void *buf, size_t len, uint64_t deadline)
{
	const uint8_t *p = buf;
	size_t off = 0;
	while (off < len) {
		ssize_t n = send(fd, p + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == ENOTSOCK)
			n = write_nosigpipe(fd, p + off, len - off);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int rc = wait_fd(fd, POLLOUT, deadline);
			if (rc)
				return rc;
			continue;
		}
		return n < 0 && errno != EPIPE ? -errno : -ECONNRESET;
	}
	return 0;
}

static int stream_send(struct p9_conn *c, const uint8_t *buf, size_t len)
{
	return p9_fd_write_all(c->wfd, buf, len,
			       p9_now_ns() + SEND_TIMEOUT_MS * 1000000ull);
}

/* Make room for at least want bytes in the receive buffer. */
static int rbuf_reserve(struct p9_conn *c, size_t want)
{
	uint8_t *p;
	size_t cap = c->rcap ? c->rcap : RBUF_MIN;
	if (want <= c->rcap)
		return 0;
	while (cap < want)
		cap *= 2;
	p = realloc(c->rbuf, cap);
	if (!p)
		return -ENOMEM;
	c->rbuf = p;
	c->rcap = cap;
	return 0;
}

/* A whole message already buffered: its length, 0 if not yet, or error. */
static long framed(struct p9_conn *c, size_t cap)
{
	uint32_t size;
	if (c->rlen < 4)
		return 0;
	size = p9_get32(c->rbuf);
	if (size < P9_HDRSZ)
		return -EPROTO;
	if (size > cap || size > P9_MAXMSIZE)
		return -EMSGSIZE;
	return c->rlen >= size ? (long)size : 0;
}

static int stream_recv(struct p9_conn *c, uint8_t *buf, size_t cap, int timeout_ms)
{
	uint64_t deadline = timeout_ms < 0 ? 0 : p9_now_ns() + (uint64_t)timeout_ms * 1000000ull;
	for (;;) {
		long size = framed(c, cap);
		ssize_t n;
		int rc;
		if (size < 0)
			return (int)size;
		if (size > 0) {
			memcpy(buf, c->rbuf, (size_t)size);
			c->rlen -= (size_t)size;
			memmove(c->rbuf, c->rbuf + size, c->rlen);
			return (int)size;
		}
		rc = rbuf_reserve(c, c->rlen >= 4 ? p9_get32(c->rbuf) : RBUF_MIN);
		if (rc)
			return rc;
		n = p9_fd_read(c->rfd, c->rbuf + c->rlen, c->rcap - c->rlen,
			       deadline);
		if (n < 0)
			return (int)n;
		c->rlen += (size_t)n;
	}
}

/* Stop an exec child: SIGTERM, up to a second's grace, then SIGKILL. */
static void reap_child(pid_t pid)
{
	int st;
	kill(pid, SIGTERM);
	for (int i = 0; i < 100; i++) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid || (r < 0 && errno == ECHILD))
			return; /* gone (or reaped elsewhere: never kill a reused pid) */
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
}

static void stream_close(struct p9_conn *c)
{
	if (c->rfd >= 0)
		close(c->rfd);
	if (c->wfd >= 0 && c->wfd != c->rfd)
		close(c->wfd);
	if (c->pid > 0)
		reap_child(c->pid);
	free(c->rbuf);
	free(c);
}

const struct p9_conn_ops p9_stream_ops = {
	.send = stream_send,
	.recv = stream_recv,
	.close = stream_close,
};

struct p9_conn *p9_conn_new_stream(int rfd, int wfd, const char *desc)
{
	struct p9_conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->ops = &p9_stream_ops;
	c->rfd = rfd;
	c->wfd = wfd;
	fcntl(rfd, F_SETFL, fcntl(rfd, F_GETFL) | O_NONBLOCK);
	if (wfd != rfd)
		fcntl(wfd, F_SETFL, fcntl(wfd, F_GETFL) | O_NONBLOCK);
	snprintf(c->desc, sizeof c->desc, "%s", desc);
	return c;
}

void p9_conn_close(struct p9_conn *c)
{
	if (c)
		c->ops->close(c);
}

int p9_conn_send(struct p9_conn *c, const uint8_t *buf, size_t len)
{
	return c->ops->send(c, buf, len);
}

int p9_conn_recv(struct p9_conn *c, uint8_t *buf, size_t cap, int timeout_ms)
{
	return c->ops->recv(c, buf, cap, timeout_ms);
}
