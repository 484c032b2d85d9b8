/*
 * fuse.h - synthfs's FUSE frontend (synthfs/fuse.c).
 */
#ifndef SYNTHFS_FUSE_H
#define SYNTHFS_FUSE_H

#include <stdint.h>

struct sfs_tree;

/* Mount the tree on mountpoint and serve it until SIGTERM/SIGINT or an
 * unmount; /flush/block requests end with EINTR when the kernel interrupts
 * them or after block_timeout seconds; delay_ns (by 9P T-message type, 256
 * entries, or NULL) holds the matching FUSE answers.  Returns the exit status (0, or 2
 * with a message on stderr). */
int sfs_fuse_main(struct sfs_tree *t, const char *mountpoint, int block_timeout,
		  const uint64_t *delay_ns, int verbose);

#endif
