/*
 * main.c - synthfs's command line: parse options, build the tree, listen,
 * run the event loop until SIGTERM/SIGINT (or the --stdio peer leaves).
 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "synthfs/server.h"
#include "synthfs/fuse.h"

static const char usage[] =
"usage: synthfs [--listen unix:PATH|tcp:HOST:PORT]... [--stdio] [--msize N]\n"
"               [--dispatch inline|worker] [--hops N] [--workers N]\n"
"               [--readdir-hops per-request|per-entry]\n"
"               [--delay OP=USEC]... [--multidevs warn|remap|forbid]\n"
"               [--bug NAME]... [--list-bugs] [--block-timeout SEC]\n"
"               [--rw-quota BYTES] [--max-fids N]\n"
"               [--max-allfids N] [--tree FILE] [--bare] [--fuse MOUNTPOINT]\n"
"               [-v]\n"
"\n"
"synthfs serves a synthetic 9P2000/9P2000.u/9P2000.L test tree (see\n"
"docs/synthfs.md).  With neither --listen nor --stdio it listens on\n"
"unix:$XDG_RUNTIME_DIR/synthfs-PID.sock (or /tmp).\n"
"\n"
"  --listen ADDR      unix:PATH or tcp:HOST:PORT (HOST empty = 127.0.0.1,\n"
"                     PORT 0 = any; the bound address is printed)\n"
"  --stdio            serve one connection on stdin/stdout, then exit\n"
"  --msize N          largest msize granted (default 1048576)\n"
"  --dispatch MODE    inline (default): requests run on the event loop;\n"
"                     worker: each runs on a worker thread\n"
"  --hops N           each request goes main->worker->main N times\n"
"  --workers N        worker threads (default 2)\n"
"  --readdir-hops M   per-request (default) or per-entry: each directory\n"
"                     entry in an Rreaddir (or a 9P2000 directory Rread)\n"
"                     costs one more main->worker->main round trip, as in\n"
"                     QEMU before its 2020 readdir rework (implies worker)\n"
"  --delay OP=USEC    hold replies to OP (read, Tgetattr, ...) USEC us (0.5 ok)\n"
"  --delay-spin USEC  poll, not sleep, the last USEC us of a delay (100);\n"
"                     a delay of at most 10 us is spun on the event loop\n"
"  --multidevs MODE   warn (default), remap or forbid, as QEMU's\n"
"  --bug NAME         switch on a documented misbehaviour (--list-bugs)\n"
"  --block-timeout S  /flush/block gives up with EINTR after S s (30)\n"
"  --rw-quota BYTES   data limit of /rw (256M; K, M, G suffixes)\n"
"  --max-fids N       fids one connection may hold (65536; 0: no limit),\n"
"                     then attach/walk/xattrwalk fail with EMFILE\n"
"  --max-allfids N    fids all connections may hold (262144; 0: no limit),\n"
"                     then ENFILE\n"
"  --tree FILE        load extra nodes (docs/synthfs.md)\n"
"  --bare             serve only an empty writable root directory, as a\n"
"                     plain POSIX-backed server would (no contract tree)\n"
"  --fuse MOUNTPOINT  serve the tree through FUSE on MOUNTPOINT instead of\n"
"                     9P (for QEMU's -fsdev local; see docs/virtio.md)\n"
"  -v                 log every message in fcall form on stderr\n";

static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		errx(2, "bad number: %s", s);
	switch (toupper((unsigned char)*end)) {
	case 'K': v <<= 10; end++; break;
	case 'M': v <<= 20; end++; break;
	case 'G': v <<= 30; end++; break;
	}
	if (*end)
		errx(2, "bad number: %s", s);
	return v;
}

static int op_type(const char *op)
{
	unsigned i = 0;
	const struct p9_msgdef *d;
	while ((d = p9_msgdef_next(&i))) {
		if (d->name[0] != 'T')
			continue;
		if (strcasecmp(d->name, op) == 0 || strcasecmp(d->name + 1, op) == 0)
			return d->type;
	}
	return -1;
}

/* What the command line asks for beyond the server's own fields. */
struct cfg {
	const char *listen[32];
	int nlisten, use_stdio, worker, hops;
	const char *treefile, *fusemnt;
	struct sfs_opts o;
};

/* --delay's USEC: microseconds, a fraction allowed (0.5 = 500 ns). */
static uint64_t delay_ns(const char *arg)
{
	char *end;
	double us = strtod(arg, &end);
	if (end == arg || *end || !(us >= 0) || us > 3600e6)
		errx(2, "--delay: bad microseconds '%s'", arg);
	return (uint64_t)(us * 1000 + 0.5);
}

static void opt_delay(struct sfs_server *s, const char *arg)
{
	char op[64];
	const char *eq = strchr(arg, '=');
	int t;
	if (!eq || eq - arg >= (long)sizeof op)
		errx(2, "--delay %s: expected OP=USEC", arg);
	snprintf(op, sizeof op, "%.*s", (int)(eq - arg), arg);
	if ((t = op_type(op)) < 0)
		errx(2, "--delay: unknown operation %s", op);
	s->delay_ns[t] = delay_ns(eq + 1);
}

/* The options that name a mode: --dispatch, --readdir-hops, --multidevs. */
static void opt_mode(int ch, const char *arg, struct sfs_server *s, struct cfg *k)
{
	if (ch == 'd' && strcmp(arg, "inline") == 0)
		k->worker = 0;
	else if (ch == 'd' && strcmp(arg, "worker") == 0)
		k->worker = 1;
	else if (ch == 'd')
		errx(2, "--dispatch %s: expected inline or worker", arg);
	else if (ch == 'R' && strcmp(arg, "per-request") == 0)
		s->rdhops_entry = 0;
	else if (ch == 'R' && strcmp(arg, "per-entry") == 0)
		s->rdhops_entry = 1;
	else if (ch == 'R')
		errx(2, "--readdir-hops %s: expected per-request or per-entry", arg);
	else if (strcmp(arg, "warn") == 0)
		k->o.multidevs = SFS_MD_WARN;
	else if (strcmp(arg, "remap") == 0)
		k->o.multidevs = SFS_MD_REMAP;
	else if (strcmp(arg, "forbid") == 0)
		k->o.multidevs = SFS_MD_FORBID;
	else
		errx(2, "--multidevs %s: expected warn, remap or forbid", arg);
}

/* The options with a number. */
static void opt_number(int ch, const char *arg, struct sfs_server *s,
		       struct cfg *k)
{
	uint64_t v = parse_size(arg);
	switch (ch) {
	case 'm':
		if (v < P9_MINMSIZE || v > P9_MAXMSIZE)
			errx(2, "--msize %s: out of range 256..16M", arg);
		s->msize = (uint32_t)v;
		break;
	case 'H': k->hops = (int)v; break;
	case 'P': s->delay_spin_ns = (int64_t)v * 1000; break;
	case 'w':
		s->nworkers = (int)v;
		if (s->nworkers < 1 || s->nworkers > 64)
			errx(2, "--workers %s: out of range 1..64", arg);
		break;
	case 'B': s->block_timeout = (int)v; break;
	case 'q': k->o.quota = v; break;
	case 'x': s->max_fids = v; break;
	case 'X': s->max_allfids = v; break;
	}
}

/* One option of getopt_long (exits for --help, --list-bugs and errors). */
static void option(int ch, const char *arg, const char *word,
		   struct sfs_server *s, struct cfg *k)
{
	int b;
	switch (ch) {
	case 'l':
		if (k->nlisten == 32)
			errx(2, "too many --listen");
		k->listen[k->nlisten++] = arg;
		break;
	case 's': k->use_stdio = 1; break;
	case 'm': case 'H': case 'P': case 'w': case 'B': case 'q': case 'x': case 'X':
		opt_number(ch, arg, s, k);
		break;
	case 'd': case 'R': case 'M': opt_mode(ch, arg, s, k); break;
	case 'D': opt_delay(s, arg); break;
	case 'b':
		if ((b = sfs_bug_parse(arg)) < 0)
			errx(2, "--bug %s: unknown (see --list-bugs)", arg);
		s->bugs |= 1u << b;
		break;
	case 'L':
		for (int i = 0; i < BUG_COUNT; i++)
			printf("%-24s  %s\n", sfs_bug_name(i), sfs_bug_desc(i));
		exit(0);
	case 't': k->treefile = arg; break;
	case 'E': k->o.bare = 1; break;
	case 'F': k->fusemnt = arg; break;
	case 'v': s->verbose = 1; break;
	case 'h': fputs(usage, stdout); exit(0);
	default:
		fprintf(stderr, "synthfs: bad option or missing value: %s "
			"(see --help)\n", word);
		exit(2);
	}
}

static void parse_args(int argc, char **argv, struct sfs_server *s,
		       struct cfg *k)
{
	static const struct option lo[] = {
		{ "listen", 1, 0, 'l' }, { "stdio", 0, 0, 's' },
		{ "msize", 1, 0, 'm' }, { "dispatch", 1, 0, 'd' },
		{ "hops", 1, 0, 'H' }, { "workers", 1, 0, 'w' },
		{ "readdir-hops", 1, 0, 'R' },
		{ "delay", 1, 0, 'D' }, { "delay-spin", 1, 0, 'P' }, { "multidevs", 1, 0, 'M' },
		{ "bug", 1, 0, 'b' }, { "list-bugs", 0, 0, 'L' },
		{ "block-timeout", 1, 0, 'B' }, { "rw-quota", 1, 0, 'q' },
		{ "max-fids", 1, 0, 'x' }, { "max-allfids", 1, 0, 'X' },
		{ "tree", 1, 0, 't' }, { "fuse", 1, 0, 'F' }, { "bare", 0, 0, 'E' },
		{ "help", 0, 0, 'h' }, { 0, 0, 0, 0 } };
	int ch;
	s->msize = 1 << 20;
	s->block_timeout = 30;
	s->delay_spin_ns = SFS_DELAY_SPIN_US * 1000;
	s->nworkers = 2;
	s->max_fids = 65536;
	s->max_allfids = 262144;
	k->o.quota = 256ull << 20;
	opterr = 0; /* one line of our own, in option() */
	while ((ch = getopt_long(argc, argv, "vh", lo, NULL)) != -1)
		option(ch, optarg, argv[optind - 1], s, k);
	if (optind < argc)
		errx(2, "unexpected argument %s", argv[optind]);
	s->trips = k->hops > 0 ? k->hops : k->worker;
	if (s->rdhops_entry && !s->trips)
		s->trips = 1; /* per-entry hops need the workers */
	sfs_bug_opts(s->bugs, &k->o);
}

/* Listen where asked (by default on a socket named after our pid) and
 * serve stdin/stdout if asked. */
static void set_up_listeners(struct sfs_server *s, struct cfg *k)
{
	static char defpath[256];
	char err[512], desc[512];
	if (sfs_server_init(s) < 0)
		errx(2, "cannot set up the event loop: %s", strerror(errno));
	if (!k->nlisten && !k->use_stdio) {
		const char *dir = getenv("XDG_RUNTIME_DIR");
		snprintf(defpath, sizeof defpath, "unix:%s/synthfs-%d.sock",
			 dir && *dir ? dir : "/tmp", (int)getpid());
		k->listen[k->nlisten++] = defpath;
	}
	for (int i = 0; i < k->nlisten; i++) {
		if (sfs_listen(s, k->listen[i], desc, sizeof desc, err, sizeof err) < 0)
			errx(2, "%s", err);
		if (!k->use_stdio)
			printf("synthfs: listening on %s\n", desc);
		else
			fprintf(stderr, "synthfs: listening on %s\n", desc);
	}
	fflush(stdout);
	if (k->use_stdio && sfs_add_stdio(s) < 0)
		errx(2, "cannot serve stdin/stdout");
}

/* With a --delay, timers of this thread and of every thread it starts
 * (workers, FUSE's) expire within 1 ns of the asked time instead of the
 * default 50 us slack, which made a 2 us delay cost about 70 us. */
static void precise_timers(const struct sfs_server *s)
{
	for (int t = 0; t < 256; t++)
		if (s->delay_ns[t]) {
			prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
			return;
		}
}

int main(int argc, char **argv)
{
	static struct sfs_server s;
	struct cfg k = { .nlisten = 0 };
	char err[512];

	parse_args(argc, argv, &s, &k);
	precise_timers(&s);
	if (!(s.tree = sfs_tree_new(&k.o)))
		errx(2, "cannot build the tree");
	if (k.treefile && sfs_tree_load(s.tree, k.treefile, err, sizeof err) < 0)
		errx(2, "%s", err);
	if (k.fusemnt) {
		int rc = sfs_fuse_main(s.tree, k.fusemnt, s.block_timeout,
				       s.delay_ns, s.verbose);
		sfs_tree_free(s.tree);
		return rc;
	}
	set_up_listeners(&s, &k);
	if (sfs_run(&s) < 0)
		fprintf(stderr, "synthfs: event loop: %s\n", strerror(errno));
	sfs_server_fini(&s);
	sfs_tree_free(s.tree);
	return 0;
}
