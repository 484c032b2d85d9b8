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

static void pair_open(struct pair *p)
{
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	p->conn = p9_conn_new_stream(sv[0], sv[0], "test");
	ck_assert_ptr_nonnull(p->conn);
	p->c = p9_client_new(p->conn, 8192, P9_DL);
	ck_assert_ptr_nonnull(p->c);
	p->peer = sv[1];
}

static void pair_close(struct pair *p)
{
	p9_client_free(p->c);
	p9_conn_close(p->conn);
	close(p->peer);
}

/* The peer sends a reply of type with tag (Rwalk with no qid, Rclunk). */
static void peer_reply(struct pair *p, uint8_t type, uint16_t tag)
{
	struct p9_msg m = { .type = type, .tag = tag };
	uint8_t b[64];
	long n = p9_encode(&m, P9_DL, b, sizeof b);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(write(p->peer, b, (size_t)n), n);
}

/* The peer reads one request and returns its tag. */
static uint16_t peer_read(struct pair *p)
{
	uint8_t b[256];
	ssize_t n = read(p->peer, b, sizeof b);
	ck_assert_int_ge(n, 7);
	return p9_get16(b + 5);
}

static void send_walk(struct pair *p, uint16_t tag)
{
	struct p9_msg m = { .type = P9_TWALK, .tag = tag, .fid = 0, .newfid = 1 };
	ck_assert_int_eq(p9_client_send(p->c, &m), 0);
	ck_assert_int_eq(peer_read(p), tag);
}

static void send_clunk(struct pair *p, uint16_t tag)
{
	struct p9_msg m = { .type = P9_TCLUNK, .tag = tag, .fid = 1 };
	ck_assert_int_eq(p9_client_send(p->c, &m), 0);
	ck_assert_int_eq(peer_read(p), tag);
}

START_TEST(tags_round_robin_skip_in_flight)
{
	struct pair p;
	uint16_t t1, t2, t;
	pair_open(&p);
	t1 = p9_client_tag(p.c);
	send_walk(&p, t1);
	t2 = p9_client_tag(p.c);
	ck_assert_uint_ne(t1, t2);
	/* wrap round the whole space: never NOTAG, 0 or the tag in flight */
	for (unsigned i = 0; i < 70000; i++) {
		t = p9_client_tag(p.c);
		ck_assert_uint_ne(t, P9_NOTAG);
		ck_assert_uint_ne(t, 0);
		ck_assert_uint_ne(t, t1);
	}
	pair_close(&p);
}
END_TEST

START_TEST(duplicate_counted_not_returned)
{
	struct pair p;
	struct p9_reply *r;
	char why[256];
	pair_open(&p);
	send_walk(&p, 2);
	peer_reply(&p, P9_RWALK, 2);
	peer_reply(&p, P9_RWALK, 2);
	ck_assert_int_eq(p9_client_wait(p.c, 2, TMO, &r), 0);
	ck_assert_int_eq(r->m.type, P9_RWALK);
	ck_assert_int_eq(r->unsolicited, P9_REPLY_EXPECTED);
	p9_reply_free(r);
	ck_assert_uint_eq(p9_client_unsolicited(p.c, why, sizeof why), 0);
	ck_assert_int_eq(p9_client_tag_answered(p.c, 2), 1);
	/* the duplicate is on the wire: a drain finds it */
	ck_assert_int_eq(p9_client_drain(p.c), 1);
	ck_assert_uint_eq(p9_client_unsolicited(p.c, why, sizeof why), 1);
	ck_assert_str_eq(why, "Twalk: duplicate reply for tag 2 (Rwalk), the request "
			 "was already answered");
	ck_assert_int_eq(p.c->unsolicited->unsolicited, P9_REPLY_DUPLICATE);
	/* nothing was stashed for the waits */
	ck_assert_int_eq(p9_client_wait_any(p.c, 0, &r), -ETIMEDOUT);
	pair_close(&p);
}
END_TEST

/* The duplicate arrives while waiting for the next request's reply. */
START_TEST(duplicate_seen_while_waiting)
{
	struct pair p;
	struct p9_reply *r;
	char why[256];
	pair_open(&p);
	send_walk(&p, 2);
	peer_reply(&p, P9_RWALK, 2);
	ck_assert_int_eq(p9_client_wait(p.c, 2, TMO, &r), 0);
	p9_reply_free(r);
	send_clunk(&p, 3);
	peer_reply(&p, P9_RWALK, 2);
	peer_reply(&p, P9_RCLUNK, 3);
	ck_assert_int_eq(p9_client_wait(p.c, 3, TMO, &r), 0);
	ck_assert_int_eq(r->m.type, P9_RCLUNK);
	p9_reply_free(r);
	ck_assert_uint_eq(p9_client_unsolicited(p.c, why, sizeof why), 1);
	ck_assert_str_eq(why, "Twalk: duplicate reply for tag 2 (Rwalk), the request "
			 "was already answered");
	pair_close(&p);
}
END_TEST

/* An explicit tag reused after its answer: the late duplicate of the first
 * reply, already on the wire, must not answer the second request. */
START_TEST(duplicate_before_reuse_not_misattributed)
{
	struct pair p;
	struct p9_reply *r;
	char why[256];
	pair_open(&p);
	send_walk(&p, 7);
	peer_reply(&p, P9_RWALK, 7);
	ck_assert_int_eq(p9_client_wait(p.c, 7, TMO, &r), 0);
	p9_reply_free(r);
	peer_reply(&p, P9_RWALK, 7); /* the duplicate, before the reuse */
	ck_assert_int_eq(p9_client_tag_answered(p.c, 7), 1);
	ck_assert_int_eq(p9_client_drain(p.c), 1);
	send_walk(&p, 7);
	ck_assert_int_eq(p9_client_tag_answered(p.c, 7), 0);
	/* no reply yet to the second Twalk: the duplicate must not stand in */
	ck_assert_int_eq(p9_client_wait(p.c, 7, 100, &r), -ETIMEDOUT);
	peer_reply(&p, P9_RWALK, 7);
	ck_assert_int_eq(p9_client_wait(p.c, 7, TMO, &r), 0);
	p9_reply_free(r);
	ck_assert_uint_eq(p9_client_unsolicited(p.c, why, sizeof why), 1);
	ck_assert_str_eq(why, "Twalk: duplicate reply for tag 7 (Rwalk), the request "
			 "was already answered");
	pair_close(&p);
}
END_TEST

START_TEST(stray_tag_counted)
{
	struct pair p;
	struct p9_reply *r;
	char why[256];
	pair_open(&p);
	send_walk(&p, 2);
	peer_reply(&p, P9_RLERROR, 3);
	ck_assert_int_eq(p9_client_wait(p.c, 2, 100, &r), -ETIMEDOUT);
	ck_assert_uint_eq(p9_client_unsolicited(p.c, why, sizeof why), 1);
	ck_assert_str_eq(why, "a reply with tag 3 (Rlerror), which no request in flight has");
	peer_reply(&p, P9_RLERROR, 4);
	ck_assert_int_eq(p9_client_wait_any(p.c, 100, &r), -ETIMEDOUT);
	ck_assert_uint_eq(p9_client_unsolicited(p.c, why, sizeof why), 2);
	ck_assert_str_eq(why, "a reply with tag 3 (Rlerror), which no request in flight "
			 "has (and 1 more)");
	pair_close(&p);
}
END_TEST

/* Two requests in flight with one tag (a script may do it on purpose):
 * both replies are answers; a third is a duplicate. */
START_TEST(same_tag_twice_in_flight)
{
	struct pair p;
	struct p9_reply *r;
	char why[256];
	pair_open(&p);
	send_walk(&p, 9);
	send_walk(&p, 9);
	for (int i = 0; i < 3; i++)
		peer_reply(&p, P9_RWALK, 9);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(p9_client_wait(p.c, 9, TMO, &r), 0);
		p9_reply_free(r);
	}
	ck_assert_int_eq(p9_client_wait(p.c, 9, 100, &r), -ETIMEDOUT);
	ck_assert_uint_eq(p9_client_unsolicited(p.c, why, sizeof why), 1);
	pair_close(&p);
}
END_TEST

/* Raw sends put their header's tag in flight like any request. */
START_TEST(raw_send_in_flight)
{
	struct pair p;
	struct p9_reply *r;
	char why[256];
	uint8_t raw[11] = { 11, 0, 0, 0, P9_TCLUNK, 5, 0, 1, 0, 0, 0 };
	pair_open(&p);
	ck_assert_int_eq(p9_client_send_raw(p.c, raw, sizeof raw), 0);
	ck_assert_int_eq(peer_read(&p), 5);
	peer_reply(&p, P9_RCLUNK, 5);
	ck_assert_int_eq(p9_client_wait(p.c, 5, TMO, &r), 0);
	p9_reply_free(r);
	ck_assert_uint_eq(p9_client_unsolicited(p.c, why, sizeof why), 0);
	/* a short raw send (no tag) is sent and not tracked */
	ck_assert_int_eq(p9_client_send_raw(p.c, raw, 4), 0);
	pair_close(&p);
}
END_TEST

/* A flushed request is forgotten: its tag is free, and a reply to it that
 * arrives after the Rflush is a stray.  Replies carry their arrival order. */
START_TEST(forget_flushed_tag)
{
	struct pair p;
	struct p9_reply *r;
	char why[256];
	pair_open(&p);
	send_walk(&p, 5);
	send_clunk(&p, 6);
	peer_reply(&p, P9_RCLUNK, 6);
	ck_assert_int_eq(p9_client_wait(p.c, 6, TMO, &r), 0);
	ck_assert_uint_eq(r->seq, 1);
	p9_reply_free(r);
	p9_client_forget(p.c, 5);
	ck_assert_int_eq(p9_client_tag_answered(p.c, 5), 0);
	peer_reply(&p, P9_RWALK, 5);
	ck_assert_int_eq(p9_client_drain(p.c), 1);
	ck_assert_uint_eq(p9_client_unsolicited(p.c, why, sizeof why), 1);
	ck_assert_int_eq(p.c->unsolicited->unsolicited, P9_REPLY_STRAY);
	ck_assert_uint_eq(p.c->unsolicited->seq, 2);
	pair_close(&p);
}
END_TEST

static Suite *client_suite(void)
{
	Suite *s = suite_create("lib_client");
	TCase *t = tcase_create("tags");
	tcase_add_test(t, tags_round_robin_skip_in_flight);
	tcase_add_test(t, duplicate_counted_not_returned);
	tcase_add_test(t, duplicate_seen_while_waiting);
	tcase_add_test(t, duplicate_before_reuse_not_misattributed);
	tcase_add_test(t, stray_tag_counted);
	tcase_add_test(t, same_tag_twice_in_flight);
	tcase_add_test(t, raw_send_in_flight);
	tcase_add_test(t, forget_flushed_tag);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return unit_run(client_suite(), CK_FORK_GETENV);
}
