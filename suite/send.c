/*
 * send.c - the send and sendraw statements: a message is built from
 * "field=value" assignments through the message table and the pseudo-
 * fields (fields.c: so every message is scriptable with no per-message
 * code), with tag, size and type overrides, and recorded as a request in
 * flight.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "suite.h"
#include "xalloc.h"

/* ---- send ---- */

/* Strings assigned into a message must outlive the send: keep them. */
struct keep {
	struct value v[P9_MAXFIELDS + P9_MAXWELEM + 8];
	int n;
};

static struct value *keep_new(struct keep *k)
{
	return k->n < (int)(sizeof k->v / sizeof k->v[0]) ? &k->v[k->n++] : NULL;
}

static void keep_free(struct keep *k)
{
	for (int i = 0; i < k->n; i++)
		val_free(&k->v[i]);
}

static int add_pending(struct interp *in, const char *name, uint16_t tag, uint8_t type)
{
	int slot = -1;
	for (int i = 0; i < in->npend; i++)
		if (in->pend[i].used != 1) {
			slot = i;
			break;
		}
	if (slot < 0) {
		if (in->npend == (int)(sizeof in->pend / sizeof in->pend[0]))
			return in_fail(in, NULL, "more than 256 requests in flight");
		slot = in->npend++;
	}
	snprintf(in->pend[slot].name, sizeof in->pend[slot].name, "%s", name ? name : "");
	in->pend[slot].tag = tag;
	in->pend[slot].type = type;
	in->pend[slot].used = 1;
	in->pend[slot].oldtag = 0;
	in->pend[slot].seq = 0;
	in->last = slot;
	return 0;
}

/* $tag is the latest request's tag; $tag_NAME the tag of @NAME. */
static void set_tag_vars(struct interp *in, const char *handle, uint16_t tag)
{
	var_int(in, "tag", tag);
	if (handle) {
		char name[48];
		snprintf(name, sizeof name, "tag_%s", handle);
		var_int(in, name, tag);
	}
}

static int tag_in_flight(const struct interp *in, uint16_t tag)
{
	for (int i = 0; i < in->npend; i++)
		if (in->pend[i].used == 1 && in->pend[i].tag == tag)
			return 1;
	return 0;
}

/* Defaults that make a bare message sensible. */
static void send_defaults(struct interp *in, struct sendreq *q)
{
	struct p9_msg *m = &q->m;
	if (m->type == P9_TVERSION) {
		m->msize = in->o->msize;
		m->version = p9_s(p9_dialect_name(in->dialect));
		m->tag = P9_NOTAG;
		q->have_tag = 1;
	}
	if (m->type == P9_TATTACH || m->type == P9_TAUTH) {
		m->afid = P9_NOFID;
		m->uname = p9_s(in->o->uname);
		m->aname = p9_s(in->o->aname);
		m->n_uname = in->o->n_uname;
	}
	if (m->type == P9_TWSTAT)
		stat_dont_touch(&m->stat);
}

/* The statement's field=value assignments, in order. */
static int send_assign(struct interp *in, const struct stmt *s, struct sendreq *q,
		       struct keep *k)
{
	for (int i = 0; i < s->nas; i++) {
		struct value *v = keep_new(k);
		if (!v)
			return in_fail(in, s, "too many fields");
		if (eval(in, s->as[i].val, v) || field_assign(in, s, q, &s->as[i], v))
			return -1;
	}
	return 0;
}

/* Send the message, with the size or type of its header overridden if
 * the statement says so (then as bytes); 0, or -1 after in_fail. */
static int send_msg(struct interp *in, const struct stmt *s, const struct sendreq *q)
{
	long n;
	uint8_t *buf;
	int rc;
	in_before_send(in, q->m.tag);
	in_log_msg(in, "->", &q->m);
	if (!q->have_size && !q->have_type) {
		rc = p9_client_send(in->cl, &q->m);
	} else if ((n = p9_encoded_size(&q->m, in->dialect)) < 0) {
		return in_fail(in, s, "cannot encode: %s", strerror((int)-n));
	} else {
		buf = xmalloc((size_t)n);
		n = p9_encode(&q->m, in->dialect, buf, (size_t)n);
		if (q->have_size)
			p9_put32(buf, (uint32_t)q->size);
		if (q->have_type)
			buf[4] = (uint8_t)q->type;
		in_log(in, "   (sent with size %u type %u)", p9_get32(buf), buf[4]);
		rc = p9_client_send_raw(in->cl, buf, (size_t)n);
		free(buf);
	}
	if (rc == -ECONNRESET)
		return in_lost(in, s, q->m.type, q->m.tag);
	if (rc)
		return in_fail(in, s, "send %s: %s", s->def->name, in_rc_str(rc));
	return 0;
}

int stmt_send(struct interp *in, const struct stmt *s)
{
	struct sendreq q = { .m.type = s->def->type };
	struct keep *k;
	int rc;
	if (!in->cl)
		return in_fail(in, s, "not connected");
	k = xcalloc(1, sizeof *k);
	send_defaults(in, &q);
	rc = send_assign(in, s, &q, k);
	if (!rc && !q.have_tag)
		do
			q.m.tag = p9_client_tag(in->cl);
		while (tag_in_flight(in, q.m.tag));
	if (!rc)
		rc = send_msg(in, s, &q);
	if (!rc) {
		rc = add_pending(in, s->handle, q.m.tag, q.m.type);
		if (!rc && q.m.type == P9_TFLUSH)
			in->pend[in->last].oldtag = q.m.oldtag;
		set_tag_vars(in, s->handle, q.m.tag);
	}
	keep_free(k);
	free(k);
	return rc;
}

int stmt_sendraw(struct interp *in, const struct stmt *s)
{
	uint8_t *buf = NULL;
	size_t n = 0;
	int rc;
	if (!in->cl)
		return in_fail(in, s, "not connected");
	for (int i = 0; i < s->narg; i++) {
		struct value v;
		if (eval(in, s->arg[i], &v)) {
			free(buf);
			return -1;
		}
		if (v.kind != V_STR) {
			val_free(&v);
			free(buf);
			return in_fail(in, s, "sendraw takes bytes (0x...) or strings");
		}
		buf = xrealloc(buf, n + v.len + 1);
		memcpy(buf + n, v.s, v.len);
		n += v.len;
		val_free(&v);
	}
	{
		char hex[140];
		size_t k;
		for (k = 0; k < n && k < 64; k++)
			snprintf(hex + 2 * k, 3, "%02x", buf[k]);
		hex[2 * k] = 0;
		in_log(in, "-> raw %zu bytes %s%s", n, hex, n > 64 ? "..." : "");
	}
	uint16_t tag = n >= 7 ? p9_get16(buf + 5) : P9_NOTAG;
	uint8_t type = n >= 5 ? buf[4] : 0;
	if (n >= 7)
		in_before_send(in, tag);
	rc = p9_client_send_raw(in->cl, buf, n);
	free(buf);
	if (rc)
		return in_fail(in, s, "sendraw: %s", in_rc_str(rc));
	if (add_pending(in, s->handle, tag, type))
		return -1;
	set_tag_vars(in, s->handle, tag);
	return 0;
}

