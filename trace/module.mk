# trace/module.mk - 9ptrace: decode live 9P traffic into a timeline.
PROGS += 9ptrace
9ptrace_SRCS := trace/main.c
9ptrace_LDLIBS := -lpcap
MODLIBS += trace
trace_LIBSRCS := trace/tcp.c trace/stream.c trace/message.c trace/state.c \
	trace/check.c trace/output.c trace/stats.c trace/frame.c trace/capture.c trace/proxy.c trace/pcapw.c \
	trace/qemulog.c trace/qmp.c trace/vring.c trace/virtio.c
EXTRA_LDLIBS += -lpcap
# trace-drive: a scripted 9P2000.L client session for the trace tests
PROGS += trace-drive
trace-drive_SRCS := trace/drive.c
# trace-gencap: a pcap of N 9P messages for bench/trace-perf.sh
PROGS += trace-gencap
trace-gencap_SRCS := trace/gencap.c
