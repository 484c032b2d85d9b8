/*
 * handshake.c - the Tversion that opens a case's connection (and the
 * probe's), judged precisely but leniently.  An Rversion that breaks a rule
 * of version(5) but still names a dialect (an msize above the one asked, a
 * tag other than NOTAG, a malformed body such as bytes after the version
 * string) is accepted: the session goes on at the msize asked, the reply is
 * logged with its bytes, counted as tolerated and recorded in
 * $rversion_tag, $rversion_msize and $rversion_error, which VER11-VER13
 * judge, so the deviation fails those cases once and nothing else.
 * --strict-decode refuses such an Rversion (the dialect is then not spoken).
 *
 * Owns: reading the first reply of a connection, before any tag matching
 * (a wrong tag must not make it a stray reply that times out).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "suite.h"
#include "xalloc.h"

/* The opening Rversion as read from the wire, rules checked one by one. */
struct rver {
	uint8_t type;
	uint16_t tag;
	uint32_t msize;
	char version[64];
	char body[200];      /* what is wrong with the body, "" if nothing */
	int dev;             /* VDEV_* */
};

static void hex(const uint8_t *b, size_t n, char *out, size_t cap)
{
	size_t k = 0;
	for (; k < n && 2 * k + 4 < cap && k < 64; k++)
		snprintf(out + 2 * k, 3, "%02x", b[k]);
	snprintf(out + 2 * k, cap - 2 * k, "%s", k < n ? "..." : "");
}

/* Read the fields of an Rversion even from a malformed body: msize[4]
 * version[s] must be there; anything else is recorded.  -1 if the
 * message cannot be an Rversion at all. */
static int parse_rversion(const uint8_t *b, size_t n, int dialect, struct rver *v)
{
	struct p9_msg m;
	struct p9_decode_err e;
	memset(v, 0, sizeof *v);
	v->type = b[4];
	v->tag = p9_get16(b + 5);
	if (v->type != P9_RVERSION)
		return -1;
	if (p9_decode(b, n, dialect, &m, &e) == 0) {
		v->msize = m.msize;
		p9_strcpy(v->version, sizeof v->version, m.version);
	} else {
		size_t vl;
		if (n < P9_HDRSZ + 6 || (vl = p9_get16(b + 11)) > n - 13)
			return -1;
		v->msize = p9_get32(b + 7);
		snprintf(v->version, sizeof v->version, "%.*s", (int)vl, (const char *)b + 13);
		p9_decode_err_str(&e, v->body, sizeof v->body);
		v->dev |= VDEV_BODY;
	}
	if (v->tag != P9_NOTAG)
		v->dev |= VDEV_TAG;
	return 0;
}

/* The tolerated deviations of v, in one transcript line with the bytes. */
static void log_deviation(struct interp *in, const struct rver *v, uint32_t asked,
			  const uint8_t *b, size_t n)
{
	char what[600] = "", bytes[140];
	size_t l;
	if (v->dev & VDEV_TAG)
		snprintf(what, sizeof what, "; tag %u, not NOTAG", v->tag);
	l = strlen(what);
	if (v->dev & VDEV_MSIZE)
		snprintf(what + l, sizeof what - l, "; msize %u above the %u asked "
			 "(the session uses %u)", v->msize, asked, asked);
	l = strlen(what);
	if (v->dev & VDEV_BODY)
		snprintf(what + l, sizeof what - l, "; malformed: %s", v->body);
	hex(b, n, bytes, sizeof bytes);
	in->ntolerated++;
	in->tolkinds |= TOL_RVERSION;
	in_log(in, "   (tolerated: Rversion%s; bytes %s; VER11-VER13 check it, "
	       "--strict-decode refuses it)", what, bytes);
}

/* The $rversion_* variables VER11-VER13 judge. */
static void set_vars(struct interp *in, const struct rver *v, const uint8_t *b, size_t n)
{
	char err[400] = "", bytes[140];
	var_int(in, "rversion_tag", v->tag);
	var_int(in, "rversion_msize", v->msize);
	if (v->dev & VDEV_BODY) {
		hex(b, n, bytes, sizeof bytes);
		snprintf(err, sizeof err, "%s (bytes %s)", v->body, bytes);
	}
	var_str(in, "rversion_error", err);
}

/* Judge the reply b; 0 with *d and *msize for the session, or -1 with a
 * reason in err (the dialect is not spoken, or the reply is unusable). */
static int judge(struct interp *in, const uint8_t *b, size_t n, uint32_t asked,
		 int *d, uint32_t *msize, char *err, size_t cap)
{
	struct rver v;
	char bytes[140];
	hex(b, n, bytes, sizeof bytes);
	if (n < P9_HDRSZ || parse_rversion(b, n, in->dialect, &v)) {
		struct p9_msg m;
		struct p9_decode_err e;
		if (n >= P9_HDRSZ && p9_decode(b, n, in->dialect, &m, &e) == 0) {
			char line[300];
			p9_fmt(line, sizeof line, &m, in->dialect);
			in_log(in, "<- %s", line);
			snprintf(err, cap, "expected Rversion, got %s", line);
		} else {
			snprintf(err, cap, "malformed reply to Tversion: %s", bytes);
		}
		return -1;
	}
	in_log(in, "<- Rversion tag %u msize %u version %s", v.tag, v.msize, v.version);
	*d = p9_dialect_parse(v.version);
	if (!*d || v.msize < P9_HDRSZ + 4) {
		snprintf(err, cap, "server answered version '%s' msize %u", v.version, v.msize);
		return -1;
	}
	if (v.msize > asked)
		v.dev |= VDEV_MSIZE;
	*msize = v.msize > asked ? asked : v.msize;
	set_vars(in, &v, b, n);
	if (!v.dev)
		return 0;
	if (in->o->strict_decode) {
		snprintf(err, cap, "Rversion breaks version(5) (--strict-decode): %s", bytes);
		return -1;
	}
	in->versiondev |= v.dev;
	log_deviation(in, &v, asked, b, n);
	return 0;
}

int in_version(struct interp *in, uint32_t msize, char *err, size_t cap)
{
	struct p9_msg m = { .type = P9_TVERSION, .tag = P9_NOTAG, .msize = msize };
	uint8_t tbuf[64], *rbuf;
	long tn;
	int rc, d = 0;
	uint32_t got = 0;
	m.version = p9_s(p9_dialect_name(in->dialect));
	tn = p9_encode(&m, in->dialect, tbuf, sizeof tbuf);
	if (tn < 0)
		abort();
	in_log_msg(in, "->", &m);
	if ((rc = p9_conn_send(in->conn, tbuf, (size_t)tn)))
		return rc;
	rbuf = xmalloc(P9_MAXMSIZE);
	rc = p9_conn_recv(in->conn, rbuf, P9_MAXMSIZE, in_call_ms(in));
	if (rc < 0) {
		free(rbuf);
		snprintf(err, cap, "Tversion: %s", in_rc_str(rc));
		return rc;
	}
	if (judge(in, rbuf, (size_t)rc, msize, &d, &got, err, cap)) {
		free(rbuf);
		return -EPROTONOSUPPORT;
	}
	free(rbuf);
	in->cl->dialect = d;
	in->cl->msize = got;
	return 0;
}
