/*
 * explore.h - 9psuite explore: model-based random testing of a 9P server.
 *
 * Owns the types shared by the explorer's files: one operation of a
 * sequence (struct xstep), the in-memory model of the scratch tree and of
 * each fid (struct xmodel, model.c), one run against a server (run.c), the
 * generator (gen.c), the shrinker (shrink.c), the reproducer writer
 * (emit.c) and the reporters (report.c).  docs/explore.md is the guide.
 */
#ifndef EXPLORE_H
#define EXPLORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "p9.h"
#include "p9fs.h"

/* The operations a sequence is made of (9P2000.L). */
enum xop {
	XO_WALK, XO_LCREATE, XO_LOPEN, XO_READ, XO_WRITE, XO_SETSIZE, XO_SETMODE,
	XO_GETATTR, XO_MKDIR, XO_SYMLINK, XO_READLINK, XO_LINK, XO_RENAME,
	XO_UNLINK, XO_READDIR, XO_FSYNC, XO_STATFS, XO_CLUNK, XO_COUNT
};

enum {
	X_MAXFIDS = 16,       /* fid slots; slot 0 is the scratch directory */
	X_NNAMES = 6,         /* the name pool: "a" .. "f" */
	X_NAME_DOTDOT = 14,   /* walk: ".." */
	X_NAME_MISSING = 15,  /* a name never created: "zz" */
	X_MAXNODES = 512,
	X_MAXSNAP = 64,
	X_SCRATCH_FID = 900,  /* the fid of the scratch directory ($scratch) */
	X_READDIR_FULL = 64,  /* a Treaddir count that fits any entry of ours */
};

/* One step of a sequence.  Fids are slots (fid number = slot, slot 0 is
 * the scratch directory); names index the pool. */
struct xstep {
	uint32_t id;          /* unique in its sequence; readdir resumes name it */
	uint8_t op;           /* enum xop */
	uint8_t fid, fid2, newfid;
	uint8_t nname;
	uint8_t name[3];
	uint8_t name2;
	uint32_t flags;       /* open flags, unlinkat flags */
	uint32_t mode;
	uint64_t off;
	uint32_t count;
	uint32_t dseed;       /* write data: the pattern from this offset */
	uint32_t from;        /* readdir: 1 resume after the fid's last Treaddir, 0 offset 0 */
};

struct xseq {
	struct xstep *s;
	size_t n, cap;
};

/* Choices a server may make differently; the run records which. */
enum xchoice {
	XC_DOTS_LISTED, XC_DOTS_OMITTED, XC_LCREATE_OPENS, XC_LCREATE_EEXIST,
	XC_UNLINKAT_FALLBACK, XC_QVER_CHANGES, XC_QVER_STATIC, XC_COUNT
};

/* A mismatch: which step, which check, why. */
struct xfail {
	int failed;
	size_t step;          /* index in the sequence */
	uint8_t op;
	char check[32];       /* "read.data", "readdir.once" ... */
	char why[512];
};

struct xnode;
struct xlisting;

struct xfid {
	int inuse, open, rd, wr, app, stale;
	int node;
	int listing;          /* index of its readdir listing state, -1 none */
};

struct xmodel {
	struct xnode *nodes;
	int nnodes;
	struct xfid fid[X_MAXFIDS];
	struct xlisting *lst; /* one per fid slot */
	uint32_t maxbytes;
	uint32_t iomax;       /* msize - IOHDRSZ */
	int no_unlinkat, no_renameat;
	unsigned choice[XC_COUNT];
	const char *accept;   /* --accept checks, " a b " */
	unsigned long naccepted;
	char lastaccepted[32];
};

/* Expected outcome of a step, computed before it is sent. */
struct xexpect {
	int skip;             /* precondition false: the step is not sent */
	int ok;               /* success allowed */
	uint64_t errs;        /* bit e: errno e allowed (e < 64) */
	uint8_t rtype;        /* the reply type of a success */
	uint32_t from_id;     /* readdir: the step id whose reply it resumes */
};

/* model.c */
void model_init(struct xmodel *m, uint32_t maxbytes, uint32_t iomax);
void model_free(struct xmodel *m);
const char *model_name(uint8_t i);
int model_fidnum(uint8_t slot);
/* The request for st (buffers in *names live as long as the model). */
void model_expect(struct xmodel *m, const struct xstep *st, struct xexpect *e);
int model_build(struct xmodel *m, const struct xstep *st, struct p9_msg *t, uint8_t *data);
/* Check the reply against the prediction and apply it; 0 or -1 with f. */
int model_apply(struct xmodel *m, const struct xstep *st, const struct xexpect *e,
		const struct p9_reply *r, struct xfail *f);
/* The readdir resume offset of step id (from an earlier reply). */
int model_resume(const struct xmodel *m, uint8_t slot, uint32_t id, uint64_t *off);
/* Facts the generator uses. */
int model_fid_kind(const struct xmodel *m, uint8_t slot); /* 0 free, 'd' 'f' 'l' */
uint64_t model_fid_size(const struct xmodel *m, uint8_t slot);
uint32_t model_last_readdir(const struct xmodel *m, uint8_t slot);
int model_depth(const struct xmodel *m, uint8_t slot);
const char *symtarget_of(uint32_t dseed);
/* 1 if check matches one of the space-separated globs of list. */
int accept_match(const char *list, const char *check);
const char *model_choice_name(int c);

/* gen.c */
struct xrng { uint64_t s; };
uint64_t rng_next(struct xrng *r);
uint32_t rng_below(struct xrng *r, uint32_t n);
void gen_step(struct xrng *r, const struct xmodel *m, struct xstep *st, uint32_t id,
	      uint32_t nfids);

/* run.c: one connection and scratch directory per sequence. */
struct xtarget {
	const char *addr;
	uint32_t msize;
	const char *uname, *aname;
	int timeout_ms;
	int verbose;
	int synthfs;          /* scratch under /rw */
	unsigned runs;        /* scratch directories made (their names) */
	uint64_t model_ns, wait_ns;
	unsigned long cover[XO_COUNT][3];   /* op x {ok, error, flag variant} */
	uint64_t errseen[XO_COUNT];         /* op x errno bits */
	unsigned long flagseen[16];         /* lcreate/lopen flag combos (bits) */
	unsigned choice[XC_COUNT];
	int no_unlinkat, no_renameat;
	char accept[256];     /* --accept names, space separated */
	unsigned long naccepted;
	char acceptseen[256]; /* which accepted checks were hit */
};
struct xrun;
typedef int (*xrun_step_fn)(void *arg, struct xrun *x, const struct xstep *st,
			    const struct xexpect *e, const struct p9_msg *t,
			    const struct p9_reply *r);
struct xrun {
	struct xtarget *tg;
	struct p9_conn *conn;
	struct p9_client *cl;
	struct p9_fs fs;
	struct xmodel m;
	char scratch[64];
	uint32_t basefid;
};
/* Open a session and a fresh scratch directory; 0 or -1 with err. */
int run_open(struct xtarget *tg, struct xrun *x, uint32_t maxbytes, char *err, size_t cap);
void run_close(struct xrun *x);
/* One step; 0 ok (or skipped: *sent 0), 1 mismatch (f), -1 transport. */
int run_step(struct xrun *x, const struct xstep *st, struct xfail *f, int *sent,
	     xrun_step_fn fn, void *arg);
/* A whole sequence on a fresh scratch directory: 0 clean, 1 mismatch,
 * -1 infrastructure (err in f->why). */
int run_seq(struct xtarget *tg, const struct xseq *q, uint32_t maxbytes, struct xfail *f,
	    xrun_step_fn fn, void *arg);

/* shrink.c */
int shrink_seq(struct xtarget *tg, struct xseq *q, uint32_t maxbytes,
	       const struct xfail *first, struct xfail *last, unsigned *runs);

/* emit.c */
int emit_case(struct xtarget *ref, const struct xseq *q, uint32_t maxbytes,
	      uint64_t seed, const struct xfail *f, const char *path, char **text);

/* report.c */
struct xreport {
	uint64_t seed;
	const char *target, *dialect;
	unsigned long steps;
	double secs;
	int found;
	struct xfail fail;
	size_t shrunk_steps, orig_steps;
	unsigned shrink_runs;
	double found_secs;    /* time to detection */
	unsigned long found_steps;
	const char *casepath;
	char *casetext;
};
void report_tap(FILE *o, const struct xreport *rp, const struct xtarget *tg);
int report_json(const char *path, const struct xreport *rp, const struct xtarget *tg);
int report_junit(const char *path, const struct xreport *rp, const struct xtarget *tg);
const char *xop_name(int op);

void seq_push(struct xseq *q, const struct xstep *st);
void seq_free(struct xseq *q);

int explore_main(int argc, char **argv);

#endif
