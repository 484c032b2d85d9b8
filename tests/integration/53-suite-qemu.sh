#!/usr/bin/env bash
# 53-suite-qemu.sh - 9psuite against QEMU's virtio-9p server through the
# qemu:scratch target (targets/qemu.target, 9P2000.L, one QEMU per case) with
# targets/qemu.expect: the run completes with no unexpected failure and
# leaves no QEMU or temporary file behind.
# timeout: 200
set -euo pipefail
command -v qemu-system-x86_64 >/dev/null || { echo "skip: qemu-system-x86_64 not installed"; exit 77; }
export TMPDIR=$P9TMP/tmp
mkdir -p "$TMPDIR"
rc=0
"$P9BIN/9psuite" --target qemu --json "$P9TMP/qemu.json" >"$P9TMP/qemu.tap" || rc=$?
grep -v '^ok' "$P9TMP/qemu.tap" | grep -v 'TODO known deviation' || true
[[ $rc == 0 ]] || { echo "9psuite --target qemu: exit $rc"; exit 1; }
grep -q '^# [0-9]* passed, 0 failed' "$P9TMP/qemu.tap"
python3 - "$P9TMP/qemu.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
s = j["summary"]
assert s["fail"] == 0 and s["pass"] >= 100, s
print("qemu:", s)
PY
left=$(ls -A "$TMPDIR")
[[ -z $left ]] || { echo "left behind in TMPDIR: $left"; exit 1; }
