/*
 * params.c - /run/params, the shell file through which 9pguest tells the
 * guest's /init what to mount and run (P9G_TRANS, P9G_PORT, ...).
 *
 * Owns: writing NAME='VALUE' lines that sh reads back byte for byte.
 */
#include <errno.h>
#include <string.h>

#include "guest.h"

static int put(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
	if (*len + n >= cap)
		return -ENOSPC;
	memcpy(buf + *len, s, n);
	*len += n;
	buf[*len] = 0;
	return 0;
}

int g_param(char *buf, size_t cap, size_t *len, const char *name,
	    const char *value)
{
	int rc = put(buf, cap, len, name, strlen(name));
	rc = rc ? rc : put(buf, cap, len, "='", 2);
	for (const char *v = value; !rc && *v; v++)
		rc = *v == '\'' ? put(buf, cap, len, "'\\''", 4)
				: put(buf, cap, len, v, 1);
	return rc ? rc : put(buf, cap, len, "'\n", 2);
}
