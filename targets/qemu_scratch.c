/*
 * qemu_scratch.c - the scratch export of `qemu:scratch`: a local-file-system
 * rendition of the parts of synthfs's contract tree that a real directory
 * can hold, built fresh for each QEMU.
 *
 * Owns: the tree's layout and contents (README, walk/WALK0..15/leaf,
 * flush/now, readdir/d0..d10000 with the contract's file names, data/1M,
 * multidev/devA and devB with f1..f4, misc/link, misc/ro, misc/empty, rw/)
 * and, when we may mount (root), the private mount namespace that holds it:
 * a tmpfs for the export and one tmpfs each for devA and devB, so their
 * inode numbers collide across devices.  The namespace belongs to QEMU's
 * process and vanishes with it.  Runs in the forked child before exec.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "targets/qemu.h"

enum { PBUF = 4096 };

static const int readdir_sizes[] = { 0, 1, 100, 1000, 10000 };

static int put_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	ssize_t n = 0;
	if (fd < 0)
		return -errno;
	if (len)
		n = write(fd, data, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}

static int mk(const char *root, const char *rel)
{
	char p[PBUF];
	if (snprintf(p, sizeof p, "%s/%s", root, rel) >= (int)sizeof p)
		return -ENAMETOOLONG;
	return mkdir(p, 0755) && errno != EEXIST ? -errno : 0;
}

static int walk_chain(const char *root)
{
	char rel[256] = "walk";
	int rc = mk(root, rel);
	for (int i = 0; !rc && i < 16; i++) {
		size_t n = strlen(rel);
		snprintf(rel + n, sizeof rel - n, "/WALK%d", i);
		rc = mk(root, rel);
	}
	if (!rc) {
		char p[PBUF];
		if (snprintf(p, sizeof p, "%s/%s/leaf", root, rel) >= (int)sizeof p)
			return -ENAMETOOLONG;
		rc = put_file(p, "", 0, 0644);
	}
	return rc;
}

/* File i of a readdir directory: "f" + i + "_" + 'x' * (i % 53). */
static int readdir_dir(const char *root, int count)
{
	char p[PBUF];
	int rc, n;
	snprintf(p, sizeof p, "readdir/d%d", count);
	if ((rc = mk(root, p)))
		return rc;
	for (int i = 0; i < count; i++) {
		n = snprintf(p, sizeof p, "%s/readdir/d%d/f%d_", root, count, i);
		memset(p + n, 'x', (size_t)(i % 53));
		p[n + i % 53] = 0;
		if ((rc = put_file(p, "", 0, 0644)))
			return rc;
	}
	return 0;
}

static int data_1m(const char *root)
{
	enum { SZ = 1 << 20 };
	char p[PBUF];
	uint8_t *b = malloc(SZ);
	int rc;
	if (!b)
		return -ENOMEM;
	for (size_t o = 0; o < SZ; o++)
		b[o] = (uint8_t)(o % 251);
	snprintf(p, sizeof p, "%s/data/1M", root);
	rc = put_file(p, b, SZ, 0444);
	free(b);
	return rc;
}

static int rel_file(const char *root, const char *rel, const char *text, mode_t mode)
{
	char p[PBUF];
	if (snprintf(p, sizeof p, "%s/%s", root, rel) >= (int)sizeof p)
		return -ENAMETOOLONG;
	return put_file(p, text, strlen(text), mode);
}

/* devA and devB: a tmpfs each when mounts are possible; f1..f4 created in
 * the same order on both, so inode numbers collide. */
static int multidev(const char *root, int mounts)
{
	static const char *const dev[] = { "multidev/devA", "multidev/devB" };
	char p[PBUF];
	int rc = mk(root, "multidev");
	for (int d = 0; !rc && d < 2; d++) {
		if ((rc = mk(root, dev[d])))
			break;
		snprintf(p, sizeof p, "%s/%s", root, dev[d]);
		if (mounts && mount("9pkit-multidev", p, "tmpfs", 0, "size=1m,mode=0755"))
			return -errno;
		for (int f = 1; !rc && f <= 4; f++) {
			char rel[64];
			snprintf(rel, sizeof rel, "%s/f%d", dev[d], f);
			rc = rel_file(root, rel, "", 0644);
		}
	}
	return rc;
}

int p9_qemu_scratch_build(const char *root, int mounts)
{
	char p[PBUF];
	int rc = 0;
	static const char *const dirs[] = { "flush", "readdir", "data", "misc", "rw" };
	for (size_t i = 0; !rc && i < sizeof dirs / sizeof *dirs; i++)
		rc = mk(root, dirs[i]);
	if (!rc)
		rc = rel_file(root, "README", "synthfs: a synthetic 9P test tree\n", 0644);
	if (!rc)
		rc = rel_file(root, "flush/now", "now\n", 0644);
	if (!rc)
		rc = rel_file(root, "misc/ro", "ro\n", 0444);
	if (!rc)
		rc = rel_file(root, "misc/empty", "", 0644);
	if (!rc) {
		snprintf(p, sizeof p, "%s/misc/link", root);
		rc = symlink("../README", p) ? -errno : 0;
	}
	if (!rc)
		rc = walk_chain(root);
	for (size_t i = 0; !rc && i < sizeof readdir_sizes / sizeof *readdir_sizes; i++)
		rc = readdir_dir(root, readdir_sizes[i]);
	if (!rc)
		rc = data_1m(root);
	if (!rc)
		rc = multidev(root, mounts);
	return rc;
}

int p9_qemu_private_ns(void)
{
	if (unshare(CLONE_NEWNS))
		return -errno;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -errno;
	return 0;
}

int p9_qemu_scratch_namespace(const char *root)
{
	int rc = p9_qemu_private_ns();
	if (rc)
		return rc;
	if (mount("9pkit-scratch", root, "tmpfs", 0, "size=256m,mode=0755"))
		return -errno;
	return 0;
}
