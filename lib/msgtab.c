/*
 * msgtab.c - the message table: one row per message of 9P2000, 9P2000.u and
 * 9P2000.L.  Encoding, decoding, validation, both printers, the script
 * language and the tracer all read these rows; adding a message is one row.
 *
 * Sources: Plan 9 manual section 5 (9P2000), the 9P2000.u extensions, and
 * diod's protocol.md for 9P2000.L.  Field names are the specs' names, except
 * where a name would collide with the message type ("type" of Tlock and
 * Rstatfs is "locktype"/"fstype").
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "p9.h"
#include "buf.h"

#define OFF(m) ((uint16_t)offsetof(struct p9_msg, m))
#define F(n, k, m) { n, P9K_##k, P9_DALL, P9S_DEC, OFF(m) }
#define FX(n, k, m) { n, P9K_##k, P9_DALL, P9S_HEX, OFF(m) }
#define FO(n, k, m) { n, P9K_##k, P9_DALL, P9S_OCT, OFF(m) }
#define FUL(n, k, m) { n, P9K_##k, P9_DU | P9_DL, P9S_DEC, OFF(m) }
#define FU(n, k, m) { n, P9K_##k, P9_DU, P9S_DEC, OFF(m) }
/* a fid field and its role (enum p9_role) */
#define FID(n, m, role) { n, P9K_U32, P9_DALL, P9S_DEC, OFF(m), P9R_##role }
#define ROW(t, nm, d, ...) [P9_##t] = { P9_##t, nm, d, \
	sizeof((struct p9_field[]){ __VA_ARGS__ }) / sizeof(struct p9_field), \
	{ __VA_ARGS__ } }
#define ROW0(t, nm, d) [P9_##t] = { P9_##t, nm, d, 0, { { 0 } } }

#define P9_D2U (P9_D2000 | P9_DU)

/* indexed by type number; rows with a NULL name are not messages */
static const struct p9_msgdef tab[256] = {
	/* 9P2000.L */
	ROW0(TLERROR, "Tlerror", P9_DL),
	ROW(RLERROR, "Rlerror", P9_DL, { "ecode", P9K_U32, P9_DALL, P9S_ERRNO, OFF(errnum) }),
	ROW(TSTATFS, "Tstatfs", P9_DL, FID("fid", fid, FID)),
	ROW(RSTATFS, "Rstatfs", P9_DL, FX("fstype", U32, fstype), F("bsize", U32, bsize),
	    F("blocks", U64, blocks), F("bfree", U64, bfree),
	    F("bavail", U64, bavail), F("files", U64, files),
	    F("ffree", U64, ffree), FX("fsid", U64, fsid),
	    F("namelen", U32, namelen)),
	ROW(TLOPEN, "Tlopen", P9_DL, FID("fid", fid, FID), FX("flags", U32, flags)),
	ROW(RLOPEN, "Rlopen", P9_DL, F("qid", QID, qid), F("iounit", U32, iounit)),
	ROW(TLCREATE, "Tlcreate", P9_DL, FID("fid", fid, FID), F("name", STR, name),
	    FX("flags", U32, flags), FO("mode", U32, lmode), F("gid", U32, gid)),
	ROW(RLCREATE, "Rlcreate", P9_DL, F("qid", QID, qid), F("iounit", U32, iounit)),
	ROW(TSYMLINK, "Tsymlink", P9_DL, FID("fid", fid, FID), F("name", STR, name),
	    F("symtgt", STR, symtgt), F("gid", U32, gid)),
	ROW(RSYMLINK, "Rsymlink", P9_DL, F("qid", QID, qid)),
	ROW(TMKNOD, "Tmknod", P9_DL, FID("dfid", dfid, DIRFID), F("name", STR, name),
	    FO("mode", U32, lmode), F("major", U32, major),
	    F("minor", U32, minor), F("gid", U32, gid)),
	ROW(RMKNOD, "Rmknod", P9_DL, F("qid", QID, qid)),
	ROW(TRENAME, "Trename", P9_DL, FID("fid", fid, FID), FID("dfid", dfid, DIRFID),
	    F("name", STR, name)),
	ROW0(RRENAME, "Rrename", P9_DL),
	ROW(TREADLINK, "Treadlink", P9_DL, FID("fid", fid, FID)),
	ROW(RREADLINK, "Rreadlink", P9_DL, F("target", STR, target)),
	ROW(TGETATTR, "Tgetattr", P9_DL, FID("fid", fid, FID),
	    FX("request_mask", U64, request_mask)),
	ROW(RGETATTR, "Rgetattr", P9_DL, FX("valid", U64, valid), F("qid", QID, qid),
	    FO("mode", U32, lmode), F("uid", U32, uid), F("gid", U32, gid),
	    F("nlink", U64, nlink), F("rdev", U64, rdev), F("size", U64, size),
	    F("blksize", U64, blksize), F("blocks", U64, blocks),
	    F("atime_sec", U64, atime_sec), F("atime_nsec", U64, atime_nsec),
	    F("mtime_sec", U64, mtime_sec), F("mtime_nsec", U64, mtime_nsec),
	    F("ctime_sec", U64, ctime_sec), F("ctime_nsec", U64, ctime_nsec),
	    F("btime_sec", U64, btime_sec), F("btime_nsec", U64, btime_nsec),
	    F("gen", U64, gen), F("data_version", U64, data_version)),
	ROW(TSETATTR, "Tsetattr", P9_DL, FID("fid", fid, FID), FX("valid", U32, valid32),
	    FO("mode", U32, lmode), F("uid", U32, uid), F("gid", U32, gid),
	    F("size", U64, size), F("atime_sec", U64, atime_sec),
	    F("atime_nsec", U64, atime_nsec), F("mtime_sec", U64, mtime_sec),
	    F("mtime_nsec", U64, mtime_nsec)),
	ROW0(RSETATTR, "Rsetattr", P9_DL),
	ROW(TXATTRWALK, "Txattrwalk", P9_DL, FID("fid", fid, FID), FID("newfid", newfid, NEWFID),
	    F("name", STR, name)),
	ROW(RXATTRWALK, "Rxattrwalk", P9_DL, F("size", U64, size)),
	ROW(TXATTRCREATE, "Txattrcreate", P9_DL, FID("fid", fid, FID), F("name", STR, name),
	    F("attr_size", U64, attr_size), FX("flags", U32, flags)),
	ROW0(RXATTRCREATE, "Rxattrcreate", P9_DL),
	ROW(TREADDIR, "Treaddir", P9_DL, FID("fid", fid, FID), F("offset", U64, offset),
	    F("count", U32, count)),
	ROW(RREADDIR, "Rreaddir", P9_DL, F("data", DIRENTS, data)),
	ROW(TFSYNC, "Tfsync", P9_DL, FID("fid", fid, FID), F("datasync", U32, datasync)),
	ROW0(RFSYNC, "Rfsync", P9_DL),
	ROW(TLOCK, "Tlock", P9_DL, FID("fid", fid, FID), F("locktype", U8, lock_type),
	    FX("flags", U32, flags), F("start", U64, start),
	    F("length", U64, length), F("proc_id", U32, proc_id),
	    F("client_id", STR, client_id)),
	ROW(RLOCK, "Rlock", P9_DL, F("status", U8, status)),
	/* Tgetlock has no flags field (diod protocol.md) */
	ROW(TGETLOCK, "Tgetlock", P9_DL, FID("fid", fid, FID), F("locktype", U8, lock_type),
	    F("start", U64, start), F("length", U64, length),
	    F("proc_id", U32, proc_id), F("client_id", STR, client_id)),
	ROW(RGETLOCK, "Rgetlock", P9_DL, F("locktype", U8, lock_type),
	    F("start", U64, start), F("length", U64, length),
	    F("proc_id", U32, proc_id), F("client_id", STR, client_id)),
	ROW(TLINK, "Tlink", P9_DL, FID("dfid", dfid, DIRFID), FID("fid", fid, FID),
	    F("name", STR, name)),
	ROW0(RLINK, "Rlink", P9_DL),
	ROW(TMKDIR, "Tmkdir", P9_DL, FID("dfid", dfid, DIRFID), F("name", STR, name),
	    FO("mode", U32, lmode), F("gid", U32, gid)),
	ROW(RMKDIR, "Rmkdir", P9_DL, F("qid", QID, qid)),
	ROW(TRENAMEAT, "Trenameat", P9_DL, FID("olddirfid", olddirfid, DIRFID),
	    F("oldname", STR, oldname), FID("newdirfid", newdirfid, DIRFID),
	    F("newname", STR, newname)),
	ROW0(RRENAMEAT, "Rrenameat", P9_DL),
	ROW(TUNLINKAT, "Tunlinkat", P9_DL, FID("dirfd", dfid, DIRFID), F("name", STR, name),
	    FX("flags", U32, flags)),
	ROW0(RUNLINKAT, "Runlinkat", P9_DL),

	/* 9P2000 and its .u extensions; also the base of 9P2000.L */
	ROW(TVERSION, "Tversion", P9_DALL, F("msize", U32, msize), F("version", STR, version)),
	ROW(RVERSION, "Rversion", P9_DALL, F("msize", U32, msize), F("version", STR, version)),
	ROW(TAUTH, "Tauth", P9_DALL, FID("afid", afid, NEWFID), F("uname", STR, uname),
	    F("aname", STR, aname), FUL("n_uname", U32, n_uname)),
	ROW(RAUTH, "Rauth", P9_DALL, F("aqid", QID, qid)),
	ROW(TATTACH, "Tattach", P9_DALL, FID("fid", fid, NEWFID), FID("afid", afid, AFID),
	    F("uname", STR, uname), F("aname", STR, aname),
	    FUL("n_uname", U32, n_uname)),
	ROW(RATTACH, "Rattach", P9_DALL, F("qid", QID, qid)),
	ROW0(TERROR, "Terror", P9_D2U),
	ROW(RERROR, "Rerror", P9_D2U, F("ename", STR, ename),
	    { "errno", P9K_U32, P9_DU, P9S_ERRNO, OFF(errnum) }),
	ROW(TFLUSH, "Tflush", P9_DALL, F("oldtag", U16, oldtag)),
	ROW0(RFLUSH, "Rflush", P9_DALL),
	ROW(TWALK, "Twalk", P9_DALL, FID("fid", fid, FID), FID("newfid", newfid, NEWFID),
	    F("wname", WNAMES, wname)),
	ROW(RWALK, "Rwalk", P9_DALL, F("wqid", WQIDS, wqid)),
	ROW(TOPEN, "Topen", P9_D2U, FID("fid", fid, FID), F("mode", U8, mode)),
	ROW(ROPEN, "Ropen", P9_D2U, F("qid", QID, qid), F("iounit", U32, iounit)),
	ROW(TCREATE, "Tcreate", P9_D2U, FID("fid", fid, FID), F("name", STR, name),
	    FO("perm", U32, perm), F("mode", U8, mode),
	    FU("extension", STR, extension)),
	ROW(RCREATE, "Rcreate", P9_D2U, F("qid", QID, qid), F("iounit", U32, iounit)),
	ROW(TREAD, "Tread", P9_DALL, FID("fid", fid, FID), F("offset", U64, offset),
	    F("count", U32, count)),
	ROW(RREAD, "Rread", P9_DALL, F("data", DATA, data)),
	ROW(TWRITE, "Twrite", P9_DALL, FID("fid", fid, FID), F("offset", U64, offset),
	    F("data", DATA, data)),
	ROW(RWRITE, "Rwrite", P9_DALL, F("count", U32, count)),
	ROW(TCLUNK, "Tclunk", P9_DALL, FID("fid", fid, FID)),
	ROW0(RCLUNK, "Rclunk", P9_DALL),
	ROW(TREMOVE, "Tremove", P9_DALL, FID("fid", fid, FID)),
	ROW0(RREMOVE, "Rremove", P9_DALL),
	ROW(TSTAT, "Tstat", P9_D2U, FID("fid", fid, FID)),
	ROW(RSTAT, "Rstat", P9_D2U, F("stat", STAT, stat)),
	ROW(TWSTAT, "Twstat", P9_D2U, FID("fid", fid, FID), F("stat", STAT, stat)),
	ROW0(RWSTAT, "Rwstat", P9_D2U),
};

const struct p9_msgdef *p9_msgdef(unsigned type)
{
	if (type > 255 || tab[type].name == NULL)
		return NULL;
	return &tab[type];
}

const struct p9_msgdef *p9_msgdef_byname(const char *name)
{
	for (unsigned t = 0; t < 256; t++)
		if (tab[t].name && strcmp(tab[t].name, name) == 0)
			return &tab[t];
	return NULL;
}

const struct p9_msgdef *p9_msgdef_next(unsigned *i)
{
	while (*i < 256) {
		unsigned t = (*i)++;
		if (tab[t].name)
			return &tab[t];
	}
	return NULL;
}

const struct p9_field *p9_field_byname(const struct p9_msgdef *d, const char *name)
{
	for (unsigned i = 0; i < d->nfield; i++)
		if (strcmp(d->field[i].name, name) == 0)
			return &d->field[i];
	return NULL;
}

uint64_t p9_kind_uint(const void *p, int kind)
{
	switch (kind) {
	case P9K_U8: return *(const uint8_t *)p;
	case P9K_U16: return *(const uint16_t *)p;
	case P9K_U32: return *(const uint32_t *)p;
	case P9K_U64: return *(const uint64_t *)p;
	}
	return 0;
}

void p9_kind_set_uint(void *p, int kind, uint64_t v)
{
	switch (kind) {
	case P9K_U8: *(uint8_t *)p = (uint8_t)v; break;
	case P9K_U16: *(uint16_t *)p = (uint16_t)v; break;
	case P9K_U32: *(uint32_t *)p = (uint32_t)v; break;
	case P9K_U64: *(uint64_t *)p = v; break;
	}
}

uint64_t p9_field_uint(const struct p9_msg *m, const struct p9_field *f)
{
	return p9_kind_uint((const char *)m + f->off, f->kind);
}

void p9_field_set_uint(struct p9_msg *m, const struct p9_field *f, uint64_t v)
{
	p9_kind_set_uint((char *)m + f->off, f->kind, v);
}

void *p9_field_ptr(struct p9_msg *m, const struct p9_field *f)
{
	return (char *)m + f->off;
}

const char *p9_typename(unsigned type)
{
	const struct p9_msgdef *d = p9_msgdef(type);
	if (type == P9_NOREPLY)
		return "NOREPLY";
	return d ? d->name : "unknown";
}

int p9_dialect_parse(const char *s)
{
	if (strncasecmp(s, "9P", 2) == 0)
		s += 2;
	if (strcmp(s, "2000") == 0)
		return P9_D2000;
	if (strncmp(s, "2000", 4) == 0 && s[4] == '.')
		s += 5;
	if (strcmp(s, "u") == 0 || strcmp(s, "U") == 0)
		return P9_DU;
	if (strcmp(s, "L") == 0 || strcmp(s, "l") == 0)
		return P9_DL;
	return 0;
}

const char *p9_dialect_name(int dialect)
{
	switch (dialect) {
	case P9_D2000: return "9P2000";
	case P9_DU: return "9P2000.u";
	case P9_DL: return "9P2000.L";
	}
	return "unknown";
}
