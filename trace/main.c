/*
 * main.c - 9ptrace: decode live 9P traffic into a readable timeline.
 *
 * Owns: the command line (parse_args), set-up (output buffer, signals),
 * choosing the input (live capture, capture file, proxy, QEMU trace log,
 * a running QEMU's virtqueue)
 * and the summary at the end (--stats, --check's exit status).
 */
#include <err.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "virtio.h"

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
	fputs("usage: 9ptrace [-i IFACE | -r FILE | --proxy LISTEN=TARGET | --qemu-log FILE |\n"
	      "                --virtio QMP,mem=PATH]\n"
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
	      "  -w FILE         with --proxy or --virtio: write the messages as a pcap (port 564)\n"
	      "  --once          with --proxy: exit when the first client is done\n"
	      "  --qemu-log FILE read QEMU -trace 'v9fs_*' output\n"
	      "  --virtio QMP,mem=PATH  follow a running QEMU's virtio-9p queue: its QMP\n"
	      "                  socket and its guest RAM (memory-backend-file mem-path)\n"
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
       O_QEMU, O_ONCE, O_NODETECT, O_VIRTIO };

/* What the command line asks for. */
struct args {
	struct tr_opts o;
	struct tr_capture_opts co;
	struct tr_proxy_opts po;
	struct tr_virtio_opts vo;
	const char *proxy, *qlog;
	char *virtio;
	int userports;
};

/* One line on stderr; the exit status of a usage error. */
static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	return 2;
}

/* --proxy LISTEN=TARGET */
static int split_proxy(struct args *a)
{
	static char lbuf[512];
	char *eq = strchr(a->proxy, '=');
	if (!eq)
		return usage_error("--proxy wants LISTEN=TARGET");
	snprintf(lbuf, sizeof lbuf, "%.*s", (int)(eq - a->proxy), a->proxy);
	a->po.listen = lbuf;
	a->po.target = eq + 1;
	return 0;
}

/* One option with its value; 0, or an exit status. */
static int option(struct args *a, int c, char *arg, char **argv)
{
	char *end;
	switch (c) {
	case 'h': usage(stdout); return -1;
	case 'i': a->co.iface = arg; break;
	case 'r': a->co.file = arg; break;
	case 'f': a->co.filter = arg; break;
	case 'p':
		if (!a->userports)
			a->o.nports = 0;
		a->userports = 1;
		if (parse_ports(&a->o, arg) < 0)
			return usage_error("bad port list '%s'", arg);
		break;
	case 'c': a->co.count = strtoull(arg, NULL, 10); break;
	case 'w': a->po.wfile = arg; break;
	case 'x': a->o.hex = 1; break;
	case O_JSON: a->o.json = 1; break;
	case O_CHECK: a->o.check = 1; break;
	case O_STATS: a->o.stats = a->o.quiet = 1; break;
	case O_FID:
		a->o.fid = (uint32_t)strtoul(arg, &end, 0);
		if (*end)
			return usage_error("bad fid '%s'", arg);
		a->o.has_fid = 1;
		break;
	case O_PATH: a->o.path = arg; break;
	case O_TYPE:
		if (tr_parse_types(&a->o, arg) < 0)
			return usage_error("unknown message type in '%s'", arg);
		break;
	case O_ERRORS: a->o.errors_only = 1; break;
	case O_PROXY: a->proxy = arg; break;
	case O_QEMU: a->qlog = arg; break;
	case O_VIRTIO: a->virtio = arg; break;
	case O_ONCE: a->po.once = 1; break;
	case O_NODETECT: a->o.autodetect = 0; break;
	default:
		return usage_error("bad option or missing value: %s (see --help)",
				   argv[optind - 1]);
	}
	return 0;
}

/* 0, -1 after --help, or an exit status for a usage error. */
static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option lo[] = {
		{ "help", no_argument, 0, 'h' }, { "json", no_argument, 0, O_JSON },
		{ "check", no_argument, 0, O_CHECK }, { "stats", no_argument, 0, O_STATS },
		{ "fid", required_argument, 0, O_FID }, { "path", required_argument, 0, O_PATH },
		{ "type", required_argument, 0, O_TYPE },
		{ "errors-only", no_argument, 0, O_ERRORS },
		{ "proxy", required_argument, 0, O_PROXY },
		{ "qemu-log", required_argument, 0, O_QEMU },
		{ "virtio", required_argument, 0, O_VIRTIO },
		{ "once", no_argument, 0, O_ONCE },
		{ "no-detect", no_argument, 0, O_NODETECT },
		{ 0, 0, 0, 0 } };
	int c, rc;
	a->o.autodetect = 1;
	a->co.iface = "lo";
	a->o.ports[a->o.nports++] = 564;
	opterr = 0; /* one line of our own, below */
	while ((c = getopt_long(argc, argv, "hi:r:f:p:c:w:x", lo, NULL)) != -1)
		if ((rc = option(a, c, optarg, argv)) != 0)
			return rc;
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (a->po.wfile && !a->proxy && !a->virtio)
		return usage_error("-w needs --proxy or --virtio");
	if (a->virtio) {
		a->vo.wfile = a->po.wfile;
		if (tr_virtio_parse(a->virtio, &a->vo) < 0)
			return usage_error("--virtio wants QMP_SOCKET,mem=PATH[,poll=US]");
	}
	return a->proxy ? split_proxy(a) : 0;
}

/* Buffered output, and signals: INT/TERM stop, USR1 reports drops. */
static void setup(void)
{
	static char obuf[1 << 20];
	setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Read the chosen input to its end; an exit status. */
static int run(struct tr *t, struct args *a)
{
	if (a->proxy)
		return tr_proxy(t, &a->po, &stop);
	if (a->qlog)
		return tr_qemu_log(t, a->qlog);
	if (a->virtio)
		return tr_virtio(t, &a->vo, &stop);
	return tr_capture(t, &a->co, &stop, &report);
}

/* The end: flush what waits, the --stats tables; the exit status. */
static int summary(struct tr *t, int rc)
{
	tr_finish(t);
	if (t->o.stats)
		tr_stats_print(t, stdout);
	fflush(stdout);
	if (rc == 0 && t->o.check && t->nwarn)
		rc = 1;
	return rc;
}

int main(int argc, char **argv)
{
	struct args a = { 0 };
	struct tr t;
	int rc = parse_args(argc, argv, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	setup();
	tr_init(&t, &a.o, stdout);
	rc = summary(&t, run(&t, &a));
	tr_fini(&t);
	return rc;
}
