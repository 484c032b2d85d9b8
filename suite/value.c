/*
 * value.c - run-time values of the case language (integers, byte strings,
 * qids, lists) and its named constants (NOFID, O_RDWR, DMDIR, ENOENT ...).
 *
 * Owns: copying, comparing and printing values.  Strings own their bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "lflags.h"
#include "suite.h"
#include "xalloc.h"

void val_free(struct value *v)
{
	free(v->s);
	for (int i = 0; i < v->nitem; i++)
		val_free(&v->item[i]);
	free(v->item);
	memset(v, 0, sizeof *v);
}

struct value val_int(uint64_t i)
{
	return (struct value){ .kind = V_INT, .i = i };
}

struct value val_str(const char *s, size_t len)
{
	struct value v = { .kind = V_STR, .len = len };
	v.s = xmalloc(len + 1);
	if (len)
		memcpy(v.s, s, len);
	v.s[len] = 0;
	return v;
}

struct value val_qid(struct p9_qid q)
{
	return (struct value){ .kind = V_QID, .q = q };
}

void val_copy(struct value *dst, const struct value *src)
{
	*dst = *src;
	if (src->kind == V_STR)
		*dst = val_str(src->s, src->len);
	if (src->kind == V_LIST) {
		dst->item = xcalloc((size_t)src->nitem + 1, sizeof *dst->item);
		for (int i = 0; i < src->nitem; i++)
			val_copy(&dst->item[i], &src->item[i]);
	}
}

int val_eq(const struct value *a, const struct value *b)
{
	if (a->kind != b->kind)
		return 0;
	switch (a->kind) {
	case V_INT: return a->i == b->i;
	case V_STR: return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
	case V_QID:
		return a->q.type == b->q.type && a->q.version == b->q.version &&
		       a->q.path == b->q.path;
	case V_LIST:
		if (a->nitem != b->nitem)
			return 0;
		for (int i = 0; i < a->nitem; i++)
			if (!val_eq(&a->item[i], &b->item[i]))
				return 0;
		return 1;
	}
	return 1;
}

char *val_fmt(const struct value *v, char *out, size_t cap)
{
	switch (v->kind) {
	case V_INT:
		snprintf(out, cap, "%llu", (unsigned long long)v->i);
		break;
	case V_STR: {
		size_t n = 0;
		if (cap < 8) {
			snprintf(out, cap, "\"\"");
			break;
		}
		out[n++] = '"';
		for (size_t i = 0; i < v->len && n + 6 < cap; i++) {
			unsigned char c = (unsigned char)v->s[i];
			if (c >= 32 && c < 127 && c != '"' && c != '\\')
				out[n++] = (char)c;
			else
				n += (size_t)snprintf(out + n, cap - n, "\\x%02x", c);
		}
		if (n + 2 < cap)
			out[n++] = '"';
		out[n] = 0;
		break;
	}
	case V_QID:
		p9_fmt_qid(out, cap, &v->q);
		break;
	case V_LIST:
		snprintf(out, cap, "[list of %d]", v->nitem);
		break;
	default:
		snprintf(out, cap, "(none)");
	}
	return out;
}

struct cdef {
	const char *name;
	uint64_t v;
};

static const struct cdef consts[] = {
	{ "NOFID", P9_NOFID }, { "NOTAG", P9_NOTAG }, { "NONUNAME", P9_NONUNAME },
	{ "IOHDRSZ", P9_IOHDRSZ }, { "MAXWELEM", P9_MAXWELEM },
	{ "OREAD", P9_OREAD }, { "OWRITE", P9_OWRITE }, { "ORDWR", P9_ORDWR },
	{ "OEXEC", P9_OEXEC }, { "OTRUNC", P9_OTRUNC }, { "ORCLOSE", P9_ORCLOSE },
	{ "OEXCL", P9_OEXCL },
	{ "DMDIR", P9_DMDIR }, { "DMAPPEND", P9_DMAPPEND }, { "DMEXCL", P9_DMEXCL },
	{ "DMSYMLINK", P9_DMSYMLINK }, { "DMTMP", P9_DMTMP }, { "DMAUTH", P9_DMAUTH },
	{ "QTDIR", P9_QTDIR }, { "QTAPPEND", P9_QTAPPEND }, { "QTEXCL", P9_QTEXCL },
	{ "QTAUTH", P9_QTAUTH }, { "QTTMP", P9_QTTMP }, { "QTSYMLINK", P9_QTSYMLINK },
	{ "QTFILE", P9_QTFILE },
	/* Linux constants as 9P2000.L carries them (lib/lflags.h) */
	{ "O_RDONLY", P9_L_O_RDONLY }, { "O_WRONLY", P9_L_O_WRONLY }, { "O_RDWR", P9_L_O_RDWR },
	{ "O_CREAT", P9_L_O_CREAT }, { "O_EXCL", P9_L_O_EXCL }, { "O_TRUNC", P9_L_O_TRUNC },
	{ "O_APPEND", P9_L_O_APPEND }, { "O_DIRECTORY", P9_L_O_DIRECTORY },
	{ "O_NOFOLLOW", P9_L_O_NOFOLLOW },
	{ "S_IFREG", P9_L_S_IFREG }, { "S_IFDIR", P9_L_S_IFDIR }, { "S_IFLNK", P9_L_S_IFLNK },
	{ "S_IFIFO", P9_L_S_IFIFO }, { "S_IFCHR", P9_L_S_IFCHR }, { "S_IFBLK", P9_L_S_IFBLK },
	{ "S_IFSOCK", P9_L_S_IFSOCK }, { "S_IFMT", P9_L_S_IFMT },
	{ "AT_REMOVEDIR", P9_L_AT_REMOVEDIR },
	{ "GETATTR_MODE", P9_GETATTR_MODE }, { "GETATTR_NLINK", P9_GETATTR_NLINK },
	{ "GETATTR_UID", P9_GETATTR_UID }, { "GETATTR_GID", P9_GETATTR_GID },
	{ "GETATTR_SIZE", P9_GETATTR_SIZE }, { "GETATTR_MTIME", P9_GETATTR_MTIME },
	{ "GETATTR_INO", P9_GETATTR_INO }, { "GETATTR_BASIC", P9_GETATTR_BASIC },
	{ "GETATTR_ALL", P9_GETATTR_ALL },
	{ "SETATTR_MODE", P9_SETATTR_MODE }, { "SETATTR_UID", P9_SETATTR_UID },
	{ "SETATTR_GID", P9_SETATTR_GID }, { "SETATTR_SIZE", P9_SETATTR_SIZE },
	{ "SETATTR_ATIME", P9_SETATTR_ATIME }, { "SETATTR_MTIME", P9_SETATTR_MTIME },
	{ "SETATTR_CTIME", P9_SETATTR_CTIME },
	{ "SETATTR_ATIME_SET", P9_SETATTR_ATIME_SET },
	{ "SETATTR_MTIME_SET", P9_SETATTR_MTIME_SET },
	{ "LOCK_RDLCK", P9_LOCK_TYPE_RDLCK }, { "LOCK_WRLCK", P9_LOCK_TYPE_WRLCK },
	{ "LOCK_UNLCK", P9_LOCK_TYPE_UNLCK },
	{ "LOCK_SUCCESS", P9_LOCK_SUCCESS }, { "LOCK_BLOCKED", P9_LOCK_BLOCKED },
	{ "LOCK_ERROR", P9_LOCK_ERROR }, { "LOCK_GRACE", P9_LOCK_GRACE },
	{ "LOCK_FLAGS_BLOCK", P9_LOCK_FLAGS_BLOCK }, { "LOCK_FLAGS_RECLAIM", P9_LOCK_FLAGS_RECLAIM },
	{ "XATTR_CREATE", P9_L_XATTR_CREATE }, { "XATTR_REPLACE", P9_L_XATTR_REPLACE },
	{ "V9FS_MAGIC", P9_L_V9FS_MAGIC },
	{ "KEEP32", 0xFFFFFFFFull }, { "KEEP64", 0xFFFFFFFFFFFFFFFFull },
	{ "KEEP16", 0xFFFF },
	{ NULL, 0 },
};

int const_lookup(const char *name, uint64_t *v)
{
	for (const struct cdef *c = consts; c->name; c++)
		if (strcmp(c->name, name) == 0) {
			*v = c->v;
			return 1;
		}
	if (name[0] == 'E' && name[1] >= 'A' && name[1] <= 'Z') {
		int e = p9_errno_parse(name);
		if (e > 0) {
			*v = (uint64_t)e;
			return 1;
		}
	}
	return 0;
}
