/*
 * test_bench_compare.c - `9pbench compare` on real measurements: synthfs
 * served in-process (two servers, one with every Tgetattr held 300 us as
 * synthfs --delay does), the workload engine measuring getattr on both in
 * interleaved rounds.  Two runs against the same server are not called
 * slower; the delayed server is.
 */
#include <check.h>

#include "unit.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench/bench.h"
#include "synthfs/server.h"

struct srv {
	struct sfs_server s;
	pthread_t th;
	struct bench_sess sess;
};

static void *run(void *arg)
{
	sfs_run(arg);
	return NULL;
}

static struct srv *up(uint32_t getattr_delay_us)
{
	struct srv *v = calloc(1, sizeof *v);
	struct sfs_opts o = {.multidevs = SFS_MD_WARN};
	char err[256];
	int sv[2];
	ck_assert_ptr_nonnull(v);
	v->s.msize = 1 << 20;
	v->s.block_timeout = 30;
	v->s.nworkers = 2;
	v->s.delay_us[P9_TGETATTR] = getattr_delay_us;
	ck_assert_ptr_nonnull(v->s.tree = sfs_tree_new(&o));
	ck_assert_int_eq(sfs_server_init(&v->s), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(sfs_add_fds(&v->s, sv[0], sv[0]), 0);
	ck_assert_int_eq(pthread_create(&v->th, NULL, run, &v->s), 0);
	v->sess.conn = p9_conn_new_stream(sv[1], sv[1], "test");
	v->sess.cl = p9_client_new(v->sess.conn, 1 << 20, P9_DL);
	ck_assert_int_eq(p9_client_version(v->sess.cl, 1 << 20, "9P2000.L", 5000, err,
					   sizeof err), 0);
	ck_assert_int_eq(p9_client_attach(v->sess.cl, 0, "t", "", 0, 5000, NULL, err,
					  sizeof err), 0);
	v->sess.rootfid = 0;
	v->sess.nextfid = 1;
	return v;
}

static void down(struct srv *v)
{
	bench_sess_close(&v->sess);
	sfs_stop(&v->s);
	pthread_join(v->th, NULL);
	sfs_server_fini(&v->s);
	sfs_tree_free(v->s.tree);
	free(v);
}

/* One round of n getattrs on v: samples into m, the median as a round. */
static void round_on(struct srv *v, struct bench_result *r, struct bench_metric *m, int n)
{
	struct bench_opts o;
	struct bench_result tr;
	struct bench_metric *t;
	char err[256] = "";
	bench_opts_default(&o);
	o.count = (uint64_t)n;
	o.warmup = 20;
	bench_result_init(&tr, "round");
	t = bench_metric_add(&tr, "t", "t", "t", 0, "ns", 1, 0);
	ck_assert_int_eq(bench_run_op(&v->sess, &o, "getattr", &tr, t, err, sizeof err), 0);
	for (size_t i = 0; i < t->nsamples; i++)
		bench_metric_sample(r, m, t->samples[i]);
	bench_metric_round(m, bench_metric_value(t));
	bench_result_free(&tr);
}

/* Measure a and b in 7 interleaved rounds; returns compare's count of
 * slower metrics at a 100% threshold. */
static int measure_and_compare(struct srv *a, struct srv *b, int n)
{
	struct bench_result ra, rb;
	struct bench_metric *ma, *mb;
	struct bench_cmp_opts co = {.threshold = 1.0, .conf = 0.95, .resamples = 500,
				    .quiet = 1};
	FILE *devnull = fopen("/dev/null", "w");
	int slower;
	bench_result_init(&ra, "latency");
	bench_result_init(&rb, "latency");
	ma = bench_metric_add(&ra, "latency/getattr/d1", "latency", "getattr", 1, "ns", 1, 1);
	mb = bench_metric_add(&rb, "latency/getattr/d1", "latency", "getattr", 1, "ns", 1, 1);
	for (int round = 0; round < 7; round++) {
		round_on(a, &ra, ma, n);
		round_on(b, &rb, mb, n);
	}
	ck_assert_int_eq(ma->nrounds, 7);
	slower = bench_compare(&ra, &rb, &co, devnull);
	fclose(devnull);
	bench_result_free(&ra);
	bench_result_free(&rb);
	return slower;
}

/* Two runs of the same build: one server measured as both sides, so both
 * see the same thread placement (two in-process servers can differ by a
 * cross-CPU wake-up, tens of us on an idle VM, which is real and not what
 * this test is about).  A 95% interval may still exclude zero by chance,
 * so the verdict must hold in one of three attempts, as in
 * tests/integration/61-bench-synthfs.sh. */
START_TEST(same_server_is_not_slower)
{
	struct srv *a = up(0);
	int slower = 1;
	for (int attempt = 0; attempt < 3 && slower; attempt++)
		slower = measure_and_compare(a, a, 200);
	ck_assert_int_eq(slower, 0);
	down(a);
}
END_TEST

START_TEST(delayed_getattr_is_slower)
{
	struct srv *a = up(0), *b = up(300);
	ck_assert_int_eq(measure_and_compare(a, b, 30), 1);
	/* and the other way round it is faster, not slower */
	ck_assert_int_eq(measure_and_compare(b, a, 30), 0);
	down(a);
	down(b);
}
END_TEST

int main(void)
{
	return unit_main("bench_compare", "compare", 60, UNIT_TESTS(
		same_server_is_not_slower, delayed_getattr_is_slower));
}
