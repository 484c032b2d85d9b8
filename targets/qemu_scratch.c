/*
 * qemu_scratch.c - the scratch export of `qemu:scratch`: the contract tree
 * (lib/contract.c, built on the host by p9_contract_build_host) plus what
 * only this export has, built fresh for each QEMU.
 *
 * Owns: multidev/devA and devB with f1..f4, rw/, and, when we may mount (root), the private mount namespace that holds it:
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

#include "p9fs.h"
#include "targets/qemu.h"

enum { PBUF = 4096 };

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
	char err[600];
	int rc = p9_contract_build_host(root, err, sizeof err);
	if (!rc)
		rc = mk(root, "rw");
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
