/*
 * main.c - bin/9pbench: parses the command line and runs one subcommand
 * (floor, latency, hops, readdir, throughput, concurrency, ab, compare,
 * report).  See docs/bench.md.
 */
#include <signal.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static const char usage[] =
"usage: 9pbench SUBCOMMAND [options]\n"
"  floor        raw ping-pong (unix, tcp, socketpair) and the eventfd hop pair\n"
"  latency      --target T [--op getattr,walk,clunk,read4k,write4k,readdir,statfs,\n"
"               stat,flush]\n"
"  hops         [--synthfs PATH] [--list 0,1,2,4,8] [--dispatch worker|inline]\n"
"               or hops --target T: getattr minus flush (a QEMU estimate)\n"
"  readdir      --target T [--list 100,1000,10000] [--series NAME]\n"
"  throughput   --target T --op read|write [--list 8k,64k,512k,1M,4M]\n"
"  concurrency  --target T [--list 1,2,4,8,16,32,64]\n"
"  ab           A B [--op getattr] [--reps 30] [--count N] [--threshold 3%]\n"
"               [--json OUT]: A and B (targets) interleaved round by round in\n"
"               one run; exit 1 when B is slower than A beyond the noise floor\n"
"  compare      BASE.json NEW.json [--threshold 5%] [--json OUT] [-q]\n"
"  report       RESULT.json... -o DIR [--suite SUITE.json]... [--gp DIR]\n"
"options of the measuring subcommands:\n"
"  -t, --target T        9P target (unix:PATH tcp:HOST:PORT exec:CMD ...)\n"
"  -o, --out FILE        write the result JSON to FILE (report: the output dir)\n"
"  --op LIST             operations (latency) or read|write (throughput)\n"
"  --depth N             requests in flight per connection (default 1)\n"
"  --count N             measured requests per op (default 20000)\n"
"  --duration SEC        measure for SEC seconds instead of a count\n"
"  --warmup N            requests not recorded (default 500)\n"
"  --reps N              repetitions of rate and listing measurements (5)\n"
"  --msize N             msize to ask for (default 1048576)\n"
"  --dialect D           9P2000.L (default; getattr/readdir need .L)\n"
"  --list L              x values: hop counts, entries, msizes or connections\n"
"  --read-file P --write-file P --walk-path P --dir P   paths used by the ops\n"
"  --synthfs PATH        synthfs program for hops (default bin/synthfs)\n"
"  --dispatch D          synthfs --dispatch for hops; --series NAME for readdir\n"
"  --target-version S    the target's version, recorded in the result\n"
"  --label NAME          short name of the target in charts (default: target)\n"
"  --aname A            Tattach aname (diod wants the exported path)\n"
"  --timeout MS          per-request timeout (default 10000)\n"
"  --root DIR            checkout whose git revision is recorded (default .)\n"
"  -q, --quiet           no summary on stdout\n";

/* ab's defaults: rounds, requests per op and side, noise floor */
enum { AB_ROUNDS = 30, AB_COUNT = 15000 };
#define AB_NOISE_FLOOR 0.03

enum { O_OP = 256, O_DEPTH, O_COUNT, O_DURATION, O_WARMUP, O_REPS, O_MSIZE, O_DIALECT,
       O_LIST, O_READ, O_WRITE, O_WALK, O_DIR, O_SYNTHFS, O_DISPATCH, O_VERSION,
       O_TIMEOUT, O_ROOT, O_THRESHOLD, O_JSON, O_SUITE, O_GP, O_TITLE, O_ANAME, O_LABEL };

static const struct option longopts[] = {
	{"help", no_argument, 0, 'h'}, {"target", required_argument, 0, 't'},
	{"out", required_argument, 0, 'o'}, {"quiet", no_argument, 0, 'q'},
	{"op", required_argument, 0, O_OP}, {"depth", required_argument, 0, O_DEPTH},
	{"count", required_argument, 0, O_COUNT},
	{"duration", required_argument, 0, O_DURATION},
	{"warmup", required_argument, 0, O_WARMUP}, {"reps", required_argument, 0, O_REPS},
	{"msize", required_argument, 0, O_MSIZE}, {"dialect", required_argument, 0, O_DIALECT},
	{"list", required_argument, 0, O_LIST}, {"entries", required_argument, 0, O_LIST},
	{"conns", required_argument, 0, O_LIST}, {"hops", required_argument, 0, O_LIST},
	{"read-file", required_argument, 0, O_READ},
	{"write-file", required_argument, 0, O_WRITE},
	{"walk-path", required_argument, 0, O_WALK}, {"dir", required_argument, 0, O_DIR},
	{"synthfs", required_argument, 0, O_SYNTHFS},
	{"dispatch", required_argument, 0, O_DISPATCH},
	{"series", required_argument, 0, O_DISPATCH},
	{"target-version", required_argument, 0, O_VERSION},
	{"timeout", required_argument, 0, O_TIMEOUT}, {"root", required_argument, 0, O_ROOT},
	{"threshold", required_argument, 0, O_THRESHOLD},
	{"json", required_argument, 0, O_JSON}, {"suite", required_argument, 0, O_SUITE},
	{"aname", required_argument, 0, O_ANAME}, {"label", required_argument, 0, O_LABEL},
	{"gp", required_argument, 0, O_GP}, {"title", required_argument, 0, O_TITLE},
	{0, 0, 0, 0},
};

struct args {
	struct bench_opts o;
	struct bench_cmp_opts c;
	struct bench_report_opts rep;
	const char *suite[64];
	const char *op;
	int help, reps_set, threshold_set, count_set, ops_set;
};

static int die(const char *fmt, const char *a)
{
	fprintf(stderr, "9pbench: ");
	fprintf(stderr, fmt, a);
	fputc('\n', stderr);
	return 2;
}

static int num(const char *s, double *v)
{
	char *end;
	*v = strtod(s, &end);
	if (end == s)
		return -1;
	if (*end == '%')
		*v /= 100, end++;
	else if (*end == 'k' || *end == 'K')
		*v *= 1024, end++;
	else if (*end == 'M')
		*v *= 1048576, end++;
	return *end || *v < 0 ? -1 : 0;
}

static int parse(int argc, char **argv, struct args *a)
{
	int c;
	double v = 0;
	optind = 1;
	opterr = 0; /* one line of our own, below */
	while ((c = getopt_long(argc, argv, "ht:o:q", longopts, NULL)) != -1) {
		if (c == O_DEPTH || c == O_COUNT || c == O_DURATION || c == O_WARMUP ||
		    c == O_REPS || c == O_MSIZE || c == O_TIMEOUT || c == O_THRESHOLD) {
			if (num(optarg, &v))
				return die("bad number '%s'", optarg);
		}
		switch (c) {
		case 'h': a->help = 1; break;
		case 't': a->o.target = optarg; break;
		case 'o': a->o.out = optarg; a->rep.outdir = optarg; break;
		case 'q': a->o.quiet = a->c.quiet = 1; break;
		case O_OP: a->o.ops = a->op = optarg; a->ops_set = 1; break;
		case O_DEPTH: a->o.depth = (int)v; break;
		case O_COUNT: a->o.count = (uint64_t)v; a->count_set = 1; break;
		case O_DURATION: a->o.duration = v; a->o.count = 0; break;
		case O_WARMUP: a->o.warmup = (uint64_t)v; break;
		case O_REPS: a->o.reps = (int)v; a->reps_set = 1; break;
		case O_MSIZE: a->o.msize = (uint32_t)v; break;
		case O_DIALECT: a->o.dialect = optarg; break;
		case O_LIST: a->o.list = optarg; break;
		case O_READ: a->o.read_file = optarg; break;
		case O_WRITE: a->o.write_file = optarg; break;
		case O_WALK: a->o.walk_path = optarg; break;
		case O_DIR: a->o.dir = optarg; break;
		case O_SYNTHFS: a->o.synthfs = optarg; break;
		case O_DISPATCH: a->o.dispatch = optarg; break;
		case O_VERSION: a->o.version = optarg; break;
		case O_TIMEOUT: a->o.timeout_ms = (int)v; break;
		case O_ROOT: a->o.root = optarg; break;
		case O_THRESHOLD:
			a->c.threshold = v >= 1 ? v / 100 : v;
			a->threshold_set = 1;
			break;
		case O_JSON: a->c.json = optarg; break;
		case O_SUITE:
			if (a->rep.nsuite < 64)
				a->suite[a->rep.nsuite++] = optarg;
			break;
		case O_GP: a->rep.gpdir = optarg; break;
		case O_ANAME: bench_set_aname(optarg); break;
		case O_LABEL: a->o.label = optarg; break;
		case O_TITLE: a->rep.title = optarg; break;
		default:
			return die("bad option or missing value: %s (see --help)",
				   argv[optind - 1]);
		}
	}
	if (a->o.depth < 1 || a->o.depth > 128)
		return die("--depth must be 1..128%s", "");
	if (a->o.msize < P9_MINMSIZE)
		return die("--msize must be at least 256%s", "");
	return 0;
}

static void print_metric(const struct bench_metric *m)
{
	printf("%-34s %12.0f %-5s", m->name, bench_metric_value(m), m->unit);
	if (m->hist && m->hist->count)
		printf(" p90 %llu p99 %llu p99.9 %llu max %llu n %llu",
		       (unsigned long long)bench_hist_quantile(m->hist, 0.9),
		       (unsigned long long)bench_hist_quantile(m->hist, 0.99),
		       (unsigned long long)bench_hist_quantile(m->hist, 0.999),
		       (unsigned long long)m->hist->max, (unsigned long long)m->hist->count);
	else
		printf(" n %zu", m->nsamples);
	for (int i = 0; i < 4; i++)
		if (m->extra_name[i][0])
			printf(" %s %.4g", m->extra_name[i], m->extra[i]);
	putchar('\n');
}

static int finish(const struct args *a, struct bench_result *r, int rc, const char *err)
{
	if (rc) {
		fprintf(stderr, "9pbench: %s\n", err[0] ? err : strerror(rc < 0 ? -rc : rc));
		bench_result_free(r);
		return 2;
	}
	if (!a->o.quiet) {
		printf("# %s: %s\n", r->kind, r->env.target[0] ? r->env.target : "this machine");
		for (size_t i = 0; i < r->nm; i++)
			print_metric(&r->m[i]);
		if (r->note[0])
			printf("# %s\n", r->note);
	}
	if (a->o.out && (rc = bench_result_save(r, a->o.out))) {
		fprintf(stderr, "9pbench: %s: %s\n", a->o.out, strerror(-rc));
		bench_result_free(r);
		return 2;
	}
	bench_result_free(r);
	return 0;
}

static int cmd_compare(struct args *a, int argc, char **argv)
{
	struct bench_result b, n;
	char err[512] = "";
	int rc;
	if (argc - optind != 2)
		return die("compare needs BASE.json NEW.json%s", "");
	if (bench_result_load(&b, argv[optind], err, sizeof err))
		return die("%s", err);
	if (bench_result_load(&n, argv[optind + 1], err, sizeof err)) {
		bench_result_free(&b);
		return die("%s", err);
	}
	rc = bench_compare(&b, &n, &a->c, stdout);
	bench_result_free(&b);
	bench_result_free(&n);
	if (rc < 0)
		return die("compare: %s", strerror(-rc));
	return rc > 0 ? 1 : 0;
}

/* ab's defaults differ from latency's: 30 rounds, getattr, 3% noise floor
 * (docs/bench.md, "ab"); the fixtures are looked up on A. */
static int cmd_ab(struct args *a, int argc, char **argv)
{
	char err[512] = "";
	int rc;
	if (argc - optind != 2)
		return die("ab needs two targets: A B%s", "");
	if (!a->reps_set)
		a->o.reps = AB_ROUNDS;
	if (!a->ops_set)
		a->o.ops = "getattr";
	if (!a->threshold_set)
		a->c.threshold = AB_NOISE_FLOOR;
	if (!a->count_set)
		a->o.count = AB_COUNT;
	if (!a->c.json)
		a->c.json = a->o.out;
	a->o.target = argv[optind];
	if (bench_fixtures(&a->o, err, sizeof err))
		return die("%s", err);
	rc = bench_ab(&a->o, argv[optind], argv[optind + 1], &a->c, stdout, err, sizeof err);
	if (rc < 0)
		return die("ab: %s", err[0] ? err : strerror(-rc));
	return rc > 0 ? 1 : 0;
}

static int cmd_report(struct args *a, int argc, char **argv)
{
	char err[512] = "";
	if (!a->rep.outdir)
		return die("report needs -o DIR%s", "");
	a->rep.suite = a->suite;
	if (!a->rep.gpdir)
		a->rep.gpdir = "reports";
	if (bench_report((const char **)argv + optind, (size_t)(argc - optind), &a->rep, err,
			 sizeof err))
		return die("report: %s", err);
	if (!a->o.quiet)
		printf("9pbench: report written to %s/index.html\n", a->rep.outdir);
	return 0;
}

static int run(const char *cmd, struct args *a, int argc, char **argv)
{
	struct bench_result r;
	char err[512] = "";
	int rc;
	if (!strcmp(cmd, "compare"))
		return cmd_compare(a, argc, argv);
	if (!strcmp(cmd, "report"))
		return cmd_report(a, argc, argv);
	if (!strcmp(cmd, "ab"))
		return cmd_ab(a, argc, argv);
	if (optind != argc)
		return die("unexpected argument '%s'", argv[optind]);
	if (strcmp(cmd, "floor") && strcmp(cmd, "hops") && !a->o.target)
		return die("%s needs --target", cmd);
	/* hops against synthfs builds its own targets; hops --target is a target's */
	if (strcmp(cmd, "floor") && (strcmp(cmd, "hops") || a->o.target) &&
	    bench_fixtures(&a->o, err, sizeof err))
		return die("%s", err);
	bench_result_init(&r, cmd);
	if (!strcmp(cmd, "floor")) {
		bench_env_collect(&r.env, a->o.root);
		snprintf(r.env.label, sizeof r.env.label, "%s", a->o.label ? a->o.label : "floor");
		rc = bench_floor(&a->o, &r);
		if (rc)
			snprintf(err, sizeof err, "floor: %s", strerror(-rc));
	} else if (!strcmp(cmd, "latency")) {
		rc = bench_latency(&a->o, &r, err, sizeof err);
	} else if (!strcmp(cmd, "hops")) {
		rc = bench_hops(&a->o, &r, err, sizeof err);
	} else if (!strcmp(cmd, "readdir")) {
		rc = bench_readdir(&a->o, &r, err, sizeof err);
	} else if (!strcmp(cmd, "throughput")) {
		rc = bench_throughput(&a->o, a->op ? a->op : "read", &r, err, sizeof err);
	} else if (!strcmp(cmd, "concurrency")) {
		rc = bench_concurrency(&a->o, &r, err, sizeof err);
	} else {
		bench_result_free(&r);
		return die("unknown subcommand '%s' (try --help)", cmd);
	}
	return finish(a, &r, rc, err);
}

int main(int argc, char **argv)
{
	struct args a;
	const char *cmd;
	int rc;
	signal(SIGPIPE, SIG_IGN); /* a dead peer is an error, not a kill */
	memset(&a, 0, sizeof a);
	bench_opts_default(&a.o);
	a.c.threshold = 0.05;
	a.c.conf = 0.95;
	a.c.resamples = 1000;
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		if (argc < 2) {
			fputs("9pbench: a subcommand is needed (see --help)\n", stderr);
			return 2;
		}
		fputs(usage, stdout);
		return 0;
	}
	cmd = argv[1];
	if ((rc = parse(argc - 1, argv + 1, &a)))
		return rc;
	if (a.help) {
		fputs(usage, stdout);
		return 0;
	}
	return run(cmd, &a, argc - 1, argv + 1);
}
