/*
 * vtrace.c - 9pguest --trace FILE [-w PCAP] on a qemu: target: QEMU runs
 * with its guest RAM in a shared memory backend file and a QMP socket, and
 * bin/9ptrace --virtio follows the virtio-9p queue from outside, writing
 * the timeline to FILE (and the pcap).
 *
 * Owns: the extra QEMU arguments, the RAM file (in /dev/shm when it is
 * there: tmpfs, so the guest's RAM costs no disk), starting 9ptrace once
 * QEMU's monitor socket exists, and waiting for it (it ends by itself when
 * QEMU exits) or stopping it.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "targets/guest/guest.h"

enum { WAIT_SOCKET_MS = 10000, WAIT_EXIT_MS = 10000, STEP_MS = 10 };

static void nap_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

int g_vtrace_args(struct g_vtrace *v, const char *tmpdir, int memory_mb,
		  const char **argv, int n)
{
	const char *shm = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : tmpdir;
	snprintf(v->mem, sizeof v->mem, "%s/9pguest-ram.%ld", shm, (long)getpid());
	snprintf(v->qmp, sizeof v->qmp, "%s/qmp.sock", tmpdir);
	snprintf(v->memobj, sizeof v->memobj,
		 "memory-backend-file,id=g9mem,size=%dM,mem-path=%s,share=on",
		 memory_mb, v->mem);
	snprintf(v->qmparg, sizeof v->qmparg, "unix:%s,server=on,wait=off", v->qmp);
	argv[n++] = "-object"; argv[n++] = v->memobj;
	argv[n++] = "-machine"; argv[n++] = "pc,memory-backend=g9mem";
	argv[n++] = "-qmp"; argv[n++] = v->qmparg;
	return n;
}

/* bin/9ptrace next to this program. */
static void tracer_path(char *out, size_t cap)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;
	snprintf(out, cap, "%s/9ptrace", dirname(exe));
}

static void exec_tracer(const struct g_vtrace *v, const char *prog)
{
	char arg[2 * PATH_MAX + 16];
	const char *argv[8];
	int n = 0, fd = open(v->file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "9pguest: %s: %s\n", v->file, strerror(errno));
		_exit(2);
	}
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	dup2(fd, 1);
	dup2(fd, 2);
	snprintf(arg, sizeof arg, "%s,mem=%s%s", v->qmp, v->mem, getuid() == 0 ? ",rt" : "");
	argv[n++] = prog;
	argv[n++] = "--virtio"; argv[n++] = arg;
	if (v->pcap) {
		argv[n++] = "-w"; argv[n++] = v->pcap;
	}
	argv[n] = NULL;
	execv(prog, (char **)argv);
	fprintf(stderr, "9pguest: cannot run %s: %s\n", prog, strerror(errno));
	_exit(127);
}

int g_vtrace_start(struct g_vtrace *v, char *err, size_t cap)
{
	char prog[PATH_MAX + 16];
	struct stat st;
	int waited = 0;
	tracer_path(prog, sizeof prog);
	if (access(prog, X_OK)) {
		snprintf(err, cap, "%s: %s", prog, strerror(errno));
		return -1;
	}
	while (stat(v->qmp, &st) || stat(v->mem, &st)) {
		if ((waited += STEP_MS) > WAIT_SOCKET_MS) {
			snprintf(err, cap, "QEMU made no monitor socket %s", v->qmp);
			return -1;
		}
		nap_ms(STEP_MS);
	}
	v->pid = fork();
	if (v->pid < 0) {
		snprintf(err, cap, "fork: %s", strerror(errno));
		return -1;
	}
	if (v->pid == 0)
		exec_tracer(v, prog);
	return 0;
}

int g_vtrace_stop(struct g_vtrace *v, int qemu_gone)
{
	int status = -1;
	if (v->pid > 0) {
		for (int waited = 0; qemu_gone && waited < WAIT_EXIT_MS; waited += STEP_MS) {
			if (waitpid(v->pid, &status, WNOHANG) == v->pid) {
				v->pid = 0;
				break;
			}
			nap_ms(STEP_MS);
		}
		if (v->pid > 0) {
			kill(v->pid, SIGTERM);
			waitpid(v->pid, &status, 0);
			v->pid = 0;
		}
	}
	if (v->mem[0])
		unlink(v->mem);
	v->mem[0] = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
