/*
 * conn_qemu.c - the qemu: connection: 9P over QEMU's virtio-9p-pci device,
 * driven through qtest with no guest OS.
 *
 * Owns: the guest RAM layout (ring at 1 MiB, request slots from 2 MiB),
 * turning send/recv of whole 9P messages into virtqueue requests and
 * completions, the P9_NOREPLY pseudo-message for a request the device
 * completes with no reply bytes (a flushed request), the transport's msize
 * limit (a Tversion asking for more is lowered to it, as Linux's virtio
 * transport does), and QEMU's lifetime.
 *
 * Reuse: closing a connection with nothing in flight parks its QEMU (at
 * most MAXIDLE per process); dialing the same target string again in the
 * same process takes it back instead of starting another QEMU.  The next
 * Tversion resets QEMU's 9P session (all fids clunked), so this looks like
 * a new connection to the server; the export's contents persist, as with
 * any long-running server.  P9_QEMU_REUSE=0 turns it off.  This idle list
 * is the only process-wide state of the transport (mutex-protected, owned
 * by the process that made it: a forked child never touches its parent's),
 * with the record of QEMUs that exited without being asked to (killed or
 * crashed, seen during a connection or while parked): a caller takes them
 * with p9_qemu_exits_take (9psuite fails the run on one); any not taken are
 * printed on stderr at exit.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "targets/qemu.h"

enum {
	RING_PA = 1 << 20, BUF_PA = 2 << 20, DEVFN = 0x20, IO_BASE = 0xc000,
	MAXSLOT = 64, SLOTRAM = 256 << 20, START_MIN_MS = 20000,
	SEND_WAIT_MS = 30000,
};

struct pending {
	struct pending *next;
	size_t len;
	uint8_t msg[];
};

struct qconn {
	struct p9_conn conn;
	pid_t owner;          /* process that started this QEMU */
	struct p9_qemu qm;
	struct p9_vpci vp;
	struct p9_virtq vq;
	struct pending *head, **tail;
	int dead;             /* QEMU gone or qtest broken */
	int idle;             /* parked for reuse */
};

static struct qconn *Q(struct p9_conn *c) { return c->priv; }

static int push(struct qconn *q, const uint8_t *msg, size_t len)
{
	struct pending *p = malloc(sizeof *p + len);
	if (!p)
		return -ENOMEM;
	p->next = NULL;
	p->len = len;
	memcpy(p->msg, msg, len);
	*q->tail = p;
	q->tail = &p->next;
	return 0;
}

/* Move every completed request from the used ring to the pending list. */
static int harvest(struct qconn *q)
{
	unsigned slot;
	uint32_t len;
	int rc, got = 0;
	while ((rc = p9_virtq_poll(&q->vq, &slot, &len)) == 1) {
		const uint8_t *r = p9_virtq_reply(&q->vq, slot);
		uint8_t hdr[P9_HDRSZ];
		if (len == 0) {
			p9_put32(hdr, P9_HDRSZ);
			hdr[4] = P9_NOREPLY;
			p9_put16(hdr + 5, q->vq.slot[slot].tag);
			rc = push(q, hdr, sizeof hdr);
		} else {
			uint32_t size = len >= 4 ? p9_get32(r) : len;
			if (len > q->vq.bufsz)
				len = q->vq.bufsz;
			rc = push(q, r, size >= P9_HDRSZ && size < len ? size : len);
		}
		p9_virtq_release(&q->vq, slot);
		if (rc)
			return rc;
		got = 1;
	}
	return rc < 0 ? rc : got;
}

/* Sleep a little longer each time nothing has completed. */
static void backoff(unsigned *spins)
{
	struct timespec ts = { 0, 0 };
	unsigned n = (*spins)++;
	if (n < 64) {
		sched_yield();
		return;
	}
	ts.tv_nsec = n < 80 ? 20000 : n < 120 ? 100000 : 1000000;
	nanosleep(&ts, NULL);
}

static int broken(struct qconn *q)
{
	q->dead = 1;
	return -ECONNRESET;
}

static int qemu_send(struct p9_conn *c, const uint8_t *buf, size_t len)
{
	struct qconn *q = Q(c);
	uint8_t vbuf[64];
	uint64_t deadline = p9_now_ns() + SEND_WAIT_MS * 1000000ull;
	unsigned spins = 0;
	int rc;
	if (q->dead)
		return -ECONNRESET;
	/* Bytes go to the device as given: malformed messages are the
	 * suite's business (a size field need not match the length). */
	if (len == 0)
		return -EINVAL;
	if (buf[4] == P9_TVERSION && len >= 11 && len <= sizeof vbuf &&
	    p9_get32(buf + 7) > q->vq.bufsz) {
		memcpy(vbuf, buf, len);
		p9_put32(vbuf + 7, q->vq.bufsz);
		buf = vbuf;
	}
	while ((rc = p9_virtq_add(&q->vq, buf, len)) == -EBUSY) {
		/* every slot in flight: keep finished replies, retry */
		if ((rc = harvest(q)) < 0)
			return rc;
		if (p9_now_ns() > deadline)
			return -EBUSY;
		if (!rc)
			backoff(&spins);
	}
	if (rc)
		return rc;
	/* QEMU handles the kick before it answers; the answer is read later */
	if (p9_vpci_notify_async(&q->vp))
		return broken(q);
	return 0;
}

static int take(struct qconn *q, uint8_t *buf, size_t cap)
{
	struct pending *p = q->head;
	int n;
	if (p->len > cap)
		return -EMSGSIZE;
	memcpy(buf, p->msg, p->len);
	n = (int)p->len;
	q->head = p->next;
	if (!q->head)
		q->tail = &q->head;
	free(p);
	return n;
}

static int qemu_recv(struct p9_conn *c, uint8_t *buf, size_t cap, int timeout_ms)
{
	struct qconn *q = Q(c);
	uint64_t start = p9_now_ns(), last_check = start;
	unsigned spins = 0;
	for (;;) {
		int rc;
		if (q->head)
			return take(q, buf, cap);
		if (q->dead)
			return -ECONNRESET;
		if ((rc = harvest(q)) < 0)
			return rc == -EPROTO ? rc : broken(q);
		if (rc)
			continue;
		if (p9_qtest_drain(&q->qm.qt, 0))
			return broken(q);
		uint64_t now = p9_now_ns();
		if (timeout_ms >= 0 && now - start >= (uint64_t)timeout_ms * 1000000ull)
			return -ETIMEDOUT;
		if (now - last_check > 100000000ull) {
			last_check = now;
			if (!p9_qemu_alive(&q->qm))
				return broken(q);
		}
		backoff(&spins);
	}
}

enum { MAXIDLE = 2, MAXEXITS = 8 };
static struct qconn *idle[MAXIDLE];
static pthread_mutex_t idle_lock = PTHREAD_MUTEX_INITIALIZER;
static char exits[MAXEXITS][512];
static int nexits;
static pid_t exits_owner;
static pthread_mutex_t exits_lock = PTHREAD_MUTEX_INITIALIZER;

static void destroy(struct qconn *q);

/* Take the recorded exits: their count, the first in why. */
static int take_exits(char *why, size_t cap)
{
	int n;
	pthread_mutex_lock(&exits_lock);
	n = nexits;
	if (n && why && cap)
		snprintf(why, cap, "%s%s", exits[0], n > 1 ? " (and more)" : "");
	nexits = 0;
	pthread_mutex_unlock(&exits_lock);
	return n;
}

static void stop_idle_at_exit(void)
{
	char why[sizeof exits[0] + 16];
	pthread_mutex_lock(&idle_lock);
	for (int i = 0; i < MAXIDLE; i++) {
		if (idle[i] && idle[i]->owner == getpid())
			destroy(idle[i]);
		idle[i] = NULL;
	}
	pthread_mutex_unlock(&idle_lock);
	if (exits_owner == getpid() && take_exits(why, sizeof why))
		fprintf(stderr, "%s: %s\n", program_invocation_short_name, why);
}

static void at_exit_once(void)
{
	static int registered;
	pthread_mutex_lock(&exits_lock);
	if (!registered)
		registered = atexit(stop_idle_at_exit) == 0;
	exits_owner = getpid();
	pthread_mutex_unlock(&exits_lock);
}

int p9_qemu_exits_take(int stop_idle, char *why, size_t cap)
{
	struct qconn *gone[MAXIDLE];
	int ngone = 0;
	pthread_mutex_lock(&idle_lock);
	for (int i = 0; i < MAXIDLE; i++) {
		struct qconn *q = idle[i];
		if (q && q->owner == getpid() && (stop_idle || !p9_qemu_alive(&q->qm))) {
			gone[ngone++] = q;
			memmove(&idle[i], &idle[i + 1], (size_t)(MAXIDLE - 1 - i) * sizeof idle[0]);
			idle[MAXIDLE - 1] = NULL;
			i--;
		}
	}
	pthread_mutex_unlock(&idle_lock);
	for (int i = 0; i < ngone; i++)
		destroy(gone[i]);
	if (exits_owner != getpid())
		return 0;
	return take_exits(why, cap);
}

static int reuse_enabled(void)
{
	const char *e = getenv("P9_QEMU_REUSE");
	return !e || strcmp(e, "0") != 0;
}

static int busy(const struct qconn *q)
{
	for (unsigned i = 0; i < q->vq.nslot; i++)
		if (q->vq.slot[i].busy)
			return 1;
	return 0;
}

/* Park q for reuse; returns 0 if it must be destroyed instead. */
static int park(struct qconn *q)
{
	struct qconn *old = NULL;
	if (q->dead || busy(q) || !reuse_enabled() || q->owner != getpid())
		return 0;
	if (p9_qtest_drain(&q->qm.qt, 1) || !p9_qemu_alive(&q->qm)) {
		q->dead = 1; /* QEMU gone after the last reply, most likely */
		return 0;
	}
	while (q->head) {
		struct pending *p = q->head;
		q->head = p->next;
		free(p);
	}
	q->tail = &q->head;
	at_exit_once();
	q->idle = 1;
	pthread_mutex_lock(&idle_lock);
	old = idle[MAXIDLE - 1];
	memmove(&idle[1], &idle[0], (MAXIDLE - 1) * sizeof idle[0]);
	idle[0] = q;
	pthread_mutex_unlock(&idle_lock);
	if (old && old->owner == getpid())
		destroy(old);
	return 1;
}

/* An idle QEMU started by this process for this target string, or NULL. */
static struct qconn *unpark(const char *rest)
{
	struct qconn *q = NULL;
	char desc[sizeof q->conn.desc];
	snprintf(desc, sizeof desc, "qemu:%s", rest);
	pthread_mutex_lock(&idle_lock);
	for (int i = 0; i < MAXIDLE && !q; i++) {
		if (idle[i] && idle[i]->owner == getpid() && !strcmp(idle[i]->conn.desc, desc)) {
			q = idle[i];
			memmove(&idle[i], &idle[i + 1], (size_t)(MAXIDLE - 1 - i) * sizeof idle[0]);
			idle[MAXIDLE - 1] = NULL;
		}
	}
	pthread_mutex_unlock(&idle_lock);
	if (q && !p9_qemu_alive(&q->qm)) {
		/* killed between connections: recorded, then start afresh */
		destroy(q);
		q = NULL;
	}
	if (q)
		q->idle = 0;
	return q;
}

static void qemu_close(struct p9_conn *c)
{
	struct qconn *q = Q(c);
	if (park(q))
		return;
	destroy(q);
}

/* Record an exit of q's QEMU that nobody asked for. */
static void note_exit(struct qconn *q)
{
	char st[96];
	p9_qemu_exit_str(q->qm.exit_status, st, sizeof st);
	at_exit_once();
	pthread_mutex_lock(&exits_lock);
	if (nexits < MAXEXITS)
		snprintf(exits[nexits], sizeof exits[0], "%.300s: QEMU (pid %d) %.96s %s",
			 q->conn.desc, (int)q->qm.exit_pid, st,
			 q->idle ? "while idle between connections" : "during a connection");
	nexits++;
	pthread_mutex_unlock(&exits_lock);
}

static void destroy(struct qconn *q)
{
	/* a broken connection usually means QEMU is dying: let it finish (up to
	 * 0.5 s) so that its exit is seen as its own, not as our stop */
	for (int i = 0; q->dead && i < 100 && p9_qemu_alive(&q->qm); i++)
		usleep(5000);
	p9_qemu_stop(&q->qm);
	if (q->qm.exited_unasked && q->owner == getpid())
		note_exit(q);
	p9_virtq_free(&q->vq);
	while (q->head) {
		struct pending *p = q->head;
		q->head = p->next;
		free(p);
	}
	free(q);
}

static const struct p9_conn_ops qemu_ops = {
	.send = qemu_send, .recv = qemu_recv, .close = qemu_close,
};

/* Bring up the device and its queue in a started QEMU. */
static int bring_up(struct qconn *q, unsigned nslot, char *err, size_t cap)
{
	int rc = p9_vpci_init(&q->vp, &q->qm.qt, DEVFN, IO_BASE, err, cap);
	if (rc)
		return rc;
	if (RING_PA + p9_virtq_ring_bytes(q->vp.qsize) > BUF_PA) {
		snprintf(err, cap, "virtio-9p-pci: queue of %u entries too large", q->vp.qsize);
		return -EPROTO;
	}
	rc = p9_virtq_init(&q->vq, q->qm.ram, RING_PA, q->vp.qsize, BUF_PA,
			   q->vq.bufsz, nslot);
	if (!rc)
		rc = p9_vpci_setup_queue(&q->vp, RING_PA);
	if (!rc)
		rc = p9_vpci_driver_ok(&q->vp);
	if (rc)
		snprintf(err, cap, "virtio-9p-pci: queue set-up failed (%s)", strerror(-rc));
	return rc;
}

static int check_dir(const char *dir, char *err, size_t cap)
{
	struct stat st;
	if (stat(dir, &st)) {
		snprintf(err, cap, "qemu:%s: %s", dir, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, cap, "qemu:%s: not a directory", dir);
		return -ENOTDIR;
	}
	return 0;
}

static int qemu_dial(const char *rest, int timeout_ms, struct p9_conn **out,
		     char *err, size_t cap)
{
	struct p9_qemu_opts o;
	struct qconn *q;
	unsigned nslot;
	size_t ramsz;
	int rc = p9_qemu_opts_parse(rest, &o, err, cap);
	if (rc)
		return rc;
	if ((q = unpark(rest))) {
		*out = &q->conn;
		return 0;
	}
	if (!o.scratch && !o.synthfs && (rc = check_dir(o.dir, err, cap)))
		return rc;
	nslot = SLOTRAM / (2 * o.msize);
	nslot = nslot > MAXSLOT ? MAXSLOT : nslot < 2 ? 2 : nslot;
	ramsz = ((size_t)BUF_PA + (size_t)nslot * 2 * o.msize + (1 << 20) - 1) & ~(size_t)((1 << 20) - 1);
	if (ramsz < (32u << 20))
		ramsz = 32u << 20;
	if (!(q = calloc(1, sizeof *q)))
		return -ENOMEM;
	q->tail = &q->head;
	q->owner = getpid();
	q->vq.bufsz = o.msize;
	rc = p9_qemu_start(&q->qm, &o, o.dir, ramsz,
			   timeout_ms > START_MIN_MS ? timeout_ms : START_MIN_MS, err, cap);
	if (rc) {
		free(q);
		return rc;
	}
	q->qm.qt.timeout_ms = timeout_ms > 0 && timeout_ms < 10000 ? 10000 : timeout_ms > 0 ? timeout_ms : 30000;
	if ((rc = bring_up(q, nslot, err, cap))) {
		p9_qemu_stop(&q->qm);
		p9_virtq_free(&q->vq);
		free(q);
		return rc;
	}
	q->conn.ops = &qemu_ops;
	q->conn.rfd = q->conn.wfd = -1;
	q->conn.priv = q;
	snprintf(q->conn.desc, sizeof q->conn.desc, "qemu:%s", rest);
	*out = &q->conn;
	return 0;
}

/* ---- registration ---- */

static int qemu_check(const char *rest, char *err, size_t cap)
{
	struct p9_qemu_opts o;
	return p9_qemu_opts_parse(rest, &o, err, cap);
}

/* Runs before main.  A constructor in a static library runs only if its
 * object is linked in: targets/module.mk names this function on every link
 * line (-Wl,--undefined), the fuzz targets link every object anyway. */
__attribute__((constructor)) void p9_qemu_register(void)
{
	p9_transport_register_check("qemu", qemu_dial, qemu_check);
}

/* ---- diagnostics for 9pvirtio ---- */

int p9_qemu_conn_noop(struct p9_conn *c)
{
	if (c->ops != &qemu_ops)
		return -EINVAL;
	return p9_qtest_cmd(&Q(c)->qm.qt, NULL, 0, "readl 0x%x", RING_PA);
}

int p9_qemu_conn_info(struct p9_conn *c, char *out, size_t cap)
{
	struct qconn *q;
	if (c->ops != &qemu_ops)
		return -EINVAL;
	q = Q(c);
	snprintf(out, cap, "mount_tag %s\nhost_features 0x%08x\nqueue_size %u\n"
		 "slots %u\nmsize %u\nguest_ram %zu\nqemu_pid %d\n%s", q->vp.tag,
		 q->vp.host_features, q->vp.qsize, q->vq.nslot, q->vq.bufsz,
		 q->qm.ramsz, (int)q->qm.pid,
		 !q->qm.tmpdir[0] ? "" : q->qm.scratch_mounts ?
		 "scratch tmpfs, multidev/devA and devB on their own tmpfs\n" :
		 "scratch on disk, multidev/devA and devB on one device\n");
	return 0;
}
