#!/usr/bin/env bash
# 50-suite-diod.sh - 9psuite against Debian's diod (9P2000.L), over tcp and
# through exec: (targets/diod.target), with targets/diod.expect: the run must
# complete with no unexpected failure, and the JUnit and JSON files must
# parse and agree with the TAP summary.  (Not --strict: QID7's deviation
# depends on the host file system handing a freed inode number out again.)
# timeout: 600
set -euo pipefail
command -v diod >/dev/null 2>&1 || { echo "diod is not installed"; exit 77; }
pid=
cleanup() { [[ -n $pid ]] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT

exp=$P9TMP/export
chmod 0755 "$P9TMP"
mkdir -p "$exp"
chmod 0777 "$exp"

# diod over tcp on a free port of 127.0.0.1
for try in 1 2 3 4 5 6 7 8; do
	port=$((20000 + RANDOM % 30000))
	diod -f -n -S -l 127.0.0.1:$port -e "$exp" -L "$P9TMP/diod.log" &
	pid=$!
	for i in $(seq 50); do
		if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then break; fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && break
	pid=
done
[[ -n $pid ]] || { echo "could not start diod"; exit 1; }

rc=0
"$P9BIN/9psuite" --target tcp:127.0.0.1:$port --aname "$exp" \
	--expect "$P9ROOT/targets/diod.expect" \
	--junit "$P9TMP/tcp.xml" --json "$P9TMP/tcp.json" >"$P9TMP/tcp.tap" || rc=$?
cat "$P9TMP/tcp.tap" | grep -v '^ok' || true
tail -1 "$P9TMP/tcp.tap"
[[ $rc == 0 ]] || { echo "9psuite against diod over tcp: exit $rc"; exit 1; }
grep -q '^# [0-9]* passed, 0 failed' "$P9TMP/tcp.tap"
# at least 60 cases really ran and passed against diod
passed=$(sed -n 's/^# \([0-9]*\) passed.*/\1/p' "$P9TMP/tcp.tap")
(( passed >= 60 )) || { echo "only $passed cases passed"; exit 1; }
python3 - "$P9TMP/tcp.xml" "$P9TMP/tcp.json" "$passed" <<'PY'
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suite = root.find("testsuite")
assert suite is not None and int(suite.get("failures")) == 0, "junit failures"
j = json.load(open(sys.argv[2]))
assert j["summary"]["pass"] == int(sys.argv[3]), j["summary"]
assert j["summary"]["fail"] == 0
xf = [c for c in j["cases"] if c["status"] == "xfail"]
assert xf and all(c.get("exchange") for c in xf), "xfail without exchange"
print("junit and json ok:", j["summary"])
PY
# the fixture tree was built over 9P in the plain export and its cases ran:
# only /ctl and DMAPPEND/DMEXCL cases still need synthfs, and nothing of the
# tree is left
grep -q '^# fixtures: built at /9psuite-fixtures-[0-9]* for this run, removed$' "$P9TMP/tcp.tap" ||
	{ echo "no fixture tree line"; exit 1; }
for code in RDIR1 RDIR4 RDIR6 WALK3 WALK15 QID1 READ5 SYMLINK2; do
	grep -Eq "^(ok|not ok) [0-9]+ - $code .*" "$P9TMP/tcp.tap" &&
	! grep -Eq "^ok [0-9]+ - $code .*# SKIP" "$P9TMP/tcp.tap" ||
		{ echo "$code did not run on the fixture tree"; exit 1; }
done
nsyn=$(grep -c 'SKIP needs the synthfs tree' "$P9TMP/tcp.tap" || true)
(( nsyn <= 8 )) || { echo "$nsyn cases still skip for the synthfs tree"; exit 1; }
left=$(ls -A "$exp")
[[ -z $left ]] || { echo "left behind in the export after the tcp run: $left"; exit 1; }

# the server survived every case: one more walk works
"$P9BIN/9psuite" --target tcp:127.0.0.1:$port --aname "$exp" WALK1 >/dev/null

# diod through exec: via targets/diod.target (which names diod.expect)
rc=0
"$P9BIN/9psuite" --target diod --strict >"$P9TMP/exec.tap" || rc=$?
tail -1 "$P9TMP/exec.tap"
[[ $rc == 0 ]] || { grep -v '^ok' "$P9TMP/exec.tap"; echo "9psuite --target diod: exit $rc"; exit 1; }
grep -q '^# [0-9]* passed, 0 failed' "$P9TMP/exec.tap"

# nothing of the scratch directories is left behind
left=$(ls -A "$exp")
[[ -z $left ]] || { echo "left behind in the export: $left"; exit 1; }
echo "diod: tcp and exec runs complete"
