/*
 * client.c - a small 9P client over any connection: tag allocation, several
 * requests in flight, replies matched to tags (out-of-order replies are kept
 * until asked for), per-call timeouts, and version/attach helpers.
 *
 * Owns: the reply objects (struct p9_reply) that tools and the suite read,
 * and the per-tag bookkeeping that tells a reply to a request in flight
 * from an unsolicited one (a duplicate, or a tag never sent): those are
 * never handed out as an answer, only counted and described.
 * A reply that fails to decode is still returned, with decode_rc set, so a
 * caller can report exactly what the server sent.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "p9.h"
#include "xalloc.h"

struct p9_client *p9_client_new(struct p9_conn *conn, uint32_t msize, int dialect)
{
	struct p9_client *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->conn = conn;
	c->msize = msize;
	c->dialect = dialect;
	c->nexttag = 1;
	return c;
}

void p9_reply_free(struct p9_reply *r)
{
	if (r) {
		free(r->buf);
		free(r);
	}
}

void p9_client_free(struct p9_client *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nstash; i++)
		p9_reply_free(c->stash[i]);
	free(c->stash);
	free(c->tags);
	p9_reply_free(c->unsolicited);
	free(c->tbuf);
	free(c->rxbuf);
	free(c);
}

static int in_stash(const struct p9_client *c, uint16_t tag)
{
	for (size_t i = 0; i < c->nstash; i++)
		if (c->stash[i]->m.tag == tag)
			return 1;
	return 0;
}

uint16_t p9_client_tag(struct p9_client *c)
{
	for (unsigned n = 0; n < 65536; n++) {
		uint16_t t = c->nexttag++;
		if (t != P9_NOTAG && t != 0 && !(c->tags && c->tags[t].inflight) &&
		    !in_stash(c, t))
			return t;
	}
	return c->nexttag == P9_NOTAG || c->nexttag == 0 ? 1 : c->nexttag++;
}

/* Record a request sent with tag (bookkeeping is dropped if out of memory). */
static void note_sent(struct p9_client *c, uint16_t tag, uint8_t type)
{
	if (!c->tags && !(c->tags = calloc(65536, sizeof *c->tags)))
		return;
	if (c->tags[tag].inflight < UINT8_MAX)
		c->tags[tag].inflight++;
	c->tags[tag].type = type;
}

int p9_client_tag_answered(const struct p9_client *c, uint16_t tag)
{
	return c->tags && c->tags[tag].answered && !c->tags[tag].inflight;
}

void p9_client_forget(struct p9_client *c, uint16_t tag)
{
	if (c->tags) {
		c->tags[tag].inflight = 0;
		c->tags[tag].answered = 0;
	}
}

int p9_client_send(struct p9_client *c, const struct p9_msg *m)
{
	long n = p9_encoded_size(m, c->dialect);
	int rc;
	if (n < 0)
		return (int)n;
	if ((size_t)n > c->tcap) {
		uint8_t *p = realloc(c->tbuf, (size_t)n);
		if (!p)
			return -ENOMEM;
		c->tbuf = p;
		c->tcap = (size_t)n;
	}
	n = p9_encode(m, c->dialect, c->tbuf, c->tcap);
	if (n < 0)
		return (int)n;
	rc = p9_conn_send(c->conn, c->tbuf, (size_t)n);
	if (!rc)
		note_sent(c, m->tag, m->type);
	return rc;
}

int p9_client_send_raw(struct p9_client *c, const uint8_t *buf, size_t len)
{
	int rc = p9_conn_send(c->conn, buf, len);
	if (!rc && len >= P9_HDRSZ)
		note_sent(c, p9_get16(buf + 5), buf[4]);
	return rc;
}

/* Match a received reply against the requests in flight. */
static void classify(struct p9_client *c, struct p9_reply *r)
{
	struct p9_tagstate *t;
	if (!c->tags || r->len < P9_HDRSZ)
		return;
	if ((c->lax & P9_LAX_VERSION_TAG) && r->m.type == P9_RVERSION &&
	    !c->tags[r->m.tag].inflight && c->tags[P9_NOTAG].inflight &&
	    c->tags[P9_NOTAG].type == P9_TVERSION)
		r->m.tag = P9_NOTAG;
	t = &c->tags[r->m.tag];
	r->reqtype = t->type;
	if (t->inflight) {
		t->inflight--;
		t->answered = 1;
	} else {
		r->unsolicited = t->answered ? P9_REPLY_DUPLICATE : P9_REPLY_STRAY;
	}
}

/* Count an unsolicited reply, keeping the first; takes r. */
static void note_unsolicited(struct p9_client *c, struct p9_reply *r)
{
	c->nunsolicited++;
	if (!c->unsolicited)
		c->unsolicited = r;
	else
		p9_reply_free(r);
}

unsigned long p9_client_unsolicited(const struct p9_client *c, char *why, size_t cap)
{
	const struct p9_reply *r = c->unsolicited;
	char more[48] = "";
	if (!r)
		return 0;
	if (c->nunsolicited > 1)
		snprintf(more, sizeof more, " (and %lu more)", c->nunsolicited - 1);
	if (r->unsolicited == P9_REPLY_DUPLICATE)
		snprintf(why, cap, "%s: duplicate reply for tag %u (%s), the request "
			 "was already answered%s", p9_typename(r->reqtype), r->m.tag,
			 p9_typename(r->m.type), more);
	else
		snprintf(why, cap, "a reply with tag %u (%s), which no request in "
			 "flight has%s", r->m.tag, p9_typename(r->m.type), more);
	return c->nunsolicited;
}

/* Receive one message from the wire into a new reply. */
static int recv_one(struct p9_client *c, int timeout_ms, struct p9_reply **out)
{
	struct p9_reply *r;
	int n;
	if (!c->rxbuf && !(c->rxbuf = malloc(P9_MAXMSIZE)))
		return -ENOMEM;
	n = p9_conn_recv(c->conn, c->rxbuf, P9_MAXMSIZE, timeout_ms);
	if (n < 0)
		return n;
	r = calloc(1, sizeof *r);
	if (!r || !(r->buf = malloc((size_t)n))) {
		free(r);
		return -ENOMEM;
	}
	memcpy(r->buf, c->rxbuf, (size_t)n);
	r->len = (size_t)n;
	r->seq = ++c->nrecv;
	if (n >= P9_HDRSZ && r->buf[4] == P9_NOREPLY) {
		r->m.type = P9_NOREPLY;
		r->m.tag = p9_get16(r->buf + 5);
	} else {
		r->decode_rc = p9_decode_flags(r->buf, r->len, c->dialect, c->decode_flags,
						&r->m, &r->derr, &r->tolerated);
		if (r->decode_rc && n >= P9_HDRSZ) {
			r->m.type = r->buf[4];
			r->m.tag = p9_get16(r->buf + 5);
		}
	}
	classify(c, r);
	*out = r;
	return 0;
}

static int stash_push(struct p9_client *c, struct p9_reply *r)
{
	if (p9_grow(&c->stash, &c->capstash, c->nstash, sizeof *c->stash, 16))
		return -ENOMEM;
	c->stash[c->nstash++] = r;
	return 0;
}

static struct p9_reply *stash_take(struct p9_client *c, int any, uint16_t tag)
{
	for (size_t i = 0; i < c->nstash; i++) {
		struct p9_reply *r = c->stash[i];
		if (any || r->m.tag == tag) {
			memmove(&c->stash[i], &c->stash[i + 1],
				(c->nstash - i - 1) * sizeof *c->stash);
			c->nstash--;
			return r;
		}
	}
	return NULL;
}

static int wait_common(struct p9_client *c, int any, uint16_t tag,
		       int timeout_ms, struct p9_reply **out)
{
	uint64_t deadline = timeout_ms < 0 ? 0 : p9_now_ns() + (uint64_t)timeout_ms * 1000000ull;
	*out = stash_take(c, any, tag);
	while (!*out) {
		struct p9_reply *r;
		int left = -1, rc;
		if (deadline) {
			uint64_t now = p9_now_ns();
			left = now >= deadline ? 0 : (int)((deadline - now) / 1000000);
		}
		rc = recv_one(c, left, &r);
		if (rc)
			return rc;
		if (r->unsolicited)
			note_unsolicited(c, r);
		else if (any || r->m.tag == tag)
			*out = r;
		else if ((rc = stash_push(c, r))) {
			p9_reply_free(r);
			return rc;
		}
	}
	return 0;
}

int p9_client_drain(struct p9_client *c)
{
	int n;
	/* bounded: a peer that never stops sending must not hold us here */
	for (n = 0; n < 4096; n++) {
		struct p9_reply *r;
		int rc = recv_one(c, 0, &r);
		if (rc == -ETIMEDOUT)
			break;
		if (rc)
			return n ? n : rc;
		if (r->unsolicited)
			note_unsolicited(c, r);
		else if ((rc = stash_push(c, r))) {
			p9_reply_free(r);
			return rc;
		}
	}
	return n;
}

int p9_client_wait(struct p9_client *c, uint16_t tag, int timeout_ms,
		   struct p9_reply **r)
{
	return wait_common(c, 0, tag, timeout_ms, r);
}

int p9_client_wait_any(struct p9_client *c, int timeout_ms, struct p9_reply **r)
{
	return wait_common(c, 1, 0, timeout_ms, r);
}

int p9_client_rpc(struct p9_client *c, struct p9_msg *m, int timeout_ms,
		  struct p9_reply **r)
{
	int rc;
	if (m->type == P9_TVERSION)
		m->tag = P9_NOTAG;
	else if (m->tag == 0)
		m->tag = p9_client_tag(c);
	rc = p9_client_send(c, m);
	return rc ? rc : p9_client_wait(c, m->tag, timeout_ms, r);
}

int p9_reply_errno(const struct p9_reply *r)
{
	if (r->m.type == P9_RLERROR)
		return r->m.errnum ? (int)r->m.errnum : EIO;
	if (r->m.type == P9_RERROR)
		return r->m.errnum ? (int)r->m.errnum : EIO;
	return 0;
}

/* Describe an unexpected reply in err. */
static int bad_reply(const struct p9_reply *r, int dialect, const char *want,
		     char *err, size_t cap)
{
	char line[256];
	if (r->decode_rc) {
		p9_decode_err_str(&r->derr, line, sizeof line);
		snprintf(err, cap, "malformed reply: %s", line);
		return -EPROTO;
	}
	p9_fmt(line, sizeof line, &r->m, dialect);
	snprintf(err, cap, "expected %s, got %s", want, line);
	return r->m.type == P9_RERROR || r->m.type == P9_RLERROR ? -EPERM : -EPROTO;
}

/* A request of the handshake that must be answered with reply type want;
 * on failure a line in err ("Tversion: no reply (timeout)"). */
static int handshake_rpc(struct p9_client *c, struct p9_msg *m, int want, int timeout_ms,
			 struct p9_reply **out, char *err, size_t cap)
{
	struct p9_reply *r;
	int rc = p9_client_rpc(c, m, timeout_ms, &r);
	if (rc) {
		snprintf(err, cap, "%s: %s", p9_typename(m->type),
			 rc == -ETIMEDOUT ? "no reply (timeout)" :
			 rc == -ECONNRESET ? "connection closed by server" : strerror(-rc));
		return rc;
	}
	if (r->decode_rc || r->m.type != want) {
		rc = bad_reply(r, c->dialect, p9_typename((unsigned)want), err, cap);
		p9_reply_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int p9_client_version(struct p9_client *c, uint32_t msize, const char *version,
		      int timeout_ms, char *err, size_t cap)
{
	struct p9_msg m = { .type = P9_TVERSION, .msize = msize };
	struct p9_reply *r;
	int rc, d;
	m.version = p9_s(version);
	if ((rc = handshake_rpc(c, &m, P9_RVERSION, timeout_ms, &r, err, cap)))
		return rc;
	d = p9_dialect_parse(p9_strcpy((char[32]){0}, 32, r->m.version));
	int grew = r->m.msize > msize && !(c->lax & P9_LAX_MSIZE_GROW);
	if (!d || r->m.msize < P9_HDRSZ || grew) {
		snprintf(err, cap, "server answered version '%.*s' msize %lu",
			 r->m.version.len, r->m.version.p, (unsigned long)r->m.msize);
		p9_reply_free(r);
		return -EPROTONOSUPPORT;
	}
	c->dialect = d;
	c->msize = r->m.msize > msize ? msize : r->m.msize;
	p9_reply_free(r);
	return 0;
}

int p9_client_attach(struct p9_client *c, uint32_t fid, const char *uname,
		     const char *aname, uint32_t n_uname, int timeout_ms,
		     struct p9_qid *qid, char *err, size_t cap)
{
	struct p9_msg m = { .type = P9_TATTACH, .fid = fid, .afid = P9_NOFID,
			    .n_uname = n_uname };
	struct p9_reply *r;
	int rc;
	m.uname = p9_s(uname);
	m.aname = p9_s(aname);
	if ((rc = handshake_rpc(c, &m, P9_RATTACH, timeout_ms, &r, err, cap)))
		return rc;
	if (qid)
		*qid = r->m.qid;
	p9_reply_free(r);
	return 0;
}
