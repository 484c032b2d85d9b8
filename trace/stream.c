/*
 * stream.c - from TCP segments to whole 9P messages.
 *
 * Owns: the connection table (by 4-tuple), deciding which flows are 9P
 * (a listed server port, or a Tversion at the start of a flow on any
 * port), which side is the client, and the 9P framing of each direction:
 * size[4] delimits messages; after a gap or an impossible header the
 * direction resynchronises on the next plausible message (size within
 * bounds, a known type of the right direction, a sane tag, and a clean
 * decode when the whole message is at hand).
 */
#include <stdlib.h>
#include <string.h>

#include "trace.h"
#include "xalloc.h"

enum { MAXFRAME = P9_MAXMSIZE, RESYNC_BOUND = 4 << 20 };

/* ---- plausibility ---- */

static int decodes(const struct tr_conn *c, const uint8_t *p, size_t n)
{
	struct p9_msg m;
	/* as state.c decodes: QEMU's Rstat n[2] = 0, nfs-ganesha's Rerror for Rlerror */
	unsigned f = P9_DEC_STATLEN | P9_DEC_RLERROR;
	if (c->dialect)
		return p9_decode_flags(p, n, c->dialect, f, &m, NULL, NULL) == 0;
	return p9_decode_flags(p, n, P9_DL, f, &m, NULL, NULL) == 0 ||
	       p9_decode_flags(p, n, P9_DU, f, &m, NULL, NULL) == 0 ||
	       p9_decode_flags(p, n, P9_D2000, f, &m, NULL, NULL) == 0;
}

/* 0: not a message start; 1: plausible and complete; 2: plausible header,
 * message not yet complete. */
static int plausible(const struct tr_conn *c, int client, const uint8_t *p, size_t n)
{
	if (n < P9_HDRSZ)
		return n == 0 ? 0 : 2;
	uint32_t size = p9_get32(p);
	uint8_t type = p[4];
	uint16_t tag = p9_get16(p + 5);
	uint32_t bound = c->msize ? c->msize : RESYNC_BOUND;
	const struct p9_msgdef *d = p9_msgdef(type);
	if (size < P9_HDRSZ || size > bound || !d || (type & 1) == client)
		return 0;
	if (c->dialect && !(d->dialects & c->dialect))
		return 0;
	if (tag == P9_NOTAG && type != P9_TVERSION && type != P9_RVERSION &&
	    type != P9_RERROR && type != P9_RLERROR)
		return 0;
	if (!client && c->from_start && !tr_tag_live(c, tag) &&
	    type != P9_RVERSION)
		return 0;
	if (size > n)
		return 2;
	return decodes(c, p, size) ? 1 : 0;
}

/* ---- framing ---- */

static void grow(struct tr_dir *d, size_t need)
{
	if (need <= d->cap)
		return;
	size_t cap = d->cap ? d->cap : 65536;
	while (cap < need)
		cap *= 2;
	d->buf = xrealloc(d->buf, cap);
	d->cap = cap;
}

static const char *arrow(int client)
{
	return client ? "->" : "<-";
}

static void lose_sync(struct tr_dir *d, uint64_t off, const char *why)
{
	tr_emit_note(d->conn, "%s framing lost at offset %llu: %s", arrow(d->client),
		     (unsigned long long)off, why);
	d->sync = 0;
}

/* Consume whole messages from p[0..n); returns bytes consumed. */
static size_t frame(struct tr_dir *d, const uint8_t *p, size_t n)
{
	size_t pos = 0;
	while (n - pos >= P9_HDRSZ) {
		if (!d->sync) {
			int r = plausible(d->conn, d->client, p + pos, n - pos);
			if (r == 2)
				break;
			if (r == 0) {
				pos++;
				d->skipped++;
				continue;
			}
			d->sync = 1;
			if (d->skipped)
				tr_emit_note(d->conn,
					     "%s resynchronised at offset %llu after skipping %llu bytes",
					     arrow(d->client),
					     (unsigned long long)(d->off + pos),
					     (unsigned long long)d->skipped);
			d->skipped = 0;
		}
		uint32_t size = p9_get32(p + pos);
		if (size < P9_HDRSZ || size > MAXFRAME || !p9_msgdef(p[pos + 4])) {
			lose_sync(d, d->off + pos, size < P9_HDRSZ || size > MAXFRAME
				  ? "impossible size" : "unknown type");
			continue;
		}
		if (size > n - pos)
			break;
		tr_message(d->conn, d->client, p + pos, size);
		pos += size;
	}
	d->off += pos;
	return pos;
}

static void dir_data(void *arg, const uint8_t *p, size_t n)
{
	struct tr_dir *d = arg;
	if (d->len == 0) {
		size_t used = frame(d, p, n);
		p += used;
		n -= used;
		if (n) {
			grow(d, n);
			memcpy(d->buf, p, n);
			d->len = n;
		}
		return;
	}
	grow(d, d->len + n);
	memcpy(d->buf + d->len, p, n);
	d->len += n;
	size_t used = frame(d, d->buf, d->len);
	if (used) {
		memmove(d->buf, d->buf + used, d->len - used);
		d->len -= used;
	}
}

static void dir_gap(void *arg, uint64_t off, uint64_t len)
{
	struct tr_dir *d = arg;
	d->conn->tr->ngaps++;
	tr_emit_note(d->conn, "%s gap: %llu bytes missing at offset %llu",
		     arrow(d->client), (unsigned long long)len,
		     (unsigned long long)off);
	d->skipped += d->len;
	d->len = 0;
	d->off = off + len;
	d->sync = 0;
}

static struct tr_tcp_sink sink(struct tr_dir *d)
{
	struct tr_tcp_sink s = { dir_data, dir_gap, d };
	return s;
}

/* ---- connections ---- */

struct tr_conn *tr_conn_new(struct tr *t)
{
	struct tr_conn *c = xcalloc(1, sizeof *c);
	c->tr = t;
	c->id = ++t->nconn;
	for (int i = 0; i < 2; i++) {
		c->dir[i].conn = c;
		c->dir[i].client = i == 0;
	}
	tr_conn_reset(c);
	c->next = t->conns;
	if (t->conns)
		t->conns->prev = c;
	t->conns = c;
	return c;
}

void tr_conn_bytes(struct tr_conn *c, int client, uint64_t ts,
		   const uint8_t *p, size_t n)
{
	struct tr *t = c->tr;
	if (!t->have_t0) {
		t->t0 = ts;
		t->have_t0 = 1;
	}
	t->now = ts;
	struct tr_dir *d = &c->dir[client ? 0 : 1];
	if (d->off == 0 && d->len == 0 && !d->skipped)
		d->sync = 1;
	dir_data(d, p, n);
}

static uint32_t tuple_hash(const struct tr_pkt *p)
{
	uint32_t h = 2166136261u, a = 0, b = 0;
	for (int i = 0; i < 16; i++) {
		a = a * 31 + p->src[i];
		b = b * 31 + p->dst[i];
	}
	a = a * 65599 + p->sport;
	b = b * 65599 + p->dport;
	h ^= a ^ b; /* symmetric: both directions land in one bucket */
	h *= 16777619u;
	return h;
}

static int port_listed(const struct tr_opts *o, uint16_t port)
{
	for (int i = 0; i < o->nports; i++)
		if (o->ports[i] == port)
			return 1;
	return 0;
}

/* Does p look like the Tversion that opens a 9P session? */
static int is_tversion(const uint8_t *p, uint32_t n)
{
	if (n < P9_HDRSZ + 4 + 2 + 2 || p[4] != P9_TVERSION ||
	    p9_get16(p + 5) != P9_NOTAG)
		return 0;
	uint32_t size = p9_get32(p);
	if (size < 15 || size > 4096)
		return 0;
	uint16_t vlen = p9_get16(p + 11);
	return vlen >= 2 && 13u + vlen == size && n >= 15 && p[13] == '9' &&
	       p[14] == 'P';
}

static int same(const struct tr_conn *c, const struct tr_pkt *p, size_t alen,
		int *client)
{
	if (c->family != p->family)
		return 0;
	if (c->cport == p->sport && c->sport == p->dport &&
	    !memcmp(c->caddr, p->src, alen) && !memcmp(c->saddr, p->dst, alen)) {
		*client = 1;
		return 1;
	}
	if (c->sport == p->sport && c->cport == p->dport &&
	    !memcmp(c->saddr, p->src, alen) && !memcmp(c->caddr, p->dst, alen)) {
		*client = 0;
		return 1;
	}
	return 0;
}

static struct tr_conn *lookup(struct tr *t, const struct tr_pkt *p, int *client)
{
	size_t alen = p->family == 6 ? 16 : 4;
	if (t->last && same(t->last, p, alen, client)) /* most packets: the same flow */
		return t->last;
	uint32_t h = tuple_hash(p);
	for (struct tr_conn *c = t->hash[h % t->nhash]; c; c = c->hnext)
		if (c->thash == h && same(c, p, alen, client))
			return t->last = c;
	return NULL;
}

/* Double the buckets once there are more open connections than buckets,
 * so a capture of many connections keeps short chains. */
static void rehash(struct tr *t)
{
	size_t n = t->nhash * 2 + 1;
	struct tr_conn **h = calloc(n, sizeof *h);
	if (!h)
		return; /* keep the old table: longer chains, still correct */
	for (struct tr_conn *c = t->conns; c; c = c->next)
		if (c->hashed) {
			c->hnext = h[c->thash % n];
			h[c->thash % n] = c;
		}
	free(t->hash);
	t->hash = h;
	t->nhash = n;
}

static struct tr_conn *add(struct tr *t, const struct tr_pkt *p, int client)
{
	struct tr_conn *c = tr_conn_new(t);
	c->family = p->family;
	memcpy(client ? c->caddr : c->saddr, p->src, 16);
	memcpy(client ? c->saddr : c->caddr, p->dst, 16);
	c->cport = client ? p->sport : p->dport;
	c->sport = client ? p->dport : p->sport;
	c->thash = tuple_hash(p);
	c->hnext = t->hash[c->thash % t->nhash];
	t->hash[c->thash % t->nhash] = c;
	c->hashed = 1;
	if (++t->nhashed > t->nhash)
		rehash(t);
	return c;
}

static void unhash(struct tr *t, struct tr_conn *c)
{
	struct tr_conn **pp = &t->hash[c->thash % t->nhash];
	while (c->hashed && *pp && *pp != c)
		pp = &(*pp)->hnext;
	if (c->hashed && *pp) {
		*pp = c->hnext;
		t->nhashed--;
	}
	c->hashed = 0;
	if (t->last == c)
		t->last = NULL;
}

static void conn_flush(struct tr_conn *c);

/* A connection is over (FIN both ways, RST, or its 4-tuple reused): report
 * what it left unfinished and free it whole; only its number was shown, so
 * a long live capture holds memory for the open connections only. */
void tr_conn_end(struct tr *t, struct tr_conn *c)
{
	conn_flush(c);
	if (t->o.check) {
		struct tr_warnings w;
		tr_check_close(c, &w);
		t->nwarn += w.n;
		tr_emit_warnings(c, &w);
	}
	unhash(t, c);
	if (c->prev)
		c->prev->next = c->next;
	else
		t->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	tr_conn_free(c);
}

void tr_packet(struct tr *t, uint64_t ts, const struct tr_pkt *p)
{
	int client = 0;
	if (!t->have_t0) {
		t->t0 = ts;
		t->have_t0 = 1;
	}
	t->now = ts;
	struct tr_conn *c = lookup(t, p, &client);
	if (c && client && (p->flags & TR_SYN) && c->dir[0].tcp.off > 0) {
		tr_conn_end(t, c); /* the 4-tuple is reused by a new connection */
		c = NULL;
	}
	if (!c) {
		if (port_listed(&t->o, p->dport))
			client = 1;
		else if (port_listed(&t->o, p->sport))
			client = 0;
		else if (t->o.autodetect && is_tversion(p->data, p->len))
			client = 1;
		else
			return;
		c = add(t, p, client);
	}
	struct tr_dir *d = &c->dir[client ? 0 : 1];
	int fresh = !d->tcp.started;
	struct tr_tcp_sink s = sink(d);
	if (fresh && !(p->flags & TR_SYN) && p->len) {
		/* joined mid-stream unless this starts with a Tversion */
		d->sync = client && is_tversion(p->data, p->len);
		if (d->sync)
			d->off = 0;
	} else if (fresh && (p->flags & TR_SYN)) {
		d->sync = 1;
	}
	uint32_t n = p->len;
	tr_tcp_segment(&d->tcp, p->seq, (p->flags & TR_SYN) != 0, p->data, n, &s);
	if (p->wirelen > p->len) /* truncated capture: the rest is a hole */
		tr_tcp_missing(&d->tcp, p->seq + ((p->flags & TR_SYN) != 0) + n,
			       p->wirelen - n, &s);
	if (p->flags & TR_FIN)
		d->fin = 1;
	if ((p->flags & TR_RST) || (c->dir[0].fin && c->dir[1].fin))
		tr_conn_end(t, c);
}

/* Deliver what waits behind holes; report a cut-off last message. */
static void conn_flush(struct tr_conn *c)
{
	for (int i = 0; i < 2; i++) {
		struct tr_tcp_sink s = sink(&c->dir[i]);
		tr_tcp_flush(&c->dir[i].tcp, &s);
		if (c->dir[i].len && c->dir[i].sync)
			tr_emit_note(c, "%s %zu bytes of an incomplete message at the end",
				     arrow(c->dir[i].client), c->dir[i].len);
	}
}

void tr_finish(struct tr *t)
{
	for (struct tr_conn *c = t->conns; c; c = c->next)
		conn_flush(c);
}

void tr_init(struct tr *t, const struct tr_opts *o, FILE *out)
{
	memset(t, 0, sizeof *t);
	t->o = *o;
	t->out = out;
	t->nhash = 4093;
	t->hash = xcalloc(t->nhash, sizeof *t->hash);
	tr_stats_init(t);
	t->linecap = 1 << 16;
	t->line = xmalloc(t->linecap);
}

void tr_fini(struct tr *t)
{
	struct tr_conn *c, *n;
	for (c = t->conns; c; c = n) {
		n = c->next;
		tr_conn_free(c);
	}
	tr_stats_free(t);
	free(t->hash);
	free(t->line);
}
