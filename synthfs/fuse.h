/*
 * fuse.h - synthfs's FUSE frontend (synthfs/fuse.c).
 */
#ifndef SYNTHFS_FUSE_H
#define SYNTHFS_FUSE_H

struct sfs_tree;

/* Mount the tree on mountpoint and serve it until SIGTERM/SIGINT or an
 * unmount; /flush/block requests end with EINTR when the kernel interrupts
 * them or after block_timeout seconds.  Returns the exit status (0, or 2
 * with a message on stderr). */
int sfs_fuse_main(struct sfs_tree *t, const char *mountpoint, int block_timeout,
		  int verbose);

#endif
