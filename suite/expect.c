/*
 * expect.c - the expect statement: waiting for the reply to a request in
 * flight, reply fields and pseudo-fields, predicates and captures, the
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

static int errno_of(const struct p9_reply *r)
{
	if (r->m.type == P9_RLERROR || r->m.type == P9_RERROR)
		return (int)r->m.errnum;
	return 0;
}

/* The value of a reply field (or pseudo-field) named by path. */
static int reply_field(struct interp *in, const struct stmt *s, const struct p9_reply *r,
		       const char *path, struct value *out)
{
	const struct p9_msg *m = &r->m;
	const struct p9_msgdef *d = p9_msgdef(m->type);
	char name[64], idx_sub[96];
	const char *sub;
	size_t n = strcspn(path, ".[");
	struct value base = { 0 };
	int rc;
	if (n >= sizeof name)
		return in_fail(in, s, "field name too long");
	memcpy(name, path, n);
	name[n] = 0;
	sub = path + n;
	if (d && p9_field_byname(d, name) && strcmp(name, "stat") != 0 &&
	    strcmp(name, "wqid") != 0) {
		/* a real field of the message: handled below */
	} else if (strcmp(name, "tag") == 0) base = val_int(m->tag);
	else if (strcmp(name, "msgtype") == 0) /* as on the wire */
		base = val_int(r->len > 4 ? r->buf[4] : m->type);
	else if (strcmp(name, "msgsize") == 0) base = val_int(r->len);
	else if (strcmp(name, "nwqid") == 0) base = val_int(m->nwqid);
	else if (strcmp(name, "error") == 0 || strcmp(name, "errno") == 0 ||
		 strcmp(name, "ecode") == 0) base = val_int((uint64_t)errno_of(r));
	else if (strcmp(name, "iserror") == 0) /* 9P2000's Rerror carries no errno */
		base = val_int(m->type == P9_RLERROR || m->type == P9_RERROR);
	else if (strcmp(name, "ename") == 0) base = val_str(m->ename.p ? m->ename.p : "", m->ename.len);
	else if (strcmp(name, "count") == 0) base = val_int(m->count);
	else if (strcmp(name, "nstat") == 0 && d && p9_field_byname(d, "stat"))
		base = val_int(m->nstat);
	else if (strcmp(name, "aqid") == 0) base = val_qid(m->qid);
	else if (strcmp(name, "wqid") == 0) {
		base.kind = V_LIST;
		base.item = xcalloc(P9_MAXWELEM + 1, sizeof *base.item);
		for (int i = 0; i < m->nwqid; i++)
			base.item[base.nitem++] = val_qid(m->wqid[i]);
	} else if (strcmp(name, "entries") == 0 || strcmp(name, "entry") == 0 ||
		   strcmp(name, "last") == 0) {
		size_t pos = 0;
		struct p9_dirent de;
		int k;
		base.kind = V_LIST;
		while ((k = p9_dirent_next(m->data, m->count, &pos, &de)) == 1) {
			struct value *it = xrealloc(base.item, (size_t)(base.nitem + 1) * sizeof *it);
			base.item = it;
			/* an entry is a list: [qid, offset, type, name] */
			struct value e = { .kind = V_LIST };
			e.item = xcalloc(5, sizeof *e.item);
			e.item[0] = val_qid(de.qid);
			e.item[1] = val_int(de.offset);
			e.item[2] = val_int(de.type);
			e.item[3] = val_str(de.name.p, de.name.len);
			e.nitem = 4;
			base.item[base.nitem++] = e;
		}
		if (k < 0) {
			val_free(&base);
			return in_fail(in, s, "Rreaddir: malformed entry at byte %zu", pos);
		}
		if (name[0] == 'l') {
			/* last.name: the last entry of the reply */
			if (!base.nitem) {
				val_free(&base);
				return in_fail(in, s, "no last entry: the Rreaddir is empty");
			}
			snprintf(idx_sub, sizeof idx_sub, "[%d]%s", base.nitem - 1, sub);
			sub = idx_sub;
		}
		if (strcmp(name, "entries") == 0) {
			int cnt = base.nitem;
			val_free(&base);
			base = val_int((uint64_t)cnt);
		} else if (sub[0] == '[') {
			/* entry[i].name etc: map the names onto the list */
			char *end;
			long i = strtol(sub + 1, &end, 10);
			if (*end != ']' || i < 0 || i >= base.nitem) {
				val_free(&base);
				return in_fail(in, s, "no entry %s in this Rreaddir", sub);
			}
			struct value e = base.item[i];
			base.item[i].kind = V_NONE;
			base.item[i].item = NULL;
			base.item[i].nitem = 0;
			val_free(&base);
			sub = end + 1;
			if (*sub == '.')
				sub++;
			const char *fields[] = { "qid", "offset", "type", "name" };
			int idx = -1;
			size_t fl = strcspn(sub, ".");
			for (int j = 0; j < 4; j++)
				if (strlen(fields[j]) == fl && strncmp(sub, fields[j], fl) == 0)
					idx = j;
			if (idx < 0) {
				val_free(&e);
				return in_fail(in, s, "entry fields are qid, offset, type, name");
			}
			val_copy(&base, &e.item[idx]);
			val_free(&e);
			sub += fl;
		}
	} else if (strcmp(name, "stat") == 0 && d && p9_field_byname(d, "stat")) {
		const struct p9_stat *st = &m->stat;
		const char *f = sub[0] == '.' ? sub + 1 : sub;
		size_t fl = strcspn(f, ".");
		char fn[32];
		if (fl >= sizeof fn)
			fl = sizeof fn - 1;
		memcpy(fn, f, fl);
		fn[fl] = 0;
		sub = f + fl;
		if (strcmp(fn, "name") == 0) base = val_str(st->name.p, st->name.len);
		else if (strcmp(fn, "uid") == 0) base = val_str(st->uid.p, st->uid.len);
		else if (strcmp(fn, "gid") == 0) base = val_str(st->gid.p, st->gid.len);
		else if (strcmp(fn, "muid") == 0) base = val_str(st->muid.p, st->muid.len);
		else if (strcmp(fn, "extension") == 0) base = val_str(st->extension.p, st->extension.len);
		else if (strcmp(fn, "qid") == 0) base = val_qid(st->qid);
		else if (strcmp(fn, "type") == 0) base = val_int(st->type);
		else if (strcmp(fn, "dev") == 0) base = val_int(st->dev);
		else if (strcmp(fn, "mode") == 0) base = val_int(st->mode);
		else if (strcmp(fn, "atime") == 0) base = val_int(st->atime);
		else if (strcmp(fn, "mtime") == 0) base = val_int(st->mtime);
		else if (strcmp(fn, "length") == 0) base = val_int(st->length);
		else if (strcmp(fn, "n_uid") == 0) base = val_int(st->n_uid);
		else if (strcmp(fn, "size") == 0) base = val_int(st->size);
		else
			return in_fail(in, s, "no stat field '%s'", fn);
	}
	if (base.kind == V_NONE) {
		const struct p9_field *f = d ? p9_field_byname(d, name) : NULL;
		if (!f)
			return in_fail(in, s, "%s has no field '%s'", p9_typename(m->type), name);
		switch (f->kind) {
		case P9K_U8: case P9K_U16: case P9K_U32: case P9K_U64:
			base = val_int(p9_field_uint(m, f));
			break;
		case P9K_STR: {
			const struct p9_str *ps = p9_field_ptr((struct p9_msg *)m, f);
			base = val_str(ps->p ? ps->p : "", ps->len);
			break;
		}
		case P9K_QID:
			base = val_qid(*(const struct p9_qid *)p9_field_ptr((struct p9_msg *)m, f));
			break;
		case P9K_DATA:
		case P9K_DIRENTS:
			base = val_str((const char *)(m->data ? m->data : (const uint8_t *)""), m->count);
			break;
		default:
			return in_fail(in, s, "field '%s' cannot be compared", name);
		}
	}
	struct expr dummy = { .pos = s->pos };
	rc = val_sub(in, &dummy, &base, sub, out);
	val_free(&base);
	return rc;
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

static int is_error(const struct p9_reply *r)
{
	return r->m.type == P9_RLERROR || r->m.type == P9_RERROR;
}

static int check_error(struct interp *in, const struct stmt *s, const struct p9_reply *r,
		       const char *got)
{
	int e = errno_of(r);
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
	(void)is_error;
	p9_reply_free(r);
	return rc;
}

