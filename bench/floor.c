/*
 * floor.c - `9pbench floor`: the physical floor of this machine.  A raw
 * ping-pong of 9P-sized messages with an echoing child process over a unix
 * socket, loopback TCP and a socketpair, and a two-thread wake-up round
 * trip over eventfds: the cost of one main->worker->main hop pair, which
 * `hops` compares its fitted slope against.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

static const size_t floor_sizes[] = {64, 4096, 65536};

/* Move exactly n bytes, waiting at most 5 s for each step. */
static int io_all(int fd, uint8_t *buf, size_t n, int writing)
{
	size_t done = 0;
	while (done < n) {
		struct pollfd p = {fd, writing ? POLLOUT : POLLIN, 0};
		ssize_t k;
		if (poll(&p, 1, 5000) <= 0)
			return -ETIMEDOUT;
		k = writing ? write(fd, buf + done, n - done) : read(fd, buf + done, n - done);
		if (k == 0)
			return -ECONNRESET;
		if (k < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		done += (size_t)k;
	}
	return 0;
}

/* The echo child: read a 4-byte length, then echo that many bytes. */
static void echo_loop(int fd)
{
	static uint8_t buf[65536 + 4];
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;) {
		uint32_t n;
		if (io_all(fd, buf, 4, 0))
			_exit(0);
		n = p9_get32(buf);
		if (n < 4 || n > sizeof buf || io_all(fd, buf + 4, n - 4, 0) ||
		    io_all(fd, buf, n, 1))
			_exit(0);
	}
}

static int tcp_pair(int *cfd, int *sfd)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof sa;
	int one = 1, l = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof sa) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&sa, &len))
		goto fail;
	if ((*cfd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    connect(*cfd, (struct sockaddr *)&sa, sizeof sa) ||
	    (*sfd = accept(l, NULL, NULL)) < 0)
		goto fail;
	setsockopt(*cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(*sfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	close(l);
	return 0;
fail:
	if (l >= 0)
		close(l);
	return -errno;
}

static int unix_pair(int *cfd, int *sfd)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof sa.sun_path, "/tmp/9pbench-floor.%d", (int)getpid());
	unlink(sa.sun_path);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof sa) || listen(l, 1))
		goto fail;
	if ((*cfd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    connect(*cfd, (struct sockaddr *)&sa, sizeof sa) ||
	    (*sfd = accept(l, NULL, NULL)) < 0)
		goto fail;
	close(l);
	unlink(sa.sun_path);
	return 0;
fail:
	if (l >= 0)
		close(l);
	unlink(sa.sun_path);
	return -errno;
}

static int sock_pair(int *cfd, int *sfd)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -errno;
	*cfd = sv[0];
	*sfd = sv[1];
	return 0;
}

/* Ping-pong `count` messages of each size with an echo child. */
static int pingpong(const struct bench_opts *o, const char *name,
		    int (*pair)(int *, int *), struct bench_result *r)
{
	int cfd = -1, sfd = -1, rc, status;
	pid_t pid;
	static uint8_t buf[65536];
	if ((rc = pair(&cfd, &sfd)))
		return rc;
	if ((pid = fork()) < 0)
		return -errno;
	if (pid == 0) {
		close(cfd);
		echo_loop(sfd);
	}
	close(sfd);
	memset(buf, 0x5a, sizeof buf);
	for (size_t s = 0; s < sizeof floor_sizes / sizeof *floor_sizes && !rc; s++) {
		size_t n = floor_sizes[s];
		char mname[96];
		struct bench_metric *m;
		snprintf(mname, sizeof mname, "floor/%s/%zu", name, n);
		if (!(m = bench_metric_add(r, mname, "floor", name, (double)n, "ns", 1, 1)))
			rc = -ENOMEM;
		p9_put32(buf, (uint32_t)n);
		for (uint64_t i = 0; !rc && i < o->warmup + o->count; i++) {
			uint64_t t0 = p9_now_ns();
			if ((rc = io_all(cfd, buf, n, 1)) || (rc = io_all(cfd, buf, n, 0)))
				break;
			if (i >= o->warmup)
				bench_metric_sample(r, m, (double)(p9_now_ns() - t0));
		}
	}
	close(cfd);
	waitpid(pid, &status, 0);
	return rc;
}

struct hop_arg {
	int to_worker, to_main;
	uint64_t n;
};

static void *hop_worker(void *p)
{
	struct hop_arg *a = p;
	uint64_t v;
	for (uint64_t i = 0; i < a->n; i++) {
		if (read(a->to_worker, &v, sizeof v) != sizeof v)
			break;
		if (write(a->to_main, &v, sizeof v) != sizeof v)
			break;
	}
	return NULL;
}

/* Run the eventfd round trip; samples (ns) go to m if given. */
static double hop_pairs(uint64_t warmup, uint64_t n, struct bench_result *r,
			struct bench_metric *m)
{
	struct hop_arg a = {eventfd(0, 0), eventfd(0, 0), warmup + n};
	pthread_t t;
	uint64_t v = 1, total = 0, done = 0;
	if (a.to_worker < 0 || a.to_main < 0 || pthread_create(&t, NULL, hop_worker, &a))
		return -1;
	for (uint64_t i = 0; i < warmup + n; i++) {
		uint64_t t0 = p9_now_ns(), dt;
		if (write(a.to_worker, &v, sizeof v) != sizeof v ||
		    read(a.to_main, &v, sizeof v) != sizeof v)
			break;
		v = 1;
		dt = p9_now_ns() - t0;
		if (i >= warmup) {
			total += dt;
			done++;
			if (m)
				bench_metric_sample(r, m, (double)dt);
		}
	}
	pthread_join(t, NULL);
	close(a.to_worker);
	close(a.to_main);
	return done ? (double)total / (double)done : -1;
}

double bench_floor_hop_pair(uint64_t n)
{
	return hop_pairs(n / 10, n, NULL, NULL);
}

int bench_floor(const struct bench_opts *o, struct bench_result *r)
{
	struct bench_metric *m;
	int rc;
	if ((rc = pingpong(o, "unix", unix_pair, r)) ||
	    (rc = pingpong(o, "tcp", tcp_pair, r)) ||
	    (rc = pingpong(o, "socketpair", sock_pair, r)))
		return rc;
	if (!(m = bench_metric_add(r, "floor/hop-pair", "floor", "eventfd", 0, "ns", 1, 1)))
		return -ENOMEM;
	if (hop_pairs(o->warmup, o->count, r, m) < 0)
		return -EIO;
	return 0;
}

/* Median round trip of `size`-byte messages over one transport kind
 * ("unix", "tcp", "socketpair"); negative if unknown or failed. */
double bench_floor_quick(const char *kind, size_t size, uint64_t count)
{
	struct bench_opts o;
	struct bench_result r;
	struct bench_metric *m;
	char name[96];
	double v = -1;
	int (*pair)(int *, int *) = !strcmp(kind, "unix") ? unix_pair
				  : !strcmp(kind, "tcp") ? tcp_pair
				  : !strcmp(kind, "socketpair") ? sock_pair : NULL;
	if (!pair)
		return -1;
	bench_opts_default(&o);
	o.count = count;
	o.warmup = count / 10;
	bench_result_init(&r, "floor");
	if (!pingpong(&o, kind, pair, &r)) {
		snprintf(name, sizeof name, "floor/%s/%zu", kind, size);
		if ((m = bench_metric_find(&r, name)))
			v = bench_metric_value(m);
	}
	bench_result_free(&r);
	return v;
}
