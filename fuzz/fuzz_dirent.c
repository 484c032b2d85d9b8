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

/* Decode the entry at *pos (advancing it) and re-encode it into out:
 * the decoder's answer, and in *n the encoder's. */
typedef int (*entry_fn)(const uint8_t *data, size_t size, int d, size_t *pos, long *n);

static int dirent_entry(const uint8_t *data, size_t size, int d, size_t *pos, long *n)
{
	struct p9_dirent e;
	int rc = p9_dirent_next(data, size, pos, &e);
	(void)d;
	if (rc > 0)
		*n = p9_dirent_put(out, sizeof out, &e);
	return rc;
}

static int stat_entry(const uint8_t *data, size_t size, int d, size_t *pos, long *n)
{
	struct p9_stat st;
	int rc = p9_stat_next(data, size, d, pos, &st);
	if (rc > 0)
		*n = p9_stat_put(out, sizeof out, &st, d);
	return rc;
}

static void entries(const uint8_t *data, size_t size, int d, entry_fn entry)
{
	size_t pos = 0, start = 0;
	long n = 0;
	int rc;
	while ((rc = entry(data, size, d, &pos, &n)) > 0) {
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
	entries(data, size, P9_DL, dirent_entry);
	entries(data, size, P9_D2000, stat_entry);
	entries(data, size, P9_DU, stat_entry);
	return 0;
}
