/*
 * test_trace_tcp.c - 9ptrace's TCP reassembly and 9P framing on
 * synthesized segments: split, coalesced, reordered, retransmitted,
 * overlapping, and a gap followed by resynchronisation.
 */
#include <check.h>

#include "unit.h"
#include <stdlib.h>
#include <string.h>

#include "trace/trace.h"

/* ---- raw reassembly ---- */

static uint8_t got[4096];
static size_t ngot;
static uint64_t gap_off, gap_len;
static int ngaps;

static void on_data(void *arg, const uint8_t *p, size_t n)
{
	(void)arg;
	memcpy(got + ngot, p, n);
	ngot += n;
}

static void on_gap(void *arg, uint64_t off, uint64_t len)
{
	(void)arg;
	ngaps++;
	gap_off = off;
	gap_len = len;
}

static const struct tr_tcp_sink sink = { on_data, on_gap, NULL };
static uint8_t src[1000];

/* Each test's reassembler: reset before it, freed after (a checked fixture). */
static struct tr_tcp tcp;

static void reset(void)
{
	memset(&tcp, 0, sizeof tcp);
	ngot = 0;
	ngaps = 0;
	for (size_t i = 0; i < sizeof src; i++)
		src[i] = (uint8_t)(i * 7 + 1);
}

/* Segment [a, b) of src; the stream starts at sequence number 1000 (SYN 999). */
static void seg(uint32_t a, uint32_t b)
{
	tr_tcp_segment(&tcp, 1000 + a, 0, src + a, b - a, &sink);
}

static void tcp_free(void)
{
	tr_tcp_free(&tcp);
}

/* The SYN, at 999. */
static void syn(void)
{
	tr_tcp_segment(&tcp, 999, 1, NULL, 0, &sink);
}

/* The sink has the first n bytes of src, in order, and no gap. */
static void got_whole(size_t n)
{
	ck_assert_uint_eq(ngot, n);
	ck_assert_int_eq(memcmp(got, src, n), 0);
	ck_assert_int_eq(ngaps, 0);
}

/* The sink was told of one gap: len bytes at stream offset off. */
static void one_gap(uint64_t off, uint64_t len)
{
	ck_assert_int_eq(ngaps, 1);
	ck_assert_uint_eq(gap_off, off);
	ck_assert_uint_eq(gap_len, len);
}

START_TEST(in_order_and_split)
{
	syn();
	seg(0, 10);
	seg(10, 11);
	seg(11, 500);
	got_whole(500);
}
END_TEST

START_TEST(reordered)
{
	syn();
	seg(200, 300);
	seg(100, 200);
	ck_assert_uint_eq(ngot, 0);
	seg(0, 100);
	got_whole(300);
}
END_TEST

START_TEST(retransmitted_and_overlapping)
{
	syn();
	seg(0, 100);
	seg(0, 100);   /* retransmission */
	seg(50, 150);  /* overlaps 50 old bytes */
	seg(300, 400);
	seg(300, 400); /* queued twice */
	seg(140, 320); /* fills the hole, overlaps both sides */
	got_whole(400);
}
END_TEST

START_TEST(gap_on_flush)
{
	syn();
	seg(0, 100);
	seg(150, 200);
	ck_assert_uint_eq(ngot, 100);
	tr_tcp_flush(&tcp, &sink);
	one_gap(100, 50);
	ck_assert_uint_eq(ngot, 150);
	ck_assert_int_eq(memcmp(got + 100, src + 150, 50), 0);
}
END_TEST

START_TEST(gap_when_queue_overflows)
{
	tcp.ooo_max = 100;
	seg(0, 10);
	seg(20, 80);
	ck_assert_int_eq(ngaps, 0);
	seg(80, 200);
	one_gap(10, 10);
	ck_assert_uint_eq(ngot, 190);
}
END_TEST

START_TEST(sequence_wraps)
{
	tr_tcp_segment(&tcp, 0xffffffc0u, 0, src, 100, &sink);
	tr_tcp_segment(&tcp, 0xffffffc0u + 200, 0, src + 200, 50, &sink);
	tr_tcp_segment(&tcp, 0xffffffc0u + 100, 0, src + 100, 100, &sink);
	got_whole(250);
}
END_TEST

/* ---- through the framing: whole 9P messages from segments ---- */

static uint8_t wire[8192];
static size_t nwire;
static size_t msgend[64];
static int nmsg;

/* Found by fuzz/fuzz_tracepcap in its smoke run: a segment exactly 2^31
 * before the next expected byte made sdiff() INT32_MIN, and negating it was
 * undefined (UBSan).  It is an old segment: dropped. */
START_TEST(segment_half_the_space_behind)
{
	syn();
	seg(0, 100);
	tr_tcp_segment(&tcp, 1100u - 0x80000000u, 0, src, 50, &sink);
	tr_tcp_segment(&tcp, 1100u - 0x7fffffffu, 0, src, 50, &sink);
	ck_assert_uint_eq(ngot, 100);
	seg(100, 200);
	got_whole(200);
}
END_TEST

static void add(struct p9_msg m)
{
	long n = p9_encode(&m, P9_DL, wire + nwire, sizeof wire - nwire);
	ck_assert_int_gt(n, 0);
	nwire += (size_t)n;
	msgend[nmsg++] = nwire;
}

/* A client stream: Tversion then Tread tag 1..k */
static void build(int k)
{
	nwire = 0;
	nmsg = 0;
	add((struct p9_msg){ .type = P9_TVERSION, .tag = P9_NOTAG, .msize = 8192,
			     .version = p9_s("9P2000.L") });
	for (int i = 1; i <= k; i++)
		add((struct p9_msg){ .type = P9_TREAD, .tag = (uint16_t)i, .fid = 1,
				     .offset = (uint64_t)i * 4096, .count = 4096 });
}

static struct tr tr;
static char *out;
static size_t outlen;
static FILE *of;

/* build(k), and a tracer that autodetects 9P, port 564 known. */
static void tr_start(int k)
{
	struct tr_opts o = { .autodetect = 1, .nports = 1, .ports = { 564 } };
	build(k);
	of = open_memstream(&out, &outlen);
	tr_init(&tr, &o, of);
}

static void tr_stop(void)
{
	tr_finish(&tr);
	fflush(of);
	fclose(of);
	tr_fini(&tr);
}

/* A packet between 127.0.0.1:40000 (the client) and :564. */
static void pktf(int client, uint32_t seq, uint8_t flags, const uint8_t *p, uint32_t n)
{
	struct tr_pkt k = { .family = 4, .src = { 127, 0, 0, 1 }, .dst = { 127, 0, 0, 1 },
			    .sport = client ? 40000 : 564, .dport = client ? 564 : 40000,
			    .seq = seq, .flags = flags, .data = p, .len = n, .wirelen = n };
	tr_packet(&tr, 1000, &k);
}

/* A packet from the client. */
static void pkt(uint32_t seq, int syn, const uint8_t *p, uint32_t n)
{
	pktf(1, seq, syn ? TR_SYN : 0, p, n);
}

static int count(const char *needle)
{
	int n = 0;
	for (const char *p = out; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* The output holds needle n times. */
static void expect(int n, const char *needle)
{
	ck_assert_msg(count(needle) == n, "%d of \"%s\" wanted in:\n%s", n, needle, out);
}

/* Every connection seen is over and freed. */
static void no_conns_left(void)
{
	ck_assert_ptr_null(tr.conns);
	ck_assert_uint_eq(tr.nhashed, 0);
}

/* A packet from 10.net.(i >> 8).i:40000 to 127.0.0.1:564. */
static struct tr_pkt from_net10(uint8_t net, uint32_t i, uint32_t seq, uint8_t flags)
{
	struct tr_pkt k = { .family = 4, .src = { 10, net, (uint8_t)(i >> 8), (uint8_t)i },
			    .dst = { 127, 0, 0, 1 }, .sport = 40000, .dport = 564,
			    .seq = seq, .flags = flags };
	return k;
}

START_TEST(frames_split_and_coalesced)
{
	tr_start(6);
	pkt(99, 1, NULL, 0);
	/* split every message over three segments, and one segment holding
	 * the tail of one message and the head of the next */
	uint32_t pos = 0;
	for (uint32_t step = 5; pos < nwire; step = step == 5 ? 17 : 5) {
		uint32_t n = pos + step > nwire ? (uint32_t)nwire - pos : step;
		pkt(100 + pos, 0, wire + pos, n);
		pos += n;
	}
	tr_stop();
	expect(6, "-> Tread tag ");
	expect(1, "Tversion");
	expect(0, "##");
	free(out);
}
END_TEST

START_TEST(frames_reordered_retransmitted)
{
	tr_start(4);
	pkt(99, 1, NULL, 0);
	uint32_t a = (uint32_t)msgend[1], b = (uint32_t)msgend[3];
	pkt(100 + b, 0, wire + b, (uint32_t)nwire - b);
	pkt(100 + a, 0, wire + a, b - a);
	pkt(100, 0, wire, a);
	pkt(100, 0, wire, a + 3); /* retransmitted with overlap */
	tr_stop();
	expect(4, "-> Tread tag ");
	ck_assert_msg(strstr(out, "Tread tag 1 fid 1 offset 4096") <
		      strstr(out, "Tread tag 4 fid 1 offset 16384"), "order: %s", out);
	expect(0, "##");
	free(out);
}
END_TEST

START_TEST(gap_then_resync)
{
	tr_start(10);
	pkt(99, 1, NULL, 0);
	/* lose the end of Tread tag 3 and most of tag 4 */
	uint32_t cut1 = (uint32_t)msgend[2] + 10, cut2 = (uint32_t)msgend[4] - 2;
	pkt(100, 0, wire, cut1);
	pkt(100 + cut2, 0, wire + cut2, (uint32_t)nwire - cut2);
	tr_stop();
	expect(1, "gap: ");
	char want[64];
	snprintf(want, sizeof want, "gap: %u bytes missing at offset %u", cut2 - cut1, cut1);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	expect(1, "resynchronised");
	/* tags 1, 2 before the gap; 5..10 after it; 3 and 4 lost */
	expect(8, "-> Tread tag ");
	ck_assert_ptr_null(strstr(out, "Tread tag 4 "));
	ck_assert_ptr_nonnull(strstr(out, "Tread tag 5 "));
	free(out);
}
END_TEST

START_TEST(detects_tversion_on_any_port)
{
	tr_start(2);
	struct tr_pkt k = { .family = 6, .sport = 40000, .dport = 7777, .seq = 5,
			    .data = wire, .len = (uint32_t)nwire, .wirelen = (uint32_t)nwire };
	k.src[15] = k.dst[15] = 1;
	tr_packet(&tr, 1000, &k);
	k.dport = 7778; /* another flow with no Tversion: ignored */
	k.data = wire + msgend[0];
	k.len = k.wirelen = (uint32_t)(nwire - msgend[0]);
	tr_packet(&tr, 2000, &k);
	tr_stop();
	expect(2, "-> Tread tag ");
	expect(0, " c2 ");
	free(out);
}
END_TEST

START_TEST(closed_connection_released_and_port_reused)
{
	tr_start(2);
	pktf(1, 99, TR_SYN, NULL, 0);
	pktf(1, 100, 0, wire, (uint32_t)nwire);
	pktf(1, 100 + (uint32_t)nwire, TR_FIN, NULL, 0);
	pktf(0, 5000, TR_FIN, NULL, 0);
	/* over: freed whole, nothing left in the table */
	no_conns_left();
	/* the same 4-tuple again: a new connection */
	pktf(1, 7000, TR_SYN, NULL, 0);
	pktf(1, 7001, 0, wire, (uint32_t)nwire);
	tr_stop();
	expect(2, " c1 -> Tread tag ");
	expect(2, " c2 -> Tread tag ");
	free(out);
}
END_TEST

/* A long capture holds memory for the open connections only: 30000
 * connections opened and closed leave none behind; 30000 open at once grow
 * the hash table (chains stay short) and are all still told apart. */
START_TEST(memory_follows_open_connections)
{
	tr_start(2);
	for (uint32_t i = 0; i < 30000; i++) {
		struct tr_pkt syn = from_net10(0, i, 99, TR_SYN), rst = from_net10(0, i, 100, TR_RST);
		tr_packet(&tr, 1000 + i, &syn);
		tr_packet(&tr, 1000 + i, &rst);
	}
	no_conns_left();
	ck_assert_uint_eq(tr.nconn, 30000);
	size_t before = tr.nhash;
	for (uint32_t i = 0; i < 30000; i++) {
		struct tr_pkt syn = from_net10(1, i, 99, TR_SYN);
		tr_packet(&tr, 100000 + i, &syn);
	}
	ck_assert_uint_eq(tr.nhashed, 30000);
	ck_assert_uint_gt(tr.nhash, before);
	ck_assert_uint_ge(tr.nhash, tr.nhashed);
	/* a later packet of the first of them finds it, not a new one */
	struct tr_pkt k = from_net10(1, 0, 100, 0);
	k.data = wire;
	k.len = k.wirelen = (uint32_t)nwire;
	tr_packet(&tr, 200000, &k);
	ck_assert_uint_eq(tr.nconn, 60000);
	tr_stop();
	expect(2, " c30001 -> Tread tag ");
	free(out);
}
END_TEST

START_TEST(parses_link_types)
{
	/* Linux cooked v1 + IPv4 + TCP with 4 bytes of payload */
	uint8_t f[16 + 20 + 20 + 4 + 6] = { 0 };
	f[14] = 0x08;
	uint8_t *ip = f + 16, *th = ip + 20;
	ip[0] = 0x45;
	ip[3] = 44;
	ip[9] = 6;
	th[0] = 0x9c; th[1] = 0x40; th[2] = 0x02; th[3] = 0x34;
	th[7] = 42;
	th[12] = 5 << 4;
	th[13] = 0x18;
	memcpy(th + 20, "abcd", 4);
	struct tr_pkt k;
	ck_assert_int_eq(tr_parse_frame(113 /* LINUX_SLL */, f, sizeof f, &k), 0);
	ck_assert_uint_eq(k.sport, 40000);
	ck_assert_uint_eq(k.dport, 564);
	ck_assert_uint_eq(k.seq, 42);
	ck_assert_uint_eq(k.len, 4); /* trailing padding is not payload */
	ck_assert_int_eq(memcmp(k.data, "abcd", 4), 0);
	/* the same as raw IP, truncated by the snap length */
	ck_assert_int_eq(tr_parse_frame(12 /* RAW */, ip, 20 + 20 + 2, &k), 0);
	ck_assert_uint_eq(k.len, 2);
	ck_assert_uint_eq(k.wirelen, 4);
	ck_assert_int_lt(tr_parse_frame(1 /* EN10MB */, f, 10, &k), 0);
}
END_TEST

int main(void)
{
	TCase *tc = unit_case("reassembly", 0, UNIT_TESTS(
		in_order_and_split, reordered,
		retransmitted_and_overlapping, gap_on_flush,
		gap_when_queue_overflows, sequence_wraps,
		segment_half_the_space_behind, frames_split_and_coalesced,
		frames_reordered_retransmitted, gap_then_resync,
		detects_tversion_on_any_port, parses_link_types,
		closed_connection_released_and_port_reused,
		memory_follows_open_connections));
	tcase_add_checked_fixture(tc, reset, tcp_free);
	return unit_run_case("trace_tcp", tc, CK_FORK_GETENV);
}
