/*
 * send.c - the send and sendraw statements: a message is built from
 * "field=value" assignments through the message table (so every message is
 * scriptable with no per-message code), with tag, size and type overrides,
 * and recorded as a request in flight.
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

static void stat_dont_touch(struct p9_stat *st)
{
	memset(st, 0, sizeof *st);
	st->type = 0xFFFF;
	st->dev = 0xFFFFFFFF;
	st->qid.type = 0xFF;
	st->qid.version = 0xFFFFFFFF;
	st->qid.path = ~0ull;
	st->mode = st->atime = st->mtime = 0xFFFFFFFF;
	st->length = ~0ull;
	st->n_uid = st->n_gid = st->n_muid = 0xFFFFFFFF;
	st->name = st->uid = st->gid = st->muid = st->extension = p9_s("");
}

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

static int set_stat_field(struct interp *in, const struct assign *a, struct p9_stat *st,
			  struct value *v)
{
	const char *f = a->field + 5;
	struct { const char *n; struct p9_str *p; } strs[] = {
		{ "name", &st->name }, { "uid", &st->uid }, { "gid", &st->gid },
		{ "muid", &st->muid }, { "extension", &st->extension },
	};
	for (unsigned i = 0; i < 5; i++)
		if (strcmp(f, strs[i].n) == 0) {
			if (v->kind != V_STR)
				goto bad;
			strs[i].p->p = v->s;
			strs[i].p->len = (uint16_t)v->len;
			return 0;
		}
	if (strcmp(f, "qid") == 0 && v->kind == V_QID) {
		st->qid = v->q;
		return 0;
	}
	if (v->kind != V_INT)
		goto bad;
	if (strcmp(f, "type") == 0) st->type = (uint16_t)v->i;
	else if (strcmp(f, "dev") == 0) st->dev = (uint32_t)v->i;
	else if (strcmp(f, "mode") == 0) st->mode = (uint32_t)v->i;
	else if (strcmp(f, "atime") == 0) st->atime = (uint32_t)v->i;
	else if (strcmp(f, "mtime") == 0) st->mtime = (uint32_t)v->i;
	else if (strcmp(f, "length") == 0) st->length = v->i;
	else if (strcmp(f, "n_uid") == 0) st->n_uid = (uint32_t)v->i;
	else if (strcmp(f, "n_gid") == 0) st->n_gid = (uint32_t)v->i;
	else if (strcmp(f, "n_muid") == 0) st->n_muid = (uint32_t)v->i;
	else
		goto bad;
	return 0;
bad:
	return in_fail(in, NULL, "%s:%d:%d: bad stat field or value for %s", a->pos.file,
		       a->pos.line, a->pos.col, a->field);
}

static int set_field(struct interp *in, struct p9_msg *m, const struct p9_field *f,
		     const struct assign *a, struct value *v)
{
	void *p = p9_field_ptr(m, f);
	switch (f->kind) {
	case P9K_U8: case P9K_U16: case P9K_U32: case P9K_U64:
		if (v->kind != V_INT)
			break;
		p9_field_set_uint(m, f, v->i);
		return 0;
	case P9K_STR:
		if (v->kind != V_STR)
			break;
		((struct p9_str *)p)->p = v->s;
		((struct p9_str *)p)->len = (uint16_t)v->len;
		return 0;
	case P9K_QID:
		if (v->kind != V_QID)
			break;
		*(struct p9_qid *)p = v->q;
		return 0;
	case P9K_DATA:
	case P9K_DIRENTS:
		if (v->kind != V_STR)
			break;
		m->data = (const uint8_t *)v->s;
		m->count = (uint32_t)v->len;
		return 0;
	case P9K_WNAMES:
		if (v->kind != V_LIST || v->nitem > P9_MAXWELEM)
			return in_fail(in, NULL, "%s:%d:%d: wname takes a [list] of at most 16 names (use sendraw for more)",
				       a->pos.file, a->pos.line, a->pos.col);
		for (int i = 0; i < v->nitem; i++) {
			if (v->item[i].kind != V_STR)
				goto bad;
			m->wname[i].p = v->item[i].s;
			m->wname[i].len = (uint16_t)v->item[i].len;
		}
		m->nwname = (uint16_t)v->nitem;
		return 0;
	case P9K_WQIDS:
		if (v->kind != V_LIST || v->nitem > P9_MAXWELEM)
			break;
		for (int i = 0; i < v->nitem; i++) {
			if (v->item[i].kind != V_QID)
				goto bad;
			m->wqid[i] = v->item[i].q;
		}
		m->nwqid = (uint16_t)v->nitem;
		return 0;
	}
bad:
	return in_fail(in, NULL, "%s:%d:%d: wrong kind of value for field %s", a->pos.file,
		       a->pos.line, a->pos.col, a->field);
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

int stmt_send(struct interp *in, const struct stmt *s)
{
	struct p9_msg m = { 0 };
	struct keep *k = xcalloc(1, sizeof *k);
	int rc = -1, have_tag = 0, have_size = 0, have_type = 0;
	uint64_t size = 0, type = 0;
	if (!in->cl) {
		free(k);
		return in_fail(in, s, "not connected");
	}
	m.type = s->def->type;
	/* defaults that make a bare message sensible */
	if (m.type == P9_TVERSION) {
		m.msize = in->o->msize;
		m.version = p9_s(p9_dialect_name(in->dialect));
		m.tag = P9_NOTAG;
		have_tag = 1;
	}
	if (m.type == P9_TATTACH || m.type == P9_TAUTH) {
		m.afid = P9_NOFID;
		m.uname = p9_s(in->o->uname);
		m.aname = p9_s(in->o->aname);
		m.n_uname = in->o->n_uname;
	}
	if (m.type == P9_TWSTAT)
		stat_dont_touch(&m.stat);
	for (int i = 0; i < s->nas; i++) {
		const struct assign *a = &s->as[i];
		struct value *v = keep_new(k);
		const struct p9_field *f;
		if (!v) {
			in_fail(in, s, "too many fields");
			goto out;
		}
		if (eval(in, a->val, v))
			goto out;
		int bare = !p9_field_byname(s->def, a->field);
		if (strcmp(a->field, "tag") == 0 || strcmp(a->field, "msgsize") == 0 ||
		    strcmp(a->field, "msgtype") == 0 ||
		    (bare && (strcmp(a->field, "size") == 0 || strcmp(a->field, "type") == 0))) {
			if (v->kind != V_INT) {
				in_fail(in, s, "%s needs a number", a->field);
				goto out;
			}
			if (strcmp(a->field, "tag") == 0) { m.tag = (uint16_t)v->i; have_tag = 1; }
			else if (strstr(a->field, "size")) { size = v->i; have_size = 1; }
			else { type = v->i; have_type = 1; }
			continue;
		}
		if (strncmp(a->field, "stat.", 5) == 0) {
			if (set_stat_field(in, a, &m.stat, v))
				goto out;
			continue;
		}
		f = p9_field_byname(s->def, a->field);
		if (set_field(in, &m, f, a, v))
			goto out;
	}
	if (!have_tag)
		do
			m.tag = p9_client_tag(in->cl);
		while (tag_in_flight(in, m.tag));
	in_before_send(in, m.tag);
	in_log_msg(in, "->", &m);
	if (have_size || have_type) {
		long n = p9_encoded_size(&m, in->dialect);
		uint8_t *buf;
		if (n < 0) {
			in_fail(in, s, "cannot encode: %s", strerror((int)-n));
			goto out;
		}
		buf = xmalloc((size_t)n);
		n = p9_encode(&m, in->dialect, buf, (size_t)n);
		if (have_size)
			p9_put32(buf, (uint32_t)size);
		if (have_type)
			buf[4] = (uint8_t)type;
		in_log(in, "   (sent with size %u type %u)", p9_get32(buf), buf[4]);
		rc = p9_client_send_raw(in->cl, buf, (size_t)n);
		free(buf);
	} else {
		rc = p9_client_send(in->cl, &m);
	}
	if (rc == -ECONNRESET) {
		rc = in_lost(in, s, m.type, m.tag);
		goto out;
	}
	if (rc) {
		rc = in_fail(in, s, "send %s: %s", s->def->name, in_rc_str(rc));
		goto out;
	}
	rc = add_pending(in, s->handle, m.tag, m.type);
	if (!rc && m.type == P9_TFLUSH)
		in->pend[in->last].oldtag = m.oldtag;
	set_tag_vars(in, s->handle, m.tag);
out:
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

