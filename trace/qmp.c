/*
 * qmp.c - the little of QEMU's QMP that --virtio needs: connect to the
 * monitor's unix socket, leave capabilities negotiation, find the
 * virtio-9p device (x-query-virtio) and read its queue 0's vring
 * addresses and indexes (x-query-virtio-queue-status).
 *
 * Owns: the QMP connection (one JSON object per line; asynchronous
 * "event" lines are skipped) and the few values read out of the answers
 * by key.  It asks, never changes anything in the guest.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "virtio.h"

enum { QMP_TIMEOUT_MS = 5000 };

/* Read one line (without "\r\n") into q->line; 0, or -1 (EOF, timeout). */
static int qmp_line(struct tr_qmp *q)
{
	for (;;) {
		char *nl = memchr(q->buf, '\n', q->len);
		if (nl) {
			size_t n = (size_t)(nl - q->buf);
			size_t keep = n < sizeof q->line - 1 ? n : sizeof q->line - 1;
			memcpy(q->line, q->buf, keep);
			q->line[keep] = 0;
			if (keep && q->line[keep - 1] == '\r')
				q->line[keep - 1] = 0;
			q->len -= n + 1;
			memmove(q->buf, nl + 1, q->len);
			return 0;
		}
		if (q->len == sizeof q->buf)
			q->len = 0;   /* a line longer than we care for: drop it */
		struct pollfd p = { .fd = q->fd, .events = POLLIN };
		if (poll(&p, 1, QMP_TIMEOUT_MS) <= 0)
			return -1;
		ssize_t r = read(q->fd, q->buf + q->len, sizeof q->buf - q->len);
		if (r <= 0)
			return -1;
		q->len += (size_t)r;
	}
}

/* Send cmd and wait for its answer (skipping events); 0 when it is a
 * "return", -1 on an "error" or a lost connection. */
static int qmp_ask(struct tr_qmp *q, const char *cmd)
{
	size_t n = strlen(cmd);
	if (write(q->fd, cmd, n) != (ssize_t)n || write(q->fd, "\n", 1) != 1)
		return -1;
	for (;;) {
		if (qmp_line(q) < 0)
			return -1;
		if (strstr(q->line, "\"event\""))
			continue;
		return strstr(q->line, "\"return\"") ? 0 : -1;
	}
}

int tr_qmp_open(struct tr_qmp *q, const char *path, char *err, size_t cap)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	memset(q, 0, sizeof *q);
	q->fd = -1;
	if (strlen(path) >= sizeof sa.sun_path) {
		snprintf(err, cap, "%s: path too long", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (q->fd < 0 || connect(q->fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		snprintf(err, cap, "%s: %s", path, strerror(errno));
		tr_qmp_close(q);
		return -1;
	}
	if (qmp_line(q) < 0 || !strstr(q->line, "\"QMP\"") ||
	    qmp_ask(q, "{\"execute\": \"qmp_capabilities\"}") < 0) {
		snprintf(err, cap, "%s: not a QMP monitor", path);
		tr_qmp_close(q);
		return -1;
	}
	return 0;
}

void tr_qmp_close(struct tr_qmp *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
}

/* The string value of "key" in s (up to end), into out; 0 or -1. */
static int json_str(const char *s, const char *end, const char *key, char *out,
		    size_t cap)
{
	char pat[64];
	snprintf(pat, sizeof pat, "\"%s\": \"", key);
	const char *p = strstr(s, pat);
	if (!p || p >= end)
		return -1;
	p += strlen(pat);
	const char *q = strchr(p, '"');
	if (!q || (size_t)(q - p) >= cap)
		return -1;
	memcpy(out, p, (size_t)(q - p));
	out[q - p] = 0;
	return 0;
}

/* The number value of "key" in s; 0 if absent. */
static uint64_t json_num(const char *s, const char *key)
{
	char pat[64];
	snprintf(pat, sizeof pat, "\"%s\": ", key);
	const char *p = strstr(s, pat);
	return p ? strtoull(p + strlen(pat), NULL, 10) : 0;
}

int tr_qmp_find_9p(struct tr_qmp *q)
{
	if (qmp_ask(q, "{\"execute\": \"x-query-virtio\"}") < 0)
		return -1;
	/* [{"path": "...", "name": "virtio-9p"}, ...]: the object holding the name */
	for (const char *o = strchr(q->line, '{'); o; o = strchr(o + 1, '{')) {
		const char *end = strchr(o, '}');
		char name[64];
		if (!end)
			break;
		if (json_str(o, end, "name", name, sizeof name) == 0 &&
		    strcmp(name, "virtio-9p") == 0)
			return json_str(o, end, "path", q->path, sizeof q->path);
	}
	return -1;
}

int tr_qmp_queue(struct tr_qmp *q, struct tr_vring_info *vi)
{
	char cmd[sizeof q->path + 128];
	snprintf(cmd, sizeof cmd, "{\"execute\": \"x-query-virtio-queue-status\", "
		 "\"arguments\": {\"path\": \"%s\", \"queue\": 0}}", q->path);
	if (qmp_ask(q, cmd) < 0)
		return -1;
	vi->desc = json_num(q->line, "vring-desc");
	vi->avail = json_num(q->line, "vring-avail");
	vi->used = json_num(q->line, "vring-used");
	vi->num = (uint32_t)json_num(q->line, "vring-num");
	vi->last_avail = (uint16_t)json_num(q->line, "last-avail-idx");
	vi->used_idx = (uint16_t)json_num(q->line, "used-idx");
	return 0;
}

int tr_qmp_alive(struct tr_qmp *q)
{
	struct pollfd p = { .fd = q->fd, .events = POLLIN };
	if (poll(&p, 1, 0) <= 0)
		return 1;
	if (p.revents & (POLLHUP | POLLERR))
		return 0;
	if (q->len == sizeof q->buf)
		q->len = 0;
	ssize_t r = read(q->fd, q->buf + q->len, sizeof q->buf - q->len);
	if (r <= 0)
		return 0;
	q->len += (size_t)r;  /* an event: read and forgotten at the next ask */
	return 1;
}
