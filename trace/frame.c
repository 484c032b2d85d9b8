/*
 * frame.c - from a captured link-layer frame to a TCP segment.
 *
 * Owns: link types EN10MB (with 802.1Q tags), LINUX_SLL, LINUX_SLL2,
 * NULL/LOOP, RAW/IPV4/IPV6; IPv4 (fragments are ignored) and IPv6 (with
 * hop-by-hop, routing and destination option headers); the TCP header.
 * Every read is bounds-checked against the captured length; the payload
 * length comes from the IP length so Ethernet padding is never data.
 */
#include <pcap/dlt.h>
#include <string.h>

#include "trace.h"

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int tcp(const uint8_t *p, uint32_t cap, uint32_t wire, struct tr_pkt *o)
{
	if (cap < 20)
		return -1;
	uint32_t hl = (uint32_t)(p[12] >> 4) * 4;
	if (hl < 20 || hl > cap || hl > wire)
		return -1;
	o->sport = be16(p);
	o->dport = be16(p + 2);
	o->seq = be32(p + 4);
	o->flags = (uint8_t)((p[13] & 0x02 ? TR_SYN : 0) | (p[13] & 0x01 ? TR_FIN : 0) |
			     (p[13] & 0x04 ? TR_RST : 0));
	o->data = p + hl;
	o->len = cap - hl;
	o->wirelen = wire - hl;
	if (o->len > o->wirelen)
		o->len = o->wirelen;
	return 0;
}

static int ipv4(const uint8_t *p, uint32_t cap, struct tr_pkt *o)
{
	if (cap < 20 || p[0] >> 4 != 4)
		return -1;
	uint32_t hl = (uint32_t)(p[0] & 15) * 4, tot = be16(p + 2);
	if (hl < 20 || hl > cap || tot < hl || p[9] != 6)
		return -1;
	if ((be16(p + 6) & 0x3fff) != 0) /* a fragment */
		return -1;
	o->family = 4;
	memset(o->src, 0, 32);
	memcpy(o->src, p + 12, 4);
	memcpy(o->dst, p + 16, 4);
	uint32_t c = cap < tot ? cap : tot;
	return tcp(p + hl, c - hl, tot - hl, o);
}

static int ipv6(const uint8_t *p, uint32_t cap, struct tr_pkt *o)
{
	if (cap < 40 || p[0] >> 4 != 6)
		return -1;
	uint32_t wire = 40u + be16(p + 4), off = 40;
	uint8_t nh = p[6];
	o->family = 6;
	memcpy(o->src, p + 8, 16);
	memcpy(o->dst, p + 24, 16);
	while (nh == 0 || nh == 43 || nh == 60) { /* skip option headers */
		if (off + 8 > cap)
			return -1;
		nh = p[off];
		off += 8u + p[off + 1] * 8u;
	}
	if (nh != 6 || off > cap || off > wire)
		return -1;
	uint32_t c = cap < wire ? cap : wire;
	return tcp(p + off, c - off, wire - off, o);
}

static int ip_by_version(const uint8_t *p, uint32_t cap, struct tr_pkt *o)
{
	if (cap < 1)
		return -1;
	return p[0] >> 4 == 4 ? ipv4(p, cap, o) : ipv6(p, cap, o);
}

static int by_ethertype(uint16_t et, const uint8_t *p, uint32_t cap, struct tr_pkt *o)
{
	if (et == 0x0800)
		return ipv4(p, cap, o);
	if (et == 0x86dd)
		return ipv6(p, cap, o);
	return -1;
}

int tr_parse_frame(int dlt, const uint8_t *p, uint32_t cap, struct tr_pkt *o)
{
	uint32_t fam;
	uint16_t et;
	switch (dlt) {
	case DLT_EN10MB:
		if (cap < 14)
			return -1;
		et = be16(p + 12);
		p += 14;
		cap -= 14;
		while ((et == 0x8100 || et == 0x88a8) && cap >= 4) {
			et = be16(p + 2);
			p += 4;
			cap -= 4;
		}
		return by_ethertype(et, p, cap, o);
	case DLT_LINUX_SLL:
		if (cap < 16)
			return -1;
		return by_ethertype(be16(p + 14), p + 16, cap - 16, o);
	case DLT_LINUX_SLL2:
		if (cap < 20)
			return -1;
		return by_ethertype(be16(p), p + 20, cap - 20, o);
	case DLT_NULL:
	case DLT_LOOP:
		if (cap < 4)
			return -1;
		if (dlt == DLT_LOOP)
			fam = be32(p);
		else
			memcpy(&fam, p, 4);
		if (fam > 0xffff) /* other byte order than ours */
			fam = __builtin_bswap32(fam);
		if (fam == 2)
			return ipv4(p + 4, cap - 4, o);
		if (fam == 10 || fam == 24 || fam == 28 || fam == 30)
			return ipv6(p + 4, cap - 4, o);
		return -1;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		return ip_by_version(p, cap, o);
	default:
		return -1;
	}
}
