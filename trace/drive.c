/*
 * drive.c - trace-drive: a small 9P2000.L client session for 9ptrace's
 * tests (and a demo): version, attach, walks (good, failed, partial),
 * open/read, readdir, create/write, remove, then N rounds of
 * walk/getattr/clunk.  Prints what it did; exit 0 when every step got the
 * reply it expects.
 *
 * usage: trace-drive TARGET ANAME [ROUNDS]
 *   ANAME must hold a file "sub/file" and allow creating "new" at its root.
 * usage: trace-drive --synthfs TARGET
 *   a session on synthfs's tree: a 17-deep walk, /README, a readdir of
 *   /readdir/d100 in small replies, and a flushed read of /flush/block.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p9fs.h"

/* the file layer's fid range: unused (every fid here is chosen by hand) */
enum { DRIVE_FSFIDLO = 1000 };

static struct p9_client *cl;
static struct p9_fs fs;
static int failures;

/* One request: its reply when of type want; another reply is counted as
 * a failure (NULL), no reply at all ends the session. */
static struct p9_reply *rpc(struct p9_msg *m, int want)
{
	struct p9_reply *r = NULL;
	if (p9_fs_rpc(&fs, m, want, &r, p9_typename(m->type)) == 0)
		return r;
	if (!fs.rtype) {
		fprintf(stderr, "trace-drive: %s: no reply\n", p9_typename(m->type));
		exit(2);
	}
	fprintf(stderr, "trace-drive: %s: got %s, want %s\n", p9_typename(m->type),
		p9_typename(fs.rtype), p9_typename((unsigned)want));
	failures++;
	return NULL;
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

static void synthfs_session(void)
{
	struct p9_msg w = { .type = P9_TWALK, .fid = 0, .newfid = 1, .nwname = 16 };
	static char names[16][16];
	w.wname[0] = p9_s("walk");
	for (int i = 0; i < 15; i++) {
		snprintf(names[i], sizeof names[i], "WALK%d", i);
		w.wname[i + 1] = p9_s(names[i]);
	}
	p9_reply_free(rpc(&w, P9_RWALK));
	walk(1, 2, P9_RWALK, 2, "WALK15", "leaf");
	simple((struct p9_msg){ .type = P9_TGETATTR, .fid = 2,
				.request_mask = P9_GETATTR_BASIC }, P9_RGETATTR);
	walk(0, 3, P9_RWALK, 1, "README");
	simple((struct p9_msg){ .type = P9_TLOPEN, .fid = 3 }, P9_RLOPEN);
	simple((struct p9_msg){ .type = P9_TREAD, .fid = 3, .count = 1000 }, P9_RREAD);
	walk(0, 4, P9_RWALK, 2, "readdir", "d100");
	simple((struct p9_msg){ .type = P9_TLOPEN, .fid = 4, .flags = P9_L_O_DIRECTORY }, P9_RLOPEN);
	uint64_t off = 0;
	for (int i = 0; i < 100; i++) {
		struct p9_msg m = { .type = P9_TREADDIR, .fid = 4, .offset = off, .count = 600 };
		struct p9_reply *r = rpc(&m, P9_RREADDIR);
		struct p9_dirent e;
		size_t pos = 0;
		int n = 0;
		if (!r)
			break;
		while (p9_dirent_next(r->m.data, r->m.count, &pos, &e) > 0) {
			off = e.offset;
			n++;
		}
		p9_reply_free(r);
		if (n == 0)
			break;
	}
	/* a read that blocks, flushed */
	walk(0, 5, P9_RWALK, 2, "flush", "block");
	simple((struct p9_msg){ .type = P9_TLOPEN, .fid = 5 }, P9_RLOPEN);
	struct p9_msg rd = { .type = P9_TREAD, .tag = 900, .fid = 5, .count = 10 };
	struct p9_msg fl = { .type = P9_TFLUSH, .tag = 901, .oldtag = 900 };
	struct p9_reply *r = NULL;
	if (p9_client_send(cl, &rd) < 0 || p9_client_send(cl, &fl) < 0 ||
	    p9_client_wait(cl, 901, 5000, &r) < 0) {
		fprintf(stderr, "trace-drive: Tflush: no reply\n");
		exit(2);
	}
	p9_reply_free(r);
	r = NULL;
	if (p9_client_wait(cl, 900, 300, &r) == 0) /* a late reply, if any */
		p9_reply_free(r);
	for (uint32_t f = 1; f <= 5; f++)
		simple((struct p9_msg){ .type = P9_TCLUNK, .fid = f }, P9_RCLUNK);
}

int main(int argc, char **argv)
{
	int synthfs = argc > 1 && !strcmp(argv[1], "--synthfs");
	if (synthfs) {
		argv++;
		argc--;
	}
	if (argc < 2 || !strcmp(argv[1], "--help") || (argc < 3 && !synthfs)) {
		printf("usage: trace-drive TARGET ANAME [ROUNDS]\n"
		       "       trace-drive --synthfs TARGET\n");
		return argc == 2 && !strcmp(argv[1], "--help") ? 0 : 2;
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
	    p9_client_attach(cl, 0, "root", synthfs ? "" : argv[2], 0, 5000, NULL, err,
			     sizeof err) < 0) {
		fprintf(stderr, "trace-drive: %s\n", err);
		return 2;
	}
	p9_fs_init(&fs, cl, 5000, DRIVE_FSFIDLO);
	if (synthfs) {
		synthfs_session();
		simple((struct p9_msg){ .type = P9_TCLUNK, .fid = 0 }, P9_RCLUNK);
		p9_client_free(cl);
		p9_conn_close(c);
		printf("trace-drive: done, %d unexpected replies\n", failures);
		return failures ? 1 : 0;
	}
	walk(0, 1, P9_RWALK, 2, "sub", "file");
	simple((struct p9_msg){ .type = P9_TLOPEN, .fid = 1, .flags = P9_L_O_RDONLY }, P9_RLOPEN);
	simple((struct p9_msg){ .type = P9_TREAD, .fid = 1, .offset = 0, .count = 100 }, P9_RREAD);
	simple((struct p9_msg){ .type = P9_TCLUNK, .fid = 1 }, P9_RCLUNK);
	walk(0, 2, P9_RWALK, 1, "sub");
	simple((struct p9_msg){ .type = P9_TLOPEN, .fid = 2, .flags = P9_L_O_DIRECTORY }, P9_RLOPEN);
	simple((struct p9_msg){ .type = P9_TREADDIR, .fid = 2, .offset = 0, .count = 8192 },
	       P9_RREADDIR);
	simple((struct p9_msg){ .type = P9_TCLUNK, .fid = 2 }, P9_RCLUNK);
	walk(0, 3, P9_RLERROR, 1, "nonexistent");
	walk(0, 4, P9_RWALK, 2, "sub", "nonexistent"); /* partial: nwqid 1 */
	walk(0, 5, P9_RWALK, 0);
	simple((struct p9_msg){ .type = P9_TLCREATE, .fid = 5, .name = p9_s("new"),
				.flags = P9_L_O_RDWR | P9_L_O_CREAT,
				.lmode = 0644 }, P9_RLCREATE);
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
