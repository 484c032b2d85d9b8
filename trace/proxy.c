/*
 * proxy.c - --proxy LISTEN=TARGET: relay 9P clients to a server and decode
 * both directions (the way to trace unix sockets, which cannot be
 * captured).
 *
 * Owns: the listening socket (unix:PATH or tcp:HOST:PORT), one session per
 * accepted client with its own connection to TARGET (any lib target), the
 * byte relay (bytes are forwarded as read, never held back or changed),
 * and -w: a pcap of what was relayed (framed by pcapw.c), so Wireshark and
 * tshark dissect it as 9P.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "xalloc.h"

enum { MAXSESS = 64, RELAYBUF = 256 << 10 };

struct sess {
	int cfd;                 /* the client */
	struct p9_conn *srv;     /* the server */
	struct tr_conn *conn;    /* decoder state */
	struct tr_pcapw_flow flow; /* TCP framing for -w */
};

struct proxy {
	struct tr *t;
	pcap_dumper_t *dump;
	pcap_t *dead;
	struct sess s[MAXSESS];
	int ns;
	unsigned nsess;
	uint8_t *buf;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- the pcap ---- */

static void pcap_segment(struct proxy *px, struct sess *s, int dir, uint8_t flags,
			 const uint8_t *p, size_t n)
{
	if (px->dump)
		tr_pcapw_segment(px->dump, &s->flow, dir, flags, p, n, now_ns());
}

/* ---- sockets ---- */

static int listen_on(const char *addr, char *err, size_t cap)
{
	int fd;
	if (!strncmp(addr, "unix:", 5)) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		if (strlen(addr + 5) >= sizeof sa.sun_path) {
			snprintf(err, cap, "%s: path too long", addr);
			return -1;
		}
		strcpy(sa.sun_path, addr + 5);
		unlink(sa.sun_path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
		    listen(fd, 16) < 0) {
			snprintf(err, cap, "%s: %s", addr, strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		return fd;
	}
	if (!strncmp(addr, "tcp:", 4)) {
		char host[256];
		const char *colon = strrchr(addr + 4, ':');
		if (!colon || (size_t)(colon - addr - 4) >= sizeof host) {
			snprintf(err, cap, "%s: want tcp:HOST:PORT", addr);
			return -1;
		}
		memcpy(host, addr + 4, (size_t)(colon - addr - 4));
		host[colon - addr - 4] = 0;
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
					  .ai_flags = AI_PASSIVE }, *ai;
		int rc = getaddrinfo(host[0] ? host : "127.0.0.1", colon + 1, &hints, &ai);
		if (rc) {
			snprintf(err, cap, "%s: %s", addr, gai_strerror(rc));
			return -1;
		}
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int one = 1;
		if (fd >= 0)
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 16) < 0) {
			snprintf(err, cap, "%s: %s", addr, strerror(errno));
			if (fd >= 0)
				close(fd);
			freeaddrinfo(ai);
			return -1;
		}
		freeaddrinfo(ai);
		return fd;
	}
	snprintf(err, cap, "%s: want unix:PATH or tcp:HOST:PORT", addr);
	return -1;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			struct pollfd pf = { .fd = fd, .events = POLLOUT };
			if (poll(&pf, 1, 10000) <= 0)
				return -1;
			continue;
		}
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void sess_end(struct proxy *px, int i)
{
	struct sess *s = &px->s[i];
	pcap_segment(px, s, 0, 0x11, NULL, 0); /* FIN|ACK */
	pcap_segment(px, s, 1, 0x11, NULL, 0);
	if (px->dump)
		pcap_dump_flush(px->dump);
	close(s->cfd);
	p9_conn_close(s->srv);
	tr_conn_end(px->t, s->conn);
	px->s[i] = px->s[--px->ns];
}

static void sess_start(struct proxy *px, int cfd, const char *target)
{
	char err[256];
	struct p9_conn *srv;
	if (px->ns == MAXSESS || p9_dial(target, 5000, &srv, err, sizeof err) < 0) {
		fprintf(stderr, "9ptrace: %s\n", px->ns == MAXSESS ? "too many clients" : err);
		close(cfd);
		return;
	}
	struct sess *s = &px->s[px->ns++];
	memset(s, 0, sizeof *s);
	s->cfd = cfd;
	s->srv = srv;
	s->conn = tr_conn_new(px->t);
	tr_pcapw_flow_init(&s->flow, px->nsess++);
	pcap_segment(px, s, 0, 0x02, NULL, 0); /* SYN */
	pcap_segment(px, s, 1, 0x12, NULL, 0); /* SYN|ACK */
	pcap_segment(px, s, 0, 0x10, NULL, 0); /* ACK */
}

/* Relay what is readable on one side; -1 when that side is done. */
static int relay(struct proxy *px, struct sess *s, int from_client)
{
	int rfd = from_client ? s->cfd : s->srv->rfd;
	int wfd = from_client ? s->srv->wfd : s->cfd;
	ssize_t n = read(rfd, px->buf, RELAYBUF);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;
	if (write_all(wfd, px->buf, (size_t)n) < 0)
		return -1;
	pcap_segment(px, s, from_client ? 0 : 1, 0x18, px->buf, (size_t)n); /* PSH|ACK */
	tr_conn_bytes(s->conn, from_client, now_ns(), px->buf, (size_t)n);
	fflush(px->t->out);
	return 0;
}

/* The relay copies bytes between descriptors: a target whose connection
 * has none (qemu:, other registered prefixes) would end every session at
 * once, silently. */
static int stream_target(const char *target)
{
	static const char *const pfx[] = { "unix:", "tcp:", "exec:", "fd:" };
	for (size_t i = 0; i < sizeof pfx / sizeof *pfx; i++)
		if (strncmp(target, pfx[i], strlen(pfx[i])) == 0)
			return 1;
	return 0;
}

/* "proxy listening on ...", with the real port of a tcp:...:0 listener. */
static void announce(int lfd, const char *listen)
{
	char shown[300];
	snprintf(shown, sizeof shown, "%s", listen);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char host[128], port[16];
	if (!strncmp(listen, "tcp:", 4) &&
	    getsockname(lfd, (struct sockaddr *)&ss, &sl) == 0 &&
	    getnameinfo((struct sockaddr *)&ss, sl, host, sizeof host, port, sizeof port,
			NI_NUMERICHOST | NI_NUMERICSERV) == 0)
		snprintf(shown, sizeof shown, "tcp:%s:%s", host, port);
	fprintf(stderr, "9ptrace: proxy listening on %s\n", shown);
}

/* Relay every session and accept new clients until *stop (or, with
 * --once, until the first client is done). */
static void serve(struct proxy *px, int lfd, const struct tr_proxy_opts *po,
		  volatile sig_atomic_t *stop)
{
	int served = 0;
	while (!*stop && !(po->once && served && px->ns == 0)) {
		struct pollfd pf[1 + 2 * MAXSESS];
		pf[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (int i = 0; i < px->ns; i++) {
			pf[1 + 2 * i] = (struct pollfd){ .fd = px->s[i].cfd, .events = POLLIN };
			pf[2 + 2 * i] = (struct pollfd){ .fd = px->s[i].srv->rfd, .events = POLLIN };
		}
		int nfds = 1 + 2 * px->ns;
		if (poll(pf, (nfds_t)nfds, 200) <= 0)
			continue;
		for (int i = px->ns - 1; i >= 0; i--) {
			int done = 0;
			if (pf[2 + 2 * i].revents & (POLLIN | POLLHUP | POLLERR))
				done |= relay(px, &px->s[i], 0) < 0;
			if (!done && (pf[1 + 2 * i].revents & (POLLIN | POLLHUP | POLLERR)))
				done |= relay(px, &px->s[i], 1) < 0;
			if (done)
				sess_end(px, i);
		}
		if ((pf[0].revents & POLLIN) && !(po->once && served)) {
			int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (cfd >= 0) {
				sess_start(px, cfd, po->target);
				served = 1;
			}
		}
	}
}

int tr_proxy(struct tr *t, const struct tr_proxy_opts *po, volatile sig_atomic_t *stop)
{
	char err[512];
	struct proxy px = { .t = t };
	int lfd = listen_on(po->listen, err, sizeof err);
	if (lfd < 0) {
		fprintf(stderr, "9ptrace: %s\n", err);
		return 2;
	}
	if (p9_target_check(po->target, err, sizeof err) < 0) {
		fprintf(stderr, "9ptrace: %s\n", err);
		close(lfd);
		return 2;
	}
	if (!stream_target(po->target)) {
		fprintf(stderr, "9ptrace: --proxy relays a byte stream and %s has none "
			"(use unix:, tcp:, exec: or fd:; for QEMU see --qemu-log)\n", po->target);
		close(lfd);
		return 2;
	}
	px.buf = xmalloc(RELAYBUF);
	if (po->wfile) {
		px.dump = tr_pcapw_open(po->wfile, &px.dead, err, sizeof err);
		if (!px.dump) {
			fprintf(stderr, "9ptrace: %s\n", err);
			close(lfd);
			return 2;
		}
	}
	announce(lfd, po->listen);
	serve(&px, lfd, po, stop);
	while (px.ns)
		sess_end(&px, px.ns - 1);
	close(lfd);
	if (!strncmp(po->listen, "unix:", 5))
		unlink(po->listen + 5);
	tr_pcapw_close(px.dump, px.dead);
	free(px.buf);
	return 0;
}
