/*
 * test_synthfs_mem.c - synthfs without its event loop (sfs_server_init_mem,
 * sfs_add_mem, sfs_mem_input), as fuzz/fuzz_synthfs.c drives it: requests
 * in, replies out in order, a read of /flush/block answered by sfs_expire
 * (EINTR) or by its Tflush, a bad size field closing the connection, and
 * no fid left once the connection is dropped.
 */
#include <check.h>

#include "unit.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfs_test.h"


static size_t enc(struct p9_msg *m, uint8_t *out, size_t cap)
{
	long n = p9_encode(m, P9_DL, out, cap);
	ck_assert_int_gt(n, 0);
	return (size_t)n;
}

/* The i-th reply in g (decoded in 9P2000.L). */
static struct p9_msg reply(struct sfs_replies *g, int i)
{
	struct p9_msg m;
	size_t off = 0;
	for (;;) {
		ck_assert_uint_ge(g->len - off, 7);
		uint32_t n = p9_get32(g->buf + off);
		if (i-- == 0) {
			ck_assert_int_eq(p9_decode(g->buf + off, n, P9_DL, &m, NULL), 0);
			return m;
		}
		off += n;
	}
}

static struct sfs_server s;

static struct sfs_conn *setup(void)
{
	struct sfs_opts o = { 0 };
	memset(&s, 0, sizeof s);
	s.msize = 65536;
	s.block_timeout = 0;
	return sfs_memserver_up(&s, &o);
}

static void teardown(struct sfs_conn *c)
{
	sfs_memserver_down(&s, c);
}

/* Tversion, Tattach fid 0, Twalk 0 -> 1 to /flush/block, Tlopen 1. */
static void start(struct sfs_conn *c, struct sfs_replies *g)
{
	uint8_t b[512];
	size_t n = 0;
	struct p9_msg m = { .type = P9_TVERSION, .tag = P9_NOTAG, .msize = 8192,
			    .version = p9_s("9P2000.L") };
	n += enc(&m, b + n, sizeof b - n);
	m = (struct p9_msg){ .type = P9_TATTACH, .tag = 1, .fid = 0, .afid = P9_NOFID,
			     .uname = p9_s("u"), .aname = p9_s("") };
	n += enc(&m, b + n, sizeof b - n);
	m = (struct p9_msg){ .type = P9_TWALK, .tag = 2, .fid = 0, .newfid = 1,
			     .nwname = 2 };
	m.wname[0] = p9_s("flush");
	m.wname[1] = p9_s("block");
	n += enc(&m, b + n, sizeof b - n);
	m = (struct p9_msg){ .type = P9_TLOPEN, .tag = 3, .fid = 1, .flags = P9_L_O_RDONLY };
	n += enc(&m, b + n, sizeof b - n);
	/* all four in one piece: framed and answered in order */
	ck_assert_int_eq(sfs_mem_input(c, b, n, sfs_collect, g), 0);
	ck_assert_int_eq(reply(g, 0).type, P9_RVERSION);
	ck_assert_uint_eq(reply(g, 0).msize, 8192);
	ck_assert_int_eq(reply(g, 1).type, P9_RATTACH);
	ck_assert_int_eq(reply(g, 2).type, P9_RWALK);
	ck_assert_int_eq(reply(g, 3).type, P9_RLOPEN);
	ck_assert_uint_eq(s.allfids, 2);
	g->len = 0;
}

static void read_block(struct sfs_conn *c, struct sfs_replies *g, uint16_t tag)
{
	uint8_t b[64];
	struct p9_msg m = { .type = P9_TREAD, .tag = tag, .fid = 1, .count = 10 };
	size_t n = enc(&m, b, sizeof b);
	/* split in two: the first part alone is not handled */
	ck_assert_int_eq(sfs_mem_input(c, b, 5, sfs_collect, g), 0);
	ck_assert_int_eq(sfs_mem_input(c, b + 5, n - 5, sfs_collect, g), 0);
	ck_assert_uint_eq(g->len, 0); /* parked */
}

START_TEST(block_expires)
{
	struct sfs_replies g = { .len = 0 };
	struct sfs_conn *c = setup();
	start(c, &g);
	read_block(c, &g, 7);
	sfs_expire(&s);
	sfs_mem_output(c, sfs_collect, &g);
	struct p9_msg r = reply(&g, 0);
	ck_assert_int_eq(r.type, P9_RLERROR);
	ck_assert_uint_eq(r.tag, 7);
	ck_assert_uint_eq(r.errnum, EINTR);
	teardown(c);
}
END_TEST

START_TEST(block_flushed)
{
	struct sfs_replies g = { .len = 0 };
	uint8_t b[64];
	struct sfs_conn *c = setup();
	start(c, &g);
	read_block(c, &g, 7);
	struct p9_msg m = { .type = P9_TFLUSH, .tag = 8, .oldtag = 7 };
	ck_assert_int_eq(sfs_mem_input(c, b, enc(&m, b, sizeof b), sfs_collect, &g), 0);
	struct p9_msg r = reply(&g, 0);
	ck_assert_int_eq(r.type, P9_RFLUSH); /* and no reply to tag 7 */
	ck_assert_uint_eq(r.tag, 8);
	ck_assert_uint_eq(g.len, 7);
	sfs_expire(&s);
	sfs_mem_output(c, sfs_collect, &g);
	ck_assert_uint_eq(g.len, 7);
	teardown(c);
}
END_TEST

START_TEST(bad_size_closes)
{
	struct sfs_replies g = { .len = 0 };
	static const uint8_t bad[7] = { 3, 0, 0, 0, P9_TCLUNK, 1, 0 };
	struct sfs_conn *c = setup();
	start(c, &g);
	read_block(c, &g, 7); /* parked, then dropped with the connection */
	ck_assert_int_eq(sfs_mem_input(c, bad, sizeof bad, sfs_collect, &g), -1);
	ck_assert_int_eq(sfs_mem_input(c, bad, sizeof bad, sfs_collect, &g), -1);
	ck_assert_uint_eq(g.len, 0);
	ck_assert_uint_eq(s.allfids, 0);
	teardown(c);
}
END_TEST

/* Found by fuzz/fuzz_synthfs (the input's essence): in 9P2000, Tcreate
 * with DMDEVICE read the extension field, absent in that dialect, and
 * copied its NULL pointer (UBSan).  Now: Rerror, nothing created. */
START_TEST(dmdevice_in_9p2000)
{
	static const char hex[] =
		"1300000064ffff00200000060039503230303014000000680100000000"
		"00ffffffff0100750000150000006e0200000000000100000001000200"
		"727715000000720300010000000300646576a401800000";
	uint8_t b[sizeof hex / 2];
	static const int want[4] = { P9_RVERSION, P9_RATTACH, P9_RWALK, P9_RERROR };
	struct sfs_replies g = { .len = 0 };
	struct p9_msg m;
	size_t off = 0;
	for (size_t i = 0; i < sizeof b; i++)
		sscanf(hex + 2 * i, "%2hhx", &b[i]);
	struct sfs_conn *c = setup();
	ck_assert_int_eq(sfs_mem_input(c, b, sizeof b, sfs_collect, &g), 0);
	for (int i = 0; i < 4; i++) {
		uint32_t n = p9_get32(g.buf + off);
		ck_assert_int_eq(p9_decode(g.buf + off, n, P9_D2000, &m, NULL), 0);
		ck_assert_int_eq(m.type, want[i]);
		off += n;
	}
	ck_assert_uint_eq(off, g.len);
	teardown(c);
}
END_TEST

int main(void)
{
	TCase *tc = unit_case("mem", 0, UNIT_TESTS(block_expires, block_flushed,
		bad_size_closes, dmdevice_in_9p2000));
	return unit_run_case("synthfs in memory", tc, CK_NOFORK);
}
