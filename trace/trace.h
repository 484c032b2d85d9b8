/*
 * trace.h - 9ptrace internals: packets, TCP reassembly, 9P framing,
 * per-connection state, checks and output.
 *
 * Owns: the types shared by the trace/ files.  Data flows one way:
 *   capture.c / proxy.c / qemulog.c / virtio.c  ->  tr_packet() or
 *   tr_conn_bytes() (stream.c)
 *   -> tcp.c (per-direction reassembly) -> stream.c (9P framing)
 *   -> message.c (one whole message: decode, then check.c's warnings,
 *      output.c's line, stats.c's counts, state.c's tags and fids).
 * Files form layers, each calling only those below it (no cycles):
 *   main.c
 *   capture.c proxy.c qemulog.c     inputs
 *   virtio.c                        input: a QEMU's virtqueue
 *   qmp.c vring.c                   QEMU's monitor, the ring in guest RAM
 *   stream.c                        connections, framing
 *   message.c                       the per-message pipeline
 *   check.c output.c                rules (warnings recorded), printing
 *   state.c                         tags, fids, paths
 *   stats.c tcp.c frame.c pcapw.c   counts, reassembly, link layer
 */
#ifndef TRACE_H
#define TRACE_H

#include <stdint.h>
#include <stdio.h>

#include "p9.h"

/* ---- one TCP segment, as the link/IP/TCP parser sees it ---- */

enum { TR_SYN = 1, TR_FIN = 2, TR_RST = 4 };

struct tr_pkt {
	int family;          /* 4 or 6 */
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint32_t seq;
	uint8_t flags;       /* TR_SYN ... */
	const uint8_t *data; /* TCP payload as captured */
	uint32_t len;        /* bytes captured */
	uint32_t wirelen;    /* payload length on the wire (>= len) */
};

/* Parse a link-layer frame (pcap DLT) down to TCP.  0 on success, -1 when
 * the frame is not TCP over IPv4/IPv6 or is malformed. */
int tr_parse_frame(int dlt, const uint8_t *p, uint32_t caplen, struct tr_pkt *out);

/* ---- TCP reassembly of one direction ---- */

struct tr_seg {
	uint32_t seq, len;
	struct tr_seg *next;
	uint8_t data[];
};

struct tr_tcp {
	int started;         /* next is valid */
	uint32_t next;       /* next expected sequence number */
	uint64_t off;        /* stream offset of next (bytes delivered + skipped) */
	struct tr_seg *ooo;  /* queued segments beyond next, by seq */
	size_t ooo_bytes;
	size_t ooo_max;      /* queue above this declares a gap (default 4 MiB) */
};

struct tr_tcp_sink {
	void (*data)(void *arg, const uint8_t *p, size_t n);
	void (*gap)(void *arg, uint64_t off, uint64_t len);
	void *arg;
};

/* Feed one segment (seq of its first payload byte; SYN consumes one). */
void tr_tcp_segment(struct tr_tcp *t, uint32_t seq, int syn, const uint8_t *p,
		    uint32_t n, const struct tr_tcp_sink *s);
/* Bytes at seq are known lost (a truncated capture): a gap if in order. */
void tr_tcp_missing(struct tr_tcp *t, uint32_t seq, uint32_t n,
		    const struct tr_tcp_sink *s);
/* Give up on missing data: deliver what is queued, reporting holes. */
void tr_tcp_flush(struct tr_tcp *t, const struct tr_tcp_sink *s);
void tr_tcp_free(struct tr_tcp *t);

/* ---- options ---- */

struct tr_opts {
	int json, hex, check, stats, quiet;
	int errors_only;
	int has_fid;
	uint32_t fid;
	const char *path;
	int has_types;
	uint8_t types[256];     /* --type: 1 = show */
	uint16_t ports[32];
	int nports;
	int autodetect;         /* find 9P on any port by its Tversion */
	int silent;             /* internal: apply a message without showing it */
};

/* ---- per-connection state ---- */

struct tr_pathstat {
	char *path;
	uint64_t opens, reads, writes, rbytes, wbytes;
	struct tr_pathstat *next;
};

enum tr_fid_state {
	TR_FID_FREE = 0,        /* an empty slot of the table: never seen */
	TR_FID_LIVE,            /* created and not clunked */
	TR_FID_CLUNKED,         /* clunked or removed */
};

struct tr_fid {
	uint32_t fid;
	enum tr_fid_state state;
	char *path;
	uint8_t isdir;          /* its qid (walk, attach, open) is a directory */
};

struct tr_req {
	uint8_t live, type, flushed;
	uint16_t oldtag;
	uint32_t fid, newfid, count, size;
	uint64_t offset, ts;
	char *path;             /* walk/create/attach: the path it makes */
};

struct tr;
struct tr_conn;

/* One direction of a connection: reassembly plus 9P framing. */
struct tr_dir {
	struct tr_conn *conn;
	int client;             /* 1: client -> server (T-messages) */
	struct tr_tcp tcp;
	uint8_t *buf;
	size_t len, cap;
	int sync;               /* 1: buf[0] starts a message */
	int fin;                /* saw FIN */
	uint64_t off;           /* stream offset of buf[0] */
	uint64_t skipped;       /* bytes skipped while resynchronising */
};

struct tr_conn {
	struct tr *tr;
	unsigned id;
	int family;
	uint8_t caddr[16], saddr[16];
	uint16_t cport, sport;
	struct tr_dir dir[2];   /* [0] client->server, [1] server->client */
	int dialect;            /* 0 until Tversion */
	uint32_t msize;
	int from_start;         /* saw Tversion: fid/tag checks are meaningful */
	struct tr_req **tags;   /* 256 pages of 256 tags, made when the first
				   tag is used (tr_tag), a page when a tag in it
				   is first used; NULL before */
	struct tr_fid *fids;    /* open addressing */
	size_t nfids, capfids;
	struct tr_conn *next, *prev;  /* t->conns: the connections still open */
	struct tr_conn *hnext;  /* bucket chain of t->hash */
	uint32_t thash;         /* the 4-tuple's hash (t->hash % nhash) */
	int hashed;             /* in t->hash */
};

/* ---- stats ---- */

struct tr_typestat {
	uint64_t count, bytes, errors;
	uint64_t *lat;           /* latencies in ns (on T rows) */
	size_t nlat, caplat;
};

/* ---- the tracer ---- */

struct tr {
	struct tr_opts o;
	FILE *out;
	uint64_t t0;            /* first timestamp (ns) */
	int have_t0;
	uint64_t now;           /* timestamp of the current packet (ns) */
	struct tr_conn *conns;
	struct tr_conn **hash;  /* by 4-tuple; grows with the open connections */
	struct tr_conn *last;   /* the connection of the previous packet */
	size_t nhash, nhashed;
	unsigned nconn;
	uint64_t nmsgs, nwarn, ngaps, ndecode_err;
	struct tr_typestat ts[256];
	struct tr_pathstat **phash;
	size_t nphash, npaths;
	char *line;             /* output scratch */
	size_t linecap;
};

void tr_init(struct tr *t, const struct tr_opts *o, FILE *out);
void tr_fini(struct tr *t);
/* Feed one TCP segment with its timestamp (ns since the epoch). */
void tr_packet(struct tr *t, uint64_t ts, const struct tr_pkt *p);
/* Feed bytes of a connection known to be 9P (the proxy, tests). */
struct tr_conn *tr_conn_new(struct tr *t);
void tr_conn_bytes(struct tr_conn *c, int client, uint64_t ts,
		   const uint8_t *p, size_t n);
/* End of input: flush reassembly queues. */
void tr_finish(struct tr *t);

/* A connection of tr_conn_new is over: report what it left unfinished,
 * take it out of t and free it. */
void tr_conn_end(struct tr *t, struct tr_conn *c);

/* message.c: one whole message of a direction. */
void tr_message(struct tr_conn *c, int client, const uint8_t *buf, size_t len);
/* The same for a message already decoded (buf may be NULL: no wire form). */
void tr_message_decoded(struct tr_conn *c, int client, const uint8_t *buf,
			size_t len, const struct p9_msg *m);

/* state.c: what the connection knows. */
void tr_conn_reset(struct tr_conn *c);
void tr_conn_free(struct tr_conn *c);
/* A Tversion starts a new session: forget tags, fids and the dialect. */
void tr_session_start(struct tr_conn *c);
/* Record a request in its tag's slot (the path it will give a fid); the
 * slot. */
struct tr_req *tr_state_request(struct tr_conn *c, const struct p9_msg *m,
				size_t len);
/* Apply a reply (rq: its request, or NULL) to fids, paths and the path
 * statistics, then free the request's slot. */
void tr_state_reply(struct tr_conn *c, const struct p9_msg *m, struct tr_req *rq);
const char *tr_fid_path(struct tr_conn *c, uint32_t fid);
enum tr_fid_state tr_fid_state(struct tr_conn *c, uint32_t fid);
int tr_fid_isdir(struct tr_conn *c, uint32_t fid);
/* The request slot of tag: tr_tag_peek gives it if its page exists, else
 * NULL; tr_tag_live gives it only if a request is in flight on it. */
struct tr_req *tr_tag_peek(const struct tr_conn *c, uint16_t tag);
struct tr_req *tr_tag_live(const struct tr_conn *c, uint16_t tag);

/* check.c: --check's rules record their warnings; output.c prints them. */
enum { TR_MAXWARN = 16, TR_WARNLEN = 512 };
struct tr_warnings {
	unsigned n;                  /* at most TR_MAXWARN (more are dropped) */
	char msg[TR_MAXWARN][TR_WARNLEN];
};
void tr_check_request(struct tr_conn *c, const struct p9_msg *m, size_t len,
		      struct tr_warnings *w);
void tr_check_reply(struct tr_conn *c, const struct p9_msg *m, size_t len,
		    const struct tr_req *rq, struct tr_warnings *w);
/* The connection is closing: a request still in flight (not flushed) never
 * got its reply (how a server crash looks). */
void tr_check_close(struct tr_conn *c, struct tr_warnings *w);

/* output.c */
void tr_emit(struct tr_conn *c, int client, const uint8_t *buf, size_t len,
	     const struct p9_msg *m, const struct tr_req *rq);
void tr_emit_note(struct tr_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void tr_emit_warnings(struct tr_conn *c, const struct tr_warnings *w);
int tr_parse_types(struct tr_opts *o, const char *list);

/* stats.c */
void tr_stats_init(struct tr *t);
void tr_stats_free(struct tr *t);
void tr_stats_add(struct tr *t, const struct p9_msg *m, size_t len,
		  const struct tr_req *rq);
struct tr_pathstat *tr_pathstat(struct tr *t, const char *path);
void tr_stats_print(struct tr *t, FILE *f);

#endif
