#!/usr/bin/env bash
# 52-suite-bugs.sh - proof that the gate catches bugs: for every switch of
# `synthfs --list-bugs`, the cases named for it in the table below must fail
# (or, for should-level cases, warn) against `synthfs --bug NAME`; the clean
# server passes every case (51-suite-synthfs.sh).  A switch missing from the
# table runs the whole catalogue and must make at least one case fail.  docs/cases.md shows the
# same table.  The switches in bare[] run on `synthfs --bare`: no contract tree on
# the target, so the catching cases prove the tree built over 9P works.
# timeout: 420
set -euo pipefail
. "$P9ROOT/tests/integration/lib/common.sh"
s=$P9BIN/9psuite
sfs=$P9BIN/synthfs

# bug switch -> cases that must catch it (all must fail or warn)
declare -A catch=(
	[readdir-partial-entry]="RDIR5"
	[readdir-ignore-offset]="RDIR8 RDIR17"
	[readdir-lose-boundary]="RDIR5"
	[flush-rerror]="FLUSH1"
	[flush-late-reply]="FLUSH1"
	[walk-later-error]="WALK4"
	[walk-partial-fid]="WALK6"
	[msize-not-enforced]="READ4"
	[qid-path-collision]="QID1 MDEV2"
	[qid-version-static]="QID3"
	[clunk-leak]="CLUNK1"
	[wrong-errno]="WALK5"
	[fsync-eio]="FSYNC2"
	[flush-unknown-error]="FLUSH3"
	[stat-zero-length]="STAT13"
	[walk-17]="WALK7"
	[qid-collide]="QID1"
	[readdir-shift]="RDIR18"
	[append-ignored]="DATA6"
	[holes-nonzero]="DATA4 DATA5"
	[version-msize-grow]="VER12"
	[version-tag]="VER11"
)
# switches shown on `synthfs --bare` (an empty export, as any server's):
# the cases that catch them run on the fixture tree 9psuite builds over 9P
declare -A bare=(
	[walk-17]=1 [qid-collide]=1 [readdir-shift]=1 [append-ignored]=1
	[holes-nonzero]=1 [version-msize-grow]=1 [version-tag]=1
)

status_of() { # json code -> "status status ..." over dialects
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1]));
print(" ".join(c["status"] for c in j["cases"] if c["code"]==sys.argv[2]))' "$1" "$2"
}

bugs=$("$sfs" --list-bugs | awk '{print $1}')
[[ -n $bugs ]] || { echo "synthfs --list-bugs printed nothing"; exit 1; }
fails=0
for bug in $bugs; do
	cases=${catch[$bug]:-}
	json=$P9TMP/$bug.json
	rc=0
	if [[ -z $cases ]]; then
		"$s" --target "exec:$sfs --stdio --multidevs remap --bug $bug" --dialect all \
			--json "$json" >/dev/null || rc=$?
		if [[ $rc == 1 ]]; then
			echo "bug $bug: not in the table, but the full run fails (ok)"
		else
			echo "bug $bug: NOT CAUGHT by the full catalogue (exit $rc)"
			fails=$((fails + 1))
		fi
		continue
	fi
	# one synthfs with the bug, listening on a private unix socket
	synthfs_start "$bug" --multidevs remap --bug "$bug" ${bare[$bug]:+--bare}
	"$s" --target "$SYNTHFS_ADDR" --dialect all --json "$json" $cases >/dev/null || rc=$?
	synthfs_stop "$SYNTHFS_PID"
	[[ $rc == 2 ]] && { echo "bug $bug: 9psuite could not run (exit 2)"; fails=$((fails + 1)); continue; }
	for c in $cases; do
		st=$(status_of "$json" "$c")
		if [[ " $st " == *" fail "* || " $st " == *" warn "* ]]; then
			echo "bug $bug: caught by $c ($st)"
		else
			echo "bug $bug: NOT caught by $c ($st)"
			fails=$((fails + 1))
		fi
	done
done
# One deviation, one failing case: on the bare server (an export like any
# other server's), the whole catalogue fails exactly the cases that catch the
# switch, and nothing else cascades from it (9P2000.L, the switches that
# once cascaded: a Rversion tag, a grown msize, a qid collision, a hole).
failing_codes() { # json -> sorted unique codes that failed
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1]));
print(" ".join(sorted({c["code"] for c in j["cases"] if c["status"] in ("fail","warn")})))' "$1"
}
for bug in version-tag version-msize-grow qid-collide holes-nonzero; do
	json=$P9TMP/iso-$bug.json
	synthfs_start "iso-$bug" --bare --bug "$bug"
	rc=0
	"$s" --target "$SYNTHFS_ADDR" --dialect L --json "$json" >/dev/null 2>&1 || rc=$?
	synthfs_stop "$SYNTHFS_PID"
	want=$(tr ' ' '\n' <<<"${catch[$bug]}" | sort | tr '\n' ' ' | sed 's/ $//')
	got=$(failing_codes "$json")
	if [[ $rc == 1 && $got == "$want" ]]; then
		echo "bug $bug: the whole catalogue fails only $got"
	else
		echo "bug $bug: the whole catalogue fails '$got' (exit $rc), expected only '$want'"
		fails=$((fails + 1))
	fi
done
# The deviation tolerated by default is never silent: the other stat cases
# pass, and JUnit and JSON both count the replies tolerated.
synthfs_start tolerated --bug stat-zero-length
rc=0
"$s" --target "$SYNTHFS_ADDR" --dialect u --junit "$P9TMP/tol.xml" --json "$P9TMP/tol.json" \
	stat >"$P9TMP/tol.tap" || rc=$?
synthfs_stop "$SYNTHFS_PID"
tol_json=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["tolerated"])' "$P9TMP/tol.json")
tol_xml=$(sed -n 's/.*<property name="tolerated" value="\([0-9]*\)".*/\1/p' "$P9TMP/tol.xml")
cases_xml=$(grep -c '<system-out>tolerated: [0-9]* repl' "$P9TMP/tol.xml" || true)
if [[ $rc == 1 && $tol_json -gt 0 && $tol_xml == "$tol_json" && $cases_xml -gt 0 ]] &&
	grep -q '^# tolerated: ' "$P9TMP/tol.tap"; then
	echo "stat-zero-length: $tol_json replies tolerated, counted in TAP, JSON and JUnit ($cases_xml cases)"
else
	echo "stat-zero-length: tolerated replies not reported (exit $rc, json $tol_json, junit '$tol_xml', $cases_xml cases)"
	fails=$((fails + 1))
fi
(( fails == 0 ))
