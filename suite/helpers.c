/*
 * helpers.c - dialect-adaptive steps of the case language that must
 * succeed: walk a path, open, create, mkdir, clunk, size and qid of a fid,
 * full directory listings (Treaddir in 9P2000.L, Tread of stat records
 * otherwise) with their checks, the qid uniqueness scan and recursive
 * removal of the scratch directory.
 *
 * Owns: the temporary fids these steps use (HELPER_FID_MIN..MAX, 960-1023:
 * below the 1024 fids some servers allow, never a case's), handed out
 * lowest-free and given back when clunked or removed.
 */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "suite.h"
#include "lflags.h"
#include "p9fs.h"
#include "xalloc.h"

/* The lowest free helper fid (all 64 in use: the case's helpers nest too
 * deep, which the scan's depth limit prevents; the last one is reused). */
static uint32_t tmpfid(struct interp *in)
{
	for (uint32_t i = 0; i <= HELPER_FID_MAX - HELPER_FID_MIN; i++)
		if (!(in->tmpused & (1ull << i))) {
			in->tmpused |= 1ull << i;
			return HELPER_FID_MIN + i;
		}
	return HELPER_FID_MAX;
}

/* A helper fid is free again (clunked, removed, or its walk failed). */
static void tmpfid_put(struct interp *in, uint32_t fid)
{
	if (fid >= HELPER_FID_MIN && fid <= HELPER_FID_MAX)
		in->tmpused &= ~(1ull << (fid - HELPER_FID_MIN));
}

/* ---- walk ---- */

int h_walk(struct interp *in, const struct stmt *s, uint32_t fid, uint32_t newfid,
	   const char *path, struct p9_qid *q)
{
	char buf[1024], *names[256], *save = NULL;
	int n = 0;
	snprintf(buf, sizeof buf, "%s", path);
	for (char *t = strtok_r(buf, "/", &save); t && n < 256; t = strtok_r(NULL, "/", &save))
		names[n++] = t;
	int i = 0;
	do {
		struct p9_msg m = { .type = P9_TWALK, .fid = i ? newfid : fid, .newfid = newfid };
		struct p9_reply *r;
		int k = n - i > P9_MAXWELEM ? P9_MAXWELEM : n - i;
		for (int j = 0; j < k; j++)
			m.wname[j] = p9_s(names[i + j]);
		m.nwname = (uint16_t)k;
		if (in_rpc_ok(in, s, &m, P9_RWALK, &r))
			return -1;
		if (r->m.nwqid != k) {
			int walked = i + r->m.nwqid;
			p9_reply_free(r);
			return in_fail(in, s, "walk %s: only %d of %d names walked", path,
				       walked, n);
		}
		if (q && k)
			*q = r->m.wqid[k - 1];
		p9_reply_free(r);
		i += k;
	} while (i < n);
	if (q && n == 0)
		return h_getqid(in, s, newfid, q);
	return 0;
}

/* ---- open, create, mkdir, clunk ---- */

static int has(const char *modes, const char *w)
{
	size_t l = strlen(w);
	for (const char *p = modes; (p = strstr(p, w)); p += l)
		if ((p == modes || p[-1] == ' ') && (p[l] == 0 || p[l] == ' '))
			return 1;
	return 0;
}

static int check_modes(struct interp *in, const struct stmt *s, const char *modes)
{
	static const char *ok[] = { "read", "write", "rdwr", "exec", "trunc", "rclose",
				    "append", "excl", "dir", NULL };
	char buf[128], *save = NULL;
	snprintf(buf, sizeof buf, "%s", modes);
	for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		int found = 0;
		for (int i = 0; ok[i]; i++)
			found |= strcmp(ok[i], t) == 0;
		if (!found)
			return in_fail(in, s, "unknown open mode '%s' (read write rdwr exec trunc rclose append excl dir)", t);
	}
	return 0;
}

static uint32_t lflags(const char *modes)
{
	uint32_t f = has(modes, "write") ? P9_L_O_WRONLY : has(modes, "rdwr") ? P9_L_O_RDWR :
		     P9_L_O_RDONLY;
	if (has(modes, "trunc")) f |= P9_L_O_TRUNC;
	if (has(modes, "append")) f |= P9_L_O_APPEND;
	if (has(modes, "excl")) f |= P9_L_O_EXCL;
	if (has(modes, "dir")) f |= P9_L_O_DIRECTORY;
	return f;
}

static uint8_t omode(const char *modes)
{
	uint8_t m = has(modes, "write") ? P9_OWRITE : has(modes, "rdwr") ? P9_ORDWR :
		    has(modes, "exec") ? P9_OEXEC : P9_OREAD;
	if (has(modes, "trunc")) m |= P9_OTRUNC;
	if (has(modes, "rclose")) m |= P9_ORCLOSE;
	return m;
}

int h_open(struct interp *in, const struct stmt *s, uint32_t fid, const char *modes,
	   struct p9_qid *q, uint32_t *iounit)
{
	struct p9_msg m = { .fid = fid };
	struct p9_reply *r;
	if (check_modes(in, s, modes))
		return -1;
	if (in->dialect == P9_DL) {
		m.type = P9_TLOPEN;
		m.flags = lflags(modes);
	} else {
		m.type = P9_TOPEN;
		m.mode = omode(modes);
	}
	if (in_rpc_ok(in, s, &m, m.type + 1, &r))
		return -1;
	if (q)
		*q = r->m.qid;
	if (iounit)
		*iounit = r->m.iounit;
	p9_reply_free(r);
	return 0;
}

int h_create(struct interp *in, const struct stmt *s, uint32_t fid, const char *name,
	     const char *modes, struct p9_qid *q)
{
	struct p9_msg m = { .fid = fid, .name = p9_s(name) };
	struct p9_reply *r;
	if (!*modes)
		modes = "rdwr";
	if (check_modes(in, s, modes))
		return -1;
	if (in->dialect == P9_DL) {
		m.type = P9_TLCREATE;
		m.flags = lflags(modes) | P9_L_O_CREAT;
		m.lmode = 0644;
	} else {
		m.type = P9_TCREATE;
		m.perm = 0644;
		m.mode = omode(modes);
		m.extension = p9_s("");
	}
	if (in_rpc_ok(in, s, &m, m.type + 1, &r))
		return -1;
	if (q)
		*q = r->m.qid;
	p9_reply_free(r);
	return 0;
}

int h_clunk(struct interp *in, const struct stmt *s, uint32_t fid)
{
	struct p9_msg m = { .type = P9_TCLUNK, .fid = fid };
	struct p9_reply *r;
	tmpfid_put(in, fid); /* a clunk frees the fid even when it fails */
	if (in_rpc_ok(in, s, &m, P9_RCLUNK, &r))
		return -1;
	p9_reply_free(r);
	return 0;
}

int h_mkdir(struct interp *in, const struct stmt *s, uint32_t dfid, const char *name,
	    struct p9_qid *q)
{
	struct p9_reply *r;
	if (in->dialect == P9_DL) {
		struct p9_msg m = { .type = P9_TMKDIR, .dfid = dfid, .name = p9_s(name),
				    .lmode = 0755 };
		if (in_rpc_ok(in, s, &m, P9_RMKDIR, &r))
			return -1;
		if (q)
			*q = r->m.qid;
		p9_reply_free(r);
		return 0;
	}
	uint32_t t = tmpfid(in);
	if (h_walk(in, s, dfid, t, "", NULL))
		return -1;
	struct p9_msg m = { .type = P9_TCREATE, .fid = t, .name = p9_s(name),
			    .perm = P9_DMDIR | 0755, .mode = P9_OREAD, .extension = p9_s("") };
	if (in_rpc_ok(in, s, &m, P9_RCREATE, &r))
		return -1;
	if (q)
		*q = r->m.qid;
	p9_reply_free(r);
	return h_clunk(in, s, t);
}

/* ---- attributes ---- */

static int getattr(struct interp *in, const struct stmt *s, uint32_t fid,
		   struct p9_reply **r)
{
	struct p9_msg m = { .fid = fid };
	if (in->dialect == P9_DL) {
		m.type = P9_TGETATTR;
		m.request_mask = P9_GETATTR_BASIC;
		return in_rpc_ok(in, s, &m, P9_RGETATTR, r);
	}
	m.type = P9_TSTAT;
	return in_rpc_ok(in, s, &m, P9_RSTAT, r);
}

int h_getsize(struct interp *in, const struct stmt *s, uint32_t fid, uint64_t *size)
{
	struct p9_reply *r;
	if (getattr(in, s, fid, &r))
		return -1;
	*size = in->dialect == P9_DL ? r->m.size : r->m.stat.length;
	p9_reply_free(r);
	return 0;
}

int h_getqid(struct interp *in, const struct stmt *s, uint32_t fid, struct p9_qid *q)
{
	struct p9_reply *r;
	if (getattr(in, s, fid, &r))
		return -1;
	*q = in->dialect == P9_DL ? r->m.qid : r->m.stat.qid;
	p9_reply_free(r);
	return 0;
}

int h_writefile(struct interp *in, const struct stmt *s, uint32_t fid, const char *data,
		size_t len)
{
	size_t off = 0, chunk = in->cl->msize - P9_IOHDRSZ;
	do {
		size_t n = len - off < chunk ? len - off : chunk;
		struct p9_msg m = { .type = P9_TWRITE, .fid = fid, .offset = off,
				    .data = (const uint8_t *)data + off, .count = (uint32_t)n };
		struct p9_reply *r;
		if (in_rpc_ok(in, s, &m, P9_RWRITE, &r))
			return -1;
		if (r->m.count == 0 || r->m.count > n) {
			uint32_t count = r->m.count;
			p9_reply_free(r);
			return in_fail(in, s, "Twrite of %zu bytes answered count %u", n, count);
		}
		off += r->m.count;
		p9_reply_free(r);
	} while (off < len);
	return 0;
}

/* ---- directory listings ---- */

struct entry {
	char *name;
	struct p9_qid qid;
};

struct listing {
	struct entry *e;
	size_t n, cap;
	/* open-addressing set of names for the duplicate check */
	size_t *slot;
	size_t nslot;
	/* listdir churn=DIRFID: between requests, unlink an entry just listed
	 * and create a new one in DIRFID */
	int churn;
	uint32_t churnfid;
};

#define CHURN_PREFIX "9psuite-churn-"

static size_t hash(const char *s, size_t n)
{
	size_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static void listing_free(struct listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->e[i].name);
	free(l->e);
	free(l->slot);
	memset(l, 0, sizeof *l);
}

static void rehash(struct listing *l)
{
	free(l->slot);
	l->nslot = l->nslot ? l->nslot * 2 : 256;
	l->slot = xcalloc(l->nslot, sizeof *l->slot);
	for (size_t i = 0; i < l->n; i++) {
		size_t h = hash(l->e[i].name, strlen(l->e[i].name)) & (l->nslot - 1);
		while (l->slot[h])
			h = (h + 1) & (l->nslot - 1);
		l->slot[h] = i + 1;
	}
}

/* Add a name; returns 1 if it was already there. */
static int listing_add(struct listing *l, struct p9_str name, struct p9_qid q)
{
	if ((l->n + 1) * 2 > l->nslot)
		rehash(l);
	size_t h = hash(name.p, name.len) & (l->nslot - 1);
	while (l->slot[h]) {
		const char *o = l->e[l->slot[h] - 1].name;
		if (strlen(o) == name.len && memcmp(o, name.p, name.len) == 0)
			return 1;
		h = (h + 1) & (l->nslot - 1);
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->e = xrealloc(l->e, l->cap * sizeof *l->e);
	}
	l->e[l->n].name = xstrndup(name.p, name.len);
	l->e[l->n].qid = q;
	l->slot[h] = ++l->n;
	return 0;
}

static int dot(struct p9_str n)
{
	return (n.len == 1 && n.p[0] == '.') || (n.len == 2 && n.p[0] == '.' && n.p[1] == '.');
}

/* The first entry of a reply that the churn may unlink: not . or .., not
 * one the churn made. */
static void churn_pick(const struct listing *l, struct p9_str n, char *victim, size_t cap)
{
	if (!l->churn || victim[0] || dot(n) || n.len >= cap ||
	    (n.len >= strlen(CHURN_PREFIX) && memcmp(n.p, CHURN_PREFIX, strlen(CHURN_PREFIX)) == 0))
		return;
	p9_strcpy(victim, cap, n);
}

/* Between two requests of a listing: unlink an entry the last reply
 * listed (so that entries before the position shift) and create a new one
 * (so that entries after it may shift the other way). */
static int churn_step(struct interp *in, const struct stmt *s, struct listing *l,
		      const char *victim)
{
	char name[64];
	/* only while entries of the directory are listed: new ones appear at
	 * the end of the listing, and making one per reply would never end */
	if (!victim[0])
		return 0;
	uint32_t t = tmpfid(in);
	if (h_walk(in, s, l->churnfid, t, victim, NULL)) {
		tmpfid_put(in, t);
		return -1;
	}
	if (h_remove(in, s, l->churnfid, t, victim, 0))
		return -1;
	snprintf(name, sizeof name, "%s%u", CHURN_PREFIX, in->nchurn++);
	t = tmpfid(in);
	if (h_walk(in, s, l->churnfid, t, "", NULL)) {
		tmpfid_put(in, t);
		return -1;
	}
	if (h_create(in, s, t, name, "", NULL)) {
		h_clunk(in, s, t);
		return -1;
	}
	return h_clunk(in, s, t);
}

/* The most entries a listing may have before it is judged endless (the
 * largest fixture directory has 10000). */
enum { LIST_MAX_ENTRIES = 1000000 };

/* One listing in progress: what it has seen, to stop at once on a listing
 * that would not end (a repeated entry or offset), never by timeout. */
struct walkdir {
	struct listing *l;
	uint32_t count;
	uint64_t off;        /* offset of the request being answered */
	int ndot[2];         /* "." and ".." seen */
	uint64_t *offs;      /* open-addressing set of entry offsets (.L): value + 1 */
	size_t noffs, nslot;
	char victim[300];    /* churn: the entry of this reply to unlink next */
};

static int off_seen(struct walkdir *w, uint64_t v)
{
	if ((w->noffs + 1) * 2 > w->nslot) {
		size_t n = w->nslot ? w->nslot * 2 : 256, old = w->nslot;
		uint64_t *o = w->offs;
		w->offs = xcalloc(n, sizeof *w->offs);
		w->nslot = n;
		w->noffs = 0;
		for (size_t i = 0; i < old; i++)
			if (o[i])
				off_seen(w, o[i] - 1);
		free(o);
	}
	size_t h = (size_t)((v * 0x9E3779B97F4A7C15ull) >> 17) & (w->nslot - 1);
	for (; w->offs[h]; h = (h + 1) & (w->nslot - 1))
		if (w->offs[h] == v + 1)
			return 1;
	w->offs[h] = v + 1;
	w->noffs++;
	return 0;
}

/* One entry of a listing; fails the case if it was listed already (its
 * name, or in 9P2000.L its offset) or the listing has grown past belief. */
static int take_entry(struct interp *in, const struct stmt *s, struct walkdir *w,
		      struct p9_str name, struct p9_qid q, const uint64_t *eoff)
{
	const char *what = in->dialect == P9_DL ? "readdir" : "directory read";
	char nm[300];
	int twice;
	p9_strcpy(nm, sizeof nm, name);
	churn_pick(w->l, name, w->victim, sizeof w->victim);
	if (dot(name))
		twice = w->ndot[name.len - 1]++ > 0;
	else
		twice = listing_add(w->l, name, q);
	if (twice)
		return in_fail(in, s, "%s (count %u) at offset %llu returned '%s' twice: "
			       "the listing would not end", what, w->count,
			       (unsigned long long)w->off, nm);
	/* under churn a new entry may take a removed one's offset */
	if (eoff && !w->l->churn && off_seen(w, *eoff))
		return in_fail(in, s, "readdir (count %u) at offset %llu: entry '%s' has "
			       "offset %llu, which an earlier entry already had: the listing "
			       "would not end", w->count, (unsigned long long)w->off, nm,
			       (unsigned long long)*eoff);
	if (w->l->n > LIST_MAX_ENTRIES)
		return in_fail(in, s, "%s (count %u) at offset %llu: more than %d entries "
			       "(last '%s'): the listing would not end", what, w->count,
			       (unsigned long long)w->off, LIST_MAX_ENTRIES, nm);
	return 0;
}

/* The entries of one reply's data; *next gets the next request's offset.
 * 0, -1 after in_fail, or -2 for a partial or malformed entry at *pos. */
static int take_reply(struct interp *in, const struct stmt *s, struct walkdir *w,
		      const struct p9_msg *m, size_t *pos, size_t *seen, uint64_t *next)
{
	int k;
	*next = w->off + m->count;
	if (in->dialect == P9_DL) {
		struct p9_dirent de;
		while ((k = p9_dirent_next(m->data, m->count, pos, &de)) == 1) {
			++*seen;
			*next = de.offset;
			if (take_entry(in, s, w, de.name, de.qid, &de.offset))
				return -1;
		}
	} else {
		struct p9_stat st;
		while ((k = p9_stat_next(m->data, m->count, in->dialect, pos, &st)) == 1) {
			++*seen;
			if (take_entry(in, s, w, st.name, st.qid, NULL))
				return -1;
		}
	}
	return k < 0 ? -2 : 0;
}

/* List an open directory fid t into l with the given count per request:
 * Treaddir in 9P2000.L (each request at the last entry's offset), Tread
 * of stat records otherwise (offsets advance by the bytes read). */
static int list_open(struct interp *in, const struct stmt *s, uint32_t t, uint32_t count,
		     struct listing *l)
{
	struct walkdir w = { .l = l, .count = count };
	int rc = 0;
	for (;;) {
		struct p9_msg m = { .fid = t, .offset = w.off, .count = count };
		struct p9_reply *r;
		size_t pos = 0, seen = 0;
		uint64_t next;
		m.type = in->dialect == P9_DL ? P9_TREADDIR : P9_TREAD;
		if ((rc = in_rpc_ok(in, s, &m, m.type + 1, &r)))
			break;
		if (r->m.count > count || r->m.count == 0) {
			uint32_t got = r->m.count;
			p9_reply_free(r);
			if (got)
				rc = in_fail(in, s, "%s count %u returned %u bytes",
					     p9_typename(m.type), count, got);
			break;
		}
		uint32_t got = r->m.count;
		rc = take_reply(in, s, &w, &r->m, &pos, &seen, &next);
		p9_reply_free(r);
		if (rc == -2)
			rc = in_fail(in, s, "%s (count %u) at offset %llu: partial or malformed "
				     "entry at byte %zu of %u", p9_typename(m.type + 1), count,
				     (unsigned long long)w.off, pos, got);
		else if (!rc && !seen)
			rc = in_fail(in, s, "%s at offset %llu returned data but no whole entry",
				     p9_typename(m.type + 1), (unsigned long long)w.off);
		else if (!rc && next == w.off)
			rc = in_fail(in, s, "readdir (count %u) at offset %llu: the last entry's "
				     "offset is %llu again: the listing would not advance", count,
				     (unsigned long long)w.off, (unsigned long long)next);
		if (!rc && l->churn)
			rc = churn_step(in, s, l, w.victim);
		if (rc)
			break;
		w.victim[0] = 0;
		w.off = next;
	}
	free(w.offs);
	return rc;
}

static int list_fid(struct interp *in, const struct stmt *s, uint32_t fid, uint32_t count,
		    struct listing *l)
{
	uint32_t t = tmpfid(in);
	int rc;
	if (!count)
		count = in->cl->msize - P9_IOHDRSZ;
	if (h_walk(in, s, fid, t, "", NULL)) {
		tmpfid_put(in, t);
		return -1;
	}
	if (h_open(in, s, t, "read", NULL, NULL)) {
		h_clunk(in, s, t);
		return -1;
	}
	rc = list_open(in, s, t, count, l);
	if (h_clunk(in, s, t))
		rc = -1;
	return rc;
}

/* synthfs /readdir/dN: file i is p9_contract_name(i) */
static int check_synth(struct interp *in, const struct stmt *s, const struct listing *l,
		       uint64_t want, uint32_t count)
{
	char *seen = xcalloc(want + 1, 1);
	unsigned n = want > UINT_MAX ? UINT_MAX : (unsigned)want;
	for (size_t i = 0; i < l->n; i++) {
		const char *nm = l->e[i].name;
		unsigned k;
		if (!p9_contract_name_index(nm, strlen(nm), n, &k)) {
			free(seen);
			return in_fail(in, s, "listing (count %u) has unexpected name '%s'", count, nm);
		}
		seen[k] = 1;
	}
	for (uint64_t k = 0; k < want; k++)
		if (!seen[k]) {
			free(seen);
			return in_fail(in, s, "listing (count %u) lacks entry %llu of %llu", count,
				       (unsigned long long)k, (unsigned long long)want);
		}
	free(seen);
	if (l->n != want)
		return in_fail(in, s, "listing (count %u) has %zu entries, expected %llu", count, l->n,
			       (unsigned long long)want);
	return 0;
}

int h_listdir(struct interp *in, const struct stmt *s, uint32_t fid, uint32_t count,
	      uint64_t synth, int churn, uint32_t churnfid, uint64_t *n)
{
	struct listing l = { .churn = churn, .churnfid = churnfid };
	int rc = list_fid(in, s, fid, count, &l);
	if (!rc && synth)
		rc = check_synth(in, s, &l, synth, count ? count : in->cl->msize - P9_IOHDRSZ);
	*n = l.n;
	/* with churn: the entries listed that the churn did not make */
	for (size_t i = 0; churn && i < l.n; i++)
		if (strncmp(l.e[i].name, CHURN_PREFIX, strlen(CHURN_PREFIX)) == 0)
			--*n;
	listing_free(&l);
	return rc;
}

/* ---- qid scan ---- */

struct qmap {
	struct { uint64_t path; char *name; } *e;
	size_t n, cap;
	size_t *slot;        /* open addressing on qid.path: index + 1 */
	size_t nslot;
	const struct qscan *how;
};

static size_t qhash(uint64_t path, size_t nslot)
{
	return (size_t)((path * 0x9E3779B97F4A7C15ull) >> 17) & (nslot - 1);
}

static void qmap_rehash(struct qmap *qm)
{
	free(qm->slot);
	qm->nslot = qm->nslot ? qm->nslot * 2 : 1024;
	qm->slot = xcalloc(qm->nslot, sizeof *qm->slot);
	for (size_t i = 0; i < qm->n; i++) {
		size_t h = qhash(qm->e[i].path, qm->nslot);
		while (qm->slot[h])
			h = (h + 1) & (qm->nslot - 1);
		qm->slot[h] = i + 1;
	}
}

static int qmap_add(struct interp *in, const struct stmt *s, struct qmap *qm, uint64_t path,
		    const char *name)
{
	if ((qm->n + 1) * 2 > qm->nslot)
		qmap_rehash(qm);
	size_t h = qhash(path, qm->nslot);
	for (; qm->slot[h]; h = (h + 1) & (qm->nslot - 1))
		if (qm->e[qm->slot[h] - 1].path == path && qm->how->unique)
			return in_fail(in, s, "qid.path %#llx is shared by %s and %s",
				       (unsigned long long)path, qm->e[qm->slot[h] - 1].name, name);
	if (qm->n == qm->cap) {
		qm->cap = qm->cap ? qm->cap * 2 : 256;
		qm->e = xrealloc(qm->e, qm->cap * sizeof *qm->e);
	}
	qm->e[qm->n].path = path;
	qm->e[qm->n].name = xstrdup(name);
	qm->slot[h] = ++qm->n;
	return 0;
}

/* path and the prune list spelled with or without a leading or trailing '/' */
static int pruned(const struct qscan *how, const char *path)
{
	path += *path == '/';
	size_t n = strlen(path);
	for (int k = 0; k < QSCAN_MAXPRUNE; k++) {
		const char *p = how->prune[k];
		if (!p)
			continue;
		p += *p == '/';
		size_t pn = strlen(p);
		pn -= pn && p[pn - 1] == '/';
		if (pn && pn == n && strncmp(p, path, n) == 0)
			return 1;
	}
	return 0;
}

static int scan(struct interp *in, const struct stmt *s, uint32_t dfid, const char *path,
		struct qmap *qm, int depth)
{
	struct listing l = { 0 };
	int rc;
	if (depth > 24)
		return in_fail(in, s, "qidscan: deeper than 24 levels at %s", path);
	if (list_fid(in, s, dfid, 0, &l)) {
		listing_free(&l);
		return -1;
	}
	rc = 0;
	for (size_t i = 0; i < l.n && !rc; i++) {
		char sub[2048];
		uint32_t t = tmpfid(in);
		struct p9_qid q;
		size_t pl = strlen(path);
		snprintf(sub, sizeof sub, "%s%s%s", path, pl && path[pl - 1] == '/' ? "" : "/",
			 l.e[i].name);
		if (qm->n >= qm->how->max)
			break; /* the budget: what was seen so far is the answer */
		if (qm->n > 20000) {
			rc = in_fail(in, s, "qidscan: more than 20000 files");
			break;
		}
		if (pruned(qm->how, sub)) {
			tmpfid_put(in, t);
			continue;
		}
		if ((rc = h_walk(in, s, dfid, t, l.e[i].name, &q))) {
			tmpfid_put(in, t);
			break;
		}
		if (qm->how->dirent && in->dialect == P9_DL && l.e[i].qid.path != q.path) {
			rc = in_fail(in, s, "%s: readdir qid.path %#llx differs from walk qid.path %#llx",
				     sub, (unsigned long long)l.e[i].qid.path,
				     (unsigned long long)q.path);
			h_clunk(in, s, t);
			break;
		}
		rc = qmap_add(in, s, qm, q.path, sub);
		if (!rc && (q.type & P9_QTDIR))
			rc = scan(in, s, t, sub, qm, depth + 1);
		if (h_clunk(in, s, t))
			rc = -1;
	}
	listing_free(&l);
	return rc;
}

int h_qidscan(struct interp *in, const struct stmt *s, const char *path,
	      const struct qscan *how, uint64_t *nfiles)
{
	struct qmap qm = { .how = how };
	uint32_t t = tmpfid(in);
	struct p9_qid q;
	int rc = h_walk(in, s, 0, t, path, &q);
	if (!rc)
		rc = qmap_add(in, s, &qm, q.path, path);
	if (!rc)
		rc = scan(in, s, t, path, &qm, 0);
	if (h_clunk(in, s, t))
		rc = -1;
	*nfiles = qm.n;
	for (size_t i = 0; i < qm.n; i++)
		free(qm.e[i].name);
	free(qm.e);
	free(qm.slot);
	return rc;
}

/* ---- recursive removal ---- */

/* Remove name, a child of dirfid already walked to fid (clunked either
 * way).  In 9P2000.L Tunlinkat is tried first (nfs-ganesha 4.3 crashes
 * after every successful Tremove); a target that answers it EOPNOTSUPP
 * (diod 1.0.24) gets Tremove from then on (in->unlinkat). */
int h_remove(struct interp *in, const struct stmt *s, uint32_t dirfid, uint32_t fid,
	     const char *name, int isdir)
{
	struct p9_reply *r;
	if (in->dialect == P9_DL && in->unlinkat >= 0) {
		struct p9_msg u = { .type = P9_TUNLINKAT, .dfid = dirfid, .name = p9_s(name),
				    .flags = isdir ? P9_L_AT_REMOVEDIR : 0 };
		if (in_rpc(in, s, &u, &r))
			return -1;
		int ok = r->decode_rc == 0 && r->m.type == P9_RUNLINKAT;
		int unsupported = !ok && r->decode_rc == 0 && p9_reply_errno(r) == EOPNOTSUPP;
		char got[300] = "";
		if (!ok)
			p9_fmt(got, sizeof got, &r->m, in->dialect);
		p9_reply_free(r);
		if (ok || !unsupported) {
			in->unlinkat = 1;
			int rc = h_clunk(in, s, fid);
			return ok ? rc : in_fail(in, s, "Tunlinkat %s: expected Runlinkat, got %s",
						 name, got);
		}
		in->unlinkat = -1;
	}
	struct p9_msg m = { .type = P9_TREMOVE, .fid = fid };
	tmpfid_put(in, fid); /* Tremove clunks, even when it fails */
	if (in_rpc_ok(in, s, &m, P9_RREMOVE, &r))
		return -1;
	p9_reply_free(r);
	return 0;
}

/* Remove every entry of directory dirfid whose name matches one of the
 * fnmatch patterns (NULL-terminated); counts those removed and those left
 * (their names, comma-separated, in left). */
int h_sweep(struct interp *in, uint32_t dirfid, const char *const *pat, int *removed,
	    int *nleft, char *left, size_t cap)
{
	struct listing l = { 0 };
	if (list_fid(in, NULL, dirfid, 0, &l)) {
		listing_free(&l);
		return -1;
	}
	for (size_t i = 0; i < l.n; i++) {
		int match = 0;
		for (int k = 0; pat[k] && !match; k++)
			match = fnmatch(pat[k], l.e[i].name, 0) == 0;
		if (!match)
			continue;
		in->failmsg[0] = 0;
		if (h_rmtree(in, dirfid, l.e[i].name) == 0 && !in->failmsg[0]) {
			++*removed;
			continue;
		}
		size_t n = strlen(left);
		snprintf(left + n, cap - n, "%s%s", n ? ", " : "", l.e[i].name);
		++*nleft;
	}
	in->failmsg[0] = 0;
	listing_free(&l);
	return 0;
}

/* The deepest tree h_rmtree removes: a server whose directories list
 * themselves must not take it down without end. */
enum { RMTREE_MAX_DEPTH = 32 };

static int rmtree_at(struct interp *in, uint32_t dirfid, const char *name, int depth)
{
	uint32_t t;
	struct p9_qid q;
	if (depth > RMTREE_MAX_DEPTH)
		return in_fail(in, NULL, "removing %s: deeper than %d levels", name,
			       RMTREE_MAX_DEPTH);
	t = tmpfid(in);
	if (h_walk(in, NULL, dirfid, t, name, &q)) {
		tmpfid_put(in, t);
		return -1;
	}
	if (q.type & P9_QTDIR) {
		struct listing l = { 0 };
		if (list_fid(in, NULL, t, 0, &l) == 0)
			for (size_t i = 0; i < l.n; i++)
				rmtree_at(in, t, l.e[i].name, depth + 1);
		listing_free(&l);
	}
	return h_remove(in, NULL, dirfid, t, name, (q.type & P9_QTDIR) != 0);
}

/* An error reply saying "no such file": ENOENT, or in 9P2000 (no errno)
 * the usual words of Linux and Plan 9 servers. */
static int missing(const struct p9_reply *r)
{
	if (r->m.type == P9_RERROR && !r->m.errnum) {
		char e[128];
		p9_strcpy(e, sizeof e, r->m.ename);
		return strstr(e, "No such file") || strstr(e, "does not exist") ||
		       strstr(e, "not found");
	}
	return p9_reply_errno(r) == ENOENT;
}

/* Remove name and all below it; a name already gone (ENOENT: an exec:
 * target whose server did not outlive the case's connection) is no
 * failure. */
int h_rmtree(struct interp *in, uint32_t dirfid, const char *name)
{
	struct p9_reply *r;
	uint32_t t = tmpfid(in);
	struct p9_msg m = { .type = P9_TWALK, .fid = dirfid, .newfid = t, .nwname = 1 };
	m.wname[0] = p9_s(name);
	if (in_rpc(in, NULL, &m, &r)) {
		tmpfid_put(in, t);
		return -1;
	}
	int walked = r->decode_rc == 0 && r->m.type == P9_RWALK && r->m.nwqid == 1;
	int gone = !walked && r->decode_rc == 0 && missing(r);
	p9_reply_free(r);
	if (walked && h_clunk(in, NULL, t))
		return -1;
	tmpfid_put(in, t);
	return gone ? 0 : rmtree_at(in, dirfid, name, 0);
}
