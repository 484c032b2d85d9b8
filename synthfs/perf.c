/*
 * perf.c - synthfs-perf, the measuring half of bench/synthfs-perf.sh.
 * Sessions are dialled and set up by lib (p9_dial, the client and the file
 * layer); then, on the connection's descriptor made blocking again, it
 * measures with raw reads and writes of pre-encoded requests:
 *   1. Tgetattr round trip, one request in flight, against synthfs, and a
 *      raw ping-pong of the same sizes (19-byte request, 160-byte reply)
 *      against a forked echo process, on the same transport;
 *   2. Tgetattr requests/s with 32 in flight on one connection, synthfs vs
 *      diod (9P2000.L), same workload;
 *   3. sequential Tread of /data/1G at msize 1 MiB over the unix socket.
 * Not a test: it prints figures; bench/synthfs-perf.sh records them.
 *
 * usage: synthfs-perf --unix PATH --tcp HOST:PORT [--diod HOST:PORT
 *                     --diod-aname DIR] [--n N] [--secs S]
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/p9fs.h"

enum { DIAL_MS = 5000, REPLY_MS = 10000, PERF_FSFIDLO = 1000 };

static void die(const char *what)
{
	fprintf(stderr, "synthfs-perf: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* A connection by lib (p9_dial: tcp gets TCP_NODELAY); the raw
 * measurements below then own its descriptor, made blocking again. */
static struct p9_conn *conn_dial(const char *target)
{
	struct p9_conn *c;
	char err[256];
	if (p9_dial(target, DIAL_MS, &c, err, sizeof err) < 0) {
		fprintf(stderr, "synthfs-perf: %s\n", err);
		exit(2);
	}
	return c;
}

static int raw_fd(struct p9_conn *c)
{
	fcntl(c->rfd, F_SETFL, fcntl(c->rfd, F_GETFL) & ~O_NONBLOCK);
	return c->rfd;
}

static void xwrite(int fd, const void *b, size_t n)
{
	while (n) {
		ssize_t w = write(fd, b, n);
		if (w <= 0)
			die("write");
		b = (const char *)b + w;
		n -= (size_t)w;
	}
}

static void xread(int fd, void *b, size_t n)
{
	while (n) {
		ssize_t r = read(fd, b, n);
		if (r <= 0)
			die("read");
		b = (char *)b + r;
		n -= (size_t)r;
	}
}

/* Tversion (1 MiB), Tattach fid 1 (aname), and with wname a walk of fid 2
 * to it and a Tlopen, by lib's client and file layer. */
static struct p9_conn *setup(const char *target, const char *aname, const char *wname)
{
	struct p9_conn *c = conn_dial(target);
	struct p9_client *cl = p9_client_new(c, 1 << 20, P9_DL);
	struct p9_fs fs;
	char err[256];
	if (p9_client_version(cl, 1 << 20, "9P2000.L", REPLY_MS, err, sizeof err) < 0 ||
	    p9_client_attach(cl, 1, "root", aname, 0, REPLY_MS, NULL, err, sizeof err) < 0) {
		fprintf(stderr, "synthfs-perf: %s: %s\n", target, err);
		exit(2);
	}
	p9_fs_init(&fs, cl, REPLY_MS, PERF_FSFIDLO);
	if (wname && (p9_fs_walk_fid(&fs, 1, wname, 2, NULL) ||
		      p9_fs_open(&fs, 2, P9_L_O_RDONLY))) {
		fprintf(stderr, "synthfs-perf: %s: %s\n", target, fs.err);
		exit(2);
	}
	p9_client_free(cl);
	return c;
}

static size_t getattr_req(uint8_t *out, uint16_t tag)
{
	struct p9_msg m = { .type = P9_TGETATTR, .tag = tag, .fid = 1,
			    .request_mask = P9_GETATTR_BASIC };
	return (size_t)p9_encode(&m, P9_DL, out, 64);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

struct lat { double p50, mean; };

/* n round trips of req (reqlen) answered by replen bytes. */
static struct lat pingpong(int fd, const uint8_t *req, size_t reqlen,
			   size_t replen, int n)
{
	uint64_t *t = malloc(sizeof *t * (size_t)n), sum = 0;
	uint8_t rep[4096];
	struct lat l;
	for (int i = 0; i < n / 10; i++) { /* warm up */
		xwrite(fd, req, reqlen);
		xread(fd, rep, replen);
	}
	for (int i = 0; i < n; i++) {
		uint64_t t0 = p9_now_ns();
		xwrite(fd, req, reqlen);
		xread(fd, rep, replen);
		t[i] = p9_now_ns() - t0;
		sum += t[i];
	}
	qsort(t, (size_t)n, sizeof *t, cmp_u64);
	l.p50 = (double)t[n / 2] / 1000.0;
	l.mean = (double)sum / n / 1000.0;
	free(t);
	return l;
}

/* A forked process answering every reqlen bytes with replen bytes. */
static pid_t echo_server(int lfd, size_t reqlen, size_t replen)
{
	pid_t pid = fork();
	if (pid == 0) {
		uint8_t in[4096], out[4096] = { 0 };
		int fd = accept(lfd, NULL, NULL), one = 1;
		if (fd < 0)
			_exit(1);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		p9_put32(out, (uint32_t)replen);
		for (;;) {
			size_t got = 0;
			while (got < reqlen) {
				ssize_t r = read(fd, in + got, reqlen - got);
				if (r <= 0)
					_exit(0);
				got += (size_t)r;
			}
			if (write(fd, out, replen) != (ssize_t)replen)
				_exit(0);
		}
	}
	return pid;
}

static struct lat raw_pingpong(int tcp, size_t reqlen, size_t replen, int n)
{
	int lfd;
	char path[64], target[128];
	struct p9_conn *c;
	struct lat l;
	pid_t pid;
	if (tcp) {
		struct sockaddr_in sa = { .sin_family = AF_INET,
					  .sin_addr.s_addr = htonl(0x7f000001) };
		socklen_t sl = sizeof sa;
		char hp[64];
		lfd = socket(AF_INET, SOCK_STREAM, 0);
		if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
		    listen(lfd, 1) < 0)
			die("echo listen");
		getsockname(lfd, (struct sockaddr *)&sa, &sl);
		pid = echo_server(lfd, reqlen, replen);
		snprintf(hp, sizeof hp, "127.0.0.1:%u", ntohs(sa.sin_port));
		snprintf(target, sizeof target, "tcp:%s", hp);
		c = conn_dial(target);
	} else {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		snprintf(path, sizeof path, "/tmp/synthfs-perf-%d.sock", (int)getpid());
		snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
		unlink(path);
		lfd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
		    listen(lfd, 1) < 0)
			die("echo listen");
		pid = echo_server(lfd, reqlen, replen);
		snprintf(target, sizeof target, "unix:%s", path);
		c = conn_dial(target);
		unlink(path);
	}
	uint8_t req[64] = { 0 };
	getattr_req(req, 1);
	l = pingpong(raw_fd(c), req, reqlen, replen, n);
	p9_conn_close(c);
	close(lfd);
	waitpid(pid, NULL, 0);
	return l;
}

/* Tgetattr with depth requests in flight for secs seconds: requests/s. */
static double pipelined(int fd, int depth, double secs)
{
	static uint8_t in[1 << 16];
	uint8_t reqs[64 * 32], one[64];
	size_t reqlen = getattr_req(one, 1), have = 0, pos;
	uint64_t done = 0, t0, end;
	for (int i = 0; i < depth; i++)
		getattr_req(reqs + (size_t)i * reqlen, (uint16_t)(i + 1));
	xwrite(fd, reqs, reqlen * (size_t)depth);
	t0 = p9_now_ns();
	end = t0 + (uint64_t)(secs * 1e9);
	for (;;) {
		ssize_t r = read(fd, in + have, sizeof in - have);
		size_t nout = 0;
		uint8_t out[64 * 32];
		if (r <= 0)
			die("read");
		have += (size_t)r;
		pos = 0;
		while (have - pos >= 7 && have - pos >= p9_get32(in + pos)) {
			uint16_t tag = p9_get16(in + pos + 5);
			pos += p9_get32(in + pos);
			done++;
			getattr_req(out + nout, tag);
			nout += reqlen;
		}
		memmove(in, in + pos, have - pos);
		have -= pos;
		if (p9_now_ns() >= end)
			break;
		if (nout)
			xwrite(fd, out, nout);
	}
	return (double)done / ((double)(p9_now_ns() - t0) / 1e9);
}

/* Sequential Tread of fid 2 with depth in flight, total bytes: GB/s. */
static double throughput(int fd, uint32_t count, int depth, uint64_t total)
{
	uint64_t off = 0, got = 0, t0 = p9_now_ns();
	int inflight = 0;
	static uint8_t hdr[11];
	uint8_t *data = malloc(count);
	while (got < total) {
		while (inflight < depth) {
			uint8_t req[32];
			struct p9_msg m = { .type = P9_TREAD, .tag = (uint16_t)(inflight + 1),
					    .fid = 2, .offset = off, .count = count };
			long n = p9_encode(&m, P9_DL, req, sizeof req);
			xwrite(fd, req, (size_t)n);
			off = (off + count) % ((1ull << 30) - count);
			inflight++;
		}
		xread(fd, hdr, 11);
		if (hdr[4] != P9_RREAD)
			die("Tread failed");
		uint32_t n = p9_get32(hdr + 7);
		xread(fd, data, n);
		got += n;
		inflight--;
	}
	while (inflight--) {
		xread(fd, hdr, 11);
		xread(fd, data, p9_get32(hdr + 7));
	}
	free(data);
	return (double)got / ((double)(p9_now_ns() - t0));
}

/* 1. Tgetattr round trip against synthfs and a raw ping-pong of the same
 * sizes, over unix and over tcp. */
static void measure_rtt(const char *utarget, const char *ttarget, int n)
{
	uint8_t req[64];
	size_t reqlen = getattr_req(req, 1), replen;
	struct p9_conn *c;

	for (int t = 0; t < 2; t++) {
		struct p9_msg r;
		uint8_t rbuf[4096];
		int len;
		c = setup(t ? ttarget : utarget, "", NULL);
		if (p9_conn_send(c, req, reqlen) < 0 ||
		    (len = p9_conn_recv(c, rbuf, sizeof rbuf, REPLY_MS)) < 0 ||
		    p9_decode(rbuf, (size_t)len, P9_DL, &r, NULL) < 0 || r.type != P9_RGETATTR)
			die("Tgetattr");
		replen = (size_t)len;
		struct lat s = pingpong(raw_fd(c), req, reqlen, replen, n);
		p9_conn_close(c);
		struct lat raw = raw_pingpong(t, reqlen, replen, n);
		printf("getattr-rtt %s: synthfs p50 %.1f us mean %.1f us; raw ping-pong "
		       "(%zu/%zu bytes) p50 %.1f us mean %.1f us; ratio p50 %.2fx mean %.2fx\n",
		       t ? "tcp" : "unix", s.p50, s.mean, reqlen, replen, raw.p50,
		       raw.mean, s.p50 / raw.p50, s.mean / raw.mean);
	}
}

int main(int argc, char **argv)
{
	const char *upath = NULL, *tcp = NULL, *diod = NULL, *daname = "/";
	char utarget[300], ttarget[300], dtarget[300];
	int n = 20000;
	struct p9_conn *c;
	double secs = 2;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			puts("usage: synthfs-perf --unix PATH --tcp HOST:PORT "
			     "[--diod HOST:PORT --diod-aname DIR] [--n N] [--secs S]");
			return 0;
		}
		if (i + 1 >= argc)
			break;
		if (!strcmp(argv[i], "--unix"))
			upath = argv[++i];
		else if (!strcmp(argv[i], "--tcp"))
			tcp = argv[++i];
		else if (!strcmp(argv[i], "--diod"))
			diod = argv[++i];
		else if (!strcmp(argv[i], "--diod-aname"))
			daname = argv[++i];
		else if (!strcmp(argv[i], "--n"))
			n = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--secs"))
			secs = atof(argv[++i]);
	}
	if (!upath || !tcp) {
		fprintf(stderr, "synthfs-perf: --unix and --tcp are required\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(utarget, sizeof utarget, "unix:%s", upath);
	snprintf(ttarget, sizeof ttarget, "tcp:%s", tcp);
	snprintf(dtarget, sizeof dtarget, "tcp:%s", diod ? diod : "");

	/* 1. round trip, one in flight */
	measure_rtt(utarget, ttarget, n);

	/* 2. 32 in flight */
	c = setup(ttarget, "", NULL);
	double sq = pipelined(raw_fd(c), 32, secs);
	p9_conn_close(c);
	printf("getattr-32-inflight tcp: synthfs %.0f req/s\n", sq);
	if (diod) {
		c = setup(dtarget, daname, NULL);
		double dq = pipelined(raw_fd(c), 32, secs);
		p9_conn_close(c);
		printf("getattr-32-inflight tcp: diod %.0f req/s; synthfs/diod %.2fx\n",
		       dq, sq / dq);
	}

	/* 3. /data at msize 1 MiB over unix */
	for (int depth = 1; depth <= 4; depth *= 4) {
		c = setup(utarget, "", "data/1G");
		double gbs = throughput(raw_fd(c), (1 << 20) - 11, depth, 4ull << 30);
		p9_conn_close(c);
		printf("read-data unix msize 1MiB, %d in flight: %.2f GB/s\n", depth, gbs);
	}
	return 0;
}
