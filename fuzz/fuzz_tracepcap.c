/*
 * fuzz_tracepcap.c - libFuzzer target: 9ptrace's whole offline path.
 *
 * Input: the bytes of a pcap or pcapng file.  It is read by libpcap from
 * memory (fmemopen + pcap_fopen_offline) and goes through what
 * `9ptrace -r FILE --check` does (trace/capture.c tr_capture_read, frame.c,
 * tcp.c, stream.c, state.c, check.c, output.c): link/IP/TCP parsing,
 * reassembly, 9P framing and dialect detection, decoding, request/reply
 * pairing, the --check rules, then the --stats tables.  Lines go to
 * /dev/null (one FILE for the process), with -x hex dumps, so the printers
 * run too; the input's last byte picks JSON (bit 0) and the filters
 * --errors-only (1), --type (2), --path /rw (3) and --fid 1 (4).
 *
 * Checked: no crash, leak, hang or sanitizer report; memory stays bounded
 * (a giant claimed size allocates nothing giant: libFuzzer's -rss_limit_mb
 * and -malloc_limit_mb fail the run otherwise); no more messages are
 * counted than the input has bytes for (7 bytes at least each).
 */
/* fuzz-modules: trace */
#include <stdio.h>
#include <stdlib.h>

#include "trace/capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *out;
	char err[PCAP_ERRBUF_SIZE + 256];
	struct tr_opts o = { .check = 1, .hex = 1, .autodetect = 1, .nports = 1,
			     .ports = { 564 } };
	struct tr_capture_opts co = { .file = "fuzz.pcap" };
	volatile sig_atomic_t stop = 0, report = 0;
	struct tr t;
	FILE *f;
	pcap_t *pc;

	if (!out && !(out = fopen("/dev/null", "w")))
		abort();
	if (!size || !(f = fmemopen((void *)data, size, "rb")))
		return 0;
	pc = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, err);
	if (!pc) {
		fclose(f); /* not taken over on failure */
		return 0;
	}
	/* the last byte picks the output options (the file's last record is
	 * rarely what makes a capture interesting) */
	o.json = data[size - 1] & 1;
	o.errors_only = (data[size - 1] >> 1) & 1;
	if (data[size - 1] & 4)
		tr_parse_types(&o, "Twalk,Rread,readdir,lopen");
	if (data[size - 1] & 8)
		o.path = "/rw";
	if (data[size - 1] & 16) {
		o.has_fid = 1;
		o.fid = 1;
	}
	tr_init(&t, &o, out);
	tr_capture_read(&t, pc, &co, &stop, &report, err, sizeof err);
	tr_finish(&t);
	tr_stats_print(&t, out);
	if (t.nmsgs > size / 7)
		abort(); /* messages made out of nothing */
	tr_fini(&t);
	pcap_close(pc); /* closes f */
	return 0;
}
