/*
 * virtio.c - --virtio QMP,mem=PATH: follow a running QEMU's virtio-9p
 * queue and decode every request when the guest makes it available and
 * every reply when QEMU puts it in the used ring, as one connection of
 * the usual timeline (pairing, fid paths, --check, --stats, --json, -w).
 *
 * Owns: the polling loop (the rings are looked at every poll_us
 * microseconds; QMP only finds the device and its ring addresses, and
 * tells when QEMU exits), the avail -> used bookkeeping (a used entry
 * returns its chain's head; the oldest request read on that head is the
 * one answered) and what it cannot see for sure, reported as gaps with
 * counts: a ring index that moved more than the ring's size past what was
 * read, a request or reply whose buffers no longer hold a message that
 * fits its descriptors (reused before they were read), a used entry for
 * no request read.  A used entry of length 0 is a request QEMU finished
 * without a reply (a flushed one).  A reply lost is taken as a success,
 * silently (settle), so that tags and fids go on.  Reading is passive:
 * the guest RAM is mapped read-only and QEMU is only asked questions.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <sched.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "virtio.h"
#include "xalloc.h"

enum {
	MAXPEND = 512,          /* requests read and not yet used */
	MAXMSG = 16 << 20,      /* largest message read */
	DEFAULT_POLL_US = 5,
	QMP_RETRY_MS = 5,       /* looking for the ring before the driver set it */
	ALIVE_EVERY_MS = 50,
};

struct pend {
	int live;
	uint16_t head, tag;
	uint8_t type;
	unsigned nin;
	struct tr_vseg in[TR_VQ_MAXSEG];
};

/* What was lost, by cause. */
struct vgaps {
	uint64_t req_jump, rep_jump, req_reused, rep_reused, orphan, flushed, full;
};

struct vq {
	struct tr *t;
	struct tr_conn *c;
	struct tr_gmem g;
	struct tr_vring r;
	struct tr_qmp q;
	uint16_t acur, ucur;     /* next avail / used index to read */
	struct pend *pend;       /* MAXPEND slots */
	struct tr_vchain ch;
	uint16_t *heads;         /* one look's heads, vring-num of them */
	uint8_t *stale;          /* and whether each comes again (stale_marks) */
	uint8_t *buf;
	pcap_dumper_t *dump;
	pcap_t *dead;
	struct tr_pcapw_flow flow;
	uint64_t nreq, nrep;
	struct vgaps gap;
};

static uint64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int tr_virtio_parse(char *arg, struct tr_virtio_opts *vo)
{
	char *save = NULL;
	vo->qmp = strtok_r(arg, ",", &save);
	for (char *w; (w = strtok_r(NULL, ",", &save));) {
		if (!strncmp(w, "mem=", 4))
			vo->mem = w + 4;
		else if (!strcmp(w, "rt"))
			vo->rt = 1;
		else if (!strncmp(w, "poll=", 5))
			vo->poll_us = (unsigned)strtoul(w + 5, NULL, 10);
		else
			return -1;
	}
	return vo->qmp && vo->mem ? 0 : -1;
}

/* One whole message into the timeline and the pcap. */
static void deliver(struct vq *v, int client, const uint8_t *p, size_t n)
{
	uint64_t ts = wall_ns();
	if (v->dump)
		tr_pcapw_segment(v->dump, &v->flow, client ? 0 : 1, 0x18, p, n, ts);
	tr_conn_bytes(v->c, client, ts, p, n);
}

static void gap(struct vq *v, uint64_t *counter, uint64_t n, const char *what)
{
	*counter += n;
	v->t->ngaps++;
	v->t->now = wall_ns();
	tr_emit_note(v->c, "%s", what);
}

/* A message of exactly n bytes of the given direction that decodes (in
 * the session's dialect, 9P2000.L before the Tversion)? */
static int whole(const struct vq *v, const uint8_t *p, long n, int client)
{
	struct p9_msg m;
	if (n < P9_HDRSZ || p9_get32(p) != (uint32_t)n || !p9_msgdef(p[4]) ||
	    (p[4] % 2 == 0) != (client != 0))
		return 0;
	return p9_decode_flags(p, (size_t)n, v->c->dialect ? v->c->dialect : P9_DL,
			       P9_DEC_STATLEN | P9_DEC_RLERROR, &m, NULL, NULL) == 0;
}

static struct pend *pend_slot(struct vq *v)
{
	for (unsigned i = 0; i < MAXPEND; i++)
		if (!v->pend[i].live)
			return &v->pend[i];
	return NULL;
}

/* The request of avail entry i; stale: its head was made available again
 * later in the same look, so its descriptors and buffers are another
 * request's by now. */
static void take(struct vq *v, uint16_t i, int stale)
{
	char msg[160];
	uint16_t head = 0;
	long n = -1;
	if (!stale && tr_vring_avail(&v->r, i, &head) == 0 &&
	    tr_vring_chain(&v->r, head, &v->ch) == 0 && v->ch.outlen <= MAXMSG)
		n = tr_vring_gather(&v->g, v->ch.out, v->ch.nout, v->buf, MAXMSG);
	if (n < 0 || !whole(v, v->buf, n, 1) || (uint64_t)n != v->ch.outlen) {
		snprintf(msg, sizeof msg, "-> gap: request %u (head %u) reused before it was read",
			 (unsigned)i, (unsigned)head);
		gap(v, &v->gap.req_reused, 1, msg);
		return;
	}
	struct pend *pd = pend_slot(v);
	if (!pd) {
		gap(v, &v->gap.full, 1, "-> gap: too many requests in flight, one forgotten");
		return;
	}
	*pd = (struct pend){ .live = 1, .head = head, .tag = p9_get16(v->buf + 5),
			     .type = v->buf[4], .nin = v->ch.nin };
	memcpy(pd->in, v->ch.in, v->ch.nin * sizeof pd->in[0]);
	v->nreq++;
	deliver(v, 1, v->buf, (size_t)n);
}

/* The oldest request read on head: pend slots are reused lowest first,
 * so "oldest" is the one read first; a sequence would be exact, and a
 * head in flight twice is already a lost used entry. */
static struct pend *pend_of(struct vq *v, uint32_t head)
{
	for (unsigned i = 0; i < MAXPEND; i++)
		if (v->pend[i].live && v->pend[i].head == head)
			return &v->pend[i];
	return NULL;
}

/* A reply that could not be read: its request is answered silently, as
 * a success (a walk of all its names), so that the tag is free again and
 * the fids follow what the guest most likely saw. */
static void settle(struct vq *v, uint16_t tag)
{
	struct tr_req *rq = tr_tag_live(v->c, tag);
	if (!rq || rq->type == P9_TVERSION)
		return;
	struct p9_msg r = { .type = (uint8_t)(rq->type + 1), .tag = tag };
	if (rq->type == P9_TWALK)
		r.nwqid = (uint16_t)rq->count;
	v->t->o.silent = 1;
	tr_message_decoded(v->c, 0, NULL, 0, &r);
	v->t->o.silent = 0;
}

/* The reply of used entry i; stale: its head was used again later in the
 * same look (the request after it, likely on the same buffers, has its
 * reply too). */
static void complete(struct vq *v, uint16_t i, int stale)
{
	char msg[160];
	uint32_t id = 0, len = 0;
	struct pend *pd = NULL;
	if (tr_vring_used(&v->r, i, &id, &len) == 0)
		pd = pend_of(v, id);
	if (!pd) {
		snprintf(msg, sizeof msg, "<- gap: reply %u (head %u) to a request not read",
			 (unsigned)i, (unsigned)id);
		gap(v, &v->gap.orphan, 1, msg);
		return;
	}
	pd->live = 0;
	if (len == 0) {
		v->gap.flushed++;
		v->t->now = wall_ns();
		tr_emit_note(v->c, "<- tag %u finished with no reply (flushed)", pd->tag);
		return;
	}
	long n = !stale && len <= MAXMSG ? tr_vring_gather(&v->g, pd->in, pd->nin, v->buf, len) : -1;
	if (n != (long)len || !whole(v, v->buf, n, 0) || p9_get16(v->buf + 5) != pd->tag) {
		snprintf(msg, sizeof msg, "<- gap: reply to tag %u reused before it was read",
			 pd->tag);
		gap(v, &v->gap.rep_reused, 1, msg);
		settle(v, pd->tag);
		return;
	}
	v->nrep++;
	deliver(v, 0, v->buf, (size_t)n);
}

/* Catch a cursor up with its index; entries the ring already overwrote
 * are a gap. */
static uint16_t jump(struct vq *v, uint16_t cur, uint16_t idx, int client)
{
	char msg[160];
	uint16_t behind = (uint16_t)(idx - cur);
	if (behind <= v->r.vi.num)
		return cur;
	uint16_t lost = (uint16_t)(behind - v->r.vi.num);
	snprintf(msg, sizeof msg, "%s gap: ring index jumped, %u %s overwritten before read",
		 client ? "->" : "<-", (unsigned)lost, client ? "requests" : "replies");
	gap(v, client ? &v->gap.req_jump : &v->gap.rep_jump, lost, msg);
	return (uint16_t)(idx - v->r.vi.num);
}

/* v->stale[k] for entries from..to of one ring: 1 when the entry's head
 * comes again later in the batch. */
static void stale_marks(struct vq *v, uint16_t from, uint16_t to, int avail)
{
	unsigned n = (uint16_t)(to - from);
	for (unsigned k = 0; k < n; k++) {
		uint32_t id = 0, len;
		uint16_t h = 0;
		if (avail)
			tr_vring_avail(&v->r, (uint16_t)(from + k), &h);
		else if (tr_vring_used(&v->r, (uint16_t)(from + k), &id, &len) == 0)
			h = (uint16_t)id;
		v->heads[k] = h;
		v->stale[k] = 0;
	}
	for (unsigned k = n; k-- > 0;)
		for (unsigned j = k + 1; j < n && !v->stale[k]; j++)
			v->stale[k] = v->heads[j] == v->heads[k];
}

/* One look at both rings; 1 if anything new was there. */
static int look(struct vq *v)
{
	uint16_t aidx, uidx;
	if (tr_vring_idx(&v->r, &aidx, &uidx) < 0)
		return 0;
	if (aidx == v->acur && uidx == v->ucur)
		return 0;
	v->acur = jump(v, v->acur, aidx, 1);
	stale_marks(v, v->acur, aidx, 1);
	for (unsigned k = 0; v->acur != aidx; k++)
		take(v, v->acur++, v->stale[k]);
	v->ucur = jump(v, v->ucur, uidx, 0);
	stale_marks(v, v->ucur, uidx, 0);
	for (unsigned k = 0; v->ucur != uidx; k++)
		complete(v, v->ucur++, v->stale[k]);
	fflush(v->t->out);
	return 1;
}

static void sleep_us(unsigned us)
{
	struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000 };
	nanosleep(&ts, NULL);
}

/* Wait for the driver to set the queue up; 0, or -1 (QEMU gone, stop). */
static int find_ring(struct vq *v, volatile sig_atomic_t *stop)
{
	while (!*stop) {
		if (tr_qmp_queue(&v->q, &v->r.vi) < 0)
			return -1;
		if (v->r.vi.desc && v->r.vi.avail && v->r.vi.used && v->r.vi.num)
			return 0;
		sleep_us(QMP_RETRY_MS * 1000);
	}
	return -1;
}

/* Start at the used index: what is between it and avail is in flight. */
static int attach(struct vq *v)
{
	uint16_t aidx, uidx;
	if (tr_vring_idx(&v->r, &aidx, &uidx) < 0)
		return -1;
	v->acur = v->ucur = uidx;
	if (uidx != 0) {
		v->t->now = wall_ns();
		tr_emit_note(v->c, "joined the queue at used index %u (earlier messages not seen)",
			     (unsigned)uidx);
	}
	return 0;
}

/* Sleeps of poll_us, not 50 us more; with rt, woken before anything of
 * normal priority (the poller mostly sleeps; Linux keeps 5% of the CPU
 * for others whatever happens). */
static void sched_poller(int rt)
{
	struct sched_param sp = { .sched_priority = 1 };
	prctl(PR_SET_TIMERSLACK, 1UL);
	if (rt && sched_setscheduler(0, SCHED_FIFO, &sp) < 0)
		fprintf(stderr, "9ptrace: --virtio rt: %s (polling at normal priority)\n",
			strerror(errno));
}

/* Poll until QEMU closes its monitor or *stop; then a last look. */
static void follow(struct vq *v, unsigned poll_us, volatile sig_atomic_t *stop)
{
	uint64_t next_alive = 0;
	while (!*stop) {
		if (look(v))
			continue;
		uint64_t now = p9_now_ns();
		if (now >= next_alive) {
			if (!tr_qmp_alive(&v->q))
				break;
			next_alive = now + ALIVE_EVERY_MS * 1000000ull;
		}
		sleep_us(poll_us);
	}
	look(v);
}

static void report(const struct vq *v)
{
	const struct vgaps *g = &v->gap;
	fprintf(stderr, "9ptrace: virtio: %llu requests and %llu replies read; "
		"gaps: %llu requests and %llu replies overwritten in the ring, "
		"%llu requests and %llu replies reused before read, %llu replies to "
		"unread requests, %llu forgotten; %llu flushed without reply\n",
		(unsigned long long)v->nreq, (unsigned long long)v->nrep,
		(unsigned long long)g->req_jump, (unsigned long long)g->rep_jump,
		(unsigned long long)g->req_reused, (unsigned long long)g->rep_reused,
		(unsigned long long)g->orphan, (unsigned long long)g->full,
		(unsigned long long)g->flushed);
}

/* QMP, the device, the mapping, the pcap; 0 or -1 (reason printed). */
static int open_all(struct vq *v, const struct tr_virtio_opts *vo)
{
	char err[512];
	if (tr_qmp_open(&v->q, vo->qmp, err, sizeof err) < 0 ||
	    tr_gmem_map(&v->g, vo->mem, err, sizeof err) < 0) {
		fprintf(stderr, "9ptrace: %s\n", err);
		return -1;
	}
	if (tr_qmp_find_9p(&v->q) < 0) {
		fprintf(stderr, "9ptrace: %s: no virtio-9p device\n", vo->qmp);
		return -1;
	}
	if (vo->wfile && !(v->dump = tr_pcapw_open(vo->wfile, &v->dead, err, sizeof err))) {
		fprintf(stderr, "9ptrace: %s\n", err);
		return -1;
	}
	return 0;
}

static void pcap_flow(struct vq *v, int start)
{
	static const uint8_t open_flags[] = { 0x02, 0x12, 0x10 };  /* SYN, SYN|ACK, ACK */
	if (!v->dump)
		return;
	uint64_t ts = wall_ns();
	if (start) {
		tr_pcapw_flow_init(&v->flow, 0);
		for (int i = 0; i < 3; i++)
			tr_pcapw_segment(v->dump, &v->flow, i % 2, open_flags[i], NULL, 0, ts);
	} else {
		tr_pcapw_segment(v->dump, &v->flow, 0, 0x11, NULL, 0, ts);  /* FIN|ACK */
		tr_pcapw_segment(v->dump, &v->flow, 1, 0x11, NULL, 0, ts);
	}
}

int tr_virtio(struct tr *t, const struct tr_virtio_opts *vo, volatile sig_atomic_t *stop)
{
	struct vq *v = xcalloc(1, sizeof *v);
	int rc = 2;
	v->t = t;
	v->q.fd = -1;
	v->r.g = &v->g;
	int opened = open_all(v, vo) == 0;
	if (opened && find_ring(v, stop) == 0) {
		v->pend = xcalloc(MAXPEND, sizeof *v->pend);
		v->buf = xmalloc(MAXMSG);
		v->heads = xcalloc(v->r.vi.num, sizeof *v->heads);
		v->stale = xcalloc(v->r.vi.num, 1);
		v->c = tr_conn_new(t);
		t->t0 = wall_ns();   /* notes before the first message are at 0 */
		t->have_t0 = 1;
		pcap_flow(v, 1);
		if (attach(v) == 0) {
			sched_poller(vo->rt);
			follow(v, vo->poll_us ? vo->poll_us : DEFAULT_POLL_US, stop);
			rc = 0;
		}
		pcap_flow(v, 0);
		tr_conn_end(t, v->c);
		report(v);
	} else if (opened && !*stop) {
		fprintf(stderr, "9ptrace: %s: the virtio-9p queue was never set up\n", vo->qmp);
	}
	tr_pcapw_close(v->dump, v->dead);
	tr_qmp_close(&v->q);
	tr_gmem_unmap(&v->g);
	free(v->pend);
	free(v->buf);
	free(v->heads);
	free(v->stale);
	free(v);
	return rc;
}
