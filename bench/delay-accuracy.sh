#!/usr/bin/env bash
# delay-accuracy.sh - how much latency `synthfs --delay getattr=US` adds,
# against the asked US: 9pbench ab of plain synthfs (A) against synthfs
# with the delay (B), getattr, interleaved rounds; the added latency is the
# median over rounds of B/A - 1 (rounds paired), times the median of A.  Prints a table and PASS/FAIL for the
# claim "within 2 us of the asked delay" per delay (docs/performance.md,
# "synthfs --delay accuracy").  A benchmark, not a test: run it alone.
# Usage: bench/delay-accuracy.sh [BINDIR] [-- extra synthfs options]
# Environment: DELAYS (default "1 2 5 10 20 50 100 200 500 1000"),
#              SYNTHFS (another synthfs to measure, e.g. an older build),
#              COUNT (requests per side, default 10000), TOL_NS (2000).
set -euo pipefail
bin=${1:-$(cd "$(dirname "$0")/.." && pwd)/bin}
shift || true
[[ ${1:-} == -- ]] && shift
extra=("$@")
S=${SYNTHFS:-$bin/synthfs} B=$bin/9pbench
count=${COUNT:-10000} tol=${TOL_NS:-2000}
tmp=$(mktemp -d /tmp/delay-acc.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
printf 'load: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%8s %12s %12s %10s  %s\n' "asked" "measured" "excess" "base" "within 2 us"
fails=0
for us in ${DELAYS:-1 2 5 10 20 50 100 200 500 1000}; do
	"$B" ab -q "exec:$S --stdio" "exec:$S --stdio --delay getattr=$us ${extra[*]}" \
		--op getattr --count "$count" --reps 20 --threshold 100% \
		--json "$tmp/ab.json" >/dev/null || true
	read -r base added < <(python3 - "$tmp/ab.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))["metrics"][0]
print(m["base"], m["rel"] * m["base"])   # the paired median, B/A - 1, times A
PY
)
	ex=$(python3 -c "print(int(float('$added') - $us * 1000))")
	v=PASS
	(( ex > tol || ex < -tol )) && { v=FAIL; fails=$((fails + 1)); }
	printf '%6s us %9.1f us %+9.1f us %7.1f us  %s\n' "$us" \
		"$(python3 -c "print(float('$added') / 1000)")" \
		"$(python3 -c "print($ex / 1000)")" "$(python3 -c "print(float('$base') / 1000)")" "$v"
done
echo "delay accuracy: $fails FAIL"
