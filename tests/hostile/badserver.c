/*
 * badserver.c - bin/9pbadserver: a 9P server that misbehaves on purpose, for
 * tests/integration/71-suite-badserver.sh.  It answers Tversion correctly
 * and Tattach (so a client gets past the handshake) and then, depending on the mode,
 * never answers, answers with the wrong tag, answers twice, closes in the
 * middle of a reply, sends garbage, exits after N messages, sends part of
 * a reply and stalls, or refuses every Tattach; or it answers every error
 * as Rerror with Rlerror's body (nfs-ganesha 4.3), serves a directory whose
 * listing never ends, or breaks a rule of Rversion (--rversion FAULT, with
 * any mode).  One thread, poll() over every connection.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/p9.h"

enum mode { M_NONE, M_NEVER, M_WRONGTAG, M_TWICE, M_CLOSEMID, M_GARBAGE,
	    M_STALL, M_REFUSEATTACH, M_RERROR, M_READDIR_LOOP, M_PLAIN, M_STUBFS };
/* --rversion FAULT: how the Rversion breaks version(5) */
enum rvfault { RV_NONE, RV_MSIZE_GROW, RV_TAG, RV_TRAILING };

static const char usage[] =
"usage: 9pbadserver --listen unix:PATH MODE\n"
"MODE is one of:\n"
"  --never-answer       read requests, never reply (Tversion, Tattach excepted)\n"
"  --wrong-tag          reply Rlerror with the request's tag + 1\n"
"  --answer-twice       reply twice per request: Rwalk (a directory qid per\n"
"                       name) to Twalk, Rclunk to Tclunk, Rlerror(EOPNOTSUPP)\n"
"                       to the rest\n"
"  --close-mid-message  send 5 bytes of a reply, then close\n"
"  --garbage            reply with 64 random bytes\n"
"  --die-after N        answer Rlerror(EOPNOTSUPP) to N messages, then exit\n"
"  --stall-partial      send 5 bytes of a reply, then nothing, never closing\n"
"  --refuse-attach      answer Tattach with Rlerror(EACCES), the rest Rlerror\n"
"                       (EOPNOTSUPP): a mount fails after a good Tversion\n"
"  --rerror-for-rlerror answer Rlerror(EOPNOTSUPP) to everything, sent with type\n"
"                       107 (Rerror) and Rlerror's body, as nfs-ganesha 4.3\n"
"  --readdir-loop       Twalk, Tlopen, Tclunk answered; every Treaddir, whatever\n"
"                       its offset, answers '.' (offset 1) and '..' (offset 2)\n"
"  --stub-fs            a stub file system nothing can be removed from: walks\n"
"                       reach directories, Tmkdir makes a name the root lists\n"
"                       (EROFS once --mkdir-limit N have been made), Tunlinkat\n"
"                       and Tremove fail with EPERM\n"
"  --rversion FAULT     the Rversion breaks version(5): msize-grow (twice the\n"
"                       msize asked), tag (tag 7, not NOTAG), trailing (3 bytes\n"
"                       after the version string); alone, the rest is Rlerror\n"
"Prints 'badserver: listening on unix:PATH' and serves until SIGTERM.\n";

enum { MAXC = 512, MAXFIDS = 128, MAXMADE = 512 };
static const char *sock_path;
struct conn {
	int fd;
	uint8_t buf[65536];
	size_t len;
	int dialect;
	struct { uint32_t fid; int depth, used; } fids[MAXFIDS]; /* --stub-fs */
};
/* --stub-fs: the names made in the root, for every connection */
static char *made[MAXMADE];
static int nmade, nmkdir, mkdir_limit = MAXMADE;
static struct conn *conns[MAXC];
static int mode, die_after = -1, rvfault;
static long served;

static void put(struct conn *c, const uint8_t *b, size_t n)
{
	while (n) {
		ssize_t k = send(c->fd, b, n, MSG_NOSIGNAL);
		if (k <= 0)
			return;
		b += k;
		n -= (size_t)k;
	}
}

static size_t lerror(uint16_t tag, uint32_t err, uint8_t *b)
{
	p9_put32(b, 11);
	b[4] = P9_RLERROR;
	p9_put16(b + 5, tag);
	p9_put32(b + 7, err);
	return 11;
}

static void drop(int i)
{
	close(conns[i]->fd);
	free(conns[i]);
	conns[i] = NULL;
}

/* A plausible reply to Twalk (a directory qid per name) or Tclunk, in b;
 * anything else keeps the n-byte Rlerror already in b.  Its length. */
static size_t typed_reply(const uint8_t *p, uint32_t size, uint8_t *b, size_t cap,
			  size_t n)
{
	uint16_t tag = p9_get16(p + 5);
	if (p[4] == P9_TCLUNK) {
		p9_put32(b, 7);
		b[4] = P9_RCLUNK;
		p9_put16(b + 5, tag);
		return 7;
	}
	if (p[4] == P9_TWALK && size >= 17) {
		uint16_t nw = p9_get16(p + 15);
		size_t len = 9 + 13 * (size_t)nw;
		if (nw > P9_MAXWELEM || len > cap)
			return n;
		memset(b, 0, len);
		p9_put32(b, (uint32_t)len);
		b[4] = P9_RWALK;
		p9_put16(b + 5, tag);
		p9_put16(b + 7, nw);
		for (unsigned i = 0; i < nw; i++) {
			b[9 + 13 * i] = 0x80;
			b[9 + 13 * i + 5] = (uint8_t)(i + 1); /* qid.path */
		}
		return len;
	}
	return n;
}

/* --readdir-loop: Rwalk, Rlopen (a directory), Rclunk, and a Treaddir
 * answer that ignores the offset: '.' at offset 1, '..' at offset 2, for
 * ever.  Anything else keeps the n-byte Rlerror in b. */
static size_t loop_reply(const uint8_t *p, uint32_t size, uint8_t *b, size_t cap, size_t n)
{
	uint16_t tag = p9_get16(p + 5);
	if (p[4] == P9_TLOPEN) {
		memset(b, 0, 24);
		p9_put32(b, 24);
		b[4] = P9_RLOPEN;
		p9_put16(b + 5, tag);
		b[7] = 0x80; /* qid.type QTDIR, path 0; iounit 0 */
		return 24;
	}
	if (p[4] == P9_TREADDIR) {
		struct p9_dirent e = { .qid = { .type = 0x80 }, .type = 4 };
		size_t len = 11;
		for (int i = 0; i < 2; i++) {
			e.offset = (uint64_t)i + 1;
			e.name = p9_s(i ? ".." : ".");
			len += (size_t)p9_dirent_put(b + len, cap - len, &e);
		}
		p9_put32(b, (uint32_t)len);
		b[4] = P9_RREADDIR;
		p9_put16(b + 5, tag);
		p9_put32(b + 7, (uint32_t)(len - 11));
		return len;
	}
	return typed_reply(p, size, b, cap, n);
}

/* --stub-fs: a fid's depth below the root (unknown fids are the root). */
static int *fid_depth(struct conn *c, uint32_t fid, int make)
{
	static int root;
	int free_slot = -1;
	for (int i = 0; i < MAXFIDS; i++) {
		if (c->fids[i].used && c->fids[i].fid == fid)
			return &c->fids[i].depth;
		if (!c->fids[i].used && free_slot < 0)
			free_slot = i;
	}
	root = 0;
	if (!make || free_slot < 0)
		return &root;
	c->fids[free_slot].used = 1;
	c->fids[free_slot].fid = fid;
	c->fids[free_slot].depth = 0;
	return &c->fids[free_slot].depth;
}

static size_t hdr(uint8_t *b, size_t len, uint8_t type, uint16_t tag)
{
	p9_put32(b, (uint32_t)len);
	b[4] = type;
	p9_put16(b + 5, tag);
	return len;
}

/* --stub-fs Treaddir: the root lists the names made, from the index
 * offset on; any other directory is empty. */
static size_t stub_readdir(struct conn *c, const uint8_t *p, uint8_t *b, size_t cap)
{
	uint64_t off = p9_get32(p + 11) | (uint64_t)p9_get32(p + 15) << 32;
	uint32_t count = p9_get32(p + 19);
	size_t len = 11;
	if (*fid_depth(c, p9_get32(p + 7), 0) == 0)
		for (uint64_t i = off; i < (uint64_t)nmade; i++) {
			struct p9_dirent e = { .qid = { .type = 0x80, .path = i + 100 },
					       .offset = i + 1, .type = 4 };
			e.name = p9_s(made[i]);
			long k = p9_dirent_put(b + len, cap - len, &e);
			if (k < 0 || len + (size_t)k - 11 > count)
				break;
			len += (size_t)k;
		}
	p9_put32(b + 7, (uint32_t)(len - 11));
	return hdr(b, len, P9_RREADDIR, p9_get16(p + 5));
}

/* --stub-fs: the reply to one request, in b (cap bytes). */
static size_t stub_reply(struct conn *c, const uint8_t *p, uint32_t size, uint8_t *b,
			 size_t cap)
{
	uint16_t tag = p9_get16(p + 5);
	switch (p[4]) {
	case P9_TWALK: {
		/* no synthfs tree here */
		static const char *absent[] = { "ctl", "flush", "multidev", "rw", NULL };
		for (int i = 0; size >= 19 && p9_get16(p + 15) && absent[i]; i++)
			if (p9_get16(p + 17) == strlen(absent[i]) && 19u + p9_get16(p + 17) <= size &&
			    memcmp(p + 19, absent[i], strlen(absent[i])) == 0)
				return lerror(tag, ENOENT, b);
		size_t n = typed_reply(p, size, b, cap, lerror(tag, EOPNOTSUPP, b));
		if (b[4] == P9_RWALK) {
			int d = *fid_depth(c, p9_get32(p + 7), 0) + p9_get16(p + 15);
			*fid_depth(c, p9_get32(p + 11), 1) = d;
		}
		return n;
	}
	case P9_TCLUNK: {
		int *d = fid_depth(c, p9_get32(p + 7), 0);
		for (int i = 0; i < MAXFIDS; i++)
			if (&c->fids[i].depth == d)
				c->fids[i].used = 0;
		return hdr(b, 7, P9_RCLUNK, tag);
	}
	case P9_TLOPEN:
		memset(b, 0, 24);
		b[7] = 0x80;
		return hdr(b, 24, P9_RLOPEN, tag);
	case P9_TREADDIR:
		return stub_readdir(c, p, b, cap);
	case P9_TMKDIR: {
		uint16_t nl = p9_get16(p + 11);
		if (nmkdir >= mkdir_limit || 13u + nl > size || nmade >= MAXMADE)
			return lerror(tag, EROFS, b);
		nmkdir++;
		if (*fid_depth(c, p9_get32(p + 7), 0) == 0 && !(made[nmade++] = strndup((const char *)p + 13, nl)))
			abort();
		memset(b, 0, 20);
		b[7] = 0x80;
		b[12] = (uint8_t)(nmade + 100);
		return hdr(b, 20, P9_RMKDIR, tag);
	}
	case P9_TUNLINKAT:
	case P9_TREMOVE:
		return lerror(tag, EPERM, b);
	}
	return lerror(tag, EOPNOTSUPP, b);
}

/* One request: the answer the mode calls for; 1 if the connection ends. */
static int answer(struct conn *c, const uint8_t *p, uint32_t size)
{
	uint8_t b[256];
	uint16_t tag = p9_get16(p + 5);
	size_t n;
	if (p[4] == P9_TVERSION) {
		struct p9_msg m;
		struct p9_decode_err e;
		if (p9_decode(p, size, P9_D2000, &m, &e) < 0)
			return 1;
		m.type = P9_RVERSION;
		if (m.msize > 65536)
			m.msize = 65536;
		if (rvfault == RV_MSIZE_GROW)
			m.msize *= 2;
		if (rvfault == RV_TAG)
			m.tag = 7;
		long k = p9_encode(&m, P9_D2000, b, sizeof b - 3);
		if (k > 0 && rvfault == RV_TRAILING) {
			memset(b + k, 0xee, 3);
			k += 3;
			p9_put32(b, (uint32_t)k);
		}
		if (k > 0)
			put(c, b, (size_t)k);
		return 0;
	}
	if (p[4] == P9_TATTACH && mode == M_REFUSEATTACH) {
		put(c, b, lerror(tag, EACCES, b));
		return 0;
	}
	if (p[4] == P9_TATTACH) { /* a directory qid: the client gets going */
		p9_put32(b, 20);
		b[4] = P9_RATTACH;
		p9_put16(b + 5, tag);
		memset(b + 7, 0, 13);
		b[7] = 0x80;
		put(c, b, 20);
		return 0;
	}
	served++;
	n = lerror(tag, EOPNOTSUPP, b);
	switch (mode) {
	case M_PLAIN:
		put(c, b, n);
		return 0;
	case M_STUBFS: {
		static uint8_t big[65536];
		put(c, big, stub_reply(c, p, size, big, sizeof big));
		return 0;
	}
	case M_RERROR: /* nfs-ganesha 4.3's 9P2000.L error replies */
		b[4] = P9_RERROR;
		put(c, b, n);
		return 0;
	case M_READDIR_LOOP:
		put(c, b, loop_reply(p, size, b, sizeof b, n));
		return 0;
	case M_NEVER:
		return 0;
	case M_WRONGTAG:
		p9_put16(b + 5, (uint16_t)(tag + 1));
		put(c, b, n);
		return 0;
	case M_TWICE:
		n = typed_reply(p, size, b, sizeof b, n);
		put(c, b, n);
		put(c, b, n);
		return 0;
	case M_CLOSEMID:
		put(c, b, 5);
		return 1;
	case M_GARBAGE:
		for (int i = 0; i < 64; i++)
			b[i] = (uint8_t)rand();
		put(c, b, 64);
		return 0;
	case M_STALL:
		put(c, b, 5);
		return 0;
	case M_REFUSEATTACH:
		put(c, b, n);
		return 0;
	default: /* --die-after */
		if (served > die_after) {
			fprintf(stderr, "9pbadserver: dying after %d messages\n",
				die_after);
			unlink(sock_path);
			_exit(0);
		}
		put(c, b, n);
		return 0;
	}
}

static int serve(struct conn *c)
{
	ssize_t k = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
	size_t off = 0;
	if (k <= 0)
		return 1;
	c->len += (size_t)k;
	while (c->len - off >= 4) {
		uint32_t size = p9_get32(c->buf + off);
		if (size < 7 || size > sizeof c->buf)
			return 1;
		if (c->len - off < size)
			break;
		if (answer(c, c->buf + off, size))
			return 1;
		off += size;
	}
	memmove(c->buf, c->buf + off, c->len - off);
	c->len -= off;
	return 0;
}

static int listen_unix(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || strlen(path) >= sizeof a.sun_path)
		errx(2, "cannot listen on unix:%s: path too long", path);
	strcpy(a.sun_path, path);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 64) < 0)
		errx(2, "cannot listen on unix:%s: %s", path, strerror(errno));
	return fd;
}

static void on_term(int sig)
{
	(void)sig;
	if (sock_path)
		unlink(sock_path);
	_exit(0);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "listen", 1, 0, 'l' }, { "never-answer", 0, 0, 'n' },
		{ "wrong-tag", 0, 0, 'w' }, { "answer-twice", 0, 0, 't' },
		{ "close-mid-message", 0, 0, 'c' }, { "garbage", 0, 0, 'g' },
		{ "die-after", 1, 0, 'd' }, { "stall-partial", 0, 0, 's' },
		{ "refuse-attach", 0, 0, 'r' }, { "rerror-for-rlerror", 0, 0, 'E' },
		{ "readdir-loop", 0, 0, 'L' }, { "rversion", 1, 0, 'V' },
		{ "stub-fs", 0, 0, 'S' }, { "mkdir-limit", 1, 0, 'M' },
		{ "help", 0, 0, 'h' }, { 0, 0, 0, 0 } };
	const char *addr = NULL;
	int ch, lfd;
	while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (ch) {
		case 'l': addr = optarg; break;
		case 'n': mode = M_NEVER; break;
		case 'w': mode = M_WRONGTAG; break;
		case 't': mode = M_TWICE; break;
		case 'c': mode = M_CLOSEMID; break;
		case 'g': mode = M_GARBAGE; break;
		case 's': mode = M_STALL; break;
		case 'r': mode = M_REFUSEATTACH; break;
		case 'E': mode = M_RERROR; break;
		case 'L': mode = M_READDIR_LOOP; break;
		case 'S': mode = M_STUBFS; break;
		case 'M': mkdir_limit = atoi(optarg); break;
		case 'V':
			rvfault = !strcmp(optarg, "msize-grow") ? RV_MSIZE_GROW :
				  !strcmp(optarg, "tag") ? RV_TAG :
				  !strcmp(optarg, "trailing") ? RV_TRAILING : -1;
			if (rvfault < 0)
				errx(2, "--rversion %s: msize-grow, tag or trailing", optarg);
			break;
		case 'd': mode = M_NONE; die_after = atoi(optarg); break;
		case 'h': fputs(usage, stdout); return 0;
		default: errx(2, "bad arguments (see --help)");
		}
	}
	if (optind < argc)
		errx(2, "unexpected argument %s", argv[optind]);
	if (!addr || strncmp(addr, "unix:", 5) != 0)
		errx(2, "--listen unix:PATH is required");
	if (mode == M_NONE && die_after < 0 && rvfault)
		mode = M_PLAIN;
	if (mode == M_NONE && die_after < 0)
		errx(2, "a mode is required (see --help)");
	sock_path = addr + 5;
	lfd = listen_unix(sock_path);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGPIPE, SIG_IGN);
	printf("badserver: listening on %s\n", addr);
	fflush(stdout);
	for (;;) {
		struct pollfd p[MAXC + 1];
		int idx[MAXC + 1], n = 0;
		p[n].fd = lfd;
		p[n++].events = POLLIN;
		for (int i = 0; i < MAXC; i++)
			if (conns[i]) {
				idx[n] = i;
				p[n].fd = conns[i]->fd;
				p[n++].events = POLLIN;
			}
		if (poll(p, (nfds_t)n, -1) < 0)
			continue;
		if (p[0].revents & POLLIN) {
			int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			int i;
			for (i = 0; fd >= 0 && i < MAXC && conns[i]; i++)
				;
			if (fd >= 0 && i < MAXC && (conns[i] = calloc(1, sizeof *conns[i])))
				conns[i]->fd = fd;
			else if (fd >= 0)
				close(fd);
		}
		for (int k = 1; k < n; k++)
			if (p[k].revents && conns[idx[k]] && serve(conns[idx[k]]))
				drop(idx[k]);
	}
}
