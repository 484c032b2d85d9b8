#!/usr/bin/env bash
# trace-perf.sh - 9ptrace against its performance goals (docs/performance.md,
# "9ptrace"), in one run:
#  1. offline: a pcap of 400,000 9P2000.L messages (bin/trace-gencap);
#     9ptrace -r with the full default output vs tshark -r FILE -Y 9p -T fields
#     -e 9p.msgtype -e 9p.tag -e 9p.fid (goal: 25x faster), and --stats alone;
#  2. connections: 9ptrace -r --stats on 200,000 connections that stay open
#     (SYN only) and on 200,000 that open and close (bench/gen-flows.py):
#     time and peak RSS (memory should follow the open connections only);
#  3. live: 9ptrace --stats on lo while 9pbench drives synthfs over tcp with
#     8 requests in flight; prints messages/s seen and capture drops.
# Usage: bench/trace-perf.sh [BINDIR]   env: TRACE_PERF_N (default 400000)
# Live capture needs root; tshark is optional.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/bin}
n=${TRACE_PERF_N:-400000}
tmp=$(mktemp -d /tmp/trace-perf.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
say() { printf '== %s\n' "$*"; }
# timed LABEL CMD...: run CMD (stdout to $tmp/LABEL.out), record wall and CPU seconds
timed() {
	local label=$1; shift
	/usr/bin/time -o "$tmp/$label.time" -f '%e %U %S' "$@" >"$tmp/$label.out" 2>/dev/null
	read -r wall user sys <"$tmp/$label.time"
	cpu=$(echo "$user + $sys" | bc -l)
	printf '%-26s wall %7.2f s  cpu %7.2f s  lines %s\n' "$label" "$wall" "$cpu" \
		"$(wc -l <"$tmp/$label.out")"
	eval "v_${label//-/_}_wall=$wall v_${label//-/_}_cpu=$cpu"
}

say "offline: $n messages"
"$bin/trace-gencap" "$tmp/cap.pcap" "$n" 4
ls -l "$tmp/cap.pcap" | awk '{print "capture bytes", $5}'
cat "$tmp/cap.pcap" >/dev/null # warm the page cache
timed 9ptrace-full "$bin/9ptrace" -r "$tmp/cap.pcap"
timed 9ptrace-stats "$bin/9ptrace" -r "$tmp/cap.pcap" --stats
grep -q "^messages $n," "$tmp/9ptrace-stats.out" || { echo "9ptrace --stats did not count $n messages"; exit 1; }
if command -v tshark >/dev/null; then
	timed tshark tshark -r "$tmp/cap.pcap" -Y 9p -T fields -e 9p.msgtype -e 9p.tag -e 9p.fid
	printf 'ratio full:  wall %.1fx  cpu %.1fx  (goal 25x)\n' \
		"$(echo "$v_tshark_wall / $v_9ptrace_full_wall" | bc -l)" \
		"$(echo "$v_tshark_cpu / $v_9ptrace_full_cpu" | bc -l)"
	printf 'ratio stats: wall %.1fx  cpu %.1fx\n' \
		"$(echo "$v_tshark_wall / $v_9ptrace_stats_wall" | bc -l)" \
		"$(echo "$v_tshark_cpu / $v_9ptrace_stats_cpu" | bc -l)"
else
	echo "tshark not installed: no ratio"
fi

say "connections: 200000 open (SYN only) and 200000 opened and closed"
for mode in syn full; do
	python3 "$root/bench/gen-flows.py" 200000 "$mode" "$tmp/$mode.pcap"
	/usr/bin/time -o "$tmp/$mode.time" -f '%e %M' "$bin/9ptrace" -r "$tmp/$mode.pcap" \
		--stats >"$tmp/$mode.out" 2>/dev/null
	read -r wall kb <"$tmp/$mode.time"
	printf '%-5s %s: wall %.2f s, peak RSS %.1f MB\n' "$mode" \
		"$(grep '^messages' "$tmp/$mode.out")" "$wall" "$(echo "$kb / 1024" | bc -l)"
	rm -f "$tmp/$mode.pcap"
done

say "live: synthfs over tcp on lo, 8 in flight"
if [[ $(id -u) != 0 || ! -x $bin/synthfs || ! -x $bin/9pbench ]]; then
	echo "skipped (needs root, bin/synthfs and bin/9pbench)"
	exit 0
fi
"$bin/synthfs" --listen tcp:127.0.0.1:0 >"$tmp/sfs.out" &
pids+=($!)
for _ in $(seq 100); do grep -q tcp: "$tmp/sfs.out" 2>/dev/null && break; sleep 0.05; done
addr=$(sed -n 's/^synthfs: listening on tcp://p' "$tmp/sfs.out")
"$bin/9ptrace" -i lo -f "tcp port ${addr##*:}" --stats >"$tmp/live.out" 2>"$tmp/live.err" &
tp=$!
pids+=($tp)
for _ in $(seq 50); do grep -q "capturing on" "$tmp/live.err" && break; sleep 0.1; done
sleep 0.3
start=$(date +%s.%N)
"$bin/9pbench" latency -t "tcp:$addr" --op getattr --depth 8 --count 200000 --warmup 100 -q \
	-o "$tmp/bench.json"
end=$(date +%s.%N)
sleep 0.5
kill -INT "$tp"
wait "$tp" || true
msgs=$(sed -n 's/^messages \([0-9]*\),.*/\1/p' "$tmp/live.out")
printf 'live: %s messages in %.2f s = %.0f msgs/s\n' "$msgs" "$(echo "$end - $start" | bc -l)" \
	"$(echo "$msgs / ($end - $start)" | bc -l)"
grep "dropped" "$tmp/live.err"
grep "^messages" "$tmp/live.out"
