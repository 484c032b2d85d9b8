# bench/module.mk - 9pbench: workloads, timing, histograms, results,
# baseline comparison and the report generator.
PROGS += 9pbench
9pbench_SRCS := bench/main.c
MODLIBS += bench
bench_LIBSRCS := bench/hist.c bench/stats.c bench/bjson.c bench/result.c \
	bench/env.c bench/floor.c bench/workload.c bench/measure.c \
	bench/compare.c bench/ab.c bench/report.c bench/fixtures.c
