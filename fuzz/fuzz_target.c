/*
 * fuzz_target.c - libFuzzer target: target-string parsing.
 *
 * Input: a target string (unix:..., tcp:HOST:PORT, fd:R,W, exec:CMD with
 * quoting, qemu:...).  p9_target_check must never crash, and must either
 * accept or give a one-line, NUL-terminated reason.  Nothing is dialled.
 */
#include <stdlib.h>
#include <string.h>

#include "p9.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), err[512];
	int rc;
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	memset(err, 'X', sizeof err);
	err[sizeof err - 1] = 0;
	rc = p9_target_check(s, err, sizeof err);
	if (rc > 0 || (rc < 0 && (err[0] == 0 || strlen(err) >= sizeof err)))
		abort();
	free(s);
	return 0;
}
