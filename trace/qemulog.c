/*
 * qemulog.c - --qemu-log FILE: QEMU's `-trace 'v9fs_*'` output (the log
 * backend, hw/9pfs/trace-events) as the same timeline as a capture.
 *
 * Owns: parsing event lines ("v9fs_walk tag 2 id 110 fid 0 newfid 1
 * nwnames 2", optionally prefixed "PID@SEC.USEC:" when QEMU runs with
 * -msg timestamp=on) into messages for state.c.  A request event's `id` is
 * its type; `NAME_return` is the reply (id + 1); `v9fs_rerror` is an
 * Rlerror (9P2000.L) or Rerror with errno.  Event arguments map onto table
 * fields by name, with QEMU's spellings translated (off -> offset,
 * max_count -> count, flush_tag -> oldtag, ...).  What the events do not
 * carry stays empty: walk qids, read data and directory entries (counts
 * only).  QEMU logs no reply for clunk, remove, flush, fsync, link, rename,
 * unlinkat, wstat and a few more; such a request is taken as answered when
 * its tag is used again or the log ends, silently, unless an error event
 * for it comes first.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "xalloc.h"

enum { MAXTOK = 64 };

struct qlog {
	struct tr *t;
	struct tr_conn *c;
	uint8_t implied[65536];  /* tag -> request type awaiting an unlogged reply */
	uint64_t lines, events;
};

/* Replies QEMU logs (request type -> 1). */
static int has_return(unsigned type)
{
	switch (type) {
	case P9_TVERSION: case P9_TATTACH: case P9_TSTAT: case P9_TGETATTR:
	case P9_TWALK: case P9_TOPEN: case P9_TLOPEN: case P9_TLCREATE:
	case P9_TREAD: case P9_TREADDIR: case P9_TWRITE: case P9_TCREATE:
	case P9_TSYMLINK: case P9_TMKNOD: case P9_TLOCK: case P9_TGETLOCK:
	case P9_TMKDIR: case P9_TXATTRWALK: case P9_TREADLINK: case P9_TSETATTR:
		return 1;
	default:
		return 0;
	}
}

/* QEMU's argument name -> the table's field name. */
static const char *alias(const char *k, int reply)
{
	static const char *const map[][2] = {
		{ "off", "offset" }, { "max_count", "count" }, { "flush_tag", "oldtag" },
		{ "oldfid", "fid" }, { "symname", "symtgt" }, { "result_mask", "valid" },
		{ "total", "count" }, { "type", "locktype" },
	};
	if (!strcmp(k, "nwnames"))
		return reply ? "nwqid" : "nwname";
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(k, map[i][0]))
			return map[i][1];
	return k;
}

static void set_field(struct p9_msg *m, const struct p9_msgdef *d, const char *key,
		      const char *val, int reply)
{
	const char *name = alias(key, reply);
	if (!strcmp(name, "nwname")) {
		m->nwname = (uint16_t)strtoul(val, NULL, 10);
		return;
	}
	if (!strcmp(name, "nwqid")) {
		m->nwqid = (uint16_t)strtoul(val, NULL, 10);
		if (m->nwqid > P9_MAXWELEM)
			m->nwqid = P9_MAXWELEM;
		return;
	}
	if (!strcmp(name, "count")) {
		m->count = (uint32_t)strtoul(val, NULL, 10);
		return;
	}
	const struct p9_field *f = p9_field_byname(d, name);
	if (!f && !strcmp(key, "dfid")) /* Tlcreate's fid is "dfid" in QEMU */
		f = p9_field_byname(d, "fid");
	if (!f && !strcmp(key, "mode")) /* Tlopen's flags are "mode" in QEMU */
		f = p9_field_byname(d, "flags");
	if (!f)
		return;
	switch (f->kind) {
	case P9K_U8: case P9K_U16: case P9K_U32: case P9K_U64:
		p9_field_set_uint(m, f, (uint64_t)strtoll(val, NULL, 0));
		break;
	case P9K_STR:
		*(struct p9_str *)p9_field_ptr(m, f) =
			(struct p9_str){ val, (uint16_t)strlen(val) };
		break;
	}
}

/* Split the arguments into tokens, dropping "=", "{", "}" and the
 * qid=/stat=/getattr=/iattr= group names; wnames={a, b} become names. */
static int tokenize(char *s, char **tok, struct p9_msg *m)
{
	char *w = strstr(s, "wnames={");
	if (w) {
		char *end = strchr(w, '}');
		if (end) {
			*end = 0;
			char *save = NULL;
			unsigned n = 0;
			for (char *p = strtok_r(w + 8, ", ", &save); p && n < P9_MAXWELEM;
			     p = strtok_r(NULL, ", ", &save))
				m->wname[n++] = (struct p9_str){ p, (uint16_t)strlen(p) };
			memset(w, ' ', 8);
			*w = 0;
		}
	}
	int n = 0;
	for (char *p = s; *p; p++)
		if (*p == '=' || *p == '{' || *p == '}')
			*p = ' ';
	char *save = NULL;
	for (char *p = strtok_r(s, " \t\n", &save); p && n < MAXTOK;
	     p = strtok_r(NULL, " \t\n", &save)) {
		if (!strcmp(p, "qid") || !strcmp(p, "stat") || !strcmp(p, "getattr") ||
		    !strcmp(p, "iattr"))
			continue;
		tok[n++] = p;
	}
	return n;
}

static void feed(struct qlog *q, int client, struct p9_msg *m)
{
	q->events++;
	tr_message_decoded(q->c, client, NULL, 0, m);
}

/* Answer, silently, a request whose reply QEMU does not log. */
static void settle(struct qlog *q, uint16_t tag)
{
	if (!q->implied[tag])
		return;
	struct p9_msg r = { .type = (uint8_t)(q->implied[tag] + 1), .tag = tag };
	q->implied[tag] = 0;
	if (!tr_tag_live(q->c, tag))
		return;
	q->t->o.silent = 1;
	tr_message_decoded(q->c, 0, NULL, 0, &r);
	q->t->o.silent = 0;
}

static void event(struct qlog *q, const char *name, char *args)
{
	struct p9_msg m;
	memset(&m, 0, sizeof m);
	char *tok[MAXTOK];
	int n = tokenize(args, tok, &m);
	long tag = -1, id = -1;
	for (int i = 0; i + 1 < n; i += 2) {
		if (!strcmp(tok[i], "tag"))
			tag = strtol(tok[i + 1], NULL, 10);
		else if (!strcmp(tok[i], "id"))
			id = strtol(tok[i + 1], NULL, 10);
	}
	if (tag < 0 || tag > 65535 || id < 0 || id > 255)
		return;
	m.tag = (uint16_t)tag;
	size_t nl = strlen(name);
	int reply = nl > 7 && !strcmp(name + nl - 7, "_return");
	if (!strcmp(name, "v9fs_rerror")) {
		long err = 0;
		for (int i = 0; i + 1 < n; i += 2)
			if (!strcmp(tok[i], "err"))
				err = strtol(tok[i + 1], NULL, 10);
		q->implied[m.tag] = 0;
		m.type = q->c->dialect == P9_DL || !q->c->dialect ? P9_RLERROR : P9_RERROR;
		m.errnum = (uint32_t)(err < 0 ? -err : err);
		if (m.type == P9_RERROR) {
			const char *en = p9_errno_name(m.errnum);
			m.ename = p9_s(en ? en : "error");
		}
		feed(q, 0, &m);
		return;
	}
	if (!strcmp(name, "v9fs_rcancel")) {
		q->implied[m.tag] = 0;
		tr_emit_note(q->c, "<- tag %u: request cancelled by a flush (no reply)", m.tag);
		struct tr_req *o = tr_tag_peek(q->c, m.tag);
		if (o)
			o->live = 0;
		return;
	}
	m.type = (uint8_t)(reply ? id + 1 : id);
	const struct p9_msgdef *d = p9_msgdef(m.type);
	if (!d)
		return;
	/* the qid of a *_return is its type/version/path arguments */
	for (int i = 0; i + 1 < n; i += 2) {
		const char *k = tok[i], *v = tok[i + 1];
		if (reply && !strcmp(k, "type") && !p9_field_byname(d, "locktype"))
			m.qid.type = (uint8_t)strtoul(v, NULL, 10);
		else if (reply && !strcmp(k, "version") && m.type != P9_RVERSION)
			m.qid.version = (uint32_t)strtoul(v, NULL, 10);
		else if (reply && !strcmp(k, "path"))
			m.qid.path = strtoull(v, NULL, 10);
		else if (strcmp(k, "tag") && strcmp(k, "id"))
			set_field(&m, d, k, v, reply);
	}
	if (!reply) {
		settle(q, m.tag);
		feed(q, 1, &m);
		if (!has_return(m.type))
			q->implied[m.tag] = m.type;
		return;
	}
	feed(q, 0, &m);
}

/* "12345@1700000000.123456:v9fs_walk ..." or "v9fs_walk ..." */
static void line(struct qlog *q, char *s)
{
	char *ev = strstr(s, "v9fs_");
	if (!ev)
		return;
	char *at = strchr(s, '@');
	if (at && at < ev) {
		char *end, *frac;
		uint64_t sec = strtoull(at + 1, &end, 10), ns = 0;
		if (*end == '.') { /* the fraction, to nanoseconds */
			int digits = 0;
			for (frac = end + 1; *frac >= '0' && *frac <= '9'; frac++)
				if (digits++ < 9)
					ns = ns * 10 + (uint64_t)(*frac - '0');
			for (; digits < 9; digits++)
				ns *= 10;
		}
		if (end > at + 1)
			q->t->now = sec * 1000000000u + ns;
	}
	if (!q->t->have_t0) {
		q->t->t0 = q->t->now;
		q->t->have_t0 = 1;
	}
	char *args = ev;
	while (*args && *args != ' ' && *args != '\n')
		args++;
	if (*args)
		*args++ = 0;
	event(q, ev, args);
}

int tr_qemu_log(struct tr *t, const char *file)
{
	FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
	if (!f) {
		fprintf(stderr, "9ptrace: %s: %s\n", file, strerror(errno));
		return 2;
	}
	struct qlog *q = xcalloc(1, sizeof *q);
	q->t = t;
	q->c = tr_conn_new(t);
	char *buf = NULL;
	size_t cap = 0;
	while (getline(&buf, &cap, f) > 0) {
		q->lines++;
		line(q, buf);
	}
	for (unsigned tag = 0; tag < 65536; tag++)
		settle(q, (uint16_t)tag);
	if (!q->events)
		fprintf(stderr, "9ptrace: %s: no v9fs_ trace events in %llu lines\n", file,
			(unsigned long long)q->lines);
	free(buf);
	free(q);
	if (f != stdin)
		fclose(f);
	return 0;
}
