/*
 * guest.h - 9pguest's pieces: the console frame parser and tally, the
 * newc cpio writer for the per-run initramfs overlay, and the byte relay
 * that lets the guest reach any target through QEMU user networking.
 */
#ifndef GUEST_H
#define GUEST_H

#include <stddef.h>
#include <stdint.h>
#include <poll.h>
#include <stdio.h>

struct p9_conn;

/* ---- frames: "@@9PG KIND ..." lines from the guest's /init ---- */

enum g_kind {
	GF_NONE,   /* not a frame */
	GF_BOOT,   /* boot KVER UPTIME */
	GF_INFO,   /* info TEXT */
	GF_MOUNT,  /* mount ok|fail DETAIL */
	GF_STEP,   /* step NAME ok|fail DETAIL */
	GF_DMESG,  /* dmesg LINE */
	GF_END,    /* end NFAIL */
	GF_BAD,    /* starts like a frame but does not parse */
};

struct g_frame {
	enum g_kind kind;
	int ok;                /* mount, step: 1 ok, 0 fail */
	char name[128];        /* step name */
	char text[1024];       /* detail, info text, dmesg line, boot text */
	long nfail;            /* end */
};

/* Parse one console line (without its newline).  A frame may be preceded
 * by other text on the line (kernel output that had no newline yet). */
void g_frame_parse(const char *line, struct g_frame *f);

struct g_tally {
	int booted, mounted, mount_failed, ended;
	long steps, failed, guest_nfail, kernel_bad;
	double boot_uptime;    /* guest uptime when /init started, seconds */
};

/* Count one frame; returns 1 if it is a failure worth noting. */
int g_tally_add(struct g_tally *t, const struct g_frame *f);
/* 1 if the run passed: booted, mounted, ended, >=1 step and no failure. */
int g_tally_passed(const struct g_tally *t);

/* ---- newc cpio (the kernel's initramfs format) ---- */

/* Append a directory / regular file entry; 0 or -errno. */
int g_cpio_dir(FILE *f, const char *name, unsigned mode);
int g_cpio_file(FILE *f, const char *name, unsigned mode, const void *data,
		size_t len);
int g_cpio_trailer(FILE *f);

/* ---- relay: guest-side TCP connections <-> target connections ---- */

struct g_relay;

/* Listen on 127.0.0.1 (port 0: any); *port gets the port. */
struct g_relay *g_relay_new(const char *target, int *port, char *err,
			    size_t errcap);
void g_relay_free(struct g_relay *r);
/* Fill pollfds (up to cap) with what the relay waits for; returns count. */
int g_relay_pollfds(struct g_relay *r, struct pollfd *p, int cap);
/* Service ready descriptors; messages (a connection came or went, a dial
 * failed) go to log.  Returns 0, or negative on a fatal error. */
int g_relay_service(struct g_relay *r, const struct pollfd *p, int n, FILE *log);
/* Connections accepted so far / bytes each way. */
void g_relay_stats(const struct g_relay *r, long *conns, uint64_t *to_target,
		   uint64_t *to_guest);

/* ---- vtrace.c: --trace on a virtio mount (9ptrace --virtio) ---- */

struct g_vtrace {
	const char *file, *pcap;   /* --trace FILE, -w PCAP */
	char mem[4096], qmp[4096]; /* the RAM backend file, the QMP socket */
	char memobj[4200], qmparg[4200];
	int pid;
};

/* Append QEMU's shared RAM and QMP arguments to argv[n..]; the new n. */
int g_vtrace_args(struct g_vtrace *v, const char *tmpdir, int memory_mb,
		  const char **argv, int n);
/* Once QEMU runs: wait for its socket and RAM file, start 9ptrace; 0, or
 * -1 with the reason in err. */
int g_vtrace_start(struct g_vtrace *v, char *err, size_t cap);
/* Wait for 9ptrace to finish (qemu_gone: QEMU exited, so it will; else it
 * is stopped), remove the RAM file; 9ptrace's exit status (-1: killed). */
int g_vtrace_stop(struct g_vtrace *v, int qemu_gone);

/* ---- quoting for /run/params ---- */

/* Append "NAME='VALUE'\n" with VALUE single-quoted for sh; 0 or -ENOSPC. */
int g_param(char *buf, size_t cap, size_t *len, const char *name,
	    const char *value);

#endif
