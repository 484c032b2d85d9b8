/*
 * output.c - a connection's output queue and the -v message log.
 *
 * Replies are appended whole: copied (sfs_send) or encoded in place after
 * sfs_reserve.  Only the main thread touches the queue; loop.c writes it to
 * the connection's descriptor (or hands it to the owner of a connection in
 * memory).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synthfs/server.h"

void sfs_log(struct sfs_conn *c, const char *dir, const uint8_t *buf, size_t len)
{
	struct p9_msg m;
	char line[1024];
	int d = c->dialect ? c->dialect : P9_D2000;
	if (buf[4] == P9_TVERSION || buf[4] == P9_RVERSION)
		d = P9_DL;
	if (p9_decode(buf, len, d, &m, NULL) == 0)
		p9_fmt(line, sizeof line, &m, d);
	else
		snprintf(line, sizeof line, "(undecodable type %u, %zu bytes)",
			 buf[4], len);
	fprintf(stderr, "synthfs: %d %s %s\n", c->id, dir, line);
}

uint8_t *sfs_reserve(struct sfs_conn *c, size_t n)
{
	if (c->wcap - c->wlen < n) {
		size_t cap;
		uint8_t *p;
		if (c->woff) {
			memmove(c->wbuf, c->wbuf + c->woff, c->wlen - c->woff);
			c->wlen -= c->woff;
			c->woff = 0;
		}
		for (cap = c->wcap ? c->wcap : 65536; cap - c->wlen < n;)
			cap *= 2;
		if (cap != c->wcap) {
			if (!(p = realloc(c->wbuf, cap)))
				return NULL;
			c->wbuf = p;
			c->wcap = cap;
		}
	}
	return c->wbuf + c->wlen;
}

void sfs_send(struct sfs_conn *c, const uint8_t *buf, size_t len)
{
	uint8_t *p;
	if (c->dead || !len || !(p = sfs_reserve(c, len)))
		return;
	memcpy(p, buf, len);
	c->wlen += len;
	if (c->s->verbose)
		sfs_log(c, "->", buf, len);
}
