/*
 * gencap.c - trace-gencap: write a pcap of N 9P2000.L messages for the
 * 9ptrace benchmark (bench/trace-perf.sh).
 *
 * usage: trace-gencap FILE [MESSAGES] [CONNECTIONS]
 * Each connection starts with a handshake, Tversion and Tattach, then
 * rounds of walk, getattr, lopen, read (256 bytes), readdir (8 entries)
 * and clunk, every message in its own TCP segment on port 564, 20us apart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace/capture.h"

static pcap_dumper_t *dump;
static uint64_t ts = 1700000000ull * 1000000000ull;
static uint64_t written;

static void put(struct tr_pcapw_flow *f, int dir, struct p9_msg m)
{
	static uint8_t b[65536];
	long n = p9_encode(&m, P9_DL, b, sizeof b);
	if (n < 0) {
		fprintf(stderr, "trace-gencap: encode %s failed\n", p9_typename(m.type));
		exit(2);
	}
	ts += 20000;
	tr_pcapw_segment(dump, f, dir, 0x18, b, (size_t)n, ts);
	written++;
}

static void round_trip(struct tr_pcapw_flow *f, unsigned i)
{
	static uint8_t data[256], ents[1024];
	static size_t nents;
	char name[32];
	uint16_t tag = (uint16_t)(1 + i % 60000);
	uint32_t fid = 1 + i % 1000;
	if (!nents) {
		for (int k = 0; k < 8; k++) {
			char en[16];
			snprintf(en, sizeof en, "file%d", k);
			struct p9_dirent e = { .qid = { 0, 1, (uint64_t)(100 + k) },
					       .offset = (uint64_t)(k + 1), .type = 8,
					       .name = p9_s(en) };
			nents += (size_t)p9_dirent_put(ents + nents, sizeof ents - nents, &e);
		}
		memset(data, 'x', sizeof data);
	}
	snprintf(name, sizeof name, "file%u", i % 8);
	struct p9_msg w = { .type = P9_TWALK, .tag = tag, .fid = 0, .newfid = fid, .nwname = 2 };
	w.wname[0] = p9_s("dir");
	w.wname[1] = p9_s(name);
	put(f, 0, w);
	struct p9_msg rw = { .type = P9_RWALK, .tag = tag, .nwqid = 2 };
	rw.wqid[0] = (struct p9_qid){ P9_QTDIR, 1, 2 };
	rw.wqid[1] = (struct p9_qid){ 0, 1, 100 + i % 8 };
	put(f, 1, rw);
	put(f, 0, (struct p9_msg){ .type = P9_TGETATTR, .tag = tag, .fid = fid,
				   .request_mask = P9_GETATTR_BASIC });
	put(f, 1, (struct p9_msg){ .type = P9_RGETATTR, .tag = tag, .valid = P9_GETATTR_BASIC,
				   .qid = { 0, 1, 100 + i % 8 }, .lmode = 0100644,
				   .nlink = 1, .size = 256, .blksize = 4096, .blocks = 1 });
	put(f, 0, (struct p9_msg){ .type = P9_TLOPEN, .tag = tag, .fid = fid });
	put(f, 1, (struct p9_msg){ .type = P9_RLOPEN, .tag = tag, .qid = { 0, 1, 100 },
				   .iounit = 0 });
	put(f, 0, (struct p9_msg){ .type = P9_TREAD, .tag = tag, .fid = fid, .count = 4096 });
	put(f, 1, (struct p9_msg){ .type = P9_RREAD, .tag = tag, .count = sizeof data,
				   .data = data });
	put(f, 0, (struct p9_msg){ .type = P9_TREADDIR, .tag = tag, .fid = fid, .count = 8192 });
	put(f, 1, (struct p9_msg){ .type = P9_RREADDIR, .tag = tag, .count = (uint32_t)nents,
				   .data = ents });
	put(f, 0, (struct p9_msg){ .type = P9_TCLUNK, .tag = tag, .fid = fid });
	put(f, 1, (struct p9_msg){ .type = P9_RCLUNK, .tag = tag });
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help")) {
		printf("usage: trace-gencap FILE [MESSAGES] [CONNECTIONS]\n");
		return argc < 2 ? 2 : 0;
	}
	uint64_t want = argc > 2 ? strtoull(argv[2], NULL, 10) : 400000;
	unsigned nconn = argc > 3 ? (unsigned)atoi(argv[3]) : 4;
	if (nconn < 1 || nconn > 1000)
		nconn = 4;
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 262144);
	dump = dead ? pcap_dump_open(dead, argv[1]) : NULL;
	if (!dump) {
		fprintf(stderr, "trace-gencap: %s: %s\n", argv[1],
			dead ? pcap_geterr(dead) : "pcap_open_dead failed");
		return 2;
	}
	struct tr_pcapw_flow *fl = calloc(nconn, sizeof *fl);
	if (!fl)
		return 2;
	for (unsigned c = 0; c < nconn; c++) {
		tr_pcapw_flow_init(&fl[c], c);
		tr_pcapw_segment(dump, &fl[c], 0, 0x02, NULL, 0, ts);
		tr_pcapw_segment(dump, &fl[c], 1, 0x12, NULL, 0, ts);
		tr_pcapw_segment(dump, &fl[c], 0, 0x10, NULL, 0, ts);
		put(&fl[c], 0, (struct p9_msg){ .type = P9_TVERSION, .tag = P9_NOTAG,
						.msize = 131072, .version = p9_s("9P2000.L") });
		put(&fl[c], 1, (struct p9_msg){ .type = P9_RVERSION, .tag = P9_NOTAG,
						.msize = 131072, .version = p9_s("9P2000.L") });
		put(&fl[c], 0, (struct p9_msg){ .type = P9_TATTACH, .tag = 0, .fid = 0,
						.afid = P9_NOFID, .uname = p9_s("root"),
						.aname = p9_s("/"), .n_uname = 0 });
		put(&fl[c], 1, (struct p9_msg){ .type = P9_RATTACH, .tag = 0,
						.qid = { P9_QTDIR, 0, 1 } });
	}
	for (unsigned i = 0; written + 12 <= want; i++)
		round_trip(&fl[i % nconn], i / nconn);
	pcap_dump_close(dump);
	pcap_close(dead);
	free(fl);
	printf("trace-gencap: %s: %llu messages on %u connections\n", argv[1],
	       (unsigned long long)written, nconn);
	return 0;
}
