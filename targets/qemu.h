/*
 * qemu.h - internal interface of the QEMU virtio-9p transport (targets/).
 *
 * Owns the declarations shared by the pieces of the qemu: target:
 *   qtest.c        the qtest text protocol over QEMU's unix socket
 *   qemu_launch.c  spawning QEMU in a private temp dir, shared guest RAM
 *   virtio_pci.c   legacy virtio-pci bring-up over port I/O
 *   virtq.c        one split virtqueue in the shared guest RAM
 *   qemu_opts.c    parsing the target string
 *   conn_qemu.c    the p9_conn built from them, registered as "qemu:"
 * None of this is part of lib/p9.h: programs reach it through p9_dial.
 */
#ifndef P9_TARGETS_QEMU_H
#define P9_TARGETS_QEMU_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "p9.h"

/* ---- qtest.c ---- */
struct p9_qtest {
	int fd;              /* non-blocking */
	int timeout_ms;      /* per command */
	char in[4096];       /* unread bytes from QEMU */
	size_t inlen;
	unsigned long irqs;  /* asynchronous IRQ lines seen (ignored) */
	unsigned owed;       /* answers of async commands not yet read */
	unsigned async_failed; /* FAIL answers among them */
};
/* Send one command line (no newline) and wait for its OK/FAIL answer.
 * On OK, the text after "OK" (maybe empty) goes to val.  Returns 0,
 * -EIO on FAIL (its text in val), -ETIMEDOUT, -ECONNRESET. */
int p9_qtest_cmd(struct p9_qtest *q, char *val, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int p9_qtest_out(struct p9_qtest *q, int width, uint16_t port, uint32_t v);
/* Send a command without waiting for its answer (read by the next drain
 * or command). */
int p9_qtest_async(struct p9_qtest *q, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Read owed answers: all (wait) or those already here.  -EIO if any of
 * them was FAIL. */
int p9_qtest_drain(struct p9_qtest *q, int wait);
int p9_qtest_in(struct p9_qtest *q, int width, uint16_t port, uint32_t *v);

/* ---- qemu_opts.c ---- */
enum { P9_QEMU_MAXPATH = 1024 };
struct p9_qemu_opts {
	char dir[P9_QEMU_MAXPATH];   /* export directory (or "" with synthfs) */
	int synthfs;                  /* qemu:synthfs */
	int scratch;                  /* qemu:scratch */
	char security_model[32];      /* none, mapped-xattr, mapped-file, passthrough */
	char multidevs[16];           /* "" (QEMU default), remap, forbid, warn */
	int readonly;
	uint32_t msize;               /* largest message carried */
	char trace[P9_QEMU_MAXPATH];  /* QEMU's v9fs_* trace log, or "" */
	char synthfs_args[512];       /* extra synthfs arguments (synthfs only) */
	int block_timeout;            /* synthfs --block-timeout (synthfs only) */
};
int p9_qemu_opts_parse(const char *rest, struct p9_qemu_opts *o, char *err,
		       size_t cap);

/* ---- qemu_scratch.c ---- */
/* Enter a private mount namespace (0 or -errno). */
int p9_qemu_private_ns(void);
/* Enter a private mount namespace with a tmpfs on root (0 or -errno:
 * -EPERM when we may not mount). */
int p9_qemu_scratch_namespace(const char *root);
/* Build the scratch tree under root; mounts: tmpfs for devA/devB. */
int p9_qemu_scratch_build(const char *root, int mounts);

/* ---- qemu_synthfs.c ---- */
/* Where bin/synthfs is. */
void p9_qemu_synthfs_path(char *out, size_t cap);
/* In the child that becomes QEMU: mount synthfs --fuse on mnt (exits the
 * child with a message on stderr if that fails). */
void p9_qemu_synthfs_child(const struct p9_qemu_opts *o, const char *mnt);

/* ---- qemu_launch.c ---- */
struct p9_qemu {
	pid_t pid;
	struct p9_qtest qt;
	uint8_t *ram;                 /* shared guest RAM, mmapped */
	size_t ramsz;
	int errfd;                    /* QEMU's stderr (unlinked file) */
	pid_t synthfs_pid;            /* qemu:synthfs: the FUSE server */
	char fusedir[P9_QEMU_MAXPATH];/* its mount point's temp dir, or "" */
	char tmpdir[128];             /* kept private dir (scratch), or "" */
	int scratch_on_disk;          /* scratch built without a namespace */
	int scratch_mounts;           /* devA/devB are separate tmpfs mounts */
	int synthfs;                  /* the export is synthfs --fuse */
	int stopping;                 /* p9_qemu_stop sent SIGTERM (1), SIGKILL (2) */
	pid_t exit_pid;               /* reaped: its pid, wait status and */
	int exit_status;              /* whether it exited unasked */
	int exited_unasked;
};
/* Start QEMU exporting dir with the given options; on failure nothing is
 * left behind and err holds one line (with QEMU's last stderr line). */
int p9_qemu_start(struct p9_qemu *qm, const struct p9_qemu_opts *o,
		  const char *dir, size_t ramsz, int timeout_ms, char *err,
		  size_t cap);
/* Kill QEMU (SIGTERM, then SIGKILL), unmap, close. */
void p9_qemu_stop(struct p9_qemu *qm);
/* 1 if QEMU is still running. */
int p9_qemu_alive(struct p9_qemu *qm);
/* "killed by signal 9 (Killed)" or "exited with status 1", from a wait status. */
void p9_qemu_exit_str(int status, char *out, size_t cap);

/* ---- virtio_pci.c ---- */
struct p9_vpci {
	struct p9_qtest *qt;
	uint16_t io;                  /* BAR0 I/O base */
	uint32_t host_features;
	uint16_t qsize;               /* entries of queue 0 */
	char tag[256];                /* mount tag */
};
/* Find the device at devfn, map BAR0 at io, reset and negotiate. */
int p9_vpci_init(struct p9_vpci *v, struct p9_qtest *qt, int devfn,
		 uint16_t io, char *err, size_t cap);
/* Give queue 0 the ring at guest physical address pa (4 KiB aligned). */
int p9_vpci_setup_queue(struct p9_vpci *v, uint64_t pa);
int p9_vpci_driver_ok(struct p9_vpci *v);
/* Tell the device queue 0 has new requests, without waiting for QEMU's
 * answer to the port write. */
int p9_vpci_notify_async(struct p9_vpci *v);

/* ---- virtq.c ---- */
struct p9_virtq {
	uint8_t *ram;                 /* guest RAM base */
	uint64_t ring_pa;             /* desc, avail, used */
	uint16_t size;                /* entries */
	uint16_t avail_idx, used_seen;
	uint64_t buf_pa;              /* per-slot T and R buffers */
	uint32_t bufsz;
	unsigned nslot;
	struct p9_vslot { uint8_t busy; uint16_t tag; } *slot;
};
/* nslot request slots (at most size/2), each 2*bufsz bytes at buf_pa. */
/* Bytes of guest RAM the ring of a queue of this size occupies. */
size_t p9_virtq_ring_bytes(uint16_t size);
int p9_virtq_init(struct p9_virtq *vq, uint8_t *ram, uint64_t ring_pa,
		  uint16_t size, uint64_t buf_pa, uint32_t bufsz, unsigned nslot);
void p9_virtq_free(struct p9_virtq *vq);
/* Queue one request (len bytes) with a reply buffer of bufsz; returns
 * 0, -EBUSY when every slot is in flight, -EMSGSIZE. */
int p9_virtq_add(struct p9_virtq *vq, const uint8_t *msg, size_t len);
/* Take one completion: returns 1 with *slot and *len, 0 if none. */
int p9_virtq_poll(struct p9_virtq *vq, unsigned *slot, uint32_t *len);
/* The reply buffer of a slot. */
const uint8_t *p9_virtq_reply(struct p9_virtq *vq, unsigned slot);
void p9_virtq_release(struct p9_virtq *vq, unsigned slot);

/* ---- conn_qemu.c ---- */
/* Register the qemu: transport with p9_transport_register_check.  A
 * constructor: every program linked with libp9kit.a runs it before main
 * (targets/module.mk makes sure the object is linked); nothing calls it. */
void p9_qemu_register(void);
/* One no-op qtest command (a guest memory read) on a qemu: connection. */
int p9_qemu_conn_noop(struct p9_conn *c);
/* QEMUs of this process that exited without being asked to (killed, crashed),
 * since the last call; parked ones are checked first (stop_idle: stopped,
 * which also catches one whose death is still under way).  Returns how many;
 * the first is described in why: "qemu:DIR: QEMU (pid N) killed by signal 9
 * (Killed) during a connection" (or "while idle between connections").
 * Exits nobody took are printed on stderr at exit. */
int p9_qemu_exits_take(int stop_idle, char *why, size_t cap);
/* "key value" lines: mount tag, features, queue size, slots, msize... */
int p9_qemu_conn_info(struct p9_conn *c, char *out, size_t cap);

#endif
