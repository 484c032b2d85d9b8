/*
 * qtest.c - QEMU's qtest text protocol over its unix socket.
 *
 * Owns: sending one command line, reading lines until the answer
 * ("OK [value]" or "FAIL ..."), skipping asynchronous "IRQ ..." lines,
 * commands sent without waiting (their answers are consumed later, in
 * order, and a FAIL among them is reported by the next drain), and a
 * timeout on every command so a wedged or dead QEMU never hangs a caller.
 * The protocol is described in QEMU's softmmu/qtest.c.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "targets/qemu.h"

static int send_all(int fd, const char *s, size_t len, int timeout_ms)
{
	size_t off = 0;
	while (off < len) {
		ssize_t n = send(fd, s + off, len - off, MSG_NOSIGNAL);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			if (poll(&p, 1, timeout_ms) == 0)
				return -ETIMEDOUT;
			continue;
		}
		return -ECONNRESET;
	}
	return 0;
}

/* Move one complete line (without newline) out of the input buffer into
 * line; returns 1 if there was one. */
static int take_line(struct p9_qtest *q, char *line, size_t cap)
{
	char *nl = memchr(q->in, '\n', q->inlen);
	size_t n, keep;
	if (!nl)
		return 0;
	n = (size_t)(nl - q->in);
	keep = n < cap - 1 ? n : cap - 1;
	memcpy(line, q->in, keep);
	line[keep] = 0;
	q->inlen -= n + 1;
	memmove(q->in, nl + 1, q->inlen);
	return 1;
}

/* Read the next line that is not an IRQ notice. */
static int read_answer(struct p9_qtest *q, char *line, size_t cap)
{
	uint64_t deadline = p9_now_ns() + (uint64_t)q->timeout_ms * 1000000ull;
	for (;;) {
		struct pollfd p = { .fd = q->fd, .events = POLLIN };
		uint64_t now;
		ssize_t n;
		while (take_line(q, line, cap)) {
			if (strncmp(line, "IRQ", 3) == 0) {
				q->irqs++;
				continue;
			}
			return 0;
		}
		if (q->inlen == sizeof q->in)
			return -EPROTO; /* a line longer than we ever expect */
		n = recv(q->fd, q->in + q->inlen, sizeof q->in - q->inlen, MSG_DONTWAIT);
		if (n > 0) {
			q->inlen += (size_t)n;
			continue;
		}
		if (n == 0)
			return -ECONNRESET;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -ECONNRESET;
		now = p9_now_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)((deadline - now) / 1000000) + 1) < 0 && errno != EINTR)
			return -errno;
	}
}

/* Consume the answers still owed for asynchronous commands: all of them
 * (wait != 0), or only those already received. */
int p9_qtest_drain(struct p9_qtest *q, int wait)
{
	char line[sizeof q->in];
	while (q->owed) {
		int rc;
		if (!wait) {
			char *nl = memchr(q->in, '\n', q->inlen);
			ssize_t n;
			if (!nl && q->inlen < sizeof q->in) {
				n = recv(q->fd, q->in + q->inlen, sizeof q->in - q->inlen, MSG_DONTWAIT);
				if (n > 0)
					q->inlen += (size_t)n;
				else if (n == 0)
					return -ECONNRESET;
				else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
					return -ECONNRESET;
				if (!memchr(q->in, '\n', q->inlen))
					return 0;
			}
		}
		if ((rc = read_answer(q, line, sizeof line)))
			return rc;
		q->owed--;
		if (strncmp(line, "OK", 2) != 0)
			q->async_failed++;
	}
	return q->async_failed ? -EIO : 0;
}

static int send_cmd(struct p9_qtest *q, const char *fmt, va_list ap)
{
	char cmd[512];
	int n = vsnprintf(cmd, sizeof cmd - 1, fmt, ap);
	if (n < 0 || (size_t)n >= sizeof cmd - 1)
		return -EINVAL;
	cmd[n++] = '\n';
	return send_all(q->fd, cmd, (size_t)n, q->timeout_ms);
}

int p9_qtest_async(struct p9_qtest *q, const char *fmt, ...)
{
	va_list ap;
	int rc;
	va_start(ap, fmt);
	rc = send_cmd(q, fmt, ap);
	va_end(ap);
	if (!rc)
		q->owed++;
	return rc;
}

int p9_qtest_cmd(struct p9_qtest *q, char *val, size_t cap, const char *fmt, ...)
{
	char line[sizeof q->in];
	va_list ap;
	int rc;
	if ((rc = p9_qtest_drain(q, 1)))
		return rc;
	va_start(ap, fmt);
	rc = send_cmd(q, fmt, ap);
	va_end(ap);
	if (rc)
		return rc;
	if ((rc = read_answer(q, line, sizeof line)))
		return rc;
	if (strncmp(line, "OK", 2) == 0 && (line[2] == 0 || line[2] == ' ')) {
		if (val && cap)
			snprintf(val, cap, "%s", line[2] ? line + 3 : "");
		return 0;
	}
	if (val && cap)
		snprintf(val, cap, "%s", line);
	return -EIO;
}

int p9_qtest_out(struct p9_qtest *q, int width, uint16_t port, uint32_t v)
{
	const char *op = width == 1 ? "outb" : width == 2 ? "outw" : "outl";
	return p9_qtest_cmd(q, NULL, 0, "%s 0x%x 0x%x", op, port, v);
}

int p9_qtest_in(struct p9_qtest *q, int width, uint16_t port, uint32_t *v)
{
	const char *op = width == 1 ? "inb" : width == 2 ? "inw" : "inl";
	char val[64], *end;
	unsigned long x;
	int rc = p9_qtest_cmd(q, val, sizeof val, "%s 0x%x", op, port);
	if (rc)
		return rc;
	errno = 0;
	x = strtoul(val, &end, 0);
	if (errno || end == val || x > 0xffffffffu)
		return -EPROTO;
	*v = (uint32_t)x;
	return 0;
}
