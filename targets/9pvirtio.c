/*
 * 9pvirtio.c - diagnostics for the qemu: transport.
 *
 *   9pvirtio info TARGET         start QEMU, bring the device up, print what
 *                                it reported (mount tag, features, queue)
 *   9pvirtio ping [-n N] TARGET  round-trip time of a no-op qtest command
 *                                versus a Tgetattr, so benchmarks can
 *                                subtract the transport's own cost
 * Owns only the command line and the timing loop; the transport is lib's.
 */
#include <signal.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p9.h"
#include "targets/qemu.h"

enum { TMO = 20000 };

static void usage(FILE *f)
{
	fputs("usage: 9pvirtio info TARGET\n"
	      "       9pvirtio ping [-n N] TARGET\n"
	      "TARGET is qemu:DIR[,options] (see docs/virtio.md).\n"
	      "ping times N (default 2000) no-op qtest commands and N Tgetattr\n"
	      "round trips, interleaved, and prints min/p50/p90 in microseconds.\n", f);
}

static int die(const char *what, const char *why)
{
	fprintf(stderr, "9pvirtio: %s%s%s\n", what, why ? ": " : "", why ? why : "");
	return 2;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void show(const char *name, uint64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_u64);
	printf("%-12s n %d min %.1f p50 %.1f p90 %.1f us\n", name, n, v[0] / 1e3,
	       v[n / 2] / 1e3, v[n * 9 / 10] / 1e3);
}

static int ping(struct p9_conn *conn, int n)
{
	struct p9_client *c = p9_client_new(conn, 65536, P9_DL);
	uint64_t *noop = calloc((size_t)n, 8), *ga = calloc((size_t)n, 8), p50n, p50g;
	char err[512];
	int rc = 2;
	if (!c || !noop || !ga)
		return die("out of memory", NULL);
	if (p9_client_version(c, 65536, "9P2000.L", TMO, err, sizeof err) ||
	    p9_client_attach(c, 0, "9pvirtio", "", 0, TMO, NULL, err, sizeof err)) {
		rc = die(conn->desc, err);
		goto out;
	}
	for (int i = 0; i < n; i++) {
		struct p9_msg m = { .type = P9_TGETATTR, .fid = 0, .request_mask = P9_GETATTR_BASIC };
		struct p9_reply *r;
		uint64_t t0 = p9_now_ns(), t1, t2;
		if (p9_qemu_conn_noop(conn))
			return die(conn->desc, "qtest no-op failed");
		t1 = p9_now_ns();
		if (p9_client_rpc(c, &m, TMO, &r) || r->m.type != P9_RGETATTR) {
			rc = die(conn->desc, "Tgetattr failed");
			goto out;
		}
		t2 = p9_now_ns();
		p9_reply_free(r);
		noop[i] = t1 - t0;
		ga[i] = t2 - t1;
	}
	show("qtest-noop", noop, n);
	p50n = noop[n / 2];
	show("Tgetattr", ga, n);
	p50g = ga[n / 2];
	printf("qtest share of a Tgetattr round trip (p50): %.0f%%\n",
	       p50g ? 100.0 * (double)p50n / (double)p50g : 0.0);
	rc = 0;
out:
	p9_client_free(c);
	free(noop);
	free(ga);
	return rc;
}

int main(int argc, char **argv)
{
	struct p9_conn *conn;
	char err[512], info[1024];
	int n = 2000, rc;
	const char *cmd = argc > 1 ? argv[1] : "";
	signal(SIGPIPE, SIG_IGN); /* a dead peer is an error, not a kill */
	if (argc > 1 && (!strcmp(cmd, "--help") || !strcmp(cmd, "-h"))) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "ping") && argc == 5 && !strcmp(argv[2], "-n")) {
		n = atoi(argv[3]);
		argv += 2;
		argc -= 2;
	}
	if (argc != 3 || (strcmp(cmd, "info") && strcmp(cmd, "ping")) || n < 1 || n > 10000000) {
		fputs("9pvirtio: usage: 9pvirtio info|ping [-n N] qemu:DIR (see --help)\n",
		      stderr);
		return 2;
	}
	if (strncmp(argv[2], "qemu:", 5))
		return die(argv[2], "not a qemu: target");
	if (p9_dial(argv[2], TMO, &conn, err, sizeof err))
		return die(err, NULL);
	if (!strcmp(cmd, "info")) {
		p9_qemu_conn_info(conn, info, sizeof info);
		fputs(info, stdout);
		rc = 0;
	} else {
		rc = ping(conn, n);
	}
	p9_conn_close(conn);
	return rc;
}
