/*
 * capture.c - libpcap input: a live interface or a capture file.
 *
 * Owns: opening the source (pcap and pcapng files, any link type
 * frame.c knows), the BPF filter, the read loop that hands each TCP
 * segment to tr_packet, and reporting capture drops (pcap_stats) at the
 * end and when interrupted.
 */
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "capture.h"

struct loop {
	struct tr *t;
	int dlt;
	int nano;
	uint64_t frames, nottcp;
};

static void on_frame(u_char *arg, const struct pcap_pkthdr *h, const u_char *p)
{
	struct loop *l = (struct loop *)arg;
	struct tr_pkt pk;
	l->frames++;
	if (tr_parse_frame(l->dlt, p, h->caplen, &pk) < 0) {
		l->nottcp++;
		return;
	}
	uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000u +
		      (uint64_t)h->ts.tv_usec * (l->nano ? 1u : 1000u);
	tr_packet(l->t, ts, &pk);
}

static pcap_t *open_live(const char *iface, char *err)
{
	pcap_t *pc = pcap_create(iface, err);
	if (!pc)
		return NULL;
	pcap_set_snaplen(pc, 262144);
	pcap_set_promisc(pc, 0);
	pcap_set_timeout(pc, 100);
	pcap_set_buffer_size(pc, 64 << 20);
	pcap_set_tstamp_precision(pc, PCAP_TSTAMP_PRECISION_NANO);
	int rc = pcap_activate(pc);
	if (rc < 0) {
		snprintf(err, PCAP_ERRBUF_SIZE, "%s: %s", iface, pcap_geterr(pc));
		pcap_close(pc);
		return NULL;
	}
	return pc;
}

static void capture_drops(pcap_t *pc, FILE *f)
{
	struct pcap_stat st;
	if (pcap_stats(pc, &st) == 0)
		fprintf(f, "9ptrace: %u packets received, %u dropped by the kernel, %u by the interface\n",
			st.ps_recv, st.ps_drop, st.ps_ifdrop);
}

int tr_capture(struct tr *t, const struct tr_capture_opts *co,
	       volatile sig_atomic_t *stop, volatile sig_atomic_t *report)
{
	char err[PCAP_ERRBUF_SIZE + 256] = "";
	pcap_t *pc;
	if (co->file)
		pc = pcap_open_offline_with_tstamp_precision(co->file,
							     PCAP_TSTAMP_PRECISION_NANO, err);
	else
		pc = open_live(co->iface, err);
	if (!pc) {
		fprintf(stderr, "9ptrace: %s\n", err);
		return 2;
	}
	int rc = tr_capture_read(t, pc, co, stop, report, err, sizeof err);
	if (rc)
		fprintf(stderr, "9ptrace: %s\n", err);
	pcap_close(pc);
	return rc;
}

int tr_capture_read(struct tr *t, pcap_t *pc, const struct tr_capture_opts *co,
		    volatile sig_atomic_t *stop, volatile sig_atomic_t *report,
		    char *err, size_t cap)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct loop l = { .t = t };
	l.nano = pcap_get_tstamp_precision(pc) == PCAP_TSTAMP_PRECISION_NANO;
	l.dlt = pcap_datalink(pc);
	const char *filter = co->filter ? co->filter : "tcp";
	struct bpf_program prog;
	if (pcap_compile(pc, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0 ||
	    pcap_setfilter(pc, &prog) < 0) {
		snprintf(err, cap, "filter '%s': %s", filter, pcap_geterr(pc));
		return 2;
	}
	pcap_freecode(&prog);
	if (!co->file) /* ready: the filter is in place */
		fprintf(stderr, "9ptrace: capturing on %s\n", co->iface);
	int rc = 0, fd = -1;
	if (!co->file && pcap_setnonblock(pc, 1, perr) == 0)
		fd = pcap_get_selectable_fd(pc);
	while (!*stop) {
		if (fd >= 0) { /* wake up for signals even when no packets come */
			struct pollfd pf = { .fd = fd, .events = POLLIN };
			if (poll(&pf, 1, 100) == 0)
				continue;
		}
		int n = pcap_dispatch(pc, 4096, on_frame, (u_char *)&l);
		if (n == PCAP_ERROR) {
			snprintf(err, cap, "%s", pcap_geterr(pc));
			rc = 2;
			break;
		}
		if (report && *report && !co->file) {
			*report = 0;
			capture_drops(pc, stderr);
		}
		if (n == 0 && co->file)
			break;
		if (co->count && t->nmsgs >= co->count)
			break;
	}
	fflush(t->out);
	if (!co->file)
		capture_drops(pc, stderr);
	return rc;
}
