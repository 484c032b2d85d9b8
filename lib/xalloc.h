/*
 * xalloc.h - allocation that cannot fail: every program's malloc, calloc,
 * realloc and strdup in one place.
 *
 * Owns: the out-of-memory policy.  9pkit's tools have nothing useful to do
 * without memory, so on failure these print one line to stderr and abort;
 * callers never test for NULL.
 */
#ifndef P9_XALLOC_H
#define P9_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
