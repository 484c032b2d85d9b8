#!/usr/bin/env bash
# 10-synthfs-raw.sh - drive bin/synthfs with raw 9P messages (synthfs-probe)
# over unix, tcp and stdio in all three dialects: the contract tree, errors,
# walks, rw area, readdir resumption at several counts, msize enforcement,
# two concurrent Tflush outcomes, /ctl counters, each --multidevs mode,
# random message bodies of every type, and 16 connections at once.
# timeout: 120
# quick
set -euo pipefail
. "$P9ROOT/tests/integration/lib/common.sh"
S=$P9BIN/synthfs
P=$P9BIN/synthfs-probe

synthfs_start s --listen "unix:$P9TMP/s.sock" --listen tcp:127.0.0.1:0
UNIX=unix:$P9TMP/s.sock
TCP=$(grep '^tcp:' <<<"$SYNTHFS_ADDRS" | head -1)
[[ $TCP == tcp:127.0.0.1:* ]] || { echo "no tcp address"; exit 1; }

for d in 9P2000.L 9P2000.u 9P2000; do
	for sc in basic rw ctl msize; do
		"$P" "$UNIX" $d $sc
		"$P" "$TCP" $d $sc
		"$P" "exec:$S --stdio" $d $sc
	done
	"$P" "$UNIX" $d readdir
	"$P" "$UNIX" $d multidev warn
	"$P" "exec:$S --stdio" $d garbage
done

# many connections at once
for i in $(seq 16); do "$P" "$UNIX" 9P2000.L basic >"$P9TMP/many.$i" 2>&1 & done
wait_fail=0
for j in $(jobs -p); do [[ " ${pids[*]} " == *" $j "* ]] || wait "$j" || wait_fail=1; done
(( wait_fail == 0 )) || { cat "$P9TMP"/many.*; exit 1; }
[[ $(cat "$P9TMP"/many.* | grep -c '^ok basic') == 16 ]] || { cat "$P9TMP"/many.*; exit 1; }
"$P" "$TCP" 9P2000.L readdir

# --stdio exits when its peer goes; SIGTERM stops a listener cleanly
synthfs_start t
kill -TERM "$SYNTHFS_PID"
wait "$SYNTHFS_PID" || { echo "synthfs did not exit 0 on SIGTERM"; exit 1; }
[[ ! -e $P9TMP/t.sock ]] || { echo "socket not removed"; exit 1; }

# two concurrent Tflush outcomes (blocked read never answered, delayed write
# answered before Rflush), in every dialect and both dispatch modes
synthfs_start f --delay write=300000
for d in 9P2000.L 9P2000.u 9P2000; do "$P" "unix:$P9TMP/f.sock" $d flush; done
synthfs_start w --dispatch worker --hops 2 --delay write=300000
for d in 9P2000.L 9P2000.u; do
	"$P" "unix:$P9TMP/w.sock" $d flush
	"$P" "unix:$P9TMP/w.sock" $d basic
	"$P" "unix:$P9TMP/w.sock" $d readdir
done
"$P" "unix:$P9TMP/w.sock" 9P2000.L garbage

# /rw quota: ENOSPC, space returned by remove
synthfs_start q --rw-quota 64K
for d in 9P2000.L 9P2000.u 9P2000; do "$P" "unix:$P9TMP/q.sock" $d quota; done

# colliding inode numbers in each multidevs mode
for mode in warn remap forbid; do
	synthfs_start "m-$mode" --multidevs $mode
	for d in 9P2000.L 9P2000.u; do "$P" "unix:$P9TMP/m-$mode.sock" $d multidev $mode; done
done

# --list-bugs lists at least the twelve contract names
n=$("$S" --list-bugs | grep -cE '^(readdir-partial-entry|readdir-ignore-offset|readdir-lose-boundary|flush-rerror|flush-late-reply|walk-later-error|walk-partial-fid|msize-not-enforced|qid-path-collision|qid-version-static|clunk-leak|wrong-errno) ')
[[ $n == 12 ]] || { echo "--list-bugs: $n of 12 names"; exit 1; }
"$S" --help | grep -q '^usage: synthfs'
if "$S" --bug nosuchbug 2>/dev/null; then echo "unknown bug accepted"; exit 1; fi
echo "all synthfs raw-message checks passed"
