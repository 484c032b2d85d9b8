/*
 * measure.c - the measuring subcommands built on the workload engine:
 * latency (per op, with the client's overhead and the transport floor),
 * hops (latency against synthfs --hops N with a line fit), readdir (time
 * to list a whole directory), throughput (bytes/s by msize) and
 * concurrency (scaling with connections).
 *
 * Owns: the metric names each measurement writes (docs/bench.md).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

const char *bench_floor_kind(const char *target)
{
	if (!strncmp(target, "unix:", 5))
		return "unix";
	if (!strncmp(target, "tcp:", 4))
		return "tcp";
	if (!strncmp(target, "exec:", 5))
		return "socketpair";
	return NULL;
}

/* Parse "a,b,c" of numbers with optional k/M suffix into v (at most max). */
static size_t parse_list(const char *s, double *v, size_t max)
{
	size_t n = 0;
	while (s && *s && n < max) {
		char *end;
		double x = strtod(s, &end);
		if (end == s)
			break;
		if (*end == 'k' || *end == 'K')
			x *= 1024, end++;
		else if (*end == 'M' || *end == 'm')
			x *= 1024 * 1024, end++;
		v[n++] = x;
		s = *end == ',' ? end + 1 : end;
		if (*end != ',')
			break;
	}
	return n;
}

static void fill_env(struct bench_result *r, const struct bench_opts *o, const char *target,
		     uint32_t msize)
{
	bench_env_collect(&r->env, o->root);
	snprintf(r->env.target, sizeof r->env.target, "%s", target ? target : "");
	snprintf(r->env.target_version, sizeof r->env.target_version, "%s",
		 o->version ? o->version : "");
	snprintf(r->env.dialect, sizeof r->env.dialect, "%s", o->dialect);
	snprintf(r->env.label, sizeof r->env.label, "%s", o->label ? o->label : "");
	r->env.msize = msize;
	snprintf(r->env.options, sizeof r->env.options,
		 "ops=%s depth=%d count=%llu duration=%.2f warmup=%llu list=%s dispatch=%s",
		 o->ops ? o->ops : "", o->depth, (unsigned long long)o->count, o->duration,
		 (unsigned long long)o->warmup, o->list ? o->list : "",
		 o->dispatch ? o->dispatch : "");
}

/* ---- latency ---------------------------------------------------------- */

/* One round of one op: its samples join the op's metric, its median
 * becomes one of the metric's rounds. */
static int latency_round(struct bench_sess *s, const struct bench_opts *o, const char *op,
			 struct bench_result *r, char *err, size_t cap)
{
	char name[96];
	struct bench_metric *m, *t;
	struct bench_result tr;
	int rc;
	snprintf(name, sizeof name, "latency/%s/d%d", op, o->depth);
	if (!(m = bench_metric_find(r, name)) &&
	    !(m = bench_metric_add(r, name, "latency", op, o->depth, "ns", 1, 1)))
		return -ENOMEM;
	bench_result_init(&tr, "round");
	bench_rng_seed(&tr.rng, r->rng.s + 1);
	if (!(t = bench_metric_add(&tr, name, "latency", op, o->depth, "ns", 1, 0)))
		rc = -ENOMEM;
	else
		rc = bench_run_op(s, o, op, &tr, t, err, cap);
	if (!rc) {
		for (size_t i = 0; i < t->nsamples; i++)
			bench_metric_sample(r, m, t->samples[i]);
		bench_metric_round(m, bench_metric_value(t));
	}
	bench_result_free(&tr);
	return rc;
}

int bench_latency(const struct bench_opts *o, struct bench_result *r, char *err, size_t cap)
{
	struct bench_sess s;
	char ops[256], *save = NULL;
	int reps = o->reps < 1 ? 1 : o->reps > BENCH_MAXROUNDS ? BENCH_MAXROUNDS : o->reps;
	const char *kind = bench_floor_kind(o->target);
	double overhead = bench_client_overhead(20000), floor = -1;
	int rc;
	if (kind)
		floor = bench_floor_quick(kind, 64, 3000);
	if ((rc = bench_sess_open(&s, o->target, o->msize, o->dialect, o->timeout_ms, err, cap)))
		return rc;
	fill_env(r, o, o->target, s.cl->msize);
	if (floor > 0)
		snprintf(r->note, sizeof r->note,
			 "client overhead %.0f ns per request (engine + codec, in-memory "
			 "connection)%s; %s floor (64-byte ping-pong) %.0f ns",
			 overhead, overhead < 2000 ? "" : " ABOVE the 2 us budget", kind, floor);
	else
		snprintf(r->note, sizeof r->note,
			 "client overhead %.0f ns per request (engine + codec, in-memory "
			 "connection)%s; no raw floor for this transport",
			 overhead, overhead < 2000 ? "" : " ABOVE the 2 us budget");
	for (int round = 0; round < reps && !rc; round++) {
		struct bench_opts ro = *o;
		ro.count = o->count ? (o->count + (uint64_t)reps - 1) / (uint64_t)reps : 0;
		ro.duration = o->duration / reps;
		ro.warmup = round ? o->warmup / (uint64_t)reps : o->warmup;
		snprintf(ops, sizeof ops, "%s", o->ops);
		for (char *op = strtok_r(ops, ",", &save); op && !rc;
		     op = strtok_r(NULL, ",", &save))
			rc = latency_round(&s, &ro, op, r, err, cap);
	}
	for (size_t i = 0; i < r->nm && !rc; i++) {
		bench_metric_set_extra(&r->m[i], "client_ns", overhead);
		if (floor > 0)
			bench_metric_set_extra(&r->m[i], "floor_ns", floor);
	}
	bench_sess_close(&s);
	return rc;
}

/* ---- hops -------------------------------------------------------------- */

/* Against a server we cannot configure (QEMU): the difference between an
 * operation that does filesystem work on a worker thread (getattr: one
 * main->worker->main pair in QEMU) and one that does none (Tflush of a tag
 * not in flight) over the same transport estimates one hop pair plus the
 * stat itself, net of the transport. */
static int hops_estimate(const struct bench_opts *o, struct bench_result *r, char *err,
			 size_t cap)
{
	struct bench_opts eo = *o;
	struct bench_metric *g, *f;
	double pair = bench_floor_hop_pair(20000), est;
	int rc;
	eo.ops = "getattr,flush";
	if ((rc = bench_latency(&eo, r, err, cap)))
		return rc;
	snprintf(r->kind, sizeof r->kind, "hops-estimate");
	g = &r->m[0];
	f = &r->m[1];
	snprintf(g->group, sizeof g->group, "hops-estimate");
	snprintf(f->group, sizeof f->group, "hops-estimate");
	est = bench_metric_value(g) - bench_metric_value(f);
	bench_metric_set_extra(g, "estimate_ns", est);
	bench_metric_set_extra(f, "estimate_ns", est);
	bench_metric_set_extra(g, "floor_pair", pair);
	bench_metric_set_extra(f, "floor_pair", pair);
	snprintf(r->note, sizeof r->note,
		 "estimated hop pair (getattr median %.0f ns - flush median %.0f ns, both "
		 "over the same transport) = %.0f ns, which includes the stat itself; "
		 "floor eventfd hop pair in the same run %.0f ns",
		 bench_metric_value(g), bench_metric_value(f), est, pair);
	return 0;
}

int bench_hops(const struct bench_opts *o, struct bench_result *r, char *err, size_t cap)
{
	double hops[16], x[16], y[16], a, b, r2, pair;
	size_t n = parse_list(o->list ? o->list : "0,1,2,4,8", hops, 16);
	const char *dispatch = o->dispatch ? o->dispatch : "worker";
	const char *sfs = o->synthfs ? o->synthfs : "bin/synthfs";
	struct bench_metric *ms[16];
	int rc = 0;
	if (o->target)
		return hops_estimate(o, r, err, cap);
	if (!n) {
		snprintf(err, cap, "hops: empty --list");
		return -EINVAL;
	}
	fill_env(r, o, sfs, o->msize);
	/* all servers stay up and the hop counts take turns, round by round,
	 * so a burst of load elsewhere hits every hop count alike */
	struct bench_sess *ss = calloc(n, sizeof *ss);
	int reps = o->reps < 1 ? 1 : o->reps > BENCH_MAXROUNDS ? BENCH_MAXROUNDS : o->reps;
	if (!ss)
		return -ENOMEM;
	for (size_t i = 0; i < n && !rc; i++) {
		char target[512], name[96];
		/* worker dispatch alone is one main->worker->main pass */
		double passes = !strcmp(dispatch, "worker") && hops[i] < 1 ? 1 : hops[i];
		snprintf(target, sizeof target, "exec:%s --stdio --hops %d --dispatch %s",
			 sfs, (int)hops[i], dispatch);
		if ((rc = bench_sess_open(&ss[i], target, o->msize, o->dialect, o->timeout_ms,
					  err, cap)))
			break;
		snprintf(name, sizeof name, "hops/%s/%d", dispatch, (int)hops[i]);
		if (!(ms[i] = bench_metric_add(r, name, "hops", dispatch, passes, "ns", 1, 1)))
			rc = -ENOMEM;
	}
	for (int round = 0; round < reps && !rc; round++) {
		struct bench_opts ro = *o;
		ro.count = (o->count + (uint64_t)reps - 1) / (uint64_t)reps;
		ro.warmup = round ? o->warmup / (uint64_t)reps : o->warmup;
		for (size_t i = 0; i < n && !rc; i++) {
			struct bench_result tr;
			struct bench_metric *t;
			bench_result_init(&tr, "round");
			if (!(t = bench_metric_add(&tr, "t", "t", "t", 0, "ns", 1, 0)))
				rc = -ENOMEM;
			else if (!(rc = bench_run_op(&ss[i], &ro, "getattr", &tr, t, err, cap))) {
				for (size_t k = 0; k < t->nsamples; k++)
					bench_metric_sample(r, ms[i], t->samples[k]);
				bench_metric_round(ms[i], bench_metric_value(t));
			}
			bench_result_free(&tr);
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (ss[i].cl)
			bench_sess_close(&ss[i]);
		if (!rc) {
			x[i] = ms[i]->x;
			y[i] = bench_metric_value(ms[i]);
		}
	}
	free(ss);
	if (rc)
		return rc;
	pair = bench_floor_hop_pair(o->count > 20000 ? o->count : 20000);
	bench_linfit(x, y, n, &a, &b, &r2);
	for (size_t i = 0; i < n; i++) {
		bench_metric_set_extra(ms[i], "fit_a", a);
		bench_metric_set_extra(ms[i], "fit_b", b);
		bench_metric_set_extra(ms[i], "fit_r2", r2);
		bench_metric_set_extra(ms[i], "floor_pair", pair);
	}
	snprintf(r->note, sizeof r->note,
		 "dispatch %s: fit latency = %.0f ns + %.0f ns x hops (r2 %.3f); floor "
		 "eventfd hop pair in the same run %.0f ns; slope/floor = %.2f",
		 dispatch, a, b, r2, pair, pair > 0 ? b / pair : 0);
	return 0;
}

/* ---- readdir ----------------------------------------------------------- */

/* List a whole directory once: returns entries, *calls the Treaddirs. */
static long list_dir(struct bench_sess *s, uint32_t fid, uint32_t count, int tmo,
		     long *calls, char *err, size_t cap)
{
	uint64_t off = 0;
	long entries = 0;
	*calls = 0;
	for (;;) {
		struct p9_msg m = {.type = P9_TREADDIR, .fid = fid, .offset = off,
				   .count = count};
		struct p9_reply *r = NULL;
		struct p9_dirent d;
		size_t pos = 0;
		int rc, k, got = 0;
		if ((rc = p9_fs_rpc(bench_sess_fs(s, tmo), &m, P9_RREADDIR, &r, "readdir"))) {
			int replied = s->fs.rtype != 0;
			snprintf(err, cap, "Treaddir failed (%s)", replied && rc == -EPROTO ?
				 "undecodable reply" : strerror(-rc));
			return replied ? -EIO : rc;
		}
		(*calls)++;
		while ((k = p9_dirent_next(r->m.data, r->m.count, &pos, &d)) == 1) {
			off = d.offset;
			entries++;
			got++;
		}
		p9_reply_free(r);
		if (k < 0) {
			snprintf(err, cap, "Rreaddir with a malformed entry");
			return -EBADMSG;
		}
		if (!got)
			return entries;
	}
}

int bench_readdir(const struct bench_opts *o, struct bench_result *r, char *err, size_t cap)
{
	double ents[16];
	size_t n = parse_list(o->list ? o->list : "100,1000,10000", ents, 16);
	const char *series = o->dispatch ? o->dispatch : "readdir";
	struct bench_sess s;
	int rc, reps = o->reps > 0 ? o->reps : 5;
	if ((rc = bench_sess_open(&s, o->target, o->msize, o->dialect, o->timeout_ms, err, cap)))
		return rc;
	fill_env(r, o, o->target, s.cl->msize);
	for (size_t i = 0; i < n && !rc; i++) {
		char path[256], name[128];
		struct bench_metric *m;
		long calls = 0, got = 0;
		uint32_t fid = s.nextfid++;
		snprintf(path, sizeof path, "%s%sreaddir/d%d", o->fixroot, *o->fixroot ? "/" : "",
			 (int)ents[i]);
		snprintf(name, sizeof name, "readdir/%s/%d", series, (int)ents[i]);
		if (!(m = bench_metric_add(r, name, "readdir", series, ents[i], "ns", 1, 0)))
			return -ENOMEM;
		for (int k = 0; k < reps + 1 && !rc; k++) {
			uint64_t t0 = p9_now_ns();
			if ((rc = bench_open(&s, path, P9_L_O_RDONLY | P9_L_O_DIRECTORY, fid, o->timeout_ms))) {
				snprintf(err, cap, "%s: %s", path, strerror(-rc));
				break;
			}
			got = list_dir(&s, fid, s.cl->msize - P9_READDIRHDRSZ, o->timeout_ms,
				       &calls, err, cap);
			bench_clunk(&s, fid, o->timeout_ms);
			if (got < 0)
				rc = (int)got;
			else if (k > 0) /* the first listing is a warm-up */
				bench_metric_sample(r, m, (double)(p9_now_ns() - t0));
		}
		if (!rc) {
			double v = bench_metric_value(m);
			bench_metric_set_extra(m, "entries", (double)got);
			bench_metric_set_extra(m, "treaddirs", (double)calls);
			bench_metric_set_extra(m, "per_call_ns", calls ? v / (double)calls : 0);
			bench_metric_set_extra(m, "per_entry_ns", got ? v / (double)got : 0);
		}
	}
	bench_sess_close(&s);
	return rc;
}

/* ---- throughput -------------------------------------------------------- */

struct stream {
	uint64_t bytes, reqs, ns;
};

/* Sequential reads or writes of iosize with depth in flight for secs. */
static int stream_io(struct bench_sess *s, uint32_t fid, int writing, uint32_t iosize,
		     uint64_t span, int depth, double secs, int tmo, const uint8_t *wbuf,
		     struct stream *st, char *err, size_t cap)
{
	uint64_t off = 0, t0 = p9_now_ns(), end = t0 + (uint64_t)(secs * 1e9);
	int inflight = 0, rc = 0, stop = 0;
	memset(st, 0, sizeof *st);
	if (span < iosize)
		span = iosize;
	for (;;) {
		while (!stop && !rc && inflight < depth) {
			struct p9_msg m = {.type = writing ? P9_TWRITE : P9_TREAD, .fid = fid,
					   .offset = off, .count = iosize, .data = wbuf};
			m.tag = p9_client_tag(s->cl);
			if (!(rc = p9_client_send(s->cl, &m)))
				inflight++;
			off += iosize;
			if (off + iosize > span)
				off = 0;
		}
		if (rc || !inflight)
			break;
		struct p9_reply *r;
		if ((rc = p9_client_wait_any(s->cl, tmo, &r)))
			break;
		inflight--;
		if (r->decode_rc || p9_reply_errno(r)) {
			snprintf(err, cap, "%s failed (%s)", writing ? "Twrite" : "Tread",
				 r->decode_rc ? "undecodable reply" : strerror(p9_reply_errno(r)));
			rc = -EIO;
		} else {
			st->bytes += r->m.count;
			st->reqs++;
		}
		p9_reply_free(r);
		if (p9_now_ns() >= end)
			stop = 1;
	}
	st->ns = p9_now_ns() - t0;
	if (rc && !err[0])
		snprintf(err, cap, "%s: %s", writing ? "write" : "read", strerror(-rc));
	return rc;
}

static uint64_t file_size(struct bench_sess *s, uint32_t fid, int tmo)
{
	struct p9_msg m = {.type = P9_TGETATTR, .fid = fid, .request_mask = P9_GETATTR_SIZE};
	struct p9_reply *r = NULL;
	uint64_t size = 0;
	if (!p9_fs_rpc(bench_sess_fs(s, tmo), &m, P9_RGETATTR, &r, "getattr")) {
		size = r->m.size;
		p9_reply_free(r);
	}
	return size;
}

int bench_throughput(const struct bench_opts *o, const char *op, struct bench_result *r,
		     char *err, size_t cap)
{
	double msz[16];
	size_t n = parse_list(o->list ? o->list : "8k,64k,512k,1M,4M", msz, 16);
	int writing = !strcmp(op, "write"), rc = 0, reps = o->reps > 0 ? o->reps : 5;
	double secs = o->duration > 0 ? o->duration : 0.3;
	uint8_t *wbuf = NULL;
	if (strcmp(op, "read") && !writing) {
		snprintf(err, cap, "throughput: --op must be read or write");
		return -EINVAL;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		struct bench_sess s;
		struct bench_metric *m, *q;
		char name[96];
		uint32_t fid, iosize;
		uint64_t span;
		if ((rc = bench_sess_open(&s, o->target, (uint32_t)msz[i], o->dialect,
					  o->timeout_ms, err, cap)))
			break;
		if (i == 0)
			fill_env(r, o, o->target, s.cl->msize);
		iosize = s.cl->msize - P9_IOHDRSZ;
		fid = s.nextfid++;
		if (writing) {
			free(wbuf);
			if (!(wbuf = malloc(iosize)))
				rc = -ENOMEM;
			else
				memset(wbuf, 'w', iosize);
			span = 16u << 20;
			if (!rc && (rc = bench_open_create(&s, o->write_file, fid, o->timeout_ms)))
				snprintf(err, cap, "%s: %s", o->write_file, strerror(-rc));
		} else {
			if ((rc = bench_open(&s, o->read_file, P9_L_O_RDONLY, fid, o->timeout_ms)))
				snprintf(err, cap, "%s: %s", o->read_file, strerror(-rc));
			span = rc ? 0 : file_size(&s, fid, o->timeout_ms);
			if (span > (256u << 20))
				span = 256u << 20;
		}
		snprintf(name, sizeof name, "throughput/%s/%u", op, s.cl->msize);
		if (!rc && bench_metric_find(r, name)) { /* the server capped msize again */
			bench_sess_close(&s);
			continue;
		}
		m = rc ? NULL : bench_metric_add(r, name, "throughput", op, s.cl->msize, "B/s", 0, 0);
		snprintf(name, sizeof name, "throughput-req/%s/%u", op, s.cl->msize);
		q = m ? bench_metric_add(r, name, "throughput-req", op, s.cl->msize, "req/s", 0, 0) : NULL;
		if (!rc && (!m || !q))
			rc = -ENOMEM;
		for (int k = 0; k < reps && !rc; k++) {
			struct stream st;
			rc = stream_io(&s, fid, writing, iosize, span, o->depth, secs,
				       o->timeout_ms, wbuf, &st, err, cap);
			if (!rc && st.ns) {
				bench_metric_sample(r, m, (double)st.bytes * 1e9 / (double)st.ns);
				bench_metric_sample(r, q, (double)st.reqs * 1e9 / (double)st.ns);
			}
		}
		if (m)
			bench_metric_set_extra(m, "msize_asked", msz[i]);
		bench_sess_close(&s);
	}
	free(wbuf);
	return rc;
}

/* ---- concurrency --------------------------------------------------------- */

/* The start line: threads wait until go is 1 (run) or -1 (give up). */
struct conc_gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int go;
};

struct conc_arg {
	struct bench_sess s;
	const struct bench_opts *o;
	struct bench_result r;
	struct bench_metric *m;
	struct conc_gate *gate;
	int rc;
	char err[256];
};

static void *conc_thread(void *p)
{
	struct conc_arg *a = p;
	int go;
	pthread_mutex_lock(&a->gate->mu);
	while (!a->gate->go)
		pthread_cond_wait(&a->gate->cv, &a->gate->mu);
	go = a->gate->go;
	pthread_mutex_unlock(&a->gate->mu);
	if (go > 0)
		a->rc = bench_run_op(&a->s, a->o, "getattr", &a->r, a->m, a->err,
				     sizeof a->err);
	return NULL;
}

static void conc_open_gate(struct conc_gate *g, int go)
{
	pthread_mutex_lock(&g->mu);
	g->go = go;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
}

/* One step: n connections running getattr for o->duration at once. */
static int conc_step(const struct bench_opts *o, int n, struct bench_result *r,
		     struct bench_metric *rate, struct bench_metric *lat, char *err, size_t cap)
{
	struct conc_arg *a = calloc((size_t)n, sizeof *a);
	pthread_t *t = calloc((size_t)n, sizeof *t);
	struct conc_gate gate = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
	struct bench_opts so = *o;
	uint64_t t0, ops = 0;
	int rc = 0, started = 0;
	if (!a || !t) {
		free(a);
		free(t);
		return -ENOMEM;
	}
	so.count = 0;
	so.duration = o->duration > 0 ? o->duration : 0.5;
	so.warmup = 50;
	for (int i = 0; i < n && !rc; i++) {
		a[i].o = &so;
		a[i].gate = &gate;
		bench_result_init(&a[i].r, "conc");
		bench_rng_seed(&a[i].r.rng, (uint64_t)i + 1);
		if (!(a[i].m = bench_metric_add(&a[i].r, "c", "c", "c", 0, "ns", 1, 1)))
			rc = -ENOMEM;
		else
			rc = bench_sess_open(&a[i].s, o->target, o->msize, o->dialect,
					     o->timeout_ms, err, cap);
	}
	for (int i = 0; i < n && !rc; i++) {
		if (pthread_create(&t[i], NULL, conc_thread, &a[i])) {
			rc = -EAGAIN;
			break;
		}
		started++;
	}
	conc_open_gate(&gate, started == n && !rc ? 1 : -1);
	t0 = p9_now_ns();
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	t0 = p9_now_ns() - t0;
	if (started == n && !rc) {
		for (int i = 0; i < n; i++) {
			if (a[i].rc && !rc) {
				rc = a[i].rc;
				snprintf(err, cap, "connection %d: %s", i, a[i].err);
			}
			ops += a[i].m->seen;
			for (size_t k = 0; k < a[i].m->nsamples; k += (size_t)n)
				bench_metric_sample(r, lat, a[i].m->samples[k]);
		}
		bench_metric_sample(r, rate, (double)ops * 1e9 / (double)t0);
	} else if (!rc) {
		rc = -EAGAIN;
	}
	for (int i = 0; i < n; i++) {
		bench_sess_close(&a[i].s);
		bench_result_free(&a[i].r);
	}
	free(a);
	free(t);
	return rc;
}

int bench_concurrency(const struct bench_opts *o, struct bench_result *r, char *err, size_t cap)
{
	double conns[16];
	size_t n = parse_list(o->list ? o->list : "1,2,4,8,16,32,64", conns, 16);
	int rc = 0, reps = o->reps > 0 ? o->reps : 3;
	fill_env(r, o, o->target, o->msize);
	for (size_t i = 0; i < n && !rc; i++) {
		char name[96];
		struct bench_metric *rate, *lat;
		int c = (int)conns[i] < 1 ? 1 : (int)conns[i] > 256 ? 256 : (int)conns[i];
		snprintf(name, sizeof name, "concurrency/getattr/%d", c);
		rate = bench_metric_add(r, name, "concurrency", "getattr", c, "op/s", 0, 0);
		snprintf(name, sizeof name, "concurrency-lat/getattr/%d", c);
		lat = bench_metric_add(r, name, "concurrency-lat", "getattr", c, "ns", 1, 1);
		if (!rate || !lat)
			return -ENOMEM;
		for (int k = 0; k < reps && !rc; k++)
			rc = conc_step(o, c, r, rate, lat, err, cap);
	}
	return rc;
}
