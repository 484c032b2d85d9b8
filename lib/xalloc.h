/*
 * xalloc.h - allocation that cannot fail: every program's malloc, calloc,
 * realloc and strdup in one place.
 *
 * Owns: the out-of-memory policy.  9pkit's tools have nothing useful to do
 * without memory, so on failure the x* functions print one line to stderr
 * and abort; callers never test for NULL.  Also the doubling growth of a
 * dynamic array (p9_grow), which reports failure instead.
 */
#ifndef P9_XALLOC_H
#define P9_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Room for one more element in the array *arrp (any T **) of n elements
 * of elsz bytes and capacity *cap: doubles the capacity (to first when
 * none) when the array is full.  For the code that reports running out
 * rather than aborting: returns 0, or -ENOMEM with the array unchanged. */
int p9_grow(void *arrp, size_t *cap, size_t n, size_t elsz, size_t first);

#endif
