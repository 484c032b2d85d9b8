/*
 * drive.c - trace-drive: a small 9P2000.L client session for 9ptrace's
 * tests (and a demo): version, attach, walks (good, failed, partial),
 * open/read, readdir, create/write, remove, then N rounds of
 * walk/getattr/clunk.  Prints what it did; exit 0 when every step got the
 * reply it expects.
 *
 * usage: trace-drive TARGET ANAME [ROUNDS]
 *   ANAME must hold a file "sub/file" and allow creating "new" at its root.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p9.h"

static struct p9_client *cl;
static int failures;

static struct p9_reply *rpc(struct p9_msg *m, int want)
{
	struct p9_reply *r = NULL;
	m->tag = 0;
	if (p9_client_rpc(cl, m, 5000, &r) < 0 || !r) {
		fprintf(stderr, "trace-drive: %s: no reply\n", p9_typename(m->type));
		exit(2);
	}
	if (r->m.type != want) {
		fprintf(stderr, "trace-drive: %s: got %s, want %s\n", p9_typename(m->type),
			p9_typename(r->m.type), p9_typename((unsigned)want));
		failures++;
	}
	return r;
}

static void walk(uint32_t fid, uint32_t newfid, int want, int n, ...)
{
	struct p9_msg m = { .type = P9_TWALK, .fid = fid, .newfid = newfid };
	__builtin_va_list ap;
	__builtin_va_start(ap, n);
	for (int i = 0; i < n; i++)
		m.wname[i] = p9_s(__builtin_va_arg(ap, const char *));
	__builtin_va_end(ap);
	m.nwname = (uint16_t)n;
	p9_reply_free(rpc(&m, want));
}

static void simple(struct p9_msg m, int want)
{
	p9_reply_free(rpc(&m, want));
}

int main(int argc, char **argv)
{
	if (argc < 3 || !strcmp(argv[1], "--help")) {
		printf("usage: trace-drive TARGET ANAME [ROUNDS]\n");
		return argc < 3 && !(argc == 2 && !strcmp(argv[1], "--help")) ? 2 : 0;
	}
	int rounds = argc > 3 ? atoi(argv[3]) : 0;
	char err[256];
	struct p9_conn *c;
	if (p9_dial(argv[1], 5000, &c, err, sizeof err) < 0) {
		fprintf(stderr, "trace-drive: %s\n", err);
		return 2;
	}
	cl = p9_client_new(c, 65536, P9_DL);
	if (p9_client_version(cl, 65536, "9P2000.L", 5000, err, sizeof err) < 0 ||
	    p9_client_attach(cl, 0, "root", argv[2], 0, 5000, NULL, err, sizeof err) < 0) {
		fprintf(stderr, "trace-drive: %s\n", err);
		return 2;
	}
	walk(0, 1, P9_RWALK, 2, "sub", "file");
	simple((struct p9_msg){ .type = P9_TLOPEN, .fid = 1, .flags = 0 }, P9_RLOPEN);
	simple((struct p9_msg){ .type = P9_TREAD, .fid = 1, .offset = 0, .count = 100 }, P9_RREAD);
	simple((struct p9_msg){ .type = P9_TCLUNK, .fid = 1 }, P9_RCLUNK);
	walk(0, 2, P9_RWALK, 1, "sub");
	simple((struct p9_msg){ .type = P9_TLOPEN, .fid = 2, .flags = 0x10000 }, P9_RLOPEN);
	simple((struct p9_msg){ .type = P9_TREADDIR, .fid = 2, .offset = 0, .count = 8192 },
	       P9_RREADDIR);
	simple((struct p9_msg){ .type = P9_TCLUNK, .fid = 2 }, P9_RCLUNK);
	walk(0, 3, P9_RLERROR, 1, "nonexistent");
	walk(0, 4, P9_RWALK, 2, "sub", "nonexistent"); /* partial: nwqid 1 */
	walk(0, 5, P9_RWALK, 0);
	simple((struct p9_msg){ .type = P9_TLCREATE, .fid = 5, .name = p9_s("new"),
				.flags = 02 | 0100, .lmode = 0644 }, P9_RLCREATE);
	static const uint8_t hello[] = "hello 9ptrace\n";
	simple((struct p9_msg){ .type = P9_TWRITE, .fid = 5, .offset = 0,
				.count = sizeof hello - 1, .data = hello }, P9_RWRITE);
	walk(0, 6, P9_RWALK, 0);
	simple((struct p9_msg){ .type = P9_TREMOVE, .fid = 5 }, P9_RREMOVE);
	simple((struct p9_msg){ .type = P9_TCLUNK, .fid = 6 }, P9_RCLUNK);
	for (int i = 0; i < rounds; i++) {
		walk(0, 7, P9_RWALK, 2, "sub", "file");
		simple((struct p9_msg){ .type = P9_TGETATTR, .fid = 7,
					.request_mask = P9_GETATTR_BASIC }, P9_RGETATTR);
		simple((struct p9_msg){ .type = P9_TCLUNK, .fid = 7 }, P9_RCLUNK);
	}
	simple((struct p9_msg){ .type = P9_TCLUNK, .fid = 0 }, P9_RCLUNK);
	p9_client_free(cl);
	p9_conn_close(c);
	printf("trace-drive: done, %d unexpected replies\n", failures);
	return failures ? 1 : 0;
}
