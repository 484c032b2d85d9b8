/*
 * test_lib_client.c - the client's tag bookkeeping: round-robin tags that
 * skip tags in flight, replies to requests in flight handed out, and
 * unsolicited replies (a duplicate of an answered request, a tag never
 * sent) counted and described but never taken for an answer, even when a
 * later request reuses the tag (drained before the reuse).
 *
 * The peer is the other end of a socketpair, written to by the test itself.
 */
#include <check.h>

#include "unit.h"
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "p9.h"

enum { TMO = 2000 };

struct pair {
	struct p9_conn *conn;
	struct p9_client *c;
	int peer;
};

/* Every test's pair: opened before it, closed after (a checked fixture). */
static struct pair p;

static void pair_open(void)
{
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	p.conn = p9_conn_new_stream(sv[0], sv[0], "test");
	ck_assert_ptr_nonnull(p.conn);
	p.c = p9_client_new(p.conn, 8192, P9_DL);
	ck_assert_ptr_nonnull(p.c);
	p.peer = sv[1];
}

static void pair_close(void)
{
	p9_client_free(p.c);
	p9_conn_close(p.conn);
	close(p.peer);
}

/* The peer sends a reply of type with tag (Rwalk with no qid, Rclunk). */
static void peer_reply(uint8_t type, uint16_t tag)
{
	struct p9_msg m = { .type = type, .tag = tag };
	uint8_t b[64];
	long n = p9_encode(&m, P9_DL, b, sizeof b);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(write(p.peer, b, (size_t)n), n);
}

/* The peer reads one request and returns its tag. */
static uint16_t peer_read(void)
{
	uint8_t b[256];
	ssize_t n = read(p.peer, b, sizeof b);
	ck_assert_int_ge(n, 7);
	return p9_get16(b + 5);
}

static void send_walk(uint16_t tag)
{
	struct p9_msg m = { .type = P9_TWALK, .tag = tag, .fid = 0, .newfid = 1 };
	ck_assert_int_eq(p9_client_send(p.c, &m), 0);
	ck_assert_int_eq(peer_read(), tag);
}

static void send_clunk(uint16_t tag)
{
	struct p9_msg m = { .type = P9_TCLUNK, .tag = tag, .fid = 1 };
	ck_assert_int_eq(p9_client_send(p.c, &m), 0);
	ck_assert_int_eq(peer_read(), tag);
}

START_TEST(tags_round_robin_skip_in_flight)
{
	uint16_t t1, t2, t;
	t1 = p9_client_tag(p.c);
	send_walk(t1);
	t2 = p9_client_tag(p.c);
	ck_assert_uint_ne(t1, t2);
	/* wrap round the whole space: never NOTAG, 0 or the tag in flight */
	for (unsigned i = 0; i < 70000; i++) {
		t = p9_client_tag(p.c);
		ck_assert_uint_ne(t, P9_NOTAG);
		ck_assert_uint_ne(t, 0);
		ck_assert_uint_ne(t, t1);
	}
}
END_TEST

/* The reply to tag arrives within TMO, of type and taken for the answer;
 * returns its arrival order. */
static uint64_t expect_reply(uint16_t tag, uint8_t type)
{
	struct p9_reply *r;
	uint64_t seq;
	ck_assert_int_eq(p9_client_wait(p.c, tag, TMO, &r), 0);
	ck_assert_int_eq(r->m.type, type);
	ck_assert_int_eq(r->unsolicited, P9_REPLY_EXPECTED);
	seq = r->seq;
	p9_reply_free(r);
	return seq;
}

/* The peer answers tag with a reply of type: expect_reply. */
static uint64_t answered(uint16_t tag, uint8_t type)
{
	peer_reply(type, tag);
	return expect_reply(tag, type);
}

/* No answer to tag comes within 100 ms. */
static void expect_no_reply(uint16_t tag)
{
	struct p9_reply *r;
	ck_assert_int_eq(p9_client_wait(p.c, tag, 100, &r), -ETIMEDOUT);
}

/* The client has counted n unsolicited replies and describes them as
 * want (NULL: not looked at). */
static void expect_unsolicited(unsigned long n, const char *want)
{
	char why[256];
	ck_assert_uint_eq(p9_client_unsolicited(p.c, why, sizeof why), n);
	if (want != NULL)
		ck_assert_str_eq(why, want);
}

#define DUPLICATE_RWALK(tag) \
	"Twalk: duplicate reply for tag " #tag " (Rwalk), the request was already answered"

START_TEST(duplicate_counted_not_returned)
{
	struct p9_reply *r;
	send_walk(2);
	peer_reply(P9_RWALK, 2);
	peer_reply(P9_RWALK, 2);
	expect_reply(2, P9_RWALK);
	expect_unsolicited(0, NULL);
	ck_assert_int_eq(p9_client_tag_answered(p.c, 2), 1);
	/* the duplicate is on the wire: a drain finds it */
	ck_assert_int_eq(p9_client_drain(p.c), 1);
	expect_unsolicited(1, DUPLICATE_RWALK(2));
	ck_assert_int_eq(p.c->unsolicited->unsolicited, P9_REPLY_DUPLICATE);
	/* nothing was stashed for the waits */
	ck_assert_int_eq(p9_client_wait_any(p.c, 0, &r), -ETIMEDOUT);
}
END_TEST

/* The duplicate arrives while waiting for the next request's reply. */
START_TEST(duplicate_seen_while_waiting)
{
	send_walk(2);
	answered(2, P9_RWALK);
	send_clunk(3);
	peer_reply(P9_RWALK, 2);
	answered(3, P9_RCLUNK);
	expect_unsolicited(1, DUPLICATE_RWALK(2));
}
END_TEST

/* An explicit tag reused after its answer: the late duplicate of the first
 * reply, already on the wire, must not answer the second request. */
START_TEST(duplicate_before_reuse_not_misattributed)
{
	send_walk(7);
	answered(7, P9_RWALK);
	peer_reply(P9_RWALK, 7); /* the duplicate, before the reuse */
	ck_assert_int_eq(p9_client_tag_answered(p.c, 7), 1);
	ck_assert_int_eq(p9_client_drain(p.c), 1);
	send_walk(7);
	ck_assert_int_eq(p9_client_tag_answered(p.c, 7), 0);
	/* no reply yet to the second Twalk: the duplicate must not stand in */
	expect_no_reply(7);
	answered(7, P9_RWALK);
	expect_unsolicited(1, DUPLICATE_RWALK(7));
}
END_TEST

START_TEST(stray_tag_counted)
{
	struct p9_reply *r;
	send_walk(2);
	peer_reply(P9_RLERROR, 3);
	expect_no_reply(2);
	expect_unsolicited(1, "a reply with tag 3 (Rlerror), which no request in flight has");
	peer_reply(P9_RLERROR, 4);
	ck_assert_int_eq(p9_client_wait_any(p.c, 100, &r), -ETIMEDOUT);
	expect_unsolicited(2, "a reply with tag 3 (Rlerror), which no request in flight "
			   "has (and 1 more)");
}
END_TEST

/* Two requests in flight with one tag (a script may do it on purpose):
 * both replies are answers; a third is a duplicate. */
START_TEST(same_tag_twice_in_flight)
{
	send_walk(9);
	send_walk(9);
	for (int i = 0; i < 3; i++)
		peer_reply(P9_RWALK, 9);
	for (int i = 0; i < 2; i++)
		expect_reply(9, P9_RWALK);
	expect_no_reply(9);
	expect_unsolicited(1, NULL);
}
END_TEST

/* Raw sends put their header's tag in flight like any request. */
START_TEST(raw_send_in_flight)
{
	uint8_t raw[11] = { 11, 0, 0, 0, P9_TCLUNK, 5, 0, 1, 0, 0, 0 };
	ck_assert_int_eq(p9_client_send_raw(p.c, raw, sizeof raw), 0);
	ck_assert_int_eq(peer_read(), 5);
	answered(5, P9_RCLUNK);
	expect_unsolicited(0, NULL);
	/* a short raw send (no tag) is sent and not tracked */
	ck_assert_int_eq(p9_client_send_raw(p.c, raw, 4), 0);
}
END_TEST

/* A flushed request is forgotten: its tag is free, and a reply to it that
 * arrives after the Rflush is a stray.  Replies carry their arrival order. */
START_TEST(forget_flushed_tag)
{
	send_walk(5);
	send_clunk(6);
	ck_assert_uint_eq(answered(6, P9_RCLUNK), 1);
	p9_client_forget(p.c, 5);
	ck_assert_int_eq(p9_client_tag_answered(p.c, 5), 0);
	peer_reply(P9_RWALK, 5);
	ck_assert_int_eq(p9_client_drain(p.c), 1);
	expect_unsolicited(1, NULL);
	ck_assert_int_eq(p.c->unsolicited->unsolicited, P9_REPLY_STRAY);
	ck_assert_uint_eq(p.c->unsolicited->seq, 2);
}
END_TEST

int main(void)
{
	TCase *tc = unit_case("tags", 0, UNIT_TESTS(
		tags_round_robin_skip_in_flight,
		duplicate_counted_not_returned,
		duplicate_seen_while_waiting,
		duplicate_before_reuse_not_misattributed, stray_tag_counted,
		same_tag_twice_in_flight, raw_send_in_flight,
		forget_flushed_tag));
	tcase_add_checked_fixture(tc, pair_open, pair_close);
	return unit_run_case("lib_client", tc, CK_FORK_GETENV);
}
