/*
 * fuzz_dirent.c - libFuzzer target: directory payloads.
 *
 * Input: the data of an Rreaddir (9P2000.L dirents) or of a directory
 * Rread (packed 9P2000 / 9P2000.u stat records).  Every entry that
 * decodes must re-encode to exactly its own bytes; an error must leave
 * the position at the start of the bad entry.
 */
#include <stdlib.h>
#include <string.h>

#include "p9.h"

static uint8_t out[1 << 17];

static void dirents(const uint8_t *data, size_t size)
{
	struct p9_dirent e;
	size_t pos = 0, start = 0;
	int rc;
	while ((rc = p9_dirent_next(data, size, &pos, &e)) > 0) {
		long n = p9_dirent_put(out, sizeof out, &e);
		if (pos <= start || n != (long)(pos - start) ||
		    memcmp(out, data + start, (size_t)n))
			abort();
		start = pos;
	}
	if ((rc < 0 && pos != start) || (rc == 0 && pos != size))
		abort();
}

static void stats(const uint8_t *data, size_t size, int d)
{
	struct p9_stat st;
	size_t pos = 0, start = 0;
	int rc;
	while ((rc = p9_stat_next(data, size, d, &pos, &st)) > 0) {
		long n = p9_stat_put(out, sizeof out, &st, d);
		if (pos <= start || n != (long)(pos - start) ||
		    memcmp(out, data + start, (size_t)n))
			abort();
		start = pos;
	}
	if ((rc < 0 && pos != start) || (rc == 0 && pos != size))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dirents(data, size);
	stats(data, size, P9_D2000);
	stats(data, size, P9_DU);
	return 0;
}
