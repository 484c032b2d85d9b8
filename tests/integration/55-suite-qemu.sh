#!/usr/bin/env bash
# 55-suite-qemu.sh - 9psuite against QEMU's real virtio-9p-pci server over
# the qemu: transport, with the expectations of targets/qemu-*.expect:
#   qemu-local   the whole catalogue (9P2000.L), -fsdev local on a temp dir
#   qemu-local-u the catalogue in 9P2000.u (but the malformed cases that
#                break the device): QEMU's Rstat n[2] = 0 is tolerated
#                (counted) and STAT13 reports it; --strict-decode refuses it
#   qemu-mapped  the families security_model=mapped-xattr changes
#   qemu-remap/forbid/warn   the multidevs family on three real tmpfs devices
#   qemu-synth   flush, walk and the quick readdir cases on synthfs --fuse
# The last two need root (and /dev/fuse); they are skipped with a note
# otherwise.  Every run must end with 0 failed.
# timeout: 900
set -euo pipefail
command -v qemu-system-x86_64 >/dev/null || { echo "skip: qemu-system-x86_64 not installed"; exit 77; }
s=$P9BIN/9psuite
cd "$P9ROOT"

run() { # NAME ARGS...: run 9psuite, show non-ok lines, require 0 failed
	local name=$1 out=$P9TMP/$1.tap rc=0
	shift
	"$s" --target "$name" --timeout 3 "$@" >"$out" 2>"$P9TMP/$name.err" || rc=$?
	grep -E '^not ok' "$out" | grep -v -e '# TODO' || true
	echo "$name: $(tail -1 "$out")"
	[[ $rc == 0 ]] || { echo "$name: exit $rc"; cat "$P9TMP/$name.err"; exit 1; }
	grep -q '^# [0-9]* passed, 0 failed' "$out" || { echo "$name: failures"; exit 1; }
}

run qemu-local --json "$P9TMP/local.json"
python3 - "$P9TMP/local.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
s = j["summary"]
assert s["fail"] == 0 and s["pass"] >= 130, s
xf = sorted(c["code"] for c in j["cases"] if c["status"] == "xfail")
assert "MAL1" in xf and "ATT3" in xf, xf
PY
run qemu-mapped setattr symlink mknod getattr create xattr

# 9P2000.u: every case but the six malformed ones that break QEMU's virtio
# device (MAL1 3 4 7 9 14: 16 s of timeouts, the same transport behaviour
# as in the .L run above; a manual full run checks their entries too)
run qemu-local-u --json "$P9TMP/local-u.json" '[!M]*' 'M[!A]*' \
	MAL2 MAL5 MAL6 MAL8 MAL10 MAL11 MAL12 MAL13
python3 - "$P9TMP/local-u.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
s = j["summary"]
assert s["fail"] == 0 and s["pass"] >= 90 and s["tolerated"] >= 10, s
st = {c["code"]: c["status"] for c in j["cases"]}
# the deviation is named by its case; every other stat case ran on the decoded Rstat
assert st["STAT13"] == "xfail", st["STAT13"]
for code in ("STAT1", "STAT2", "STAT4", "STAT6", "STAT8", "STAT10", "STAT12"):
    assert st[code] == "pass", (code, st[code])
msg = [c["message"] for c in j["cases"] if c["code"] == "STAT13"][0]
assert "nstat is 0, expected = 79" in msg, msg
PY
grep -q '^# tolerated: [0-9]* replies' "$P9TMP/qemu-local-u.tap"
# --strict-decode: the same Rstat is a malformed reply
rc=0
"$s" --target qemu-local-u --strict-decode STAT1 >"$P9TMP/strict.tap" 2>&1 || rc=$?
[[ $rc == 1 ]] && grep -q 'malformed reply: Rstat: field stat: stat length disagrees with stat size' "$P9TMP/strict.tap" || {
	echo "--strict-decode did not refuse QEMU's Rstat (exit $rc)"; cat "$P9TMP/strict.tap"; exit 1; }

if [[ $(id -u) != 0 ]]; then
	echo "skip: multidevs and qemu-synth need root (tmpfs mounts, FUSE in a private namespace)"
	exit 0
fi
run qemu-remap multidevs
grep -q '^# 4 passed, 0 failed' "$P9TMP/qemu-remap.tap"
run qemu-forbid multidevs
grep -q '4 xfail' "$P9TMP/qemu-forbid.tap"
run qemu-warn multidevs
grep -q '3 xfail' "$P9TMP/qemu-warn.tap"
if [[ ! -w /dev/fuse ]]; then
	echo "skip: qemu-synth needs /dev/fuse"
	exit 0
fi
run qemu-synth 'FLUSH*' 'WALK*' 'RDIR1*' RDIR2 RDIR3 RDIR4 RDIR7 RDIR8 RDIR9
grep -q 'FLUSH1' "$P9TMP/qemu-synth.tap"
# FLUSH14/15 block on a FIFO or a Tlock, which synthfs under QEMU does not offer
! grep '^ok.*FLUSH.*# SKIP' "$P9TMP/qemu-synth.tap" | grep -qv ' FLUSH1[45] ' ||
	{ echo "flush cases skipped on qemu-synth"; exit 1; }
