/*
 * suite.h - 9psuite internals: the case language (tokens, expressions,
 * statements, cases), its values, the interpreter and the runner.
 *
 * Owns: the types shared by the files of suite/.  Nothing here is part of lib9p.
 */
#ifndef SUITE_H
#define SUITE_H

#include <stdint.h>
#include <stdio.h>

#include "p9.h"

/* ---- tokens (lex.c) ---- */

enum tok_kind {
	T_EOL, T_WORD, T_NUM, T_STR, T_VAR, T_OP, T_LBRACK, T_RBRACK,
	T_LBRACE, T_RBRACE, T_LPAREN, T_RPAREN, T_COMMA, T_ARROW, T_DOTDOT,
	T_HEX, T_DUR,
};

struct tok {
	int kind;
	char *s;          /* word, string body, variable name, operator, hex digits */
	size_t slen;      /* length of s (strings may hold NUL) */
	uint64_t n;       /* number; duration in ms */
	int line, col;
};

struct srcpos {
	const char *file;
	int line, col;
};

/* Split one file into lines of tokens.  Returns 0 or -1 with a
 * "file:line:col: message" in err. */
struct toklines {
	struct tok **line;   /* per line: tokens, ended by T_EOL */
	int *ntok;
	int nline;
};
int lex_file(const char *file, const char *text, struct toklines *out,
	     char *err, size_t cap);
void toklines_free(struct toklines *tl);

/* ---- values (value.c) ---- */

enum val_kind { V_NONE, V_INT, V_STR, V_QID, V_LIST };

struct value {
	int kind;
	uint64_t i;
	char *s;          /* V_STR: owned bytes (NUL-terminated, may hold NUL) */
	size_t len;
	struct p9_qid q;
	struct value *item;  /* V_LIST */
	int nitem;
};

void val_free(struct value *v);
void val_copy(struct value *dst, const struct value *src);
struct value val_int(uint64_t i);
struct value val_str(const char *s, size_t len);
struct value val_qid(struct p9_qid q);
int val_eq(const struct value *a, const struct value *b);
/* Human form for messages; returns out. */
char *val_fmt(const struct value *v, char *out, size_t cap);

/* Named constants of the language (NOFID, O_RDWR, ENOENT ...). */
int const_lookup(const char *name, uint64_t *v);

/* ---- expressions ---- */

enum expr_kind { E_NUM, E_STR, E_VAR, E_LIST, E_SET, E_BIN, E_CALL, E_ANY };

struct expr {
	int kind;
	uint64_t n;
	char *s;            /* E_STR bytes, E_VAR name, E_CALL name */
	size_t slen;
	char *path;         /* E_VAR: ".path" style sub-field, or NULL */
	int op;             /* E_BIN: '+', '-', '*', '/' */
	struct expr **arg;  /* E_LIST/E_SET items, E_BIN l r, E_CALL args */
	int narg;
	struct srcpos pos;
};

void expr_free(struct expr *e);

/* ---- statements (parse.c) ---- */

/* The statements that are not helpers (parse.c's keywords), and S_HELPER:
 * a helper statement, whose row (langtab.c) is stmt.helper. */
enum stmt_kind {
	S_SEND, S_SENDRAW, S_EXPECT, S_FOR, S_IF, S_REPEAT, S_SET, S_ASSERT,
	S_SLEEP, S_FAIL, S_LOG, S_SKIP, S_HELPER,
};

enum pred_op { P_EQ, P_NE, P_LT, P_LE, P_GT, P_GE, P_IN, P_HAS, P_CAPTURE };

struct pred {
	char *field;         /* "wqid[0].path", "nwqid", "ename" ... */
	int op;
	struct expr *val;    /* NULL for P_CAPTURE */
	char *var;           /* P_CAPTURE target */
	struct srcpos pos;
};

struct assign {
	char *field;         /* a field of the message or an override */
	struct expr *val;
	struct srcpos pos;
};

enum expect_kind { X_MSG, X_ERROR, X_NONE, X_CLOSE, X_ERROR_OR_CLOSE,
		   X_ANY, X_FLUSHED };

struct stmt {
	int kind;
	struct srcpos pos;
	char *text;               /* the source line, for messages */
	/* send / expect */
	const struct p9_msgdef *def;
	char *handle;             /* @name or NULL */
	struct assign *as;
	int nas;
	int xkind;
	struct pred *pr;
	int npr;
	int *errnos;              /* expect error E1|E2 */
	int nerrno;
	uint64_t within_ms;       /* 0: default */
	int already;              /* the reply must have arrived already */
	int all;                  /* expect all: every request in flight */
	const struct helper *helper; /* S_HELPER: its row */
	/* generic arguments (helpers, set, assert, sleep, for) */
	struct expr **arg;
	int narg;
	char *var;                /* "-> $x" capture */
	int dialects;             /* if dialect */
	int op;                   /* assert operator */
	/* blocks */
	struct stmt *body;
	int nbody;
	struct stmt *elsebody;
	int nelse;
};

/* ---- helper statements (langtab.c) ---- */

struct interp;

/* One table of the helper statements (walk, open, listdir ...): a row is
 * the statement's name, its arity, the options it takes, what '-> $var'
 * captures and the variables it sets besides, and the function that runs
 * it.  parse.c checks statements against it, interp.c runs them. */
enum opt_type {
	OPT_NUM,      /* a number */
	OPT_U32,      /* a number, truncated to 32 bits */
	OPT_FID,      /* a fid */
	OPT_BOOL,     /* 0 or not */
};
enum { HELPER_MAXOPT = 3 };
struct helper_opt {
	const char *name;    /* NULL: no more options */
	int type;            /* enum opt_type */
	uint64_t dflt;       /* its value when not given */
};
/* A statement's options, evaluated: v[i] is option i of the row. */
struct helper_opts {
	uint64_t v[HELPER_MAXOPT];
	unsigned given;      /* bit i: option i was given */
};
/* What '-> $var' gets: nothing, out.q or out.n of the run. */
enum capture { CAP_NONE, CAP_QID, CAP_NUM };
struct helper_out {
	struct p9_qid q;
	uint64_t n;
};
struct helper {
	const char *name;
	int minargs, maxargs;
	struct helper_opt opt[HELPER_MAXOPT];
	int capture;         /* enum capture: what '-> $var' gets */
	int capreq;          /* 1: '-> $var' is required */
	const char *sets;    /* the variables it sets besides ("iounit"), or NULL */
	/* Runs it: 0 (out: what the capture takes), or -1 after in_fail. */
	int (*run)(struct interp *in, const struct stmt *s, const struct helper_opts *o,
		   struct helper_out *out);
};
const struct helper *helper_byname(const char *name);
/* Index of option name in h's row, or -1. */
int helper_opt(const struct helper *h, const char *name);

enum level { LV_MUST, LV_SHOULD };
enum setup { SETUP_ATTACH, SETUP_VERSION, SETUP_NONE };

enum need {
	NEED_WRITABLE = 1, NEED_SYNTHFS = 2, NEED_BLOCKING = 4, NEED_XATTR = 8,
	NEED_MULTIDEV = 16, /* a /multidev tree (synthfs, qemu:scratch) */
	NEED_FIXTURES = 32, /* the contract tree (synthfs's own, or built over 9P) */
};

struct scase {
	char *code;
	char *title;
	char **flags;
	int nflags;
	int dialects;
	char **deps;
	int ndeps;
	int level;
	char *cite;
	int needs;
	int setup;
	uint64_t timeout_ms;      /* 0: the runner's default */
	struct stmt *body;
	int nbody;
	struct srcpos pos;
};

struct catalogue {
	struct scase *c;
	int n;
	char **files;             /* file names the cases point to */
	int nfiles;
};

/* Parse one .case file and append its cases.  Returns 0 or -1 with
 * "file:line:col: message" in err. */
int parse_file(const char *file, struct catalogue *cat, char *err, size_t cap);
/* The same for text already in memory (NUL-terminated; split into lines
 * in place); file names it in messages. */
int parse_text(const char *file, char *text, struct catalogue *cat, char *err,
	       size_t cap);
/* Every *.case file of a directory, in name order. */
int parse_dir(const char *dir, struct catalogue *cat, char *err, size_t cap);
void catalogue_free(struct catalogue *cat);
int case_has_flag(const struct scase *c, const char *flag);

/* ---- the interpreter (interp.c, helpers.c) ---- */

/* What the runner learned about a target. */
struct caps {
	int dialects;        /* dialects the target accepted */
	int synthfs;         /* the synthfs tree is present */
	int multidev;        /* /multidev/devA and devB exist (synthfs, qemu:scratch) */
	int writable;        /* a scratch dir could be made */
	int blocking;        /* /flush/block exists */
	int xattr;           /* user xattrs can be set in the scratch area */
	char scratchbase[64];/* "rw" on synthfs, "" (the root) otherwise */
	int fixtures;        /* the contract tree is at fixpath */
	char fixpath[160];   /* from the root: "" (synthfs, a provisioned export) */
	char fixwhy[600];    /* why there is none */
	int unlinkat;        /* 9P2000.L Tunlinkat: 1 works, -1 EOPNOTSUPP, 0 unknown */
	int versiondev;      /* VDEV_*: the probe's Rversion broke version(5) */
};

struct runopts {
	const char *target;
	uint32_t msize;
	const char *uname, *aname;
	uint32_t n_uname;
	int call_ms;         /* one reply's default timeout */
	uint64_t case_ms;    /* default case timeout */
	int verbose;
	int strict_decode;   /* refuse replies P9_DEC_* (and handshake.c) would accept */
	const char *multidev;/* the tree of several devices, from the root ($multidev) */
	uint32_t rounds;     /* $rounds: the rounds of the race family (--rounds) */
};

struct pending {
	char name[32];
	uint16_t tag;
	uint8_t type;
	int used;
	uint16_t oldtag;     /* Tflush: the tag it flushes */
	uint64_t seq;        /* arrival order of its reply (p9_reply.seq), 0 none yet */
};

struct var {
	char *name;
	struct value v;
};

/* The fids the runner and helpers use, all below 1024 (a server may cap
 * fids there: nfs-ganesha answers ERANGE above).  A case's own fids stay
 * below RUNNER_FID_MIN. */
enum {
	SCRATCH_FID = 900,   /* the case's scratch directory */
	BASE_FID = 901,      /* its parent while it is made and removed */
	FIX_FID = 902,       /* the root of the fixture tree ($fix) */
	RUNNER_FID_MIN = 900, RUNNER_FID_MAX = 909, /* 902-909: runner, fixtures */
	HELPER_FID_MIN = 960, HELPER_FID_MAX = 1023, /* helpers' temporaries */
};

/* One running case: its connection, variables and transcript. */
struct interp {
	const struct runopts *o;
	const struct caps *caps;
	const struct scase *sc;
	int dialect;
	struct p9_conn *conn;
	struct p9_client *cl;
	uint64_t deadline_ns;
	struct var *vars;
	int nvar;
	struct pending pend[256];
	int npend;
	int last;            /* index of the latest send, -1 none */
	uint32_t scratchfid; /* 0 when the case has none */
	char scratchname[96];
	/* transcript: the exchange so far (fcall lines) */
	char *log;
	size_t loglen, logcap;
	char failmsg[1024];
	uint64_t tmpused;    /* helpers' temporary fids in use (bit i: HELPER_FID_MIN+i) */
	char skipmsg[300];   /* set by 'skip': the case ends as skipped */
	unsigned nchurn;     /* files made by listdir churn= so far */
	int versioned;       /* an Rversion was seen on this connection */
	int early;           /* the reply being checked answers Tversion or
				comes before any Rversion */
	char infra[600];     /* a connection could not be set up */
	int unsol_logged;    /* the first unsolicited reply is in the transcript */
	int ntolerated;      /* replies decoded only by a P9_DEC_* tolerance */
	int unlinkat;        /* as caps->unlinkat, learnt on the way (h_remove) */
	int conn_lost;       /* the target closed a connection unasked (in_lost) */
	int versiondev;      /* VDEV_*: how the opening Rversion broke version(5) */
	unsigned tolkinds;   /* TOL_*: the kinds of the tolerated replies */
	int setup_failed;    /* failmsg is an error of the case's setup */
	char cleanupmsg[1200];/* the scratch directory could not be removed */
};

/* How an Rversion broke version(5) yet was accepted (handshake.c). */
enum { VDEV_MSIZE = 1, VDEV_TAG = 2, VDEV_BODY = 4 };
/* Kinds of tolerated replies, for the summary. */
enum { TOL_STATLEN = 1, TOL_RLERROR = 2, TOL_RVERSION = 4 };

enum { R_PASS, R_FAIL, R_SKIP };

void interp_init(struct interp *in, const struct runopts *o, const struct caps *caps,
		 const struct scase *sc, int dialect);
void interp_done(struct interp *in);
/* Run the case's setup, body and cleanup.  R_PASS, R_FAIL (failmsg),
 * R_SKIP (skipmsg: the case said 'skip'). */
int interp_run(struct interp *in);
/* session.c: the transcript, the case's failure and one request with its
 * reply; the bottom layer, used by everything above. */
int in_fail(struct interp *in, const struct stmt *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void in_log(struct interp *in, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void in_log_msg(struct interp *in, const char *dir, const struct p9_msg *m);
void in_log_reply(struct interp *in, const struct p9_reply *r);
const char *in_rc_str(int rc);
/* Fail the case: the target closed the connection during request req. */
int in_lost(struct interp *in, const struct stmt *s, int req, unsigned tag);
void in_disconnect(struct interp *in);
int in_call_ms(const struct interp *in);
/* One request and its reply, with timeouts and transcript; -1 after
 * in_fail. */
int in_rpc(struct interp *in, const struct stmt *s, struct p9_msg *m,
	   struct p9_reply **r);
/* rpc that must answer want (else fails the case). */
int in_rpc_ok(struct interp *in, const struct stmt *s, struct p9_msg *m,
	      int want, struct p9_reply **r);
/* Before sending tag: drain if it is being reused after its answer. */
void in_before_send(struct interp *in, uint16_t tag);
/* Fail the case if a reply came for a tag with nothing in flight; 0 if
 * none did.  rc: the result of the wait during which it came. */
int in_unsolicited(struct interp *in, const struct stmt *s, int rc);
/* The first unsolicited reply (why: its description) into the transcript,
 * once per connection. */
void in_log_unsolicited(struct interp *in, const char *why);
/* 1 once a reply to the request named name has arrived (waiting up to ms
 * for it, without taking it), 0 if none has, -1 (case failed) on error. */
int in_answered(struct interp *in, const char *name, int ms);
/* eval.c: expressions and the case's variables. */
int eval(struct interp *in, const struct expr *e, struct value *out);
int eval_int(struct interp *in, const struct expr *e, uint64_t *v);
char *eval_cstr(struct interp *in, const struct expr *e); /* caller frees */
/* The values e[0..n-1] as words, joined by spaces into out. */
int eval_words(struct interp *in, struct expr *const *e, int n, char *out, size_t cap);
int val_sub(struct interp *in, const struct expr *e, const struct value *v,
	    const char *path, struct value *out);
struct value *var_get(struct interp *in, const char *name);
void var_set(struct interp *in, const char *name, const struct value *v);
void var_int(struct interp *in, const char *name, uint64_t i);
void var_qid(struct interp *in, const char *name, struct p9_qid q);
void var_str(struct interp *in, const char *name, const char *s);
/* The builtin functions (eval.c's table): name, arity and body, which
 * returns 0, -1 (the case failed) or 1 (arguments of the wrong kinds). */
enum { BUILTIN_MAXARGS = 2 };
struct builtin {
	const char *name;
	int minargs, maxargs;
	const char *usage;   /* "bytes(n[,off])", for messages */
	int (*fn)(struct interp *in, const struct expr *e, const struct value *a,
		  struct value *out);
};
const struct builtin *builtin_byname(const char *name);
/* "str(s,n), bytes(n[,off]), ...": every builtin, for messages; returns out. */
char *builtin_usage(char *out, size_t cap);
/* The most a case's variables hold in all (bytes of strings and lists). */
#define EVAL_MAXVARS (64u << 20)
int var_fits(struct interp *in, const char *name, const struct value *v);
/* handshake.c: Tversion and its reply, judged leniently; 0 (the client's
 * dialect and msize set), -ECONNRESET, or another error with err. */
int in_version(struct interp *in, uint32_t msize, char *err, size_t cap);
/* fields.c: the names a case reads from a reply and sets on a request,
 * beyond the message table's fields: the pseudo-fields (tag, msgtype,
 * errno, entries ...) and the stat and dirent record fields. */
struct sendreq {             /* a request send is building */
	struct p9_msg m;
	int have_tag, have_size, have_type; /* header overrides given */
	uint64_t size, type;
};
/* 1 if a reply of row d (NULL: unknown) has the field path (set 0), or a
 * request of row d the field path (set 1): the parser's checks. */
int field_known(const struct p9_msgdef *d, const char *path, int set);
/* The value of a reply's field (or pseudo-field) path. */
int reply_field(struct interp *in, const struct stmt *s, const struct p9_reply *r,
		const char *path, struct value *out);
/* The errno of an Rlerror or Rerror (0 in 9P2000), 0 for any other reply. */
int reply_errno(const struct p9_reply *r);
/* Set a's field on q to v (which must outlive q). */
int field_assign(struct interp *in, const struct stmt *s, struct sendreq *q,
		 const struct assign *a, const struct value *v);
/* A Twstat's stat with every field "don't touch". */
void stat_dont_touch(struct p9_stat *st);
/* send.c, expect.c */
int stmt_send(struct interp *in, const struct stmt *s);
int stmt_sendraw(struct interp *in, const struct stmt *s);
int stmt_expect(struct interp *in, const struct stmt *s);
/* 1 when a OP b holds, 0 when not, -1 (case failed) on a type error. */
int value_test(struct interp *in, const struct stmt *s, const char *what,
	       const struct value *a, int op, const struct value *b);
int value_compare(struct interp *in, const struct stmt *s, const char *what,
		  const struct value *a, int op, const struct value *b);
/* connect.c: connect a case's session (attach < 0: dial only, 0: and
 * Tversion, 1: and Tattach fid 0), setting the runner's variables. */
int in_connect(struct interp *in, const struct stmt *s, int attach, uint32_t msize);
/* langtab.c: run a helper statement (S_HELPER) through its row. */
int run_helper(struct interp *in, const struct stmt *s);

/* helpers.c: dialect-adaptive steps that must succeed. */
int h_walk(struct interp *in, const struct stmt *s, uint32_t fid, uint32_t newfid,
	   const char *path, struct p9_qid *q);
int h_open(struct interp *in, const struct stmt *s, uint32_t fid, const char *mode,
	   struct p9_qid *q, uint32_t *iounit);
int h_create(struct interp *in, const struct stmt *s, uint32_t fid,
	     const char *name, const char *mode, struct p9_qid *q);
int h_mkdir(struct interp *in, const struct stmt *s, uint32_t dfid,
	    const char *name, struct p9_qid *q);
int h_clunk(struct interp *in, const struct stmt *s, uint32_t fid);
int h_getsize(struct interp *in, const struct stmt *s, uint32_t fid, uint64_t *size);
int h_getqid(struct interp *in, const struct stmt *s, uint32_t fid, struct p9_qid *q);
int h_listdir(struct interp *in, const struct stmt *s, uint32_t fid, uint32_t count,
	      uint64_t synth, int churn, uint32_t churnfid, uint64_t *n);
/* qidscan's checks: no two files share a qid.path (unique), each Rreaddir
 * entry's qid.path is its walk's (dirent, 9P2000.L); stop quietly after
 * max files (a budget for a whole export); prune leaves out subtrees. */
enum { QSCAN_MAXPRUNE = 2 };
struct qscan {
	int unique, dirent;
	uint64_t max;
	const char *prune[QSCAN_MAXPRUNE]; /* subtrees not scanned (as scanned
					      paths spell them), NULL: none */
};
int h_qidscan(struct interp *in, const struct stmt *s, const char *path,
	      const struct qscan *how, uint64_t *nfiles);
int h_rmtree(struct interp *in, uint32_t dirfid, const char *name);
int h_sweep(struct interp *in, uint32_t dirfid, const char *const *pat, int *removed,
	    int *nleft, char *left, size_t cap);
int h_remove(struct interp *in, const struct stmt *s, uint32_t dirfid, uint32_t fid,
	     const char *name, int isdir);
int h_writefile(struct interp *in, const struct stmt *s, uint32_t fid,
		const char *data, size_t len);

/* ---- fixtures (fixtures.c) ---- */

struct run;
/* Find the contract tree on the target or build it (probe connection in);
 * fills caps->fixtures/fixpath/fixwhy. */
void fixtures_probe(struct run *r, struct caps *c, struct interp *in);
/* Remove a tree this run built (unless kept); 0 or -1 (reported). */
int fixtures_release(struct run *r);
/* --provision-dir DIR: build the tree into a host directory. */
int fixtures_build_host(const char *dir, char *err, size_t cap);

/* ---- runner and reporters (runner.c, report.c) ---- */

/* ST_ERROR: the case's setup failed (not its subject); last, as the count. */
enum status { ST_PASS, ST_FAIL, ST_SKIP, ST_XFAIL, ST_XPASS, ST_WARN, ST_ERROR, ST_COUNT };

struct result {
	const struct scase *sc;
	int dialect;
	int status;
	char *msg;           /* failure, skip or xfail reason */
	char *exchange;      /* transcript of a failing case */
	double secs;
	int is_fail;         /* counts against the exit status */
	int tolerated;       /* replies the decoder accepted by a tolerance */
	unsigned tolkinds;   /* TOL_* of those replies */
	char *cleanup;       /* its scratch directory could not be removed: why */
};

struct run {
	struct runopts o;
	struct catalogue cat;
	int dialects;        /* dialects to run */
	int strict, list, multi;
	char **filter;
	int nfilter;
	const char *expectfile, *junit, *json, *targetname;
	char **xcode;        /* expectations: code[/dialect] and reason */
	char **xwhy;
	int nx;
	struct caps caps[8]; /* by dialect bit */
	struct result *res;
	int nres;
	double secs;
	int keep_fixtures;   /* --keep-fixtures: a tree built here stays */
	char fixbuilt[160];  /* a tree this run built (removed at the end) */
	char fixfound[160];  /* where an earlier dialect's probe found or built it */
	char fixgone[512];   /* a tree built here was gone on a new connection: why */
	int nexits;          /* QEMUs that exited unasked between cases */
	char **exitmsg;      /* their reports, "after CASE [DIALECT]: ..." */
	char *probenotes;    /* what the probe noticed, lines for TAP comments */
	char lostafter[80];  /* a case that lost its connection: check the target */
	char unreachable[160];/* "target unreachable since CASE [D] (crashed?)" */
	int nunreach;        /* cases skipped for it */
	int probe_left;      /* the probe could not remove its directory */
	int swept, unswept;  /* directories of this run removed by the final sweep, left */
	char *unswept_names; /* those left, comma-separated */
};

int run_load_expect(struct run *r, const char *file, char *err, size_t cap);
/* Probe the target; 0, or -1 with a one-line reason (unreachable). */
int run_probe(struct run *r, char *err, size_t cap);
/* Run the selected cases; prints TAP; fills r->res. */
void run_cases(struct run *r);
/* After a run with failures: remove what this run left in the export
 * (r->swept, r->unswept). */
void run_sweep(struct run *r);
int case_selected(const struct run *r, const struct scase *c);
void run_free(struct run *r);

void tap_result(const struct run *r, int n, const struct result *res);
int write_junit(const struct run *r, const char *file);
int write_json(const struct run *r, const char *file);
const char *status_name(int st);
/* "an Rstat/Twstat n[2] ... (STAT13 reports it); ..." for TOL_* kinds */
const char *tolerated_kinds(unsigned kinds, char *out, size_t cap);

#endif
