# synthfs/module.mk - bin/synthfs, the synthetic reference 9P server.
# Everything but main.c is in libsynthfs.a so unit tests can link it.
PROGS += synthfs
# fuse.c (the --fuse frontend) needs libfuse3, so it stays out of libsynthfs.a
synthfs_SRCS := synthfs/main.c synthfs/fuse.c
synthfs_LDLIBS := $(shell pkg-config --libs fuse3 2>/dev/null || echo -lfuse3)
synthfs_CFLAGS := $(shell pkg-config --cflags fuse3 2>/dev/null)
MODLIBS += synthfs
synthfs_LIBSRCS := synthfs/tree.c synthfs/data.c synthfs/build.c synthfs/fid.c \
	synthfs/dispatch.c synthfs/output.c synthfs/request.c synthfs/flush.c \
	synthfs/loop.c synthfs/bugs.c
# the raw-message client of tests/integration/10-synthfs-*.sh
PROGS += synthfs-probe
synthfs-probe_SRCS := synthfs/probe.c
synthfs-probe_LDLIBS :=
# the measuring half of bench/synthfs-perf.sh (not a test)
PROGS += synthfs-perf
synthfs-perf_SRCS := synthfs/perf.c
synthfs-perf_LDLIBS :=
