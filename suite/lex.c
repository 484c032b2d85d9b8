/*
 * lex.c - the tokenizer of the case language.
 *
 * Owns: splitting a .case file into lines of tokens with their line and
 * column.  The language is line-oriented: '#' starts a comment, blanks
 * separate tokens, strings are "..." with C escapes (\n \t \\ \" \xHH).
 * Words may hold letters, digits and _ / . - @ and an index like wqid[0];
 * $name is a variable (with an optional .sub or [i] path); 0x... is a
 * number (or raw bytes when longer than 16 digits); 200ms and 5s are
 * durations; 11..512 is a range.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "suite.h"
#include "xalloc.h"

struct lexer {
	const char *file;
	const char *p;
	int line, col;
	char *err;
	size_t cap;
};

static int lerr(struct lexer *lx, int col, const char *msg)
{
	snprintf(lx->err, lx->cap, "%s:%d:%d: %s", lx->file, lx->line, col, msg);
	return -1;
}

static int is_word_start(int c)
{
	return isalpha(c) || c == '_' || c == '@' || c == '/';
}

static int is_word(int c)
{
	return isalnum(c) || c == '_' || c == '@' || c == '/' || c == '.' || c == '-';
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

struct tokvec {
	struct tok *t;
	int n, cap;
};

static struct tok *push(struct tokvec *v, int kind, int line, int col)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 16;
		v->t = xrealloc(v->t, (size_t)v->cap * sizeof *v->t);
	}
	struct tok *t = &v->t[v->n++];
	memset(t, 0, sizeof *t);
	t->kind = kind;
	t->line = line;
	t->col = col;
	return t;
}

/* A "..." string starting at p[0] == '"'; sets *end past the quote. */
static int lex_string(struct lexer *lx, const char *p, int col, struct tok *t,
		      const char **end)
{
	size_t cap = strlen(p) + 1, n = 0;
	char *s = xmalloc(cap);
	p++;
	while (*p && *p != '"' && *p != '\n') {
		char c = *p++;
		if (c == '\\') {
			c = *p++;
			switch (c) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case '0': c = 0; break;
			case '\\': case '"': break;
			case 'x':
				if (hexval(p[0]) < 0 || hexval(p[1]) < 0) {
					free(s);
					return lerr(lx, col, "bad \\x escape in string");
				}
				c = (char)(hexval(p[0]) * 16 + hexval(p[1]));
				p += 2;
				break;
			default:
				free(s);
				return lerr(lx, col, "unknown escape in string");
			}
		}
		s[n++] = c;
	}
	if (*p != '"') {
		free(s);
		return lerr(lx, col, "unterminated string");
	}
	s[n] = 0;
	t->s = s;
	t->slen = n;
	*end = p + 1;
	return 0;
}

static int lex_number(struct lexer *lx, const char *p, int col, struct tok *t,
		      const char **end)
{
	const char *s = p;
	uint64_t v = 0;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		p += 2;
		while (hexval(*p) >= 0)
			v = v * 16 + (uint64_t)hexval(*p++);
		if (p - s == 2)
			return lerr(lx, col, "0x without hex digits");
		if (p - s > 18)
			t->kind = T_HEX;
		t->s = xstrndup(s + 2, (size_t)(p - s - 2));
		t->slen = (size_t)(p - s - 2);
	} else if (p[0] == '0' && isdigit((unsigned char)p[1])) {
		while (*p >= '0' && *p <= '7')
			v = v * 8 + (uint64_t)(*p++ - '0');
	} else {
		while (isdigit((unsigned char)*p))
			v = v * 10 + (uint64_t)(*p++ - '0');
	}
	if (p[0] == 'm' && p[1] == 's' && !is_word(p[2])) {
		t->kind = T_DUR;
		p += 2;
	} else if (p[0] == 's' && !is_word(p[1])) {
		t->kind = T_DUR;
		v *= 1000;
		p += 1;
	}
	if (isalnum((unsigned char)*p) || *p == '_')
		return lerr(lx, col, "bad number");
	t->n = v;
	*end = p;
	return 0;
}

static int lex_line(struct lexer *lx, const char *p, const char *eol,
		    struct tokvec *v)
{
	const char *bol = p;
	while (p < eol) {
		int c = (unsigned char)*p, col = (int)(p - bol) + 1;
		struct tok *t;
		if (c == ' ' || c == '\t' || c == '\r') {
			p++;
			continue;
		}
		if (c == '#')
			break;
		if (c == '"') {
			t = push(v, T_STR, lx->line, col);
			if (lex_string(lx, p, col, t, &p))
				return -1;
		} else if (c == '$') {
			const char *s = ++p;
			while (p < eol && (isalnum((unsigned char)*p) || *p == '_'))
				p++;
			if (p == s)
				return lerr(lx, col, "'$' without a variable name");
			while (p < eol && (isalnum((unsigned char)*p) || *p == '_' || *p == '.' ||
					   *p == '[' || *p == ']'))
				if (p[0] == '.' && p[1] == '.')
					break;
				else
					p++;
			t = push(v, T_VAR, lx->line, col);
			t->s = xstrndup(s, (size_t)(p - s));
		} else if (isdigit(c)) {
			t = push(v, T_NUM, lx->line, col);
			if (lex_number(lx, p, col, t, &p))
				return -1;
		} else if (is_word_start(c)) {
			const char *s = p;
			while (p < eol && (is_word((unsigned char)*p) || (*p == '[' && p > s) ||
					   (*p == ']' && memchr(s, '[', (size_t)(p - s)))))
				p++;
			t = push(v, T_WORD, lx->line, col);
			t->s = xstrndup(s, (size_t)(p - s));
		} else if (c == '-' && p[1] == '>') {
			push(v, T_ARROW, lx->line, col);
			p += 2;
		} else if (c == '.' && p[1] == '.') {
			push(v, T_DOTDOT, lx->line, col);
			p += 2;
		} else if (c == '.') {
			t = push(v, T_WORD, lx->line, col);
			t->s = xstrndup(".", 1);
			p++;
		} else if (strchr("[]{}(),", c)) {
			static const char ch[] = "[]{}(),";
			static const int kind[] = { T_LBRACK, T_RBRACK, T_LBRACE, T_RBRACE,
						    T_LPAREN, T_RPAREN, T_COMMA };
			push(v, kind[strchr(ch, c) - ch], lx->line, col);
			p++;
		} else if (strchr("=!<>~+-*/|", c)) {
			char op[3] = { (char)c, 0, 0 };
			if (p[1] == '=' && strchr("!<>", c))
				op[1] = '=';
			else if (c == '!')
				return lerr(lx, col, "'!' must be followed by '='");
			t = push(v, T_OP, lx->line, col);
			t->s = xstrndup(op, strlen(op));
			p += strlen(op);
		} else {
			return lerr(lx, col, "unexpected character");
		}
	}
	push(v, T_EOL, lx->line, (int)(eol - bol) + 1);
	return 0;
}

int lex_file(const char *file, const char *text, struct toklines *out,
	     char *err, size_t cap)
{
	struct lexer lx = { file, text, 1, 1, err, cap };
	const char *p = text;
	memset(out, 0, sizeof *out);
	int capl = 0;
	while (*p) {
		const char *eol = strchr(p, '\n');
		struct tokvec v = { 0 };
		if (!eol)
			eol = p + strlen(p);
		if (lex_line(&lx, p, eol, &v)) {
			for (int i = 0; i < v.n; i++)
				free(v.t[i].s);
			free(v.t);
			toklines_free(out);
			return -1;
		}
		if (out->nline == capl) {
			capl = capl ? capl * 2 : 64;
			out->line = xrealloc(out->line, (size_t)capl * sizeof *out->line);
			out->ntok = xrealloc(out->ntok, (size_t)capl * sizeof *out->ntok);
		}
		out->line[out->nline] = v.t;
		out->ntok[out->nline++] = v.n;
		lx.line++;
		p = *eol ? eol + 1 : eol;
	}
	return 0;
}

void toklines_free(struct toklines *tl)
{
	for (int i = 0; i < tl->nline; i++) {
		for (int j = 0; j < tl->ntok[i]; j++)
			free(tl->line[i][j].s);
		free(tl->line[i]);
	}
	free(tl->line);
	free(tl->ntok);
	memset(tl, 0, sizeof *tl);
}
