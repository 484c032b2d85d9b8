/*
 * loop.c - synthfs's event loop and worker pool.
 *
 * The main thread runs epoll over listeners, connections, an eventfd the
 * workers signal and a signalfd (SIGTERM/SIGINT).  It reads and frames
 * requests, and either handles them inline (replies are encoded straight
 * into the connection's output buffer) or hands them to the workers: with
 * --hops N a request goes main -> worker -> main N times (the operation
 * runs on the first pass), as QEMU's coroutines do.  Replies are written by
 * the main thread only.  Messages larger than the negotiated msize get an
 * EMSGSIZE error and the connection stays usable; a size field below 7 or
 * above 16 MiB closes the connection (the stream cannot be resynchronised).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "synthfs/server.h"

enum { EV_LISTEN = 1, EV_CONNR, EV_CONNW, EV_WAKE, EV_SIG };
enum { OUT_PAUSE = 8 << 20, READ_CHUNK = 256 << 10 };

struct sfs_listener {
	int kind;                 /* EV_LISTEN: first, like every epoll cookie */
	int fd;
	int tcp;
	char *path;               /* unix: unlinked on exit */
	struct sfs_listener *next;
};

static int wake_kind = EV_WAKE, sig_kind = EV_SIG;

static void set_events(struct sfs_conn *c)
{
	struct epoll_event ev = { 0 };
	int in = !c->paused && !c->dead, out = c->want_out;
	if (c->rfd < 0)
		return; /* in memory: nothing to poll */
	if (c->rfd == c->wfd) {
		ev.events = (in ? EPOLLIN : 0) | (out ? EPOLLOUT : 0);
		ev.data.ptr = &c->rev;
		epoll_ctl(c->s->epfd, EPOLL_CTL_MOD, c->rfd, &ev);
		return;
	}
	ev.events = in ? EPOLLIN : 0;
	ev.data.ptr = &c->rev;
	epoll_ctl(c->s->epfd, EPOLL_CTL_MOD, c->rfd, &ev);
	ev.events = out ? EPOLLOUT : 0;
	ev.data.ptr = &c->wev;
	epoll_ctl(c->s->epfd, EPOLL_CTL_MOD, c->wfd, &ev);
}

static void conn_close(struct sfs_conn *c);
static void process(struct sfs_conn *c);

/* Write what is queued; 0, or -1 if the connection was closed. */
static int conn_flush(struct sfs_conn *c)
{
	int was = c->want_out;
	if (c->wfd < 0)
		return 0; /* in memory: the owner takes the output */
	while (c->woff < c->wlen) {
		ssize_t n = write(c->wfd, c->wbuf + c->woff, c->wlen - c->woff);
		if (n > 0) {
			c->woff += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			c->want_out = 1;
			if (!was)
				set_events(c);
			return 0;
		}
		conn_close(c);
		return -1;
	}
	c->woff = c->wlen = 0;
	c->want_out = 0;
	if (c->paused) {
		c->paused = 0;
		set_events(c);
		process(c);
		return c->dead ? -1 : conn_flush(c);
	}
	if (was)
		set_events(c);
	return 0;
}

/* ---- requests ---- */

/* Append r to the queue head..tail (the work or the done queue; under
 * qlock). */
static void enqueue(struct sfs_req **head, struct sfs_req **tail,
		    struct sfs_req *r)
{
	r->qnext = NULL;
	if (*tail)
		(*tail)->qnext = r;
	else
		*head = r;
	*tail = r;
}

static void queue_work(struct sfs_server *s, struct sfs_req *r)
{
	pthread_mutex_lock(&s->qlock);
	enqueue(&s->work, &s->worktail, r);
	pthread_cond_signal(&s->qcond);
	pthread_mutex_unlock(&s->qlock);
}

/* A worker runs request r's handler (under the tree lock), once. */
static void execute(struct sfs_server *s, struct sfs_req *r)
{
	pthread_mutex_lock(&s->lock);
	if (!r->c->dead) {
		size_t cap = sfs_reply_cap(r->c);
		int park = 0;
		if ((r->reply = malloc(cap)))
			r->rlen = sfs_handle(r->c, r->tmsg, r->tlen, r->reply,
					     cap, &park);
		r->parked_block = (uint8_t)park;
		if (s->rdhops_entry)
			r->hops += (int)r->c->dirents;
	}
	pthread_mutex_unlock(&s->lock);
	r->executed = 1;
}

static void *worker(void *arg)
{
	struct sfs_server *s = arg;
	uint64_t one = 1;
	for (;;) {
		struct sfs_req *r;
		pthread_mutex_lock(&s->qlock);
		while (!s->work && !s->stop)
			pthread_cond_wait(&s->qcond, &s->qlock);
		if (s->stop) {
			pthread_mutex_unlock(&s->qlock);
			return NULL;
		}
		r = s->work;
		s->work = r->qnext;
		if (!s->work)
			s->worktail = NULL;
		pthread_mutex_unlock(&s->qlock);

		if (!r->executed)
			execute(s, r);
		r->hops--;
		pthread_mutex_lock(&s->qlock);
		enqueue(&s->done, &s->donetail, r);
		pthread_mutex_unlock(&s->qlock);
		if (write(s->evfd, &one, sizeof one) < 0) {
			/* the counter cannot overflow in practice */
		}
	}
}

static void conn_free(struct sfs_conn *c)
{
	struct sfs_server *s = c->s;
	if (s) { /* freed after the current epoll batch (free_zombies) */
		c->znext = s->zombies;
		s->zombies = c;
		return;
	}
	sfs_fidtab_free(&c->fids);
	free(c->rbuf);
	free(c->wbuf);
	free(c);
}

static void free_zombies(struct sfs_server *s)
{
	while (s->zombies) {
		struct sfs_conn *c = s->zombies;
		s->zombies = c->znext;
		c->s = NULL;
		conn_free(c);
	}
}

/* Requests back from the workers (main thread). */
static void drain_done(struct sfs_server *s)
{
	struct sfs_req *r, *nx;
	uint64_t v;
	if (read(s->evfd, &v, sizeof v) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&s->qlock);
	r = s->done;
	s->done = s->donetail = NULL;
	pthread_mutex_unlock(&s->qlock);
	pthread_mutex_lock(&s->lock);
	for (; r; r = nx) {
		struct sfs_conn *c = r->c;
		nx = r->qnext;
		s->nhops++;
		if (c->dead) {
			sfs_req_unlink(r);
			sfs_req_free(r);
			if (--c->nasync == 0)
				conn_free(c);
			continue;
		}
		if (r->hops > 0) {
			queue_work(s, r);
			continue;
		}
		c->nasync--;
		r->state = REQ_MAIN;
		sfs_req_done(r);
		conn_flush(c);
	}
	pthread_mutex_unlock(&s->lock);
}

/* A short --delay is spent here, on the event loop, as a slower server
 * would spend it on its CPU: parking the reply costs about 1-2 us more
 * (a copy, a list, a loop turn), too much for a 1 us delay. */
static void spin_for(uint64_t ns)
{
	int64_t end = sfs_mono_ns() + (int64_t)ns;
	while (sfs_mono_ns() < end)
		;
}

/* One whole request at p (len bytes). */
static void handle_msg(struct sfs_conn *c, const uint8_t *p, size_t len)
{
	struct sfs_server *s = c->s;
	uint8_t type = p[4];
	uint16_t tag = p9_get16(p + 5);
	int park = 0;
	struct sfs_req *r;

	if (type == P9_TVERSION)
		sfs_abort_conn(c); /* version(5): outstanding requests are aborted */
	c->nmsgs++;
	c->ntags++;
	if (s->verbose)
		sfs_log(c, "<-", p, len);
	if (len > c->msize && !SFS_BUG(s, BUG_MSIZE_NOT_ENFORCED)) {
		sfs_send_error(c, tag, EMSGSIZE);
		return;
	}
	if (type == P9_TFLUSH && c->dialect) {
		sfs_tflush(c, p, len);
		return;
	}
	if (s->trips > 0 && type != P9_TVERSION) {
		if ((r = sfs_req_for_worker(c, p, len)))
			queue_work(s, r);
		return;
	}
	size_t cap = sfs_reply_cap(c);
	uint8_t *out = sfs_reserve(c, cap);
	if (!out) {
		conn_close(c);
		return;
	}
	size_t n = sfs_handle(c, p, len, out, cap, &park);
	if (!park && s->delay_ns[type] && s->delay_ns[type] <= SFS_DELAY_INLINE_US * 1000)
		spin_for(s->delay_ns[type]);
	else if (park || s->delay_ns[type]) {
		sfs_req_defer(c, p, out, n, park); /* answered later */
		return;
	}
	c->wlen += n;
	if (s->verbose)
		sfs_log(c, "->", out, n);
	sfs_tag_done(c);
}

/* An input buffer of at least cap bytes; without memory the connection
 * closes (-1). */
static int rbuf_reserve(struct sfs_conn *c, size_t cap)
{
	uint8_t *p;
	if (cap <= c->rcap)
		return 0;
	if (!(p = realloc(c->rbuf, cap))) {
		conn_close(c);
		return -1;
	}
	c->rbuf = p;
	c->rcap = cap;
	return 0;
}

/* Handle every complete request in the input buffer. */
static void process(struct sfs_conn *c)
{
	size_t off = 0;
	while (!c->dead && c->rlen - off >= 4) {
		uint32_t size = p9_get32(c->rbuf + off);
		if (size < P9_HDRSZ || size > P9_MAXMSIZE + 64) {
			if (c->s->verbose)
				fprintf(stderr, "synthfs: %d: bad size %u, closing\n",
					c->id, size);
			conn_close(c);
			return;
		}
		if (c->rlen - off < size) {
			if (rbuf_reserve(c, size) < 0)
				return;
			break;
		}
		if (c->wlen - c->woff > OUT_PAUSE) {
			c->paused = 1;
			set_events(c);
			break;
		}
		handle_msg(c, c->rbuf + off, size);
		off += size;
	}
	if (c->dead)
		return;
	if (off) {
		memmove(c->rbuf, c->rbuf + off, c->rlen - off);
		c->rlen -= off;
	}
}

static void conn_readable(struct sfs_conn *c)
{
	ssize_t n;
	if (c->rcap - c->rlen < READ_CHUNK / 4 &&
	    rbuf_reserve(c, c->rlen + READ_CHUNK) < 0)
		return;
	n = read(c->rfd, c->rbuf + c->rlen, c->rcap - c->rlen);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(c);
		return;
	}
	c->rlen += (size_t)n;
	process(c);
	if (!c->dead)
		conn_flush(c);
}

/* ---- connections ---- */

static struct sfs_conn *conn_new(struct sfs_server *s, int rfd, int wfd)
{
	struct sfs_conn *c = calloc(1, sizeof *c);
	struct epoll_event ev = { .events = EPOLLIN };
	if (!c)
		return NULL;
	c->s = s;
	c->rfd = rfd;
	c->wfd = wfd;
	c->id = ++s->nextconn;
	c->msize = s->msize;
	c->rev.kind = EV_CONNR;
	c->rev.c = c;
	c->wev.kind = EV_CONNW;
	c->wev.c = c;
	sfs_fidtab_init(&c->fids, &s->allfids);
	c->fids.max = s->max_fids;
	c->fids.maxtotal = s->max_allfids;
	if (rfd < 0)
		goto linked; /* in memory (sfs_add_mem) */
	fcntl(rfd, F_SETFL, fcntl(rfd, F_GETFL) | O_NONBLOCK);
	fcntl(wfd, F_SETFL, fcntl(wfd, F_GETFL) | O_NONBLOCK);
	ev.data.ptr = &c->rev;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, rfd, &ev) < 0) {
		free(c);
		return NULL;
	}
	if (wfd != rfd) {
		ev.events = 0;
		ev.data.ptr = &c->wev;
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, wfd, &ev) < 0) {
			epoll_ctl(s->epfd, EPOLL_CTL_DEL, rfd, NULL);
			free(c);
			return NULL;
		}
	}
linked:
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;
	return c;
}

static void conn_close(struct sfs_conn *c)
{
	struct sfs_server *s = c->s;
	if (c->dead)
		return;
	c->dead = 1;
	if (c->rfd >= 0) {
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->rfd, NULL);
		if (c->wfd != c->rfd)
			epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->wfd, NULL);
		close(c->rfd);
		if (c->wfd != c->rfd)
			close(c->wfd);
	}
	sfs_unpark_conn(c);
	sfs_conn_reset(c);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nconns--;
	if (c == s->stdio_conn && !s->listeners)
		s->stop = 1; /* --stdio alone: one connection, then exit */
	if (c->nasync == 0)
		conn_free(c);
}

int sfs_add_fds(struct sfs_server *s, int rfd, int wfd)
{
	struct sfs_conn *c;
	pthread_mutex_lock(&s->lock);
	c = conn_new(s, rfd, wfd);
	pthread_mutex_unlock(&s->lock);
	return c ? 0 : -EINVAL;
}

/* ---- connections in memory (fuzzing, tests) ---- */

struct sfs_conn *sfs_add_mem(struct sfs_server *s)
{
	return conn_new(s, -1, -1);
}

void sfs_mem_output(struct sfs_conn *c, sfs_out_fn out, void *arg)
{
	if (c->wlen > c->woff)
		out(arg, c->wbuf + c->woff, c->wlen - c->woff);
	c->woff = c->wlen = 0;
}

int sfs_mem_input(struct sfs_conn *c, const uint8_t *p, size_t n,
		  sfs_out_fn out, void *arg)
{
	if (c->dead)
		return -1;
	if (c->rcap - c->rlen < n) {
		uint8_t *b = realloc(c->rbuf, c->rlen + n);
		if (!b) {
			conn_close(c);
			return -1;
		}
		c->rbuf = b;
		c->rcap = c->rlen + n;
	}
	memcpy(c->rbuf + c->rlen, p, n);
	c->rlen += n;
	for (;;) {
		process(c);
		sfs_mem_output(c, out, arg);
		if (c->dead || !c->paused)
			break;
		c->paused = 0; /* the output was taken: read on */
	}
	return c->dead ? -1 : 0;
}

void sfs_mem_close(struct sfs_conn *c)
{
	conn_close(c);
}

void sfs_stop(struct sfs_server *s)
{
	uint64_t one = 1;
	pthread_mutex_lock(&s->qlock);
	s->stop = 1;
	pthread_mutex_unlock(&s->qlock);
	if (write(s->evfd, &one, sizeof one) < 0) {
		/* the loop also wakes at its next timeout */
	}
}

int sfs_add_stdio(struct sfs_server *s)
{
	int in = dup(0), out = dup(1);
	if (in < 0 || out < 0)
		return -errno;
	/* keep fds 0 and 1 open on /dev/null so nothing else lands there */
	int nul = open("/dev/null", O_RDWR);
	if (nul >= 0) {
		dup2(nul, 0);
		dup2(nul, 1);
		if (nul > 1)
			close(nul);
	}
	struct sfs_conn *c = conn_new(s, in, out);
	if (!c)
		return -EINVAL;
	s->stdio_conn = c;
	return 0;
}

/* ---- listeners ---- */

static int listen_unix(const char *path, char *err, size_t cap)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;
	if (strlen(path) >= sizeof sa.sun_path) {
		snprintf(err, cap, "unix:%s: path too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    listen(fd, 128) < 0) {
		int e = errno;
		snprintf(err, cap, "unix:%s: %s", path, strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	return fd;
}

static int listen_tcp(const char *hp, char *desc, size_t dcap, char *err,
		      size_t cap)
{
	char host[256];
	const char *colon = strrchr(hp, ':');
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE }, *ai;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int fd, one = 1, rc;
	char h[NI_MAXHOST], p[NI_MAXSERV];
	if (!colon) {
		snprintf(err, cap, "tcp:%s: expected tcp:HOST:PORT", hp);
		return -EINVAL;
	}
	snprintf(host, sizeof host, "%.*s", (int)(colon - hp), hp);
	if (host[0] == '[') { /* [::1] */
		memmove(host, host + 1, strlen(host));
		host[strcspn(host, "]")] = 0;
	}
	if ((rc = getaddrinfo(host[0] ? host : "127.0.0.1", colon + 1, &hints, &ai))) {
		snprintf(err, cap, "tcp:%s: %s", hp, gai_strerror(rc));
		return -EINVAL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
	    listen(fd, 128) < 0) {
		int e = errno;
		snprintf(err, cap, "tcp:%s: %s", hp, strerror(e));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -e;
	}
	freeaddrinfo(ai);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	getnameinfo((struct sockaddr *)&ss, sl, h, sizeof h, p, sizeof p,
		    NI_NUMERICHOST | NI_NUMERICSERV);
	snprintf(desc, dcap, strchr(h, ':') ? "tcp:[%s]:%s" : "tcp:%s:%s", h, p);
	return fd;
}

int sfs_listen(struct sfs_server *s, const char *addr, char *desc, size_t dcap,
	       char *err, size_t cap)
{
	struct sfs_listener *l;
	struct epoll_event ev = { .events = EPOLLIN };
	int fd, tcp = 0;
	if (strncmp(addr, "unix:", 5) == 0) {
		fd = listen_unix(addr + 5, err, cap);
		snprintf(desc, dcap, "%s", addr);
	} else if (strncmp(addr, "tcp:", 4) == 0) {
		fd = listen_tcp(addr + 4, desc, dcap, err, cap);
		tcp = 1;
	} else {
		snprintf(err, cap, "%s: expected unix:PATH or tcp:HOST:PORT", addr);
		return -EINVAL;
	}
	if (fd < 0)
		return fd;
	if (!(l = calloc(1, sizeof *l))) {
		close(fd);
		return -ENOMEM;
	}
	l->kind = EV_LISTEN;
	l->fd = fd;
	l->tcp = tcp;
	l->path = tcp ? NULL : strdup(addr + 5);
	l->next = s->listeners;
	s->listeners = l;
	ev.data.ptr = l;
	epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev);
	return 0;
}

static void do_accept(struct sfs_server *s, struct sfs_listener *l)
{
	for (;;) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		int one = 1;
		if (fd < 0)
			return;
		if (l->tcp)
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (!conn_new(s, fd, fd))
			close(fd);
	}
}

/* ---- setup, run, teardown ---- */

int sfs_server_init(struct sfs_server *s)
{
	sigset_t set;
	struct epoll_event ev = { .events = EPOLLIN };
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->qlock, NULL);
	pthread_cond_init(&s->qcond, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	s->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->epfd < 0 || s->evfd < 0 || s->sigfd < 0)
		return -errno;
	ev.data.ptr = &wake_kind;
	epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->evfd, &ev);
	ev.data.ptr = &sig_kind;
	epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->sigfd, &ev);
	return 0;
}

int sfs_server_init_mem(struct sfs_server *s)
{
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->qlock, NULL);
	pthread_cond_init(&s->qcond, NULL);
	s->epfd = s->evfd = s->sigfd = -1;
	return 0;
}

/* epoll with a nanosecond timeout (-1: none), so a --delay of 200 us is
 * not rounded up to epoll_wait's whole milliseconds; epoll_wait where the
 * kernel (or valgrind) lacks epoll_pwait2. */
static int wait_events(struct sfs_server *s, struct epoll_event *evs, int max,
		       int64_t timeout_ns)
{
	if (!s->no_pwait2) {
		struct timespec ts = { (time_t)(timeout_ns / 1000000000),
				       (long)(timeout_ns % 1000000000) };
		int n = epoll_pwait2(s->epfd, evs, max, timeout_ns < 0 ? NULL : &ts,
				     NULL);
		if (n >= 0 || errno != ENOSYS)
			return n;
		s->no_pwait2 = 1;
	}
	if (timeout_ns < 0)
		return epoll_wait(s->epfd, evs, max, -1);
	if (timeout_ns > (int64_t)INT_MAX * 1000000)
		timeout_ns = (int64_t)INT_MAX * 1000000;
	return epoll_wait(s->epfd, evs, max, (int)((timeout_ns + 999999) / 1000000));
}

int sfs_run(struct sfs_server *s)
{
	struct epoll_event evs[64];
	int nw = s->trips > 0 ? (s->nworkers > 0 ? s->nworkers : 2) : 0;
	if (nw && !(s->workers = calloc((size_t)nw, sizeof *s->workers)))
		return -ENOMEM;
	for (int i = 0; i < nw; i++)
		if (pthread_create(&s->workers[i], NULL, worker, s) == 0)
			s->nworkers_started++;
	while (!s->stop) {
		int64_t timeout;
		int n;
		pthread_mutex_lock(&s->lock);
		free_zombies(s);
		timeout = sfs_expire(s);
		for (struct sfs_conn *c = s->conns, *nx; c; c = nx) {
			nx = c->next;
			if (c->wlen > c->woff && !c->want_out)
				conn_flush(c);
		}
		pthread_mutex_unlock(&s->lock);
		/* the last delay_spin_ns of a --delay are polled, not slept */
		if (timeout >= 0)
			timeout = timeout > s->delay_spin_ns ? timeout - s->delay_spin_ns : 0;
		n = wait_events(s, evs, 64, timeout);
		if (n < 0 && errno != EINTR)
			return -errno;
		for (int i = 0; i < n && !s->stop; i++) {
			int kind = *(int *)evs[i].data.ptr;
			if (kind == EV_WAKE) {
				drain_done(s);
				continue;
			}
			if (kind == EV_SIG) {
				s->stop = 1;
				break;
			}
			pthread_mutex_lock(&s->lock);
			if (kind == EV_LISTEN) {
				do_accept(s, evs[i].data.ptr);
			} else {
				struct sfs_conn *c = ((struct sfs_ev *)evs[i].data.ptr)->c;
				if (!c->dead && (evs[i].events & (EPOLLOUT)) &&
				    c->want_out)
					conn_flush(c);
				if (!c->dead && kind == EV_CONNR &&
				    (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
					conn_readable(c);
			}
			pthread_mutex_unlock(&s->lock);
		}
	}
	return 0;
}

void sfs_server_fini(struct sfs_server *s)
{
	struct sfs_listener *l, *nl;
	struct sfs_req *r, *nr;
	pthread_mutex_lock(&s->qlock);
	s->stop = 1;
	pthread_cond_broadcast(&s->qcond);
	pthread_mutex_unlock(&s->qlock);
	for (int i = 0; i < s->nworkers_started; i++)
		pthread_join(s->workers[i], NULL);
	free(s->workers);
	/* requests still queued belong to live or dead connections */
	for (int pass = 0; pass < 2; pass++) {
		r = pass ? s->done : s->work;
		for (; r; r = nr) {
			nr = r->qnext;
			r->c->nasync--;
			sfs_req_unlink(r);
			if (r->c->dead && r->c->nasync == 0)
				conn_free(r->c);
			sfs_req_free(r);
		}
	}
	s->work = s->done = NULL;
	while (s->conns) {
		struct sfs_conn *c = s->conns;
		/* requests of c left on the in-flight list are parked ones */
		conn_close(c);
	}
	for (l = s->listeners; l; l = nl) {
		nl = l->next;
		close(l->fd);
		if (l->path)
			unlink(l->path);
		free(l->path);
		free(l);
	}
	s->listeners = NULL;
	free_zombies(s);
	if (s->epfd >= 0) /* sfs_server_init_mem: no descriptors */
		close(s->epfd);
	if (s->evfd >= 0)
		close(s->evfd);
	if (s->sigfd >= 0)
		close(s->sigfd);
}
