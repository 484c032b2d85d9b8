/*
 * main.c - synthfs's command line: parse options, build the tree, listen,
 * run the event loop until SIGTERM/SIGINT (or the --stdio peer leaves).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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
"  --delay OP=USEC    hold replies to OP (read, Tgetattr, ...) USEC us\n"
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

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "synthfs: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(2);
}

static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		die("bad number: %s", s);
	switch (toupper((unsigned char)*end)) {
	case 'K': v <<= 10; end++; break;
	case 'M': v <<= 20; end++; break;
	case 'G': v <<= 30; end++; break;
	}
	if (*end)
		die("bad number: %s", s);
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

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "listen", 1, 0, 'l' }, { "stdio", 0, 0, 's' },
		{ "msize", 1, 0, 'm' }, { "dispatch", 1, 0, 'd' },
		{ "hops", 1, 0, 'H' }, { "workers", 1, 0, 'w' },
		{ "readdir-hops", 1, 0, 'R' },
		{ "delay", 1, 0, 'D' }, { "multidevs", 1, 0, 'M' },
		{ "bug", 1, 0, 'b' }, { "list-bugs", 0, 0, 'L' },
		{ "block-timeout", 1, 0, 'B' }, { "rw-quota", 1, 0, 'q' },
		{ "max-fids", 1, 0, 'x' }, { "max-allfids", 1, 0, 'X' },
		{ "tree", 1, 0, 't' }, { "fuse", 1, 0, 'F' }, { "bare", 0, 0, 'E' },
		{ "help", 0, 0, 'h' }, { 0, 0, 0, 0 } };
	static struct sfs_server s;
	struct sfs_opts o = { 0 };
	const char *listen[32], *treefile = NULL, *fusemnt = NULL;
	int nlisten = 0, use_stdio = 0, worker = 0, hops = 0, ch;
	char err[512], desc[512], defpath[256];

	s.msize = 1 << 20;
	s.block_timeout = 30;
	s.nworkers = 2;
	s.max_fids = 65536;
	s.max_allfids = 262144;
	o.quota = 256ull << 20;
	opterr = 0; /* one line of our own, below */
	while ((ch = getopt_long(argc, argv, "vh", lo, NULL)) != -1) {
		switch (ch) {
		case 'l':
			if (nlisten == 32)
				die("too many --listen%s", "");
			listen[nlisten++] = optarg;
			break;
		case 's': use_stdio = 1; break;
		case 'm': {
			uint64_t v = parse_size(optarg);
			if (v < P9_MINMSIZE || v > P9_MAXMSIZE)
				die("--msize %s: out of range 256..16M", optarg);
			s.msize = (uint32_t)v;
			break;
		}
		case 'd':
			if (strcmp(optarg, "inline") == 0)
				worker = 0;
			else if (strcmp(optarg, "worker") == 0)
				worker = 1;
			else
				die("--dispatch %s: expected inline or worker", optarg);
			break;
		case 'H': hops = (int)parse_size(optarg); break;
		case 'R':
			if (strcmp(optarg, "per-request") == 0)
				s.rdhops_entry = 0;
			else if (strcmp(optarg, "per-entry") == 0)
				s.rdhops_entry = 1;
			else
				die("--readdir-hops %s: expected per-request or per-entry",
				    optarg);
			break;
		case 'w':
			s.nworkers = (int)parse_size(optarg);
			if (s.nworkers < 1 || s.nworkers > 64)
				die("--workers %s: out of range 1..64", optarg);
			break;
		case 'D': {
			char op[64];
			const char *eq = strchr(optarg, '=');
			int t;
			if (!eq || eq - optarg >= (long)sizeof op)
				die("--delay %s: expected OP=USEC", optarg);
			snprintf(op, sizeof op, "%.*s", (int)(eq - optarg), optarg);
			if ((t = op_type(op)) < 0)
				die("--delay: unknown operation %s", op);
			s.delay_us[t] = (uint32_t)parse_size(eq + 1);
			break;
		}
		case 'M':
			if (strcmp(optarg, "warn") == 0)
				o.multidevs = SFS_MD_WARN;
			else if (strcmp(optarg, "remap") == 0)
				o.multidevs = SFS_MD_REMAP;
			else if (strcmp(optarg, "forbid") == 0)
				o.multidevs = SFS_MD_FORBID;
			else
				die("--multidevs %s: expected warn, remap or forbid", optarg);
			break;
		case 'b': {
			int b = sfs_bug_parse(optarg);
			if (b < 0)
				die("--bug %s: unknown (see --list-bugs)", optarg);
			s.bugs |= 1u << b;
			break;
		}
		case 'L':
			for (int i = 0; i < BUG_COUNT; i++)
				printf("%-24s  %s\n", sfs_bug_name(i), sfs_bug_desc(i));
			return 0;
		case 'B': s.block_timeout = (int)parse_size(optarg); break;
		case 'q': o.quota = parse_size(optarg); break;
		case 'x': s.max_fids = parse_size(optarg); break;
		case 'X': s.max_allfids = parse_size(optarg); break;
		case 't': treefile = optarg; break;
		case 'E': o.bare = 1; break;
		case 'F': fusemnt = optarg; break;
		case 'v': s.verbose = 1; break;
		case 'h': fputs(usage, stdout); return 0;
		default:
			fprintf(stderr, "synthfs: bad option or missing value: %s "
				"(see --help)\n", argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc)
		die("unexpected argument %s", argv[optind]);
	s.trips = hops > 0 ? hops : worker;
	if (s.rdhops_entry && !s.trips)
		s.trips = 1; /* per-entry hops need the workers */
	sfs_bug_opts(s.bugs, &o);
	if (!(s.tree = sfs_tree_new(&o)))
		die("cannot build the tree%s", "");
	if (treefile && sfs_tree_load(s.tree, treefile, err, sizeof err) < 0)
		die("%s", err);
	if (fusemnt) {
		int rc = sfs_fuse_main(s.tree, fusemnt, s.block_timeout, s.delay_us,
				       s.verbose);
		sfs_tree_free(s.tree);
		return rc;
	}
	if (sfs_server_init(&s) < 0)
		die("cannot set up the event loop: %s", strerror(errno));
	if (!nlisten && !use_stdio) {
		const char *dir = getenv("XDG_RUNTIME_DIR");
		snprintf(defpath, sizeof defpath, "unix:%s/synthfs-%d.sock",
			 dir && *dir ? dir : "/tmp", (int)getpid());
		listen[nlisten++] = defpath;
	}
	for (int i = 0; i < nlisten; i++) {
		if (sfs_listen(&s, listen[i], desc, sizeof desc, err, sizeof err) < 0)
			die("%s", err);
		if (!use_stdio)
			printf("synthfs: listening on %s\n", desc);
		else
			fprintf(stderr, "synthfs: listening on %s\n", desc);
	}
	fflush(stdout);
	if (use_stdio && sfs_add_stdio(&s) < 0)
		die("cannot serve stdin/stdout%s", "");
	if (sfs_run(&s) < 0)
		fprintf(stderr, "synthfs: event loop: %s\n", strerror(errno));
	sfs_server_fini(&s);
	sfs_tree_free(s.tree);
	return 0;
}
