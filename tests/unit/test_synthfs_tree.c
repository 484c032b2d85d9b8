/*
 * test_synthfs_tree.c - synthfs's tree (synthfs/tree.h) and fid table
 * without 9P: the contract tree, lookups, readdir cookies that survive
 * removals, generated content, quota, links, renames, versions, xattrs,
 * multidevs qid.path mapping, --tree files, sparse content (data.c), and
 * the fid hash table.
 */
#include <check.h>

#include "unit.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "synthfs/server.h"
#include "synthfs/tree.h"

static struct sfs_tree *mk(enum sfs_multidevs md, uint64_t quota)
{
	struct sfs_opts o = { .multidevs = md, .quota = quota };
	struct sfs_tree *t = sfs_tree_new(&o);
	ck_assert_ptr_nonnull(t);
	return t;
}

static struct sfs_node *P(struct sfs_tree *t, const char *path)
{
	struct sfs_node *n = sfs_path(t, path);
	ck_assert_msg(n != NULL, "%s", path);
	return n;
}

START_TEST(contract_nodes)
{
	struct sfs_tree *t = mk(SFS_MD_WARN, 0);
	char buf[64];
	struct sfs_attr a;
	ck_assert_int_eq(sfs_read(t, P(t, "README"), 0, buf, sizeof buf), 34);
	ck_assert(memcmp(buf, "synthfs: a synthetic 9P test tree\n", 34) == 0);
	ck_assert_ptr_nonnull(sfs_path(t, "walk/WALK0/WALK1/WALK2/WALK3/WALK4/WALK5/"
			      "WALK6/WALK7/WALK8/WALK9/WALK10/WALK11/WALK12/"
			      "WALK13/WALK14/WALK15/leaf"));
	ck_assert_ptr_null(sfs_path(t, "walk/WALK0/WALK1/WALK3"));
	ck_assert_int_eq(P(t, "readdir/d10000")->nents, 10000);
	ck_assert_ptr_nonnull(sfs_path(t, "readdir/d100/f54_x"));
	ck_assert_ptr_nonnull(sfs_path(t, "readdir/d100/f0_"));
	ck_assert_int_eq(sfs_read(t, P(t, "flush/block"), 0, buf, 4), SFS_EBLOCK);
	ck_assert_int_eq(sfs_read(t, P(t, "flush/now"), 0, buf, 64), 4);
	sfs_getattr(t, P(t, "misc/append"), &a);
	ck_assert_int_eq(a.qtype, 0x40);
	sfs_getattr(t, P(t, "misc/excl"), &a);
	ck_assert_int_eq(a.qtype, 0x20);
	sfs_getattr(t, P(t, "misc/link"), &a);
	ck_assert_int_eq(a.qtype, 0x02);
	sfs_getattr(t, P(t, "misc/ro"), &a);
	ck_assert_int_eq(a.mode, S_IFREG | 0444);
	sfs_getattr(t, P(t, "data/1G"), &a);
	ck_assert_uint_eq(a.size, 1ull << 30);
	sfs_tree_free(t);
}
END_TEST

START_TEST(pattern_content)
{
	struct sfs_tree *t = mk(SFS_MD_WARN, 0);
	static uint8_t buf[300000];
	uint64_t off = (1ull << 30) - 250000;
	long n = sfs_read(t, P(t, "data/1G"), off, buf, sizeof buf);
	ck_assert_int_eq(n, 250000);
	for (long i = 0; i < n; i++)
		ck_assert_int_eq(buf[i], (off + (uint64_t)i) % 251);
	ck_assert_int_eq(sfs_read(t, P(t, "data/1G"), 1ull << 30, buf, 10), 0);
	ck_assert_int_eq(sfs_write(t, P(t, "data/1M"), 0, "x", 1), -EACCES);
	sfs_tree_free(t);
}
END_TEST

struct names { char seen[12000]; int n; uint64_t last; int stop_after; };

static int collect(void *arg, const struct sfs_dirent *e)
{
	struct names *nm = arg;
	unsigned i;
	if (nm->stop_after && nm->n == nm->stop_after)
		return 1;
	if (e->namelen == 1 && e->name[0] == '.')
		i = 10000;
	else if (e->namelen == 2 && e->name[0] == '.')
		i = 10001;
	else
		ck_assert_int_eq(sscanf(e->name, "f%u_", &i), 1);
	nm->seen[i]++;
	nm->n++;
	nm->last = e->next;
	return 0;
}

START_TEST(readdir_cookies)
{
	struct sfs_tree *t = mk(SFS_MD_WARN, 0);
	struct sfs_node *d = P(t, "readdir/d1000");
	struct names nm;
	uint64_t cookie = 0;
	int total = 0;
	memset(&nm, 0, sizeof nm);
	/* in chunks of 7, resuming by the last cookie */
	for (;;) {
		int before = nm.n;
		nm.stop_after = nm.n + 7;
		sfs_readdir(t, d, cookie, collect, &nm);
		if (nm.n == before)
			break;
		cookie = nm.last;
	}
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(nm.seen[i], 1);
	ck_assert_int_eq(nm.seen[10000] + nm.seen[10001], 2);
	total = nm.n;
	ck_assert_int_eq(total, 1002);
	sfs_tree_free(t);
}
END_TEST

START_TEST(rw_operations)
{
	struct sfs_tree *t = mk(SFS_MD_WARN, 4096);
	struct sfs_node *rw = P(t, "rw"), *a, *b, *d;
	struct sfs_attr at;
	static char big[8192];
	uint32_t v;
	ck_assert_int_eq(sfs_create(t, rw, "a", 1, S_IFREG | 0644, 0, 0, &a), 0);
	ck_assert_int_eq(sfs_create(t, rw, "a", 1, S_IFREG | 0644, 0, 0, &b), -EEXIST);
	ck_assert_int_eq(sfs_create(t, P(t, "misc"), "z", 1, S_IFREG, 0, 0, &b), -EACCES);
	ck_assert_int_eq(sfs_create(t, rw, "x/y", 3, S_IFREG, 0, 0, &b), -EINVAL);
	v = a->version;
	ck_assert_int_eq(sfs_write(t, a, 0, "hello", 5), 5);
	ck_assert_uint_gt(a->version, v);
	/* quota */
	ck_assert_int_eq(sfs_write(t, a, 0, big, sizeof big), -ENOSPC);
	/* links */
	ck_assert_int_eq(sfs_link(t, rw, "b", 1, a), 0);
	sfs_getattr(t, a, &at);
	ck_assert_uint_eq(at.nlink, 2);
	ck_assert_int_eq(sfs_unlink(t, rw, "a", 1, SFS_UNLINK_FILE), 0);
	sfs_getattr(t, a, &at);
	ck_assert_uint_eq(at.nlink, 1);
	/* rename over a directory, into itself */
	ck_assert_int_eq(sfs_create(t, rw, "d", 1, S_IFDIR | 0755, 0, 0, &d), 0);
	ck_assert_int_eq(sfs_rename(t, rw, "b", 1, rw, "d", 1), -EISDIR);
	ck_assert_int_eq(sfs_rename(t, rw, "d", 1, d, "e", 1), -EINVAL);
	ck_assert_int_eq(sfs_rename(t, rw, "b", 1, d, "c", 1), 0);
	ck_assert_ptr_eq(sfs_path(t, "rw/d/c"), a);
	ck_assert_int_eq(sfs_unlink(t, rw, "d", 1, SFS_UNLINK_DIR), -ENOTEMPTY);
	/* a node with a handle survives its unlink */
	sfs_ref(a);
	ck_assert_int_eq(sfs_unlink(t, d, "c", 1, SFS_UNLINK_ANY), 0);
	ck_assert_int_eq(sfs_write(t, a, 5, "!", 1), 1);
	sfs_unref(t, a);
	ck_assert_int_eq(sfs_unlink(t, rw, "d", 1, SFS_UNLINK_DIR), 0);
	/* contract nodes stay */
	ck_assert_int_eq(sfs_unlink(t, P(t, "misc"), "ro", 2, SFS_UNLINK_ANY), -EACCES);
	sfs_tree_free(t);
}
END_TEST

START_TEST(symlink_xattr_setattr)
{
	struct sfs_tree *t = mk(SFS_MD_WARN, 0);
	struct sfs_node *rw = P(t, "rw"), *s, *f;
	struct sfs_setattr sa = { .valid = SFS_SET_SIZE, .size = 10 };
	const char *tgt;
	char buf[64];
	ck_assert_int_eq(sfs_symlink(t, rw, "s", 1, "target", 6, 0, &s), 0);
	ck_assert_int_eq(sfs_readlink(s, &tgt), 0);
	ck_assert_str_eq(tgt, "target");
	ck_assert_int_eq(sfs_create(t, rw, "f", 1, S_IFREG | 0600, 0, 0, &f), 0);
	ck_assert_int_eq(sfs_xattr_set(t, f, "user.a", "1", 1, 0), 0);
	ck_assert_int_eq(sfs_xattr_set(t, f, "user.a", "2", 1, 1), -EEXIST);
	ck_assert_int_eq(sfs_xattr_get(f, "user.a", buf, sizeof buf), 1);
	ck_assert_int_eq(sfs_xattr_list(f, buf, sizeof buf), 7);
	ck_assert_int_eq(sfs_xattr_get(f, "user.b", buf, sizeof buf), -ENODATA);
	ck_assert_int_eq(sfs_setattr(t, f, &sa), 0);
	ck_assert_int_eq(sfs_read(t, f, 0, buf, sizeof buf), 10);
	ck_assert_int_eq(sfs_setattr(t, P(t, "README"), &sa), -EACCES);
	ck_assert_int_eq(sfs_setattr(t, P(t, "data/1M"), &sa), -EINVAL);
	sfs_tree_free(t);
}
END_TEST

static uint64_t qp(struct sfs_tree *t, const char *path)
{
	struct sfs_attr a;
	sfs_getattr(t, P(t, path), &a);
	return a.qpath;
}

START_TEST(multidevs_modes)
{
	struct sfs_tree *t = mk(SFS_MD_WARN, 0);
	struct sfs_node *n;
	ck_assert_uint_eq(qp(t, "multidev/devA/f1"), 3);
	ck_assert_uint_eq(qp(t, "multidev/devB/f1"), 3);
	sfs_tree_free(t);
	t = mk(SFS_MD_REMAP, 0);
	ck_assert_uint_eq(qp(t, "multidev/devA/f1"), 3 << 3 | 2);
	ck_assert_uint_eq(qp(t, "multidev/devB/f1"), 3 << 3 | 6);
	ck_assert_uint_eq(qp(t, "README") & 1, 1);
	sfs_tree_free(t);
	t = mk(SFS_MD_FORBID, 0);
	ck_assert_int_eq(sfs_lookup(t, P(t, "multidev"), "devA", 4, &n), -ENODEV);
	sfs_tree_free(t);
	struct sfs_opts o = { .multidevs = SFS_MD_REMAP, .path_collision = 1 };
	t = sfs_tree_new(&o);
	ck_assert_uint_eq(qp(t, "multidev/devA/f2"), qp(t, "multidev/devB/f2"));
	sfs_tree_free(t);
}
END_TEST

START_TEST(tree_file)
{
	struct sfs_tree *t = mk(SFS_MD_WARN, 0);
	char path[] = "/tmp/sfs-tree-XXXXXX", err[256], buf[64];
	int fd = mkstemp(path);
	const char *text = "# extra\ndir extra/sub 0755\nfile extra/hello 0644 hi\\n\n"
			   "pattern extra/p 0444 1000\nsymlink extra/l hello\n";
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (long)strlen(text));
	close(fd);
	ck_assert_int_eq(sfs_tree_load(t, path, err, sizeof err), 0);
	ck_assert_int_eq(sfs_read(t, P(t, "extra/hello"), 0, buf, sizeof buf), 3);
	ck_assert(memcmp(buf, "hi\n", 3) == 0);
	ck_assert_uint_eq(P(t, "extra/p")->size, 1000);
	ck_assert_ptr_nonnull(sfs_path(t, "extra/sub"));
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_eq(write(fd, "bogus x\n", 8), 8);
	close(fd);
	ck_assert_int_lt(sfs_tree_load(t, path, err, sizeof err), 0);
	ck_assert_msg(strstr(err, ":1:") != NULL, "%s", err);
	unlink(path);
	sfs_tree_free(t);
}
END_TEST

static void free_fid(void *arg, struct sfs_fid *f)
{
	(*(int *)arg)++;
	free(f);
}

START_TEST(fid_table)
{
	struct sfs_fidtab ft;
	size_t total = 0;
	int err;
	sfs_fidtab_init(&ft, &total);
	for (uint32_t i = 0; i < 5000; i++)
		ck_assert_ptr_nonnull(sfs_fid_new(&ft, i * 7919, &err));
	ck_assert_uint_eq(total, 5000);
	ck_assert_ptr_null(sfs_fid_new(&ft, 7919, &err));
	ck_assert_int_eq(err, -EEXIST);
	for (uint32_t i = 0; i < 5000; i += 2)
		free(sfs_fid_take(&ft, i * 7919));
	ck_assert_uint_eq(ft.n, 2500);
	ck_assert_ptr_null(sfs_fid_get(&ft, 0));
	ck_assert_ptr_nonnull(sfs_fid_get(&ft, 7919));
	ck_assert_ptr_null(sfs_fid_take(&ft, 123456789));
	int n = 0;
	sfs_fidtab_clear(&ft, free_fid, &n);
	ck_assert_int_eq(n, 2500);
	sfs_fidtab_free(&ft);
}
END_TEST

START_TEST(fid_clear)
{
	struct sfs_fidtab ft;
	size_t total = 0;
	int err, n = 0;
	sfs_fidtab_init(&ft, &total);
	for (uint32_t i = 0; i < 100; i++)
		sfs_fid_new(&ft, i, &err);
	sfs_fidtab_clear(&ft, free_fid, &n);
	ck_assert_int_eq(n, 100);
	ck_assert_uint_eq(total, 0);
	ck_assert_ptr_nonnull(sfs_fid_new(&ft, 1, &err));
	sfs_fidtab_clear(&ft, free_fid, &n);
	sfs_fidtab_free(&ft);
}
END_TEST

/* Sparse content: data beyond 4 GiB costs one chunk, holes read as zeros
 * (0xa5 with holes_nonzero), truncation drops what lies beyond. */
static void sparse_case(int holes_nonzero)
{
	struct sfs_opts o = { .quota = 1 << 20, .holes_nonzero = holes_nonzero };
	struct sfs_tree *t = sfs_tree_new(&o);
	struct sfs_node *f;
	struct sfs_setattr sa = { .valid = SFS_SET_SIZE };
	const uint64_t far = (5ull << 30) + 3;
	uint8_t buf[16], hole = holes_nonzero ? SFS_HOLE_BYTE : 0;
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(sfs_create(t, P(t, "rw"), "s", 1, S_IFREG | 0644, 0, 0, &f), 0);
	ck_assert_int_eq(sfs_write(t, f, far, "xy", 2), 2);
	ck_assert_uint_eq(f->size, far + 2);
	ck_assert_uint_le(t->used, SFS_CHUNK); /* not 5 GiB */
	ck_assert_int_eq(sfs_read(t, f, far - 4, buf, sizeof buf), 6);
	ck_assert_uint_eq(buf[0], hole);
	ck_assert_uint_eq(buf[3], hole);
	ck_assert_int_eq(memcmp(buf + 4, "xy", 2), 0);
	ck_assert_int_eq(sfs_read(t, f, 1ull << 32, buf, 4), 4);
	ck_assert_uint_eq(buf[0], hole);
	/* a write spanning two chunks, a gap inside a chunk */
	ck_assert_int_eq(sfs_write(t, f, SFS_CHUNK - 2, "abcd", 4), 4);
	ck_assert_int_eq(sfs_write(t, f, SFS_CHUNK + 8, "z", 1), 1);
	ck_assert_int_eq(sfs_read(t, f, SFS_CHUNK - 2, buf, 11), 11);
	ck_assert_int_eq(memcmp(buf, "abcd", 4), 0);
	ck_assert_uint_eq(buf[4], hole);
	ck_assert_uint_eq(buf[10], 'z');
	/* shrink into the first chunk, grow again: the rest is a hole */
	sa.size = SFS_CHUNK - 1;
	ck_assert_int_eq(sfs_setattr(t, f, &sa), 0);
	sa.size = SFS_CHUNK + 4;
	ck_assert_int_eq(sfs_setattr(t, f, &sa), 0);
	ck_assert_int_eq(sfs_read(t, f, SFS_CHUNK - 2, buf, 6), 6);
	ck_assert_uint_eq(buf[0], 'a');
	ck_assert_uint_eq(buf[1], hole);
	ck_assert_uint_eq(buf[2], hole);
	ck_assert_int_eq(sfs_read(t, f, far, buf, 2), 0); /* beyond EOF now */
	/* the quota holds what is allocated */
	static uint8_t big[2 << 20];
	ck_assert_int_eq(sfs_write(t, f, 0, big, sizeof big), -ENOSPC);
	sa.size = 0;
	ck_assert_int_eq(sfs_setattr(t, f, &sa), 0);
	ck_assert_uint_eq(t->used, 0);
	sfs_tree_free(t);
}

START_TEST(sparse_content)
{
	sparse_case(_i);
}
END_TEST

int main(void)
{
	TCase *tc = unit_case("tree", 0, UNIT_TESTS(
		contract_nodes, pattern_content, readdir_cookies,
		rw_operations, symlink_xattr_setattr, multidevs_modes,
		tree_file, fid_table, fid_clear));
	tcase_add_loop_test(tc, sparse_content, 0, 2);
	return unit_run_case("synthfs tree", tc, CK_FORK_GETENV);
}
