#!/usr/bin/env bash
# 70-hostile-synthfs.sh - synthfs under bin/9phostile: 5000 connections
# opened and dropped, random bytes, absurd sizes, msize abuse, 1 million
# Tattach/Twalk without clunk (the --max-fids limit must answer EMFILE),
# a tag flood and Tflush storm, slow readers; a well-behaved client must
# keep reading /README right and VmRSS must stay under 128 MB
# (320 MB for the ASan build).  Then
# valgrind memcheck on a short normal session (the suite's walk and read
# families, 9P2000.L) must report no definitely lost bytes and no errors.
# timeout: 120
set -euo pipefail
pid=
cleanup() { [[ -n $pid ]] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT

wait_listen() {
	for _ in $(seq 400); do
		grep -q 'listening on' "$1" && return 0
		sleep 0.05
	done
	echo "synthfs did not start: $(cat "$1")"
	exit 1
}

# ---- hostile client ----
# an ASan build (make check) carries shadow memory and a quarantine: the
# limit there is looser and the quarantine small
limit=128
if grep -qa __asan_init "$P9BIN/synthfs"; then
	limit=320
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16
fi
"$P9BIN/synthfs" --listen "unix:$P9TMP/h.sock" --block-timeout 60 \
	>"$P9TMP/h.out" 2>"$P9TMP/h.err" &
pid=$!
wait_listen "$P9TMP/h.out"
rc=0
"$P9BIN/9phostile" --socket "$P9TMP/h.sock" --pid "$pid" --conns 5000 \
	--fids 1000000 --expect-max-fids 65536 --rss-limit "$limit" >"$P9TMP/h.log" || rc=$?
cat "$P9TMP/h.log"
[[ $rc == 0 ]] || { echo "9phostile: exit $rc"; exit 1; }
grep -q '^total: .* 0 failures$' "$P9TMP/h.log"
grep -q '^fids: 1000000 requests: 65536 fids granted, 934464 EMFILE' "$P9TMP/h.log"
kill -0 "$pid" || { echo "synthfs died"; exit 1; }
kill "$pid"
src=0
wait "$pid" || src=$?
pid=
[[ $src == 0 ]] || { echo "synthfs exit $src after SIGTERM: $(tail -3 "$P9TMP/h.err")"; exit 1; }

# ---- valgrind memcheck on a normal session ----
if ! command -v valgrind >/dev/null; then
	echo "valgrind not installed: memcheck part skipped"
	exit 0
fi
# valgrind needs the rel build (bin/), not the ASan one make check tests
rel=$P9ROOT/bin
[[ -x $rel/synthfs ]] || { echo "no rel build in $rel: run make"; exit 1; }
valgrind --leak-check=full --error-exitcode=99 --log-file="$P9TMP/vg.log" \
	"$rel/synthfs" --listen "unix:$P9TMP/v.sock" >"$P9TMP/v.out" 2>&1 &
pid=$!
wait_listen "$P9TMP/v.out"
"$P9BIN/9psuite" --target "unix:$P9TMP/v.sock" --dialect L --timeout 20 \
	walk read >"$P9TMP/v.tap" || { tail -20 "$P9TMP/v.tap"; echo "suite failed under valgrind"; exit 1; }
kill "$pid"
vrc=0
wait "$pid" || vrc=$?
pid=
grep -E 'definitely lost|ERROR SUMMARY|no leaks are possible' "$P9TMP/vg.log" | sed 's/^==[0-9]*== //'
[[ $vrc == 0 ]] || { echo "valgrind exit $vrc"; cat "$P9TMP/vg.log" | tail -40; exit 1; }
grep -q 'ERROR SUMMARY: 0 errors' "$P9TMP/vg.log"
grep -qE 'definitely lost: 0 bytes|no leaks are possible' "$P9TMP/vg.log"
echo "valgrind: $(tail -1 "$P9TMP/v.tap" | cut -c1-60), no leak, no error"
