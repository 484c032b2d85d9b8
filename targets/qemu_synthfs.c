/*
 * qemu_synthfs.c - the FUSE side of `qemu:synthfs`: synthfs --fuse mounted
 * where QEMU's -fsdev local will look, before QEMU starts.
 *
 * Owns: finding bin/synthfs ($P9_SYNTHFS, next to the running program, in
 * ../bin from a test binary, else $PATH), its arguments (--block-timeout,
 * --multidevs, extra --bug/--delay), and the start-up order inside the
 * forked child that becomes QEMU: a private mount namespace when we may
 * (root), synthfs forked with PR_SET_PDEATHSIG so it stops when QEMU does,
 * wait for the mount, then exec QEMU.  In the namespace the FUSE mount
 * exists only for QEMU and synthfs and vanishes with them; without it,
 * synthfs unmounts itself on SIGTERM.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "targets/qemu.h"

enum { MOUNT_WAIT_MS = 10000, MAXSARGS = 48 };

static int executable(const char *p)
{
	return access(p, X_OK) == 0;
}

void p9_qemu_synthfs_path(char *out, size_t cap)
{
	const char *env = getenv("P9_SYNTHFS");
	char self[P9_QEMU_MAXPATH], *dir;
	ssize_t n;
	if (env && *env) {
		snprintf(out, cap, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = 0;
		dir = dirname(self);
		if (snprintf(out, cap, "%s/synthfs", dir) < (int)cap && executable(out))
			return;
		if (snprintf(out, cap, "%s/../bin/synthfs", dir) < (int)cap && executable(out))
			return;
	}
	snprintf(out, cap, "synthfs");
}

static void spawn(const struct p9_qemu_opts *o, const char *mnt, pid_t parent)
{
	char path[P9_QEMU_MAXPATH], bt[16], extra[sizeof o->synthfs_args], *save = NULL;
	char *argv[MAXSARGS];
	int n = 0, devnull = open("/dev/null", O_WRONLY);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(1);
	if (devnull >= 0)
		dup2(devnull, 1);
	p9_qemu_synthfs_path(path, sizeof path);
	snprintf(bt, sizeof bt, "%d", o->block_timeout);
	argv[n++] = path;
	argv[n++] = "--fuse";
	argv[n++] = (char *)mnt;
	argv[n++] = "--block-timeout";
	argv[n++] = bt;
	if (o->multidevs[0]) {
		argv[n++] = "--multidevs";
		argv[n++] = (char *)o->multidevs;
	}
	snprintf(extra, sizeof extra, "%s", o->synthfs_args);
	for (char *t = strtok_r(extra, " ", &save); t && n < MAXSARGS - 1;
	     t = strtok_r(NULL, " ", &save))
		argv[n++] = t;
	argv[n] = NULL;
	execvp(path, argv);
	fprintf(stderr, "9pkit: cannot run %s: %s (set P9_SYNTHFS)\n", path, strerror(errno));
	_exit(127);
}

/* Wait until mnt is a mount point (its device differs from its parent's). */
static int wait_mounted(const char *mnt, pid_t pid)
{
	char parent[P9_QEMU_MAXPATH + 4];
	struct stat a, b;
	struct timespec ts = { 0, 5000000 };
	snprintf(parent, sizeof parent, "%s/..", mnt);
	for (int waited = 0; waited < MOUNT_WAIT_MS; waited += 5) {
		int st;
		if (stat(mnt, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev)
			return 0;
		if (waitpid(pid, &st, WNOHANG) == pid)
			return -ECHILD;
		nanosleep(&ts, NULL);
	}
	return -ETIMEDOUT;
}

void p9_qemu_synthfs_child(const struct p9_qemu_opts *o, const char *mnt)
{
	pid_t me = getpid(), pid;
	int rc;
	p9_qemu_private_ns(); /* best effort: without it the mount is global */
	pid = fork();
	if (pid == 0)
		spawn(o, mnt, me);
	if (pid < 0) {
		fprintf(stderr, "9pkit: fork synthfs: %s\n", strerror(errno));
		_exit(126);
	}
	rc = wait_mounted(mnt, pid);
	if (rc) {
		fprintf(stderr, "9pkit: synthfs --fuse %s: %s\n", mnt,
			rc == -ECHILD ? "exited before mounting (is FUSE available?)" :
			"did not mount in time");
		kill(pid, SIGKILL);
		_exit(126);
	}
}
