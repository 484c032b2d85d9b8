/*
 * test_trace_vring.c - 9ptrace --virtio's view of a split virtqueue
 * (trace/vring.c) on a guest RAM image built here: ring indexes, a direct
 * chain, an indirect one, gathering segments, and what must be refused
 * (a chain leaving RAM, a loop, a read past the end).
 */
#include <check.h>

#include "unit.h"
#include <string.h>

#include "trace/virtio.h"

enum { RAM = 1 << 16, NUM = 8, DESC = 0x1000, AVAIL = 0x1100, USED = 0x2000,
       F_NEXT = 1, F_WRITE = 2, F_INDIRECT = 4 };

static uint8_t ram[RAM];
static struct tr_gmem g = { ram, RAM };
static struct tr_vring r = { &g, { DESC, AVAIL, USED, NUM, 0, 0 } };

static void put16(uint64_t a, uint16_t v)
{
	ram[a] = (uint8_t)v;
	ram[a + 1] = (uint8_t)(v >> 8);
}

static void put32(uint64_t a, uint32_t v)
{
	put16(a, (uint16_t)v);
	put16(a + 2, (uint16_t)(v >> 16));
}

static void desc(uint64_t table, unsigned i, uint64_t addr, uint32_t len,
		 uint16_t flags, uint16_t next)
{
	uint64_t d = table + 16u * i;
	put32(d, (uint32_t)addr);
	put32(d + 4, (uint32_t)(addr >> 32));
	put32(d + 8, len);
	put16(d + 12, flags);
	put16(d + 14, next);
}

static void reset(void)
{
	memset(ram, 0, sizeof ram);
}

START_TEST(indexes_and_entries)
{
	uint16_t a, u, head;
	uint32_t id, len;
	put16(AVAIL + 2, 9);               /* avail->idx */
	put16(AVAIL + 4 + 2 * (8 % NUM), 5); /* avail->ring[8 % num] */
	put16(USED + 2, 7);
	put32(USED + 4 + 8 * (6 % NUM), 5);
	put32(USED + 8 + 8 * (6 % NUM), 11);
	ck_assert_int_eq(tr_vring_idx(&r, &a, &u), 0);
	ck_assert_uint_eq(a, 9);
	ck_assert_uint_eq(u, 7);
	ck_assert_int_eq(tr_vring_avail(&r, 8, &head), 0);
	ck_assert_uint_eq(head, 5);
	ck_assert_int_eq(tr_vring_used(&r, 6, &id, &len), 0);
	ck_assert_uint_eq(id, 5);
	ck_assert_uint_eq(len, 11);
}
END_TEST

START_TEST(direct_chain_split_and_gathered)
{
	static struct tr_vchain ch;
	uint8_t out[64];
	memcpy(ram + 0x3000, "hello ", 6);
	memcpy(ram + 0x4000, "world", 5);
	desc(DESC, 2, 0x3000, 6, F_NEXT, 4);
	desc(DESC, 4, 0x4000, 5, F_NEXT, 1);
	desc(DESC, 1, 0x5000, 100, F_WRITE, 0);
	ck_assert_int_eq(tr_vring_chain(&r, 2, &ch), 0);
	ck_assert_uint_eq(ch.nout, 2);
	ck_assert_uint_eq(ch.nin, 1);
	ck_assert_uint_eq(ch.outlen, 11);
	ck_assert_uint_eq(ch.inlen, 100);
	ck_assert_int_eq(tr_vring_gather(&g, ch.out, ch.nout, out, sizeof out), 11);
	ck_assert_int_eq(memcmp(out, "hello world", 11), 0);
	/* gathering stops at cap */
	ck_assert_int_eq(tr_vring_gather(&g, ch.out, ch.nout, out, 8), 8);
}
END_TEST

START_TEST(indirect_chain)
{
	static struct tr_vchain ch;
	desc(0x6000, 0, 0x3000, 23, F_NEXT, 1);
	desc(0x6000, 1, 0x3100, 11, F_WRITE | F_NEXT, 2);
	desc(0x6000, 2, 0x7000, 4096, F_WRITE, 0);
	desc(DESC, 0, 0x6000, 3 * 16, F_INDIRECT, 0);
	ck_assert_int_eq(tr_vring_chain(&r, 0, &ch), 0);
	ck_assert_uint_eq(ch.nout, 1);
	ck_assert_uint_eq(ch.out[0].addr, 0x3000);
	ck_assert_uint_eq(ch.nin, 2);
	ck_assert_uint_eq(ch.in[1].addr, 0x7000);
	ck_assert_uint_eq(ch.inlen, 11 + 4096);
}
END_TEST

START_TEST(refused)
{
	static struct tr_vchain ch;
	uint8_t b[4];
	/* a loop */
	desc(DESC, 0, 0x3000, 4, F_NEXT, 1);
	desc(DESC, 1, 0x3000, 4, F_NEXT, 0);
	ck_assert_int_lt(tr_vring_chain(&r, 0, &ch), 0);
	/* a next beyond the table */
	desc(DESC, 1, 0x3000, 4, F_NEXT, NUM);
	ck_assert_int_lt(tr_vring_chain(&r, 0, &ch), 0);
	/* an indirect table out of RAM, and one of a bad length */
	desc(DESC, 2, (uint64_t)RAM - 8, 32, F_INDIRECT, 0);
	ck_assert_int_lt(tr_vring_chain(&r, 2, &ch), 0);
	desc(DESC, 2, 0x6000, 17, F_INDIRECT, 0);
	ck_assert_int_lt(tr_vring_chain(&r, 2, &ch), 0);
	/* reads past the end of RAM */
	ck_assert_int_lt(tr_gmem_read(&g, RAM - 2, b, 4), 0);
	ck_assert_int_lt(tr_gmem_read(&g, UINT64_MAX - 1, b, 4), 0);
	ck_assert_int_eq(tr_gmem_read(&g, RAM - 4, b, 4), 0);
}
END_TEST

int main(void)
{
	TCase *tc = unit_case("vring", 0, UNIT_TESTS(
		indexes_and_entries, direct_chain_split_and_gathered, indirect_chain,
		refused));
	tcase_add_checked_fixture(tc, reset, NULL);
	return unit_run_case("trace_vring", tc, CK_FORK_GETENV);
}
