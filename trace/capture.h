/*
 * capture.h - libpcap input for 9ptrace (capture.c) and the proxy (proxy.c).
 */
#ifndef TRACE_CAPTURE_H
#define TRACE_CAPTURE_H

#include <pcap/pcap.h>
#include <signal.h>

#include "trace.h"

struct tr_capture_opts {
	const char *iface;   /* live */
	const char *file;    /* -r */
	const char *filter;  /* -f, default "tcp" */
	uint64_t count;      /* stop after this many messages (0: no limit) */
};

/* Read until the end of the file, *stop, or an error.  *report asks for a
 * drop report now (live).  Returns an exit status (0, 2). */
int tr_capture(struct tr *t, const struct tr_capture_opts *co,
	       volatile sig_atomic_t *stop, volatile sig_atomic_t *report);
/* The same on a source already open (tests, fuzzing: a file in memory
 * through pcap_fopen_offline); co->file says it is a file (any non-NULL).
 * Returns 0, or 2 with the reason in err.  The caller closes pc. */
int tr_capture_read(struct tr *t, pcap_t *pc, const struct tr_capture_opts *co,
		    volatile sig_atomic_t *stop, volatile sig_atomic_t *report,
		    char *err, size_t cap);

/* proxy.c */
struct tr_proxy_opts {
	const char *listen, *target;
	const char *wfile;   /* -w: pcap of the relayed bytes */
	int once;            /* serve one client, then exit */
};
int tr_proxy(struct tr *t, const struct tr_proxy_opts *po, volatile sig_atomic_t *stop);

/* pcapw.c: synthesized Ethernet/IPv4/TCP framing; dir 0 is client -> server;
 * flags are TCP flags (0x02 SYN, 0x10 ACK, 0x18 PSH|ACK, 0x11 FIN|ACK). */
struct tr_pcapw_flow {
	uint32_t seq[2];
	uint16_t cport;
};
void tr_pcapw_flow_init(struct tr_pcapw_flow *f, unsigned n);
void tr_pcapw_segment(pcap_dumper_t *d, struct tr_pcapw_flow *f, int dir,
		      uint8_t flags, const uint8_t *p, size_t n, uint64_t ts_ns);
/* A pcap file of Ethernet frames to write: the dumper (and *dead, its
 * pcap_t), or NULL with the reason in err; tr_pcapw_close closes both. */
pcap_dumper_t *tr_pcapw_open(const char *file, pcap_t **dead, char *err, size_t cap);
void tr_pcapw_close(pcap_dumper_t *d, pcap_t *dead);

/* qemulog.c */
int tr_qemu_log(struct tr *t, const char *file);

#endif
