/*
 * emit.c - the explorer's reproducer: the shrunk sequence written as one
 * case of 9psuite's case language (docs/case-language.md), `needs
 * writable`, so plain `9psuite --cases DIR` reruns it in a private scratch
 * directory.  The sequence is run once more against a reference server
 * (the built-in synthfs); every step becomes a `send` line and an `expect`
 * line: the errors the model allows, or the reply the model checked
 * (read data exactly, write counts, sizes, link targets) and, for
 * Treaddir, the entries the reference listed (names, in its order), with
 * each reply's last offset captured for the resumed reads that follow.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "explore.h"
#include "lflags.h"
#include "xalloc.h"

/* A growing string. */
struct gs {
	char *p;
	size_t len, cap;
};

static void gs_printf(struct gs *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void gs_printf(struct gs *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (b->len + (size_t)n + 1 > b->cap) {
		b->cap = (b->len + (size_t)n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

struct emitter {
	struct gs b;
	int nsent;
};

static void fidname(struct gs *b, uint8_t slot)
{
	if (slot)
		gs_printf(b, "%u", slot);
	else
		gs_printf(b, "$scratch");
}

static void quoted(struct gs *b, const uint8_t *p, size_t n)
{
	gs_printf(b, "\"");
	for (size_t i = 0; i < n; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\')
			gs_printf(b, "%c", p[i]);
		else
			gs_printf(b, "\\x%02x", p[i]);
	}
	gs_printf(b, "\"");
}

static void send_walk(struct gs *b, const struct xstep *st)
{
	gs_printf(b, "send Twalk fid=");
	fidname(b, st->fid);
	gs_printf(b, " newfid=%u wname=[", st->newfid);
	for (int i = 0; i < st->nname; i++)
		gs_printf(b, "%s\"%s\"", i ? "," : "", model_name(st->name[i]));
	gs_printf(b, "]\n");
}

static void send_line(struct gs *b, const struct xstep *st, const struct xexpect *e,
		      const struct p9_msg *t)
{
	const char *nm = model_name(st->name[0]);
	if (st->op == XO_WALK)
		return send_walk(b, st);
	gs_printf(b, "send %s %s=", p9_typename(t->type),
		     st->op == XO_MKDIR || st->op == XO_LINK ? "dfid" :
		     st->op == XO_UNLINK ? "dirfd" : st->op == XO_RENAME ? "olddirfid" : "fid");
	fidname(b, st->fid);
	switch (st->op) {
	case XO_LCREATE: gs_printf(b, " name=\"%s\" flags=%#o mode=0%o gid=0", nm,
				      st->flags, st->mode); break;
	case XO_LOPEN: gs_printf(b, " flags=%#o", st->flags); break;
	case XO_READ: gs_printf(b, " offset=%llu count=%u", (unsigned long long)st->off,
				   st->count); break;
	case XO_WRITE: gs_printf(b, " offset=%llu data=bytes(%u, %u)",
				    (unsigned long long)st->off, st->count, st->dseed); break;
	case XO_SETSIZE: gs_printf(b, " valid=SETATTR_SIZE size=%llu",
				      (unsigned long long)st->off); break;
	case XO_SETMODE: gs_printf(b, " valid=SETATTR_MODE mode=0%o", st->mode); break;
	case XO_GETATTR: gs_printf(b, " request_mask=GETATTR_BASIC"); break;
	case XO_MKDIR: gs_printf(b, " name=\"%s\" mode=0%o gid=0", nm, st->mode); break;
	case XO_SYMLINK: gs_printf(b, " name=\"%s\" symtgt=\"%s\" gid=0", nm,
				      symtarget_of(st->dseed)); break;
	case XO_LINK:
		gs_printf(b, " fid=");
		fidname(b, st->fid2);
		gs_printf(b, " name=\"%s\"", nm);
		break;
	case XO_RENAME:
		gs_printf(b, " oldname=\"%s\" newdirfid=", nm);
		fidname(b, st->fid2);
		gs_printf(b, " newname=\"%s\"", model_name(st->name2));
		break;
	case XO_UNLINK: gs_printf(b, " name=\"%s\" flags=%#x", nm, st->flags); break;
	case XO_READDIR:
		if (st->from)
			gs_printf(b, " offset=$rd%u count=%u", e->from_id, st->count);
		else
			gs_printf(b, " offset=0 count=%u", st->count);
		break;
	case XO_FSYNC: gs_printf(b, " datasync=0"); break;
	}
	gs_printf(b, "\n");
}

static void expect_error(struct gs *b, const struct xexpect *e, int got)
{
	uint64_t set = e->errs ? e->errs : 1ull << got;
	int first = 1;
	gs_printf(b, "expect error ");
	for (int i = 1; i < 64; i++)
		if ((set >> i) & 1 && p9_errno_name((uint32_t)i)) {
			gs_printf(b, "%s%s", first ? "" : "|", p9_errno_name((uint32_t)i));
			first = 0;
		}
	gs_printf(b, "\n");
}

static void expect_readdir(struct gs *b, const struct xstep *st, const struct xexpect *e,
			   const struct p9_msg *r)
{
	struct p9_dirent d;
	size_t pos = 0;
	int n = 0;
	struct gs names = { 0 };
	while (p9_dirent_next(r->data, r->count, &pos, &d) == 1) {
		gs_printf(&names, " entry[%d].name=", n++);
		quoted(&names, (const uint8_t *)d.name.p, d.name.len);
	}
	gs_printf(b, "expect Rreaddir entries=%d%s", n, names.p ? names.p : "");
	free(names.p);
	if (n)
		gs_printf(b, " last.offset -> $rd%u\n", st->id);
	else if (st->from)
		gs_printf(b, "\nset $rd%u = $rd%u\n", st->id, e->from_id);
	else
		gs_printf(b, "\nset $rd%u = 0\n", st->id);
}

static void expect_ok(struct gs *b, struct xrun *x, const struct xstep *st,
		      const struct xexpect *e, const struct p9_msg *r)
{
	if (st->op == XO_READDIR)
		return expect_readdir(b, st, e, r);
	gs_printf(b, "expect %s", p9_typename(r->type));
	switch (st->op) {
	case XO_WALK: gs_printf(b, " nwqid=%u", r->nwqid); break;
	case XO_READ:
		gs_printf(b, " count=%u data=", r->count);
		quoted(b, r->data, r->count);
		break;
	case XO_WRITE: gs_printf(b, " count=%u", r->count); break;
	case XO_GETATTR:
		if (model_fid_kind(&x->m, st->fid) == 'f')
			gs_printf(b, " size=%llu nlink=%llu", (unsigned long long)r->size,
				     (unsigned long long)r->nlink);
		break;
	case XO_READLINK:
		gs_printf(b, " target=");
		quoted(b, (const uint8_t *)r->target.p, r->target.len);
		break;
	}
	gs_printf(b, "\n");
}

/* The unlink fallback: walk to the name, Tremove it. */
static void emit_remove(struct gs *b, const struct xstep *st, int err)
{
	gs_printf(b, "send Twalk fid=");
	fidname(b, st->fid);
	gs_printf(b, " newfid=800 wname=[\"%s\"]\nexpect any\nsend Tremove fid=800\n",
		     model_name(st->name[0]));
	gs_printf(b, err ? "expect error\n" : "expect Rremove\n");
}

static int on_step(void *arg, struct xrun *x, const struct xstep *st,
		   const struct xexpect *e, const struct p9_msg *t, const struct p9_reply *r)
{
	struct emitter *em = arg;
	int err = p9_reply_errno(r);
	em->nsent++;
	if (st->op == XO_UNLINK && x->m.no_unlinkat) {
		emit_remove(&em->b, st, err);
		return 0;
	}
	send_line(&em->b, st, e, t);
	if (err)
		expect_error(&em->b, e, err);
	else
		expect_ok(&em->b, x, st, e, &r->m);
	return 0;
}

static void header(struct gs *b, uint64_t seed, const struct xfail *f)
{
	gs_printf(b, "# 9psuite explore --seed %llu: shrunk reproducer of a mismatch at "
		     "check %s\n# %s\n", (unsigned long long)seed, f->check, f->why);
	gs_printf(b, "case EXPLORE1 \"explore seed %llu: %s\"\nflags explore\ndialects L\n"
		     "level must \"", (unsigned long long)seed, f->check);
	for (const char *p = f->why; *p; p++)
		gs_printf(b, "%c", *p == '"' ? '\'' : *p);
	gs_printf(b, "\"\nneeds writable\n");
}

int emit_case(struct xtarget *ref, const struct xseq *q, uint32_t maxbytes,
	      uint64_t seed, const struct xfail *f, const char *path, char **text)
{
	struct emitter em = { { 0 }, 0 };
	struct xfail rf;
	header(&em.b, seed, f);
	int rc = run_seq(ref, q, maxbytes, &rf, on_step, &em);
	if (rc)
		gs_printf(&em.b, "# WARNING: the reference server %s at step %zu: %s\n",
			     rc > 0 ? "also mismatched the model" : "failed", rf.step, rf.why);
	gs_printf(&em.b, "end\n");
	*text = em.b.p;
	if (path) {
		FILE *o = fopen(path, "w");
		int bad = !o || fputs(em.b.p, o) < 0;
		if ((o && fclose(o)) || bad) {
			fprintf(stderr, "9psuite explore: cannot write %s\n", path);
			return -2;
		}
	}
	return rc ? -1 : em.nsent;
}
