/*
 * env.c - the environment a result was measured in: host, CPU, kernel,
 * load, time and 9pkit's git revision.  Numbers without it cannot be
 * compared honestly, so every result file carries it.
 */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static void chomp(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = 0;
}

static void cpu_model(char *out, size_t cap)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];
	snprintf(out, cap, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		char *c = strchr(line, ':');
		if (c && !strncmp(line, "model name", 10)) {
			chomp(c);
			snprintf(out, cap, "%s", c + 2 <= line + strlen(line) ? c + 2 : "");
			break;
		}
	}
	fclose(f);
}

static void git_rev(char *out, size_t cap, const char *root)
{
	char cmd[512], buf[64] = "";
	FILE *p;
	snprintf(out, cap, "unknown");
	if (!root)
		root = ".";
	snprintf(cmd, sizeof cmd,
		 "cd '%s' 2>/dev/null && git rev-parse --short=12 HEAD 2>/dev/null && "
		 "(git diff --quiet HEAD 2>/dev/null || echo dirty)", root);
	if (!(p = popen(cmd, "r")))
		return;
	if (fgets(buf, sizeof buf, p)) {
		char more[16] = "";
		chomp(buf);
		if (fgets(more, sizeof more, p))
			chomp(more);
		snprintf(out, cap, "%.20s%s%.8s", buf, more[0] ? "-" : "", more);
	}
	pclose(p);
}

void bench_env_collect(struct bench_env *e, const char *root)
{
	struct utsname u;
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;
	if (gethostname(e->host, sizeof e->host - 1))
		snprintf(e->host, sizeof e->host, "unknown");
	cpu_model(e->cpu, sizeof e->cpu);
	e->ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (!uname(&u))
		snprintf(e->kernel, sizeof e->kernel, "%.20s %.80s %.20s", u.sysname, u.release,
			 u.machine);
	if ((f = fopen("/proc/loadavg", "r"))) {
		if (fscanf(f, "%lf", &e->load1) != 1)
			e->load1 = 0;
		fclose(f);
	}
	gmtime_r(&now, &tm);
	strftime(e->time, sizeof e->time, "%Y-%m-%dT%H:%M:%SZ", &tm);
	git_rev(e->git, sizeof e->git, root);
}
