/*
 * parse.c - the parser of the case language: cases, their metadata,
 * statements, blocks (for, repeat, if ... else ... end) and expressions.
 *
 * Owns: the syntax tree (struct scase, struct stmt, struct expr) and its
 * checks that need no target: message and field names exist in the table,
 * helpers get the right number of arguments, blocks are closed.  Every
 * error is "file:line:col: message".  docs/case-language.md describes it.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "suite.h"
#include "xalloc.h"

struct parser {
	const char *file;
	struct toklines tl;
	int line;            /* current line index */
	int pos;             /* current token index in the line */
	char *err;
	size_t cap;
	char **src;          /* source lines, for stmt->text */
};

static struct tok *cur(struct parser *p)
{
	return &p->tl.line[p->line][p->pos];
}

static int perr(struct parser *p, const struct tok *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(struct parser *p, const struct tok *t, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(p->err, p->cap, "%s:%d:%d: %s", p->file, t->line, t->col, msg);
	return -1;
}

static void *grow(void *p, int n, size_t size)
{
	/* room for one more element when n is a power of two or zero */
	if (n == 0 || (n & (n - 1)) == 0)
		p = xrealloc(p, (size_t)(n ? n * 2 : 1) * size);
	return p;
}

static int is_word(const struct tok *t, const char *w)
{
	return t->kind == T_WORD && strcmp(t->s, w) == 0;
}

/* ---- expressions ---- */

static struct expr *enew(int kind, const struct parser *p, const struct tok *t)
{
	struct expr *e = xcalloc(1, sizeof *e);
	e->kind = kind;
	e->pos.file = p->file;
	e->pos.line = t->line;
	e->pos.col = t->col;
	return e;
}

void expr_free(struct expr *e)
{
	if (!e)
		return;
	for (int i = 0; i < e->narg; i++)
		expr_free(e->arg[i]);
	free(e->arg);
	free(e->s);
	free(e->path);
	free(e);
}

static void eadd(struct expr *e, struct expr *a)
{
	e->arg = grow(e->arg, e->narg, sizeof *e->arg);
	e->arg[e->narg++] = a;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	return c - 'A' + 10;
}

static struct expr *parse_expr(struct parser *p);

static struct expr *parse_seq(struct parser *p, int close, struct expr *e)
{
	p->pos++;
	while (cur(p)->kind != close) {
		struct expr *a;
		if (cur(p)->kind == T_EOL) {
			perr(p, cur(p), "unclosed list");
			expr_free(e);
			return NULL;
		}
		if (!(a = parse_expr(p))) {
			expr_free(e);
			return NULL;
		}
		eadd(e, a);
		if (cur(p)->kind == T_COMMA)
			p->pos++;
		else if (cur(p)->kind != close) {
			perr(p, cur(p), "expected ',' or the end of the list");
			expr_free(e);
			return NULL;
		}
	}
	p->pos++;
	return e;
}

static struct expr *parse_arith(struct parser *p)
{
	struct expr *l = parse_expr(p);
	while (l && cur(p)->kind == T_OP && strchr("+-*/", cur(p)->s[0]) &&
	       cur(p)->s[1] == 0) {
		struct expr *b = enew(E_BIN, p, cur(p)), *r;
		b->op = cur(p)->s[0];
		p->pos++;
		if (!(r = parse_expr(p))) {
			expr_free(b);
			expr_free(l);
			return NULL;
		}
		eadd(b, l);
		eadd(b, r);
		l = b;
	}
	if (l && cur(p)->kind != T_RPAREN) {
		perr(p, cur(p), "expected ')'");
		expr_free(l);
		return NULL;
	}
	p->pos++;
	return l;
}

/* 0x... longer than a number: bytes */
static struct expr *parse_hex(struct parser *p, const struct tok *t)
{
	struct expr *e;
	if (t->slen % 2) {
		perr(p, t, "odd number of hex digits");
		return NULL;
	}
	e = enew(E_STR, p, t);
	e->slen = t->slen / 2;
	e->s = xmalloc(e->slen + 1);
	for (size_t i = 0; i < e->slen; i++)
		e->s[i] = (char)(hexval(t->s[2 * i]) * 16 + hexval(t->s[2 * i + 1]));
	e->s[e->slen] = 0;
	p->pos++;
	return e;
}

/* $name, $name.path, $name[i]... */
static struct expr *parse_var(struct parser *p, const struct tok *t)
{
	char *dot = strpbrk(t->s, ".[");
	struct expr *e = enew(E_VAR, p, t);
	e->s = xstrdup(t->s);
	if (dot) {
		e->s[dot - t->s] = 0;
		e->path = xstrdup(*dot == '.' ? dot + 1 : dot);
	}
	p->pos++;
	return e;
}

/* f(args): a builtin of eval.c's table, with as many arguments as it takes */
static struct expr *parse_call(struct parser *p, const struct tok *t)
{
	const struct builtin *b = builtin_byname(t->s);
	struct expr *e = enew(E_CALL, p, t);
	char usage[200];
	e->s = xstrdup(t->s);
	p->pos++;
	if (!b) {
		expr_free(e);
		perr(p, t, "unknown function %s() (%s)", t->s, builtin_usage(usage, sizeof usage));
		return NULL;
	}
	if (!(e = parse_seq(p, T_RPAREN, e)))
		return NULL;
	if (e->narg < b->minargs || e->narg > b->maxargs) {
		expr_free(e);
		perr(p, t, "wrong number of arguments to %s (%s)", b->name, b->usage);
		return NULL;
	}
	return e;
}

/* any, f(args), a named constant, or a bare word (a string) */
static struct expr *parse_word(struct parser *p, const struct tok *t)
{
	struct expr *e;
	uint64_t v;
	if (strcmp(t->s, "any") == 0) {
		p->pos++;
		return enew(E_ANY, p, t);
	}
	if (t[1].kind == T_LPAREN)
		return parse_call(p, t);
	if (const_lookup(t->s, &v)) {
		e = enew(E_NUM, p, t);
		e->n = v;
	} else {
		e = enew(E_STR, p, t);
		e->s = xstrdup(t->s);
		e->slen = strlen(t->s);
	}
	p->pos++;
	return e;
}

/* One value: number, string, word, $var, [list], {set}, (arith), f(args). */
static struct expr *parse_expr(struct parser *p)
{
	struct tok *t = cur(p);
	struct expr *e;
	switch (t->kind) {
	case T_NUM:
	case T_DUR:
		e = enew(E_NUM, p, t);
		e->n = t->n;
		p->pos++;
		return e;
	case T_HEX:
		return parse_hex(p, t);
	case T_STR:
	case T_DOTDOT:
		e = enew(E_STR, p, t);
		e->slen = t->kind == T_STR ? t->slen : 2;
		e->s = xmalloc(e->slen + 1);
		memcpy(e->s, t->kind == T_STR ? t->s : "..", e->slen + 1);
		p->pos++;
		return e;
	case T_VAR:
		return parse_var(p, t);
	case T_LBRACK:
		return parse_seq(p, T_RBRACK, enew(E_LIST, p, t));
	case T_LBRACE:
		return parse_seq(p, T_RBRACE, enew(E_SET, p, t));
	case T_LPAREN:
		p->pos++;
		return parse_arith(p);
	case T_WORD:
		return parse_word(p, t);
	}
	perr(p, t, "expected a value");
	return NULL;
}

/* ---- statements ---- */

static void stmts_free(struct stmt *s, int n);

static void stmt_free(struct stmt *s)
{
	free(s->text);
	free(s->handle);
	for (int i = 0; i < s->nas; i++) {
		free(s->as[i].field);
		expr_free(s->as[i].val);
	}
	free(s->as);
	for (int i = 0; i < s->npr; i++) {
		free(s->pr[i].field);
		free(s->pr[i].var);
		expr_free(s->pr[i].val);
	}
	free(s->pr);
	free(s->errnos);
	for (int i = 0; i < s->narg; i++)
		expr_free(s->arg[i]);
	free(s->arg);
	free(s->var);
	stmts_free(s->body, s->nbody);
	stmts_free(s->elsebody, s->nelse);
}

static void stmts_free(struct stmt *s, int n)
{
	for (int i = 0; i < n; i++)
		stmt_free(&s[i]);
	free(s);
}

static int op_of(const char *s)
{
	static const char *ops[] = { "=", "!=", "<", "<=", ">", ">=" };
	for (int i = 0; i < 6; i++)
		if (strcmp(s, ops[i]) == 0)
			return P_EQ + i;
	if (strcmp(s, "~") == 0)
		return P_HAS;
	return -1;
}

/* One more value into s->arg. */
static int parse_arg(struct parser *p, struct stmt *s)
{
	struct expr *e = parse_expr(p);
	if (!e)
		return -1;
	s->arg = grow(s->arg, s->narg, sizeof *s->arg);
	s->arg[s->narg++] = e;
	return 0;
}

/* NAME=value assignments (send) */
static int parse_assign(struct parser *p, struct stmt *s)
{
	struct tok *t = cur(p);
	struct assign a = { 0 };
	if (t->kind != T_WORD || t[1].kind != T_OP || strcmp(t[1].s, "=") != 0)
		return perr(p, t, "expected field=value");
	a.field = xstrdup(t->s);
	a.pos = (struct srcpos){ p->file, t->line, t->col };
	p->pos += 2;
	if (!(a.val = parse_expr(p))) {
		free(a.field);
		return -1;
	}
	s->as = grow(s->as, s->nas, sizeof *s->as);
	s->as[s->nas++] = a;
	return 0;
}

/* predicates: FIELD OP value | FIELD in {..} | FIELD -> $var */
static int parse_pred(struct parser *p, struct stmt *s)
{
	struct tok *t = cur(p);
	struct pred pr = { 0 };
	if (t->kind != T_WORD)
		return perr(p, t, "expected a field name");
	if (s->def && !field_known(s->def, t->s, 0))
		return perr(p, t, "no field '%s' in this message", t->s);
	pr.field = xstrdup(t->s);
	pr.pos = (struct srcpos){ p->file, t->line, t->col };
	p->pos++;
	t = cur(p);
	if (t->kind == T_ARROW) {
		if (t[1].kind != T_VAR) {
			free(pr.field);
			return perr(p, &t[1], "expected $variable after '->'");
		}
		pr.op = P_CAPTURE;
		pr.var = xstrdup(t[1].s);
		p->pos += 2;
	} else {
		if (is_word(t, "in"))
			pr.op = P_IN;
		else if (t->kind != T_OP || (pr.op = op_of(t->s)) < 0) {
			free(pr.field);
			return perr(p, t, "expected =, !=, <, <=, >, >=, ~, in or ->");
		}
		p->pos++;
		if (!(pr.val = parse_expr(p))) {
			free(pr.field);
			return -1;
		}
		if (pr.op == P_IN && pr.val->kind != E_SET && pr.val->kind != E_LIST) {
			expr_free(pr.val);
			free(pr.field);
			return perr(p, t, "'in' needs a {set}");
		}
	}
	s->pr = grow(s->pr, s->npr, sizeof *s->pr);
	s->pr[s->npr++] = pr;
	return 0;
}

static int parse_handle(struct parser *p, struct stmt *s)
{
	struct tok *t = cur(p);
	if (t->kind == T_WORD && t->s[0] == '@') {
		if (strlen(t->s) >= sizeof ((struct pending *)0)->name)
			return perr(p, t, "handle name too long");
		s->handle = xstrdup(t->s + 1);
		p->pos++;
	}
	return 0;
}

static int parse_within(struct parser *p, struct stmt *s)
{
	struct tok *t = cur(p);
	if (is_word(t, "within")) {
		if (t[1].kind != T_DUR && t[1].kind != T_NUM)
			return perr(p, &t[1], "expected a duration like 200ms");
		s->within_ms = t[1].n;
		p->pos += 2;
	}
	return 0;
}

static int parse_send(struct parser *p, struct stmt *s)
{
	struct tok *t;
	if (parse_handle(p, s))
		return -1;
	t = cur(p);
	if (t->kind != T_WORD || !(s->def = p9_msgdef_byname(t->s)) || t->s[0] != 'T')
		return perr(p, t, "expected a T-message name, not '%s'", t->kind == T_WORD ? t->s : "");
	p->pos++;
	while (cur(p)->kind != T_EOL) {
		t = cur(p);
		if (t->kind == T_WORD && !field_known(s->def, t->s, 1))
			return perr(p, t, field_known(s->def, t->s, 0) ?
				    "'%s' cannot be set (read from replies, or computed on encode)" :
				    "no field '%s' in this message", t->s);
		if (parse_assign(p, s))
			return -1;
	}
	return 0;
}

static int parse_sendraw(struct parser *p, struct stmt *s)
{
	if (parse_handle(p, s))
		return -1;
	while (cur(p)->kind != T_EOL) {
		struct tok *t = cur(p);
		if (t->kind == T_NUM && t->s) {
			t->kind = T_HEX; /* short hex runs are bytes here */
			if (t->slen % 2)
				return perr(p, t, "odd number of hex digits");
		}
		if (parse_arg(p, s))
			return -1;
	}
	if (!s->narg)
		return perr(p, cur(p), "sendraw needs bytes (0x...)");
	return 0;
}

static int parse_expect(struct parser *p, struct stmt *s)
{
	struct tok *t;
	if (parse_handle(p, s))
		return -1;
	if (is_word(cur(p), "all")) {
		if (s->handle)
			return perr(p, cur(p), "'expect all' takes no @handle");
		s->all = 1;
		p->pos++;
	}
	t = cur(p);
	if (is_word(t, "flushed")) {
		if (!s->handle || s->all)
			return perr(p, t, "'expect @name flushed' needs a handle");
		s->xkind = X_FLUSHED;
		p->pos++;
	} else if (is_word(t, "none")) {
		s->xkind = X_NONE;
		p->pos++;
	} else if (is_word(t, "close")) {
		s->xkind = X_CLOSE;
		p->pos++;
	} else if (is_word(t, "any")) {
		s->xkind = X_ANY;
		p->pos++;
	} else if (is_word(t, "error")) {
		s->xkind = X_ERROR;
		p->pos++;
		if (is_word(cur(p), "or")) {
			if (!is_word(&cur(p)[1], "close"))
				return perr(p, &cur(p)[1], "expected 'close' after 'error or'");
			s->xkind = X_ERROR_OR_CLOSE;
			p->pos += 2;
		}
		while (cur(p)->kind == T_WORD && cur(p)->s[0] == 'E' &&
		       !(cur(p)[1].kind == T_OP && strcmp(cur(p)[1].s, "|") != 0)) {
			int e = p9_errno_parse(cur(p)->s);
			if (e < 0)
				return perr(p, cur(p), "unknown errno name '%s'", cur(p)->s);
			s->errnos = grow(s->errnos, s->nerrno, sizeof *s->errnos);
			s->errnos[s->nerrno++] = e;
			p->pos++;
			if (cur(p)->kind == T_OP && strcmp(cur(p)->s, "|") == 0)
				p->pos++;
		}
	} else if (t->kind == T_WORD && t->s[0] == 'R' && (s->def = p9_msgdef_byname(t->s))) {
		s->xkind = X_MSG;
		p->pos++;
	} else {
		return perr(p, t, "expected an R-message name, error, none, close or any");
	}
	while (cur(p)->kind != T_EOL) {
		if (is_word(cur(p), "within")) {
			if (parse_within(p, s))
				return -1;
			continue;
		}
		if (is_word(cur(p), "already")) {
			s->already = 1;
			p->pos++;
			continue;
		}
		if (s->xkind == X_NONE || s->xkind == X_CLOSE || s->xkind == X_FLUSHED)
			return perr(p, cur(p), "unexpected word after 'expect none/close'");
		if (parse_pred(p, s))
			return -1;
	}
	return 0;
}

/* name=value: an option the helper h takes (its row in langtab.c), once;
 * name names the statement. */
static int parse_option(struct parser *p, struct stmt *s, const char *name,
			const struct helper *h)
{
	struct tok *t = cur(p);
	char list[120] = "";
	if (h && helper_opt(h, t->s) >= 0) {
		for (int i = 0; i < s->nas; i++)
			if (strcmp(s->as[i].field, t->s) == 0)
				return perr(p, t, "option %s= given twice", t->s);
		return parse_assign(p, s);
	}
	for (int i = 0; h && i < HELPER_MAXOPT && h->opt[i].name; i++) {
		size_t n = strlen(list);
		snprintf(list + n, sizeof list - n, "%s%s=", i ? ", " : "", h->opt[i].name);
	}
	return perr(p, t, "unknown option %s= (%s takes %s)", t->s, name,
		    list[0] ? list : "none");
}

/* The operands of a helper (h, its row) or of sleep, fail, skip, log (h
 * NULL, named name): positional values, name=value options and an
 * optional -> $var, checked against the row. */
static int parse_operands(struct parser *p, struct stmt *s, const char *name,
			  const struct helper *h, int minargs, int maxargs)
{
	struct tok *start = cur(p);
	while (cur(p)->kind != T_EOL) {
		struct tok *t = cur(p);
		if (t->kind == T_ARROW) {
			if (!h || h->capture == CAP_NONE)
				return perr(p, t, "%s captures nothing", name);
			if (t[1].kind != T_VAR || t[2].kind != T_EOL)
				return perr(p, &t[1], "expected one $variable after '->'");
			s->var = xstrdup(t[1].s);
			p->pos += 2;
			break;
		}
		if (t->kind == T_WORD && t[1].kind == T_OP && strcmp(t[1].s, "=") == 0) {
			if (parse_option(p, s, name, h))
				return -1;
			continue;
		}
		if (parse_arg(p, s))
			return -1;
	}
	if (s->narg < minargs || s->narg > maxargs)
		return perr(p, start, "wrong number of arguments to %s", name);
	if (h && h->capreq && !s->var)
		return perr(p, start, "%s needs '-> $variable'", name);
	return 0;
}

static int parse_dialects(struct parser *p, int *out)
{
	*out = 0;
	while (cur(p)->kind == T_WORD || (cur(p)->kind == T_NUM && cur(p)->n == 2000)) {
		const char *w = cur(p)->kind == T_NUM ? "2000" : cur(p)->s;
		int d = strcmp(w, "all") == 0 ? P9_DALL : p9_dialect_parse(w);
		if (!d)
			return perr(p, cur(p), "unknown dialect '%s' (all, 2000, u, L)", w);
		*out |= d;
		p->pos++;
	}
	if (!*out || cur(p)->kind != T_EOL)
		return perr(p, cur(p), "expected dialect names (all, 2000, u, L)");
	return 0;
}

static int parse_block(struct parser *p, struct stmt **body, int *nbody,
		       int *ended_by_else);

static int end_of_line(struct parser *p)
{
	if (cur(p)->kind != T_EOL)
		return perr(p, cur(p), "unexpected text at end of line");
	return 0;
}

/* A OP B (assert, if): arg[0], op, arg[1]. */
static int parse_compare(struct parser *p, struct stmt *s)
{
	struct tok *t;
	if (parse_arg(p, s))
		return -1;
	t = cur(p);
	if (is_word(t, "in"))
		s->op = P_IN;
	else if (t->kind != T_OP || (s->op = op_of(t->s)) < 0)
		return perr(p, t, "expected a comparison");
	p->pos++;
	return parse_arg(p, s);
}

/* set $name = value */
static int parse_set(struct parser *p, struct stmt *s)
{
	struct tok *t = cur(p);
	if ((t->kind != T_VAR && t->kind != T_WORD) || t[1].kind != T_OP ||
	    strcmp(t[1].s, "="))
		return perr(p, t, "expected: set $name = value");
	s->var = xstrdup(t->s);
	p->pos += 2;
	if (parse_arg(p, s))
		return -1;
	return end_of_line(p);
}

static int parse_assert(struct parser *p, struct stmt *s)
{
	if (parse_compare(p, s))
		return -1;
	return end_of_line(p);
}

/* The body of for and repeat, up to 'end'. */
static int parse_loop_body(struct parser *p, struct stmt *s, const struct tok *t)
{
	int haselse;
	if (end_of_line(p) || parse_block(p, &s->body, &s->nbody, &haselse))
		return -1;
	return haselse ? perr(p, t, "'else' without 'if'") : 0;
}

/* for NAME in A..B [step C] */
static int parse_for(struct parser *p, struct stmt *s)
{
	struct tok *t = cur(p);
	if (t->kind != T_WORD && t->kind != T_VAR)
		return perr(p, t, "expected: for NAME in A..B");
	s->var = xstrdup(t->s);
	p->pos++;
	if (!is_word(cur(p), "in"))
		return perr(p, cur(p), "expected 'in'");
	p->pos++;
	if (parse_arg(p, s))
		return -1;
	if (cur(p)->kind != T_DOTDOT)
		return perr(p, cur(p), "expected '..'");
	p->pos++;
	if (parse_arg(p, s))
		return -1;
	if (is_word(cur(p), "step")) {
		p->pos++;
		if (parse_arg(p, s))
			return -1;
	}
	return parse_loop_body(p, s, t);
}

static int parse_repeat(struct parser *p, struct stmt *s)
{
	struct tok *t = cur(p) - 1; /* 'repeat' */
	if (parse_arg(p, s))
		return -1;
	return parse_loop_body(p, s, t);
}

/* if dialect D... | if A OP B; then else ... end */
static int parse_if(struct parser *p, struct stmt *s)
{
	struct tok *t = cur(p) - 1; /* 'if' */
	int haselse;
	if (!is_word(cur(p), "dialect")) {
		if (parse_compare(p, s) || end_of_line(p))
			return -1;
	} else {
		p->pos++;
		if (parse_dialects(p, &s->dialects))
			return -1;
	}
	if (parse_block(p, &s->body, &s->nbody, &haselse))
		return -1;
	if (haselse) {
		if (parse_block(p, &s->elsebody, &s->nelse, &haselse))
			return -1;
		if (haselse)
			return perr(p, t, "two 'else' in one 'if'");
	}
	return 0;
}

/* The statements that are not helpers (langtab.c has those): their parsers,
 * or for the case's own steps (sleep, fail, skip, log) their arity. */
static const struct keyword {
	const char *name;
	int kind;
	int (*parse)(struct parser *p, struct stmt *s);
	int minargs, maxargs;  /* parse NULL: positional values */
} keywords[] = {
	{ "send", S_SEND, parse_send, 0, 0 },
	{ "sendraw", S_SENDRAW, parse_sendraw, 0, 0 },
	{ "expect", S_EXPECT, parse_expect, 0, 0 },
	{ "set", S_SET, parse_set, 0, 0 },
	{ "assert", S_ASSERT, parse_assert, 0, 0 },
	{ "for", S_FOR, parse_for, 0, 0 },
	{ "repeat", S_REPEAT, parse_repeat, 0, 0 },
	{ "if", S_IF, parse_if, 0, 0 },
	{ "sleep", S_SLEEP, NULL, 1, 1 },
	{ "fail", S_FAIL, NULL, 1, 1 },
	{ "skip", S_SKIP, NULL, 1, 1 },
	{ "log", S_LOG, NULL, 1, 8 },
};

static int parse_stmt(struct parser *p, struct stmt *s)
{
	struct tok *t = cur(p);
	const char *w = t->s;
	const struct helper *h;
	p->pos++;
	for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++) {
		const struct keyword *k = &keywords[i];
		if (strcmp(w, k->name) != 0)
			continue;
		s->kind = k->kind;
		if (k->parse)
			return k->parse(p, s);
		return parse_operands(p, s, k->name, NULL, k->minargs, k->maxargs);
	}
	if ((h = helper_byname(w))) {
		s->kind = S_HELPER;
		s->helper = h;
		return parse_operands(p, s, h->name, h, h->minargs, h->maxargs);
	}
	return perr(p, t, "unknown statement '%s'", w);
}

static int next_line(struct parser *p)
{
	p->line++;
	p->pos = 0;
	return p->line < p->tl.nline;
}

/* Statements up to the matching 'end' (or 'else').  On entry p->line is
 * the opening line; on return it is the 'end'/'else' line. */
static int parse_block(struct parser *p, struct stmt **body, int *nbody,
		       int *ended_by_else)
{
	struct tok *open = &p->tl.line[p->line][0];
	*ended_by_else = 0;
	while (next_line(p)) {
		struct tok *t = cur(p);
		struct stmt s = { 0 };
		if (t->kind == T_EOL)
			continue;
		if (t->kind != T_WORD)
			return perr(p, t, "expected a statement");
		if (strcmp(t->s, "end") == 0 || strcmp(t->s, "else") == 0) {
			*ended_by_else = t->s[1] == 'l';
			if (t[1].kind != T_EOL)
				return perr(p, &t[1], "unexpected text after '%s'", t->s);
			return 0;
		}
		if (strcmp(t->s, "case") == 0)
			return perr(p, t, "'case' inside a case (missing 'end'?)");
		s.pos = (struct srcpos){ p->file, t->line, t->col };
		s.text = xstrdup(p->src[p->line]);
		int rc = parse_stmt(p, &s);
		*body = grow(*body, *nbody, sizeof **body);
		(*body)[(*nbody)++] = s;
		if (rc)
			return -1;
	}
	return perr(p, open, "block is not closed with 'end'");
}

/* ---- cases ---- */

static char **words(struct parser *p, int *n)
{
	char **v = NULL;
	*n = 0;
	while (cur(p)->kind == T_WORD) {
		v = grow(v, *n, sizeof *v);
		v[(*n)++] = xstrdup(cur(p)->s);
		p->pos++;
	}
	return v;
}

static void case_free(struct scase *c)
{
	free(c->code);
	free(c->title);
	free(c->cite);
	for (int i = 0; i < c->nflags; i++)
		free(c->flags[i]);
	free(c->flags);
	for (int i = 0; i < c->ndeps; i++)
		free(c->deps[i]);
	free(c->deps);
	stmts_free(c->body, c->nbody);
}

/* What a case may need of a target (enum need): the names of 'needs'. */
static const struct {
	const char *name;
	int bit;
} needs[] = {
	{ "writable", NEED_WRITABLE }, { "fixtures", NEED_FIXTURES },
	{ "synthfs", NEED_SYNTHFS }, { "blocking", NEED_BLOCKING },
	{ "xattr", NEED_XATTR }, { "multidev", NEED_MULTIDEV },
};

/* needs NAME... */
static int parse_needs(struct parser *p, struct scase *c)
{
	for (; cur(p)->kind == T_WORD; p->pos++) {
		char list[200] = "";
		size_t i, n = sizeof needs / sizeof needs[0];
		for (i = 0; i < n && strcmp(cur(p)->s, needs[i].name) != 0; i++)
			;
		if (i < n) {
			c->needs |= needs[i].bit;
			continue;
		}
		for (i = 0; i < n; i++) {
			size_t l = strlen(list);
			snprintf(list + l, sizeof list - l, "%s%s", i ? ", " : "", needs[i].name);
		}
		return perr(p, cur(p), "unknown need '%s' (%s)", cur(p)->s, list);
	}
	return 0;
}

/* A metadata line; returns 1 if it was one, 0 if not, -1 on error. */
static int parse_meta(struct parser *p, struct scase *c)
{
	struct tok *t = cur(p);
	const char *w = t->s;
	int n;
	if (strcmp(w, "flags") == 0) {
		p->pos++;
		char **v = words(p, &n);
		for (int i = 0; i < n; i++) {
			c->flags = grow(c->flags, c->nflags, sizeof *c->flags);
			c->flags[c->nflags++] = v[i];
		}
		free(v);
	} else if (strcmp(w, "dialects") == 0) {
		p->pos++;
		return parse_dialects(p, &c->dialects) ? -1 : 1;
	} else if (strcmp(w, "deps") == 0) {
		p->pos++;
		char **v = words(p, &n);
		for (int i = 0; i < n; i++) {
			c->deps = grow(c->deps, c->ndeps, sizeof *c->deps);
			c->deps[c->ndeps++] = v[i];
		}
		free(v);
	} else if (strcmp(w, "level") == 0) {
		p->pos++;
		if (is_word(cur(p), "must"))
			c->level = LV_MUST;
		else if (is_word(cur(p), "should"))
			c->level = LV_SHOULD;
		else
			return perr(p, cur(p), "expected 'must' or 'should'");
		p->pos++;
		if (cur(p)->kind == T_STR) {
			free(c->cite);
			c->cite = xstrdup(cur(p)->s);
			p->pos++;
		} else if (c->level == LV_MUST) {
			return perr(p, cur(p), "a 'must' case cites its source: level must \"walk(5): ...\"");
		}
	} else if (strcmp(w, "needs") == 0) {
		p->pos++;
		if (parse_needs(p, c))
			return -1;
	} else if (strcmp(w, "setup") == 0) {
		p->pos++;
		if (is_word(cur(p), "attach")) c->setup = SETUP_ATTACH;
		else if (is_word(cur(p), "version")) c->setup = SETUP_VERSION;
		else if (is_word(cur(p), "none")) c->setup = SETUP_NONE;
		else
			return perr(p, cur(p), "expected attach, version or none");
		p->pos++;
	} else if (strcmp(w, "timeout") == 0) {
		p->pos++;
		if (cur(p)->kind != T_DUR)
			return perr(p, cur(p), "expected a duration like 10s");
		c->timeout_ms = cur(p)->n;
		p->pos++;
	} else {
		return 0;
	}
	if (cur(p)->kind != T_EOL)
		return perr(p, cur(p), "unexpected text at end of line");
	return 1;
}

static int parse_case(struct parser *p, struct catalogue *cat)
{
	struct tok *t = cur(p);
	struct scase c = { 0 };
	int rc = -1;
	if (t[1].kind != T_WORD || t[2].kind != T_STR || t[3].kind != T_EOL)
		return perr(p, t, "expected: case CODE \"title\"");
	for (int i = 0; i < cat->n; i++)
		if (strcmp(cat->c[i].code, t[1].s) == 0)
			return perr(p, &t[1], "duplicate case code %s", t[1].s);
	c.code = xstrdup(t[1].s);
	c.title = xstrdup(t[2].s);
	c.dialects = P9_DALL;
	c.pos = (struct srcpos){ p->file, t->line, t->col };
	for (;;) {
		if (!next_line(p)) {
			perr(p, t, "case %s is not closed with 'end'", c.code);
			goto out;
		}
		if (cur(p)->kind == T_EOL)
			continue;
		if (cur(p)->kind != T_WORD) {
			perr(p, cur(p), "expected metadata or a statement");
			goto out;
		}
		int m = parse_meta(p, &c);
		if (m < 0)
			goto out;
		if (m == 0)
			break;
	}
	if (!c.cite && c.level == LV_MUST) {
		perr(p, t, "case %s has no 'level must \"citation\"' line", c.code);
		goto out;
	}
	/* the first statement line: back up one so parse_block re-reads it */
	p->line--;
	int haselse;
	if (parse_block(p, &c.body, &c.nbody, &haselse))
		goto out;
	if (haselse) {
		perr(p, cur(p), "'else' without 'if'");
		goto out;
	}
	cat->c = grow(cat->c, cat->n, sizeof *cat->c);
	cat->c[cat->n++] = c;
	return 0;
out:
	case_free(&c);
	return rc;
}

static char *read_all(const char *file, char *err, size_t cap)
{
	FILE *f = fopen(file, "r");
	char *buf = NULL;
	size_t n = 0, size = 0;
	if (!f) {
		snprintf(err, cap, "%s: cannot open", file);
		return NULL;
	}
	for (;;) {
		if (n + 4096 + 1 > size) {
			size = size ? size * 2 : 65536;
			buf = xrealloc(buf, size);
		}
		size_t got = fread(buf + n, 1, size - n - 1, f);
		if (!got)
			break;
		n += got;
	}
	fclose(f);
	buf[n] = 0;
	return buf;
}

int parse_file(const char *file, struct catalogue *cat, char *err, size_t cap)
{
	char *text = read_all(file, err, cap);
	int rc;
	if (!text) {
		cat->files = grow(cat->files, cat->nfiles, sizeof *cat->files);
		cat->files[cat->nfiles++] = xstrdup(file);
		return -1;
	}
	rc = parse_text(file, text, cat, err, cap);
	free(text);
	return rc;
}

int parse_text(const char *file, char *text, struct catalogue *cat, char *err,
	       size_t cap)
{
	cat->files = grow(cat->files, cat->nfiles, sizeof *cat->files);
	file = cat->files[cat->nfiles++] = xstrdup(file);
	struct parser p = { .file = file, .err = err, .cap = cap };
	char *q;
	int rc = 0, nl = 0;
	if (lex_file(file, text, &p.tl, err, cap))
		return -1;
	p.src = xcalloc((size_t)p.tl.nline + 1, sizeof *p.src);
	for (q = text; nl < p.tl.nline; nl++) {
		char *eol = strchr(q, '\n');
		if (eol)
			*eol = 0;
		p.src[nl] = q;
		while (*p.src[nl] == ' ' || *p.src[nl] == '\t')
			p.src[nl]++;
		q = eol ? eol + 1 : q + strlen(q);
	}
	for (p.line = 0; p.line < p.tl.nline && !rc; p.line++) {
		struct tok *t;
		p.pos = 0;
		t = cur(&p);
		if (t->kind == T_EOL)
			continue;
		if (!is_word(t, "case")) {
			rc = perr(&p, t, "expected 'case CODE \"title\"'");
			break;
		}
		rc = parse_case(&p, cat);
	}
	toklines_free(&p.tl);
	free(p.src);
	return rc;
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int parse_dir(const char *dir, struct catalogue *cat, char *err, size_t cap)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	int n = 0, rc = 0;
	if (!d) {
		snprintf(err, cap, "%s: cannot open the case directory", dir);
		return -1;
	}
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l > 5 && strcmp(de->d_name + l - 5, ".case") == 0) {
			names = grow(names, n, sizeof *names);
			names[n++] = xstrdup(de->d_name);
		}
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof *names, cmpstr);
	for (int i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if (!rc && parse_file(path, cat, err, cap))
			rc = -1;
		free(names[i]);
	}
	free(names);
	if (!rc && n == 0) {
		snprintf(err, cap, "%s: no .case files", dir);
		rc = -1;
	}
	return rc;
}

void catalogue_free(struct catalogue *cat)
{
	for (int i = 0; i < cat->n; i++)
		case_free(&cat->c[i]);
	free(cat->c);
	for (int i = 0; i < cat->nfiles; i++)
		free(cat->files[i]);
	free(cat->files);
	memset(cat, 0, sizeof *cat);
}

int case_has_flag(const struct scase *c, const char *flag)
{
	for (int i = 0; i < c->nflags; i++)
		if (strcmp(c->flags[i], flag) == 0)
			return 1;
	return 0;
}
