/*
 * main.c - 9pguest: boot a real Linux guest under QEMU, mount a 9P target
 * with the kernel's v9fs client, run workloads, report.
 *
 * Owns: options, finding the kernel and initramfs (built by make into
 * build/guest/), the per-run initramfs overlay, the QEMU command line, and
 * the run loop (console, relay, whole-run timeout, verdict).
 */
#include <err.h>
#include <errno.h>
#include <ftw.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "p9.h"
#include "targets/qemu.h"
#include "targets/guest/guest.h"

#define QBOOT "/usr/share/qemu/qboot.rom"

enum { MAXWL = 32, MAXENV = 16, MAXARGV = 64, TAILN = 40, LINEMAX = 4096 };

struct workload {
	char name[64];
	const char *file;    /* --script FILE, or NULL for a built-in one */
};

struct opts {
	const char *target;
	struct workload wl[MAXWL];
	int nwl;
	const char *version;  /* Linux spelling: 9p2000.L ... */
	const char *msize, *cache, *aname, *mount_opts;
	const char *console, *kernel, *initrd, *qemu;
	const char *trace, *pcap;  /* --trace FILE, -w PCAP (qemu: targets) */
	int timeout_s, memory_mb, verbose;
	const char *env[MAXENV];  /* --env NAME=VALUE for the workloads */
	int nenv;
};

/* What the run needs beyond the options. */
struct run {
	int virtio;           /* qemu:DIR or qemu:scratch target */
	struct p9_qemu_opts qo;
	char dir[PATH_MAX];   /* the exported directory */
	int port;             /* tcp: the port the guest dials on 10.0.2.2 */
	struct g_relay *relay;
	char tmpdir[PATH_MAX];
	char initrd[PATH_MAX];
	pid_t qemu;
	int confd;            /* QEMU's stdout+stderr (the serial console) */
	FILE *conlog;
	char tail[TAILN][256];
	int ntail;
	struct g_tally tally;
	uint64_t t0, tboot;
	struct g_vtrace vt;   /* --trace: 9ptrace --virtio */
};

static volatile sig_atomic_t stop_sig;

static void usage(FILE *f)
{
	fputs("usage: 9pguest --target T [--workload NAME[,NAME...]]... [--script FILE]...\n"
	      "               [--version 9p2000.L|9p2000.u|9p2000] [--msize N]\n"
	      "               [--cache none|loose|mmap|fscache] [--aname NAME]\n"
	      "               [--mount-opts OPTS] [--timeout S] [--console FILE]\n"
	      "               [--env NAME=VALUE]... [--memory MB] [--kernel FILE]\n"
	      "               [--initrd FILE] [--qemu PROG] [--trace FILE [-w PCAP]] [-v]\n"
	      "Boots a Linux guest under QEMU (TCG), mounts target T with the kernel's\n"
	      "9p client and runs workloads (default: basic).  Targets:\n"
	      "  tcp:HOST:PORT, unix:PATH, exec:CMD ARGS  mounted with trans=tcp; a\n"
	      "      tcp:127.0.0.1 server is reached directly, others through a relay\n"
	      "  qemu:DIR   QEMU's own export of DIR, mounted with trans=virtio\n"
	      "--trace FILE (qemu: targets) writes 9ptrace's timeline of the virtio\n"
	      "mount to FILE, -w PCAP its messages as a pcap.\n"
	      "Workloads: basic readdir bigfile tree flush (see docs/guest.md).\n"
	      "Exit: 0 every step passed, 1 a step, the mount or the guest failed,\n"
	      "2 usage or infrastructure error.\n", f);
}

static int valid_name(const char *s)
{
	if (!*s || strlen(s) >= 64)
		return 0;
	for (; *s; s++)
		if (!(*s == '-' || *s == '_' || (*s >= '0' && *s <= '9') ||
		      (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
			return 0;
	return 1;
}

static void add_workloads(struct opts *o, const char *list)
{
	char buf[1024], *save = NULL, *w;
	if (strlen(list) >= sizeof buf)
		errx(2, "--workload: list too long");
	snprintf(buf, sizeof buf, "%s", list);
	for (w = strtok_r(buf, ", ", &save); w; w = strtok_r(NULL, ", ", &save)) {
		if (!valid_name(w))
			errx(2, "--workload: bad name '%s'", w);
		if (o->nwl == MAXWL)
			errx(2, "too many workloads");
		snprintf(o->wl[o->nwl++].name, sizeof o->wl[0].name, "%s", w);
	}
}

static void add_script(struct opts *o, const char *file)
{
	char copy[PATH_MAX], *b, *dot;
	struct workload *w;
	if (o->nwl == MAXWL)
		errx(2, "too many workloads");
	snprintf(copy, sizeof copy, "%s", file);
	b = basename(copy);
	if ((dot = strrchr(b, '.')) && !strcmp(dot, ".sh"))
		*dot = 0;
	if (!valid_name(b))
		errx(2, "--script %s: name the file with letters, digits, - and _ only", file);
	w = &o->wl[o->nwl++];
	snprintf(w->name, sizeof w->name, "%s", b);
	w->file = file;
}

/* NAME=VALUE with NAME an upper-case shell variable name. */
static void add_env(struct opts *o, const char *kv)
{
	const char *eq = strchr(kv, '=');
	if (!eq || eq == kv || o->nenv == MAXENV)
		errx(2, "--env %s: expected NAME=VALUE (at most 16)", kv);
	for (const char *c = kv; c < eq; c++)
		if (!((*c >= 'A' && *c <= 'Z') || *c == '_' || (c > kv && *c >= '0' && *c <= '9')))
			errx(2, "--env %s: NAME must be upper case letters, digits and _", kv);
	o->env[o->nenv++] = kv;
}

static const char *linux_version(const char *v)
{
	switch (p9_dialect_parse(v)) {
	case P9_DL: return "9p2000.L";
	case P9_DU: return "9p2000.u";
	case P9_D2000: return "9p2000";
	}
	errx(2, "--version %s: expected 9p2000.L, 9p2000.u or 9p2000", v);
	return NULL;
}

static int number(const char *s, long lo, long hi, const char *what)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (end == s || *end || v < lo || v > hi)
		errx(2, "%s: not a number in range", what);
	return (int)v;
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "target", 1, 0, 't' }, { "workload", 1, 0, 'W' },
		{ "script", 1, 0, 's' }, { "version", 1, 0, 'V' },
		{ "msize", 1, 0, 'm' }, { "cache", 1, 0, 'c' },
		{ "aname", 1, 0, 'a' }, { "mount-opts", 1, 0, 'o' },
		{ "timeout", 1, 0, 'T' }, { "console", 1, 0, 'C' },
		{ "memory", 1, 0, 'M' }, { "kernel", 1, 0, 'k' },
		{ "initrd", 1, 0, 'i' }, { "qemu", 1, 0, 'q' },
		{ "env", 1, 0, 'e' }, { "trace", 1, 0, 'R' },
		{ "verbose", 0, 0, 'v' }, { "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
	};
	int c;
	*o = (struct opts){ .version = "9p2000.L", .cache = "none",
			    .timeout_s = 300, .memory_mb = 256 };
	opterr = 0; /* one line of our own, below */
	while ((c = getopt_long(argc, argv, "t:w:s:V:m:c:a:o:T:C:M:k:i:q:e:vh", lo,
				NULL)) != -1) {
		switch (c) {
		case 't': o->target = optarg; break;
		case 'W': add_workloads(o, optarg); break;
		case 'R': o->trace = optarg; break;
		case 'w': o->pcap = optarg; break;
		case 's': add_script(o, optarg); break;
		case 'V': o->version = linux_version(optarg); break;
		case 'm': number(optarg, 4096, 16 << 20, "--msize"); o->msize = optarg; break;
		case 'c':
			if (strcmp(optarg, "none") && strcmp(optarg, "loose") &&
			    strcmp(optarg, "mmap") && strcmp(optarg, "fscache"))
				errx(2, "--cache %s: expected none, loose, mmap or fscache", optarg);
			o->cache = optarg;
			break;
		case 'a': o->aname = optarg; break;
		case 'o': o->mount_opts = optarg; break;
		case 'T': o->timeout_s = number(optarg, 1, 86400, "--timeout"); break;
		case 'C': o->console = optarg; break;
		case 'M': o->memory_mb = number(optarg, 64, 65536, "--memory"); break;
		case 'k': o->kernel = optarg; break;
		case 'i': o->initrd = optarg; break;
		case 'q': o->qemu = optarg; break;
		case 'e': add_env(o, optarg); break;
		case 'v': o->verbose = 1; break;
		case 'h': usage(stdout); exit(0);
		default:
			fprintf(stderr, "9pguest: bad option or missing value: %s "
				"(see --help)\n", argv[optind - 1]);
			exit(2);
		}
	}
	if (optind < argc)
		errx(2, "unexpected argument '%s'", argv[optind]);
	if (!o->target)
		errx(2, "--target is required (try --help)");
	if (o->nwl == 0)
		add_workloads(o, "basic");
	if (o->pcap && !o->trace)
		errx(2, "-w needs --trace");
	if (o->trace && strncmp(o->target, "qemu:", 5))
		errx(2, "--trace follows a virtio mount (qemu: targets); for tcp, run "
		     "9ptrace -i lo -p PORT (docs/trace.md)");
	if (o->mount_opts && strpbrk(o->mount_opts, " '\"\\\n"))
		errx(2, "--mount-opts: no blanks, quotes or backslashes");
}

/* ---- files -------------------------------------------------------------- */

/* The directory make builds the guest into: $P9GUEST_DIR, or build/guest
 * of the checkout this program was built in (bin/ or build/san/bin/). */
static void guest_dir(char *out, size_t cap)
{
	static const char *up[] = { "/..", "/../../.." };
	char exe[PATH_MAX], cand[PATH_MAX + 32], *d;
	const char *env = getenv("P9GUEST_DIR");
	ssize_t n;
	struct stat st;
	if (env && *env) {
		snprintf(out, cap, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;
	d = dirname(exe);
	for (size_t i = 0; i < sizeof up / sizeof up[0]; i++) {
		snprintf(cand, sizeof cand, "%s%s/build/guest", d, up[i]);
		if (stat(cand, &st) == 0 && S_ISDIR(st.st_mode) &&
		    snprintf(out, cap, "%s", cand) < (int)cap)
			return;
	}
	snprintf(out, cap, "%s/../build/guest", d);
}

static char *slurp(const char *path, size_t *len, size_t max)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || (size_t)n > max ||
	    fseek(f, 0, SEEK_SET) || !(buf = malloc((size_t)n + 1))) {
		fclose(f);
		errno = EFBIG;
		return NULL;
	}
	*len = fread(buf, 1, (size_t)n, f);
	buf[*len] = 0;
	fclose(f);
	return buf;
}

/* 1 if name is a line of list. */
static int listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *l = list; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l))
		if (!strncmp(l, name, n) && (l[n] == '\n' || l[n] == 0))
			return 1;
	return 0;
}

/* Known built-in workloads: the names listed in build/guest/workloads. */
static void check_workloads(const struct opts *o, const char *gdir)
{
	char path[PATH_MAX + 16];
	size_t len;
	char *list;
	snprintf(path, sizeof path, "%s/workloads", gdir);
	if (!(list = slurp(path, &len, 1 << 16)))
		return;   /* no list: let the guest judge */
	for (int i = 0; i < o->nwl; i++) {
		if (o->wl[i].file || listed(list, o->wl[i].name))
			continue;
		fprintf(stderr, "9pguest: no workload '%s'; built in:\n%s", o->wl[i].name, list);
		exit(2);
	}
	free(list);
}

/* /run/params and the scripts, as a cpio overlay appended to the base
 * initramfs (padded to 4 bytes, as the kernel requires between archives). */
static void make_initrd(const struct opts *o, struct run *r, const char *base)
{
	char params[8192], port[16], names[MAXWL * 65] = "";
	size_t plen = 0, blen;
	int rc = 0;
	char *img = slurp(base, &blen, 256u << 20), *data;
	FILE *f;
	static const char zeros[4];
	if (!img)
		errx(2, "%s: cannot read (run make to build the guest)", base);
	if (snprintf(r->initrd, sizeof r->initrd, "%s/initrd", r->tmpdir) >=
	    (int)sizeof r->initrd || !(f = fopen(r->initrd, "wb")))
		errx(2, "%s: cannot create", r->initrd);
	fwrite(img, 1, blen, f);
	fwrite(zeros, 1, (4 - blen % 4) % 4, f);
	free(img);
	for (int i = 0; i < o->nwl; i++) {
		strcat(names, i ? " " : "");
		strcat(names, o->wl[i].name);
	}
	snprintf(port, sizeof port, "%d", r->port);
	params[0] = 0;
	rc |= g_param(params, sizeof params, &plen, "P9G_TRANS", r->virtio ? "virtio" : "tcp");
	rc |= g_param(params, sizeof params, &plen, "P9G_PORT", port);
	rc |= g_param(params, sizeof params, &plen, "P9G_TARGET", o->target);
	rc |= g_param(params, sizeof params, &plen, "P9G_VERSION", o->version);
	rc |= g_param(params, sizeof params, &plen, "P9G_MSIZE", o->msize ? o->msize : "");
	rc |= g_param(params, sizeof params, &plen, "P9G_CACHE", o->cache);
	rc |= g_param(params, sizeof params, &plen, "P9G_ANAME", o->aname ? o->aname : "");
	rc |= g_param(params, sizeof params, &plen, "P9G_OPTS", o->mount_opts ? o->mount_opts : "");
	rc |= g_param(params, sizeof params, &plen, "P9G_WORKLOADS", names);
	for (int i = 0; i < o->nenv; i++) {
		char name[128];
		size_t nl = (size_t)(strchr(o->env[i], '=') - o->env[i]);
		snprintf(name, sizeof name, "%.*s", (int)(nl < 127 ? nl : 127), o->env[i]);
		rc |= g_param(params, sizeof params, &plen, name, o->env[i] + nl + 1);
	}
	if (rc)
		errx(2, "parameters too long");
	rc |= g_cpio_dir(f, "run", 0755);
	rc |= g_cpio_file(f, "run/params", 0644, params, plen);
	for (int i = 0; i < o->nwl; i++) {
		char name[128];
		size_t len;
		if (!o->wl[i].file)
			continue;
		if (!(data = slurp(o->wl[i].file, &len, 16u << 20)))
			errx(2, "--script %s: cannot read", o->wl[i].file);
		snprintf(name, sizeof name, "run/%s.sh", o->wl[i].name);
		rc |= g_cpio_file(f, name, 0755, data, len);
		free(data);
	}
	rc |= g_cpio_trailer(f);
	if (rc || fclose(f))
		errx(2, "%s: write failed", r->initrd);
}

/* ---- target --------------------------------------------------------------- */

enum { REACH_MS = 3000 };

/* A unix: or tcp: target must answer a dial before a guest is booted for
 * it (exec: and fd: are the relay's to start): one try, then closed. */
static void check_reachable(const char *t)
{
	struct p9_conn *c = NULL;
	char err[512], line[700];
	if (strncmp(t, "unix:", 5) && strncmp(t, "tcp:", 4))
		return;
	if (p9_dial(t, REACH_MS, &c, err, sizeof err)) {
		size_t n = strlen(t);
		const char *why = !strncmp(err, t, n) && !strncmp(err + n, ": ", 2) ? err + n + 2 : err;
		snprintf(line, sizeof line, "cannot reach target %s: %s", t, why);
		errx(2, "%s", line);
	}
	p9_conn_close(c);
}

static void setup_target(const struct opts *o, struct run *r)
{
	char err[512];
	const char *t = o->target;
	struct stat st;
	if (!strncmp(t, "qemu:", 5)) {
		if (p9_qemu_opts_parse(t + 5, &r->qo, err, sizeof err))
			errx(2, "%s", err);
		if (r->qo.synthfs)
			errx(2, "%s: not for 9pguest; run synthfs on tcp or exec: instead", t);
		r->virtio = 1;
		if (strchr(r->qo.trace, ','))
			errx(2, "%s: QEMU cannot take a trace path with a comma", t);
		if (r->qo.scratch)
			return;   /* built in the QEMU child, under tmpdir */
		if (!realpath(r->qo.dir, r->dir) || stat(r->dir, &st) || !S_ISDIR(st.st_mode))
			errx(2, "%s: not a directory", t);
		if (strchr(r->dir, ','))
			errx(2, "%s: QEMU cannot export a path with a comma", t);
		return;
	}
	if (p9_target_check(t, err, sizeof err))
		errx(2, "%s", err);
	check_reachable(t);
	if (!strncmp(t, "tcp:127.0.0.1:", 14) || !strncmp(t, "tcp:localhost:", 14)) {
		r->port = number(t + 14, 1, 65535, "--target port");
		return;
	}
	r->port = 0;
	if (!(r->relay = g_relay_new(t, &r->port, err, sizeof err)))
		errx(2, "%s", err);
}

/* ---- QEMU ------------------------------------------------------------------- */

/* qemu:scratch, in the QEMU child: the contract tree in a private tmpfs
 * (as root) or on disk under the run's temp dir. */
static void build_scratch(const char *root)
{
	int ns = p9_qemu_scratch_namespace(root), rc;
	if ((rc = p9_qemu_scratch_build(root, ns == 0))) {
		fprintf(stderr, "9pguest: cannot build the scratch tree in %s: %s\n", root,
			strerror(-rc));
		_exit(126);
	}
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	remove(path);
	return 0;
}

static void spawn_qemu(const struct opts *o, struct run *r, const char *kernel)
{
	char mem[16], fsdev[PATH_MAX + 256], qtrace[PATH_MAX + 32];
	const char *argv[MAXARGV];
	int n = 0, p[2], null;
	const char *qemu = o->qemu ? o->qemu :
			   getenv("QEMU") ? getenv("QEMU") : "qemu-system-x86_64";
	r->t0 = p9_now_ns();   /* the run's start */
	snprintf(mem, sizeof mem, "%d", o->memory_mb);
	argv[n++] = qemu;
	argv[n++] = "-nodefaults"; argv[n++] = "-no-user-config";
	argv[n++] = "-display"; argv[n++] = "none";
	argv[n++] = "-no-reboot";
	if (access(QBOOT, R_OK) == 0) {  /* boots faster than SeaBIOS */
		argv[n++] = "-bios"; argv[n++] = QBOOT;
	}
	argv[n++] = "-accel"; argv[n++] = "tcg";
	argv[n++] = "-m"; argv[n++] = mem;
	argv[n++] = "-kernel"; argv[n++] = kernel;
	argv[n++] = "-initrd"; argv[n++] = r->initrd;
	argv[n++] = "-append"; argv[n++] = "console=ttyS0 quiet panic=-1 mitigations=off";
	argv[n++] = "-serial"; argv[n++] = "stdio";
	argv[n++] = "-monitor"; argv[n++] = "none";
	if (r->virtio) {
		if (snprintf(fsdev, sizeof fsdev, "local,id=fs0,path=%s,security_model=%s%s%s%s",
			     r->dir, r->qo.security_model, r->qo.multidevs[0] ? ",multidevs=" : "",
			     r->qo.multidevs, r->qo.readonly ? ",readonly=on" : "") >= (int)sizeof fsdev)
			errx(2, "%s: export path too long", r->dir);
		argv[n++] = "-fsdev"; argv[n++] = fsdev;
		argv[n++] = "-device"; argv[n++] = "virtio-9p-pci,fsdev=fs0,mount_tag=p9kit";
		if (o->trace)
			n = g_vtrace_args(&r->vt, r->tmpdir, o->memory_mb, argv, n);
		if (r->qo.trace[0]) {   /* qemu:DIR,trace=FILE: QEMU's v9fs_* events */
			snprintf(qtrace, sizeof qtrace, "enable=v9fs_*,file=%s", r->qo.trace);
			argv[n++] = "-trace"; argv[n++] = qtrace;
			argv[n++] = "-msg"; argv[n++] = "timestamp=on";
		}
	} else {
		argv[n++] = "-netdev"; argv[n++] = "user,id=n0";
		argv[n++] = "-device"; argv[n++] = "virtio-net-pci,netdev=n0";
	}
	argv[n] = NULL;
	if (o->verbose) {
		fprintf(stderr, "9pguest: running");
		for (int i = 0; i < n; i++)
			fprintf(stderr, " %s", argv[i]);
		fputc('\n', stderr);
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		errx(2, "pipe: %s", strerror(errno));
	r->qemu = fork();
	if (r->qemu < 0)
		errx(2, "fork: %s", strerror(errno));
	if (r->qemu == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		null = open("/dev/null", O_RDONLY);
		dup2(null, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		if (r->qo.scratch)
			build_scratch(r->dir);
		execvp(qemu, (char **)argv);
		fprintf(stderr, "9pguest: cannot run %s: %s\n", qemu, strerror(errno));
		_exit(127);
	}
	close(p[1]);
	r->confd = p[0];
	fcntl(r->confd, F_SETFL, O_NONBLOCK);
}

/* ---- the run loop --------------------------------------------------------- */

static double secs(uint64_t ns)
{
	return (double)ns / 1e9;
}

static void remember(struct run *r, const char *line)
{
	if (r->ntail == TAILN) {
		memmove(r->tail[0], r->tail[1], sizeof r->tail[0] * (TAILN - 1));
		r->ntail--;
	}
	snprintf(r->tail[r->ntail++], sizeof r->tail[0], "%s", line);
}

static void on_line(const struct opts *o, struct run *r, char *line)
{
	struct g_frame f;
	size_t n = strlen(line);
	while (n && line[n - 1] == '\r')
		line[--n] = 0;
	if (r->conlog)
		fprintf(r->conlog, "%s\n", line);
	if (o->verbose)
		fprintf(stderr, "console: %s\n", line);
	g_frame_parse(line, &f);
	if (f.kind == GF_NONE || f.kind == GF_BAD) {
		remember(r, line);
		return;
	}
	g_tally_add(&r->tally, &f);
	switch (f.kind) {
	case GF_BOOT:
		r->tboot = p9_now_ns();
		printf("# guest up in %.1f s (kernel %s)\n", secs(r->tboot - r->t0), f.text);
		break;
	case GF_INFO:
		printf("# %s\n", f.text);
		break;
	case GF_MOUNT:
		printf("%s mount: %s\n", f.ok ? "ok  " : "FAIL", f.text);
		break;
	case GF_STEP:
		printf("%s %s%s%s\n", f.ok ? "ok  " : "FAIL", f.name, *f.text ? ": " : "",
		       f.text);
		break;
	case GF_DMESG:
		printf("kernel: %s\n", f.text);
		break;
	default:
		break;
	}
	fflush(stdout);
}

/* Read what the console has; returns 0 at EOF (QEMU gone), else 1. */
static int read_console(const struct opts *o, struct run *r, char *line,
			size_t *llen)
{
	char buf[4096];
	ssize_t n = read(r->confd, buf, sizeof buf);
	if (n == 0)
		return 0;
	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == '\n' || *llen == LINEMAX - 1) {
			line[*llen] = 0;
			on_line(o, r, line);
			*llen = 0;
			if (buf[i] == '\n')
				continue;
		}
		line[(*llen)++] = buf[i];
	}
	return 1;
}

static void on_signal(int sig)
{
	stop_sig = sig;
}

/* Run until QEMU exits, the run times out or we are told to stop.
 * Returns 0 (QEMU exited), 1 (timeout) or 2 (signal). */
static int run_loop(const struct opts *o, struct run *r)
{
	struct pollfd p[64];
	char line[LINEMAX];
	size_t llen = 0;
	uint64_t deadline = r->t0 + (uint64_t)o->timeout_s * 1000000000ull;
	uint64_t grace = 0;   /* after "end": QEMU gets 20 s to exit */
	for (;;) {
		uint64_t now = p9_now_ns(), until = deadline;
		int n = 0, nrelay = 0, rc;
		if (r->tally.ended && !grace)
			grace = now + 20000000000ull;
		if (grace && grace < until)
			until = grace;
		if (stop_sig)
			return 2;
		if (now >= until)
			return 1;
		p[n++] = (struct pollfd){ .fd = r->confd, .events = POLLIN };
		if (r->relay)
			n += nrelay = g_relay_pollfds(r->relay, p + 1, 63);
		rc = poll(p, (nfds_t)n, (int)((until - now) / 1000000 + 1));
		if (rc < 0 && errno != EINTR)
			return 1;
		if (rc <= 0)
			continue;
		if (r->relay)
			g_relay_service(r->relay, p + 1, nrelay, stdout);
		if (p[0].revents && !read_console(o, r, line, &llen)) {
			if (llen) {
				line[llen] = 0;
				on_line(o, r, line);
			}
			return 0;
		}
	}
}

static void print_tail(const struct run *r)
{
	fprintf(stderr, "9pguest: last %d console lines:\n", r->ntail);
	for (int i = 0; i < r->ntail; i++)
		fprintf(stderr, "console: %s\n", r->tail[i]);
}

/* 9ptrace ends by itself once QEMU has exited; its summary goes to stdout. */
static void stop_trace(struct run *r)
{
	if (!r->vt.file)
		return;
	int rc = g_vtrace_stop(&r->vt, r->qemu == 0);
	printf("# trace: %s (9ptrace exit %d)\n", r->vt.file, rc);
	r->vt.file = NULL;
}

static void cleanup(struct run *r)
{
	char path[PATH_MAX + 16];
	if (r->qemu > 0) {
		kill(r->qemu, SIGKILL);
		waitpid(r->qemu, NULL, 0);
		r->qemu = 0;
	}
	stop_trace(r);
	g_relay_free(r->relay);
	r->relay = NULL;
	if (r->initrd[0])
		unlink(r->initrd);
	if (r->qo.scratch && r->dir[0])   /* empty unless built on disk */
		nftw(r->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	snprintf(path, sizeof path, "%s", r->tmpdir);
	if (path[0])
		rmdir(path);
	if (r->conlog)
		fclose(r->conlog);
}

/* --trace: 9ptrace --virtio on the QEMU just started (exit 2 if it
 * cannot start). */
static void start_trace(const struct opts *o, struct run *r)
{
	char err[512];
	if (!o->trace)
		return;
	r->vt.file = o->trace;
	r->vt.pcap = o->pcap;
	if (g_vtrace_start(&r->vt, err, sizeof err) == 0)
		return;
	fprintf(stderr, "9pguest: --trace: %s\n", err);
	r->vt.file = NULL;
	cleanup(r);
	exit(2);
}

int main(int argc, char **argv)
{
	struct opts o;
	struct run r = { .confd = -1 };
	char gdir[PATH_MAX], kernel[PATH_MAX + 16], base[PATH_MAX + 32];
	const char *tmp = getenv("TMPDIR");
	struct sigaction sa = { .sa_handler = on_signal };
	int why, status = 0, exited = 0, verdict;

	parse_opts(argc, argv, &o);
	guest_dir(gdir, sizeof gdir);
	snprintf(kernel, sizeof kernel, "%s", o.kernel ? o.kernel : "");
	if (!o.kernel)
		snprintf(kernel, sizeof kernel, "%s/kernel", gdir);
	snprintf(base, sizeof base, "%s", o.initrd ? o.initrd : "");
	if (!o.initrd)
		snprintf(base, sizeof base, "%s/initramfs.cpio.gz", gdir);
	setup_target(&o, &r);
	if (access(kernel, R_OK))
		errx(2, "%s: no kernel (run make, or pass --kernel)", kernel);
	if (!o.initrd)
		check_workloads(&o, gdir);

	snprintf(r.tmpdir, sizeof r.tmpdir, "%s/9pguest.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(r.tmpdir))
		errx(2, "mkdtemp: %s", strerror(errno));
	make_initrd(&o, &r, base);
	if (r.qo.scratch && (snprintf(r.dir, sizeof r.dir, "%s/export", r.tmpdir) >=
			     (int)sizeof r.dir || mkdir(r.dir, 0755)))
		errx(2, "%s: cannot create the scratch export", r.tmpdir);
	if (o.console && !(r.conlog = fopen(o.console, "w"))) {
		fprintf(stderr, "9pguest: %s: %s\n", o.console, strerror(errno));
		cleanup(&r);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	printf("# 9pguest: %s via %s, %s, msize %s, cache %s\n", o.target,
	       r.virtio ? "virtio" : "tcp", o.version, o.msize ? o.msize : "default",
	       o.cache);
	fflush(stdout);
	spawn_qemu(&o, &r, kernel);
	start_trace(&o, &r);
	why = run_loop(&o, &r);
	if (why == 0 && waitpid(r.qemu, &status, 0) == r.qemu) {
		exited = 1;
		r.qemu = 0;
	}
	verdict = g_tally_passed(&r.tally);
	if (r.relay) {
		long conns;
		uint64_t up, down;
		g_relay_stats(r.relay, &conns, &up, &down);
		printf("# relay: %ld connection(s), %llu bytes to the target, %llu to the guest\n",
		       conns, (unsigned long long)up, (unsigned long long)down);
	}
	if (why == 1)
		fprintf(stderr, "9pguest: %s after %d s\n",
			r.tally.ended ? "QEMU did not exit" : "guest timed out", o.timeout_s);
	else if (why == 2)
		fprintf(stderr, "9pguest: stopped by signal %d\n", (int)stop_sig);
	else if (!r.tally.booted)
		fprintf(stderr, "9pguest: QEMU exited (status %d) before the guest booted\n",
			exited && WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	else if (!r.tally.ended)
		fprintf(stderr, "9pguest: the guest stopped before finishing (panic?)\n");
	if (!verdict && (why || !r.tally.ended || r.tally.mount_failed))
		print_tail(&r);
	printf("# %s: %ld steps, %ld failed%s; guest up in %.1f s, run %.1f s\n",
	       verdict ? "PASS" : "FAIL", r.tally.steps, r.tally.failed,
	       r.tally.kernel_bad ? ", kernel complained" : "",
	       r.tboot ? secs(r.tboot - r.t0) : 0.0, secs(p9_now_ns() - r.t0));
	fflush(stdout);
	cleanup(&r);
	if (why == 2 || (why == 0 && !r.tally.booted))
		return 2;
	return verdict ? 0 : 1;
}
