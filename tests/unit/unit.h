/*
 * unit.h - what every unit test binary's main() shares: run one Check
 * suite and turn its failures into the exit status (0 all passed, 1 not).
 */
#ifndef P9KIT_UNIT_H
#define P9KIT_UNIT_H

#include <check.h>

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

#endif
