/*
 * test_lib_fs.c - the client file layer and the contract tree (p9fs.h):
 * the tree built over 9P in synthfs's /rw (served in-process) in each
 * dialect, checked against synthfs's own tree (the same readdir names, the
 * same README, the same data pattern), stamped, then removed whole; the
 * host builder into a temporary directory; the layer's errors.
 */
#include <check.h>

#include "unit.h"
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "p9fs.h"
#include "sfs_test.h"

static struct sfs_inproc *up(int dialect)
{
	struct sfs_inproc *v = sfs_inproc_new();
	struct sfs_opts o = { .multidevs = SFS_MD_WARN, .quota = 64 << 20 };
	sfs_inproc_up(v, &o, dialect, 65536);
	return v;
}

struct seen {
	unsigned n, bad;
	char first_bad[300];
};

/* Entry names must be p9_contract_name(i) for i < n, each once. */
static int check_name(void *arg, const char *name, const struct p9_qid *q)
{
	struct seen *s = arg;
	unsigned i = (unsigned)strtoul(name + 1, NULL, 10);
	char want[128];
	(void)q;
	p9_contract_name(want, sizeof want, i);
	if (strcmp(name, want) != 0 && !s->bad++)
		snprintf(s->first_bad, sizeof s->first_bad, "%s", name);
	s->n++;
	return 0;
}

static struct seen list(struct sfs_inproc *v, uint32_t from, const char *path)
{
	struct seen s = { 0 };
	uint32_t fid;
	ck_assert_msg(p9_fs_walk(&v->fs, from, path, &fid, NULL) == 0, "%s", v->fs.err);
	ck_assert_msg(p9_fs_open(&v->fs, fid, P9_L_O_RDONLY) == 0, "%s", v->fs.err);
	ck_assert_msg(p9_fs_list(&v->fs, fid, check_name, &s) == 0, "%s", v->fs.err);
	p9_fs_clunk(&v->fs, fid);
	return s;
}

static void read_expect(struct sfs_inproc *v, uint32_t from, const char *path, uint64_t off,
			const void *want, size_t len)
{
	uint8_t buf[4096];
	uint32_t fid;
	ck_assert(len <= sizeof buf);
	ck_assert_msg(p9_fs_walk(&v->fs, from, path, &fid, NULL) == 0, "%s", v->fs.err);
	ck_assert_msg(p9_fs_open(&v->fs, fid, P9_L_O_RDONLY) == 0, "%s", v->fs.err);
	ck_assert_int_eq(p9_fs_read(&v->fs, fid, off, buf, len), (long)len);
	ck_assert_msg(memcmp(buf, want, len) == 0, "%s at %llu differs", path,
		      (unsigned long long)off);
	p9_fs_clunk(&v->fs, fid);
}

static const int dialects[] = { P9_DL, P9_DU, P9_D2000 };

/* Built over 9P in /rw/t: the same names and bytes as synthfs's own tree. */
START_TEST(build_over_9p)
{
	struct sfs_inproc *v = up(dialects[_i]);
	uint32_t rw, t;
	uint8_t pat[300];
	ck_assert_int_eq(p9_fs_walk(&v->fs, 0, "rw", &rw, NULL), 0);
	ck_assert_int_eq(p9_fs_mkdir(&v->fs, rw, "t", 0755), 0);
	ck_assert_int_eq(p9_fs_walk(&v->fs, rw, "t", &t, NULL), 0);
	ck_assert_int_eq(p9_contract_check_9p(&v->fs, t), 0);
	ck_assert_msg(p9_contract_build_9p(&v->fs, t, NULL, NULL) == 0, "%s", v->fs.err);
	ck_assert_int_eq(p9_contract_check_9p(&v->fs, t), 1);
	const char *dirs[] = { "readdir/d0", "readdir/d100", "readdir/d1000" };
	const unsigned counts[] = { 0, 100, 1000 };
	for (int i = 0; i < 3; i++) {
		struct seen built = list(v, t, dirs[i]), own = list(v, 0, dirs[i]);
		ck_assert_msg(built.bad == 0, "built %s holds %s", dirs[i], built.first_bad);
		ck_assert_msg(own.bad == 0, "synthfs %s holds %s", dirs[i], own.first_bad);
		ck_assert_uint_eq(built.n, counts[i]);
		ck_assert_uint_eq(own.n, counts[i]);
	}
	read_expect(v, t, "README", 0, P9_CONTRACT_README, strlen(P9_CONTRACT_README));
	p9_contract_fill(pat, sizeof pat, 1000);
	read_expect(v, t, "data/1M", 1000, pat, sizeof pat);
	read_expect(v, 0, "data/1M", 1000, pat, sizeof pat);
	uint32_t leaf;
	ck_assert_msg(p9_fs_walk(&v->fs, t, "walk/WALK0/WALK1/WALK2/WALK3/WALK4/WALK5/WALK6/"
				 "WALK7/WALK8/WALK9/WALK10/WALK11/WALK12/WALK13/WALK14/WALK15/leaf",
				 &leaf, NULL) == 0, "%s", v->fs.err);
	p9_fs_clunk(&v->fs, leaf);
	p9_fs_clunk(&v->fs, t);
	ck_assert_msg(p9_fs_rmtree(&v->fs, rw, "t") == 0, "%s", v->fs.err);
	/* 9P2000's Rerror carries no errno: any error will do there */
	int rc = p9_fs_walk(&v->fs, rw, "t", &t, NULL);
	ck_assert_int_eq(dialects[_i] == P9_D2000 ? rc < 0 : rc == -ENOENT, 1);
	ck_assert_ptr_nonnull(strstr(v->fs.err, "walk t"));
	ck_assert_uint_eq(v->fs.fidused, 1); /* only rw is held */
	sfs_inproc_down(v);
}
END_TEST

START_TEST(layer_errors)
{
	struct sfs_inproc *v = up(P9_DL);
	uint32_t fids[P9FS_MAXFIDS], f;
	ck_assert_int_eq(p9_fs_walk(&v->fs, 0, "readdir/nope", &f, NULL), -ENOENT);
	ck_assert_str_eq(v->fs.err, "walk readdir/nope: nope not found");
	ck_assert_int_eq(p9_fs_mkdir(&v->fs, 0, "x", 0755), -EACCES);
	ck_assert_str_eq(v->fs.err, "mkdir x: EACCES");
	for (int i = 0; i < P9FS_MAXFIDS; i++)
		ck_assert_int_eq(p9_fs_walk(&v->fs, 0, "", &fids[i], NULL), 0);
	ck_assert_int_eq(p9_fs_walk(&v->fs, 0, "", &f, NULL), -EMFILE);
	for (int i = 0; i < P9FS_MAXFIDS; i++)
		ck_assert_int_eq(p9_fs_clunk(&v->fs, fids[i]), 0);
	ck_assert_uint_eq(v->fs.fidused, 0);
	sfs_inproc_down(v);
}
END_TEST

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

START_TEST(build_on_host)
{
	char dir[] = "/tmp/9pkit-contract-XXXXXX", p[512], err[600] = "";
	struct stat st;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (int pass = 0; pass < 2; pass++) /* a second build over the first is fine */
		ck_assert_msg(p9_contract_build_host(dir, err, sizeof err) == 0, "%s", err);
	char name[128];
	p9_contract_name(name, sizeof name, 999);
	ck_assert_uint_eq(strlen(name), strlen("f999_") + 999 % P9_CONTRACT_NAMEVAR);
	snprintf(p, sizeof p, "%s/readdir/d1000/%s", dir, name);
	ck_assert_int_eq(stat(p, &st), 0);
	snprintf(p, sizeof p, "%s/data/1M", dir);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_size, 1 << 20);
	ck_assert_int_eq(st.st_mode & 0777, 0444);
	snprintf(p, sizeof p, "%s/misc/link", dir);
	char tgt[64] = "";
	ck_assert_int_eq(readlink(p, tgt, sizeof tgt - 1), 9);
	ck_assert_str_eq(tgt, "../README");
	snprintf(p, sizeof p, "%s/" P9_CONTRACT_STAMP, dir);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_size, (off_t)strlen(P9_CONTRACT_VERSION));
	ck_assert_int_eq(p9_contract_build_host("/proc/9pkit-no", err, sizeof err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "/proc/9pkit-no"));
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
END_TEST

int main(void)
{
	TCase *tc = unit_case("fs", 120,
			      UNIT_TESTS(layer_errors, build_on_host));
	tcase_add_loop_test(tc, build_over_9p, 0, 3);
	return unit_run_case("client file layer and contract tree", tc,
			     CK_FORK_GETENV);
}
