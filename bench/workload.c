/*
 * workload.c - the latency workload engine of `9pbench latency` and the
 * measurements built on it: one connection, N requests in flight (one per
 * slot, tag = slot + 1), warm-up, then a fixed count or duration of
 * requests whose round trips are recorded.
 *
 * Owns: sessions (dial + version + attach), the per-op request cycles
 * (walk and clunk alternate on one fid per slot; reads and writes cycle
 * offsets in the first MiB), and the measurement of the client's own cost
 * against an in-memory connection.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* BENCH_FSFIDLO: the file layer's own fid range, above every slot's fid */
enum { BENCH_MAXDEPTH = 128, OFFSET_SPAN = 1 << 20, BENCH_FSFIDLO = 1000 };

void bench_opts_default(struct bench_opts *o)
{
	memset(o, 0, sizeof *o);
	o->ops = "getattr,walk,clunk,read4k,write4k,readdir";
	o->dialect = "9P2000.L";
	o->msize = 1 << 20;
	o->depth = 1;
	o->count = 20000;
	o->warmup = 500;
	o->timeout_ms = 10000;
	o->reps = 5;
	o->read_file = "data/1M";
	o->write_file = "rw/9pbench.dat";
	o->walk_path = "README";
	o->dir = "readdir/d100";
	o->root = ".";
	o->fixroot = "";
}

/* ---- sessions -------------------------------------------------------------- */

static const char *sess_aname = "";

void bench_set_aname(const char *aname)
{
	sess_aname = aname ? aname : "";
}

int bench_sess_open(struct bench_sess *s, const char *target, uint32_t msize,
		    const char *dialect, int timeout_ms, char *err, size_t errcap)
{
	char e[256] = "";
	int rc;
	memset(s, 0, sizeof *s);
	if ((rc = p9_dial(target, timeout_ms, &s->conn, e, sizeof e))) {
		snprintf(err, errcap, "%s: %s", target, e);
		return rc;
	}
	if (!(s->cl = p9_client_new(s->conn, msize, P9_DL))) {
		p9_conn_close(s->conn);
		return -ENOMEM;
	}
	rc = p9_client_version(s->cl, msize, dialect, timeout_ms, e, sizeof e);
	if (!rc)
		rc = p9_client_attach(s->cl, 0, "root", sess_aname, 0, timeout_ms, NULL, e, sizeof e);
	if (rc) {
		snprintf(err, errcap, "%s: %s", target, e[0] ? e : strerror(-rc));
		bench_sess_close(s);
		return rc;
	}
	s->rootfid = 0;
	s->nextfid = 1;
	bench_sess_fs(s, timeout_ms);
	return 0;
}

void bench_sess_close(struct bench_sess *s)
{
	if (s->cl)
		p9_client_free(s->cl);
	if (s->conn)
		p9_conn_close(s->conn);
	memset(s, 0, sizeof *s);
}

/* The walk/clunk cycle's Twalk, built once (its names point into copy). */
static void split_path(struct p9_msg *m, char *copy)
{
	char *save = NULL;
	m->nwname = 0;
	for (char *t = strtok_r(copy, "/", &save); t && m->nwname < P9_MAXWELEM;
	     t = strtok_r(NULL, "/", &save))
		m->wname[m->nwname++] = p9_s(t);
}

struct p9_fs *bench_sess_fs(struct bench_sess *s, int timeout_ms)
{
	if (s->fs.cl != s->cl) /* a session put together by hand (tests) */
		p9_fs_init(&s->fs, s->cl, timeout_ms, BENCH_FSFIDLO);
	s->fs.timeout_ms = timeout_ms;
	return &s->fs;
}

int bench_walk(struct bench_sess *s, const char *path, uint32_t newfid, int timeout_ms)
{
	return p9_fs_walk_fid(bench_sess_fs(s, timeout_ms), s->rootfid, path, newfid, NULL);
}

int bench_clunk(struct bench_sess *s, uint32_t fid, int timeout_ms)
{
	return p9_fs_clunk(bench_sess_fs(s, timeout_ms), fid);
}

int bench_open(struct bench_sess *s, const char *path, uint32_t flags, uint32_t newfid,
	       int timeout_ms)
{
	int rc = bench_walk(s, path, newfid, timeout_ms);
	if (!rc && (rc = p9_fs_open(bench_sess_fs(s, timeout_ms), newfid, flags)))
		bench_clunk(s, newfid, timeout_ms);
	return rc;
}

/* Open path for writing, creating it in its parent when it is missing. */
int bench_open_create(struct bench_sess *s, const char *path, uint32_t fid, int tmo)
{
	char dir[1024];
	const char *slash = strrchr(path, '/');
	struct p9_msg m = {.type = P9_TLCREATE, .fid = fid,
			   .flags = P9_L_O_RDWR | P9_L_O_CREAT, .lmode = 0644};
	int rc = bench_open(s, path, P9_L_O_RDWR, fid, tmo);
	if (rc != -ENOENT)
		return rc;
	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 0, path);
	if ((rc = bench_walk(s, dir, fid, tmo)))
		return rc;
	m.name = p9_s(slash ? slash + 1 : path);
	if ((rc = p9_fs_rpc(bench_sess_fs(s, tmo), &m, P9_RLCREATE, NULL, "lcreate")))
		bench_clunk(s, fid, tmo);
	return rc;
}

/* ---- the engine --------------------------------------------------------- */

struct slot {
	uint64_t t0;
	uint32_t fid;
	int walked;  /* walk/clunk cycle: the slot's fid exists */
};

struct engine {
	struct bench_sess *s;
	const char *op;
	uint8_t want;      /* the reply type that is measured */
	uint32_t fid;      /* shared fid: open file or directory */
	uint64_t nextoff;  /* reads and writes: the next offset */
	uint32_t iosize, rdcount;
	uint8_t *wbuf;
	char walkcopy[1024];
	struct p9_msg walkmsg;
	struct slot slot[BENCH_MAXDEPTH];
};

static int op_known(const char *op)
{
	static const char *ops[] = {"getattr", "walk", "clunk", "read4k", "write4k",
				    "readdir", "statfs", "stat", "flush", NULL};
	for (int i = 0; ops[i]; i++)
		if (!strcmp(op, ops[i]))
			return 1;
	return 0;
}

/* Open what the op works on. */
/* The path an op works on (for errors). */
static const char *op_path(const struct bench_opts *o, const char *op)
{
	if (!strcmp(op, "read4k"))
		return o->read_file;
	if (!strcmp(op, "write4k"))
		return o->write_file;
	if (!strcmp(op, "readdir"))
		return o->dir;
	return o->walk_path;
}

static int engine_setup(struct engine *e, const struct bench_opts *o)
{
	struct bench_sess *s = e->s;
	int tmo = o->timeout_ms;
	e->iosize = 4096;
	e->fid = s->nextfid++;
	if (!strcmp(e->op, "getattr") || !strcmp(e->op, "statfs") || !strcmp(e->op, "stat")) {
		e->want = !strcmp(e->op, "getattr") ? P9_RGETATTR
			: !strcmp(e->op, "stat") ? P9_RSTAT : P9_RSTATFS;
		return bench_walk(s, o->walk_path, e->fid, tmo);
	}
	if (!strcmp(e->op, "flush")) { /* no filesystem work: a tag not in flight */
		e->want = P9_RFLUSH;
		return 0;
	}
	if (!strcmp(e->op, "walk") || !strcmp(e->op, "clunk")) {
		e->want = !strcmp(e->op, "walk") ? P9_RWALK : P9_RCLUNK;
		snprintf(e->walkcopy, sizeof e->walkcopy, "%s", o->walk_path);
		split_path(&e->walkmsg, e->walkcopy);
		return 0;
	}
	if (!strcmp(e->op, "read4k")) {
		e->want = P9_RREAD;
		return bench_open(s, o->read_file, P9_L_O_RDONLY, e->fid, tmo);
	}
	if (!strcmp(e->op, "write4k")) {
		e->want = P9_RWRITE;
		if (!(e->wbuf = malloc(e->iosize)))
			return -ENOMEM;
		memset(e->wbuf, 'w', e->iosize);
		return bench_open_create(s, o->write_file, e->fid, tmo);
	}
	e->want = P9_RREADDIR;
	e->rdcount = s->cl->msize - P9_READDIRHDRSZ;
	return bench_open(s, o->dir, P9_L_O_RDONLY | P9_L_O_DIRECTORY, e->fid, tmo);
}

/* The next request of slot i. */
static void engine_next(struct engine *e, int i, struct p9_msg *m)
{
	struct slot *sl = &e->slot[i];
	memset(m, 0, sizeof *m);
	m->tag = (uint16_t)(i + 1);
	m->fid = e->fid;
	switch (e->want) {
	case P9_RGETATTR:
		m->type = P9_TGETATTR;
		m->request_mask = P9_GETATTR_BASIC;
		break;
	case P9_RSTAT:
		m->type = P9_TSTAT;
		break;
	case P9_RSTATFS:
		m->type = P9_TSTATFS;
		break;
	case P9_RFLUSH:
		m->type = P9_TFLUSH;
		m->oldtag = 0xFFF0; /* never used: slots have tags 1..128 */
		break;
	case P9_RWALK:
	case P9_RCLUNK:
		m->fid = sl->walked ? sl->fid : e->s->rootfid;
		if (sl->walked) {
			m->type = P9_TCLUNK;
		} else {
			*m = e->walkmsg;
			m->tag = (uint16_t)(i + 1);
			m->type = P9_TWALK;
			m->fid = e->s->rootfid;
			m->newfid = sl->fid;
		}
		break;
	case P9_RREAD:
	case P9_RWRITE:
		m->type = e->want == P9_RREAD ? P9_TREAD : P9_TWRITE;
		m->offset = e->nextoff;
		m->count = e->iosize;
		m->data = e->wbuf;
		e->nextoff = (e->nextoff + e->iosize) % OFFSET_SPAN;
		break;
	default:
		m->type = P9_TREADDIR;
		m->count = e->rdcount;
		break;
	}
}

static int reply_error(struct engine *e, const struct p9_reply *r, char *err, size_t cap)
{
	int en = p9_reply_errno(r);
	const char *name = p9_errno_name((uint32_t)en);
	if (r->decode_rc) {
		snprintf(err, cap, "%s: undecodable %s reply", e->op, p9_typename(r->m.type));
		return -EPROTO;
	}
	if (en && r->m.type == P9_RERROR && r->m.ename.len) {
		char text[128];
		snprintf(err, cap, "%s: server answered Rerror \"%s\"", e->op,
			 p9_strcpy(text, sizeof text, r->m.ename));
		return -en;
	}
	if (en) {
		snprintf(err, cap, "%s: server answered %s (%s)", e->op,
			 name ? name : "error", strerror(en));
		return -en;
	}
	return 0;
}

/* Drive the slots until `total` measured replies (or the deadline). */
static int engine_loop(struct engine *e, const struct bench_opts *o,
		       struct bench_result *r, struct bench_metric *m, char *err, size_t cap)
{
	uint64_t measured = 0, total = o->warmup + o->count, deadline = 0;
	int inflight = 0, depth = o->depth < 1 ? 1 : o->depth > BENCH_MAXDEPTH ? BENCH_MAXDEPTH : o->depth;
	int stop = 0, rc = 0;
	struct p9_msg msg;
	if (!o->count)
		deadline = p9_now_ns() + (uint64_t)(o->duration * 1e9);
	for (int i = 0; i < depth && !rc; i++) {
		e->slot[i].fid = e->s->nextfid++;
		engine_next(e, i, &msg);
		e->slot[i].t0 = p9_now_ns();
		if (!(rc = p9_client_send(e->s->cl, &msg)))
			inflight++;
	}
	while (inflight > 0 && !rc) {
		struct p9_reply *rep;
		uint64_t now;
		int i;
		if ((rc = p9_client_wait_any(e->s->cl, o->timeout_ms, &rep))) {
			snprintf(err, cap, "%s: %s", e->op, rc == -ETIMEDOUT ?
				 "no reply within the timeout" : strerror(-rc));
			break;
		}
		now = p9_now_ns();
		i = rep->m.tag - 1;
		inflight--;
		if (i < 0 || i >= depth) {
			snprintf(err, cap, "%s: reply with unknown tag %u", e->op, rep->m.tag);
			p9_reply_free(rep);
			return -EPROTO;
		}
		if ((rc = reply_error(e, rep, err, cap))) {
			p9_reply_free(rep);
			break;
		}
		if (rep->m.type == P9_RWALK)
			e->slot[i].walked = 1;
		else if (rep->m.type == P9_RCLUNK)
			e->slot[i].walked = 0;
		if (rep->m.type == e->want && !stop) {
			if (measured >= o->warmup)
				bench_metric_sample(r, m, (double)(now - e->slot[i].t0));
			measured++;
			if ((deadline ? now >= deadline && measured > o->warmup : measured >= total))
				stop = 1;
		}
		p9_reply_free(rep);
		if (stop && !e->slot[i].walked)
			continue;
		engine_next(e, i, &msg);
		e->slot[i].t0 = p9_now_ns();
		if (!(rc = p9_client_send(e->s->cl, &msg)))
			inflight++;
	}
	return rc;
}

int bench_run_op(struct bench_sess *s, const struct bench_opts *o, const char *op,
		 struct bench_result *r, struct bench_metric *m, char *err, size_t errcap)
{
	struct engine *e = calloc(1, sizeof *e);
	int rc;
	if (!e)
		return -ENOMEM;
	e->s = s;
	e->op = op;
	if (!op_known(op)) {
		snprintf(err, errcap, "unknown op '%s'", op);
		free(e);
		return -EINVAL;
	}
	if ((rc = engine_setup(e, o))) {
		if (!err[0])
			snprintf(err, errcap, "%s: cannot set up on /%s (%s)", op, op_path(o, op),
				 strerror(-rc));
	} else {
		rc = engine_loop(e, o, r, m, err, errcap);
		if (!rc && e->want != P9_RWALK && e->want != P9_RCLUNK && e->want != P9_RFLUSH)
			bench_clunk(s, e->fid, o->timeout_ms);
	}
	free(e->wbuf);
	free(e);
	return rc;
}

/* ---- the client's own overhead ------------------------------------------ */

/* An in-memory connection that answers every request at once with a
 * pre-encoded Rgetattr carrying the request's tag. */
struct memconn {
	uint8_t reply[256];
	size_t rlen;
	uint16_t tags[BENCH_MAXDEPTH];
	int n;
};

static int mem_send(struct p9_conn *c, const uint8_t *buf, size_t len)
{
	struct memconn *mc = c->priv;
	if (len < P9_HDRSZ || mc->n >= BENCH_MAXDEPTH)
		return -EPROTO;
	mc->tags[mc->n++] = p9_get16(buf + 5);
	return 0;
}

static int mem_recv(struct p9_conn *c, uint8_t *buf, size_t cap, int timeout_ms)
{
	struct memconn *mc = c->priv;
	(void)timeout_ms;
	if (!mc->n || cap < mc->rlen)
		return -ETIMEDOUT;
	memcpy(buf, mc->reply, mc->rlen);
	p9_put16(buf + 5, mc->tags[0]);
	memmove(mc->tags, mc->tags + 1, (size_t)--mc->n * sizeof *mc->tags);
	return (int)mc->rlen;
}

static void mem_close(struct p9_conn *c)
{
	(void)c;
}

static const struct p9_conn_ops mem_ops = {mem_send, mem_recv, mem_close};

/* The cheapest of ten batches is the cost: time the scheduler gave to other
 * processes during a batch is not the client's. */
double bench_client_overhead(uint64_t n)
{
	struct memconn mc = {0};
	struct p9_conn conn = {.ops = &mem_ops, .rfd = -1, .wfd = -1, .priv = &mc};
	struct p9_msg rg = {.type = P9_RGETATTR, .tag = 1, .valid = P9_GETATTR_BASIC};
	struct bench_sess s = {.conn = &conn, .rootfid = 0, .nextfid = 1};
	struct bench_opts o;
	struct bench_result r;
	struct bench_metric *m;
	char err[256] = "";
	uint64_t t0;
	long len = p9_encode(&rg, P9_DL, mc.reply, sizeof mc.reply);
	double per = -1;
	if (len < 0 || !(s.cl = p9_client_new(&conn, 8192, P9_DL)))
		return -1;
	mc.rlen = (size_t)len;
	bench_opts_default(&o);
	/* ten batches; the cheapest is the cost, the others were preempted */
	o.count = n / 10 ? n / 10 : 1;
	o.warmup = 0;
	bench_result_init(&r, "overhead");
	m = bench_metric_add(&r, "overhead", "overhead", "getattr", 0, "ns", 1, 1);
	/* run the getattr cycle without engine_setup's walk */
	struct engine *e = calloc(1, sizeof *e);
	if (m && e) {
		e->s = &s;
		e->op = "getattr";
		e->want = P9_RGETATTR;
		for (int batch = 0; batch < 10; batch++) {
			double t;
			t0 = p9_now_ns();
			if (engine_loop(e, &o, &r, m, err, sizeof err))
				break;
			t = (double)(p9_now_ns() - t0) / (double)o.count;
			if (per < 0 || t < per)
				per = t;
		}
	}
	free(e);
	bench_result_free(&r);
	p9_client_free(s.cl);
	return per;
}
