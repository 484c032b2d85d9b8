/*
 * virtio.h - 9ptrace's virtio input: a running QEMU's virtio-9p queue,
 * found over QMP (qmp.c), read through the guest RAM QEMU shares in a
 * memory backend file (vring.c), decoded as a timeline (virtio.c).
 */
#ifndef TRACE_VIRTIO_H
#define TRACE_VIRTIO_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "trace.h"

/* ---- qmp.c ---- */

/* Queue 0 of the device as x-query-virtio-queue-status tells it; the
 * addresses are guest physical, 0 until the driver has set the queue up. */
struct tr_vring_info {
	uint64_t desc, avail, used;
	uint32_t num;
	uint16_t last_avail, used_idx;
};

struct tr_qmp {
	int fd;
	char buf[65536];
	size_t len;
	char line[65536];       /* the last line read */
	char path[256];         /* QOM path of the virtio-9p backend */
};

/* Connect and negotiate; 0, or -1 with the reason in err. */
int tr_qmp_open(struct tr_qmp *q, const char *path, char *err, size_t cap);
void tr_qmp_close(struct tr_qmp *q);
/* Find the virtio-9p device (q->path); 0, or -1 when there is none. */
int tr_qmp_find_9p(struct tr_qmp *q);
/* Queue 0's status; 0, or -1 (QMP error, connection lost). */
int tr_qmp_queue(struct tr_qmp *q, struct tr_vring_info *vi);
/* 0 once QEMU has closed the monitor (it exited), else 1. */
int tr_qmp_alive(struct tr_qmp *q);

/* ---- vring.c: guest RAM and the split ring, read-only ---- */

enum { TR_VQ_MAXSEG = 300 };

struct tr_gmem {
	const uint8_t *p;
	size_t size;
};

/* Map PATH (a memory backend's mem-path) read-only; 0, or -1 with err. */
int tr_gmem_map(struct tr_gmem *g, const char *path, char *err, size_t cap);
void tr_gmem_unmap(struct tr_gmem *g);
/* Copy n bytes at guest physical address gpa; 0, or -1 out of range. */
int tr_gmem_read(const struct tr_gmem *g, uint64_t gpa, void *out, size_t n);

struct tr_vseg {
	uint64_t addr;
	uint32_t len;
};

/* A descriptor chain split into what the driver gives (out: the request)
 * and what the device writes (in: room for the reply). */
struct tr_vchain {
	struct tr_vseg out[TR_VQ_MAXSEG], in[TR_VQ_MAXSEG];
	unsigned nout, nin;
	uint64_t outlen, inlen;
};

struct tr_vring {
	const struct tr_gmem *g;
	struct tr_vring_info vi;
};

/* avail->idx and used->idx; 0, or -1 if the ring is out of guest RAM. */
int tr_vring_idx(const struct tr_vring *r, uint16_t *avail, uint16_t *used);
/* avail->ring[i % num]: a chain head. */
int tr_vring_avail(const struct tr_vring *r, uint16_t i, uint16_t *head);
/* used->ring[i % num]: the head it returns and the length written. */
int tr_vring_used(const struct tr_vring *r, uint16_t i, uint32_t *id, uint32_t *len);
/* Follow the chain at head (direct or indirect descriptors); 0, or -1
 * when it leaves guest RAM, loops or has too many segments. */
int tr_vring_chain(const struct tr_vring *r, uint16_t head, struct tr_vchain *ch);
/* Concatenate up to cap bytes of segs; the bytes copied, or -1. */
long tr_vring_gather(const struct tr_gmem *g, const struct tr_vseg *segs,
		     unsigned n, uint8_t *out, size_t cap);

/* ---- virtio.c: the input ---- */

struct tr_virtio_opts {
	const char *qmp, *mem;  /* --virtio QMP,mem=PATH */
	const char *wfile;      /* -w: pcap, framed as --proxy's */
	unsigned poll_us;       /* between two looks at the rings (default 2) */
	int rt;                 /* poll under SCHED_FIFO (root) */
};

/* Split "QMP,mem=PATH[,poll=US][,rt]" (arg is modified); 0, or -1. */
int tr_virtio_parse(char *arg, struct tr_virtio_opts *vo);
/* Follow the queue until QEMU exits or *stop; an exit status (0, 2). */
int tr_virtio(struct tr *t, const struct tr_virtio_opts *vo,
	      volatile sig_atomic_t *stop);

#endif
