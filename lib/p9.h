/*
 * p9.h - lib9p, the public interface of 9pkit's protocol library.
 *
 * Owns: protocol constants, the in-memory form of one message (struct p9_msg,
 * a "fat" record in the manner of Plan 9's Fcall: one member per field name),
 * the message table types, the codec, printers, directory-entry decoding,
 * connections and the small client used by every program.
 *
 * Conventions: functions return 0 (or a length) on success and a negative
 * errno-style code on failure.  Decoded strings and data point into the wire
 * buffer they came from; that buffer must outlive the decoded message.
 */
#ifndef P9_H
#define P9_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* ---- protocol constants ------------------------------------------------ */

enum {
	P9_HDRSZ = 7,            /* size[4] type[1] tag[2] */
	P9_IOHDRSZ = 24,         /* room reserved for a Twrite/Rread header */
	P9_READDIRHDRSZ = 24,    /* what Linux reserves for a Treaddir reply */
	P9_MAXWELEM = 16,
	P9_NOTAG = 0xFFFF,
	P9_QIDSZ = 13,
	P9_MINMSIZE = 256,       /* smallest msize the library will negotiate */
	P9_MAXMSIZE = 16 << 20,  /* largest message the library will handle */
};
#define P9_NOFID 0xFFFFFFFFu
#define P9_NONUNAME 0xFFFFFFFFu

/* qid.type bits */
enum {
	P9_QTDIR = 0x80, P9_QTAPPEND = 0x40, P9_QTEXCL = 0x20, P9_QTMOUNT = 0x10,
	P9_QTAUTH = 0x08, P9_QTTMP = 0x04, P9_QTSYMLINK = 0x02, P9_QTFILE = 0x00,
};
/* stat mode bits (9P2000 and .u) */
#define P9_DMDIR 0x80000000u
#define P9_DMAPPEND 0x40000000u
#define P9_DMEXCL 0x20000000u
#define P9_DMAUTH 0x08000000u
#define P9_DMTMP 0x04000000u
#define P9_DMSYMLINK 0x02000000u
#define P9_DMDEVICE 0x00800000u
#define P9_DMNAMEDPIPE 0x00200000u
#define P9_DMSOCKET 0x00100000u
#define P9_DMSETUID 0x00080000u
#define P9_DMSETGID 0x00040000u
/* Topen modes */
enum { P9_OREAD = 0, P9_OWRITE = 1, P9_ORDWR = 2, P9_OEXEC = 3,
       P9_OTRUNC = 0x10, P9_ORCLOSE = 0x40, P9_OEXCL = 0x1000 };
/* Tgetattr request_mask bits */
#define P9_GETATTR_MODE 0x1ull
#define P9_GETATTR_NLINK 0x2ull
#define P9_GETATTR_UID 0x4ull
#define P9_GETATTR_GID 0x8ull
#define P9_GETATTR_RDEV 0x10ull
#define P9_GETATTR_ATIME 0x20ull
#define P9_GETATTR_MTIME 0x40ull
#define P9_GETATTR_CTIME 0x80ull
#define P9_GETATTR_INO 0x100ull
#define P9_GETATTR_SIZE 0x200ull
#define P9_GETATTR_BLOCKS 0x400ull
#define P9_GETATTR_BTIME 0x800ull
#define P9_GETATTR_GEN 0x1000ull
#define P9_GETATTR_DATA_VERSION 0x2000ull
#define P9_GETATTR_BASIC 0x7ffull
#define P9_GETATTR_ALL 0x3fffull
/* Tsetattr valid bits */
enum { P9_SETATTR_MODE = 0x1, P9_SETATTR_UID = 0x2, P9_SETATTR_GID = 0x4,
       P9_SETATTR_SIZE = 0x8, P9_SETATTR_ATIME = 0x10, P9_SETATTR_MTIME = 0x20,
       P9_SETATTR_CTIME = 0x40, P9_SETATTR_ATIME_SET = 0x80,
       P9_SETATTR_MTIME_SET = 0x100 };

/* message types */
enum p9_type {
	P9_NOREPLY = 0, /* pseudo-type: a transport saw a request end with no reply */
	P9_TLERROR = 6, P9_RLERROR, P9_TSTATFS = 8, P9_RSTATFS,
	P9_TLOPEN = 12, P9_RLOPEN, P9_TLCREATE = 14, P9_RLCREATE,
	P9_TSYMLINK = 16, P9_RSYMLINK, P9_TMKNOD = 18, P9_RMKNOD,
	P9_TRENAME = 20, P9_RRENAME, P9_TREADLINK = 22, P9_RREADLINK,
	P9_TGETATTR = 24, P9_RGETATTR, P9_TSETATTR = 26, P9_RSETATTR,
	P9_TXATTRWALK = 30, P9_RXATTRWALK, P9_TXATTRCREATE = 32, P9_RXATTRCREATE,
	P9_TREADDIR = 40, P9_RREADDIR, P9_TFSYNC = 50, P9_RFSYNC,
	P9_TLOCK = 52, P9_RLOCK, P9_TGETLOCK = 54, P9_RGETLOCK,
	P9_TLINK = 70, P9_RLINK, P9_TMKDIR = 72, P9_RMKDIR,
	P9_TRENAMEAT = 74, P9_RRENAMEAT, P9_TUNLINKAT = 76, P9_RUNLINKAT,
	P9_TVERSION = 100, P9_RVERSION, P9_TAUTH, P9_RAUTH, P9_TATTACH, P9_RATTACH,
	P9_TERROR, P9_RERROR, P9_TFLUSH, P9_RFLUSH, P9_TWALK, P9_RWALK,
	P9_TOPEN, P9_ROPEN, P9_TCREATE, P9_RCREATE, P9_TREAD, P9_RREAD,
	P9_TWRITE, P9_RWRITE, P9_TCLUNK, P9_RCLUNK, P9_TREMOVE, P9_RREMOVE,
	P9_TSTAT, P9_RSTAT, P9_TWSTAT, P9_RWSTAT,
};
/* R-messages have odd type numbers, T-messages even ones. */
static inline int p9_is_reply(unsigned type) { return type & 1; }

/* dialects, as a bit mask so a table row can name several */
enum p9_dialect { P9_D2000 = 1, P9_DU = 2, P9_DL = 4, P9_DALL = 7 };

/* ---- values ------------------------------------------------------------ */

/* A counted string.  Not NUL-terminated; p may point into a wire buffer. */
struct p9_str {
	const char *p;
	uint16_t len;
};

struct p9_qid {
	uint8_t type;
	uint32_t version;
	uint64_t path;
};

/* A 9P2000 / 9P2000.u stat record (the .u fields are zero in 9P2000). */
struct p9_stat {
	uint16_t size; /* as read from the wire; recomputed on encode */
	uint16_t type;
	uint32_t dev;
	struct p9_qid qid;
	uint32_t mode, atime, mtime;
	uint64_t length;
	struct p9_str name, uid, gid, muid;
	struct p9_str extension;            /* .u */
	uint32_t n_uid, n_gid, n_muid;      /* .u */
};

/* One 9P2000.L directory entry of an Rreaddir payload. */
struct p9_dirent {
	struct p9_qid qid;
	uint64_t offset;
	uint8_t type;
	struct p9_str name;
};

/*
 * One message.  Every field of every message has a member here; the table
 * (lib/msgtab.c) maps each wire field to its member.  Members are shared by
 * messages whose fields mean the same thing.
 */
struct p9_msg {
	uint8_t type;
	uint8_t wiretype;  /* decoded: the type byte on the wire (not type only
			      when P9_DEC_RLERROR tolerated an Rerror) */
	uint16_t tag;
	/* common */
	uint32_t fid, newfid, afid, dfid, msize, iounit, count, n_uname;
	uint16_t oldtag;
	uint64_t offset;
	struct p9_qid qid;
	struct p9_str version, uname, aname, name, ename, extension;
	uint32_t errnum; /* Rerror .u errno, Rlerror ecode */
	/* walk */
	uint16_t nwname, nwqid;
	struct p9_str wname[P9_MAXWELEM];
	struct p9_qid wqid[P9_MAXWELEM];
	/* open / create (9P2000) */
	uint8_t mode;
	uint32_t perm;
	/* data of Tread/Twrite/Rread/Rreaddir/Tstat... (count is the length) */
	const uint8_t *data;
	/* stat */
	struct p9_stat stat;
	uint16_t nstat;  /* Rstat/Twstat: the n[2] before the stat record, as read
			    (stat.size + 2 unless P9_DEC_STATLEN tolerated it) */
	/* 9P2000.L */
	uint32_t flags, lmode, gid, uid, major, minor, datasync, valid32;
	struct p9_str symtgt, target, newname, oldname;
	uint32_t olddirfid, newdirfid;
	/* statfs */
	uint32_t fstype, bsize, namelen;
	uint64_t blocks, bfree, bavail, files, ffree, fsid;
	/* getattr / setattr */
	uint64_t request_mask, valid, nlink, rdev, size, blksize; /* blocks: above */
	uint64_t atime_sec, atime_nsec, mtime_sec, mtime_nsec;
	uint64_t ctime_sec, ctime_nsec, btime_sec, btime_nsec, gen, data_version;
	/* xattr */
	uint64_t attr_size;
	/* lock */
	uint8_t lock_type, status;
	uint64_t start, length;
	uint32_t proc_id;
	struct p9_str client_id;
};

/* ---- the message table ------------------------------------------------- */

enum p9_kind {
	P9K_U8, P9K_U16, P9K_U32, P9K_U64, P9K_STR, P9K_QID,
	P9K_DATA,    /* count[4] data[count] */
	P9K_DIRENTS, /* count[4] then 9P2000.L dirents */
	P9K_STAT,    /* n[2] stat[n] (dialect-dependent) */
	P9K_WNAMES,  /* nwname[2] nwname*wname[s] */
	P9K_WQIDS,   /* nwqid[2] nwqid*qid[13] */
};

/* How a printer shows an integer field. */
enum p9_show { P9S_DEC = 0, P9S_HEX, P9S_OCT, P9S_ERRNO };

/* What a field is to the code that tracks state across messages (9ptrace's
 * fid paths and --check, the fcall printer's NOFID as -1): read from the
 * table, never guessed from a field's name. */
enum p9_role {
	P9R_NONE = 0,
	P9R_FID,      /* an existing fid the message acts on */
	P9R_DIRFID,   /* an existing fid of the directory it acts in (dfid,
			 dirfd, olddirfid, newdirfid) */
	P9R_AFID,     /* an existing authentication fid, or NOFID (Tattach) */
	P9R_NEWFID,   /* a fid the message creates if it succeeds (Twalk and
			 Txattrwalk newfid, Tattach fid, Tauth afid) */
	P9R_RECSIZE,  /* records: the record's own size[2], computed on encode
			 and bounding its fields on decode (stat) */
};
/* 1 for the roles that name a fid (P9R_FID .. P9R_NEWFID). */
static inline int p9_role_is_fid(unsigned role)
{
	return role >= P9R_FID && role <= P9R_NEWFID;
}

struct p9_field {
	const char *name;   /* wire/spec name: what printers and scripts use */
	uint8_t kind;       /* enum p9_kind */
	uint8_t dialects;   /* dialects where the field is on the wire */
	uint8_t show;       /* enum p9_show */
	uint16_t off;       /* offsetof(struct p9_msg, member) */
	uint8_t role;       /* enum p9_role */
};

enum { P9_MAXFIELDS = 24 };

struct p9_msgdef {
	uint8_t type;
	const char *name;   /* "Twalk" */
	uint8_t dialects;   /* dialects that define the message */
	uint8_t nfield;
	struct p9_field field[P9_MAXFIELDS];
};

/* The row for a type number, or NULL if no dialect defines it. */
const struct p9_msgdef *p9_msgdef(unsigned type);
/* The row for a name ("Twalk", case-sensitive), or NULL. */
const struct p9_msgdef *p9_msgdef_byname(const char *name);
/* Iterate all rows in type order: start with *i = 0; NULL at the end. */
const struct p9_msgdef *p9_msgdef_next(unsigned *i);
/* The field of a row by name, or NULL. */
const struct p9_field *p9_field_byname(const struct p9_msgdef *d, const char *name);
/* Generic access to a field's member: integers of any width as uint64_t
 * (set truncates to the wire width), or a pointer to the member. */
uint64_t p9_field_uint(const struct p9_msg *m, const struct p9_field *f);
void p9_field_set_uint(struct p9_msg *m, const struct p9_field *f, uint64_t v);
void *p9_field_ptr(struct p9_msg *m, const struct p9_field *f);
/* "Twalk"; "NOREPLY" for the pseudo-type; "unknown" otherwise. */
const char *p9_typename(unsigned type);
/* Parse "9P2000", "9P2000.u", "9P2000.L" (any case of the suffix, also
 * "L", "u", "2000"); returns the dialect bit or 0. */
int p9_dialect_parse(const char *s);
const char *p9_dialect_name(int dialect); /* "9P2000.L" */

/* ---- record tables ------------------------------------------------------ */

/*
 * The records inside messages are tables too: one row per field of struct
 * p9_stat (9P2000 and .u) and of struct p9_dirent (a 9P2000.L directory
 * entry), in wire order.  The codec (p9_rd_stat, p9_wr_stat,
 * p9_stat_wire_size, p9_dirent_next/put), the fcall and JSON printers and
 * the case language's stat/entry fields all read them.
 */
struct p9_recfield {
	const char *name;   /* the member's name: the JSON key and the name
			       scripts use ("stat.mode", "entry[0].type") */
	uint8_t kind;       /* P9K_U8 .. P9K_QID */
	uint8_t dialects;   /* dialects where the field is on the wire */
	uint8_t show;       /* enum p9_show, for the fcall text */
	uint8_t role;       /* P9R_RECSIZE (stat's size[2]) or P9R_NONE */
	uint16_t off;       /* offsetof(struct p9_stat or p9_dirent, member) */
	const char *text;   /* fcall text: what precedes the value (" m " for
			       a stat's mode); NULL: not in the text */
	uint8_t textpos;    /* its place in the fcall text, whose order is not
			       the wire's (a stat shows its names first) */
	const char *json;   /* the JSON key where it is not name (a dirent's
			       type prints as "dtype"), else NULL */
};

struct p9_recdef {
	const char *name;   /* "stat", "dirent" */
	size_t size;        /* sizeof the record struct */
	uint8_t nfield;
	const struct p9_recfield *field;
};

/* The tables of struct p9_stat and struct p9_dirent. */
const struct p9_recdef *p9_stat_def(void);
const struct p9_recdef *p9_dirent_def(void);
/* A record's field by name ("mode", "n_gid"), or NULL. */
const struct p9_recfield *p9_recfield_byname(const struct p9_recdef *d,
					     const char *name);
/* Generic access to a record's member through its field: integers of any
 * width as uint64_t (set truncates to the wire width; 0 / no-op for other
 * kinds), strings as struct p9_str ({"", 0} / no-op for other kinds; set
 * stores the pointer, which must outlive the record's use), or a pointer to
 * the member (a qid). */
uint64_t p9_rec_uint(const void *rec, const struct p9_recfield *f);
void p9_rec_set_uint(void *rec, const struct p9_recfield *f, uint64_t v);
struct p9_str p9_rec_str(const void *rec, const struct p9_recfield *f);
void p9_rec_set_str(void *rec, const struct p9_recfield *f, struct p9_str s);
void *p9_rec_ptr(void *rec, const struct p9_recfield *f);

/* ---- codec -------------------------------------------------------------- */

/* Why a decode failed: message type, field and byte offset. */
struct p9_decode_err {
	int code;           /* negative errno: -EBADMSG, -EMSGSIZE, -EPROTO */
	uint8_t type;
	const char *field;  /* field name, or "size", "type", "trailing" */
	size_t offset;      /* byte offset in the message */
	char what[64];      /* short reason: "string runs past end" */
};

/* Encode m (m->type, m->tag and the fields of its row for dialect) into
 * buf.  Returns the message length, -ENOSPC if cap is too small, -EINVAL
 * for an unknown type or a count above the protocol limit. */
long p9_encode(const struct p9_msg *m, int dialect, uint8_t *buf, size_t cap);
/* Exact length p9_encode would produce, or negative. */
long p9_encoded_size(const struct p9_msg *m, int dialect);
/* Decode one whole message of len bytes.  Strings and data in *m point into
 * buf.  Returns 0, or a negative code with *err (if not NULL) filled in;
 * after a failure *m holds only the type and tag (if the header was read). */
int p9_decode(const uint8_t *buf, size_t len, int dialect, struct p9_msg *m,
	      struct p9_decode_err *err);
/* Decode flags: each one tolerates one known deviation of a real server
 * that clients such as Linux ignore.  p9_decode uses none (strict).  What a
 * decode tolerated is reported back, so it is never silent. */
enum p9_decode_flag {
	/* Rstat/Twstat: an outer n[2] that is 0 (QEMU's Rstat) or disagrees
	 * with the stat record is accepted when the record is self-consistent
	 * (its own size[2] matches its fields) and ends the message.  m->nstat
	 * keeps the n[2] that was on the wire. */
	P9_DEC_STATLEN = 1,
	/* 9P2000.L: a message of type Rerror (107) whose body is exactly
	 * ecode[4], Rlerror's body, as nfs-ganesha 4.3 sends every .L error, is
	 * decoded as that Rlerror (m->type P9_RLERROR, m->errnum the ecode;
	 * m->wiretype keeps 107). */
	P9_DEC_RLERROR = 2,
};
/* p9_decode with flags; *tolerated (if not NULL) gets the flags whose
 * deviation this message really had (0 for a strictly valid message). */
int p9_decode_flags(const uint8_t *buf, size_t len, int dialect, unsigned flags,
		    struct p9_msg *m, struct p9_decode_err *err, unsigned *tolerated);
/* "statlen" for P9_DEC_STATLEN, "rlerror" for P9_DEC_RLERROR (the lowest
 * flag set); "" for 0. */
const char *p9_decode_flag_name(unsigned flags);
/* The rule a flag's deviation breaks, for warnings and logs (the lowest
 * flag set); "" for 0. */
const char *p9_decode_flag_rule(unsigned flags);
/* "Twalk: field wname: string runs past end at offset 23" */
void p9_decode_err_str(const struct p9_decode_err *e, char *out, size_t cap);

/* Little-endian helpers for header peeking. */
static inline uint32_t p9_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}
static inline uint16_t p9_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
static inline void p9_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline void p9_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8);
}

/* Helpers to fill string members. */
struct p9_str p9_s(const char *cstr);
int p9_streq(struct p9_str a, const char *cstr);
/* Copy into a NUL-terminated buffer (truncating); returns dst. */
char *p9_strcpy(char *dst, size_t cap, struct p9_str s);

/* ---- directory payloads ------------------------------------------------- */

/* Iterate the 9P2000.L entries of an Rreaddir payload.  *pos starts at 0.
 * Returns 1 with *e filled, 0 at the clean end, negative (-EBADMSG) on a
 * partial or malformed entry (*pos then names its offset). */
int p9_dirent_next(const uint8_t *data, size_t len, size_t *pos,
		   struct p9_dirent *e);
/* Encode one dirent; returns bytes written or -ENOSPC. */
long p9_dirent_put(uint8_t *buf, size_t cap, const struct p9_dirent *e);
/* Iterate stat records of a 9P2000/.u directory Rread payload. */
int p9_stat_next(const uint8_t *data, size_t len, int dialect, size_t *pos,
		 struct p9_stat *st);
/* Encode one stat record (with its own size[2]); returns bytes or -ENOSPC. */
long p9_stat_put(uint8_t *buf, size_t cap, const struct p9_stat *st, int dialect);

/* ---- printers ----------------------------------------------------------- */

/* Plan 9 fcall text: "Twalk tag 1 fid 0 newfid 1 nwname 2 0:a 1:b".
 * Returns the length that would have been written (snprintf-style). */
int p9_fmt(char *out, size_t cap, const struct p9_msg *m, int dialect);
/* "(0000000000000001 0 d)" */
int p9_fmt_qid(char *out, size_t cap, const struct p9_qid *q);
/* One JSON object with every field by name; data as hex, at most
 * maxdata bytes (then "data_truncated":true).  snprintf-style return. */
int p9_json(char *out, size_t cap, const struct p9_msg *m, int dialect,
	    size_t maxdata);
/* JSON string quoting, the one escaper of every program: '"' and '\\'
 * backslashed, other control bytes and DEL as \u00XX; bytes above 0x7f as
 * \u00XX too unless P9_JQ_UTF8 passes them through; P9_JQ_SHORTNL writes a
 * newline as \n.  p9_json_quote appends to a string builder (sbuf.h),
 * p9_json_fquote writes a C string (NULL as "") to a stream. */
enum { P9_JQ_UTF8 = 1, P9_JQ_SHORTNL = 2 };
struct p9_sb;
void p9_json_quote(struct p9_sb *b, const char *p, size_t n, unsigned how);
void p9_json_fquote(FILE *f, const char *s, unsigned how);
/* Linux errno number -> "ENOENT" (NULL if unknown) and back (-1). */
const char *p9_errno_name(uint32_t e);
int p9_errno_parse(const char *name);

/* ---- connections -------------------------------------------------------- */

struct p9_conn;
struct p9_conn_ops {
	/* Send one whole message. 0 or negative. */
	int (*send)(struct p9_conn *c, const uint8_t *buf, size_t len);
	/* Receive one whole message into buf; returns its length, -ETIMEDOUT
	 * after timeout_ms (<0: wait forever), -ECONNRESET when the peer
	 * closed, -EMSGSIZE / -EPROTO for an impossible size field.  A
	 * transport that can see a request end without a reply (virtio after
	 * Tflush) returns a 7-byte header of type P9_NOREPLY with that tag. */
	int (*recv)(struct p9_conn *c, uint8_t *buf, size_t cap, int timeout_ms);
	void (*close)(struct p9_conn *c);
};

struct p9_conn {
	const struct p9_conn_ops *ops;
	int rfd, wfd;        /* stream transports; -1 otherwise */
	pid_t pid;           /* exec: the child; 0 otherwise */
	char desc[256];      /* the target string, for messages */
	void *priv;          /* transport-private state */
	/* stream receive buffer */
	uint8_t *rbuf;
	size_t rlen, rcap;
};

/* Parse and open a target: unix:PATH, tcp:HOST:PORT, fd:R,W, exec:CMD ARGS,
 * or any prefix registered with p9_transport_register.  On failure returns
 * negative and writes a one-line reason to err. */
int p9_dial(const char *target, int timeout_ms, struct p9_conn **out,
	    char *err, size_t errcap);
/* Check a target string's syntax without connecting. */
int p9_target_check(const char *target, char *err, size_t errcap);
void p9_conn_close(struct p9_conn *c);
int p9_conn_send(struct p9_conn *c, const uint8_t *buf, size_t len);
int p9_conn_recv(struct p9_conn *c, uint8_t *buf, size_t cap, int timeout_ms);

/* A transport for another prefix ("qemu:").  dial gets the text after the
 * colon; check, if given, validates that text without connecting (for
 * p9_target_check and before every dial): 0, or negative with a one-line
 * reason in err.  Register before any thread starts. */
typedef int (*p9_dial_fn)(const char *rest, int timeout_ms,
			  struct p9_conn **out, char *err, size_t errcap);
typedef int (*p9_check_fn)(const char *rest, char *err, size_t errcap);
int p9_transport_register(const char *prefix, p9_dial_fn dial);
int p9_transport_register_check(const char *prefix, p9_dial_fn dial,
				p9_check_fn check);

/* Stream helpers shared by fd-based transports. */
struct p9_conn *p9_conn_new_stream(int rfd, int wfd, const char *desc);
extern const struct p9_conn_ops p9_stream_ops;

/* ---- client -------------------------------------------------------------- */

/* How a received reply relates to the requests in flight. */
enum {
	P9_REPLY_EXPECTED = 0,       /* answers a request in flight */
	P9_REPLY_DUPLICATE,          /* its tag's request was already answered */
	P9_REPLY_STRAY,              /* no request was ever sent with its tag */
};

/* A received reply: owns its bytes; msg points into them. */
struct p9_reply {
	uint8_t *buf;
	size_t len;
	struct p9_msg m;
	int decode_rc;               /* 0, or the decode error code */
	struct p9_decode_err derr;
	unsigned tolerated;          /* P9_DEC_* deviations the decode accepted */
	int unsolicited;             /* P9_REPLY_* */
	uint8_t reqtype;             /* type of the last request sent with its tag, 0 none */
	uint64_t seq;                /* arrival order on the connection, from 1 */
};

/* What a client knows about one tag of its connection. */
struct p9_tagstate {
	uint8_t inflight;            /* requests sent with it, not yet answered (saturates) */
	uint8_t answered;            /* a reply with this tag was received */
	uint8_t type;                /* type of the last request sent with it */
};

struct p9_client {
	struct p9_conn *conn;
	int dialect;
	uint32_t msize;
	uint8_t *tbuf;              /* encode buffer, grown as needed */
	size_t tcap;
	uint8_t *rxbuf;             /* receive buffer, P9_MAXMSIZE, on first use */
	uint16_t nexttag;
	/* replies received while waiting for another tag */
	struct p9_reply **stash;
	size_t nstash, capstash;
	/* per-tag bookkeeping, 65536 entries allocated on the first send (NULL:
	 * none, every reply is taken as expected) */
	struct p9_tagstate *tags;
	/* replies for a tag with no request in flight: never handed out as an
	 * answer, counted, the first kept for reports */
	unsigned long nunsolicited;
	uint64_t nrecv;             /* messages received (the last reply's seq) */
	struct p9_reply *unsolicited;
	unsigned decode_flags;      /* P9_DEC_* for replies; 0 (strict) by default */
	unsigned lax;               /* P9_LAX_*: deviations of matching accepted */
};
/* p9_client.lax: an Rversion whose tag is not in flight answers the Tversion
 * in flight with NOTAG (a server that breaks version(5)'s tag rule); the
 * reply's m.tag becomes NOTAG, its buffer keeps the tag from the wire. */
/* P9_LAX_MSIZE_GROW: an Rversion msize above the one asked is taken as the
 * one asked (version(5) forbids it; the session must not exceed either). */
enum { P9_LAX_VERSION_TAG = 1, P9_LAX_MSIZE_GROW = 2 };

struct p9_client *p9_client_new(struct p9_conn *conn, uint32_t msize, int dialect);
void p9_client_free(struct p9_client *c); /* does not close conn */
/* A tag not in flight and with no reply waiting, never NOTAG or 0: the
 * next in round-robin order over the 16-bit space, so an answered tag is
 * reused only after every other tag has been handed out. */
uint16_t p9_client_tag(struct p9_client *c);
/* Encode and send m (m->tag as given); the tag is then in flight. */
int p9_client_send(struct p9_client *c, const struct p9_msg *m);
/* Send bytes as given (malformed on purpose, say); the tag in their header
 * (if len >= 7) is then in flight like any request's. */
int p9_client_send_raw(struct p9_client *c, const uint8_t *buf, size_t len);
/* Wait for the reply to tag; *r must be freed with p9_reply_free.  A reply
 * for a tag with nothing in flight (a duplicate, or a tag never sent) is
 * not returned by the waits: it is counted (p9_client_unsolicited). */
int p9_client_wait(struct p9_client *c, uint16_t tag, int timeout_ms,
		   struct p9_reply **r);
/* Wait for any reply (stashed first). */
int p9_client_wait_any(struct p9_client *c, int timeout_ms, struct p9_reply **r);
/* 1 if a reply with tag was received and no request with it is in flight:
 * sending it again reuses it (drain first to catch a late duplicate). */
int p9_client_tag_answered(const struct p9_client *c, uint16_t tag);
/* The request with this tag was flushed (its Rflush came, no reply before
 * it): the tag is free, and a reply to it arriving now is unsolicited. */
void p9_client_forget(struct p9_client *c, uint16_t tag);
/* Take in, without waiting, every reply already received by the transport
 * (expected ones are kept for the waits); the count, or -errno. */
int p9_client_drain(struct p9_client *c);
/* How many unsolicited replies came; if any, the first one described in why:
 * "Twalk: duplicate reply for tag 2 (Rwalk), the request was already
 * answered" or "a reply with tag 3 (Rlerror), which no request in flight
 * has". */
unsigned long p9_client_unsolicited(const struct p9_client *c, char *why, size_t cap);
/* send + wait; assigns a tag if m->tag == 0 and type != Tversion. */
int p9_client_rpc(struct p9_client *c, struct p9_msg *m, int timeout_ms,
		  struct p9_reply **r);
void p9_reply_free(struct p9_reply *r);
/* Tversion; on success sets c->msize and c->dialect from the reply. */
int p9_client_version(struct p9_client *c, uint32_t msize, const char *version,
		      int timeout_ms, char *err, size_t errcap);
/* Tattach fid afid=NOFID; 0 or negative (a server error becomes -EPERM
 * with its text in err). */
int p9_client_attach(struct p9_client *c, uint32_t fid, const char *uname,
		     const char *aname, uint32_t n_uname, int timeout_ms,
		     struct p9_qid *qid, char *err, size_t errcap);
/* If r is Rerror/Rlerror, the errno it carries (>0), else 0. */
int p9_reply_errno(const struct p9_reply *r);

/* ---- misc --------------------------------------------------------------- */

/* The next line of f that is not blank or a '#' comment, read into line
 * (cap bytes): a pointer into line past its leading blanks, without the
 * newline; NULL at the end of f.  *lineno counts the lines read. */
char *p9_conf_line(FILE *f, char *line, size_t cap, int *lineno);

/* Monotonic clock in nanoseconds. */
uint64_t p9_now_ns(void);
/* Read up to cap bytes from the non-blocking fd into buf, waiting for some
 * until deadline (p9_now_ns() time; 0: no limit; one already past: no
 * wait).  The count (> 0), -ECONNRESET at end of file, -ETIMEDOUT, or
 * -errno. */
long p9_fd_read(int fd, void *buf, size_t cap, uint64_t deadline);
/* Write all len bytes of buf to the non-blocking fd (a socket or a pipe;
 * a gone reader raises no SIGPIPE), waiting for room until deadline as
 * above.  0, -ECONNRESET when the reader is gone, -ETIMEDOUT, or -errno. */
int p9_fd_write_all(int fd, const void *buf, size_t len, uint64_t deadline);

#endif
