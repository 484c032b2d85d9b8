# flush.sh - interrupt reads blocked on synthfs's /flush/block.  Linux
# (6.1) waits for a 9p reply "killably": a signal the process handles does
# not interrupt the request, so (1) a reader given SIGUSR1 (busybox dd
# handles it) survives and stays blocked, while (2) a fatal signal (SIGKILL,
# SIGTERM, or busybox timeout's SIGINT to a foreground reader) makes the
# kernel send Tflush, and the reader ends at once instead of waiting for synthfs's
# --block-timeout (30 s).  Then (3) no tag may stay in flight on the
# connection (/ctl/tags counts only the read of itself) and (4) the mount
# still works.  With the 9p tracepoints available the Tflush requests are
# counted too.  (Background jobs of a script ignore SIGINT, hence SIGTERM.)
if [ ! -e /mnt/flush/block ]; then
	fail tree "no /flush/block on the target (synthfs needed)"
	return
fi
T=/sys/kernel/tracing
tracing=no
if mount -t tracefs nodev $T 2>/dev/null && [ -d $T/events/9p/9p_client_req ]; then
	echo 1 >$T/events/9p/9p_client_req/enable && echo >$T/trace && tracing=yes
fi
# alive PID: 0 if the process exists and is not a zombie
alive() { [ -d /proc/$1 ] && ! grep -q '^State:.*Z' /proc/$1/status 2>/dev/null; }
# gone_within PID TENTHS: wait up to TENTHS/10 s for PID to end
gone_within() {
	_i=0
	while alive "$1"; do
		[ $_i -ge "$2" ] && return 1
		sleep 0.1
		_i=$((_i + 1))
	done
}

# reader 1: SIGUSR1 (handled) leaves it blocked; then SIGKILL ends it.
# (Not SIGTERM: a fatal signal that arrives while another signal is
# already pending does not wake a killable wait in Linux 6.1.)
dd if=/mnt/flush/block of=/dev/null bs=4k count=1 2>/tmp/dd.err &
pid=$!
sleep 1
if alive $pid; then ok blocked; else fail blocked "the read of /flush/block did not block"; fi
kill -USR1 $pid
sleep 1
if alive $pid; then ok survives-usr1; else fail survives-usr1 "dd ended: $(tail -1 /tmp/dd.err)"; fi
kill -KILL $pid
if gone_within $pid 100; then ok sigkill-ends-read
else fail sigkill-ends-read "still there 10 s after SIGKILL (no Rflush?)"; fi
wait $pid 2>/dev/null
# reader 2: SIGTERM
dd if=/mnt/flush/block of=/dev/null bs=4k count=1 2>/tmp/dd.err &
pid=$!
sleep 1
kill -TERM $pid
if gone_within $pid 100; then ok sigterm-ends-read
else fail sigterm-ends-read "still blocked 10 s after SIGTERM (no Rflush?)"; kill -9 $pid; fi
wait $pid 2>/dev/null
# reader 3: busybox timeout sends SIGINT to a foreground reader
start=$(cut -d' ' -f1 /proc/uptime)
timeout -s INT 1 cat /mnt/flush/block >/dev/null 2>&1
took=$(awk -v s="$start" '{ printf "%d", $1 - s }' /proc/uptime)
if [ "$took" -lt 10 ]; then ok timeout-read; else fail timeout-read "took ${took}s"; fi

expect tags-in-flight 1 "$(cat /mnt/ctl/tags 2>&1)"
expect read-now now "$(cat /mnt/flush/now 2>&1)"
expect still-usable "synthfs: a synthetic 9P test tree" "$(cat /mnt/README 2>&1)"
if [ $tracing = yes ]; then
	n=$(grep -c 'P9_TFLUSH' $T/trace)
	echo 0 >$T/events/9p/9p_client_req/enable
	if [ "$n" -ge 3 ]; then ok tflush-sent "$n Tflush"
	else fail tflush-sent "the trace shows $n Tflush, want >= 3"; fi
else
	frame info "flush: no 9p tracepoints, Tflush not counted"
fi
