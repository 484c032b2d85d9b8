/*
 * unit.h - what every unit test binary's main() shares: build a Check test
 * case from a list of tests, run a suite and turn its failures into the
 * exit status (0 all passed, 1 not).
 */
#ifndef P9KIT_UNIT_H
#define P9KIT_UNIT_H

#include <check.h>
#include <stddef.h>

/* The NULL-terminated list of the tests named (START_TEST(name) defines
 * name as a const TTest *), for unit_case and unit_main. */
#define UNIT_TESTS(...) ((const TTest *const[]){ __VA_ARGS__, NULL })

/* fork: CK_FORK_GETENV (Check's default, CK_FORK=no turns forking off),
 * or CK_NOFORK for suites whose tests share process state. */
static inline int unit_run(Suite *s, enum fork_status fork)
{
	SRunner *sr = srunner_create(s);
	int failed;
	if (fork != CK_FORK_GETENV)
		srunner_set_fork_status(sr, fork);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

/* A test case called name running tests (NULL-terminated) in their order.
 * timeout: seconds per test, 0 keeps Check's (CK_DEFAULT_TIMEOUT). */
static inline TCase *unit_case(const char *name, int timeout,
			       const TTest *const tests[])
{
	TCase *tc = tcase_create(name);
	if (timeout)
		tcase_set_timeout(tc, timeout);
	for (size_t i = 0; tests[i] != NULL; i++)
		tcase_add_test(tc, tests[i]);
	return tc;
}

/* Run the suite called name whose one test case is tc. */
static inline int unit_run_case(const char *name, TCase *tc,
				enum fork_status fork)
{
	Suite *s = suite_create(name);
	suite_add_tcase(s, tc);
	return unit_run(s, fork);
}

/* The whole main() of a program whose suite is one case of plain tests. */
static inline int unit_main(const char *suite, const char *tcase, int timeout,
			    const TTest *const tests[])
{
	return unit_run_case(suite, unit_case(tcase, timeout, tests),
			     CK_FORK_GETENV);
}

#endif
