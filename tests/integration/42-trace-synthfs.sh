#!/usr/bin/env bash
# 42-trace-synthfs.sh - 9ptrace --check on a live capture (lo) of sessions
# against two synthfs servers over tcp: a correct one draws no warning and
# its fids carry their paths through a 17-deep walk; one started with
# --bug readdir-partial-entry --bug flush-late-reply draws exactly those
# two warnings.  Also --proxy tcp:...=exec:synthfs.
# serial
# timeout: 60
# quick
set -euo pipefail
[[ -x $P9BIN/synthfs ]] || { echo "no synthfs"; exit 77; }
. "$P9ROOT/tests/integration/lib/common.sh"

synthfs_start good --listen tcp:127.0.0.1:0
addr_good=$SYNTHFS_ADDR
synthfs_start bad --listen tcp:127.0.0.1:0 --bug readdir-partial-entry --bug flush-late-reply \
	--block-timeout 5
addr_bad=$SYNTHFS_ADDR
pg=${addr_good##*:} pb=${addr_bad##*:}

capture_start t "tcp port $pg or tcp port $pb" --check
"$P9BIN/trace-drive" --synthfs "$addr_good"
"$P9BIN/trace-drive" --synthfs "$addr_bad" || true # the buggy server's replies may surprise it
rc=0
capture_stop || rc=$?
o=$P9TMP/t.out
grep -v 'Rreaddir\|Rgetattr\|Rwalk' "$o"
[[ $rc == 1 ]] || { echo "--check exit $rc, want 1"; exit 1; }
grep -qF "c1 -> Tgetattr tag 4 fid 2 (/walk/WALK0/WALK1/WALK2/WALK3/WALK4/WALK5/WALK6/WALK7/WALK8/WALK9/WALK10/WALK11/WALK12/WALK13/WALK14/WALK15/leaf)" "$o"
grep -qF "c1 <- Rread tag 7 count 34 'synthfs: a synthetic 9P test tree\n' (" "$o"
grep -qF "c1 -> Treaddir tag 10 fid 4 (/readdir/d100) offset 0 count 600" "$o"
grep -qF "c1 <- Rflush tag 901 (" "$o"
! grep -q ' c1 !!' "$o" || { echo "warnings on the correct server"; exit 1; }
grep -q ' c2 !! Rreaddir tag [0-9]*: entry split at byte' "$o"
grep -q ' c2 !! R[a-z]* tag 900: reply arrives after its Rflush' "$o"
[[ $(grep -c ' !! ' "$o") == $(( $(grep -c 'entry split' "$o") + 1 )) ]]

# --proxy in its tcp form (port 0: it prints the real one), to an exec: target
"$P9BIN/9ptrace" --proxy "tcp:127.0.0.1:0=exec:$P9BIN/synthfs --stdio" --once --check \
	>"$P9TMP/px.out" 2>"$P9TMP/px.err" &
px=$!
pids+=($px)
for _ in $(seq 50); do grep -q "listening on tcp" "$P9TMP/px.err" && break; sleep 0.1; done
"$P9BIN/trace-drive" --synthfs "$(sed -n 's/.*listening on //p' "$P9TMP/px.err")"
wait "$px"
grep -qF "c1 <- Rread tag 7 count 34 'synthfs: a synthetic 9P test tree\n' (" "$P9TMP/px.out"
echo ok
