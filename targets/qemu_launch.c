/*
 * qemu_launch.c - starting and stopping the QEMU behind a qemu: target.
 *
 * Owns: the private temp directory (qtest socket, QEMU's stderr), the guest
 * RAM (a memfd QEMU maps through /proc/self/fd, so no /dev/shm file can be
 * left behind), the QEMU command line, waiting for the qtest connection,
 * and making sure QEMU dies with us (PR_SET_PDEATHSIG) or on stop.  The
 * directory's name carries our pid, so a later start removes what a killed
 * process left.  By the time p9_qemu_start returns, the temp directory is
 * already gone (qemu:scratch and qemu:synthfs keep it, with the export
 * mount point, until stop).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <ftw.h>
#include <unistd.h>

#include "targets/qemu.h"

enum { RAM_FD = 3, MAXARGV = 40 };

struct launch {
	char dir[96], sock[128], errpath[128];
	char memobj[128], mem[32], fsdev[P9_QEMU_MAXPATH * 2 + 160];
	char device[128], trace[P9_QEMU_MAXPATH * 2 + 32], scratch[128];
	const char *argv[MAXARGV];
};

static const char *qemu_binary(void)
{
	const char *q = getenv("P9_QEMU");
	return q && *q ? q : "qemu-system-x86_64";
}

/* QEMU option values double a comma to mean a literal one. */
static void qemu_escape(char *out, size_t cap, const char *in)
{
	size_t n = 0;
	for (; *in && n + 2 < cap; in++) {
		if (*in == ',')
			out[n++] = ',';
		out[n++] = *in;
	}
	out[n] = 0;
}

static void build_argv(struct launch *l, const struct p9_qemu_opts *o,
		       const char *dir, size_t ramsz)
{
	char esc[P9_QEMU_MAXPATH * 2];
	int n = 0;
	snprintf(l->mem, sizeof l->mem, "%zuM", ramsz >> 20);
	snprintf(l->memobj, sizeof l->memobj,
		 "memory-backend-file,id=mem,size=%zuM,mem-path=/proc/self/fd/%d,share=on",
		 ramsz >> 20, RAM_FD);
	qemu_escape(esc, sizeof esc, dir);
	snprintf(l->fsdev, sizeof l->fsdev, "local,id=f0,path=%s,security_model=%s%s%s%s",
		 esc, o->security_model, o->multidevs[0] ? ",multidevs=" : "",
		 o->multidevs, o->readonly ? ",readonly=on" : "");
	snprintf(l->device, sizeof l->device, "virtio-9p-pci,fsdev=f0,addr=04.0,mount_tag=9pkit");
	const char *fixed[] = {
		qemu_binary(), "-M", "pc,memory-backend=mem", "-m", l->mem,
		"-object", l->memobj, "-display", "none", "-nodefaults", "-S",
		"-qtest", l->sock, "-fsdev", l->fsdev, "-device", l->device,
	};
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		l->argv[n++] = fixed[i];
	if (o->trace[0]) {
		qemu_escape(esc, sizeof esc, o->trace);
		snprintf(l->trace, sizeof l->trace, "enable=v9fs_*,file=%s", esc);
		l->argv[n++] = "-trace";
		l->argv[n++] = l->trace;
	}
	l->argv[n] = NULL;
}

/* qemu:scratch: a private tmpfs (root) or a plain directory, then the tree. */
static void build_scratch(const char *root)
{
	int ns = p9_qemu_scratch_namespace(root), rc;
	rc = p9_qemu_scratch_build(root, ns == 0);
	if (rc) {
		fprintf(stderr, "9pkit: cannot build the scratch tree in %s: %s\n", root, strerror(-rc));
		_exit(126);
	}
	if (ns)
		fprintf(stderr, "9pkit: scratch tree on disk, devA/devB on one device (%s)\n",
			strerror(-ns));
}

static void child(const struct launch *l, int ramfd, int errfd, const char *scratch,
		  const struct p9_qemu_opts *o)
{
	int devnull = open("/dev/null", O_RDWR);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGPIPE, SIG_DFL);
	if (devnull >= 0) {
		dup2(devnull, 0);
		dup2(devnull, 1);
	}
	dup2(errfd, 2);
	if (scratch && o->scratch)
		build_scratch(scratch);
	else if (scratch)
		p9_qemu_synthfs_child(o, scratch);
	if (ramfd != RAM_FD)
		dup2(ramfd, RAM_FD); /* dup2 clears close-on-exec */
	else
		fcntl(RAM_FD, F_SETFD, 0);
	execvp(l->argv[0], (char *const *)l->argv);
	fprintf(stderr, "exec %s: %s\n", l->argv[0], strerror(errno));
	_exit(127);
}

/* The last non-empty line QEMU wrote to stderr, or "". */
static void p9_qemu_stderr_tail(struct p9_qemu *qm, char *out, size_t cap)
{
	char buf[4096];
	off_t end = qm->errfd >= 0 ? lseek(qm->errfd, 0, SEEK_END) : -1;
	ssize_t n;
	char *p;
	out[0] = 0;
	if (end <= 0)
		return;
	n = pread(qm->errfd, buf, sizeof buf - 1, end > (off_t)sizeof buf - 1 ? end - (off_t)sizeof buf + 1 : 0);
	if (n <= 0)
		return;
	buf[n] = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	p = strrchr(buf, '\n');
	snprintf(out, cap, "%.*s", (int)cap - 1, p ? p + 1 : buf); /* cut to fit */
}

int p9_qemu_alive(struct p9_qemu *qm)
{
	int st;
	if (qm->pid <= 0)
		return 0;
	if (waitpid(qm->pid, &st, WNOHANG) == qm->pid) {
		qm->exit_pid = qm->pid;
		qm->exit_status = st;
		/* asked: after SIGTERM, an exit or SIGTERM; after SIGKILL anything */
		qm->exited_unasked = !qm->stopping ||
			(qm->stopping == 1 && WIFSIGNALED(st) && WTERMSIG(st) != SIGTERM);
		qm->pid = -1;
		return 0;
	}
	return 1;
}

void p9_qemu_exit_str(int status, char *out, size_t cap)
{
	if (WIFSIGNALED(status))
		snprintf(out, cap, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else if (WIFEXITED(status))
		snprintf(out, cap, "exited with status %d", WEXITSTATUS(status));
	else
		snprintf(out, cap, "ended (wait status 0x%x)", (unsigned)status);
}

/* Wait for QEMU to connect to the listening qtest socket. */
static int wait_connect(struct p9_qemu *qm, int lfd, int timeout_ms)
{
	uint64_t deadline = p9_now_ns() + (uint64_t)timeout_ms * 1000000ull;
	for (;;) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		int fd;
		if (poll(&p, 1, 50) > 0) {
			fd = accept4(lfd, NULL, NULL,
				     SOCK_CLOEXEC | SOCK_NONBLOCK);
			if (fd >= 0)
				return fd;
		}
		if (!p9_qemu_alive(qm))
			return -ECHILD;
		if (p9_now_ns() >= deadline)
			return -ETIMEDOUT;
	}
}

static int listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (strlen(path) >= sizeof sa.sun_path) {
		close(fd);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) || listen(fd, 1)) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	remove(path);
	return 0;
}

/* Remove the scratch export (empty in our namespace when QEMU had it in
 * its own tmpfs; a real tree when it was built on disk). */
static void remove_scratch(const char *dir, int fuse)
{
	char p[160];
	snprintf(p, sizeof p, "%s/export", dir);
	/* a FUSE mount outside a namespace goes when synthfs ends: wait */
	for (int i = 0; fuse && i < 100 && rmdir(p) && errno == EBUSY; i++)
		usleep(10000);
	if (!fuse && rmdir(p) && errno == ENOTEMPTY)
		nftw(p, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	rmdir(dir);
}

static void cleanup_dir(struct launch *l, int keep)
{
	unlink(l->sock + 5); /* skip "unix:" */
	unlink(l->errpath);
	if (!keep)
		rmdir(l->dir);
}

static int o_scratch(const struct launch *l)
{
	return l->scratch[0] != 0;
}

static int start_fail(struct p9_qemu *qm, struct launch *l, int rc, const char *why,
		      char *err, size_t cap)
{
	char tail[300];
	p9_qemu_stderr_tail(qm, tail, sizeof tail);
	if (qm->pid > 0) {
		kill(qm->pid, SIGKILL);
		waitpid(qm->pid, NULL, 0);
	}
	snprintf(err, cap, "qemu: %s%s%s", why, tail[0] ? ": " : "", tail);
	if (qm->errfd >= 0)
		close(qm->errfd);
	if (qm->ram && qm->ram != MAP_FAILED)
		munmap(qm->ram, qm->ramsz);
	cleanup_dir(l, 0);
	if (o_scratch(l))
		remove_scratch(l->dir, 0);
	memset(qm, 0, sizeof *qm);
	qm->pid = -1;
	qm->errfd = -1;
	qm->qt.fd = -1;
	return rc;
}

/* Private directories of processes that died without closing (SIGKILL, a
 * crash) hold at most an empty export mount point, a socket and a stderr
 * file: remove those whose process is gone (never anything else). */
static void sweep_stale(const char *tmp)
{
	DIR *d = opendir(tmp);
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d))) {
		char p[4096];
		int pid;
		if (sscanf(e->d_name, "9pkit-qemu.%d.", &pid) != 1 || pid <= 0 ||
		    pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		static const char *const parts[] = { "export", "qtest.sock", "stderr" };
		for (int i = 0; i < 3; i++) {
			if (snprintf(p, sizeof p, "%s/%s/%s", tmp, e->d_name, parts[i]) >= (int)sizeof p)
				continue;
			if (i == 0)
				rmdir(p);
			else
				unlink(p);
		}
		if (snprintf(p, sizeof p, "%s/%s", tmp, e->d_name) < (int)sizeof p)
			rmdir(p);
	}
	closedir(d);
}

int p9_qemu_start(struct p9_qemu *qm, const struct p9_qemu_opts *o,
		  const char *dir, size_t ramsz, int timeout_ms, char *err,
		  size_t cap)
{
	struct launch l;
	const char *tmp = getenv("TMPDIR");
	int ramfd, lfd, fd;
	memset(&l, 0, sizeof l);
	/* the socket path must fit in sun_path: long TMPDIRs fall back */
	if (!tmp || !*tmp || strlen(tmp) > 60)
		tmp = "/tmp";
	sweep_stale(tmp);
	snprintf(l.dir, sizeof l.dir, "%s/9pkit-qemu.%d.XXXXXX", tmp, (int)getpid());
	memset(qm, 0, sizeof *qm);
	qm->pid = -1;
	qm->errfd = -1;
	qm->qt.fd = -1;
	qm->ramsz = ramsz;
	if (!mkdtemp(l.dir))
		return snprintf(err, cap, "qemu: mkdtemp: %s", strerror(errno)), -errno;
	snprintf(l.sock, sizeof l.sock, "unix:%s/qtest.sock", l.dir);
	snprintf(l.errpath, sizeof l.errpath, "%s/stderr", l.dir);
	qm->errfd = open(l.errpath, O_RDWR | O_CREAT | O_CLOEXEC | O_TRUNC, 0600);
	if (qm->errfd < 0)
		return start_fail(qm, &l, -errno, "cannot create stderr file", err, cap);
	ramfd = memfd_create("9pkit-guest-ram", MFD_CLOEXEC);
	if (ramfd < 0 || ftruncate(ramfd, (off_t)ramsz)) {
		if (ramfd >= 0)
			close(ramfd);
		return start_fail(qm, &l, -ENOMEM, "cannot create guest RAM", err, cap);
	}
	qm->ram = mmap(NULL, ramsz, PROT_READ | PROT_WRITE, MAP_SHARED, ramfd, 0);
	if (qm->ram == MAP_FAILED) {
		close(ramfd);
		return start_fail(qm, &l, -ENOMEM, "cannot map guest RAM", err, cap);
	}
	lfd = listen_unix(l.sock + 5);
	if (lfd < 0) {
		close(ramfd);
		return start_fail(qm, &l, lfd, "cannot listen on the qtest socket", err, cap);
	}
	if (o->scratch || o->synthfs) {
		snprintf(l.scratch, sizeof l.scratch, "%s/export", l.dir);
		if (mkdir(l.scratch, 0755)) {
			close(ramfd);
			close(lfd);
			return start_fail(qm, &l, -errno, "cannot make the scratch directory", err, cap);
		}
		dir = l.scratch;
	}
	build_argv(&l, o, dir, ramsz);
	qm->pid = fork();
	if (qm->pid == 0)
		child(&l, ramfd, qm->errfd, l.scratch[0] ? l.scratch : NULL, o);
	close(ramfd);
	if (qm->pid < 0) {
		close(lfd);
		return start_fail(qm, &l, -errno, "fork failed", err, cap);
	}
	fd = wait_connect(qm, lfd, timeout_ms);
	close(lfd);
	if (fd < 0)
		return start_fail(qm, &l, fd, fd == -ECHILD ? "QEMU exited during start-up" :
				  "QEMU did not connect to the qtest socket in time", err, cap);
	cleanup_dir(&l, o->scratch || o->synthfs);
	if (o->synthfs) {
		snprintf(qm->tmpdir, sizeof qm->tmpdir, "%s", l.dir);
		qm->synthfs = 1;
	} else if (o->scratch) {
		struct stat st;
		char devA[sizeof l.scratch + 32];
		snprintf(qm->tmpdir, sizeof qm->tmpdir, "%s", l.dir);
		snprintf(devA, sizeof devA, "%s/multidev", l.scratch);
		qm->scratch_on_disk = stat(devA, &st) == 0;
		qm->scratch_mounts = !qm->scratch_on_disk;
	}
	qm->qt.fd = fd;
	qm->qt.timeout_ms = timeout_ms;
	return 0;
}

void p9_qemu_stop(struct p9_qemu *qm)
{
	if (qm->qt.fd >= 0)
		close(qm->qt.fd);
	qm->qt.fd = -1;
	/* already gone (a zombie): reaped here as an exit nobody asked for */
	if (qm->pid > 0 && p9_qemu_alive(qm)) {
		qm->stopping = 1;
		kill(qm->pid, SIGTERM);
		for (int i = 0; i < 200 && p9_qemu_alive(qm); i++)
			usleep(5000);
		if (qm->pid > 0) {
			qm->stopping = 2;
			kill(qm->pid, SIGKILL);
			waitpid(qm->pid, NULL, 0);
		}
	}
	qm->pid = -1;
	if (qm->ram && qm->ram != MAP_FAILED)
		munmap(qm->ram, qm->ramsz);
	qm->ram = NULL;
	if (qm->errfd >= 0)
		close(qm->errfd);
	qm->errfd = -1;
	if (qm->tmpdir[0])
		remove_scratch(qm->tmpdir, qm->synthfs);
	qm->tmpdir[0] = 0;
}
