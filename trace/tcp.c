/*
 * tcp.c - TCP reassembly of one direction of a connection.
 *
 * Owns: turning segments (split, coalesced, out of order, retransmitted,
 * overlapping) into the in-order byte stream, and declaring a gap when
 * data is missing: when the out-of-order queue grows past ooo_max, or at
 * the end of input.  A gap is reported with its stream offset and length;
 * the bytes after it are delivered as usual (the framing layer then
 * resynchronises).  Sequence numbers compare modulo 2^32.
 */
#include <stdlib.h>
#include <string.h>

#include "trace.h"

enum { OOO_MAX_DEFAULT = 4 << 20 };

static int32_t sdiff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

static void deliver(struct tr_tcp *t, const uint8_t *p, uint32_t n,
		    const struct tr_tcp_sink *s)
{
	if (n == 0)
		return;
	t->next += n;
	t->off += n;
	s->data(s->arg, p, n);
}

/* Deliver queued segments that are now in order; drop stale ones. */
static void drain(struct tr_tcp *t, const struct tr_tcp_sink *s)
{
	struct tr_seg *g;
	while ((g = t->ooo) && sdiff(g->seq, t->next) <= 0) {
		t->ooo = g->next;
		t->ooo_bytes -= g->len;
		int32_t skip = sdiff(t->next, g->seq);
		if ((uint32_t)skip < g->len)
			deliver(t, g->data + skip, g->len - (uint32_t)skip, s);
		free(g);
	}
}

static void enqueue(struct tr_tcp *t, uint32_t seq, const uint8_t *p, uint32_t n)
{
	struct tr_seg **pp = &t->ooo, *g;
	while (*pp && sdiff((*pp)->seq, seq) < 0)
		pp = &(*pp)->next;
	if (*pp && (*pp)->seq == seq && (*pp)->len >= n)
		return; /* retransmission of a queued segment */
	g = malloc(sizeof *g + n);
	if (!g)
		return;
	g->seq = seq;
	g->len = n;
	memcpy(g->data, p, n);
	g->next = *pp;
	*pp = g;
	t->ooo_bytes += n;
}

/* Skip the hole before the first queued segment. */
static void skip_gap(struct tr_tcp *t, const struct tr_tcp_sink *s)
{
	if (!t->ooo)
		return;
	uint32_t hole = (uint32_t)sdiff(t->ooo->seq, t->next);
	if (s->gap)
		s->gap(s->arg, t->off, hole);
	t->next += hole;
	t->off += hole;
	drain(t, s);
}

void tr_tcp_segment(struct tr_tcp *t, uint32_t seq, int syn, const uint8_t *p,
		    uint32_t n, const struct tr_tcp_sink *s)
{
	if (!t->ooo_max)
		t->ooo_max = OOO_MAX_DEFAULT;
	if (syn) {
		if (!t->started || t->off == 0) {
			t->started = 1;
			t->next = seq + 1;
		}
		seq++;
	}
	if (n == 0)
		return;
	if (!t->started) {
		t->started = 1;
		t->next = seq;
	}
	int32_t d = sdiff(seq, t->next);
	if (d < 0) { /* retransmitted or overlapping: keep only what is new */
		uint32_t old = t->next - seq; /* unsigned: d may be INT32_MIN */
		if (old >= n)
			return;
		p += old;
		n -= old;
		seq = t->next;
		d = 0;
	}
	if (d == 0) {
		deliver(t, p, n, s);
		drain(t, s);
		return;
	}
	enqueue(t, seq, p, n);
	while (t->ooo && t->ooo_bytes > t->ooo_max)
		skip_gap(t, s);
}

void tr_tcp_missing(struct tr_tcp *t, uint32_t seq, uint32_t n,
		    const struct tr_tcp_sink *s)
{
	if (!t->started || seq != t->next || n == 0)
		return;
	if (s->gap)
		s->gap(s->arg, t->off, n);
	t->next += n;
	t->off += n;
	drain(t, s);
}

void tr_tcp_flush(struct tr_tcp *t, const struct tr_tcp_sink *s)
{
	while (t->ooo)
		skip_gap(t, s);
}

void tr_tcp_free(struct tr_tcp *t)
{
	struct tr_seg *g;
	while ((g = t->ooo)) {
		t->ooo = g->next;
		free(g);
	}
	t->ooo_bytes = 0;
}
