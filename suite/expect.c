/*
 * expect.c - the expect statement: waiting for the reply to a request in
 * flight, predicates and captures (on the fields fields.c reads), the
 * dialect-adaptive error expectation, "none", "close", "error or close",
 * "flushed", "already" and "expect all".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "suite.h"
#include "xalloc.h"

/* ---- expect ---- */

static int find_pending(struct interp *in, const struct stmt *s)
{
	if (s->handle) {
		for (int i = in->npend - 1; i >= 0; i--)
			if (in->pend[i].used && strcmp(in->pend[i].name, s->handle) == 0)
				return i;
		return in_fail(in, s, "no request named @%s was sent", s->handle);
	}
	if (in->last < 0 || !in->pend[in->last].used)
		return in_fail(in, s, "expect without a request sent before it");
	return in->last;
}

int value_test(struct interp *in, const struct stmt *s, const char *what,
	       const struct value *a, int op, const struct value *b)
{
	int ok = 0;
	if (b->kind == V_NONE)
		return 1; /* any */
	switch (op) {
	case P_EQ: ok = val_eq(a, b); break;
	case P_NE: ok = !val_eq(a, b); break;
	case P_LT: case P_LE: case P_GT: case P_GE:
		if (a->kind != V_INT || b->kind != V_INT)
			return in_fail(in, s, "%s: <, >, <=, >= compare numbers", what);
		ok = op == P_LT ? a->i < b->i : op == P_LE ? a->i <= b->i :
		     op == P_GT ? a->i > b->i : a->i >= b->i;
		break;
	case P_IN:
		for (int i = 0; i < b->nitem && !ok; i++)
			ok = val_eq(a, &b->item[i]);
		break;
	case P_HAS:
		if (a->kind == V_INT && b->kind == V_INT)
			ok = (a->i & b->i) == b->i;
		else if (a->kind == V_STR && b->kind == V_STR)
			ok = memmem(a->s, a->len, b->s, b->len) != NULL;
		else
			return in_fail(in, s, "%s: ~ tests bits of numbers or substrings", what);
		break;
	}
	return ok;
}

int value_compare(struct interp *in, const struct stmt *s, const char *what,
		   const struct value *a, int op, const struct value *b)
{
	char sa[200], sb[200];
	int ok = value_test(in, s, what, a, op, b);
	if (ok)
		return ok < 0 ? -1 : 0;
	static const char *opn[] = { "=", "!=", "<", "<=", ">", ">=", "in", "~" };
	if (op == P_IN) {
		size_t n = 0;
		sb[0] = '{';
		n = 1;
		for (int i = 0; i < b->nitem && n < sizeof sb - 40; i++) {
			char t[64];
			n += (size_t)snprintf(sb + n, sizeof sb - n, "%s%s", i ? "," : "",
					      val_fmt(&b->item[i], t, sizeof t));
		}
		snprintf(sb + n, sizeof sb - n, "}");
	} else {
		val_fmt(b, sb, sizeof sb);
	}
	return in_fail(in, s, "%s is %s, expected %s %s", what, val_fmt(a, sa, sizeof sa),
		       opn[op], sb);
}

static int check_preds(struct interp *in, const struct stmt *s, const struct p9_reply *r)
{
	for (int i = 0; i < s->npr; i++) {
		const struct pred *p = &s->pr[i];
		struct value got, want;
		int rc;
		if (reply_field(in, s, r, p->field, &got))
			return -1;
		if (p->op == P_CAPTURE) {
			var_set(in, p->var, &got);
			val_free(&got);
			continue;
		}
		if (eval(in, p->val, &want)) {
			val_free(&got);
			return -1;
		}
		rc = value_compare(in, s, p->field, &got, p->op, &want);
		val_free(&got);
		val_free(&want);
		if (rc)
			return -1;
	}
	return 0;
}

static int check_error(struct interp *in, const struct stmt *s, const struct p9_reply *r,
		       const char *got)
{
	int e = reply_errno(r);
	if (in->early && (r->m.type == P9_RLERROR || r->m.type == P9_RERROR)) {
		if (!s->nerrno || !e)
			return 0;
	} else if (in->dialect == P9_DL && r->m.type != P9_RLERROR)
		return in_fail(in, s, "expected Rlerror, got %s", got);
	if (in->dialect != P9_DL && r->m.type != P9_RERROR)
		return in_fail(in, s, "expected Rerror, got %s", got);
	if (!s->nerrno || in->dialect == P9_D2000)
		return 0;
	for (int i = 0; i < s->nerrno; i++)
		if (e == s->errnos[i])
			return 0;
	char want[200];
	size_t n = 0;
	for (int i = 0; i < s->nerrno && n < sizeof want - 20; i++) {
		const char *nm = p9_errno_name((uint32_t)s->errnos[i]);
		n += (size_t)snprintf(want + n, sizeof want - n, "%s%s", i ? "|" : "", nm ? nm : "?");
	}
	const char *gn = p9_errno_name((uint32_t)e);
	return in_fail(in, s, "expected error %s, got %s (%s)", want, gn ? gn : "?", got);
}

static int in_stash(const struct interp *in, uint16_t tag)
{
	for (size_t i = 0; i < in->cl->nstash; i++)
		if (in->cl->stash[i]->m.tag == tag)
			return 1;
	return 0;
}

static int match_reply(struct interp *in, const struct stmt *s, struct p9_reply *r,
		       int ms, int ptype);

/* After a wait (result rc, reply r): a reply that came for a tag with no
 * request in flight fails the case before anything else (frees r). */
static int unsolicited_after(struct interp *in, const struct stmt *s, int rc,
			     struct p9_reply *r)
{
	if (!in->cl->nunsolicited)
		return 0;
	if (!rc)
		p9_reply_free(r);
	return in_unsolicited(in, s, rc);
}

/* Arrival order of the first Rflush received for a Tflush of tag; 0 if
 * none was received yet. */
static uint64_t rflush_seq(const struct interp *in, uint16_t tag)
{
	uint64_t first = 0;
	for (int i = 0; i < in->npend; i++) {
		const struct pending *f = &in->pend[i];
		if (f->type == P9_TFLUSH && f->oldtag == tag && f->seq &&
		    (!first || f->seq < first))
			first = f->seq;
	}
	return first;
}

/* The request was flushed: no reply at all, or one that arrived before the
 * Rflush the case already consumed (so it is in the stash now). */
static int expect_flushed(struct interp *in, const struct stmt *s, int idx, int ms)
{
	struct pending *pd = &in->pend[idx];
	struct p9_reply *r = NULL;
	int rc;
	if (in_stash(in, pd->tag)) {
		uint64_t fl = rflush_seq(in, pd->tag);
		p9_client_wait(in->cl, pd->tag, 0, &r);
		in_log_reply(in, r);
		pd->used = 2;
		if (fl && r->seq > fl) {
			char got[512];
			p9_fmt(got, sizeof got, &r->m, in->dialect);
			p9_reply_free(r);
			return in_fail(in, s, "flushed request answered after its Rflush: %s", got);
		}
		in_log(in, "   (the flushed request was answered before Rflush: allowed)");
		p9_reply_free(r);
		return 0;
	}
	if (!s->within_ms)
		ms = 200;
	rc = p9_client_wait(in->cl, pd->tag, ms, &r);
	if (unsolicited_after(in, s, rc, r))
		return -1;
	if (rc == -ETIMEDOUT) {
		/* flush(5): nothing more may come for the tag; a reply now is unsolicited */
		p9_client_forget(in->cl, pd->tag);
		pd->used = 2;
		return 0;
	}
	if (rc)
		return in_fail(in, s, "waiting after Rflush: %s", in_rc_str(rc));
	in_log_reply(in, r);
	char got[512];
	p9_fmt(got, sizeof got, &r->m, in->dialect);
	p9_reply_free(r);
	pd->used = 2;
	return in_fail(in, s, "flushed request answered after its Rflush: %s", got);
}

/* Every request in flight must be answered (in any order) and match. */
static int expect_all(struct interp *in, const struct stmt *s)
{
	int n = 0;
	for (int i = 0; i < in->npend; i++) {
		struct pending *pd = &in->pend[i];
		struct p9_reply *r = NULL;
		int rc, ms = in_call_ms(in);
		if (pd->used != 1)
			continue;
		rc = p9_client_wait(in->cl, pd->tag, ms, &r);
		pd->used = 2;
		if (!rc)
			pd->seq = r->seq;
		if (unsolicited_after(in, s, rc, r))
			return -1;
		if (rc)
			return in_fail(in, s, "reply to %s tag %u: %s", p9_typename(pd->type), pd->tag,
				       in_rc_str(rc));
		in_log_reply(in, r);
		if (match_reply(in, s, r, ms, pd->type))
			return -1;
		n++;
	}
	if (!n)
		return in_fail(in, s, "expect all: no request in flight");
	return 0;
}

int stmt_expect(struct interp *in, const struct stmt *s)
{
	struct p9_reply *r = NULL;
	int idx, rc;
	int ms = s->within_ms ? (int)s->within_ms : in->o->call_ms;
	int left = in_call_ms(in);
	char got[1024];
	if (!in->cl)
		return in_fail(in, s, "not connected");
	if (s->xkind == X_NONE && !s->handle) {
		if (ms > left && left < in->o->call_ms)
			return in_fail(in, s, "case timed out");
		rc = p9_client_wait_any(in->cl, ms, &r);
		if (unsolicited_after(in, s, rc, r))
			return -1;
		if (rc == -ETIMEDOUT)
			return 0;
		if (rc)
			return in_fail(in, s, "expect none: %s", in_rc_str(rc));
		in_log_reply(in, r);
		p9_fmt(got, sizeof got, &r->m, in->dialect);
		p9_reply_free(r);
		return in_fail(in, s, "expected no reply within %dms, got %s", ms, got);
	}
	if (s->all)
		return expect_all(in, s);
	if ((idx = find_pending(in, s)) < 0)
		return -1;
	if (s->xkind == X_FLUSHED)
		return expect_flushed(in, s, idx, ms);
	if (s->already) {
		if (!in_stash(in, in->pend[idx].tag))
			return in_fail(in, s, "the reply to %s tag %u had not arrived yet",
				       p9_typename(in->pend[idx].type), in->pend[idx].tag);
		ms = 0;
	}
	if (ms > left) {
		if (s->xkind == X_NONE)
			return in_fail(in, s, "case timed out");
		ms = left;
	}
	struct pending *pd = &in->pend[idx];
	rc = p9_client_wait(in->cl, pd->tag, ms, &r);
	if (unsolicited_after(in, s, rc, r))
		return -1;
	if (rc == -ETIMEDOUT) {
		if (s->xkind == X_NONE)
			return 0;
		return in_fail(in, s, "no reply to %s tag %u within %dms%s", p9_typename(pd->type),
			       pd->tag, ms, s->xkind == X_ERROR_OR_CLOSE ? " (server hung)" : "");
	}
	pd->used = 2; /* answered (or the connection is gone) */
	if (!rc)
		pd->seq = r->seq;
	if (rc == -ECONNRESET) {
		if (s->xkind != X_CLOSE && s->xkind != X_ERROR_OR_CLOSE)
			return in_lost(in, s, pd->type, pd->tag);
		in_log(in, "<- (connection closed)");
		return 0;
	}
	if (rc)
		return in_fail(in, s, "waiting for %s: %s", p9_typename(pd->type), in_rc_str(rc));
	in_log_reply(in, r);
	return match_reply(in, s, r, ms, pd->type);
}

/* Check one received reply against the expectation; frees r. */
static int match_reply(struct interp *in, const struct stmt *s, struct p9_reply *r,
		       int ms, int ptype)
{
	char got[1024];
	int rc;
	/* Before a dialect is agreed (and for Tversion itself) a server can only
	 * answer a plain 9P2000 Rerror: accept that form too. */
	int early = ptype == P9_TVERSION || !in->versioned;
	if (r->decode_rc && early && r->len > 4 && r->buf[4] == P9_RERROR &&
	    p9_decode(r->buf, r->len, P9_D2000, &r->m, &r->derr) == 0)
		r->decode_rc = 0;
	in->early = early;
	if (r->decode_rc) {
		char why[256];
		p9_decode_err_str(&r->derr, why, sizeof why);
		p9_reply_free(r);
		return in_fail(in, s, "malformed reply: %s", why);
	}
	p9_fmt(got, sizeof got, &r->m, in->dialect);
	if (r->m.type == P9_RVERSION)
		in->versioned = 1;
	rc = 0;
	switch (s->xkind) {
	case X_NONE:
		rc = in_fail(in, s, "expected no reply within %dms, got %s", ms, got);
		break;
	case X_CLOSE:
		rc = in_fail(in, s, "expected the server to close the connection, got %s", got);
		break;
	case X_ANY:
		break;
	case X_ERROR:
	case X_ERROR_OR_CLOSE:
		if (check_error(in, s, r, got))
			rc = -1;
		break;
	case X_MSG:
		if (r->m.type != s->def->type) {
			rc = in_fail(in, s, "expected %s, got %s", s->def->name, got);
			break;
		}
		break;
	}
	if (!rc)
		rc = check_preds(in, s, r);
	p9_reply_free(r);
	return rc;
}

