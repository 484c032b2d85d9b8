/*
 * state.c - what one 9P connection knows: dialect and msize (from
 * Tversion/Rversion), the requests in flight by tag, and the path of every
 * fid.
 *
 * Owns: the request of each tag in flight, and the fid -> path map kept
 * through attach, walk (a failed or partial walk creates no newfid),
 * create/lcreate, rename/renameat, xattrwalk, clunk and remove; and the
 * per-path counts those imply (stats.c).  A fid whose origin was not seen
 * (capture started mid-session) has no path; a walk from it gets a path
 * starting with "?".  It prints nothing: message.c calls it after the
 * checks and the output of each message.
 */
#include <stdlib.h>
#include <string.h>

#include "trace.h"
#include "xalloc.h"

/* ---- fid table (open addressing, linear probing) ---- */

static size_t fid_slot(const struct tr_conn *c, uint32_t fid)
{
	return (fid * 2654435761u) & (c->capfids - 1);
}

static struct tr_fid *fid_find(struct tr_conn *c, uint32_t fid)
{
	if (!c->capfids)
		return NULL;
	for (size_t i = fid_slot(c, fid);; i = (i + 1) & (c->capfids - 1)) {
		struct tr_fid *f = &c->fids[i];
		if (f->state == TR_FID_FREE)
			return NULL;
		if (f->fid == fid)
			return f;
	}
}

static void fid_rehash(struct tr_conn *c)
{
	struct tr_fid *old = c->fids;
	size_t oldcap = c->capfids;
	c->capfids = oldcap ? oldcap * 2 : 64;
	c->fids = xcalloc(c->capfids, sizeof *c->fids);
	for (size_t i = 0; i < oldcap; i++) {
		if (old[i].state == TR_FID_FREE)
			continue;
		size_t j = fid_slot(c, old[i].fid);
		while (c->fids[j].state != TR_FID_FREE)
			j = (j + 1) & (c->capfids - 1);
		c->fids[j] = old[i];
	}
	free(old);
}

static struct tr_fid *fid_add(struct tr_conn *c, uint32_t fid)
{
	struct tr_fid *f = fid_find(c, fid);
	if (f)
		return f;
	if ((c->nfids + 1) * 2 > c->capfids)
		fid_rehash(c);
	size_t i = fid_slot(c, fid);
	while (c->fids[i].state != TR_FID_FREE)
		i = (i + 1) & (c->capfids - 1);
	f = &c->fids[i];
	memset(f, 0, sizeof *f);
	f->fid = fid;
	f->state = TR_FID_CLUNKED;
	c->nfids++;
	return f;
}

static void fid_set(struct tr_conn *c, uint32_t fid, const char *path)
{
	if (fid == P9_NOFID)
		return;
	struct tr_fid *f = fid_add(c, fid);
	char *p = path ? xstrdup(path) : NULL;
	free(f->path);
	f->path = p;
	f->state = TR_FID_LIVE;
	f->isdir = 0;
}

static void fid_setdir(struct tr_conn *c, uint32_t fid, int isdir)
{
	struct tr_fid *f = fid_find(c, fid);
	if (f && f->state == TR_FID_LIVE)
		f->isdir = (uint8_t)isdir;
}

int tr_fid_isdir(struct tr_conn *c, uint32_t fid)
{
	struct tr_fid *f = fid_find(c, fid);
	return f && f->state == TR_FID_LIVE && f->isdir;
}

static void fid_clunk(struct tr_conn *c, uint32_t fid)
{
	struct tr_fid *f = fid_find(c, fid);
	if (f)
		f->state = TR_FID_CLUNKED;
}

const char *tr_fid_path(struct tr_conn *c, uint32_t fid)
{
	struct tr_fid *f = fid_find(c, fid);
	return f && f->state == TR_FID_LIVE ? f->path : NULL;
}

enum tr_fid_state tr_fid_state(struct tr_conn *c, uint32_t fid)
{
	struct tr_fid *f = fid_find(c, fid);
	return f ? f->state : TR_FID_FREE;
}

/* ---- paths ---- */

/* base + "/" + name, handling "." and ".."; base NULL means unknown. */
static char *path_join(const char *base, const struct p9_str *names, unsigned n)
{
	size_t cap = (base ? strlen(base) : 1) + 2;
	for (unsigned i = 0; i < n; i++)
		cap += names[i].len + 1u;
	char *s = xmalloc(cap);
	strcpy(s, base ? base : "?");
	size_t len = strlen(s);
	for (unsigned i = 0; i < n; i++) {
		struct p9_str w = names[i];
		if (w.len == 1 && w.p[0] == '.')
			continue;
		if (w.len == 2 && w.p[0] == '.' && w.p[1] == '.') {
			char *sl = strrchr(s, '/');
			if (sl && sl != s) {
				*sl = 0;
				len = (size_t)(sl - s);
			} else if (sl == s) {
				s[1] = 0;
				len = 1;
			}
			continue;
		}
		if (len && s[len - 1] != '/')
			s[len++] = '/';
		if (w.len)
			memcpy(s + len, w.p, w.len);
		len += w.len;
		s[len] = 0;
	}
	return s;
}

static char *path_one(const char *base, struct p9_str name)
{
	return path_join(base, &name, 1);
}

/* After a rename of from -> to, fix every fid at or below from. */
static void rename_fids(struct tr_conn *c, const char *from, const char *to)
{
	size_t fl = strlen(from);
	for (size_t i = 0; i < c->capfids; i++) {
		struct tr_fid *f = &c->fids[i];
		if (f->state != TR_FID_LIVE || !f->path || strncmp(f->path, from, fl) ||
		    (f->path[fl] && f->path[fl] != '/'))
			continue;
		size_t tl = strlen(to), rl = strlen(f->path + fl);
		char *p = xmalloc(tl + rl + 1);
		memcpy(p, to, tl);
		memcpy(p + tl, f->path + fl, rl + 1);
		free(f->path);
		f->path = p;
	}
}

/* ---- connection lifetime ---- */

enum { TAGPAGE = 256 };

struct tr_req *tr_tag_peek(const struct tr_conn *c, uint16_t tag)
{
	if (!c->tags || !c->tags[tag / TAGPAGE])
		return NULL;
	return &c->tags[tag / TAGPAGE][tag % TAGPAGE];
}

struct tr_req *tr_tag_live(const struct tr_conn *c, uint16_t tag)
{
	struct tr_req *rq = tr_tag_peek(c, tag);
	return rq && rq->live ? rq : NULL;
}

/* The slot of tag, made on first use of its page. */
static struct tr_req *tag_slot(struct tr_conn *c, uint16_t tag)
{
	struct tr_req **page;
	if (!c->tags)
		c->tags = xcalloc(65536 / TAGPAGE, sizeof *c->tags);
	page = &c->tags[tag / TAGPAGE];
	if (!*page)
		*page = xcalloc(TAGPAGE, sizeof **page);
	return &(*page)[tag % TAGPAGE];
}

/* Forget every request (and free the tag pages: a connection holds memory
 * for the tags it uses, not for all 65536). */
void tr_conn_reset(struct tr_conn *c)
{
	if (c->tags)
		for (size_t p = 0; p < 65536 / TAGPAGE; p++) {
			if (!c->tags[p])
				continue;
			for (size_t i = 0; i < TAGPAGE; i++)
				free(c->tags[p][i].path);
			free(c->tags[p]);
			c->tags[p] = NULL;
		}
	for (size_t i = 0; i < c->capfids; i++)
		free(c->fids[i].path);
	free(c->fids);
	c->fids = NULL;
	c->nfids = c->capfids = 0;
}

void tr_session_start(struct tr_conn *c)
{
	tr_conn_reset(c);
	c->from_start = 1;
	c->dialect = 0;
	c->msize = 0;
}

/* Drop what a finished connection holds (tags, fids, buffers). */
static void conn_release(struct tr_conn *c)
{
	tr_conn_reset(c);
	free(c->tags);
	c->tags = NULL;
	for (int i = 0; i < 2; i++) {
		free(c->dir[i].buf);
		c->dir[i].buf = NULL;
		c->dir[i].len = c->dir[i].cap = 0;
		tr_tcp_free(&c->dir[i].tcp);
	}
}

void tr_conn_free(struct tr_conn *c)
{
	conn_release(c);
	free(c);
}

/* ---- messages ---- */

static int is_error(uint8_t type)
{
	return type == P9_RERROR || type == P9_RLERROR;
}

/* The path a request will give a fid if it succeeds. */
static char *request_path(struct tr_conn *c, const struct p9_msg *m)
{
	const char *base = tr_fid_path(c, m->fid);
	switch (m->type) {
	case P9_TATTACH: return xstrdup("/");
	case P9_TAUTH: return xstrdup("(auth)");
	case P9_TWALK:
		for (unsigned i = 0; i < m->nwname && i < P9_MAXWELEM; i++)
			if (m->wname[i].len == 0) /* names not known (QEMU log) */
				return NULL;
		return path_join(base, m->wname, m->nwname);
	case P9_TCREATE: case P9_TLCREATE: return path_one(base, m->name);
	case P9_TXATTRWALK: return base ? xstrdup(base) : NULL;
	case P9_TRENAME: return path_one(tr_fid_path(c, m->dfid), m->name);
	case P9_TRENAMEAT: return path_one(tr_fid_path(c, m->newdirfid), m->newname);
	default: return NULL;
	}
}

/* The value of the field that creates a fid (enum p9_role), if any. */
static int created_fid(const struct p9_msg *m, uint32_t *fid)
{
	const struct p9_msgdef *d = p9_msgdef(m->type);
	for (unsigned i = 0; d && i < d->nfield; i++)
		if (d->field[i].role == P9R_NEWFID) {
			*fid = (uint32_t)p9_field_uint(m, &d->field[i]);
			return 1;
		}
	return 0;
}

struct tr_req *tr_state_request(struct tr_conn *c, const struct p9_msg *m,
				size_t len)
{
	struct tr_req *rq = tag_slot(c, m->tag);
	free(rq->path);
	memset(rq, 0, sizeof *rq);
	rq->live = 1;
	rq->type = m->type;
	rq->ts = c->tr->now;
	rq->fid = m->fid;
	rq->newfid = m->newfid;
	created_fid(m, &rq->newfid); /* Tauth's afid, Tattach's fid, newfid */
	rq->count = m->count;
	rq->offset = m->offset;
	rq->oldtag = m->oldtag;
	rq->size = (uint32_t)len;
	rq->path = request_path(c, m);
	if (m->type == P9_TWALK)
		rq->count = m->nwname;
	if (m->type == P9_TRENAMEAT) {
		/* keep "old\x1fnew": the reply renames fids below old */
		char *old = path_one(tr_fid_path(c, m->olddirfid), m->oldname);
		char *both = xmalloc(strlen(old) + strlen(rq->path) + 2);
		sprintf(both, "%s%c%s", old, 0x1f, rq->path);
		free(old);
		free(rq->path);
		rq->path = both;
	}
	return rq;
}

static void opened(struct tr_conn *c, uint32_t fid)
{
	const char *p = tr_fid_path(c, fid);
	if (p)
		tr_pathstat(c->tr, p)->opens++;
}

/* Rread, Rreaddir, Rwrite: bytes moved on the fid's path. */
static void count_io(struct tr_conn *c, const struct p9_msg *m, const struct tr_req *rq)
{
	const char *p = tr_fid_path(c, rq->fid);
	struct tr_pathstat *s;
	if (!p)
		return;
	s = tr_pathstat(c->tr, p);
	if (m->type == P9_RWRITE) {
		s->writes++;
		s->wbytes += m->count;
	} else {
		s->reads++;
		s->rbytes += m->count;
	}
}

/* Rrename, Rrenameat: fids at or below the old path move. */
static void apply_rename(struct tr_conn *c, const struct p9_msg *m, struct tr_req *rq)
{
	const char *p;
	char *sep;
	if (m->type == P9_RRENAME) {
		if ((p = tr_fid_path(c, rq->fid)) && rq->path) {
			char *from = xstrdup(p);
			rename_fids(c, from, rq->path);
			free(from);
		}
		return;
	}
	if (rq->path && (sep = strchr(rq->path, 0x1f))) {
		*sep = 0;
		if (rq->path[0] != '?')
			rename_fids(c, rq->path, sep + 1);
		*sep = 0x1f;
	}
}

/* Rflush: the flushed request is over; a reply to it now is late. */
static void apply_flush(struct tr_conn *c, const struct p9_msg *m,
			const struct tr_req *rq)
{
	struct tr_req *o = tr_tag_live(c, rq->oldtag);
	if (o && rq->oldtag != m->tag) {
		free(o->path);
		o->path = NULL;
		o->live = 0;
		o->flushed = 1;
	}
}

/* Rwalk: a partial walk (nwqid < nwname) creates no newfid. */
static void apply_walk(struct tr_conn *c, const struct p9_msg *m,
		       const struct tr_req *rq)
{
	if (m->nwqid != rq->count)
		return;
	int dir = m->nwqid ? (m->wqid[m->nwqid - 1].type & P9_QTDIR) != 0
			   : tr_fid_isdir(c, rq->fid);
	fid_set(c, rq->newfid, rq->path && strcmp(rq->path, "?") ? rq->path : NULL);
	fid_setdir(c, rq->newfid, dir);
}

static void apply_reply(struct tr_conn *c, const struct p9_msg *m, struct tr_req *rq)
{
	int qdir = (m->qid.type & P9_QTDIR) != 0;
	if (m->type == P9_RVERSION) {
		char v[32];
		p9_strcpy(v, sizeof v, m->version);
		c->dialect = p9_dialect_parse(v);
		c->msize = m->msize;
		return;
	}
	if (!rq)
		return;
	if (rq->type == P9_TCLUNK || rq->type == P9_TREMOVE) {
		fid_clunk(c, rq->fid); /* even after an error, per the protocol */
		return;
	}
	if (is_error(m->type))
		return;
	switch (m->type) {
	case P9_RATTACH: case P9_RAUTH:
		fid_set(c, rq->newfid, rq->path);
		fid_setdir(c, rq->newfid, qdir);
		break;
	case P9_RWALK: apply_walk(c, m, rq); break;
	case P9_RXATTRWALK: fid_set(c, rq->newfid, rq->path); break;
	case P9_RCREATE: case P9_RLCREATE:
		fid_set(c, rq->fid, rq->path);
		fid_setdir(c, rq->fid, qdir);
		opened(c, rq->fid);
		break;
	case P9_ROPEN: case P9_RLOPEN:
		fid_setdir(c, rq->fid, qdir);
		opened(c, rq->fid);
		break;
	case P9_RREAD: case P9_RREADDIR: case P9_RWRITE: count_io(c, m, rq); break;
	case P9_RRENAME: case P9_RRENAMEAT: apply_rename(c, m, rq); break;
	case P9_RFLUSH: apply_flush(c, m, rq); break;
	}
}

void tr_state_reply(struct tr_conn *c, const struct p9_msg *m, struct tr_req *rq)
{
	apply_reply(c, m, rq);
	if (rq) {
		free(rq->path);
		rq->path = NULL;
		rq->live = 0;
		rq->flushed = 0;
	}
}
