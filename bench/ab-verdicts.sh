#!/usr/bin/env bash
# ab-verdicts.sh - how often `9pbench ab` is right: PAIRS same-build A/B
# pairs (plain synthfs against plain synthfs: any verdict but "no change"
# is a false positive) and PAIRS pairs with a slowdown injected into B by
# `synthfs --delay getattr=US`, US sized as 5% and 10% of the getattr
# median measured first.  The three kinds take turns, so the machine's load
# hits them alike.  Prints the rates and PASS/FAIL for the goals of issue
# 16: false positives at most 1 in 20, 10% detected at least 19 in 20 (5%
# is reported, no goal).  A benchmark, not a test (docs/performance.md,
# "9pbench ab: verdicts").
# Usage: bench/ab-verdicts.sh [BINDIR]
# Environment: PAIRS (20), AB_OPTS (extra 9pbench ab options, e.g.
#              "--reps 30 --count 15000"), OUT (keep the JSON files there).
set -euo pipefail
bin=${1:-$(cd "$(dirname "$0")/.." && pwd)/bin}
B=$bin/9pbench S=$bin/synthfs
pairs=${PAIRS:-20}
read -r -a opts <<<"${AB_OPTS:-}"
out=${OUT:-$(mktemp -d /tmp/ab-verdicts.XXXXXX)}
[[ -n ${OUT:-} ]] || trap 'rm -rf "$out"' EXIT
mkdir -p "$out"
A="exec:$S --stdio"

field() { # FILE KEY: a field of the first metric of an ab JSON
	python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["metrics"][0]; print(m[sys.argv[2]])' "$1" "$2"
}
ab() { # NAME TARGET_B: one pair; prints its verdict
	"$B" ab -q "$A" "$2" --op getattr "${opts[@]}" --json "$out/$1.json" >/dev/null || true
	field "$out/$1.json" verdict
}

printf 'load before: %s (%d CPUs)\n' "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)"
ab calibrate "$A" >/dev/null
base=$(field "$out/calibrate.json" base)
d5=$(python3 -c "print(max(1, round($base * 0.05 / 1000)))")
d10=$(python3 -c "print(max(1, round($base * 0.10 / 1000)))")
printf 'getattr median %.1f us: 5%% = --delay getattr=%d, 10%% = --delay getattr=%d\n' \
	"$(python3 -c "print($base / 1000)")" "$d5" "$d10"

fp=0 det5=0 det10=0
for i in $(seq "$pairs"); do
	v0=$(ab "same-$i" "$A")
	v5=$(ab "d5-$i" "$A --delay getattr=$d5")
	v10=$(ab "d10-$i" "$A --delay getattr=$d10")
	[[ $v0 == "no change" || $v0 == "no change (small)" ]] || fp=$((fp + 1))
	[[ $v5 == slower ]] && det5=$((det5 + 1))
	[[ $v10 == slower ]] && det10=$((det10 + 1))
	printf 'pair %2d: same %+.1f%% %-18s 5%% %+.1f%% %-18s 10%% %+.1f%% %s\n' "$i" \
		"$(python3 -c "print(100 * $(field "$out/same-$i.json" rel))")" "$v0" \
		"$(python3 -c "print(100 * $(field "$out/d5-$i.json" rel))")" "$v5" \
		"$(python3 -c "print(100 * $(field "$out/d10-$i.json" rel))")" "$v10"
done
printf 'load after: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
echo "false positives: $fp / $pairs same-build pairs"
echo "5% slowdown (--delay getattr=$d5) detected: $det5 / $pairs"
echo "10% slowdown (--delay getattr=$d10) detected: $det10 / $pairs"
ok=0
(( fp * 20 <= pairs )) && echo "PASS false positives at most 1 in 20" ||
	{ echo "FAIL false positives at most 1 in 20"; ok=1; }
(( det10 * 20 >= 19 * pairs )) && echo "PASS 10% detected at least 19 in 20" ||
	{ echo "FAIL 10% detected at least 19 in 20"; ok=1; }
exit $ok
