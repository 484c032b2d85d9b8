/*
 * main.c - 9psuite's command line: options, targets/NAME.target files,
 * the built-in synthfs target, --list, and the exit status.
 *
 *   9psuite [--target T] [--dialect D] [--msize N] [--aname A] [--uname U]
 *           [--timeout S] [--expect FILE] [--strict] [--junit FILE]
 *           [--json FILE] [--cases DIR] [-v] [--list] [CODES|FLAGS...]
 *
 * Exit 0: all passed (or xfail); 1: some failed; 2: usage or infrastructure.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

#include "explore/explore.h"
#include "suite.h"
#include "target.h"


static void usage(FILE *f)
{
	fprintf(f,
"usage: 9psuite [options] [CODES|FLAGS...]\n"
"Run the 9P conformance cases against a target; TAP 14 on stdout.\n"
"  --target T     unix:PATH, tcp:HOST:PORT, exec:CMD ARGS, fd:R,W, qemu:DIR[,...], or NAME for\n"
"                 targets/NAME.target (default: the built-in synthfs)\n"
"  --dialect D    9P2000.L, 9P2000.u, 9P2000 (L, u, 2000), a comma list, or all\n"
"                 (default: all for synthfs, else the target file's or 9P2000.L)\n"
"  --msize N      msize to ask for (default 65536)\n"
"  --aname A      attach name (default empty)\n"
"  --uname U      user name (default root); --n-uname N (default 0)\n"
"  --timeout S    per-case timeout in seconds (default 5)\n"
"  --expect FILE  known deviations: lines 'CODE[/DIALECT] reason' (xfail/xpass)\n"
"  --strict       fail on xpass and on 'should' failures\n"
"  --strict-decode  refuse an Rstat whose n[2] disagrees with its stat record\n"
"                 (QEMU's n[2] = 0); by default it is decoded and counted, and\n"
"                 case STAT13 fails on it\n"
"  --junit FILE   write JUnit XML; --json FILE: write JSON\n"
"  --cases DIR    the case files (default: suite/cases of the checkout)\n"
"  --keep-fixtures  keep the fixture tree built over 9P on a writable target\n"
"                 (9psuite-fixtures in its scratch area; later runs reuse it)\n"
"  --provision    build that tree (or check one is there), keep it and exit\n"
"  --provision-dir DIR  build the fixture tree into a host directory (for an\n"
"                 export a server makes read-only) and exit\n"
"  --multidev PATH  where the export holds a tree of two devices, devA and\n"
"                 devB, with files f1-f3 each (default: multidev; MDEV cases)\n"
"  --rounds N     rounds of each race case ($rounds, default 20); a stress run\n"
"                 takes thousands, with a --timeout to match\n"
"  --list         list the selected cases and exit\n"
"  -v             show every exchange as TAP comments\n"
"CODES are case codes or globs (WALK*), FLAGS are families (walk, flush...).\n"
"Exit status: 0 all passed or xfail, 1 some failed, 2 usage or infrastructure.\n");
}

/* One line on stderr ("9psuite: ..."); the exit status of a usage or
 * set-up error. */
static int die(const char *fmt, const char *a)
{
	warnx(fmt, a);
	return 2;
}


/* Interrupted or killed: leave through exit() so the built-in synthfs is
 * stopped and the temporary directory removed (9psuite is single-threaded). */
static void on_signal(int sig)
{
	exit(128 + sig);
}

static int parse_dialects(const char *s, int *out)
{
	char buf[128], *save = NULL;
	*out = 0;
	snprintf(buf, sizeof buf, "%s", s);
	for (char *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
		int d = strcmp(t, "all") == 0 ? P9_DALL : p9_dialect_parse(t);
		if (!d)
			return -1;
		*out |= d;
	}
	return *out ? 0 : -1;
}

static void list_cases(const struct run *r)
{
	int n = 0;
	for (int i = 0; i < r->cat.n; i++) {
		const struct scase *c = &r->cat.c[i];
		char fl[200] = "", dl[16] = "";
		if (!case_selected(r, c))
			continue;
		for (int k = 0; k < c->nflags; k++) {
			size_t l = strlen(fl);
			snprintf(fl + l, sizeof fl - l, "%s%s", k ? "," : "", c->flags[k]);
		}
		if (c->dialects == P9_DALL)
			snprintf(dl, sizeof dl, "all");
		else
			snprintf(dl, sizeof dl, "%s%s%s", c->dialects & P9_D2000 ? "2000 " : "",
				 c->dialects & P9_DU ? "u " : "", c->dialects & P9_DL ? "L " : "");
		printf("%-8s %-7s %-6s %-18s %s\n", c->code, dl,
		       c->level == LV_MUST ? "must" : "should", fl, c->title);
		n++;
	}
	printf("# %d cases\n", n);
}

/* Scratch directories the cases could not remove, and what the final
 * sweep did about them: TAP comments before the summary line. */
static void print_leftovers(const struct run *r, int ncleanup)
{
	if (ncleanup)
		printf("# cleanup: %d cases could not remove their scratch directory "
		       "(see '# cleanup failed' above)\n", ncleanup);
	if (r->swept)
		printf("# sweep: removed %d directories this run had left in the export\n",
		       r->swept);
	if (r->unswept)
		printf("# sweep: could not remove %d directories of this run from the export: %s\n",
		       r->unswept, r->unswept_names ? r->unswept_names : "");
}

/* What the command line asked beyond struct run: where the cases and the
 * target come from, and which of the target file's settings it overrides. */
struct cli {
	const char *target, *dialect, *cases, *provdir;
	int have_msize, have_timeout, have_aname, have_uname, provision;
};

enum { CONTINUE = -1 }; /* parse_args: no exit status yet, go on */

static int parse_args(int argc, char **argv, struct run *r, struct cli *a)
{
	static const struct option lo[] = {
		{ "target", 1, 0, 't' }, { "dialect", 1, 0, 'd' }, { "msize", 1, 0, 'm' },
		{ "aname", 1, 0, 'a' }, { "uname", 1, 0, 'u' }, { "n-uname", 1, 0, 'N' },
		{ "timeout", 1, 0, 'T' }, { "expect", 1, 0, 'e' }, { "strict", 0, 0, 's' },
		{ "junit", 1, 0, 'j' }, { "json", 1, 0, 'J' }, { "list", 0, 0, 'l' },
		{ "cases", 1, 0, 'c' }, { "help", 0, 0, 'h' }, { "verbose", 0, 0, 'v' },
		{ "strict-decode", 0, 0, 'D' }, { "keep-fixtures", 0, 0, 'K' },
		{ "provision", 0, 0, 'P' }, { "provision-dir", 1, 0, 'R' },
		{ "multidev", 1, 0, 'M' }, { "rounds", 1, 0, 'r' }, { 0, 0, 0, 0 },
	};
	int c;
	opterr = 0; /* one line of our own, below */
	while ((c = getopt_long(argc, argv, "vh", lo, NULL)) != -1) {
		switch (c) {
		case 't': a->target = optarg; break;
		case 'd': a->dialect = optarg; break;
		case 'm': r->o.msize = (uint32_t)strtoul(optarg, NULL, 0); a->have_msize = 1; break;
		case 'a': r->o.aname = optarg; a->have_aname = 1; break;
		case 'u': r->o.uname = optarg; a->have_uname = 1; break;
		case 'N': r->o.n_uname = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'T': r->o.case_ms = (uint64_t)(strtod(optarg, NULL) * 1000); a->have_timeout = 1; break;
		case 'e': r->expectfile = optarg; break;
		case 's': r->strict = 1; break;
		case 'j': r->junit = optarg; break;
		case 'J': r->json = optarg; break;
		case 'l': r->list = 1; break;
		case 'c': a->cases = optarg; break;
		case 'v': r->o.verbose = 1; break;
		case 'D': r->o.strict_decode = 1; break;
		case 'K': r->keep_fixtures = 1; break;
		case 'P': a->provision = r->keep_fixtures = 1; break;
		case 'R': a->provdir = optarg; break;
		case 'M': r->o.multidev = optarg; break;
		case 'r': r->o.rounds = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'h': usage(stdout); return 0;
		default:
			fprintf(stderr, "9psuite: bad option or missing value: %s "
				"(see --help)\n", argv[optind - 1]);
			return 2;
		}
	}
	r->filter = argv + optind;
	r->nfilter = argc - optind;
	return CONTINUE;
}

/* The catalogue, and --list; CONTINUE when cases are selected to run. */
static int load_catalogue(struct run *r, const char *cases)
{
	char err[PATH_MAX + 1024], path[PATH_MAX];
	if (!cases)
		cases = getenv("P9SUITE_CASES");
	if (!cases) {
		if (target_find("suite/cases", path, sizeof path))
			return die("cannot find suite/cases (use --cases DIR)", NULL);
		cases = path;
	}
	if (parse_dir(cases, &r->cat, err, sizeof err)) {
		fprintf(stderr, "9psuite: %s\n", err);
		return 2;
	}
	if (r->list) {
		list_cases(r);
		return 0;
	}
	int nsel = 0;
	for (int i = 0; i < r->cat.n; i++)
		nsel += case_selected(r, &r->cat.c[i]) != 0;
	if (!nsel)
		return die("no case matches the codes and families given (see --list)", NULL);
	return CONTINUE;
}

/* A targets/NAME.target file's settings, where the command line left
 * them unset. */
static void apply_target_file(struct run *r, struct cli *a, const struct tfile *tf)
{
	if (!a->dialect)
		a->dialect = tf->dialect;
	if (tf->aname && !a->have_aname)
		r->o.aname = tf->aname;
	if (tf->uname && !a->have_uname)
		r->o.uname = tf->uname;
	if (tf->multidev && !r->o.multidev)
		r->o.multidev = tf->multidev;
	if (tf->msize && !a->have_msize)
		r->o.msize = (uint32_t)tf->msize;
	if (tf->timeout && !a->have_timeout)
		r->o.case_ms = tf->timeout * 1000;
	if (tf->expect && !r->expectfile) {
		static char xp[PATH_MAX * 2];
		snprintf(xp, sizeof xp, "%s%s%s", tf->expect[0] == '/' ? "" : tf->dir,
			 tf->expect[0] == '/' ? "" : "/", tf->expect);
		r->expectfile = xp;
	}
}

/* The target: a NAME of targets/, an address, or the built-in synthfs;
 * then the dialects, the expectations and the probe.  CONTINUE or an exit
 * status. */
static int set_target(struct run *r, struct cli *a, struct tfile *tf, char **owned)
{
	char err[PATH_MAX + 1024];
	const char *target = a->target;
	if (target && !strchr(target, ':')) {
		if (target_file_load(target, tf, err, sizeof err))
			return die("%s", err);
		r->targetname = target;
		target = tf->target;
		apply_target_file(r, a, tf);
	} else if (target) {
		target = *owned = target_expand(target);
	} else {
		char sp[PATH_MAX + 16];
		snprintf(sp, sizeof sp, "%s/synthfs", target_exedir());
		if (!target_exists(sp))
			return die("no --target given and no built-in synthfs at %s", sp);
		if (target_start_synthfs(sp, owned, err, sizeof err))
			return die("%s", err);
		target = *owned;
		if (!a->dialect)
			a->dialect = "all";
	}
	if (p9_target_check(target, err, sizeof err))
		return die("%s", err);
	r->o.target = target;
	if (parse_dialects(a->dialect ? a->dialect : "L", &r->dialects))
		return die("bad --dialect '%s' (9P2000.L, 9P2000.u, 9P2000, all)", a->dialect);
	r->multi = (r->dialects & (r->dialects - 1)) != 0;
	r->o.call_ms = (int)(r->o.case_ms < 5000 ? r->o.case_ms : 5000);
	if (r->expectfile && run_load_expect(r, r->expectfile, err, sizeof err))
		return die("%s", err);
	if (run_probe(r, err, sizeof err))
		return die("%s", err);
	return CONTINUE;
}

/* --provision: say where the fixture tree is (the probe built it). */
static int report_provision(const struct run *r)
{
	for (int i = P9_D2000; i <= P9_DL; i <<= 1)
		if (r->caps[i].fixtures) {
			printf("9psuite: the fixture tree is at /%s on %s\n", r->caps[i].fixpath,
			       r->o.target);
			return 0;
		}
	return die("--provision: no fixture tree on %s", r->o.target);
}

/* The TAP summary line and the comments before it; the number of failures
 * that decide the exit status. */
static int print_summary(const struct run *r)
{
	int count[ST_COUNT] = { 0 }, failed = 0, ntol = 0, rtol = 0, ncleanup = 0;
	unsigned kinds = 0;
	for (int i = 0; i < r->nres; i++) {
		count[r->res[i].status]++;
		failed += r->res[i].is_fail;
		ntol += r->res[i].tolerated;
		rtol += r->res[i].tolerated > 0;
		kinds |= r->res[i].tolkinds;
		ncleanup += r->res[i].cleanup != NULL;
	}
	if (ntol) {
		char k[600];
		printf("# tolerated: %d replies in %d results: %s; --strict-decode refuses them\n",
		       ntol, rtol, tolerated_kinds(kinds, k, sizeof k));
	}
	print_leftovers(r, ncleanup);
	printf("# %d passed, %d failed, %d skipped", count[ST_PASS], count[ST_FAIL],
	       count[ST_SKIP]);
	if (r->nunreach)
		printf(" (%d of them: %s)", r->nunreach, r->unreachable);
	printf(", %d xfail", count[ST_XFAIL]);
	if (count[ST_ERROR])
		printf(", %d setup errors", count[ST_ERROR]);
	if (count[ST_XPASS])
		printf(", %d xpass", count[ST_XPASS]);
	if (count[ST_WARN])
		printf(", %d should-warnings", count[ST_WARN]);
	if (ncleanup)
		printf(", %d cleanup failures", ncleanup);
	if (r->unswept)
		printf(", %d directories left in the export", r->unswept);
	if (r->nexits)
		printf(", %d unexpected QEMU exits between cases", r->nexits);
	printf(" (%.1fs, %s)\n", r->secs, r->o.target);
	fflush(stdout);
	return failed + (r->nunreach > 0) + r->nexits;
}

/* Run the selected cases and report them; the exit status. */
static int run_and_report(struct run *r)
{
	int rc = 0;
	run_cases(r);
	if (r->fixbuilt[0])
		printf("# fixtures: built at /%s for this run, %s\n", r->fixbuilt,
		       fixtures_release(r) ? "NOT removed (see stderr)" : "removed");
	run_sweep(r);
	int failed = print_summary(r);
	if (r->junit && write_junit(r, r->junit)) {
		fprintf(stderr, "9psuite: %s: %s\n", r->junit, strerror(errno));
		rc = 2;
	}
	if (r->json && write_json(r, r->json)) {
		fprintf(stderr, "9psuite: %s: %s\n", r->json, strerror(errno));
		rc = 2;
	}
	return rc ? rc : failed ? 1 : 0;
}


int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "explore") == 0)
		return explore_main(argc - 1, argv + 1);
	struct run r = { .o = { .msize = 65536, .uname = "root", .aname = "", .case_ms = 5000, .rounds = 20 } };
	static struct tfile tf; /* static: reachable until exit on every path */
	static char *owned_target;
	struct cli a = { 0 };
	char err[PATH_MAX + 1024];
	int rc;
	/* lib's connections never raise SIGPIPE (a dead peer is an error);
	 * a closed stdout (9psuite | head) ends the run like a signal */
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	signal(SIGPIPE, on_signal);
	target_init();
	rc = parse_args(argc, argv, &r, &a);
	if (rc != CONTINUE)
		return rc;
	if (a.provdir) {
		if (fixtures_build_host(a.provdir, err, sizeof err))
			return die("--provision-dir: %s", err);
		printf("9psuite: the fixture tree is in %s\n", a.provdir);
		return 0;
	}
	if (r.o.msize < P9_MINMSIZE || r.o.msize > P9_MAXMSIZE)
		return die("--msize must be between 256 and 16777216", NULL);
	if (r.o.case_ms == 0)
		return die("--timeout must be positive", NULL);
	if (r.o.rounds == 0 || r.o.rounds > 10000000)
		return die("--rounds must be between 1 and 10000000", NULL);
	rc = load_catalogue(&r, a.cases);
	if (rc == CONTINUE)
		rc = set_target(&r, &a, &tf, &owned_target);
	if (rc == CONTINUE)
		rc = a.provision ? report_provision(&r) : run_and_report(&r);
	run_free(&r);
	free(owned_target);
	target_file_free(&tf);
	return rc;
}
