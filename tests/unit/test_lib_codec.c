/*
 * test_lib_codec.c - the message table, codec and fcall printer.
 *
 * Owns: one hand-written vector per message type and dialect encoding
 * (every table row is covered, checked by iterating the table), the
 * round-trip, printer and truncation properties over all of them, wire
 * bytes pinned by hex written independently of the encoder, and the
 * decoder's error reports and its flags (P9_DEC_STATLEN, QEMU's Rstat).
 */
#include <check.h>

#include "unit.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "p9.h"

#define S(x) { x, sizeof(x) - 1 }
#define Q(t, v, p) { .type = (t), .version = (v), .path = (p) }
#define DU_L (P9_DU | P9_DL)
#define D2U (P9_D2000 | P9_DU)

/* Two Rreaddir entries, written out byte by byte:
 * qid[13] offset[8] type[1] name[s] */
static const uint8_t rd_data[] = {
	0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, /* qid (1 0 d) */
	1, 0, 0, 0, 0, 0, 0, 0,                    /* offset 1 */
	4,                                         /* DT_DIR */
	1, 0, 'a',                                 /* "a" */
	0x00, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, /* qid (2 0 ) */
	2, 0, 0, 0, 0, 0, 0, 0,                    /* offset 2 */
	8,                                         /* DT_REG */
	2, 0, 'b', 'b',                            /* "bb" */
};
static const uint8_t bin3[] = { 0x00, 0x01, 0xff };
static const char long_text[] =
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdefTAIL";

#define STAT1 { .type = 1, .dev = 2, .qid = Q(0, 3, 4), .mode = 0644, \
	.atime = 5, .mtime = 6, .length = 7, .name = S("f"), .uid = S("u"), \
	.gid = S("g"), .muid = S("m") }
#define STATU { .type = 1, .dev = 2, .qid = Q(P9_QTSYMLINK, 3, 4), \
	.mode = P9_DMSYMLINK | 0777, .atime = 5, .mtime = 6, .length = 7, \
	.name = S("ln"), .uid = S("u"), .gid = S("g"), .muid = S(""), \
	.extension = S("../README"), .n_uid = 1000, .n_gid = 100, \
	.n_muid = P9_NONUNAME }

struct vec {
	int dialects; /* the dialects in which this vector's encoding holds */
	struct p9_msg m;
	const char *fmt;
};

static const struct vec vecs[] = {
	/* 9P2000.L */
	{ P9_DL, { .type = P9_TLERROR, .tag = 1 }, "Tlerror tag 1" },
	{ P9_DL, { .type = P9_RLERROR, .tag = 2, .errnum = 2 },
	  "Rlerror tag 2 ecode ENOENT" },
	{ P9_DL, { .type = P9_RLERROR, .tag = 2, .errnum = 4000 },
	  "Rlerror tag 2 ecode 4000" },
	{ P9_DL, { .type = P9_TSTATFS, .tag = 3, .fid = 3 }, "Tstatfs tag 3 fid 3" },
	{ P9_DL, { .type = P9_RSTATFS, .tag = 4, .fstype = 0x01021997, .bsize = 4096,
		   .blocks = 100, .bfree = 50, .bavail = 40, .files = 1000,
		   .ffree = 900, .fsid = 0x1234, .namelen = 255 },
	  "Rstatfs tag 4 fstype 0x1021997 bsize 4096 blocks 100 bfree 50 bavail 40 "
	  "files 1000 ffree 900 fsid 0x1234 namelen 255" },
	{ P9_DL, { .type = P9_TLOPEN, .tag = 5, .fid = 5, .flags = 0x8002 },
	  "Tlopen tag 5 fid 5 flags 0x8002" },
	{ P9_DL, { .type = P9_RLOPEN, .tag = 5, .qid = Q(0, 1, 0x10), .iounit = 8168 },
	  "Rlopen tag 5 qid (0000000000000010 1 ) iounit 8168" },
	{ P9_DL, { .type = P9_TLCREATE, .tag = 6, .fid = 6, .name = S("new"),
		   .flags = 0x241, .lmode = 0644, .gid = 100 },
	  "Tlcreate tag 6 fid 6 name new flags 0x241 mode 0644 gid 100" },
	{ P9_DL, { .type = P9_RLCREATE, .tag = 6, .qid = Q(0, 0, 0x11) },
	  "Rlcreate tag 6 qid (0000000000000011 0 ) iounit 0" },
	{ P9_DL, { .type = P9_TSYMLINK, .tag = 7, .fid = 7, .name = S("ln"),
		   .symtgt = S("../README") },
	  "Tsymlink tag 7 fid 7 name ln symtgt ../README gid 0" },
	{ P9_DL, { .type = P9_RSYMLINK, .tag = 7, .qid = Q(P9_QTSYMLINK, 0, 0x12) },
	  "Rsymlink tag 7 qid (0000000000000012 0 L)" },
	{ P9_DL, { .type = P9_TMKNOD, .tag = 8, .dfid = 8, .name = S("fifo"),
		   .lmode = 010644, .major = 1, .minor = 3, .gid = 5 },
	  "Tmknod tag 8 dfid 8 name fifo mode 010644 major 1 minor 3 gid 5" },
	{ P9_DL, { .type = P9_RMKNOD, .tag = 8, .qid = Q(0, 0, 0x13) },
	  "Rmknod tag 8 qid (0000000000000013 0 )" },
	{ P9_DL, { .type = P9_TRENAME, .tag = 9, .fid = 9, .dfid = 1, .name = S("b") },
	  "Trename tag 9 fid 9 dfid 1 name b" },
	{ P9_DL, { .type = P9_RRENAME, .tag = 9 }, "Rrename tag 9" },
	{ P9_DL, { .type = P9_TREADLINK, .tag = 10, .fid = 10 }, "Treadlink tag 10 fid 10" },
	{ P9_DL, { .type = P9_RREADLINK, .tag = 10, .target = S("../README") },
	  "Rreadlink tag 10 target ../README" },
	{ P9_DL, { .type = P9_TGETATTR, .tag = 11, .fid = 11,
		   .request_mask = P9_GETATTR_ALL },
	  "Tgetattr tag 11 fid 11 request_mask 0x3fff" },
	{ P9_DL, { .type = P9_RGETATTR, .tag = 11, .valid = P9_GETATTR_BASIC,
		   .qid = Q(P9_QTDIR, 0, 1), .lmode = 040755, .uid = 1000,
		   .gid = 1001, .nlink = 2, .rdev = 3, .size = 4096, .blksize = 512,
		   .blocks = 8, .atime_sec = 11, .atime_nsec = 12, .mtime_sec = 13,
		   .mtime_nsec = 14, .ctime_sec = 15, .ctime_nsec = 16,
		   .btime_sec = 17, .btime_nsec = 18, .gen = 19, .data_version = 20 },
	  "Rgetattr tag 11 valid 0x7ff qid (0000000000000001 0 d) mode 040755 "
	  "uid 1000 gid 1001 nlink 2 rdev 3 size 4096 blksize 512 blocks 8 "
	  "atime_sec 11 atime_nsec 12 mtime_sec 13 mtime_nsec 14 ctime_sec 15 "
	  "ctime_nsec 16 btime_sec 17 btime_nsec 18 gen 19 data_version 20" },
	{ P9_DL, { .type = P9_TSETATTR, .tag = 12, .fid = 12,
		   .valid32 = P9_SETATTR_MODE | P9_SETATTR_SIZE, .lmode = 0600,
		   .uid = 1, .gid = 2, .size = 3, .atime_sec = 4, .atime_nsec = 5,
		   .mtime_sec = 6, .mtime_nsec = 7 },
	  "Tsetattr tag 12 fid 12 valid 0x9 mode 0600 uid 1 gid 2 size 3 "
	  "atime_sec 4 atime_nsec 5 mtime_sec 6 mtime_nsec 7" },
	{ P9_DL, { .type = P9_RSETATTR, .tag = 12 }, "Rsetattr tag 12" },
	{ P9_DL, { .type = P9_TXATTRWALK, .tag = 13, .fid = 13, .newfid = 14,
		   .name = S("user.x") },
	  "Txattrwalk tag 13 fid 13 newfid 14 name user.x" },
	{ P9_DL, { .type = P9_RXATTRWALK, .tag = 13, .size = 5 },
	  "Rxattrwalk tag 13 size 5" },
	{ P9_DL, { .type = P9_TXATTRCREATE, .tag = 14, .fid = 14,
		   .name = S("user.y"), .attr_size = 3, .flags = 1 },
	  "Txattrcreate tag 14 fid 14 name user.y attr_size 3 flags 0x1" },
	{ P9_DL, { .type = P9_RXATTRCREATE, .tag = 14 }, "Rxattrcreate tag 14" },
	{ P9_DL, { .type = P9_TREADDIR, .tag = 15, .fid = 15, .offset = 2,
		   .count = 8192 },
	  "Treaddir tag 15 fid 15 offset 2 count 8192" },
	{ P9_DL, { .type = P9_RREADDIR, .tag = 15, .count = sizeof rd_data,
		   .data = rd_data },
	  "Rreaddir tag 15 count 51 0:a@1 1:bb@2 nent 2" },
	{ P9_DL, { .type = P9_RREADDIR, .tag = 15 }, "Rreaddir tag 15 count 0 nent 0" },
	{ P9_DL, { .type = P9_TFSYNC, .tag = 16, .fid = 16, .datasync = 1 },
	  "Tfsync tag 16 fid 16 datasync 1" },
	{ P9_DL, { .type = P9_RFSYNC, .tag = 16 }, "Rfsync tag 16" },
	{ P9_DL, { .type = P9_TLOCK, .tag = 17, .fid = 17, .lock_type = 1,
		   .flags = 1, .start = 10, .length = 20, .proc_id = 42,
		   .client_id = S("host") },
	  "Tlock tag 17 fid 17 locktype 1 flags 0x1 start 10 length 20 proc_id 42 "
	  "client_id host" },
	{ P9_DL, { .type = P9_RLOCK, .tag = 17, .status = 1 }, "Rlock tag 17 status 1" },
	{ P9_DL, { .type = P9_TGETLOCK, .tag = 18, .fid = 17, .lock_type = 0,
		   .start = 0, .length = 100, .proc_id = 42, .client_id = S("host") },
	  "Tgetlock tag 18 fid 17 locktype 0 start 0 length 100 proc_id 42 client_id host" },
	{ P9_DL, { .type = P9_RGETLOCK, .tag = 18, .lock_type = 2, .start = 0,
		   .length = 100, .proc_id = 42, .client_id = S("host") },
	  "Rgetlock tag 18 locktype 2 start 0 length 100 proc_id 42 client_id host" },
	{ P9_DL, { .type = P9_TLINK, .tag = 19, .dfid = 1, .fid = 2, .name = S("hard") },
	  "Tlink tag 19 dfid 1 fid 2 name hard" },
	{ P9_DL, { .type = P9_RLINK, .tag = 19 }, "Rlink tag 19" },
	{ P9_DL, { .type = P9_TMKDIR, .tag = 20, .dfid = 1, .name = S("dir"),
		   .lmode = 0755, .gid = 0 },
	  "Tmkdir tag 20 dfid 1 name dir mode 0755 gid 0" },
	{ P9_DL, { .type = P9_RMKDIR, .tag = 20, .qid = Q(P9_QTDIR, 0, 0x20) },
	  "Rmkdir tag 20 qid (0000000000000020 0 d)" },
	{ P9_DL, { .type = P9_TRENAMEAT, .tag = 21, .olddirfid = 1, .oldname = S("a"),
		   .newdirfid = 2, .newname = S("b c") },
	  "Trenameat tag 21 olddirfid 1 oldname a newdirfid 2 newname 'b c'" },
	{ P9_DL, { .type = P9_RRENAMEAT, .tag = 21 }, "Rrenameat tag 21" },
	{ P9_DL, { .type = P9_TUNLINKAT, .tag = 22, .dfid = 1, .name = S("x"),
		   .flags = 0x200 },
	  "Tunlinkat tag 22 dirfd 1 name x flags 0x200" },
	{ P9_DL, { .type = P9_RUNLINKAT, .tag = 22 }, "Runlinkat tag 22" },

	/* 9P2000 base, with the .u and .L differences */
	{ P9_DALL, { .type = P9_TVERSION, .tag = P9_NOTAG, .msize = 8192,
		     .version = S("9P2000.L") },
	  "Tversion tag 65535 msize 8192 version 9P2000.L" },
	{ P9_DALL, { .type = P9_RVERSION, .tag = P9_NOTAG, .msize = 8192,
		     .version = S("unknown") },
	  "Rversion tag 65535 msize 8192 version unknown" },
	{ P9_D2000, { .type = P9_TAUTH, .tag = 1, .afid = 5, .uname = S("glenda"),
		      .aname = S("") },
	  "Tauth tag 1 afid 5 uname glenda aname ''" },
	{ DU_L, { .type = P9_TAUTH, .tag = 1, .afid = 5, .uname = S("glenda"),
		  .aname = S(""), .n_uname = P9_NONUNAME },
	  "Tauth tag 1 afid 5 uname glenda aname '' n_uname 4294967295" },
	{ P9_DALL, { .type = P9_RAUTH, .tag = 1, .qid = Q(P9_QTAUTH, 0, 5) },
	  "Rauth tag 1 aqid (0000000000000005 0 A)" },
	{ P9_D2000, { .type = P9_TATTACH, .tag = 1, .fid = 0, .afid = P9_NOFID,
		      .uname = S("glenda"), .aname = S("/") },
	  "Tattach tag 1 fid 0 afid -1 uname glenda aname /" },
	{ DU_L, { .type = P9_TATTACH, .tag = 1, .fid = 0, .afid = P9_NOFID,
		  .uname = S("root"), .aname = S(""), .n_uname = 0 },
	  "Tattach tag 1 fid 0 afid -1 uname root aname '' n_uname 0" },
	{ P9_DALL, { .type = P9_RATTACH, .tag = 1, .qid = Q(P9_QTDIR, 0, 1) },
	  "Rattach tag 1 qid (0000000000000001 0 d)" },
	{ D2U, { .type = P9_TERROR, .tag = 1 }, "Terror tag 1" },
	{ P9_D2000, { .type = P9_RERROR, .tag = 1, .ename = S("file does not exist") },
	  "Rerror tag 1 ename 'file does not exist'" },
	{ P9_DU, { .type = P9_RERROR, .tag = 1, .ename = S("No such file or directory"),
		   .errnum = 2 },
	  "Rerror tag 1 ename 'No such file or directory' errno ENOENT" },
	{ P9_DALL, { .type = P9_TFLUSH, .tag = 4, .oldtag = 3 }, "Tflush tag 4 oldtag 3" },
	{ P9_DALL, { .type = P9_RFLUSH, .tag = 4 }, "Rflush tag 4" },
	{ P9_DALL, { .type = P9_TWALK, .tag = 1, .fid = 0, .newfid = 1, .nwname = 2,
		     .wname = { S("a"), S("b") } },
	  "Twalk tag 1 fid 0 newfid 1 nwname 2 0:a 1:b" },
	{ P9_DALL, { .type = P9_TWALK, .tag = 1, .fid = 0, .newfid = 0 },
	  "Twalk tag 1 fid 0 newfid 0 nwname 0" },
	{ P9_DALL, { .type = P9_TWALK, .tag = 2, .fid = 1, .newfid = 2, .nwname = 16,
		     .wname = { S("0"), S("1"), S("2"), S("3"), S("4"), S("5"),
				S("6"), S("7"), S("8"), S("9"), S("a"), S("b"),
				S("c"), S("d"), S("e"), S("f") } },
	  "Twalk tag 2 fid 1 newfid 2 nwname 16 0:0 1:1 2:2 3:3 4:4 5:5 6:6 7:7 "
	  "8:8 9:9 10:a 11:b 12:c 13:d 14:e 15:f" },
	{ P9_DALL, { .type = P9_RWALK, .tag = 1, .nwqid = 2,
		     .wqid = { Q(P9_QTDIR, 0, 2), Q(0, 7, 3) } },
	  "Rwalk tag 1 nwqid 2 0:(0000000000000002 0 d) 1:(0000000000000003 7 )" },
	{ P9_DALL, { .type = P9_RWALK, .tag = 1 }, "Rwalk tag 1 nwqid 0" },
	{ D2U, { .type = P9_TOPEN, .tag = 1, .fid = 1, .mode = P9_ORDWR | P9_OTRUNC },
	  "Topen tag 1 fid 1 mode 18" },
	{ D2U, { .type = P9_ROPEN, .tag = 1, .qid = Q(P9_QTAPPEND | P9_QTEXCL, 9, 0xa),
		 .iounit = 0 },
	  "Ropen tag 1 qid (000000000000000a 9 al) iounit 0" },
	{ P9_D2000, { .type = P9_TCREATE, .tag = 1, .fid = 1, .name = S("f"),
		      .perm = 0644, .mode = P9_OWRITE },
	  "Tcreate tag 1 fid 1 name f perm 0644 mode 1" },
	{ P9_DU, { .type = P9_TCREATE, .tag = 1, .fid = 1, .name = S("ln"),
		   .perm = P9_DMSYMLINK | 0777, .mode = P9_OREAD,
		   .extension = S("../README") },
	  "Tcreate tag 1 fid 1 name ln perm 0200000777 mode 0 extension ../README" },
	{ D2U, { .type = P9_RCREATE, .tag = 1, .qid = Q(0, 0, 0xb), .iounit = 8168 },
	  "Rcreate tag 1 qid (000000000000000b 0 ) iounit 8168" },
	{ P9_DALL, { .type = P9_TREAD, .tag = 1, .fid = 1, .offset = 1ull << 40,
		     .count = 100 },
	  "Tread tag 1 fid 1 offset 1099511627776 count 100" },
	{ P9_DALL, { .type = P9_RREAD, .tag = 1, .count = 5, .data = (const uint8_t *)"hello" },
	  "Rread tag 1 count 5 'hello'" },
	{ P9_DALL, { .type = P9_RREAD, .tag = 1, .count = 3,
		     .data = (const uint8_t *)"a\n'" },
	  "Rread tag 1 count 3 'a\\n\\''" },
	{ P9_DALL, { .type = P9_RREAD, .tag = 1, .count = sizeof long_text - 1,
		     .data = (const uint8_t *)long_text },
	  "Rread tag 1 count 68 '0123456789abcdef0123456789abcdef"
	  "0123456789abcdef0123456789abcdef'..." },
	{ P9_DALL, { .type = P9_RREAD, .tag = 1 }, "Rread tag 1 count 0" },
	{ P9_DALL, { .type = P9_TWRITE, .tag = 1, .fid = 1, .offset = 10,
		     .count = sizeof bin3, .data = bin3 },
	  "Twrite tag 1 fid 1 offset 10 count 3 0001ff" },
	{ P9_DALL, { .type = P9_RWRITE, .tag = 1, .count = 3 }, "Rwrite tag 1 count 3" },
	{ P9_DALL, { .type = P9_TCLUNK, .tag = 1, .fid = 7 }, "Tclunk tag 1 fid 7" },
	{ P9_DALL, { .type = P9_RCLUNK, .tag = 1 }, "Rclunk tag 1" },
	{ P9_DALL, { .type = P9_TREMOVE, .tag = 1, .fid = 7 }, "Tremove tag 1 fid 7" },
	{ P9_DALL, { .type = P9_RREMOVE, .tag = 1 }, "Rremove tag 1" },
	{ D2U, { .type = P9_TSTAT, .tag = 1, .fid = 7 }, "Tstat tag 1 fid 7" },
	{ P9_D2000, { .type = P9_RSTAT, .tag = 1, .stat = STAT1 },
	  "Rstat tag 1 f u g m q (0000000000000004 3 ) m 0644 at 5 mt 6 l 7 t 1 d 2" },
	{ P9_DU, { .type = P9_RSTAT, .tag = 1, .stat = STATU },
	  "Rstat tag 1 ln u g '' q (0000000000000004 3 L) m 0200000777 at 5 mt 6 "
	  "l 7 t 1 d 2 ext ../README uid 1000 gid 100 muid 4294967295" },
	{ P9_D2000, { .type = P9_TWSTAT, .tag = 1, .fid = 7, .stat = STAT1 },
	  "Twstat tag 1 fid 7 f u g m q (0000000000000004 3 ) m 0644 at 5 mt 6 l 7 t 1 d 2" },
	{ P9_DU, { .type = P9_TWSTAT, .tag = 1, .fid = 7, .stat = STATU },
	  "Twstat tag 1 fid 7 ln u g '' q (0000000000000004 3 L) m 0200000777 at 5 "
	  "mt 6 l 7 t 1 d 2 ext ../README uid 1000 gid 100 muid 4294967295" },
	{ D2U, { .type = P9_RWSTAT, .tag = 1 }, "Rwstat tag 1" },
};
enum { NVEC = sizeof vecs / sizeof vecs[0] };

static const int dialects[] = { P9_D2000, P9_DU, P9_DL };

/* Encode into a fresh exact-size heap buffer so ASan sees any over-read. */
static uint8_t *encode(const struct p9_msg *m, int d, size_t *len)
{
	long n = p9_encoded_size(m, d), k;
	uint8_t *buf;
	ck_assert_int_gt(n, 0);
	buf = malloc((size_t)n);
	ck_assert_ptr_nonnull(buf);
	k = p9_encode(m, d, buf, (size_t)n);
	ck_assert_int_eq(k, n);
	ck_assert_uint_eq(p9_get32(buf), (uint32_t)n);
	*len = (size_t)n;
	return buf;
}

static const char *tn(unsigned t)
{
	return p9_typename(t);
}

/* Every row, in every dialect that defines it, has a vector. */
START_TEST(every_row_has_a_vector)
{
	unsigned i = 0, rows = 0;
	const struct p9_msgdef *d;
	while ((d = p9_msgdef_next(&i))) {
		rows++;
		for (int k = 0; k < 3; k++) {
			int found = 0;
			if (!(d->dialects & dialects[k]))
				continue;
			for (int v = 0; v < NVEC; v++)
				if (vecs[v].m.type == d->type &&
				    (vecs[v].dialects & dialects[k]))
					found = 1;
			ck_assert_msg(found, "no vector for %s in %s", d->name,
				      p9_dialect_name(dialects[k]));
		}
	}
	/* 9P2000 has 28 rows (100..127), 9P2000.L adds 40 */
	ck_assert_uint_eq(rows, 28 + 40);
}
END_TEST

/* Vectors only name dialects that define their message. */
START_TEST(vectors_match_table)
{
	for (int v = 0; v < NVEC; v++) {
		const struct p9_msgdef *d = p9_msgdef(vecs[v].m.type);
		ck_assert_ptr_nonnull(d);
		ck_assert_msg((vecs[v].dialects & ~d->dialects) == 0,
			      "vector %d (%s) names a dialect outside its row", v, d->name);
		ck_assert_ptr_eq(p9_msgdef_byname(d->name), d);
		ck_assert_str_eq(tn(d->type), d->name);
	}
}
END_TEST

/* encode -> decode -> encode is byte-identical; both sides print alike. */
START_TEST(roundtrip_and_print)
{
	const struct vec *v = &vecs[_i];
	for (int k = 0; k < 3; k++) {
		int d = dialects[k];
		struct p9_msg m;
		struct p9_decode_err e;
		uint8_t *a, *b;
		size_t alen, blen;
		char s1[1024], s2[1024];
		int n;
		if (!(v->dialects & d))
			continue;
		a = encode(&v->m, d, &alen);
		ck_assert_msg(p9_decode(a, alen, d, &m, &e) == 0, "%s %s: decode failed",
			      tn(v->m.type), p9_dialect_name(d));
		b = encode(&m, d, &blen);
		ck_assert_uint_eq(alen, blen);
		ck_assert_msg(memcmp(a, b, alen) == 0, "%s %s: re-encode differs",
			      tn(v->m.type), p9_dialect_name(d));
		n = p9_fmt(s1, sizeof s1, &v->m, d);
		ck_assert_int_eq(n, (int)strlen(v->fmt));
		ck_assert_str_eq(s1, v->fmt);
		p9_fmt(s2, sizeof s2, &m, d);
		ck_assert_str_eq(s2, v->fmt);
		free(a);
		free(b);
	}
}
END_TEST

/* Every proper prefix fails to decode, with the size field patched to
 * the prefix's length and left as it was. */
START_TEST(truncation_every_offset)
{
	const struct vec *v = &vecs[_i];
	for (int k = 0; k < 3; k++) {
		int d = dialects[k];
		uint8_t *a;
		size_t len;
		if (!(v->dialects & d))
			continue;
		a = encode(&v->m, d, &len);
		for (size_t cut = 0; cut < len; cut++) {
			for (int patch = 0; patch < 2; patch++) {
				uint8_t *t = malloc(cut ? cut : 1);
				struct p9_msg m;
				struct p9_decode_err e = { 0 };
				int rc;
				memcpy(t, a, cut);
				if (patch && cut >= 4)
					p9_put32(t, (uint32_t)cut);
				rc = p9_decode(t, cut, d, &m, &e);
				ck_assert_msg(rc < 0, "%s %s: prefix %zu/%zu (patch %d) decoded",
					      tn(v->m.type), p9_dialect_name(d), cut, len, patch);
				ck_assert_int_eq(rc, e.code);
				ck_assert_ptr_nonnull(e.field);
				ck_assert_uint_le(e.offset, cut);
				free(t);
			}
		}
		free(a);
	}
}
END_TEST

/* ---- wire bytes pinned independently of the encoder ---- */

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = 0;
	while (*h) {
		if (*h == ' ') {
			h++;
			continue;
		}
		ck_assert(h[1] != 0);
		sscanf(h, "%2hhx", &out[n++]);
		h += 2;
	}
	return n;
}

static void pin(const struct p9_msg *m, int d, const char *hex, const char *fmt)
{
	uint8_t want[512], *got;
	size_t n = unhex(hex, want), len;
	struct p9_msg dm;
	char s[512];
	got = encode(m, d, &len);
	ck_assert_uint_eq(len, n);
	ck_assert_msg(memcmp(got, want, n) == 0, "%s: wire bytes differ", fmt);
	ck_assert_int_eq(p9_decode(want, n, d, &dm, NULL), 0);
	p9_fmt(s, sizeof s, &dm, d);
	ck_assert_str_eq(s, fmt);
	free(got);
}

START_TEST(known_bytes)
{
	struct p9_msg m = { .type = P9_TVERSION, .tag = P9_NOTAG, .msize = 8192,
			    .version = S("9P2000") };
	pin(&m, P9_D2000, "13000000 64 ffff 00200000 0600 395032303030",
	    "Tversion tag 65535 msize 8192 version 9P2000");
	m = (struct p9_msg){ .type = P9_RLERROR, .tag = 1, .errnum = 2 };
	pin(&m, P9_DL, "0b000000 07 0100 02000000", "Rlerror tag 1 ecode ENOENT");
	m = (struct p9_msg){ .type = P9_TWALK, .tag = 1, .fid = 0, .newfid = 1,
			     .nwname = 2, .wname = { S("a"), S("b") } };
	pin(&m, P9_DL, "17000000 6e 0100 00000000 01000000 0200 0100 61 0100 62",
	    "Twalk tag 1 fid 0 newfid 1 nwname 2 0:a 1:b");
	m = (struct p9_msg){ .type = P9_TATTACH, .tag = 1, .fid = 0, .afid = P9_NOFID,
			     .uname = S("u"), .aname = S(""), .n_uname = 0 };
	pin(&m, P9_DL, "18000000 68 0100 00000000 ffffffff 0100 75 0000 00000000",
	    "Tattach tag 1 fid 0 afid -1 uname u aname '' n_uname 0");
	pin(&m, P9_D2000, "14000000 68 0100 00000000 ffffffff 0100 75 0000",
	    "Tattach tag 1 fid 0 afid -1 uname u aname ''");
	m = (struct p9_msg){ .type = P9_RERROR, .tag = 2, .ename = S("x"), .errnum = 13 };
	pin(&m, P9_DU, "0e000000 6b 0200 0100 78 0d000000",
	    "Rerror tag 2 ename x errno EACCES");
	pin(&m, P9_D2000, "0a000000 6b 0200 0100 78", "Rerror tag 2 ename x");
	m = (struct p9_msg){ .type = P9_RATTACH, .tag = 1, .qid = Q(P9_QTDIR, 0, 1) };
	pin(&m, P9_DL, "14000000 69 0100 80 00000000 0100000000000000",
	    "Rattach tag 1 qid (0000000000000001 0 d)");
	m = (struct p9_msg){ .type = P9_TFSYNC, .tag = 3, .fid = 4, .datasync = 1 };
	pin(&m, P9_DL, "0f000000 32 0300 04000000 01000000",
	    "Tfsync tag 3 fid 4 datasync 1");
	/* Tgetlock: fid type start length proc_id client_id, no flags */
	m = (struct p9_msg){ .type = P9_TGETLOCK, .tag = 1, .fid = 2, .lock_type = 1,
			     .start = 3, .length = 4, .proc_id = 5, .client_id = S("c") };
	pin(&m, P9_DL, "23000000 36 0100 02000000 01 0300000000000000 "
	    "0400000000000000 05000000 0100 63",
	    "Tgetlock tag 1 fid 2 locktype 1 start 3 length 4 proc_id 5 client_id c");
	m = (struct p9_msg){ .type = P9_RREAD, .tag = 1, .count = 2,
			     .data = (const uint8_t *)"hi" };
	pin(&m, P9_DL, "0d000000 75 0100 02000000 6869", "Rread tag 1 count 2 'hi'");
	/* Rstat in 9P2000: n[2] then the stat with its own size[2] */
	m = (struct p9_msg){ .type = P9_RSTAT, .tag = 1 };
	m.stat = (struct p9_stat){ .qid = Q(0, 0, 1), .mode = 0644, .name = S("f"),
				   .uid = S("u"), .gid = S("g"), .muid = S("") };
	pin(&m, P9_D2000, "3d000000 7d 0100 3400 3200 0000 00000000 "
	    "00 00000000 0100000000000000 a4010000 00000000 00000000 "
	    "0000000000000000 0100 66 0100 75 0100 67 0000",
	    "Rstat tag 1 f u g '' q (0000000000000001 0 ) m 0644 at 0 mt 0 l 0 t 0 d 0");
	/* the same in 9P2000.u gains extension[s] n_uid n_gid n_muid */
	m.stat.n_uid = 1;
	pin(&m, P9_DU, "4b000000 7d 0100 4200 4000 0000 00000000 "
	    "00 00000000 0100000000000000 a4010000 00000000 00000000 "
	    "0000000000000000 0100 66 0100 75 0100 67 0000 0000 "
	    "01000000 00000000 00000000",
	    "Rstat tag 1 f u g '' q (0000000000000001 0 ) m 0644 at 0 mt 0 l 0 t 0 d 0 "
	    "ext '' uid 1 gid 0 muid 0");
}
END_TEST

START_TEST(getlock_has_no_flags_fsync_has_datasync)
{
	const struct p9_msgdef *gl = p9_msgdef(P9_TGETLOCK), *lk = p9_msgdef(P9_TLOCK);
	const struct p9_msgdef *fs = p9_msgdef(P9_TFSYNC);
	ck_assert_ptr_null(p9_field_byname(gl, "flags"));
	ck_assert_ptr_nonnull(p9_field_byname(lk, "flags"));
	ck_assert_ptr_nonnull(p9_field_byname(fs, "datasync"));
	ck_assert_uint_eq(p9_field_byname(fs, "datasync")->kind, P9K_U32);
	ck_assert_uint_eq(p9_field_byname(p9_msgdef(P9_RERROR), "errno")->dialects, P9_DU);
	ck_assert_uint_eq(p9_field_byname(p9_msgdef(P9_TCREATE), "extension")->dialects, P9_DU);
	ck_assert_uint_eq(p9_field_byname(p9_msgdef(P9_TATTACH), "n_uname")->dialects, DU_L);
	ck_assert_uint_eq(p9_field_byname(p9_msgdef(P9_TAUTH), "n_uname")->dialects, DU_L);
}
END_TEST

/* ---- decoder errors ---- */

static void decode_err(const char *hex, int d, int code, const char *want)
{
	uint8_t buf[512];
	size_t n = unhex(hex, buf);
	uint8_t *t = malloc(n ? n : 1);
	struct p9_msg m;
	struct p9_decode_err e;
	char s[256];
	memcpy(t, buf, n);
	ck_assert_int_eq(p9_decode(t, n, d, &m, &e), code);
	p9_decode_err_str(&e, s, sizeof s);
	ck_assert_str_eq(s, want);
	free(t);
}

/* Messages 9P2000.L's decoder rejects with -EBADMSG, and the report. */
static const struct {
	const char *hex, *want;
} bad_l[] = {
	/* Twalk a b cut after the second name's length */
	{ "16000000 6e 0100 00000000 01000000 0200 0100 61 0100",
	  "Twalk: field wname: string runs past end at offset 22" },
	{ "15000000 6e 0100 00000000 01000000 0200 0100 61 01",
	  "Twalk: field wname: truncated at offset 20" },
	/* nwname 17 rejected at the nwname field */
	{ "11000000 6e 0100 00000000 01000000 1100",
	  "Twalk: field wname: nwname above 16 at offset 15" },
	{ "09000000 6f 0100 1100",
	  "Rwalk: field wqid: nwqid above 16 at offset 7" },
	/* size field versus buffer */
	{ "14000000 64 ffff 00200000 0600 395032303030",
	  "Tversion: field size: size beyond buffer at offset 0" },
	{ "12000000 64 ffff 00200000 0600 395032303030",
	  "Tversion: field size: size short of buffer at offset 0" },
	{ "0700",
	  "message: field size: shorter than a header at offset 0" },
	/* trailing garbage */
	{ "0c000000 78 0100 07000000 00",
	  "Tclunk: field trailing: bytes after the last field at offset 11" },
	/* data count past the end */
	{ "0d000000 75 0100 03000000 6869",
	  "Rread: field data: data runs past end at offset 11" },
	{ "17000000 76 0100 01000000 0000000000000000 ffffffff",
	  "Twrite: field data: data runs past end at offset 23" },
	/* Tattach in .L without n_uname is truncated; in 9P2000 it is whole */
	{ "14000000 68 0100 00000000 ffffffff 0100 75 0000",
	  "Tattach: field n_uname: truncated at offset 20" },
};

START_TEST(decode_errors_name_type_field_offset)
{
	for (size_t i = 0; i < sizeof bad_l / sizeof bad_l[0]; i++)
		decode_err(bad_l[i].hex, P9_DL, -EBADMSG, bad_l[i].want);
	/* unknown type */
	decode_err("07000000 c8 0100", P9_DL, -EPROTO,
		   "message: field type: unknown message type at offset 4");
	/* Rerror in .u needs errno; in 9P2000 the same bytes are trailing */
	decode_err("0e000000 6b 0200 0100 78 0d000000", P9_D2000, -EBADMSG,
		   "Rerror: field trailing: bytes after the last field at offset 10");
}
END_TEST

/* Found by fuzz_decode: an Rreaddir whose count runs past the end left
 * count set and data NULL, and printing it walked a NULL payload.  A
 * failed decode now leaves only type and tag. */
START_TEST(failed_decode_prints_safely)
{
	static const uint8_t crash[] = {
		0x16, 0x00, 0x00, 0x00, 0x29, 0x29, 0x66, 0x29, 0x69, 0x9c, 0xff,
		0x00, 0x00, 0x03, 0x00, 0x02, 0x2c, 0x40, 0x00, 0x00, 0x16, 0x00,
	};
	struct p9_msg m;
	char s[256];
	for (int k = 0; k < 3; k++) {
		ck_assert_int_eq(p9_decode(crash, sizeof crash, dialects[k], &m, NULL), -EBADMSG);
		ck_assert_uint_eq(m.type, P9_RREADDIR);
		ck_assert_uint_eq(m.tag, 0x6629);
		ck_assert_uint_eq(m.count, 0);
		ck_assert_ptr_null(m.data);
		p9_fmt(s, sizeof s, &m, dialects[k]);
		ck_assert_str_eq(s, "Rreaddir tag 26153 count 0 nent 0");
		p9_json(s, sizeof s, &m, dialects[k], 64);
	}
	/* the same for a walk cut after nwname 17 */
	ck_assert_int_lt(p9_decode((const uint8_t *)"\x11\0\0\0\x6e\1\0\0\0\0\0\1\0\0\0\x11\0",
				   17, P9_DL, &m, NULL), 0);
	ck_assert_uint_eq(m.nwname, 0);
}
END_TEST

START_TEST(stat_size_mismatch)
{
	/* a stat whose own size claims one byte more than its fields */
	decode_err("3e000000 7d 0100 3500 3300 0000 00000000 "
		   "00 00000000 0100000000000000 a4010000 00000000 00000000 "
		   "0000000000000000 0100 66 0100 75 0100 67 0000 00",
		   P9_D2000, -EBADMSG,
		   "Rstat: field stat: stat size larger than its fields at offset 61");
	/* n[2] and the stat's size[2] disagree */
	decode_err("3e000000 7d 0100 3500 3200 0000 00000000 "
		   "00 00000000 0100000000000000 a4010000 00000000 00000000 "
		   "0000000000000000 0100 66 0100 75 0100 67 0000 00",
		   P9_D2000, -EBADMSG,
		   "Rstat: field stat: stat length disagrees with stat size at offset 61");
	/* a 9P2000 stat read as 9P2000.u runs short */
	decode_err("3d000000 7d 0100 3400 3200 0000 00000000 "
		   "00 00000000 0100000000000000 a4010000 00000000 00000000 "
		   "0000000000000000 0100 66 0100 75 0100 67 0000",
		   P9_DU, -EBADMSG, "Rstat: field stat: truncated at offset 61");
}
END_TEST

/* QEMU 7.2's Rstat (9P2000.u, -fsdev local, Tstat of the root), as seen by
 * 9psuite -v: n[2] is 0, then a self-consistent stat record of 77 bytes. */
static const char qemu_rstat[] =
	"58000000 7d 0200 0000 4d00 0000 00000000 "
	"80 108c126b f640a80000000000 ed010080 108c026b 108c026b "
	"0010000000000000 0100 2e 0000 0000 0000 0f00 484152444c494e4b434f554e542032 "
	"00000000 00000000 00000000";

/* Decode hex with flags: the return code, *m, *tol and the error text. */
static int lax_decode(const char *hex, int d, unsigned flags, struct p9_msg *m,
		      unsigned *tol, char *why, size_t cap)
{
	static uint8_t buf[512]; /* *m points into it until the next call */
	struct p9_decode_err e;
	size_t n = unhex(hex, buf);
	int rc;
	why[0] = 0;
	rc = p9_decode_flags(buf, n, d, flags, m, &e, tol);
	if (rc)
		p9_decode_err_str(&e, why, cap);
	return rc;
}

START_TEST(statlen_flag)
{
	struct p9_msg m;
	unsigned tol = 99;
	char why[256];
	/* strict (the default): QEMU's Rstat is rejected, naming the reason */
	ck_assert_int_eq(lax_decode(qemu_rstat, P9_DU, 0, &m, &tol, why, sizeof why), -EBADMSG);
	ck_assert_str_eq(why, "Rstat: field stat: stat length disagrees with stat size at offset 88");
	ck_assert_uint_eq(tol, 0);
	decode_err(qemu_rstat, P9_DU, -EBADMSG,
		   "Rstat: field stat: stat length disagrees with stat size at offset 88");
	/* with the flag: accepted, reported, the record's fields all there */
	ck_assert_int_eq(lax_decode(qemu_rstat, P9_DU, P9_DEC_STATLEN, &m, &tol, why, sizeof why), 0);
	ck_assert_uint_eq(tol, P9_DEC_STATLEN);
	ck_assert_uint_eq(m.type, P9_RSTAT);
	ck_assert_uint_eq(m.tag, 2);
	ck_assert_uint_eq(m.nstat, 0);
	ck_assert_uint_eq(m.stat.size, 77);
	ck_assert(p9_streq(m.stat.name, "."));
	ck_assert(p9_streq(m.stat.extension, "HARDLINKCOUNT 2"));
	ck_assert_uint_eq(m.stat.mode, 0x800001edu);
	ck_assert_uint_eq(m.stat.qid.type, P9_QTDIR);
	ck_assert_uint_eq(m.stat.length, 4096);
	/* the NULL report pointer is allowed */
	{
		uint8_t buf[128];
		size_t n = unhex(qemu_rstat, buf);
		ck_assert_int_eq(p9_decode_flags(buf, n, P9_DU, P9_DEC_STATLEN, &m, NULL, NULL), 0);
	}
	/* a correct Rstat under the flag tolerates nothing; nstat = size + 2 */
	{
		char ok[sizeof qemu_rstat];
		memcpy(ok, qemu_rstat, sizeof ok);
		memcpy(ok + 17, "4f00", 4);
		ck_assert_int_eq(lax_decode(ok, P9_DU, P9_DEC_STATLEN, &m, &tol, why, sizeof why), 0);
		ck_assert_uint_eq(tol, 0);
		ck_assert_uint_eq(m.nstat, 79);
		ck_assert_int_eq(lax_decode(ok, P9_DU, 0, &m, &tol, why, sizeof why), 0);
		ck_assert_uint_eq(m.nstat, 79);
		/* n beyond the message: strict says so, the flag tolerates it */
		memcpy(ok + 17, "ffff", 4);
		ck_assert_int_eq(lax_decode(ok, P9_DU, 0, &m, &tol, why, sizeof why), -EBADMSG);
		ck_assert_str_eq(why, "Rstat: field stat: stat length runs past end at offset 7");
		ck_assert_int_eq(lax_decode(ok, P9_DU, P9_DEC_STATLEN, &m, &tol, why, sizeof why), 0);
		ck_assert_uint_eq(tol, P9_DEC_STATLEN);
		ck_assert_uint_eq(m.nstat, 0xffff);
	}
	/* the flag needs a self-consistent record: one whose size[2] claims a
	 * byte more than its fields is still refused */
	ck_assert_int_eq(lax_decode("3e000000 7d 0100 0000 3300 0000 00000000 "
				    "00 00000000 0100000000000000 a4010000 00000000 00000000 "
				    "0000000000000000 0100 66 0100 75 0100 67 0000 00",
				    P9_D2000, P9_DEC_STATLEN, &m, &tol, why, sizeof why), -EBADMSG);
	ck_assert_str_eq(why, "Rstat: field stat: stat size larger than its fields at offset 61");
	/* ... and a record that does not end the message (a byte after it) */
	ck_assert_int_eq(lax_decode("3e000000 7d 0100 0000 3200 0000 00000000 "
				    "00 00000000 0100000000000000 a4010000 00000000 00000000 "
				    "0000000000000000 0100 66 0100 75 0100 67 0000 00",
				    P9_D2000, P9_DEC_STATLEN, &m, &tol, why, sizeof why), -EBADMSG);
	ck_assert_str_eq(why, "Rstat: field stat: stat length disagrees with stat size at offset 61");
	ck_assert_uint_eq(tol, 0);
	/* Twstat: the same rule for the n[2] after fid */
	ck_assert_int_eq(lax_decode("41000000 7e 0100 07000000 0000 3200 0000 00000000 "
				    "00 00000000 0100000000000000 a4010000 00000000 00000000 "
				    "0000000000000000 0100 66 0100 75 0100 67 0000",
				    P9_D2000, P9_DEC_STATLEN, &m, &tol, why, sizeof why), 0);
	ck_assert_uint_eq(tol, P9_DEC_STATLEN);
	ck_assert_uint_eq(m.fid, 7);
	ck_assert(p9_streq(m.stat.name, "f"));
	/* only the named deviation: other errors stay errors under the flag */
	ck_assert_int_eq(lax_decode("0c000000 78 0100 07000000 00", P9_DL, P9_DEC_STATLEN,
				    &m, &tol, why, sizeof why), -EBADMSG);
	ck_assert_str_eq(p9_decode_flag_name(P9_DEC_STATLEN), "statlen");
	ck_assert_str_eq(p9_decode_flag_name(0), "");
}
END_TEST

/* nfs-ganesha 4.3's 9P2000.L error: type 107 (Rerror), body ecode[4]. */
START_TEST(rlerror_flag)
{
	struct p9_msg m;
	unsigned tol = 99;
	char why[256];
	static const char ganesha[] = "0b000000 6b 0300 02000000";
	/* strict: not an Rlerror (Rerror's ename[s] reads the ecode's bytes) */
	lax_decode(ganesha, P9_DL, 0, &m, &tol, why, sizeof why);
	ck_assert_uint_eq(tol, 0);
	ck_assert(m.type != P9_RLERROR);
	/* with the flag: that Rlerror, the wire type kept */
	ck_assert_int_eq(lax_decode(ganesha, P9_DL, P9_DEC_RLERROR, &m, &tol, why, sizeof why), 0);
	ck_assert_uint_eq(tol, P9_DEC_RLERROR);
	ck_assert_uint_eq(m.type, P9_RLERROR);
	ck_assert_uint_eq(m.wiretype, P9_RERROR);
	ck_assert_uint_eq(m.tag, 3);
	ck_assert_uint_eq(m.errnum, 2);
	/* only in 9P2000.L, only a 4-byte body */
	lax_decode(ganesha, P9_DU, P9_DEC_RLERROR, &m, &tol, why, sizeof why);
	ck_assert_uint_eq(tol, 0);
	ck_assert(m.type != P9_RLERROR);
	lax_decode("0c000000 6b 0300 0200000000", P9_DL, P9_DEC_RLERROR, &m, &tol, why, sizeof why);
	ck_assert_uint_eq(tol, 0);
	/* a real Rlerror is untouched */
	ck_assert_int_eq(lax_decode("0b000000 07 0300 02000000", P9_DL, P9_DEC_RLERROR, &m, &tol,
				    why, sizeof why), 0);
	ck_assert_uint_eq(tol, 0);
	ck_assert_uint_eq(m.wiretype, P9_RLERROR);
	ck_assert_str_eq(p9_decode_flag_name(P9_DEC_RLERROR), "rlerror");
	ck_assert_str_eq(p9_decode_flag_rule(P9_DEC_RLERROR),
			 "9P2000.L errors are Rlerror (type 7), never Rerror (type 107)");
}
END_TEST

/* The client decodes replies strictly unless decode_flags says otherwise,
 * and a reply records what was tolerated. */
START_TEST(client_decode_flags)
{
	uint8_t buf[128];
	size_t n = unhex(qemu_rstat, buf);
	for (int lax = 0; lax < 2; lax++) {
		int p[2];
		struct p9_conn *conn;
		struct p9_client *c;
		struct p9_reply *r = NULL;
		ck_assert_int_eq(pipe(p), 0);
		ck_assert_int_eq((int)write(p[1], buf, n), (int)n);
		conn = p9_conn_new_stream(p[0], p[1], "pipe");
		ck_assert_ptr_nonnull(conn);
		c = p9_client_new(conn, 8192, P9_DU);
		ck_assert_uint_eq(c->decode_flags, 0);
		if (lax)
			c->decode_flags = P9_DEC_STATLEN;
		ck_assert_int_eq(p9_client_wait(c, 2, 2000, &r), 0);
		ck_assert_uint_eq(r->m.type, P9_RSTAT);
		if (lax) {
			ck_assert_int_eq(r->decode_rc, 0);
			ck_assert_uint_eq(r->tolerated, P9_DEC_STATLEN);
			ck_assert(p9_streq(r->m.stat.name, "."));
		} else {
			ck_assert_int_eq(r->decode_rc, -EBADMSG);
			ck_assert_uint_eq(r->tolerated, 0);
		}
		p9_reply_free(r);
		p9_client_free(c);
		p9_conn_close(conn);
	}
}
END_TEST

START_TEST(dirent_partial_entry)
{
	struct p9_dirent e;
	size_t pos = 0;
	/* both entries whole */
	ck_assert_int_eq(p9_dirent_next(rd_data, sizeof rd_data, &pos, &e), 1);
	ck_assert(p9_streq(e.name, "a"));
	ck_assert_uint_eq(e.offset, 1);
	ck_assert_uint_eq(e.type, 4);
	ck_assert_uint_eq(e.qid.type, P9_QTDIR);
	ck_assert_uint_eq(pos, 25);
	ck_assert_int_eq(p9_dirent_next(rd_data, sizeof rd_data, &pos, &e), 1);
	ck_assert(p9_streq(e.name, "bb"));
	ck_assert_int_eq(p9_dirent_next(rd_data, sizeof rd_data, &pos, &e), 0);
	/* every cut inside the second entry is a partial entry at 25 */
	for (size_t cut = 26; cut < sizeof rd_data; cut++) {
		uint8_t *t = malloc(cut);
		int rc;
		memcpy(t, rd_data, cut);
		pos = 0;
		ck_assert_int_eq(p9_dirent_next(t, cut, &pos, &e), 1);
		rc = p9_dirent_next(t, cut, &pos, &e);
		ck_assert_int_eq(rc, -EBADMSG);
		ck_assert_uint_eq(pos, 25);
		free(t);
	}
	/* and an Rreaddir carrying it still decodes, but prints the problem */
	{
		struct p9_msg m = { .type = P9_RREADDIR, .tag = 1, .count = 30,
				    .data = rd_data }, dm;
		uint8_t *a;
		size_t len;
		char s[256];
		a = encode(&m, P9_DL, &len);
		ck_assert_int_eq(p9_decode(a, len, P9_DL, &dm, NULL), 0);
		p9_fmt(s, sizeof s, &dm, P9_DL);
		ck_assert_str_eq(s, "Rreaddir tag 1 count 30 0:a@1 nent 1 partial-entry-at 25");
		free(a);
	}
}
END_TEST

START_TEST(dirent_and_stat_put)
{
	uint8_t buf[256];
	struct p9_dirent e = { .qid = Q(P9_QTDIR, 0, 1), .offset = 1, .type = 4,
			       .name = S("a") }, g;
	struct p9_stat st = STATU, sg;
	size_t pos = 0;
	long n = p9_dirent_put(buf, sizeof buf, &e);
	ck_assert_int_eq(n, 25);
	ck_assert(memcmp(buf, rd_data, 25) == 0);
	ck_assert_int_eq(p9_dirent_put(buf, 24, &e), -ENOSPC);
	ck_assert_int_eq(p9_dirent_next(buf, 25, &pos, &g), 1);
	ck_assert(p9_streq(g.name, "a"));
	/* two .u stats back to back, then a cut one */
	n = p9_stat_put(buf, sizeof buf, &st, P9_DU);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(p9_stat_put(buf + n, sizeof buf - (size_t)n, &st, P9_DU), n);
	pos = 0;
	ck_assert_int_eq(p9_stat_next(buf, 2 * (size_t)n, P9_DU, &pos, &sg), 1);
	ck_assert(p9_streq(sg.extension, "../README"));
	ck_assert_uint_eq(sg.n_muid, P9_NONUNAME);
	ck_assert_int_eq(p9_stat_next(buf, 2 * (size_t)n, P9_DU, &pos, &sg), 1);
	ck_assert_int_eq(p9_stat_next(buf, 2 * (size_t)n, P9_DU, &pos, &sg), 0);
	for (size_t cut = (size_t)n + 1; cut < 2 * (size_t)n; cut++) {
		pos = (size_t)n;
		ck_assert_int_eq(p9_stat_next(buf, cut, P9_DU, &pos, &sg), -EBADMSG);
	}
	/* the 9P2000 reading of a .u record is a size mismatch */
	pos = 0;
	ck_assert_int_eq(p9_stat_next(buf, (size_t)n, P9_D2000, &pos, &sg), -EBADMSG);
}
END_TEST

/* The record tables: fields by name, generic get/set, and the printers'
 * names (a dirent's type is "dtype" in JSON only). */
START_TEST(record_tables)
{
	const struct p9_recdef *sd = p9_stat_def(), *dd = p9_dirent_def();
	struct p9_stat st = STATU;
	struct p9_dirent e = { .qid = Q(P9_QTDIR, 0, 1), .offset = 1, .type = 4,
			       .name = S("a") };
	const struct p9_recfield *f;
	char s[512];
	int n = 0;
	ck_assert_str_eq(sd->name, "stat");
	ck_assert_uint_eq(sd->size, sizeof(struct p9_stat));
	ck_assert_ptr_null(p9_recfield_byname(sd, "nope"));
	ck_assert_uint_eq(p9_recfield_byname(sd, "size")->role, P9R_RECSIZE);
	f = p9_recfield_byname(sd, "n_gid");
	ck_assert_uint_eq(f->dialects, P9_DU);
	p9_rec_set_uint(&st, f, 0x1234567890ull); /* truncated to u32 */
	ck_assert_uint_eq(st.n_gid, 0x34567890u);
	ck_assert_uint_eq(p9_rec_uint(&st, f), 0x34567890u);
	f = p9_recfield_byname(sd, "muid");
	p9_rec_set_str(&st, f, p9_s("m2"));
	ck_assert(p9_streq(p9_rec_str(&st, f), "m2"));
	ck_assert_uint_eq(p9_rec_uint(&st, f), 0); /* not an integer */
	f = p9_recfield_byname(sd, "qid");
	ck_assert_ptr_eq(p9_rec_ptr(&st, f), &st.qid);
	ck_assert_uint_eq(p9_rec_str(&st, f).len, 0); /* not a string */
	/* wire size from the table: 2+2+4+13+4+4+4+8 + 4 strings + .u */
	ck_assert_int_eq(p9_stat_put((uint8_t *)s, sizeof s, &st, P9_D2000), 41 + 4 + 3 + 3 + 4);
	ck_assert_int_eq(p9_stat_put((uint8_t *)s, sizeof s, &st, P9_DU), 55 + 11 + 12);
	ck_assert_uint_eq(p9_get16((uint8_t *)s), 55 + 11 + 12 - 2);
	f = p9_recfield_byname(dd, "type");
	ck_assert_str_eq(f->json, "dtype");
	ck_assert_uint_eq(p9_rec_uint(&e, f), 4);
	for (unsigned i = 0; i < sd->nfield; i++)
		n += sd->field[i].role == P9R_RECSIZE;
	ck_assert_int_eq(n, 1);
	ck_assert_int_gt(p9_dirent_put((uint8_t *)s, sizeof s, &e), 0);
}
END_TEST

/* Roles: which fields name fids, read by printers and the tracer. */
START_TEST(field_roles)
{
	const struct p9_msgdef *d = p9_msgdef(P9_TWALK);
	ck_assert_uint_eq(p9_field_byname(d, "fid")->role, P9R_FID);
	ck_assert_uint_eq(p9_field_byname(d, "newfid")->role, P9R_NEWFID);
	d = p9_msgdef(P9_TATTACH);
	ck_assert_uint_eq(p9_field_byname(d, "fid")->role, P9R_NEWFID);
	ck_assert_uint_eq(p9_field_byname(d, "afid")->role, P9R_AFID);
	ck_assert_uint_eq(p9_field_byname(p9_msgdef(P9_TAUTH), "afid")->role, P9R_NEWFID);
	ck_assert_uint_eq(p9_field_byname(p9_msgdef(P9_TUNLINKAT), "dirfd")->role,
			  P9R_DIRFID);
	ck_assert_uint_eq(p9_field_byname(p9_msgdef(P9_TRENAMEAT), "newdirfid")->role,
			  P9R_DIRFID);
	ck_assert_uint_eq(p9_field_byname(p9_msgdef(P9_TREAD), "count")->role, P9R_NONE);
	/* every fid field is a u32 */
	unsigned i = 0;
	while ((d = p9_msgdef_next(&i)))
		for (unsigned k = 0; k < d->nfield; k++)
			if (p9_role_is_fid(d->field[k].role))
				ck_assert_uint_eq(d->field[k].kind, P9K_U32);
}
END_TEST

START_TEST(encode_limits)
{
	struct p9_msg m = { .type = P9_TWALK, .nwname = 17 };
	uint8_t buf[64];
	ck_assert_int_eq(p9_encode(&m, P9_DL, buf, sizeof buf), -EINVAL);
	m = (struct p9_msg){ .type = P9_RWALK, .nwqid = 17 };
	ck_assert_int_eq(p9_encode(&m, P9_DL, buf, sizeof buf), -EINVAL);
	m = (struct p9_msg){ .type = 200 };
	ck_assert_int_eq(p9_encode(&m, P9_DL, buf, sizeof buf), -EINVAL);
	ck_assert_int_eq(p9_encoded_size(&m, P9_DL), -EINVAL);
	m = (struct p9_msg){ .type = P9_TVERSION, .version = S("9P2000.L") };
	ck_assert_int_eq(p9_encode(&m, P9_DL, buf, 10), -ENOSPC);
	ck_assert_int_eq(p9_encode(&m, P9_DL, buf, 0), -ENOSPC);
	/* a stat whose strings do not fit its 16-bit size is refused, not
	 * written with a wrapped size (found by this test) */
	{
		static char big[40000];
		uint8_t *out = malloc(100000);
		memset(big, 'x', sizeof big);
		m = (struct p9_msg){ .type = P9_TWSTAT, .tag = 1 };
		m.stat.name = (struct p9_str){ big, 40000 };
		m.stat.uid = (struct p9_str){ big, 40000 };
		ck_assert_int_eq(p9_encode(&m, P9_D2000, out, 100000), -EINVAL);
		ck_assert_int_eq(p9_encoded_size(&m, P9_D2000), -EINVAL);
		ck_assert_int_eq(p9_stat_put(out, 100000, &m.stat, P9_D2000), -EINVAL);
		m.stat.uid.len = 0;
		ck_assert_int_gt(p9_encode(&m, P9_D2000, out, 100000), 40000);
		free(out);
	}
}
END_TEST

/* Found by fuzz/fuzz_synthfs: a field absent from the dialect (9P2000's
 * Tcreate has no extension) is a zeroed p9_str, p == NULL; copying it
 * passed NULL to memcpy (UBSan: nonnull argument). */
START_TEST(empty_str_with_null_pointer)
{
	struct p9_str z = { NULL, 0 };
	char b[8];
	memset(b, 'x', sizeof b);
	ck_assert_ptr_eq(p9_strcpy(b, sizeof b, z), b);
	ck_assert_str_eq(b, "");
	ck_assert(p9_streq(z, ""));
	ck_assert(!p9_streq(z, "a"));
}
END_TEST

START_TEST(printer_edges)
{
	char s[256];
	struct p9_msg m = { .type = P9_NOREPLY, .tag = 9 };
	struct p9_qid q = Q(P9_QTDIR | P9_QTTMP, 0xffffffffu, ~0ull);
	p9_fmt(s, sizeof s, &m, P9_DL);
	ck_assert_str_eq(s, "NOREPLY type 0 tag 9");
	m.type = 200;
	p9_fmt(s, sizeof s, &m, P9_DL);
	ck_assert_str_eq(s, "unknown type 200 tag 9");
	p9_fmt_qid(s, sizeof s, &q);
	ck_assert_str_eq(s, "(ffffffffffffffff 4294967295 dt)");
	/* names with odd bytes are quoted and escaped */
	m = (struct p9_msg){ .type = P9_TWALK, .tag = 1, .nwname = 2,
			     .wname = { { "a\x01\xff", 3 }, S("it's") } };
	p9_fmt(s, sizeof s, &m, P9_DL);
	ck_assert_str_eq(s, "Twalk tag 1 fid 0 newfid 0 nwname 2 0:'a\\x01\\xff' 1:'it\\'s'");
	/* a short buffer truncates but reports the full length */
	{
		char small[8];
		int n;
		m = (struct p9_msg){ .type = P9_TCLUNK, .tag = 1, .fid = 7 };
		n = p9_fmt(small, sizeof small, &m, P9_DL);
		ck_assert_int_eq(n, (int)strlen("Tclunk tag 1 fid 7"));
		ck_assert_str_eq(small, "Tclunk ");
	}
	ck_assert_str_eq(p9_errno_name(2), "ENOENT");
	ck_assert_ptr_null(p9_errno_name(41));
	ck_assert_ptr_null(p9_errno_name(100000));
	ck_assert_int_eq(p9_errno_parse("EACCES"), 13);
	ck_assert_int_eq(p9_errno_parse("ENOTSUP"), 95);
	ck_assert_int_eq(p9_errno_parse("EBOGUS"), -1);
	ck_assert_int_eq(p9_dialect_parse("9P2000.L"), P9_DL);
	ck_assert_int_eq(p9_dialect_parse("9p2000.u"), P9_DU);
	ck_assert_int_eq(p9_dialect_parse("9P2000"), P9_D2000);
	ck_assert_int_eq(p9_dialect_parse("9P2000.X"), 0);
	ck_assert_int_eq(p9_dialect_parse("9P2000.Lx"), 0);
	ck_assert_str_eq(p9_dialect_name(P9_DU), "9P2000.u");
}
END_TEST

static Suite *codec_suite(void)
{
	Suite *s = suite_create("lib_codec");
	TCase *vectors = tcase_create("vectors");
	tcase_add_loop_test(vectors, roundtrip_and_print, 0, NVEC);
	tcase_add_loop_test(vectors, truncation_every_offset, 0, NVEC);
	tcase_add_test(vectors, known_bytes);
	suite_add_tcase(s, unit_case("table", 0, UNIT_TESTS(
		every_row_has_a_vector, vectors_match_table,
		getlock_has_no_flags_fsync_has_datasync)));
	suite_add_tcase(s, vectors);
	suite_add_tcase(s, unit_case("errors", 0, UNIT_TESTS(
		decode_errors_name_type_field_offset, stat_size_mismatch,
		statlen_flag, rlerror_flag, client_decode_flags,
		failed_decode_prints_safely, dirent_partial_entry,
		dirent_and_stat_put, record_tables, field_roles,
		encode_limits, printer_edges, empty_str_with_null_pointer)));
	return s;
}

/* "test_lib_codec --write-seeds DIR": every vector's encoding as a seed
 * for fuzz/corpus/decode, and directory payloads for fuzz/corpus/dirent. */
static int write_file(const char *dir, const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *f;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (!(f = fopen(path, "wb")) || fwrite(p, 1, n, f) != n || fclose(f))
		return -1;
	return 0;
}

static int write_seeds(const char *dir)
{
	char sub[4096], name[128];
	uint8_t buf[8192];
	struct p9_stat st1 = STAT1, stu = STATU;
	long n;
	snprintf(sub, sizeof sub, "%s/decode", dir);
	for (int v = 0; v < NVEC; v++)
		for (int k = 0; k < 3; k++) {
			if (!(vecs[v].dialects & dialects[k]))
				continue;
			n = p9_encode(&vecs[v].m, dialects[k], buf, sizeof buf);
			snprintf(name, sizeof name, "%03d-%s-%s", v, tn(vecs[v].m.type),
				 dialects[k] == P9_D2000 ? "2000" : dialects[k] == P9_DU ? "u" : "L");
			if (n < 0 || write_file(sub, name, buf, (size_t)n))
				return 1;
			if (vecs[v].dialects == P9_DALL)
				break; /* one encoding serves all three */
		}
	snprintf(sub, sizeof sub, "%s/dirent", dir);
	if (write_file(sub, "readdir-2", rd_data, sizeof rd_data) ||
	    write_file(sub, "readdir-partial", rd_data, 30))
		return 1;
	n = p9_stat_put(buf, sizeof buf, &st1, P9_D2000);
	n += p9_stat_put(buf + n, sizeof buf - (size_t)n, &st1, P9_D2000);
	if (write_file(sub, "stat-9p2000-2", buf, (size_t)n))
		return 1;
	n = p9_stat_put(buf, sizeof buf, &stu, P9_DU);
	n += p9_stat_put(buf + n, sizeof buf - (size_t)n, &stu, P9_DU);
	return write_file(sub, "stat-9p2000u-2", buf, (size_t)n) ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--write-seeds"))
		return write_seeds(argv[2]);
	return unit_run(codec_suite(), CK_FORK_GETENV);
}
