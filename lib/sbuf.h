/*
 * sbuf.h - a bounded string builder with snprintf semantics (internal).
 *
 * Owns: appending to a caller's fixed buffer; output is truncated but always
 * NUL-terminated, and len counts what would have been written.
 */
#ifndef P9_SBUF_H
#define P9_SBUF_H

#include <stddef.h>

struct p9_sb {
	char *p;
	size_t cap, len;
};

void p9_sb_init(struct p9_sb *b, char *p, size_t cap);
void p9_sb_printf(struct p9_sb *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void p9_sb_putc(struct p9_sb *b, char c);
void p9_sb_mem(struct p9_sb *b, const void *p, size_t n);
/* Fast paths for printers (no printf): a C string, a decimal number, and
 * lowercase hex zero-padded to width digits (width <= 16). */
void p9_sb_str(struct p9_sb *b, const char *s);
void p9_sb_u64(struct p9_sb *b, unsigned long long v);
void p9_sb_hex(struct p9_sb *b, unsigned long long v, int width);
/* The decimal digits of v, zero-padded to width (<= 20), written to out
 * (no NUL); returns their count. */
size_t p9_dec(char *out, unsigned long long v, int width);

#endif
