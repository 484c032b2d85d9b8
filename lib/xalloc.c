/*
 * xalloc.c - allocation that cannot fail (see xalloc.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static void *need(void *p)
{
	if (!p) {
		fputs("9pkit: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *xmalloc(size_t n)
{
	return need(malloc(n ? n : 1));
}

void *xcalloc(size_t count, size_t size)
{
	return need(calloc(count ? count : 1, size ? size : 1));
}

void *xrealloc(void *p, size_t n)
{
	return need(realloc(p, n ? n : 1));
}

char *xstrdup(const char *s)
{
	return need(strdup(s));
}

char *xstrndup(const char *s, size_t n)
{
	return need(strndup(s, n));
}

int p9_grow(void *arrp, size_t *cap, size_t n, size_t elsz, size_t first)
{
	size_t c = *cap ? *cap * 2 : first;
	void *old, *p;
	if (n < *cap)
		return 0;
	memcpy(&old, arrp, sizeof old);
	if (!(p = realloc(old, c * elsz)))
		return -ENOMEM;
	memcpy(arrp, &p, sizeof p);
	*cap = c;
	return 0;
}
