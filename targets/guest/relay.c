/*
 * relay.c - lets the guest reach any target: a listener on 127.0.0.1 (the
 * guest's 10.0.2.2 under QEMU user networking) whose every connection is
 * paired with a fresh p9_dial of the target, bytes copied both ways.
 *
 * Owns: the listener, the connection pairs and their buffers.  Everything
 * is non-blocking and driven by the caller's poll loop; a pair ends when
 * either side closes or fails, and then the other side is closed too.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "p9.h"
#include "guest.h"

enum { MAXPAIRS = 16, BUFSZ = 1 << 17, DIAL_MS = 10000 };

struct flow {            /* one direction of a pair */
	uint8_t *buf;
	size_t off, len;
	int eof;             /* the reading side closed or failed */
};

struct pair {
	int gfd;             /* accepted guest connection */
	struct p9_conn *conn;
	struct flow up;      /* guest -> target */
	struct flow down;    /* target -> guest */
};

struct g_relay {
	char target[1024];
	int lfd;
	struct pair *pairs[MAXPAIRS];
	int npairs;
	long conns;
	uint64_t to_target, to_guest;
};

static void nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

struct g_relay *g_relay_new(const char *target, int *port, char *err,
			    size_t errcap)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof sa;
	struct g_relay *r = calloc(1, sizeof *r);
	if (!r || strlen(target) >= sizeof r->target) {
		snprintf(err, errcap, "relay: %s", r ? "target too long" : "out of memory");
		free(r);
		return NULL;
	}
	snprintf(r->target, sizeof r->target, "%s", target);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)*port);
	r->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (r->lfd < 0 || bind(r->lfd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    listen(r->lfd, 8) < 0 ||
	    getsockname(r->lfd, (struct sockaddr *)&sa, &sl) < 0) {
		snprintf(err, errcap, "relay: listen on 127.0.0.1:%d: %s", *port,
			 strerror(errno));
		if (r->lfd >= 0)
			close(r->lfd);
		free(r);
		return NULL;
	}
	*port = ntohs(sa.sin_port);
	return r;
}

static void pair_free(struct pair *p)
{
	close(p->gfd);
	p9_conn_close(p->conn);
	free(p->up.buf);
	free(p->down.buf);
	free(p);
}

void g_relay_free(struct g_relay *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->npairs; i++)
		pair_free(r->pairs[i]);
	close(r->lfd);
	free(r);
}

static void accept_one(struct g_relay *r, FILE *log)
{
	char err[512];
	struct pair *p;
	int one = 1, fd = accept4(r->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	r->conns++;
	if (r->npairs == MAXPAIRS) {
		fprintf(log, "9pguest: relay: too many connections, refusing one\n");
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	p = calloc(1, sizeof *p);
	if (p) {
		p->up.buf = malloc(BUFSZ);
		p->down.buf = malloc(BUFSZ);
	}
	if (!p || !p->up.buf || !p->down.buf) {
		fprintf(log, "9pguest: relay: out of memory\n");
		close(fd);
		if (p) {
			free(p->up.buf);
			free(p->down.buf);
		}
		free(p);
		return;
	}
	p->gfd = fd;
	if (p9_dial(r->target, DIAL_MS, &p->conn, err, sizeof err) < 0) {
		fprintf(log, "9pguest: relay: %s\n", err);
		p->conn = NULL;
		close(fd);
		free(p->up.buf);
		free(p->down.buf);
		free(p);
		return;
	}
	nonblock(p->conn->rfd);
	nonblock(p->conn->wfd);
	r->pairs[r->npairs++] = p;
}

/* Move bytes from fd `from` into f, then from f to fd `to`.  Returns
 * bytes delivered, or -1 when the flow is finished (source closed and
 * drained, or the sink failed). */
static long pump(struct flow *f, int from, int to)
{
	long moved = 0;
	ssize_t n;
	for (;;) {
		if (!f->eof && f->off + f->len < BUFSZ) {
			n = read(from, f->buf + f->off + f->len, BUFSZ - f->off - f->len);
			if (n > 0)
				f->len += (size_t)n;
			else if (n == 0 || (errno != EAGAIN && errno != EINTR))
				f->eof = 1;
		}
		if (!f->len)
			return f->eof ? -1 : moved;
		n = write(to, f->buf + f->off, f->len);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (n <= 0)
			return moved;
		f->off += (size_t)n;
		f->len -= (size_t)n;
		moved += n;
		if (!f->len)
			f->off = 0;
	}
}

int g_relay_pollfds(struct g_relay *r, struct pollfd *p, int cap)
{
	int n = 0;
	if (cap < 1)
		return 0;
	p[n++] = (struct pollfd){ .fd = r->lfd, .events = POLLIN };
	for (int i = 0; i < r->npairs && n + 3 <= cap; i++) {
		struct pair *q = r->pairs[i];
		p[n++] = (struct pollfd){ .fd = q->gfd,
			.events = (short)(POLLIN | (q->down.len ? POLLOUT : 0)) };
		p[n++] = (struct pollfd){ .fd = q->conn->rfd, .events = POLLIN };
		if (q->up.len)
			p[n++] = (struct pollfd){ .fd = q->conn->wfd, .events = POLLOUT };
	}
	return n;
}

int g_relay_service(struct g_relay *r, const struct pollfd *p, int n, FILE *log)
{
	if (n > 0 && p[0].fd == r->lfd && (p[0].revents & POLLIN))
		accept_one(r, log);
	for (int i = 0; i < r->npairs; i++) {
		struct pair *q = r->pairs[i];
		long up = pump(&q->up, q->gfd, q->conn->wfd);
		long down = pump(&q->down, q->conn->rfd, q->gfd);
		if (up > 0)
			r->to_target += (uint64_t)up;
		if (down > 0)
			r->to_guest += (uint64_t)down;
		if (up < 0 || down < 0) {
			pair_free(q);
			r->pairs[i--] = r->pairs[--r->npairs];
		}
	}
	return 0;
}

void g_relay_stats(const struct g_relay *r, long *conns, uint64_t *to_target,
		   uint64_t *to_guest)
{
	*conns = r->conns;
	*to_target = r->to_target;
	*to_guest = r->to_guest;
}
