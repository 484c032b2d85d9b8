/*
 * test_synthfs_fidlimit.c - the fid table's limits (--max-fids and
 * --max-allfids): EMFILE past a table's limit, ENFILE past the server-wide
 * one, and room again after a fid is taken back.
 */
#include <check.h>

#include "unit.h"
#include <errno.h>
#include <stdlib.h>

#include "synthfs/server.h"

static void release(void *arg, struct sfs_fid *f)
{
	(void)arg;
	free(f);
}

START_TEST(per_table_limit)
{
	struct sfs_fidtab t;
	size_t total = 0;
	int err = 0;
	sfs_fidtab_init(&t, &total);
	t.max = 100;
	for (uint32_t i = 0; i < 100; i++)
		ck_assert_ptr_nonnull(sfs_fid_new(&t, i, &err));
	ck_assert_ptr_null(sfs_fid_new(&t, 100, &err));
	ck_assert_int_eq(err, -EMFILE);
	/* an fid in use is still EEXIST, not EMFILE */
	ck_assert_ptr_null(sfs_fid_new(&t, 5, &err));
	ck_assert_int_eq(err, -EEXIST);
	free(sfs_fid_take(&t, 7));
	ck_assert_ptr_nonnull(sfs_fid_new(&t, 100, &err));
	ck_assert_uint_eq(total, 100);
	sfs_fidtab_clear(&t, release, NULL);
	sfs_fidtab_free(&t);
}
END_TEST

START_TEST(server_wide_limit)
{
	struct sfs_fidtab a, b;
	size_t total = 0;
	int err = 0;
	sfs_fidtab_init(&a, &total);
	sfs_fidtab_init(&b, &total);
	a.maxtotal = b.maxtotal = 50;
	for (uint32_t i = 0; i < 30; i++)
		ck_assert_ptr_nonnull(sfs_fid_new(&a, i, &err));
	for (uint32_t i = 0; i < 20; i++)
		ck_assert_ptr_nonnull(sfs_fid_new(&b, i, &err));
	ck_assert_ptr_null(sfs_fid_new(&b, 20, &err));
	ck_assert_int_eq(err, -ENFILE);
	ck_assert_ptr_null(sfs_fid_new(&a, 30, &err));
	ck_assert_int_eq(err, -ENFILE);
	sfs_fidtab_clear(&a, release, NULL);
	ck_assert_ptr_nonnull(sfs_fid_new(&b, 20, &err));
	ck_assert_uint_eq(total, 21);
	sfs_fidtab_clear(&b, release, NULL);
	sfs_fidtab_free(&a);
	sfs_fidtab_free(&b);
}
END_TEST

int main(void)
{
	return unit_main("synthfs fid limits", "limits", 0, UNIT_TESTS(
		per_table_limit, server_wide_limit));
}
