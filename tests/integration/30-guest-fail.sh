#!/usr/bin/env bash
# 30-guest-fail.sh - 9pguest reports failures instead of passing or hanging:
# a failing step (exit 1, FAIL line), a target nobody serves (mount failure
# with the console tail, exit 1), usage errors (exit 2, no boot).
# timeout: 200
set -euo pipefail
command -v qemu-system-x86_64 >/dev/null || { echo "no qemu-system-x86_64"; exit 77; }
g=$P9BIN/9pguest
"$g" --help | grep -q -- '--target'
rc=0; "$g" --target qemu:/nonexistent 2>"$P9TMP/err" || rc=$?
[[ $rc == 2 ]] && grep -q 'not a directory' "$P9TMP/err"
rc=0; "$g" --target qemu:"$P9TMP" --workload nosuch 2>"$P9TMP/err" || rc=$?
[[ $rc == 2 ]] && grep -q "no workload 'nosuch'" "$P9TMP/err"
rc=0; "$g" --target tcp:127.0.0.1:1 --version 9p2001 2>/dev/null || rc=$?
[[ $rc == 2 ]]

mkdir "$P9TMP/exp"
cat >"$P9TMP/wrong.sh" <<'EOS'
expect arithmetic 5 "$((2 + 2))"
ok fine
EOS
rc=0
"$g" --target qemu:"$P9TMP/exp" --script "$P9TMP/wrong.sh" --timeout 120 >"$P9TMP/out" 2>&1 || rc=$?
cat "$P9TMP/out"
[[ $rc == 1 ]]
grep -q "^FAIL wrong/arithmetic: want '5' got '4'" "$P9TMP/out"
grep -q '^ok   wrong/fine' "$P9TMP/out"
grep -q '^# FAIL: 2 steps, 1 failed' "$P9TMP/out"

rc=0
"$g" --target tcp:127.0.0.1:1 --timeout 120 >"$P9TMP/out" 2>&1 || rc=$?
cat "$P9TMP/out"
[[ $rc == 1 ]]
grep -q '^FAIL mount: .*refused' "$P9TMP/out"
grep -q '^console: ' "$P9TMP/out"
