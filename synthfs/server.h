/*
 * server.h - synthfs's 9P server state: options, bugs, connections, fids,
 * requests in flight, and the functions of the files that serve them.
 * Calls go one way, from the top of this list down (no file calls one
 * above it):
 *   loop.c      event loop, connections, framing, worker pool
 *   flush.c     Tflush: which end a flushed request gets
 *   request.c   a request answered later, from creation to its end
 *   output.c    a connection's output queue, the -v log
 *   dispatch.c  one handler per message (with fid.c, tree.c below it)
 */
#ifndef SYNTHFS_SERVER_H
#define SYNTHFS_SERVER_H

#include <pthread.h>
#include <stdint.h>

#include "lib/p9.h"
#include "synthfs/tree.h"

/* ---- --bug switches (bugs.c) ---- */
enum sfs_bug {
	BUG_READDIR_PARTIAL_ENTRY, BUG_READDIR_IGNORE_OFFSET,
	BUG_READDIR_LOSE_BOUNDARY, BUG_FLUSH_RERROR, BUG_FLUSH_LATE_REPLY,
	BUG_WALK_LATER_ERROR, BUG_WALK_PARTIAL_FID, BUG_MSIZE_NOT_ENFORCED,
	BUG_QID_PATH_COLLISION, BUG_QID_VERSION_STATIC, BUG_CLUNK_LEAK,
	BUG_WRONG_ERRNO, BUG_FSYNC_EIO, BUG_FLUSH_UNKNOWN_ERROR,
	BUG_STAT_ZERO_LENGTH, BUG_WALK_17, BUG_QID_COLLIDE, BUG_READDIR_SHIFT,
	BUG_APPEND_IGNORED, BUG_HOLES_NONZERO, BUG_VERSION_MSIZE_GROW,
	BUG_VERSION_TAG,
	BUG_COUNT
};
/* "readdir-partial-entry" -> BUG_..., or -1 */
int sfs_bug_parse(const char *name);
const char *sfs_bug_name(int bug);
const char *sfs_bug_desc(int bug);
/* Set the tree options that carry bugs (qid-version-static, ...). */
void sfs_bug_opts(uint32_t bugs, struct sfs_opts *o);
#define SFS_BUG(s, b) (((s)->bugs >> (b)) & 1u)

/* ---- fids (fid.c) ---- */
enum sfs_xkind { FX_NONE = 0, FX_READ = 1, FX_CREATE = 2 }; /* xattr fids */

struct sfs_fid {
	struct sfs_fid *next;  /* hash chain */
	uint32_t fid;
	struct sfs_node *node;
	uint8_t open;          /* opened (Topen/Tlopen/Tcreate/Tlcreate) */
	uint8_t canread, canwrite, rclose, exclheld;
	uint8_t append;        /* .L opened with O_APPEND: writes at the end */
	uint64_t dir_off;      /* 9P2000/.u directory read: next byte offset */
	uint64_t dir_cookie;   /* ... and the tree cookie it stands for */
	uint64_t bug_cursor;   /* --bug readdir-ignore-offset */
	uint64_t dir_index;    /* --bug readdir-shift, 9P2000/.u: entries
				  read so far (the position kept) */
	enum sfs_xkind xkind;
	int xflags;
	char *xname;
	uint8_t *xbuf;
	size_t xlen, xsize;
};

struct sfs_fidtab {
	struct sfs_fid **b;
	size_t mask, n;
	size_t *total;         /* server-wide count, kept in step */
	size_t max;            /* fids per table (0: no limit): then EMFILE */
	size_t maxtotal;       /* fids in all tables (0: no limit): ENFILE */
};

void sfs_fidtab_init(struct sfs_fidtab *t, size_t *total);
struct sfs_fid *sfs_fid_get(struct sfs_fidtab *t, uint32_t fid);
/* NULL with *err = -EEXIST if in use, -EMFILE / -ENFILE past the
 * table's / server's limit, -ENOMEM. */
struct sfs_fid *sfs_fid_new(struct sfs_fidtab *t, uint32_t fid, int *err);
/* Unlink from the table and return it (caller releases), or NULL. */
struct sfs_fid *sfs_fid_take(struct sfs_fidtab *t, uint32_t fid);
/* Take every fid, calling release on each; the table stays usable. */
void sfs_fidtab_clear(struct sfs_fidtab *t, void (*release)(void *arg,
		      struct sfs_fid *f), void *arg);
void sfs_fidtab_free(struct sfs_fidtab *t);

/* ---- server, connections, requests ---- */
struct sfs_server;
struct sfs_conn;

/* Where a request answered later is (request.c). */
enum sfs_req_state {
	REQ_MAIN = 0,   /* on the main thread, between two of the steps below */
	REQ_WORKER,     /* queued for or held by a worker (loop.c) */
	REQ_PARKED,     /* on the server's parked list until its deadline */
};

/* The two lists a request is on (struct sfs_req's on[]). */
enum sfs_req_list {
	SFS_INFLIGHT,   /* its connection's in-flight list (c->inflight) */
	SFS_PARKED,     /* the server's parked list (s->parked) */
	SFS_NLISTS
};

/* A request that did not complete inline: queued for a worker, parked on a
 * blocking file, or held back by --delay. */
struct sfs_req {
	struct { struct sfs_req *next, *prev; } on[SFS_NLISTS];
	struct sfs_req *qnext;         /* worker / completion queue */
	struct sfs_conn *c;
	uint16_t tag;
	uint8_t type;
	enum sfs_req_state state;
	uint8_t parked_block;          /* parked on /flush/block */
	uint8_t flushed;               /* a Tflush arrived while in a worker */
	uint8_t aborted;               /* a Tversion came: never answer it */
	int hops;                      /* worker round trips still to make */
	int executed;
	uint8_t *tmsg;                 /* the request bytes */
	size_t tlen;
	uint8_t *reply;                /* the reply bytes */
	size_t rlen;
	int64_t deadline;              /* parked: monotonic ns */
	uint16_t *ftags;               /* Tflush tags waiting on this request */
	size_t nftags;
};

struct sfs_conn {
	struct sfs_server *s;
	struct sfs_conn *next, *prev;
	int rfd, wfd;
	int id;
	int dialect;                   /* 0 before Tversion */
	uint32_t msize;
	struct sfs_fidtab fids;
	uint64_t nmsgs;                /* requests received */
	uint32_t dirents;              /* directory entries the last
					  sfs_handle placed in its reply */
	uint32_t ntags;                /* requests not yet answered */
	struct sfs_req *inflight;      /* requests answered later */
	int nasync;                    /* of those, held by workers */
	int dead, closing;
	uint8_t *rbuf;
	size_t rlen, rcap;
	uint8_t *wbuf;
	size_t woff, wlen, wcap;
	int want_out, paused;
	struct sfs_ev { int kind; struct sfs_conn *c; } rev, wev; /* epoll */
	struct sfs_conn *znext;        /* closed, to be freed */
};

struct sfs_lock;
struct sfs_listener;

struct sfs_server {
	struct sfs_tree *tree;
	pthread_mutex_t lock;          /* held around every tree/fid access */
	uint32_t msize;                /* --msize */
	uint32_t bugs;                 /* 1 << BUG_* */
	int verbose;
	int trips;                     /* worker round trips per request */
	int rdhops_entry;              /* --readdir-hops per-entry: one more
					  round trip per directory entry */
	uint64_t nhops;                /* round trips made (/ctl/hops) */
	int nworkers;
	int block_timeout;             /* seconds */
	uint64_t delay_ns[256];        /* --delay by T-message type */
	int64_t delay_spin_ns;         /* --delay-spin: the last ns of a delay
					  are polled, not slept (wake-up jitter) */
	size_t nconns, allfids;
	size_t max_fids;               /* --max-fids: per connection (0: none) */
	size_t max_allfids;            /* --max-allfids: server-wide (0: none) */
	int nextconn;
	struct sfs_conn *conns;
	struct sfs_req *parked;        /* requests waiting for a deadline */
	struct sfs_lock *locks;        /* Tlock byte-range locks */
	/* event loop (loop.c) */
	struct sfs_listener *listeners;
	struct sfs_conn *stdio_conn, *zombies;
	int nworkers_started;
	int epfd, evfd, sigfd;
	int no_pwait2;                 /* epoll_pwait2 missing: epoll_wait */
	int stop;
	pthread_mutex_t qlock;
	pthread_cond_t qcond;
	struct sfs_req *work, *worktail, *done, *donetail;
	pthread_t *workers;
};

/* dispatch.c: handle one request (tbuf, tlen), write its reply into out
 * (cap bytes, at least the connection's msize); returns the reply length.
 * *park is set when the request must wait (a blocking file); the reply in
 * out is then the one to send if it times out. */
size_t sfs_handle(struct sfs_conn *c, const uint8_t *tbuf, size_t tlen,
		  uint8_t *out, size_t cap, int *park);
/* An error reply for tag in the connection's dialect. */
size_t sfs_error_reply(struct sfs_conn *c, uint16_t tag, int err,
		       uint8_t *out, size_t cap);
/* Drop everything a connection holds in the tree (fids, locks). */
void sfs_conn_reset(struct sfs_conn *c);
/* Reply capacity a request on c may need. */
size_t sfs_reply_cap(struct sfs_conn *c);

/* output.c: the connection's output queue (main thread). */
/* Room for n more bytes at the end of the queue (a reply encoded there is
 * queued by adding its length to wlen), or NULL without memory. */
uint8_t *sfs_reserve(struct sfs_conn *c, size_t n);
/* Queue a reply on a connection (copies; logged with -v). */
void sfs_send(struct sfs_conn *c, const uint8_t *buf, size_t len);
void sfs_log(struct sfs_conn *c, const char *dir, const uint8_t *buf,
	     size_t len);

/* request.c: requests answered later (main thread, server lock held). */
int64_t sfs_mono_ns(void);
/* A request was answered or dropped. */
void sfs_tag_done(struct sfs_conn *c);
/* Queue an Rflush / an error reply for tag, and count the tag answered. */
void sfs_send_rflush(struct sfs_conn *c, uint16_t tag);
void sfs_send_error(struct sfs_conn *c, uint16_t tag, int err);
/* The request p (len bytes) for the workers, to be queued; NULL (an ENOMEM
 * error answered) without memory. */
struct sfs_req *sfs_req_for_worker(struct sfs_conn *c, const uint8_t *p,
				   size_t len);
/* Request p ran inline but is answered later (park: it waits on a blocking
 * file; else --delay): keep a copy of its reply (n bytes at reply, reserved
 * at the end of c's output queue) and park it.  Without memory the reply is
 * queued at once. */
void sfs_req_defer(struct sfs_conn *c, const uint8_t *p, const uint8_t *reply,
		   size_t n, int park);
void sfs_req_unlink(struct sfs_req *r);
void sfs_req_free(struct sfs_req *r);
void sfs_unpark(struct sfs_server *s, struct sfs_req *r);
/* Send replies whose deadline passed; returns ns until the next one or -1. */
int64_t sfs_expire(struct sfs_server *s);
/* A request finished (reply in r->reply): send it and waiting Rflushes. */
void sfs_req_finish(struct sfs_req *r);
/* Drop a request without answering it, then answer its flushes. */
void sfs_req_drop(struct sfs_req *r);
/* A worker finished r (or it ran inline): answer, park or drop it. */
void sfs_req_done(struct sfs_req *r);
/* Remove a closing connection's parked requests. */
void sfs_unpark_conn(struct sfs_conn *c);
/* Tversion: forget every outstanding request of c (none is answered). */
void sfs_abort_conn(struct sfs_conn *c);

/* flush.c: a whole Tflush (p, len bytes) on a connection past Tversion;
 * a malformed one gets EBADMSG. */
void sfs_tflush(struct sfs_conn *c, const uint8_t *p, size_t len);

/* loop.c */
/* Listen on unix:PATH or tcp:[HOST]:PORT; desc gets the address as bound
 * (the real port when PORT was 0). */
int sfs_listen(struct sfs_server *s, const char *addr, char *desc, size_t dcap,
	       char *err, size_t cap);
int sfs_server_init(struct sfs_server *s);
void sfs_server_fini(struct sfs_server *s);
int sfs_add_stdio(struct sfs_server *s);
/* Serve a connection on descriptors the caller made (tests: a socketpair). */
int sfs_add_fds(struct sfs_server *s, int rfd, int wfd);
/* Without the event loop (fuzzing, tests): a server with no descriptors
 * or threads (inline dispatch only; sfs_run is not used), and connections
 * in memory.  sfs_mem_input appends request bytes, handles every whole
 * request and passes the replies queued so far to out (in order); it
 * returns -1 once the connection closed itself (a bad size field).
 * sfs_mem_output passes what is queued (e.g. after sfs_expire).
 * sfs_mem_close drops the connection (its fids, parked requests); the
 * memory goes at sfs_server_fini. */
int sfs_server_init_mem(struct sfs_server *s);
typedef void (*sfs_out_fn)(void *arg, const uint8_t *p, size_t n);
struct sfs_conn *sfs_add_mem(struct sfs_server *s);
int sfs_mem_input(struct sfs_conn *c, const uint8_t *p, size_t n,
		  sfs_out_fn out, void *arg);
void sfs_mem_output(struct sfs_conn *c, sfs_out_fn out, void *arg);
void sfs_mem_close(struct sfs_conn *c);
/* Ask a running sfs_run to return (any thread). */
void sfs_stop(struct sfs_server *s);
int sfs_run(struct sfs_server *s);

#endif
