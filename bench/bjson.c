/*
 * bjson.c - a small JSON reader for 9pbench's own result files and the
 * suite's JSON results, plus the string writer the result files use.
 *
 * Owns: the parse tree (struct bjson).  Input is untrusted: every read is
 * bounds-checked, nesting is limited, and errors give the byte offset.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

enum { BJ_MAXDEPTH = 64 };

struct bj_parser {
	const char *s;
	size_t len, pos;
	char *err;
	size_t errcap;
	int failed;
};

static struct bjson *bj_value(struct bj_parser *p, int depth);

static void bj_fail(struct bj_parser *p, const char *what)
{
	if (!p->failed && p->err)
		snprintf(p->err, p->errcap, "%s at byte %zu", what, p->pos);
	p->failed = 1;
}

static void bj_ws(struct bj_parser *p)
{
	while (p->pos < p->len && strchr(" \t\r\n", p->s[p->pos]))
		p->pos++;
}

static int bj_peek(struct bj_parser *p)
{
	bj_ws(p);
	return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

void bjson_free(struct bjson *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->nkids; i++)
		bjson_free(j->kids[i]);
	free(j->kids);
	free(j->str);
	free(j->key);
	free(j);
}

static int bj_hex4(struct bj_parser *p, unsigned *out)
{
	unsigned v = 0;
	if (p->len - p->pos < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = p->s[p->pos++];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* Append code point u as UTF-8. */
static size_t bj_utf8(char *o, unsigned u)
{
	if (u < 0x80) {
		o[0] = (char)u;
		return 1;
	}
	if (u < 0x800) {
		o[0] = (char)(0xc0 | u >> 6);
		o[1] = (char)(0x80 | (u & 0x3f));
		return 2;
	}
	o[0] = (char)(0xe0 | u >> 12);
	o[1] = (char)(0x80 | ((u >> 6) & 0x3f));
	o[2] = (char)(0x80 | (u & 0x3f));
	return 3;
}

static char *bj_string(struct bj_parser *p)
{
	size_t start, n = 0;
	char *o;
	if (bj_peek(p) != '"') {
		bj_fail(p, "expected string");
		return NULL;
	}
	start = ++p->pos;
	/* output is never longer than the input */
	while (p->pos < p->len && p->s[p->pos] != '"')
		p->pos += p->s[p->pos] == '\\' ? 2 : 1;
	if (p->pos >= p->len) {
		bj_fail(p, "unterminated string");
		return NULL;
	}
	if (!(o = malloc(p->pos - start + 1)))
		return NULL;
	p->pos = start;
	while (p->s[p->pos] != '"') {
		char c = p->s[p->pos++];
		unsigned u;
		if (c != '\\') {
			o[n++] = c;
			continue;
		}
		c = p->s[p->pos++];
		switch (c) {
		case 'n': o[n++] = '\n'; break;
		case 't': o[n++] = '\t'; break;
		case 'r': o[n++] = '\r'; break;
		case 'b': o[n++] = '\b'; break;
		case 'f': o[n++] = '\f'; break;
		case 'u':
			if (bj_hex4(p, &u) || p->pos > p->len) {
				free(o);
				bj_fail(p, "bad \\u escape");
				return NULL;
			}
			n += bj_utf8(o + n, u ? u : '?');
			break;
		default: o[n++] = c; break;
		}
	}
	p->pos++;
	o[n] = 0;
	return o;
}

static int bj_push(struct bjson *j, struct bjson *k)
{
	struct bjson **n = realloc(j->kids, (j->nkids + 1) * sizeof *n);
	if (!n)
		return -ENOMEM;
	j->kids = n;
	j->kids[j->nkids++] = k;
	return 0;
}

static struct bjson *bj_container(struct bj_parser *p, int depth, int obj)
{
	struct bjson *j = calloc(1, sizeof *j);
	char close = obj ? '}' : ']';
	if (!j)
		return NULL;
	j->type = obj ? BJ_OBJ : BJ_ARR;
	p->pos++;
	if (bj_peek(p) == close) {
		p->pos++;
		return j;
	}
	for (;;) {
		char *key = NULL;
		struct bjson *k;
		if (obj) {
			if (!(key = bj_string(p)))
				break;
			if (bj_peek(p) != ':') {
				free(key);
				bj_fail(p, "expected ':'");
				break;
			}
			p->pos++;
		}
		if (!(k = bj_value(p, depth + 1))) {
			free(key);
			break;
		}
		k->key = key;
		if (bj_push(j, k)) {
			bjson_free(k);
			break;
		}
		if (bj_peek(p) == ',') {
			p->pos++;
			continue;
		}
		if (bj_peek(p) == close) {
			p->pos++;
			return j;
		}
		bj_fail(p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
		break;
	}
	bj_fail(p, "bad container");
	bjson_free(j);
	return NULL;
}

static struct bjson *bj_scalar(struct bj_parser *p)
{
	struct bjson *j = calloc(1, sizeof *j);
	const char *s = p->s + p->pos;
	size_t left = p->len - p->pos;
	if (!j)
		return NULL;
	if (left >= 4 && !memcmp(s, "true", 4)) {
		j->type = BJ_BOOL, j->num = 1, p->pos += 4;
	} else if (left >= 5 && !memcmp(s, "false", 5)) {
		j->type = BJ_BOOL, p->pos += 5;
	} else if (left >= 4 && !memcmp(s, "null", 4)) {
		j->type = BJ_NULL, p->pos += 4;
	} else {
		char buf[64], *end;
		size_t n = 0;
		while (n < left && n < sizeof buf - 1 && strchr("+-0123456789.eE", s[n]))
			buf[n] = s[n], n++;
		buf[n] = 0;
		j->num = strtod(buf, &end);
		if (n == 0 || *end) {
			free(j);
			bj_fail(p, "bad value");
			return NULL;
		}
		j->type = BJ_NUM;
		p->pos += n;
	}
	return j;
}

static struct bjson *bj_value(struct bj_parser *p, int depth)
{
	int c = bj_peek(p);
	struct bjson *j;
	if (depth > BJ_MAXDEPTH) {
		bj_fail(p, "nested too deeply");
		return NULL;
	}
	if (c == '{' || c == '[')
		return bj_container(p, depth, c == '{');
	if (c == '"') {
		char *s = bj_string(p);
		if (!s || !(j = calloc(1, sizeof *j))) {
			free(s);
			return NULL;
		}
		j->type = BJ_STR;
		j->str = s;
		return j;
	}
	if (c < 0) {
		bj_fail(p, "unexpected end");
		return NULL;
	}
	return bj_scalar(p);
}

struct bjson *bjson_parse(const char *text, size_t len, char *err, size_t errcap)
{
	struct bj_parser p = {text, len, 0, err, errcap, 0};
	struct bjson *j = bj_value(&p, 0);
	if (j && bj_peek(&p) >= 0) {
		bj_fail(&p, "trailing bytes");
		bjson_free(j);
		return NULL;
	}
	if (!j && !p.failed && err)
		snprintf(err, errcap, "out of memory");
	return j;
}

struct bjson *bjson_parse_file(const char *path, char *err, size_t errcap)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	struct bjson *j;
	if (!f) {
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (len == cap) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 65536);
			if (!nb) {
				free(buf);
				fclose(f);
				snprintf(err, errcap, "%s: out of memory", path);
				return NULL;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		if (n == 0)
			break;
		len += n;
	}
	fclose(f);
	j = bjson_parse(buf, len, err, errcap);
	if (!j && err) {
		char tmp[256];
		snprintf(tmp, sizeof tmp, "%s", err);
		snprintf(err, errcap, "%s: %s", path, tmp);
	}
	free(buf);
	return j;
}

const struct bjson *bjson_get(const struct bjson *obj, const char *key)
{
	if (!obj || obj->type != BJ_OBJ)
		return NULL;
	for (size_t i = 0; i < obj->nkids; i++)
		if (obj->kids[i]->key && !strcmp(obj->kids[i]->key, key))
			return obj->kids[i];
	return NULL;
}

const char *bjson_str(const struct bjson *obj, const char *key, const char *dflt)
{
	const struct bjson *j = bjson_get(obj, key);
	return j && j->type == BJ_STR ? j->str : dflt;
}

double bjson_num(const struct bjson *obj, const char *key, double dflt)
{
	const struct bjson *j = bjson_get(obj, key);
	return j && (j->type == BJ_NUM || j->type == BJ_BOOL) ? j->num : dflt;
}

void bjson_put_str(FILE *f, const char *s)
{
	p9_json_fquote(f, s, P9_JQ_UTF8);
}
