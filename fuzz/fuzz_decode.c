/*
 * fuzz_decode.c - libFuzzer target: the message decoder, in each dialect.
 *
 * Input: one raw message.  For each of 9P2000, .u and .L: decode; on
 * success, re-encoding must give back the input byte for byte and decode
 * again to the same fcall and JSON text; on failure, the error must be
 * well-formed.  Either way both printers run (into a large and a tiny
 * buffer) and must not crash.  Then the tolerant decode (P9_DEC_STATLEN,
 * QEMU's Rstat n[2] = 0): it accepts whatever the strict decoder accepts,
 * with nothing tolerated and the same fcall; when it tolerates, the strict
 * decoder must have refused, the message is an Rstat or Twstat, and its
 * re-encoding differs from the input only in that n[2] and decodes
 * strictly.
 */
#include <stdlib.h>
#include <string.h>

#include "p9.h"

static char big[1 << 17], big2[1 << 17];

static void print_all(const struct p9_msg *m, int d)
{
	char tiny[9];
	int n = p9_fmt(big, sizeof big, m, d);
	if (n < 0 || p9_fmt(tiny, sizeof tiny, m, d) != n)
		abort();
	n = p9_json(big, sizeof big, m, d, 64);
	if (n < 0 || p9_json(tiny, sizeof tiny, m, d, 64) != n)
		abort();
}

static void one_dialect(const uint8_t *data, size_t size, int d)
{
	struct p9_msg m, m2;
	struct p9_decode_err e;
	uint8_t *buf;
	char s[256];
	int rc = p9_decode(data, size, d, &m, &e);
	if (rc) {
		if (rc != e.code || e.offset > size || !e.field)
			abort();
		p9_decode_err_str(&e, s, sizeof s);
		print_all(&m, d);
		return;
	}
	if (p9_encoded_size(&m, d) != (long)size)
		abort();
	buf = malloc(size);
	if (!buf || p9_encode(&m, d, buf, size) != (long)size || memcmp(buf, data, size))
		abort();
	if (p9_decode(buf, size, d, &m2, NULL))
		abort();
	p9_fmt(big, sizeof big, &m, d);
	p9_fmt(big2, sizeof big2, &m2, d);
	if (strcmp(big, big2))
		abort();
	p9_json(big, sizeof big, &m, d, 1 << 20);
	p9_json(big2, sizeof big2, &m2, d, 1 << 20);
	if (strcmp(big, big2))
		abort();
	print_all(&m, d);
	free(buf);
}

/* Offset of the n[2] before the stat record: after the header, and the
 * fid of a Twstat. */
static size_t nstat_offset(int type)
{
	return type == P9_RSTAT ? 7 : 11;
}

static void tolerant_dialect(const uint8_t *data, size_t size, int d)
{
	struct p9_msg m, strict;
	struct p9_decode_err e;
	unsigned tol = 0;
	int rc = p9_decode_flags(data, size, d, P9_DEC_STATLEN, &m, &e, &tol);
	int src = p9_decode(data, size, d, &strict, NULL);
	uint8_t *buf;
	size_t at;
	if (rc) {
		if (!src || rc != e.code || e.offset > size || !e.field || tol)
			abort();
		return;
	}
	print_all(&m, d);
	if (!tol) {
		if (src)
			abort();
		p9_fmt(big, sizeof big, &m, d);
		p9_fmt(big2, sizeof big2, &strict, d);
		if (strcmp(big, big2))
			abort();
		return;
	}
	if (!src || tol != P9_DEC_STATLEN || (m.type != P9_RSTAT && m.type != P9_TWSTAT))
		abort();
	if (p9_encoded_size(&m, d) != (long)size || !(buf = malloc(size)))
		abort();
	at = nstat_offset(m.type);
	if (p9_encode(&m, d, buf, size) != (long)size || memcmp(buf, data, at) ||
	    memcmp(buf + at + 2, data + at + 2, size - at - 2) ||
	    p9_decode(buf, size, d, &strict, NULL))
		abort();
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one_dialect(data, size, P9_D2000);
	one_dialect(data, size, P9_DU);
	one_dialect(data, size, P9_DL);
	tolerant_dialect(data, size, P9_D2000);
	tolerant_dialect(data, size, P9_DU);
	return 0;
}
