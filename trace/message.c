/*
 * message.c - one whole 9P message of a connection, through every stage:
 * decode (lib's table, tolerating QEMU's Rstat n[2] = 0 and nfs-ganesha's
 * Rerror for Rlerror), --check (check.c records the warnings, output.c
 * prints them before the message), the line (output.c), the counts
 * (stats.c), then what the connection learns (state.c: tags, fids, paths).
 *
 * Owns: the order of those stages, the dialect guess of a connection joined
 * mid-session, and undecodable messages (a note; a request's tag is still
 * paired with its reply).
 */
#include <string.h>

#include "trace.h"

static int lax_decode(const uint8_t *buf, size_t len, int dialect, struct p9_msg *m,
		      struct p9_decode_err *e)
{
	return p9_decode_flags(buf, len, dialect, P9_DEC_STATLEN | P9_DEC_RLERROR, m, e, NULL);
}

static int decode(struct tr_conn *c, const uint8_t *buf, size_t len,
		  struct p9_msg *m, struct p9_decode_err *e)
{
	if (c->dialect)
		return lax_decode(buf, len, c->dialect, m, e);
	/* dialect unknown (joined mid-session): the first that fits */
	int rc = lax_decode(buf, len, P9_DL, m, e);
	if (rc == 0) {
		if (m->type < P9_TVERSION)
			c->dialect = P9_DL;
		return 0;
	}
	if (lax_decode(buf, len, P9_DU, m, NULL) == 0 ||
	    lax_decode(buf, len, P9_D2000, m, NULL) == 0)
		return 0;
	return rc;
}

static void undecodable(struct tr_conn *c, int client, const uint8_t *buf, size_t len,
			const struct p9_decode_err *e)
{
	char s[160];
	uint16_t tag = p9_get16(buf + 5);
	p9_decode_err_str(e, s, sizeof s);
	c->tr->ndecode_err++;
	tr_emit_note(c, "%s undecodable %s tag %u (%zu bytes): %s",
		     client ? "->" : "<-", p9_typename(buf[4]), tag, len, s);
	struct tr_req *rq = client ? NULL : tr_tag_live(c, tag);
	if (rq)
		rq->live = 0;
	if (client) { /* its tag is in flight all the same: pair the reply */
		struct p9_msg h;
		memset(&h, 0, sizeof h);
		h.type = buf[4];
		h.tag = tag;
		h.fid = h.newfid = P9_NOFID;
		tr_state_request(c, &h, len);
	}
}

void tr_message(struct tr_conn *c, int client, const uint8_t *buf, size_t len)
{
	struct p9_msg m;
	struct p9_decode_err e;
	if (client && buf[4] == P9_TVERSION)
		tr_session_start(c);
	if (decode(c, buf, len, &m, &e) < 0) {
		undecodable(c, client, buf, len, &e);
		return;
	}
	tr_message_decoded(c, client, buf, len, &m);
}

static void show_warnings(struct tr_conn *c, const struct tr_warnings *w)
{
	c->tr->nwarn += w->n;
	tr_emit_warnings(c, w);
}

static void request(struct tr_conn *c, const uint8_t *buf, size_t len,
		    const struct p9_msg *m)
{
	struct tr *t = c->tr;
	if (t->o.check) {
		struct tr_warnings w;
		tr_check_request(c, m, len, &w);
		show_warnings(c, &w);
	}
	struct tr_req *rq = tr_state_request(c, m, len);
	tr_emit(c, 1, buf, len, m, rq);
	tr_stats_add(t, m, len, NULL);
}

static void reply(struct tr_conn *c, const uint8_t *buf, size_t len,
		  const struct p9_msg *m)
{
	struct tr *t = c->tr;
	struct tr_req *rq = tr_tag_live(c, m->tag);
	if (t->o.check) {
		struct tr_warnings w;
		tr_check_reply(c, m, len, rq, &w);
		show_warnings(c, &w);
	}
	tr_emit(c, 0, buf, len, m, rq);
	tr_stats_add(t, m, len, rq);
	tr_state_reply(c, m, rq);
}

void tr_message_decoded(struct tr_conn *c, int client, const uint8_t *buf, size_t len,
			const struct p9_msg *mp)
{
	struct p9_msg m = *mp;
	if (client && m.type == P9_TVERSION && !buf)
		tr_session_start(c);
	c->tr->nmsgs++;
	if (client)
		request(c, buf, len, &m);
	else
		reply(c, buf, len, &m);
}
