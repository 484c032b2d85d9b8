/*
 * vring.c - a guest's split virtqueue, read from outside: guest RAM
 * mapped read-only from a QEMU memory backend file, the avail and used
 * rings and descriptor chains (direct and indirect) in it.
 *
 * Owns: the guest physical -> mapping translation (an address is its
 * offset in the backend: true below the PC machine's PCI hole, which is
 * all of RAM for a guest under 3 GiB) and the split ring layout of the
 * virtio 1.x / legacy specification, little-endian (x86 guests).  Nothing
 * here writes: the mapping is PROT_READ.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "virtio.h"

enum {
	VRING_DESC_F_NEXT = 1,
	VRING_DESC_F_WRITE = 2,
	VRING_DESC_F_INDIRECT = 4,
	VRING_DESC_SIZE = 16,     /* addr[8] len[4] flags[2] next[2] */
	VRING_AVAIL_RING = 4,     /* flags[2] idx[2] ring[num] */
	VRING_USED_RING = 4,      /* flags[2] idx[2] {id[4] len[4]}[num] */
	VRING_USED_ELEM = 8,
	MAX_INDIRECT = 1024,
};

int tr_gmem_map(struct tr_gmem *g, const char *path, char *err, size_t cap)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	g->p = NULL;
	g->size = 0;
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size <= 0) {
		snprintf(err, cap, "%s: %s", path, fd < 0 ? strerror(errno) : "empty");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		snprintf(err, cap, "%s: mmap: %s", path, strerror(errno));
		return -1;
	}
	g->p = p;
	g->size = (size_t)st.st_size;
	return 0;
}

void tr_gmem_unmap(struct tr_gmem *g)
{
	if (g->p)
		munmap((void *)g->p, g->size);
	g->p = NULL;
	g->size = 0;
}

int tr_gmem_read(const struct tr_gmem *g, uint64_t gpa, void *out, size_t n)
{
	if (gpa > g->size || n > g->size - gpa)
		return -1;
	memcpy(out, g->p + gpa, n);
	return 0;
}

static int read16(const struct tr_gmem *g, uint64_t gpa, uint16_t *v)
{
	uint8_t b[2];
	if (tr_gmem_read(g, gpa, b, 2) < 0)
		return -1;
	*v = (uint16_t)(b[0] | b[1] << 8);
	return 0;
}

static int read32(const struct tr_gmem *g, uint64_t gpa, uint32_t *v)
{
	uint8_t b[4];
	if (tr_gmem_read(g, gpa, b, 4) < 0)
		return -1;
	*v = p9_get32(b);
	return 0;
}

int tr_vring_idx(const struct tr_vring *r, uint16_t *avail, uint16_t *used)
{
	if (read16(r->g, r->vi.avail + 2, avail) < 0)
		return -1;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return read16(r->g, r->vi.used + 2, used);
}

int tr_vring_avail(const struct tr_vring *r, uint16_t i, uint16_t *head)
{
	return read16(r->g, r->vi.avail + VRING_AVAIL_RING + 2u * (i % r->vi.num), head);
}

int tr_vring_used(const struct tr_vring *r, uint16_t i, uint32_t *id, uint32_t *len)
{
	uint64_t e = r->vi.used + VRING_USED_RING + (uint64_t)VRING_USED_ELEM * (i % r->vi.num);
	if (read32(r->g, e, id) < 0)
		return -1;
	return read32(r->g, e + 4, len);
}

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

static int read_desc(const struct tr_gmem *g, uint64_t table, uint32_t i, struct desc *d)
{
	uint8_t b[VRING_DESC_SIZE];
	if (tr_gmem_read(g, table + (uint64_t)i * VRING_DESC_SIZE, b, sizeof b) < 0)
		return -1;
	d->addr = (uint64_t)p9_get32(b) | (uint64_t)p9_get32(b + 4) << 32;
	d->len = p9_get32(b + 8);
	d->flags = (uint16_t)(b[12] | b[13] << 8);
	d->next = (uint16_t)(b[14] | b[15] << 8);
	return 0;
}

static int add_seg(struct tr_vchain *ch, const struct desc *d)
{
	int in = (d->flags & VRING_DESC_F_WRITE) != 0;
	unsigned *n = in ? &ch->nin : &ch->nout;
	if (*n == TR_VQ_MAXSEG)
		return -1;
	struct tr_vseg *s = in ? &ch->in[*n] : &ch->out[*n];
	s->addr = d->addr;
	s->len = d->len;
	(*n)++;
	*(in ? &ch->inlen : &ch->outlen) += d->len;
	return 0;
}

/* Walk a descriptor table of num entries from index i. */
static int walk(const struct tr_vring *r, uint64_t table, uint32_t num, uint32_t i,
		int top, struct tr_vchain *ch)
{
	for (uint32_t steps = 0; steps < num; steps++) {
		struct desc d;
		if (i >= num || read_desc(r->g, table, i, &d) < 0)
			return -1;
		if (d.flags & VRING_DESC_F_INDIRECT) {
			if (!top || d.len % VRING_DESC_SIZE || d.len / VRING_DESC_SIZE > MAX_INDIRECT ||
			    walk(r, d.addr, d.len / VRING_DESC_SIZE, 0, 0, ch) < 0)
				return -1;
		} else if (add_seg(ch, &d) < 0) {
			return -1;
		}
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		i = d.next;
	}
	return -1;  /* a loop */
}

int tr_vring_chain(const struct tr_vring *r, uint16_t head, struct tr_vchain *ch)
{
	ch->nout = ch->nin = 0;
	ch->outlen = ch->inlen = 0;
	return walk(r, r->vi.desc, r->vi.num, head, 1, ch);
}

long tr_vring_gather(const struct tr_gmem *g, const struct tr_vseg *segs,
		     unsigned n, uint8_t *out, size_t cap)
{
	size_t got = 0;
	for (unsigned i = 0; i < n && got < cap; i++) {
		size_t k = segs[i].len < cap - got ? segs[i].len : cap - got;
		if (tr_gmem_read(g, segs[i].addr, out + got, k) < 0)
			return -1;
		got += k;
	}
	return (long)got;
}
