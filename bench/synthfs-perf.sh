#!/usr/bin/env bash
# synthfs-perf.sh - measure synthfs against its performance goals in one run
# (docs/performance.md, "synthfs"): Tgetattr round trip vs a raw ping-pong of
# the same sizes (unix and tcp), 32 requests in flight vs diod, and /data
# read throughput at msize 1 MiB over unix.  Usage: bench/synthfs-perf.sh
# [BINDIR] (default bin/).  Needs `make` first; diod is optional.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/bin}
tmp=$(mktemp -d /tmp/synthfs-perf.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

# SYNTHFS_ARGS adds server options, e.g. SYNTHFS_ARGS="--hops 2"
"$bin/synthfs" --listen "unix:$tmp/s.sock" --listen tcp:127.0.0.1:0 ${SYNTHFS_ARGS:-} >"$tmp/out" &
pids+=($!)
for _ in $(seq 100); do grep -q tcp: "$tmp/out" 2>/dev/null && break; sleep 0.05; done
tcp=$(sed -n 's/^synthfs: listening on tcp://p' "$tmp/out")
args=(--unix "$tmp/s.sock" --tcp "$tcp")
if command -v diod >/dev/null || [[ -x /usr/sbin/diod ]]; then
	diod=$(command -v diod || echo /usr/sbin/diod)
	port=$(( 20000 + RANDOM % 20000 ))
	mkdir -p "$tmp/export"
	chmod 755 "$tmp" "$tmp/export"   # diod -S squashes to nobody
	"$diod" -f -n -S -l "127.0.0.1:$port" -e "$tmp/export" 2>"$tmp/diod.err" &
	pids+=($!)
	for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
	args+=(--diod "127.0.0.1:$port" --diod-aname "$tmp/export")
else
	echo "# diod not installed: the 32-in-flight comparison is skipped"
fi
echo "# $(date -u +%FT%TZ) $(nproc) cpus; synthfs ${SYNTHFS_ARGS:-(defaults)}; $bin/synthfs-perf ${args[*]}"
"$bin/synthfs-perf" "${args[@]}"
