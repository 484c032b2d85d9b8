/*
 * virtq.c - one split virtqueue (legacy layout) in shared guest RAM.
 *
 * Owns: the descriptor table, the available ring and the used ring, laid
 * out as legacy virtio requires (used ring on the next 4 KiB boundary), and
 * the request slots: slot i is descriptor 2i (readable, the T-message)
 * chained to descriptor 2i+1 (writable, room for the reply).  Several slots
 * may be in flight; completions are taken from the used ring in the order
 * the device returns them.  Guest physical address 0 is the start of the
 * mapping.  Memory shared with QEMU is written and read with explicit
 * release/acquire ordering.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "targets/qemu.h"

enum { DESC_SZ = 16, F_NEXT = 1, F_WRITE = 2, AVAIL_F_NO_INTERRUPT = 1 };

static size_t align4k(size_t n)
{
	return (n + 4095) & ~(size_t)4095;
}

static size_t used_off(uint16_t size)
{
	return align4k((size_t)size * DESC_SZ + 6 + 2u * size);
}

size_t p9_virtq_ring_bytes(uint16_t size)
{
	return used_off(size) + align4k(6 + 8u * size);
}

static uint8_t *at(struct p9_virtq *vq, uint64_t pa)
{
	return vq->ram + pa;
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static uint8_t *avail(struct p9_virtq *vq) { return at(vq, vq->ring_pa + (size_t)vq->size * DESC_SZ); }
static uint8_t *used(struct p9_virtq *vq) { return at(vq, vq->ring_pa + used_off(vq->size)); }

int p9_virtq_init(struct p9_virtq *vq, uint8_t *ram, uint64_t ring_pa,
		  uint16_t size, uint64_t buf_pa, uint32_t bufsz, unsigned nslot)
{
	memset(vq, 0, sizeof *vq);
	vq->ram = ram;
	vq->ring_pa = ring_pa;
	vq->size = size;
	vq->buf_pa = buf_pa;
	vq->bufsz = bufsz;
	vq->nslot = nslot < size / 2u ? nslot : size / 2u;
	vq->slot = calloc(vq->nslot, sizeof *vq->slot);
	if (!vq->slot)
		return -ENOMEM;
	memset(at(vq, ring_pa), 0, p9_virtq_ring_bytes(size));
	put16(avail(vq), AVAIL_F_NO_INTERRUPT);
	return 0;
}

void p9_virtq_free(struct p9_virtq *vq)
{
	free(vq->slot);
	vq->slot = NULL;
}

static uint64_t tbuf_pa(struct p9_virtq *vq, unsigned s)
{
	return vq->buf_pa + (uint64_t)s * 2 * vq->bufsz;
}

static void set_desc(struct p9_virtq *vq, unsigned i, uint64_t pa, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	uint8_t *d = at(vq, vq->ring_pa + (size_t)i * DESC_SZ);
	put64(d, pa);
	put32(d + 8, len);
	put16(d + 12, flags);
	put16(d + 14, next);
}

int p9_virtq_add(struct p9_virtq *vq, const uint8_t *msg, size_t len)
{
	unsigned s;
	uint16_t idx;
	if (len == 0 || len > vq->bufsz)
		return -EMSGSIZE;
	for (s = 0; s < vq->nslot && vq->slot[s].busy; s++)
		;
	if (s == vq->nslot)
		return -EBUSY;
	memcpy(at(vq, tbuf_pa(vq, s)), msg, len);
	set_desc(vq, 2 * s, tbuf_pa(vq, s), (uint32_t)len, F_NEXT, (uint16_t)(2 * s + 1));
	set_desc(vq, 2 * s + 1, tbuf_pa(vq, s) + vq->bufsz, vq->bufsz, F_WRITE, 0);
	vq->slot[s].busy = 1;
	vq->slot[s].tag = len >= P9_HDRSZ ? p9_get16(msg + 5) : P9_NOTAG;
	idx = vq->avail_idx;
	put16(avail(vq) + 4 + 2u * (idx % vq->size), (uint16_t)(2 * s));
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	vq->avail_idx = (uint16_t)(idx + 1);
	__atomic_store_n((uint16_t *)(avail(vq) + 2), vq->avail_idx, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return 0;
}

int p9_virtq_poll(struct p9_virtq *vq, unsigned *slot, uint32_t *len)
{
	uint16_t idx = __atomic_load_n((uint16_t *)(used(vq) + 2), __ATOMIC_ACQUIRE);
	uint32_t id, n;
	uint8_t *e;
	if (idx == vq->used_seen)
		return 0;
	e = used(vq) + 4 + 8u * (vq->used_seen % vq->size);
	memcpy(&id, e, 4);
	memcpy(&n, e + 4, 4);
	vq->used_seen++;
	if (id % 2 || id / 2 >= vq->nslot || !vq->slot[id / 2].busy)
		return -EPROTO; /* the device returned a descriptor we never gave */
	*slot = id / 2;
	*len = n;
	return 1;
}

const uint8_t *p9_virtq_reply(struct p9_virtq *vq, unsigned slot)
{
	return at(vq, tbuf_pa(vq, slot) + vq->bufsz);
}

void p9_virtq_release(struct p9_virtq *vq, unsigned slot)
{
	if (slot < vq->nslot)
		vq->slot[slot].busy = 0;
}
