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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "targets/qemu.h"

/* The deadline of an exchange that starts now. */
static uint64_t deadline_of(const struct p9_qtest *q)
{
	return p9_now_ns() + (uint64_t)q->timeout_ms * 1000000ull;
}

static int send_all(struct p9_qtest *q, const char *s, size_t len)
{
	int rc = p9_fd_write_all(q->fd, s, len, deadline_of(q));
	return rc == 0 || rc == -ETIMEDOUT ? rc : -ECONNRESET;
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

/* Read more of QEMU's output into the input buffer, waiting for it until
 * deadline (NO_WAIT: not at all).  0, -ETIMEDOUT (nothing came) or
 * -ECONNRESET. */
enum { NO_WAIT = 1 /* a p9_now_ns() time long past */ };
static int read_more(struct p9_qtest *q, uint64_t deadline)
{
	long n = p9_fd_read(q->fd, q->in + q->inlen, sizeof q->in - q->inlen,
			    deadline);
	if (n < 0)
		return n == -ETIMEDOUT ? -ETIMEDOUT : -ECONNRESET;
	q->inlen += (size_t)n;
	return 0;
}

/* Read the next line that is not an IRQ notice. */
static int read_answer(struct p9_qtest *q, char *line, size_t cap)
{
	uint64_t deadline = deadline_of(q);
	for (;;) {
		int rc;
		while (take_line(q, line, cap)) {
			if (strncmp(line, "IRQ", 3) == 0) {
				q->irqs++;
				continue;
			}
			return 0;
		}
		if (q->inlen == sizeof q->in)
			return -EPROTO; /* a line longer than we ever expect */
		if ((rc = read_more(q, deadline)))
			return rc;
	}
}

/* Consume the answers still owed for asynchronous commands: all of them
 * (wait != 0), or only those already received. */
int p9_qtest_drain(struct p9_qtest *q, int wait)
{
	char line[sizeof q->in];
	while (q->owed) {
		int rc;
		if (!wait && !memchr(q->in, '\n', q->inlen) &&
		    q->inlen < sizeof q->in) {
			if ((rc = read_more(q, NO_WAIT)) == -ECONNRESET)
				return rc;
			if (!memchr(q->in, '\n', q->inlen))
				return 0;
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
	return send_all(q, cmd, (size_t)n);
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
