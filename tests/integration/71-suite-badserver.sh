#!/usr/bin/env bash
# 71-suite-badserver.sh - 9psuite against bin/9pbadserver in each of its
# modes (never answers, wrong tag, answers twice, closes mid-message,
# garbage, dies after 3 messages, stalls after a partial reply): the run
# must finish (a per-case timeout of 1 s), exit 1, and name the fault in the
# first failed case.  An unreachable target gives one stderr line and exit 2.
# Then QEMU (qemu: target) is killed with SIGKILL in the middle of a run:
# the run must finish with a result for every case, exit 1 with one stderr
# line naming the QEMU's pid, the signal and the case during or after which
# it died, and leave no QEMU process and no new /dev/shm file behind.
# timeout: 150
set -euo pipefail
pid= spid=
cleanup() {
	[[ -n $pid ]] && kill "$pid" 2>/dev/null
	[[ -n $spid ]] && kill "$spid" 2>/dev/null
	wait 2>/dev/null || true
}
trap cleanup EXIT
s=$P9BIN/9psuite
cd "$P9ROOT"

check_mode() { # MODE... EXPECTED-REGEX(last argument)
	local want=${*: -1} args=("${@:1:$#-1}") rc=0 t0 secs
	"$P9BIN/9pbadserver" --listen "unix:$P9TMP/b.sock" "${args[@]}" \
		>"$P9TMP/b.out" 2>"$P9TMP/b.err" &
	pid=$!
	for _ in $(seq 100); do grep -q listening "$P9TMP/b.out" && break; sleep 0.05; done
	t0=$(date +%s)
	timeout 60 "$s" --target "unix:$P9TMP/b.sock" --dialect L --timeout 1 clunk \
		>"$P9TMP/b.tap" 2>"$P9TMP/b.stderr" || rc=$?
	secs=$(( $(date +%s) - t0 ))
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	pid=
	local first
	first=$(grep -m1 "^  message:" "$P9TMP/b.tap" || true)
	first=${first#  message: }
	first=${first#\'}
	first=${first%\'}
	echo "${args[*]}: exit $rc in ${secs}s; first failure: $first"
	[[ $rc == 1 ]] || { echo "expected exit 1"; cat "$P9TMP/b.stderr"; exit 1; }
	grep -qE '^# [0-9]+ passed, [1-9][0-9]* failed' "$P9TMP/b.tap" || { tail -1 "$P9TMP/b.tap"; exit 1; }
	[[ $first =~ $want ]] || { echo "expected a reason matching /$want/"; exit 1; }
}

check_mode --never-answer 'Twalk: no reply \(timeout\)'
check_mode --wrong-tag 'Twalk: no reply \(timeout\); a reply with tag 3, which no request in flight has, came instead \(Rlerror\)'
# answers Twalk with Rwalk and Tclunk with Rclunk, each twice: CLUNK1's
# Twalk (tag 2) is answered, its duplicate comes before the Tclunk's reply
check_mode --answer-twice 'clunk.case:7: Twalk: duplicate reply for tag 2 \(Rwalk\), the request was already answered$'
grep -q "^  message: .*duplicate reply for tag" "$P9TMP/b.tap"
check_mode --close-mid-message 'Twalk: connection closed by the server'
check_mode --garbage 'Twalk: '
check_mode --die-after 3 'Twalk: connection closed by the server'
grep -q "cannot connect: unix:$P9TMP/b.sock: " "$P9TMP/b.tap"
check_mode --stall-partial 'Twalk: no reply \(timeout\)'

# unreachable at start: exit 2, one line
rc=0
"$s" --target "unix:$P9TMP/none.sock" --dialect L clunk >/dev/null 2>"$P9TMP/u.err" || rc=$?
echo "unreachable: exit $rc: $(cat "$P9TMP/u.err")"
[[ $rc == 2 && $(wc -l <"$P9TMP/u.err") == 1 ]]

# ---- QEMU killed mid-run ----
if ! command -v qemu-system-x86_64 >/dev/null; then
	echo "qemu-system-x86_64 not installed: QEMU part skipped"
	exit 0
fi
mkdir "$P9TMP/exp"
ls /dev/shm >"$P9TMP/shm.before"
"$s" --target "qemu:$P9TMP/exp" --dialect L --timeout 3 \
	--expect "$P9ROOT/targets/qemu-local.expect" walk read \
	>"$P9TMP/q.tap" 2>"$P9TMP/q.err" &
spid=$!
# kill QEMU once 20 results are out (past the malformed cases, where a
# closed connection is an accepted answer); without the kill this run
# passes (known QEMU deviations are xfail)
q=
for _ in $(seq 600); do
	if (( $(grep -cE '^(not )?ok ' "$P9TMP/q.tap" || true) >= 20 )); then
		q=$(pgrep -f "qemu-system.*$P9TMP/exp" | head -1 || true)
		[[ -n $q ]] && break
	fi
	sleep 0.02
done
[[ -n $q ]] || { echo "QEMU not seen running"; cat "$P9TMP/q.err"; exit 1; }
kill -9 "$q"
qrc=0
wait "$spid" || qrc=$?
spid=
plan=$(sed -n 's/^1\.\.//p' "$P9TMP/q.tap")
results=$(grep -cE '^(not )?ok ' "$P9TMP/q.tap")
echo "QEMU pid $q killed: 9psuite exit $qrc, $results results of $plan; $(tail -1 "$P9TMP/q.tap")"
grep -E '^  message:' "$P9TMP/q.tap" | head -5 || true
head -3 "$P9TMP/q.err"
# a QEMU that exits unasked fails the run, with one line naming its pid,
# the signal and the case during or after which it died
[[ $qrc == 1 ]] || { echo "expected exit 1"; cat "$P9TMP/q.err"; exit 1; }
[[ $results == "$plan" ]] || { echo "not every case has a result"; exit 1; }
grep -E "^9psuite: (during or right after case|after case) [A-Z]+[0-9]+ \[9P2000\.L\]: qemu:$P9TMP/exp: QEMU \(pid $q\) killed by signal 9 \(Killed\) (during a connection|while idle between connections)" "$P9TMP/q.err" ||
	{ echo "the kill went unreported"; cat "$P9TMP/q.err"; exit 1; }
sleep 0.5
if pgrep -af "qemu-system.*$P9TMP/exp"; then echo "QEMU left running"; exit 1; fi
ls /dev/shm >"$P9TMP/shm.after"
if ! diff "$P9TMP/shm.before" "$P9TMP/shm.after" | grep '^>'; then
	echo "no QEMU process and no /dev/shm file left"
else
	echo "new /dev/shm files left behind"; exit 1
fi
