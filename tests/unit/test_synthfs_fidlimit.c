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

/* Fids from .. to - 1 added to t, each accepted. */
static void add_fids(struct sfs_fidtab *t, uint32_t from, uint32_t to)
{
	int err = 0;
	for (uint32_t i = from; i < to; i++)
		ck_assert_ptr_nonnull(sfs_fid_new(t, i, &err));
}

/* Adding fid to t is refused with error want. */
static void refused(struct sfs_fidtab *t, uint32_t fid, int want)
{
	int err = 0;
	ck_assert_ptr_null(sfs_fid_new(t, fid, &err));
	ck_assert_int_eq(err, want);
}

START_TEST(per_table_limit)
{
	struct sfs_fidtab t;
	size_t total = 0;
	sfs_fidtab_init(&t, &total);
	t.max = 100;
	add_fids(&t, 0, 100);
	refused(&t, 100, -EMFILE);
	/* an fid in use is still EEXIST, not EMFILE */
	refused(&t, 5, -EEXIST);
	free(sfs_fid_take(&t, 7));
	add_fids(&t, 100, 101);
	ck_assert_uint_eq(total, 100);
	sfs_fidtab_clear(&t, release, NULL);
	sfs_fidtab_free(&t);
}
END_TEST

START_TEST(server_wide_limit)
{
	struct sfs_fidtab a, b;
	size_t total = 0;
	sfs_fidtab_init(&a, &total);
	sfs_fidtab_init(&b, &total);
	a.maxtotal = b.maxtotal = 50;
	add_fids(&a, 0, 30);
	add_fids(&b, 0, 20);
	refused(&b, 20, -ENFILE);
	refused(&a, 30, -ENFILE);
	sfs_fidtab_clear(&a, release, NULL);
	add_fids(&b, 20, 21);
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
