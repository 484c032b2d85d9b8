/*
 * session.c - the bottom of the case interpreter: one case's connection as
 * the layers above see it.  The transcript (in_log, in_log_msg,
 * in_log_reply), the case's failure (in_fail, in_lost, in_unsolicited),
 * its time budget per call (in_call_ms), and one request with its reply
 * (in_rpc, in_rpc_ok, in_answered).  Calls nothing else of suite/: values,
 * send/expect, helpers and the interpreter are built on it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "suite.h"
#include "xalloc.h"

/* ---- transcript and failure ---- */

static void log_raw(struct interp *in, const char *s)
{
	size_t n = strlen(s);
	if (in->loglen + n + 2 > in->logcap) {
		size_t cap = in->logcap ? in->logcap * 2 : 4096;
		while (cap < in->loglen + n + 2)
			cap *= 2;
		in->log = xrealloc(in->log, cap);
		in->logcap = cap;
	}
	memcpy(in->log + in->loglen, s, n);
	in->loglen += n;
	in->log[in->loglen++] = '\n';
	in->log[in->loglen] = 0;
}

void in_log(struct interp *in, const char *fmt, ...)
{
	char line[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	/* keep the transcript bounded: a long loop logs only its start */
	if (in->loglen > 256 * 1024)
		return;
	log_raw(in, line);
}

int in_fail(struct interp *in, const struct stmt *s, const char *fmt, ...)
{
	char msg[900];
	va_list ap;
	if (in->failmsg[0])
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (s)
		snprintf(in->failmsg, sizeof in->failmsg, "%s:%d: %s", s->pos.file,
			 s->pos.line, msg);
	else
		snprintf(in->failmsg, sizeof in->failmsg, "%s", msg);
	return -1;
}

void in_log_msg(struct interp *in, const char *dir, const struct p9_msg *m)
{
	char line[1024];
	p9_fmt(line, sizeof line, m, in->dialect);
	in_log(in, "%s %s", dir, line);
}

void in_log_reply(struct interp *in, const struct p9_reply *r)
{
	if (r->decode_rc) {
		char why[256];
		p9_decode_err_str(&r->derr, why, sizeof why);
		char hex[2 * 96 + 4];
		size_t k;
		for (k = 0; k < r->len && k < 96; k++)
			snprintf(hex + 2 * k, 3, "%02x", r->buf[k]);
		hex[2 * k] = 0;
		in_log(in, "<- (%zu bytes, malformed: %s) %s%s", r->len, why, hex,
		       r->len > 96 ? "..." : "");
	} else {
		in_log_msg(in, "<-", &r->m);
	}
	if (r->decode_rc == 0 && r->len >= P9_HDRSZ && p9_get16(r->buf + 5) != r->m.tag)
		in_log(in, "   (tolerated: tag %u on the wire, taken as the Tversion's NOTAG; "
		       "VER11 checks it)", p9_get16(r->buf + 5));
	if (r->decode_rc == 0 && (r->tolerated & P9_DEC_STATLEN)) {
		in->ntolerated++;
		in->tolkinds |= TOL_STATLEN;
		in_log(in, "   (tolerated: %s n[2] is %u, the stat record is %u bytes; "
		       "STAT13 checks it, --strict-decode refuses it)", p9_typename(r->m.type),
		       r->m.nstat, r->m.stat.size + 2u);
	}
	if (r->decode_rc == 0 && (r->tolerated & P9_DEC_RLERROR)) {
		char hex[2 * 16 + 1];
		for (size_t k = 0; k < r->len && k < 16; k++)
			snprintf(hex + 2 * k, 3, "%02x", r->buf[k]);
		in->ntolerated++;
		in->tolkinds |= TOL_RLERROR;
		in_log(in, "   (tolerated: type %u (Rerror) with Rlerror's body ecode[4] = %u: "
		       "%s; bytes %s; ERR5 checks it, --strict-decode refuses it)", r->m.wiretype,
		       r->m.errnum, p9_decode_flag_rule(P9_DEC_RLERROR), hex);
	}
}

/* ---- timeouts ---- */

int in_call_ms(const struct interp *in)
{
	uint64_t now = p9_now_ns();
	if (now >= in->deadline_ns)
		return 0;
	uint64_t left = (in->deadline_ns - now) / 1000000;
	return left < (uint64_t)in->o->call_ms ? (int)left : in->o->call_ms;
}

/* ---- connection ---- */

void in_disconnect(struct interp *in)
{
	if (in->cl)
		p9_client_free(in->cl);
	if (in->conn)
		p9_conn_close(in->conn);
	in->cl = NULL;
	in->conn = NULL;
	in->npend = 0;
	in->last = -1;
	in->unsol_logged = 0;
	in->tmpused = 0; /* a new connection has no fids */
}

const char *in_rc_str(int rc)
{
	if (rc == -ETIMEDOUT)
		return "no reply (timeout)";
	if (rc == -ECONNRESET)
		return "connection closed by the server";
	return strerror(-rc);
}

/* The target closed the connection (or died) while req (tag) was its
 * last request: the case fails with that cause, and the runner checks the
 * target is still reachable before the next case. */
int in_lost(struct interp *in, const struct stmt *s, int req, unsigned tag)
{
	in->conn_lost = 1;
	in_log(in, "<- (connection closed)");
	return in_fail(in, s, "target closed the connection during %s (tag %u): crashed?",
		       p9_typename((unsigned)req), tag);
}

/* Before sending tag: if it was answered already (an explicit tag, or the
 * round-robin wrapped), take in what has arrived, so that a late duplicate
 * of the earlier reply is not taken for the new request's answer. */
void in_before_send(struct interp *in, uint16_t tag)
{
	if (in->cl && p9_client_tag_answered(in->cl, tag))
		p9_client_drain(in->cl);
}

/* The first unsolicited reply goes in the transcript, once. */
void in_log_unsolicited(struct interp *in, const char *why)
{
	if (in->unsol_logged)
		return;
	in_log_reply(in, in->cl->unsolicited);
	in_log(in, "   (unsolicited: %s)", why);
	in->unsol_logged = 1;
}

/* A reply came for a tag with no request in flight (a duplicate, a wrong
 * tag): fail the case naming it, before the reply just awaited is judged.
 * 0 if there was none. */
int in_unsolicited(struct interp *in, const struct stmt *s, int rc)
{
	char why[300];
	if (!in->cl || !p9_client_unsolicited(in->cl, why, sizeof why))
		return 0;
	in_log_unsolicited(in, why);
	return in_fail(in, s, "%s%s", rc == -ETIMEDOUT ? "no reply (timeout); " : "", why);
}

int in_rpc(struct interp *in, const struct stmt *s, struct p9_msg *m,
	   struct p9_reply **r)
{
	int rc;
	if (!in->cl)
		return in_fail(in, s, "not connected");
	if (m->type == P9_TVERSION)
		m->tag = P9_NOTAG;
	else
		m->tag = p9_client_tag(in->cl);
	in_before_send(in, m->tag);
	in_log_msg(in, "->", m);
	rc = p9_client_send(in->cl, m);
	if (!rc)
		rc = p9_client_wait(in->cl, m->tag, in_call_ms(in), r);
	const struct p9_reply *u = in->cl->unsolicited;
	if (rc == -ETIMEDOUT && u && u->unsolicited == P9_REPLY_STRAY) {
		char why[300];
		p9_client_unsolicited(in->cl, why, sizeof why);
		in_log_unsolicited(in, why);
		return in_fail(in, s, "%s: no reply (timeout); a reply with tag %u, which "
			       "no request in flight has, came instead (%s)",
			       p9_typename(m->type), u->m.tag, p9_typename(u->m.type));
	}
	if (in->cl->nunsolicited) {
		if (!rc)
			p9_reply_free(*r);
		*r = NULL;
		return in_unsolicited(in, s, rc);
	}
	if (rc == -ECONNRESET)
		return in_lost(in, s, m->type, m->tag);
	if (rc)
		return in_fail(in, s, "%s: %s", p9_typename(m->type), in_rc_str(rc));
	in_log_reply(in, *r);
	return 0;
}

int in_rpc_ok(struct interp *in, const struct stmt *s, struct p9_msg *m, int want,
	      struct p9_reply **r)
{
	char line[512];
	if (in_rpc(in, s, m, r))
		return -1;
	if ((*r)->decode_rc == 0 && (*r)->m.type == want)
		return 0;
	if ((*r)->decode_rc)
		p9_decode_err_str(&(*r)->derr, line, sizeof line);
	else
		p9_fmt(line, sizeof line, &(*r)->m, in->dialect);
	p9_reply_free(*r);
	*r = NULL;
	return in_fail(in, s, "%s: expected %s, got %s", p9_typename(m->type),
		       p9_typename((unsigned)want), line);
}

/* 1 once a reply to the request named name has arrived (waiting up to ms
 * for it, without taking it), 0 if none has, -1 (case failed) on error. */
int in_answered(struct interp *in, const char *name, int ms)
{
	int idx = -1;
	if (!in->cl)
		return in_fail(in, NULL, "answered(%s): not connected", name);
	for (int i = in->npend - 1; i >= 0 && idx < 0; i--)
		if (in->pend[i].used && strcmp(in->pend[i].name, name) == 0)
			idx = i;
	if (idx < 0)
		return in_fail(in, NULL, "answered(%s): no request named @%s was sent", name, name);
	if (in->pend[idx].used != 1)
		return 1; /* its reply was taken already */
	uint64_t end = p9_now_ns() + (uint64_t)ms * 1000000ull;
	for (;;) {
		int rc = p9_client_drain(in->cl);
		if (rc < 0 && rc != -ETIMEDOUT)
			return in_fail(in, NULL, "answered(%s): %s", name, in_rc_str(rc));
		for (size_t i = 0; i < in->cl->nstash; i++)
			if (in->cl->stash[i]->m.tag == in->pend[idx].tag) {
				in_log_reply(in, in->cl->stash[i]);
				in_log(in, "   (answered(%s): arrived)", name);
				return 1;
			}
		if (p9_now_ns() >= end || p9_now_ns() >= in->deadline_ns)
			return 0;
		struct timespec ts = { 0, 1000000L };
		nanosleep(&ts, NULL);
	}
}
