/*
 * hostile-client.c - bin/9phostile: puts a synthfs (unix socket) under a
 * hostile client and checks it survives.  Phases: connection churn, random
 * bytes, absurd sizes, msize abuse, fid exhaustion, tag flood and Tflush
 * storm, a slow reader that never reads.  After each phase a well-behaved
 * client on its own connection must read /README with the right content,
 * the server must be alive and its VmRSS under --rss-limit.  Prints one
 * summary line per phase and a total; exit 0 pass, 1 failed check, 2 usage.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/p9fs.h"

#define README_TEXT "synthfs: a synthetic 9P test tree\n"

static const char usage[] =
"usage: 9phostile --socket PATH --pid PID [--conns N] [--fids N]\n"
"                 [--rss-limit MB] [--expect-max-fids N]\n"
"\n"
"Attacks the synthfs listening on unix:PATH (process PID) and checks that a\n"
"well-behaved client keeps getting correct answers, the server stays alive\n"
"and its VmRSS stays under the limit (default 256 MB).\n"
"  --conns N            connections opened and dropped (default 3000)\n"
"  --fids N             Tattach/Twalk sent without clunk (default 1000000)\n"
"  --expect-max-fids N  the server's --max-fids (default 65536)\n";

static const char *sockpath;
static pid_t srvpid;
static long rss_limit_kb = 256 * 1024;
static unsigned long long nconns_total, nmsgs_total;
static long peak_rss_kb;
static int failures;

static void fail(const char *fmt, ...)
{
	va_list ap;
	fputs("FAIL: ", stdout);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	failures++;
}

/* how long a dial may wait for a full backlog; how long a reply may take */
enum { DIAL_MS = 2000, RECV_MS = 10000 };

static struct p9_str S(const char *s)
{
	struct p9_str r = { s, (uint16_t)strlen(s) };
	return r;
}

/* ---- connections: lib's framing (p9_conn), messages sent as built ---- */

static struct p9_conn *dial(void)
{
	char target[300], err[256];
	struct p9_conn *c;
	snprintf(target, sizeof target, "unix:%s", sockpath);
	if (p9_dial(target, DIAL_MS, &c, err, sizeof err) < 0)
		return NULL;
	nconns_total++;
	return c;
}

/* Bytes as given: a message, a batch of them, or garbage. */
static int write_all(struct p9_conn *c, const void *buf, size_t len)
{
	return p9_conn_send(c, buf, len) < 0 ? -1 : 0;
}

static int send9(struct p9_conn *c, const struct p9_msg *m)
{
	uint8_t buf[8192];
	long n = p9_encode(m, P9_DL, buf, sizeof buf);
	if (n < 0)
		return -1;
	nmsgs_total++;
	return write_all(c, buf, (size_t)n);
}

/* Append the encoding of m to buf (for pipelined batches). */
static size_t put9(uint8_t *buf, size_t cap, const struct p9_msg *m)
{
	long n = p9_encode(m, P9_DL, buf, cap);
	if (n < 0)
		errx(2, "cannot encode a message");
	nmsgs_total++;
	return (size_t)n;
}

/* One reply into buf (cap bytes), decoded into m; -1 on EOF/timeout. */
static int recv9(struct p9_conn *c, uint8_t *buf, size_t cap, struct p9_msg *m)
{
	struct p9_decode_err e;
	int size = p9_conn_recv(c, buf, cap, RECV_MS);
	if (size == -EMSGSIZE || size == -EPROTO)
		return -2;
	if (size < 0)
		return -1;
	if (p9_decode(buf, (size_t)size, P9_DL, m, &e) < 0 &&
	    p9_decode(buf, (size_t)size, P9_D2000, m, &e) < 0)
		return -3;
	return 0;
}

static int version(struct p9_conn *cn, uint32_t msize, uint32_t *got)
{
	struct p9_msg m = { .type = P9_TVERSION, .tag = P9_NOTAG,
			    .msize = msize, .version = S("9P2000.L") };
	static uint8_t buf[1 << 16];
	if (send9(cn, &m) < 0 || recv9(cn, buf, sizeof buf, &m) < 0)
		return -1;
	if (m.type == P9_RLERROR || m.type == P9_RERROR)
		return m.errnum ? (int)m.errnum : EINVAL;
	if (m.type != P9_RVERSION)
		return -1;
	if (got)
		*got = m.msize;
	return 0;
}

static int rpc(struct p9_conn *cn, struct p9_msg *m, uint8_t *buf, size_t cap)
{
	uint16_t tag = m->tag;
	if (send9(cn, m) < 0 || recv9(cn, buf, cap, m) < 0)
		return -1;
	return m->tag == tag ? 0 : -1;
}

/* 0, the errno of an Rlerror, or -1 when the connection failed. */
static int attach(struct p9_conn *cn, uint32_t fid)
{
	uint8_t buf[512];
	struct p9_msg m = { .type = P9_TATTACH, .tag = 1, .fid = fid,
			    .afid = P9_NOFID, .uname = S("hostile"),
			    .aname = S(""), .n_uname = 0 };
	if (rpc(cn, &m, buf, sizeof buf) < 0)
		return -1;
	return m.type == P9_RLERROR ? (int)m.errnum : 0;
}

/* Walk from fid to newfid along path (one or more elements, '/'). */
static int walk(struct p9_conn *cn, uint32_t fid, uint32_t newfid, const char *path)
{
	uint8_t buf[4096];
	char tmp[256];
	struct p9_msg m = { .type = P9_TWALK, .tag = 2, .fid = fid,
			    .newfid = newfid };
	snprintf(tmp, sizeof tmp, "%s", path);
	for (char *s = strtok(tmp, "/"); s && m.nwname < P9_MAXWELEM;
	     s = strtok(NULL, "/"))
		m.wname[m.nwname++] = S(s);
	uint16_t nw = m.nwname;
	if (rpc(cn, &m, buf, sizeof buf) < 0)
		return -1;
	if (m.type == P9_RLERROR)
		return (int)m.errnum;
	return m.nwqid == nw ? 0 : ENOENT;
}

static int lopen(struct p9_conn *cn, uint32_t fid, uint32_t flags)
{
	uint8_t buf[512];
	struct p9_msg m = { .type = P9_TLOPEN, .tag = 3, .fid = fid,
			    .flags = flags };
	if (rpc(cn, &m, buf, sizeof buf) < 0)
		return -1;
	return m.type == P9_RLERROR ? (int)m.errnum : 0;
}

/* ---- the well-behaved client and the server's health ---- */

/* The well-behaved client: lib's client and file layer on its own
 * connection, root fid 1, files read through fid 100. */
enum { GOOD_ROOT = 1, GOOD_FID = 100, GOOD_FSFIDLO = 1000 };
static struct p9_conn *good_conn;
static struct p9_client *good;
static struct p9_fs good_fs;

static void good_open(void)
{
	char err[256] = "";
	if (!(good_conn = dial()) || !(good = p9_client_new(good_conn, 65536, P9_DL)) ||
	    p9_client_version(good, 65536, "9P2000.L", RECV_MS, err, sizeof err) < 0 ||
	    p9_client_attach(good, GOOD_ROOT, "hostile", "", 0, RECV_MS, NULL, err,
			     sizeof err) != 0)
		errx(2, "the well-behaved client cannot attach to %s%s%s", sockpath,
		    err[0] ? ": " : "", err);
	nmsgs_total += good->nrecv;
	p9_fs_init(&good_fs, good, RECV_MS, GOOD_FSFIDLO);
}

/* Read a small file (one Tread) into out: 0 or -errno. */
static int read_file(const char *path, char *out, size_t cap)
{
	uint64_t sent = good->nrecv;
	long n;
	int rc = p9_fs_walk_fid(&good_fs, GOOD_ROOT, path, GOOD_FID, NULL);
	if (!rc) {
		n = p9_fs_open(&good_fs, GOOD_FID, P9_L_O_RDONLY);
		if (!n)
			n = p9_fs_pread(&good_fs, GOOD_FID, 0, out, cap - 1);
		out[n > 0 ? n : 0] = 0;
		rc = p9_fs_clunk(&good_fs, GOOD_FID);
		if (n < 0)
			rc = (int)n;
	}
	nmsgs_total += good->nrecv - sent;
	return rc;
}

static long status_kb(const char *key)
{
	char path[64], line[256];
	long v = -1;
	size_t kl = strlen(key);
	snprintf(path, sizeof path, "/proc/%d/status", (int)srvpid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, key, kl) == 0 && line[kl] == ':')
			v = atol(line + kl + 1);
	fclose(f);
	return v;
}

/* After each phase: alive, bounded, and the good client is answered right. */
static void health(const char *phase)
{
	char text[256];
	int rc;
	if (kill(srvpid, 0) < 0) {
		fail("%s: synthfs (pid %d) died", phase, (int)srvpid);
		exit(1);
	}
	long rss = status_kb("VmRSS"), hwm = status_kb("VmHWM");
	if (hwm > peak_rss_kb)
		peak_rss_kb = hwm;
	if (rss > rss_limit_kb)
		fail("%s: synthfs VmRSS %ld kB over the limit %ld kB", phase,
		     rss, rss_limit_kb);
	rc = read_file("README", text, sizeof text);
	if (rc != 0)
		fail("%s: the well-behaved client's read of /README failed (%d)",
		     phase, rc);
	else if (strcmp(text, README_TEXT) != 0)
		fail("%s: the well-behaved client read a wrong /README: \"%s\"",
		     phase, text);
	printf("%-14s ok: VmRSS %ld kB, VmHWM %ld kB, %llu connections, "
	       "%llu messages so far\n", phase, rss, hwm, nconns_total,
	       nmsgs_total);
	fflush(stdout);
}

/* Read and discard whatever is there within ms; 1 if the peer closed. */
static int drain(struct p9_conn *cn, int ms)
{
	uint8_t buf[65536];
	struct pollfd p = { .fd = cn->rfd, .events = POLLIN };
	while (poll(&p, 1, ms) > 0) {
		ssize_t n = recv(cn->rfd, buf, sizeof buf, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return 1;
		ms = ms < 50 ? ms : 50;
	}
	return 0;
}

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (uint32_t)(rnd_state >> 16);
}

/* ---- phases ---- */

static void phase_churn(int n)
{
	struct p9_conn *held[400];
	int nheld = 0;
	for (int i = 0; i < n; i++) {
		struct p9_conn *cn = dial();
		if (!cn) {
			fail("churn: connection %d refused", i);
			return;
		}
		if (i % 3 == 1 && version(cn, 8192, NULL) < 0)
			fail("churn: Tversion on connection %d unanswered", i);
		if (i % 3 == 2) {
			struct p9_msg m = { .type = P9_TVERSION, .tag = P9_NOTAG,
					    .msize = 8192, .version = S("9P2000.L") };
			send9(cn, &m); /* and drop it before the reply */
		}
		if (i % 10 == 0 && nheld < 400) {
			held[nheld++] = cn;
			continue;
		}
		p9_conn_close(cn);
	}
	for (int i = 0; i < nheld; i++)
		p9_conn_close(held[i]);
	health("churn");
}

static void phase_random(int n)
{
	uint8_t buf[4096 + 7];
	for (int i = 0; i < n; i++) {
		struct p9_conn *cn = dial();
		size_t len = 1 + rnd() % 4096;
		if (!cn) {
			fail("random: connection refused");
			return;
		}
		if (i % 2)
			version(cn, 8192, NULL);
		for (size_t k = 0; k < len; k++)
			buf[k] = (uint8_t)rnd();
		if (i % 2) { /* a well-framed message of random type and body */
			p9_put32(buf, (uint32_t)len);
			if (len < 7)
				p9_put32(buf, 7), len = 7;
			if (i % 4 == 1)
				attach(cn, 7); /* give the random body a fid */
		}
		write_all(cn, buf, len);
		nmsgs_total++;
		drain(cn, 2);
		p9_conn_close(cn);
	}
	health("random");
}

static void phase_sizes(void)
{
	static const uint32_t bad[] = { 0, 1, 4, 6, 0x01000041u, 0x7fffffffu,
					0xffffffffu };
	uint8_t hdr[7] = { 0, 0, 0, 0, P9_TVERSION, 0xff, 0xff };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct p9_conn *cn = dial();
		if (!cn) {
			fail("sizes: connection refused");
			return;
		}
		p9_put32(hdr, bad[i]);
		write_all(cn, hdr, sizeof hdr);
		nmsgs_total++;
		if (!drain(cn, 2000))
			fail("sizes: size field %u did not close the connection",
			     bad[i]);
		p9_conn_close(cn);
	}
	/* claims 16 MiB, sends 1 MiB of it and stalls during the check */
	struct p9_conn *cn = dial();
	static uint8_t big[1 << 20];
	p9_put32(big, P9_MAXMSIZE);
	big[4] = P9_TWRITE;
	write_all(cn, big, sizeof big);
	nmsgs_total++;
	health("sizes");
	p9_conn_close(cn);
}

static void phase_msize(void)
{
	static const uint32_t ms[] = { 0, 1, 7, 255, 0xffffffffu };
	uint32_t got;
	uint8_t buf[65536];
	for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
		struct p9_conn *cn = dial();
		int rc = !cn ? -1 : version(cn, ms[i], &got);
		if (rc < 0)
			fail("msize: Tversion msize %u unanswered", ms[i]);
		else if (rc > 0)
			; /* refused with an error: fine */
		else if (got > (1u << 20) || got < P9_MINMSIZE)
			fail("msize: Tversion msize %u granted %u", ms[i], got);
		if (cn)
			p9_conn_close(cn);
	}
	/* msize 256, then a message over it and a read asking for more */
	struct p9_conn *cn = dial();
	if (!cn || version(cn, 256, &got) < 0 || attach(cn, 1) != 0) {
		fail("msize: cannot set up a 256-byte connection");
		return;
	}
	struct p9_msg m = { .type = P9_TWALK, .tag = 9, .fid = 1, .newfid = 2 };
	char name[200];
	memset(name, 'a', sizeof name - 1);
	name[sizeof name - 1] = 0;
	for (int i = 0; i < 3; i++)
		m.wname[m.nwname++] = S(name);
	if (rpc(cn, &m, buf, sizeof buf) < 0 || m.type != P9_RLERROR ||
	    m.errnum != EMSGSIZE)
		fail("msize: a 600-byte Twalk on a 256-byte msize was not "
		     "refused with EMSGSIZE");
	if (walk(cn, 1, 3, "data/1M") != 0 || lopen(cn, 3, P9_L_O_RDONLY) != 0) {
		fail("msize: cannot open /data/1M");
	} else {
		struct p9_msg r = { .type = P9_TREAD, .tag = 10, .fid = 3,
				    .count = 1 << 20 };
		if (rpc(cn, &r, buf, sizeof buf) < 0 || r.type != P9_RREAD ||
		    r.count + 11 > got)
			fail("msize: Tread count 1M on msize %u: reply too big "
			     "or missing", got);
	}
	p9_conn_close(cn);
	health("msize");
}

/* Pipelined Tattach (and Twalk clones) without clunk. */
static void phase_fids(unsigned n, unsigned expect_max)
{
	enum { BATCH = 2000 };
	static uint8_t out[BATCH * 64], in[1024];
	unsigned ok = 0, emfile = 0, other = 0;
	struct p9_conn *cn = dial();
	if (!cn || version(cn, 8192, NULL) < 0) {
		fail("fids: cannot connect");
		return;
	}
	for (unsigned base = 0; base < n; base += BATCH) {
		size_t len = 0;
		unsigned k, cnt = n - base < BATCH ? n - base : BATCH;
		for (k = 0; k < cnt; k++) {
			uint32_t fid = base + k + 10;
			struct p9_msg m = { .tag = (uint16_t)k, .fid = fid };
			if (fid % 2) { /* Twalk clone of fid 10 */
				m.type = P9_TWALK;
				m.fid = 10;
				m.newfid = fid;
			} else {
				m.type = P9_TATTACH;
				m.afid = P9_NOFID;
				m.uname = S("hostile");
				m.aname = S("");
			}
			len += put9(out + len, sizeof out - len, &m);
		}
		if (write_all(cn, out, len) < 0) {
			fail("fids: connection lost after %u requests", base);
			break;
		}
		for (k = 0; k < cnt; k++) {
			struct p9_msg r;
			if (recv9(cn, in, sizeof in, &r) < 0) {
				fail("fids: reply missing after %u requests", base + k);
				p9_conn_close(cn);
				return;
			}
			if (r.type == P9_RATTACH || r.type == P9_RWALK)
				ok++;
			else if (r.type == P9_RLERROR &&
				 (r.errnum == EMFILE || r.errnum == ENFILE))
				emfile++;
			else
				other++;
		}
	}
	printf("fids: %u requests: %u fids granted, %u EMFILE/ENFILE, %u other\n",
	       n, ok, emfile, other);
	if (expect_max && n > expect_max && ok != expect_max)
		fail("fids: %u fids granted, expected the limit %u", ok, expect_max);
	if (other)
		fail("fids: %u replies neither success nor EMFILE/ENFILE", other);
	health("fids");
	p9_conn_close(cn);
}

/* 16384 reads parked on /flush/block, then a Tflush for each, plus 10000
 * Tflush of tags not in flight and 10000 requests on one duplicate tag. */
static void phase_tags(void)
{
	enum { NBLOCK = 16384, NSTRAY = 10000, NDUP = 10000 };
	static uint8_t out[(NBLOCK * 2 + NSTRAY + NDUP) * 32], in[1024];
	static uint8_t state[65536]; /* per tag: 1 read sent, 2 answered, 3 flushed */
	size_t len = 0;
	unsigned rflush = 0, late = 0, replies = 0, expect;
	struct p9_conn *cn = dial();
	if (!cn || version(cn, 8192, NULL) < 0 || attach(cn, 1) != 0 ||
	    walk(cn, 1, 2, "flush/block") != 0 || lopen(cn, 2, P9_L_O_RDONLY) != 0) {
		fail("tags: cannot open /flush/block");
		return;
	}
	for (unsigned t = 0; t < NBLOCK; t++) {
		struct p9_msg m = { .type = P9_TREAD, .tag = (uint16_t)t, .fid = 2,
				    .count = 64 };
		len += put9(out + len, sizeof out - len, &m);
		state[t] = 1;
	}
	for (unsigned t = 0; t < NBLOCK; t++) {
		struct p9_msg m = { .type = P9_TFLUSH,
				    .tag = (uint16_t)(NBLOCK + t), .oldtag = (uint16_t)t };
		len += put9(out + len, sizeof out - len, &m);
	}
	for (unsigned t = 0; t < NSTRAY; t++) { /* tags never used */
		struct p9_msg m = { .type = P9_TFLUSH, .tag = (uint16_t)(40000 + t % 20000),
				    .oldtag = (uint16_t)(60000 + t % 5000) };
		len += put9(out + len, sizeof out - len, &m);
	}
	for (unsigned t = 0; t < NDUP; t++) {
		struct p9_msg m = { .type = P9_TGETATTR, .tag = 39999, .fid = 1,
				    .request_mask = 0x7ff };
		len += put9(out + len, sizeof out - len, &m);
	}
	if (write_all(cn, out, len) < 0) {
		fail("tags: connection lost while sending");
		p9_conn_close(cn);
		return;
	}
	expect = NBLOCK + NSTRAY + NDUP; /* one Rflush or reply each, at least */
	while (replies < expect) {
		struct p9_msg r;
		if (recv9(cn, in, sizeof in, &r) < 0)
			break;
		if (r.type == P9_RFLUSH && r.tag >= NBLOCK && r.tag < 2 * NBLOCK) {
			state[r.tag - NBLOCK] = 3;
			rflush++;
		} else if (r.tag < NBLOCK) {
			if (state[r.tag] == 3)
				late++;
			state[r.tag] = 2;
			continue; /* a reply before its Rflush: allowed, not counted */
		}
		replies++;
	}
	printf("tags: %u blocking reads flushed (%u Rflush), %u stray Tflush, "
	       "%u requests on one tag: %u replies\n", NBLOCK, rflush, NSTRAY,
	       NDUP, replies);
	if (rflush != NBLOCK)
		fail("tags: %u Rflush for %u Tflush of blocked reads", rflush, NBLOCK);
	if (late)
		fail("tags: %u replies came after their Rflush", late);
	if (replies < expect)
		fail("tags: %u of %u replies", replies, expect);
	health("tags");
	p9_conn_close(cn);
}

/* Pipeline 1 MiB reads of /data/64M and never read a reply. */
static void phase_slow(int nconns)
{
	struct p9_conn *cns[8];
	unsigned long long sent = 0;
	for (int c = 0; c < nconns && c < 8; c++) {
		uint32_t got;
		struct p9_conn *cn = cns[c] = dial();
		if (!cn || version(cn, 1 << 20, &got) < 0 || attach(cn, 1) != 0 ||
		    walk(cn, 1, 2, "data/64M") != 0 || lopen(cn, 2, P9_L_O_RDONLY) != 0) {
			fail("slow: cannot open /data/64M");
			return;
		}
		/* lib's stream connections are non-blocking already */
		for (uint64_t off = 0;; off += got - 24) {
			uint8_t b[64];
			struct p9_msg m = { .type = P9_TREAD, .tag = (uint16_t)(off & 0x7fff),
					    .fid = 2, .offset = off % (64u << 20),
					    .count = got - 24 };
			long n = p9_encode(&m, P9_DL, b, sizeof b);
			struct pollfd p = { .fd = cn->wfd, .events = POLLOUT };
			if (poll(&p, 1, 1000) <= 0)
				break; /* the server stopped reading us */
			if (send(cn->wfd, b, (size_t)n, MSG_NOSIGNAL) != n)
				break;
			sent++;
			nmsgs_total++;
		}
	}
	printf("slow: %d connections, %llu Tread of 1 MiB sent, none read\n",
	       nconns, sent);
	health("slow");
	for (int c = 0; c < nconns && c < 8; c++)
		p9_conn_close(cns[c]);
}

/* All hostile connections closed: the server forgets them. */
static void check_cleanup(void)
{
	char conns[64] = "", fids[64] = "";
	for (int i = 0; i < 50; i++) {
		if (read_file("ctl/conns", conns, sizeof conns) == 0 &&
		    read_file("ctl/allfids", fids, sizeof fids) == 0 &&
		    atoi(conns) == 1 && atoi(fids) <= 2)
			break;
		usleep(100000);
	}
	if (atoi(conns) != 1 || atoi(fids) > 2)
		fail("cleanup: /ctl/conns %d, /ctl/allfids %d after every hostile "
		     "connection closed (expected 1 and 2)", atoi(conns), atoi(fids));
	else
		printf("cleanup        ok: /ctl/conns 1, /ctl/allfids %d\n",
		       atoi(fids));
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "socket", 1, 0, 's' }, { "pid", 1, 0, 'p' },
		{ "conns", 1, 0, 'c' }, { "fids", 1, 0, 'f' },
		{ "rss-limit", 1, 0, 'r' }, { "expect-max-fids", 1, 0, 'm' },
		{ "help", 0, 0, 'h' }, { 0, 0, 0, 0 } };
	int ch, nconns = 3000;
	unsigned nfids = 1000000, maxfids = 65536;
	while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (ch) {
		case 's': sockpath = optarg; break;
		case 'p': srvpid = (pid_t)atoi(optarg); break;
		case 'c': nconns = atoi(optarg); break;
		case 'f': nfids = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'r': rss_limit_kb = atol(optarg) * 1024; break;
		case 'm': maxfids = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'h': fputs(usage, stdout); return 0;
		default: errx(2, "bad arguments (see --help)");
		}
	}
	if (optind < argc)
		errx(2, "unexpected argument %s", argv[optind]);
	if (!sockpath || srvpid <= 0 || nconns < 0 || rss_limit_kb <= 0)
		errx(2, "--socket PATH and --pid PID are required (see --help)");
	if (kill(srvpid, 0) < 0)
		errx(2, "no process %d", (int)srvpid);
	signal(SIGPIPE, SIG_IGN);
	good_open();
	health("start");
	phase_churn(nconns);
	phase_random(600);
	phase_sizes();
	phase_msize();
	phase_fids(nfids, maxfids);
	phase_tags();
	phase_slow(4);
	check_cleanup();
	health("end");
	printf("total: %llu connections, %llu messages, synthfs peak VmHWM %ld kB "
	       "(limit %ld kB), %d failures\n", nconns_total, nmsgs_total,
	       peak_rss_kb, rss_limit_kb, failures);
	return failures ? 1 : 0;
}
