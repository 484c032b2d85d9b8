/*
 * target.c - where 9psuite's target comes from: targets/NAME.target files
 * (key=value lines), the %t %b %d expansions in them (a private temporary
 * directory removed at exit, 9psuite's directory, the target file's
 * directory), finding data files in the checkout or an install, and the
 * built-in synthfs started on a unix socket for a run without --target.
 * Used by 9psuite's command line and by `9psuite explore`.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "p9.h"
#include "target.h"
#include "xalloc.h"

static char exedir[PATH_MAX];   /* %b: 9psuite's directory */
static char tmpdir[PATH_MAX];
static char targetdir[PATH_MAX]; /* %d: the directory of the target file */

/* The deepest tree rm_at removes (a case builds paths past 64 KiB, which
 * no full-path walk such as nftw can remove: each level is opened
 * relative to its parent). */
enum { RM_MAX_DEPTH = 1024 };

/* Remove name in directory dirfd and everything below it. */
static void rm_at(int dirfd, const char *name, int depth)
{
	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT || depth > RM_MAX_DEPTH)
		return;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	for (struct dirent *e; (e = readdir(d));)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			rm_at(fd, e->d_name, depth + 1);
	closedir(d);
	unlinkat(dirfd, name, AT_REMOVEDIR);
}

static void cleanup_tmp(void)
{
	if (tmpdir[0])
		rm_at(AT_FDCWD, tmpdir, 0);
}

/* Expand %t (a private temporary directory), %b (9psuite's directory) and
 * %d (the directory of the target file being read, e.g. for its helpers). */
char *target_expand(const char *s)
{
	char out[4096];
	size_t n = 0;
	for (; *s && n < sizeof out - PATH_MAX - 1; s++) {
		if (s[0] == '%' && (s[1] == 't' || s[1] == 'b' || s[1] == 'd')) {
			if (s[1] == 't' && !tmpdir[0]) {
				snprintf(tmpdir, sizeof tmpdir, "/tmp/9psuite.XXXXXX");
				if (!mkdtemp(tmpdir))
					tmpdir[0] = 0;
				else if (chmod(tmpdir, 0777) == 0 || 1)
					atexit(cleanup_tmp);
			}
			n += (size_t)snprintf(out + n, sizeof out - n, "%s",
					      s[1] == 't' ? tmpdir : s[1] == 'd' ? targetdir : exedir);
			s++;
		} else {
			out[n++] = *s;
		}
	}
	out[n] = 0;
	return xstrdup(out);
}

int target_exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

/* Find DIR/REL under the checkout (relative to cwd or the binary). */
int target_find(const char *rel, char *out, size_t cap)
{
	/* the checkout (from cwd, bin/ or build/VARIANT/bin/), then an install */
	const char *bases[4] = { "." };
	char up[PATH_MAX + 16], up3[PATH_MAX + 16], share[PATH_MAX + 32];
	snprintf(up, sizeof up, "%s/..", exedir);
	snprintf(up3, sizeof up3, "%s/../../..", exedir);
	snprintf(share, sizeof share, "%s/../share/9pkit", exedir);
	bases[1] = up;
	bases[2] = up3;
	bases[3] = share;
	for (int i = 0; i < 4; i++) {
		if (i == 3 && strncmp(rel, "suite/", 6) == 0)
			rel += 6; /* installed: share/9pkit/cases */
		snprintf(out, cap, "%s/%s", bases[i], rel);
		if (target_exists(out))
			return 0;
	}
	return -1;
}

int target_file_load(const char *name, struct tfile *tf, char *err, size_t cap)
{
	char rel[300], path[PATH_MAX], line[4096];
	FILE *f;
	int ln = 0;
	snprintf(rel, sizeof rel, "targets/%s.target", name);
	if (target_find(rel, path, sizeof path)) {
		snprintf(err, cap, "no target file %s (and '%s' is not a target string)", rel, name);
		return -1;
	}
	snprintf(tf->dir, sizeof tf->dir, "%s", path);
	*strrchr(tf->dir, '/') = 0;
	snprintf(targetdir, sizeof targetdir, "%s", tf->dir);
	if (!(f = fopen(path, "r"))) {
		snprintf(err, cap, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (char *k; (k = p9_conf_line(f, line, sizeof line, &ln));) {
		char *eq, *v;
		if (!(eq = strchr(k, '='))) {
			snprintf(err, cap, "%s:%d: expected key=value", path, ln);
			fclose(f);
			return -1;
		}
		*eq = 0;
		v = eq + 1;
		if (strcmp(k, "target") == 0) tf->target = target_expand(v);
		else if (strcmp(k, "dialect") == 0) tf->dialect = xstrdup(v);
		else if (strcmp(k, "expect") == 0) tf->expect = xstrdup(v);
		else if (strcmp(k, "aname") == 0) tf->aname = target_expand(v);
		else if (strcmp(k, "uname") == 0) tf->uname = xstrdup(v);
		else if (strcmp(k, "multidev") == 0) tf->multidev = xstrdup(v);
		else if (strcmp(k, "msize") == 0) tf->msize = strtoull(v, NULL, 0);
		else if (strcmp(k, "timeout") == 0) tf->timeout = strtoull(v, NULL, 0);
		else {
			snprintf(err, cap, "%s:%d: unknown key %.40s (target, dialect, expect, aname, uname, multidev, msize, timeout)",
				 path, ln, k);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	if (!tf->target) {
		snprintf(err, cap, "%s: no target= line", path);
		return -1;
	}
	return 0;
}

static pid_t synthfs_pid;

static void stop_synthfs(void)
{
	if (synthfs_pid > 0) {
		kill(synthfs_pid, SIGTERM);
		waitpid(synthfs_pid, NULL, 0);
		synthfs_pid = 0;
	}
}

/* The built-in target: synthfs listening on a unix socket in a private
 * directory, started once for the run and stopped at exit. */
int target_start_synthfs(const char *prog, char **target, char *err, size_t cap)
{
	char *dir = target_expand("%t"), sock[PATH_MAX + 32], line[512];
	int pfd[2];
	FILE *f;
	if (!dir || !tmpdir[0]) {
		free(dir);
		snprintf(err, cap, "cannot make a temporary directory");
		return -1;
	}
	snprintf(sock, sizeof sock, "%s/synthfs.sock", dir);
	free(dir);
	if (pipe(pfd))
		return snprintf(err, cap, "pipe: %s", strerror(errno)), -1;
	synthfs_pid = fork();
	if (synthfs_pid < 0)
		return snprintf(err, cap, "fork: %s", strerror(errno)), -1;
	if (synthfs_pid == 0) {
		char lis[PATH_MAX + 64];
		snprintf(lis, sizeof lis, "unix:%s", sock);
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execl(prog, prog, "--listen", lis, "--multidevs", "remap", (char *)NULL);
		_exit(127);
	}
	atexit(stop_synthfs);
	close(pfd[1]);
	f = fdopen(pfd[0], "r");
	if (!f || !fgets(line, sizeof line, f) || !strstr(line, "listening")) {
		if (f)
			fclose(f);
		snprintf(err, cap, "built-in synthfs (%s) did not start", prog);
		return -1;
	}
	fclose(f);
	if (asprintf(target, "unix:%s", sock) < 0)
		abort();
	return 0;
}

void target_init(void)
{
	ssize_t el = readlink("/proc/self/exe", exedir, sizeof exedir - 1);
	if (el > 0) {
		exedir[el] = 0;
		*strrchr(exedir, '/') = 0;
	} else {
		snprintf(exedir, sizeof exedir, ".");
	}
}

void target_file_free(struct tfile *tf)
{
	free(tf->target);
	free(tf->dialect);
	free(tf->expect);
	free(tf->aname);
	free(tf->uname);
	free(tf->multidev);
}

const char *target_exedir(void)
{
	return exedir;
}
