/*
 * main.c - `9psuite explore`: the command line (explore_main), the target
 * (as 9psuite chooses it: targets/NAME.target, an address, or the built-in
 * synthfs), the exploration loop (sequences generated step by step against
 * the live model, each on a fresh scratch directory), progress on stderr,
 * and, on the first mismatch, shrinking, the reproducer and the report.
 *
 * Exit 0: no mismatch (or only --accept'ed ones); 1: a mismatch; 2: usage
 * or infrastructure.
 */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "explore.h"
#include "suite/target.h"

enum { SEQ_LEN = 200 };

struct xopts {
	const char *target, *dialect, *out, *json, *junit;
	uint64_t seed;
	int have_seed;
	unsigned long steps;
	double duration;
	uint32_t nfids, bytes;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: 9psuite explore [options]\n"
"Model-based random testing of a 9P2000.L server (docs/explore.md); TAP on stdout.\n"
"  --target T     as 9psuite: an address, exec:CMD, or NAME for targets/NAME.target\n"
"                 (default: the built-in synthfs)\n"
"  --dialect D    9P2000.L (the only dialect the model knows so far)\n"
"  --seed N       the random seed (default: from the time; printed at start)\n"
"  --steps N      stop after N steps; --duration S: after S seconds\n"
"                 (default: 30 s when neither is given)\n"
"  --fids N       fid slots the generator uses (2-16, default 6)\n"
"  --bytes N      largest file offset+count (default 8192)\n"
"  --out FILE     write the shrunk reproducer as a .case file\n"
"  --accept CHECK a documented deviation: a mismatch of this check (e.g.\n"
"                 getattr.nlink) ends the sequence but is not a failure; repeatable\n"
"  --json FILE, --junit FILE   also write the result as JSON / JUnit XML\n"
"  -v             show every request and reply as TAP comments\n");
}

static int parse(int argc, char **argv, struct xopts *o, struct xtarget *tg)
{
	static const struct option lo[] = {
		{ "target", 1, 0, 't' }, { "dialect", 1, 0, 'd' }, { "seed", 1, 0, 's' },
		{ "steps", 1, 0, 'n' }, { "duration", 1, 0, 'D' }, { "fids", 1, 0, 'f' },
		{ "bytes", 1, 0, 'b' }, { "out", 1, 0, 'o' }, { "accept", 1, 0, 'a' },
		{ "json", 1, 0, 'J' }, { "junit", 1, 0, 'j' }, { "help", 0, 0, 'h' },
		{ "verbose", 0, 0, 'v' }, { 0, 0, 0, 0 },
	};
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "vh", lo, NULL)) != -1) {
		switch (c) {
		case 't': o->target = optarg; break;
		case 'd': o->dialect = optarg; break;
		case 's': o->seed = strtoull(optarg, NULL, 0); o->have_seed = 1; break;
		case 'n': o->steps = strtoul(optarg, NULL, 0); break;
		case 'D': o->duration = strtod(optarg, NULL); break;
		case 'f': o->nfids = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'b': o->bytes = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'o': o->out = optarg; break;
		case 'a': {
			size_t l = strlen(tg->accept);
			snprintf(tg->accept + l, sizeof tg->accept - l, " %s ", optarg);
			break;
		}
		case 'J': o->json = optarg; break;
		case 'j': o->junit = optarg; break;
		case 'v': tg->verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default:
			fprintf(stderr, "9psuite explore: bad option or missing value: %s (see "
				"--help)\n", argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc || o->nfids < 2 || o->nfids > X_MAXFIDS || o->bytes < 16 ||
	    o->bytes > (1u << 20)) {
		fprintf(stderr, "9psuite explore: bad arguments (--fids 2-16, --bytes 16-1048576, "
			"no operands)\n");
		return 2;
	}
	if (o->dialect && p9_dialect_parse(o->dialect) != P9_DL) {
		fprintf(stderr, "9psuite explore: only 9P2000.L is modelled so far\n");
		return 2;
	}
	return -1;
}

static char owned_target[PATH_MAX + 64];
static char *ref_target;

/* The built-in synthfs (started once): the default target and the
 * reference the reproducer is recorded against. */
static const char *builtin_synthfs(char *err, size_t cap)
{
	char sp[PATH_MAX + 16];
	if (ref_target)
		return ref_target;
	snprintf(sp, sizeof sp, "%s/synthfs", target_exedir());
	if (!target_exists(sp)) {
		snprintf(err, cap, "no built-in synthfs at %s", sp);
		return NULL;
	}
	return target_start_synthfs(sp, &ref_target, err, cap) ? NULL : ref_target;
}

static int resolve(struct xopts *o, struct xtarget *tg, struct tfile *tf)
{
	char err[PATH_MAX + 1024];
	const char *t = o->target;
	if (t && !strchr(t, ':')) {
		if (target_file_load(t, tf, err, sizeof err)) {
			fprintf(stderr, "9psuite explore: %s\n", err);
			return 2;
		}
		t = tf->target;
		if (tf->aname)
			tg->aname = tf->aname;
		if (tf->uname)
			tg->uname = tf->uname;
		if (tf->msize)
			tg->msize = (uint32_t)tf->msize;
		if (tf->timeout)
			tg->timeout_ms = (int)(tf->timeout * 1000);
	} else if (t) {
		char *x = target_expand(t);
		snprintf(owned_target, sizeof owned_target, "%s", x);
		free(x);
		t = owned_target;
	} else if (!(t = builtin_synthfs(err, sizeof err))) {
		fprintf(stderr, "9psuite explore: %s\n", err);
		return 2;
	}
	if (p9_target_check(t, err, sizeof err)) {
		fprintf(stderr, "9psuite explore: %s\n", err);
		return 2;
	}
	tg->addr = t;
	return -1;
}

struct loop {
	struct xopts *o;
	struct xtarget *tg;
	struct xrng rng;
	uint64_t t0, last_progress;
	unsigned long steps, accepted;
	struct xseq found;
	struct xfail fail;
};

static int time_up(const struct loop *l)
{
	if (l->o->steps && l->steps >= l->o->steps)
		return 1;
	return l->o->duration > 0 && (double)(p9_now_ns() - l->t0) / 1e9 >= l->o->duration;
}

static void progress(struct loop *l)
{
	uint64_t now = p9_now_ns();
	int covered = 0;
	if (now - l->last_progress < 1000000000ull)
		return;
	l->last_progress = now;
	for (int op = 0; op < XO_COUNT; op++)
		covered += l->tg->cover[op][0] + l->tg->cover[op][1] > 0;
	fprintf(stderr, "9psuite explore: %lu steps, %.0f steps/s, %d/%d operations covered\n",
		l->steps, (double)l->steps / ((double)(now - l->t0) / 1e9), covered, XO_COUNT);
}

/* One sequence, generated against the live model: 0 clean, 1 mismatch
 * (l->found, l->fail), -1 infrastructure. */
static int one_sequence(struct loop *l, uint32_t *nextid)
{
	struct xrun x;
	struct xseq q = { 0 };
	struct xstep st;
	struct xfail f = { 0 };
	int rc = 0, sent;
	if (run_open(l->tg, &x, l->o->bytes, f.why, sizeof f.why)) {
		fprintf(stderr, "9psuite explore: %s\n", f.why);
		run_close(&x);
		return -1;
	}
	for (int i = 0; i < SEQ_LEN && rc == 0 && !time_up(l); i++) {
		gen_step(&l->rng, &x.m, &st, (*nextid)++, l->o->nfids);
		seq_push(&q, &st);
		rc = run_step(&x, &st, &f, &sent, NULL, NULL);
		f.step = q.n - 1;
		l->steps += sent;
		progress(l);
	}
	run_close(&x);
	if (rc == 1) {
		if (accept_match(l->tg->accept, f.check)) { /* checks that end the sequence */
			l->accepted++;
			printf("# accepted (--accept %s): %s\n", f.check, f.why);
			rc = 0;
		} else {
			l->found = q;
			l->fail = f;
			return 1;
		}
	} else if (rc < 0) {
		fprintf(stderr, "9psuite explore: %s\n", f.why);
	}
	seq_free(&q);
	return rc;
}

/* The mismatch found: shrink it, record the reproducer on the reference. */
static void conclude(struct loop *l, struct xreport *rp)
{
	char err[PATH_MAX + 256];
	struct xfail last;
	const char *ref;
	rp->found = 1;
	rp->orig_steps = l->fail.step + 1;
	fprintf(stderr, "9psuite explore: mismatch at step %zu (%s), shrinking...\n",
		rp->orig_steps, l->fail.check);
	shrink_seq(l->tg, &l->found, l->o->bytes, &l->fail, &last, &rp->shrink_runs);
	rp->fail = last;
	rp->shrunk_steps = l->found.n;
	if (!(ref = builtin_synthfs(err, sizeof err))) {
		fprintf(stderr, "9psuite explore: no reference for the reproducer: %s\n", err);
		return;
	}
	struct xtarget rt = *l->tg;
	rt.addr = ref;
	rt.synthfs = -1;
	rt.verbose = 0;
	int n = emit_case(&rt, &l->found, l->o->bytes, rp->seed, &last, l->o->out, &rp->casetext);
	if (n >= 0)
		rp->shrunk_steps = (size_t)n;
	else if (n == -1)
		fprintf(stderr, "9psuite explore: the reproducer could not be recorded cleanly on "
			"the reference synthfs (see the case text)\n");
	rp->casepath = l->o->out;
}

static int explore(struct xopts *o, struct xtarget *tg, struct xreport *rp)
{
	struct loop l = { .o = o, .tg = tg, .rng = { o->seed * 2654435761u + 1 } };
	uint32_t nextid = 1;
	int rc = 0;
	l.t0 = l.last_progress = p9_now_ns();
	while (!time_up(&l) && (rc = one_sequence(&l, &nextid)) == 0)
		;
	rp->steps = l.steps;
	rp->secs = (double)(p9_now_ns() - l.t0) / 1e9;
	if (l.accepted)
		printf("# %lu accepted deviations (--accept)\n", l.accepted);
	if (rc == 1) {
		rp->found_secs = rp->secs;
		rp->found_steps = l.steps;
		conclude(&l, rp);
	}
	seq_free(&l.found);
	return rc < 0 ? 2 : rc;
}

int explore_main(int argc, char **argv)
{
	struct xopts o = { .nfids = 6, .bytes = 8192 };
	struct xtarget tg = { .msize = 65536, .uname = "root", .aname = "", .timeout_ms = 5000,
			      .synthfs = -1 };
	static struct tfile tf;
	struct xreport rp = { 0 };
	int rc;
	target_init();
	if ((rc = parse(argc, argv, &o, &tg)) >= 0)
		return rc;
	if (!o.have_seed)
		o.seed = (uint64_t)time(NULL);
	if (!o.steps && o.duration <= 0)
		o.duration = 30;
	if ((rc = resolve(&o, &tg, &tf)) >= 0)
		return rc;
	rp.seed = o.seed;
	rp.target = tg.addr;
	printf("TAP version 14\n# 9psuite explore --seed %llu (9P2000.L, %s, %u fids, %u bytes)\n",
	       (unsigned long long)o.seed, tg.addr, o.nfids, o.bytes);
	fflush(stdout);
	rc = explore(&o, &tg, &rp);
	report_tap(stdout, &rp, &tg);
	if (o.json && report_json(o.json, &rp, &tg))
		rc = 2;
	if (o.junit && report_junit(o.junit, &rp, &tg))
		rc = 2;
	free(rp.casetext);
	target_file_free(&tf);
	return rc;
}
