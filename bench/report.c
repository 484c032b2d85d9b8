/* report.c - placeholder */
#include "bench.h"
int bench_report(const char **files, size_t nfiles, const struct bench_report_opts *o,
		 char *err, size_t errcap)
{
	(void)files; (void)nfiles; (void)o;
	snprintf(err, errcap, "not yet");
	return -1;
}
