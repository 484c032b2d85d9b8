/*
 * qemu_opts.c - the text after "qemu:" in a target string.
 *
 * Owns: parsing `DIR[,security_model=M][,multidevs=remap|forbid|warn]
 * [,readonly][,msize=N][,trace=FILE]` and `synthfs[,same options]
 * [,delay=OP=USEC][,bug=NAME][,block_timeout=SEC]` into struct p9_qemu_opts, with one-line
 * errors.  Commas cannot appear in DIR (QEMU's own option syntax would need
 * them doubled); a DIR named "synthfs" or "scratch" can be written
 * "./synthfs".  `scratch[,same options]` exports a fresh scratch tree.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "targets/qemu.h"

static const char *const models[] = { "none", "mapped-xattr", "mapped-file",
				      "passthrough", "mapped" };
static const char *const mdevs[] = { "remap", "forbid", "warn" };

static int one_of(const char *v, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v, set[i]) == 0)
			return 1;
	return 0;
}

static int bad(char *err, size_t cap, const char *what, const char *v)
{
	snprintf(err, cap, "qemu:%s: %s", v, what);
	return -EINVAL;
}

static int set_str(char *dst, size_t dcap, const char *v)
{
	if (strlen(v) >= dcap)
		return -ENAMETOOLONG;
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

/* Append " --flag value" to the synthfs arguments. */
static int add_synth_arg(struct p9_qemu_opts *o, const char *flag, const char *v)
{
	size_t n = strlen(o->synthfs_args);
	int w = snprintf(o->synthfs_args + n, sizeof o->synthfs_args - n, " %s %s", flag, v);
	return w < 0 || (size_t)w >= sizeof o->synthfs_args - n ? -ENAMETOOLONG : 0;
}

static int parse_msize(const char *v, uint32_t *out)
{
	char *end;
	unsigned long x;
	errno = 0;
	x = strtoul(v, &end, 10);
	if (errno || end == v)
		return -EINVAL;
	if (*end == 'k' || *end == 'K')
		x <<= 10, end++;
	else if (*end == 'm' || *end == 'M')
		x <<= 20, end++;
	if (*end || x < 4096 || x > P9_MAXMSIZE)
		return -EINVAL;
	*out = (uint32_t)x;
	return 0;
}

static int parse_opt(struct p9_qemu_opts *o, char *kv, char *err, size_t cap)
{
	char *v = strchr(kv, '=');
	if (v)
		*v++ = 0;
	if (!strcmp(kv, "readonly") && !v)
		return o->readonly = 1, 0;
	if (!v)
		return bad(err, cap, "option needs a value (KEY=VALUE)", kv);
	if (!strcmp(kv, "security_model")) {
		if (!one_of(v, models, sizeof models / sizeof *models))
			return bad(err, cap, "security_model: none, mapped-xattr, mapped-file or passthrough", v);
		return set_str(o->security_model, sizeof o->security_model, v);
	}
	if (!strcmp(kv, "multidevs")) {
		if (!one_of(v, mdevs, 3))
			return bad(err, cap, "multidevs: remap, forbid or warn", v);
		return set_str(o->multidevs, sizeof o->multidevs, v);
	}
	if (!strcmp(kv, "msize"))
		return parse_msize(v, &o->msize) ? bad(err, cap, "msize: a number 4096..16M (k/M suffix allowed)", v) : 0;
	if (!strcmp(kv, "trace"))
		return set_str(o->trace, sizeof o->trace, v) ? bad(err, cap, "trace: path too long", v) : 0;
	if (o->synthfs && !strcmp(kv, "block_timeout")) {
		char *end;
		long x = strtol(v, &end, 10);
		if (*end || end == v || x < 1 || x > 3600)
			return bad(err, cap, "block_timeout: seconds 1..3600", v);
		o->block_timeout = (int)x;
		return 0;
	}
	if (o->synthfs && (!strcmp(kv, "delay") || !strcmp(kv, "bug")))
		return add_synth_arg(o, !strcmp(kv, "bug") ? "--bug" : "--delay", v) ?
			bad(err, cap, "too many synthfs options", v) : 0;
	return bad(err, cap, "unknown option (security_model, multidevs, readonly, msize, trace; delay, bug, block_timeout with synthfs)", kv);
}

int p9_qemu_opts_parse(const char *rest, struct p9_qemu_opts *o, char *err,
		       size_t cap)
{
	char buf[2048], *save = NULL, *tok;
	int rc = 0;
	memset(o, 0, sizeof *o);
	strcpy(o->security_model, "none");
	o->msize = 512 * 1024;
	o->block_timeout = 1;
	if (strlen(rest) >= sizeof buf)
		return bad(err, cap, "target string too long", "");
	strcpy(buf, rest);
	tok = strtok_r(buf, ",", &save);
	if (!tok || !*tok || buf[0] == ',')
		return bad(err, cap, "expected qemu:DIR[,options] or qemu:synthfs[,options]", rest);
	if (!strcmp(tok, "synthfs"))
		o->synthfs = 1;
	else if (!strcmp(tok, "scratch"))
		o->scratch = 1;
	else if (set_str(o->dir, sizeof o->dir, tok))
		return bad(err, cap, "directory path too long", tok);
	while (!rc && (tok = strtok_r(NULL, ",", &save)))
		rc = parse_opt(o, tok, err, cap);
	return rc;
}
