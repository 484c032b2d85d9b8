/*
 * sbuf.c - bounded string builder; see sbuf.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sbuf.h"

void p9_sb_init(struct p9_sb *b, char *p, size_t cap)
{
	b->p = p;
	b->cap = cap;
	b->len = 0;
	if (cap)
		p[0] = 0;
}

void p9_sb_printf(struct p9_sb *b, const char *fmt, ...)
{
	va_list ap;
	size_t room = b->len < b->cap ? b->cap - b->len : 0;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(room ? b->p + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += (size_t)n;
}

void p9_sb_mem(struct p9_sb *b, const void *p, size_t n)
{
	if (b->len + 1 < b->cap) {
		size_t room = b->cap - b->len - 1;
		size_t k = n < room ? n : room;
		memcpy(b->p + b->len, p, k);
		b->p[b->len + k] = 0;
	}
	b->len += n;
}

void p9_sb_putc(struct p9_sb *b, char c)
{
	p9_sb_mem(b, &c, 1);
}

void p9_sb_str(struct p9_sb *b, const char *s)
{
	p9_sb_mem(b, s, strlen(s));
}

size_t p9_dec(char *out, unsigned long long v, int width)
{
	char t[24];
	int i = sizeof t;
	do {
		t[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while ((int)sizeof t - i < width)
		t[--i] = '0';
	memcpy(out, t + i, sizeof t - (size_t)i);
	return sizeof t - (size_t)i;
}

void p9_sb_u64(struct p9_sb *b, unsigned long long v)
{
	char t[24];
	p9_sb_mem(b, t, p9_dec(t, v, 0));
}

void p9_sb_hex(struct p9_sb *b, unsigned long long v, int width)
{
	static const char hx[] = "0123456789abcdef";
	char t[16];
	int i = sizeof t;
	do {
		t[--i] = hx[v & 15];
		v >>= 4;
	} while (v);
	while ((int)sizeof t - i < width && i > 0)
		t[--i] = '0';
	p9_sb_mem(b, t + i, sizeof t - (size_t)i);
}
