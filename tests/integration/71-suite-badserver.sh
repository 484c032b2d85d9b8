#!/usr/bin/env bash
# 71-suite-badserver.sh - 9psuite against bin/9pbadserver in each of its
# modes (never answers, wrong tag, answers twice, closes mid-message,
# garbage, dies after 3 messages, stalls after a partial reply): the run
# must finish (a per-case timeout of 1 s), exit 1, and name the fault in the
# first failed case.  A target gone mid-run is reported once; a probe step
# that kills it is named.  The deviations judged precisely: Rerror for
# Rlerror (ERR5), an endless listing (at once, not by timeout), a bad
# Rversion (VER11-VER13); setup errors, cleanup failures and leftovers in
# the summary.  An unreachable target gives one stderr line and exit 2.
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
check_mode --close-mid-message 'target closed the connection during Twalk \(tag 2\): crashed\?'
check_mode --garbage 'Twalk: '
# the server exits: the case running fails with that cause, the target is
# redialed for a few seconds, then every case left is skipped, reported
# once (no cascade of 'connection refused')
check_mode --die-after 3 'target closed the connection during Twalk \(tag 2\): crashed\?'
grep -q "^# target unreachable since CLUNK1 \[9P2000.L\] (crashed?): unix:$P9TMP/b.sock: " "$P9TMP/b.tap"
grep -qE '^# 0 passed, 1 failed, [0-9]+ skipped \([0-9]+ of them: target unreachable since CLUNK1' "$P9TMP/b.tap"
! grep -q "cannot connect" "$P9TMP/b.tap"
[[ $(grep -c unreachable "$P9TMP/b.stderr") == 1 ]]
check_mode --stall-partial 'Twalk: no reply \(timeout\)'

start_bad() { # MODE...: a 9pbadserver on $P9TMP/b.sock
	"$P9BIN/9pbadserver" --listen "unix:$P9TMP/b.sock" "$@" >"$P9TMP/b.out" 2>"$P9TMP/b.err" &
	pid=$!
	for _ in $(seq 100); do grep -q listening "$P9TMP/b.out" && break; sleep 0.05; done
}
stop_bad() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=; }
msg_of() { # CODE: the message of its failure in b.tap
	sed -n "/^not ok [0-9]* - $1 /,/^  \.\.\./s/^  message: //p" "$P9TMP/b.tap" | head -1
}

# a probe step that kills the target is named, exit 2
start_bad --die-after 2
rc=0
"$s" --target "unix:$P9TMP/b.sock" --dialect L --timeout 1 clunk >"$P9TMP/b.tap" 2>"$P9TMP/b.stderr" || rc=$?
stop_bad
echo "probe killed: exit $rc: $(cat "$P9TMP/b.stderr")"
[[ $rc == 2 ]]
grep -qx '9psuite: probe (9P2000.L): walk to the scratch base: target closed the connection during Twalk (tag 4): crashed?' "$P9TMP/b.stderr"

# every 9P2000.L error sent as Rerror with Rlerror's body (nfs-ganesha):
# ERR5 fails on it, once, with the bytes; the other cases see the errno
start_bad --rerror-for-rlerror
rc=0
"$s" --target "unix:$P9TMP/b.sock" --timeout 1 --json "$P9TMP/b.json" error walk >"$P9TMP/b.tap" 2>&1 || rc=$?
echo "rerror-for-rlerror: ERR5: $(msg_of ERR5); $(grep '^# tolerated' "$P9TMP/b.tap")"
[[ $(msg_of ERR5) == *"msgtype is 107, expected = 7"* ]]
grep -q '(tolerated: type 107 (Rerror) with Rlerror.s body ecode\[4\] = 95: .*bytes 0b0000006b' "$P9TMP/b.tap"
grep -q '^# tolerated: [0-9]* replies in [0-9]* results: an Rerror (type 107) with Rlerror.s body in 9P2000.L (ERR5 reports it)' "$P9TMP/b.tap"
! grep -E "^  message: .*(malformed|ename)" "$P9TMP/b.tap"
[[ $(grep -c "ERR5" <(grep '^not ok' "$P9TMP/b.tap")) == 1 ]]
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["summary"]["tolerated"] > 0' "$P9TMP/b.json"
# --strict-decode: the old behaviour, every error is a malformed reply
rc=0
"$s" --target "unix:$P9TMP/b.sock" --timeout 1 --strict-decode ERR3 >"$P9TMP/b.tap" 2>&1 || rc=$?
grep -q "^  message: .*malformed" "$P9TMP/b.tap"
stop_bad

# a listing that never ends ('.' and '..' again at every offset) fails at
# once, naming the offset and the entry, not by the case timeout (30 s)
start_bad --readdir-loop
rc=0
"$s" --target "unix:$P9TMP/b.sock" --timeout 30 RDIR3 >"$P9TMP/b.tap" 2>&1 || rc=$?
stop_bad
echo "readdir-loop: exit $rc: $(msg_of RDIR3)"
[[ $rc == 1 ]]
[[ $(msg_of RDIR3) == *"readdir (count "*") at offset 2 returned ''.'' twice: the listing would not end"* ]]
! grep -q "timed out" "$P9TMP/b.tap"

# an Rversion that breaks version(5): the dialect is accepted (noted), the
# run goes on at the msize asked, and one named VER case fails on it
for f in msize-grow:VER12:'rversion_msize is 131072, expected <= 65536' \
	 tag:VER11:'rversion_tag is 7, expected = 65535' \
	 trailing:VER13:'rversion_error is "Rversion: field trailing: bytes after the last field at offset 21 (bytes 1800000065ffff'; do
	IFS=: read -r fault code want <<<"$f"
	start_bad --rversion "$fault"
	rc=0
	"$s" --target "unix:$P9TMP/b.sock" --timeout 1 VER11 VER12 VER13 >"$P9TMP/b.tap" 2>&1 || rc=$?
	echo "rversion $fault: exit $rc: $code: $(msg_of "$code")"
	[[ $rc == 1 ]]
	[[ $(grep -c '^not ok' "$P9TMP/b.tap") == 1 ]]
	[[ $(msg_of "$code") == *"$want"* ]]
	grep -q "^# probe (9P2000.L): version: the Rversion breaks version(5)" "$P9TMP/b.tap"
	# --strict-decode refuses it: no dialect accepted
	rc=0
	"$s" --target "unix:$P9TMP/b.sock" --timeout 1 --strict-decode VER11 >/dev/null 2>"$P9TMP/b.stderr" || rc=$?
	stop_bad
	[[ $rc == 2 ]] && grep -q "accepted none of the requested dialects" "$P9TMP/b.stderr"
done

# setup errors are not the case's failure; cleanup failures and what is
# left in the export are counted in the summary (JSON and JUnit too)
start_bad --stub-fs --mkdir-limit 1
rc=0
"$s" --target "unix:$P9TMP/b.sock" --timeout 1 --json "$P9TMP/b.json" --junit "$P9TMP/b.xml" \
	REMOVE1 >"$P9TMP/b.tap" 2>&1 || rc=$?
stop_bad
echo "setup error: exit $rc: $(tail -1 "$P9TMP/b.tap")"
[[ $rc == 1 ]]
grep -q '^not ok 1 - REMOVE1 .* # setup error$' "$P9TMP/b.tap"
[[ $(msg_of REMOVE1) == "'setup (scratch directory): Tmkdir: expected Rmkdir, got Rlerror tag 3 ecode EROFS'" ]]
grep -qE '^# 0 passed, 0 failed, 0 skipped, 0 xfail, 1 setup errors' "$P9TMP/b.tap"
grep -q '<error message="setup (scratch directory)' "$P9TMP/b.xml"
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["summary"]["error"] == 1 and j["cases"][0]["status"] == "error"' "$P9TMP/b.json"
start_bad --stub-fs
rc=0
"$s" --target "unix:$P9TMP/b.sock" --timeout 1 --json "$P9TMP/b.json" REMOVE1 REMOVE2 >"$P9TMP/b.tap" 2>&1 || rc=$?
stop_bad
echo "cleanup failures: exit $rc: $(tail -1 "$P9TMP/b.tap")"
grep -q "^# cleanup failed after REMOVE1: removing 9psuite-REMOVE1-[0-9]*-_L: Tunlinkat .*EPERM" "$P9TMP/b.tap"
grep -q "^# sweep: could not remove 3 directories of this run from the export: 9psuite-probe-" "$P9TMP/b.tap"
grep -qE '^# 0 passed, 2 failed, 0 skipped, 0 xfail, 2 cleanup failures, 3 directories left in the export' "$P9TMP/b.tap"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; assert s["cleanup_failed"] == 2 and s["left_behind"] == 3' "$P9TMP/b.json"

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
