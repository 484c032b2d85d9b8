/*
 * main.c - 9ptrace: decode live 9P traffic into a readable timeline.
 *
 * Owns: the command line, signals, and choosing the input (live capture,
 * capture file, proxy, QEMU trace log).
 */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"

static volatile sig_atomic_t stop, report;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		report = 1;
	else
		stop = 1;
}

static void usage(FILE *f)
{
	fputs("usage: 9ptrace [-i IFACE | -r FILE | --proxy LISTEN=TARGET | --qemu-log FILE]\n"
	      "               [-f BPF] [-p PORT,...] [--no-detect] [-c COUNT]\n"
	      "               [--json] [-x] [--check] [--stats] [-w FILE] [--once]\n"
	      "               [--fid N] [--path PREFIX] [--type T,...] [--errors-only]\n"
	      "Decode 9P (9P2000, .u, .L) from the wire into one line per message.\n"
	      "  -i IFACE        live capture (default lo); needs CAP_NET_RAW\n"
	      "  -r FILE         read a pcap or pcapng file\n"
	      "  -f BPF          capture filter (default \"tcp\")\n"
	      "  -p PORTS        9P server ports (default 564); other ports are 9P when a\n"
	      "                  flow starts with a Tversion (unless --no-detect)\n"
	      "  -c COUNT        stop after COUNT messages\n"
	      "  --proxy L=T     relay clients on L (unix:PATH, tcp:HOST:PORT) to target T\n"
	      "                  (any 9pkit target) and decode both directions\n"
	      "  -w FILE         with --proxy: write the relayed bytes as a pcap (port 564)\n"
	      "  --once          with --proxy: exit when the first client is done\n"
	      "  --qemu-log FILE read QEMU -trace 'v9fs_*' output\n"
	      "  --json          one JSON object per message\n"
	      "  -x              hex dump of each message\n"
	      "  --check         passive conformance warnings (exit 1 if any)\n"
	      "  --stats         only a per-type and per-path table at the end\n"
	      "  --fid N, --path PREFIX, --type Twalk,Rread,walk, --errors-only   filters\n"
	      "Lines: TIME cN -> Tmsg ... | TIME cN <- Rmsg ... (LATENCY); '##' notes, '!!' warnings.\n",
	      f);
}

static int parse_ports(struct tr_opts *o, char *s)
{
	for (char *save = NULL, *w = strtok_r(s, ",", &save); w;
	     w = strtok_r(NULL, ",", &save)) {
		char *end;
		long v = strtol(w, &end, 10);
		if (*end || v <= 0 || v > 65535 || o->nports == 32)
			return -1;
		o->ports[o->nports++] = (uint16_t)v;
	}
	return 0;
}

enum { O_JSON = 256, O_CHECK, O_STATS, O_FID, O_PATH, O_TYPE, O_ERRORS, O_PROXY,
       O_QEMU, O_ONCE, O_NODETECT };

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, 0, 'h' }, { "json", no_argument, 0, O_JSON },
		{ "check", no_argument, 0, O_CHECK }, { "stats", no_argument, 0, O_STATS },
		{ "fid", required_argument, 0, O_FID }, { "path", required_argument, 0, O_PATH },
		{ "type", required_argument, 0, O_TYPE },
		{ "errors-only", no_argument, 0, O_ERRORS },
		{ "proxy", required_argument, 0, O_PROXY },
		{ "qemu-log", required_argument, 0, O_QEMU },
		{ "once", no_argument, 0, O_ONCE },
		{ "no-detect", no_argument, 0, O_NODETECT },
		{ 0, 0, 0, 0 } };
	struct tr_opts o = { .autodetect = 1 };
	struct tr_capture_opts co = { .iface = "lo" };
	struct tr_proxy_opts po = { 0 };
	const char *proxy = NULL, *qlog = NULL;
	int c, userports = 0;
	o.ports[o.nports++] = 564;
	opterr = 0; /* one line of our own, below */
	while ((c = getopt_long(argc, argv, "hi:r:f:p:c:w:x", lo, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'h': usage(stdout); return 0;
		case 'i': co.iface = optarg; break;
		case 'r': co.file = optarg; break;
		case 'f': co.filter = optarg; break;
		case 'p':
			if (!userports)
				o.nports = 0;
			userports = 1;
			if (parse_ports(&o, optarg) < 0) {
				fprintf(stderr, "9ptrace: bad port list '%s'\n", optarg);
				return 2;
			}
			break;
		case 'c': co.count = strtoull(optarg, NULL, 10); break;
		case 'w': po.wfile = optarg; break;
		case 'x': o.hex = 1; break;
		case O_JSON: o.json = 1; break;
		case O_CHECK: o.check = 1; break;
		case O_STATS: o.stats = o.quiet = 1; break;
		case O_FID:
			o.fid = (uint32_t)strtoul(optarg, &end, 0);
			if (*end) {
				fprintf(stderr, "9ptrace: bad fid '%s'\n", optarg);
				return 2;
			}
			o.has_fid = 1;
			break;
		case O_PATH: o.path = optarg; break;
		case O_TYPE:
			if (tr_parse_types(&o, optarg) < 0) {
				fprintf(stderr, "9ptrace: unknown message type in '%s'\n", optarg);
				return 2;
			}
			break;
		case O_ERRORS: o.errors_only = 1; break;
		case O_PROXY: proxy = optarg; break;
		case O_QEMU: qlog = optarg; break;
		case O_ONCE: po.once = 1; break;
		case O_NODETECT: o.autodetect = 0; break;
		default:
			fprintf(stderr, "9ptrace: bad option or missing value: %s "
				"(see --help)\n", argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "9ptrace: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (po.wfile && !proxy) {
		fprintf(stderr, "9ptrace: -w needs --proxy\n");
		return 2;
	}
	static char obuf[1 << 20];
	setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct tr t;
	tr_init(&t, &o, stdout);
	int rc;
	if (proxy) {
		char *eq = strchr(proxy, '=');
		if (!eq) {
			fprintf(stderr, "9ptrace: --proxy wants LISTEN=TARGET\n");
			tr_fini(&t);
			return 2;
		}
		static char lbuf[512];
		snprintf(lbuf, sizeof lbuf, "%.*s", (int)(eq - proxy), proxy);
		po.listen = lbuf;
		po.target = eq + 1;
		rc = tr_proxy(&t, &po, &stop);
	} else if (qlog) {
		rc = tr_qemu_log(&t, qlog);
	} else {
		rc = tr_capture(&t, &co, &stop, &report);
	}
	tr_finish(&t);
	if (o.stats)
		tr_stats_print(&t, stdout);
	fflush(stdout);
	if (rc == 0 && o.check && t.nwarn)
		rc = 1;
	tr_fini(&t);
	return rc;
}
