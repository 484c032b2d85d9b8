/*
 * pcapw.c - writing 9P byte streams as a pcap Wireshark reads as 9P.
 *
 * Owns: the synthesized framing: each flow n is Ethernet + IPv4 + TCP from
 * 10.0.0.1:(40000 + n % 20000) to 10.0.0.2:564, with sequence and
 * acknowledgement numbers, valid IP and TCP checksums, and payloads cut at
 * 32 KiB per segment.  Used by --proxy -w and the benchmark generator.
 */
#include <string.h>

#include "capture.h"

enum { SEGMAX = 32768 };

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void tr_pcapw_flow_init(struct tr_pcapw_flow *f, unsigned n)
{
	f->cport = (uint16_t)(40000 + n % 20000);
	f->seq[0] = 1000;
	f->seq[1] = 500000;
}

static void one(pcap_dumper_t *d, struct tr_pcapw_flow *fl, int dir, uint8_t flags,
		const uint8_t *p, size_t n, uint64_t ts)
{
	static const uint8_t mac[2][6] = { { 2, 0, 0, 0, 0, 1 }, { 2, 0, 0, 0, 0, 2 } };
	static const uint8_t ip[2][4] = { { 10, 0, 0, 1 }, { 10, 0, 0, 2 } };
	uint8_t f[54 + SEGMAX];
	memcpy(f, mac[!dir], 6);
	memcpy(f + 6, mac[dir], 6);
	put16(f + 12, 0x0800);
	uint8_t *iph = f + 14, *th = iph + 20;
	memset(iph, 0, 40);
	iph[0] = 0x45;
	put16(iph + 2, (uint16_t)(40 + n));
	iph[6] = 0x40; /* DF */
	iph[8] = 64;
	iph[9] = 6;
	memcpy(iph + 12, ip[dir], 4);
	memcpy(iph + 16, ip[!dir], 4);
	put16(iph + 10, csum_fold(csum_add(0, iph, 20)));
	put16(th, dir ? 564 : fl->cport);
	put16(th + 2, dir ? fl->cport : 564);
	put32(th + 4, fl->seq[dir]);
	put32(th + 8, (flags & 0x10) ? fl->seq[!dir] : 0);
	th[12] = 5 << 4;
	th[13] = flags;
	put16(th + 14, 65535);
	if (n)
		memcpy(th + 20, p, n);
	uint8_t pseudo[12];
	memcpy(pseudo, iph + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = 6;
	put16(pseudo + 10, (uint16_t)(20 + n));
	put16(th + 16, csum_fold(csum_add(csum_add(0, pseudo, 12), th, 20 + n)));
	struct pcap_pkthdr h;
	h.ts.tv_sec = (time_t)(ts / 1000000000u);
	h.ts.tv_usec = (suseconds_t)(ts / 1000 % 1000000);
	h.caplen = h.len = (bpf_u_int32)(54 + n);
	pcap_dump((u_char *)d, &h, f);
	fl->seq[dir] += (uint32_t)n + ((flags & 0x03) ? 1u : 0u);
}

void tr_pcapw_segment(pcap_dumper_t *d, struct tr_pcapw_flow *fl, int dir,
		      uint8_t flags, const uint8_t *p, size_t n, uint64_t ts)
{
	do {
		size_t k = n < SEGMAX ? n : SEGMAX;
		one(d, fl, dir, flags, p, k, ts);
		p += k;
		n -= k;
	} while (n);
}

pcap_dumper_t *tr_pcapw_open(const char *file, pcap_t **dead, char *err, size_t cap)
{
	pcap_dumper_t *d;
	*dead = pcap_open_dead(DLT_EN10MB, 262144);
	d = *dead ? pcap_dump_open(*dead, file) : NULL;
	if (!d) {
		snprintf(err, cap, "%s: %s", file,
			 *dead ? pcap_geterr(*dead) : "pcap_open_dead failed");
		if (*dead)
			pcap_close(*dead);
		*dead = NULL;
	}
	return d;
}

void tr_pcapw_close(pcap_dumper_t *d, pcap_t *dead)
{
	if (d)
		pcap_dump_close(d);
	if (dead)
		pcap_close(dead);
}
