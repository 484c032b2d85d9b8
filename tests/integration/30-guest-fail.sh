#!/usr/bin/env bash
# 30-guest-fail.sh - 9pguest reports failures instead of passing or hanging:
# real server bugs seen through the Linux client (synthfs --bug
# readdir-lose-boundary: names missing from a listing; --bug flush-rerror:
# tags left in flight after Tflush) and a failing script step, in one boot
# (exit 1, FAIL lines); a target nobody serves (mount failure with the
# console tail, exit 1); usage errors (exit 2, no boot).
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

pid=
cleanup() { [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; true; }
trap cleanup EXIT
"$P9BIN/synthfs" --listen tcp:127.0.0.1:0 --bug readdir-lose-boundary --bug flush-rerror \
	>"$P9TMP/synthfs.out" 2>"$P9TMP/synthfs.err" &
pid=$!
for _ in $(seq 100); do
	grep -q 'listening on' "$P9TMP/synthfs.out" && break
	sleep 0.1
done
addr=$(sed -n 's/^synthfs: listening on //p' "$P9TMP/synthfs.out")
[[ $addr == tcp:127.0.0.1:* ]] || { echo "synthfs did not start"; cat "$P9TMP/synthfs.err"; exit 1; }
cat >"$P9TMP/wrong.sh" <<'EOS'
expect arithmetic 5 "$((2 + 2))"
ok fine
EOS
rc=0
"$g" --target "$addr" --workload readdir,flush --script "$P9TMP/wrong.sh" \
	--env P9G_READDIR_MSIZES=8192 --timeout 200 >"$P9TMP/out" 2>&1 || rc=$?
cat "$P9TMP/out"
[[ $rc == 1 ]]
grep -q "^FAIL wrong/arithmetic: want '5' got '4'" "$P9TMP/out"
grep -q '^ok   wrong/fine' "$P9TMP/out"
grep -q "^FAIL readdir/d10000-msize-8192-missing: want '0' got '[1-9]" "$P9TMP/out"
grep -q '^ok   readdir/d100-missing' "$P9TMP/out"
grep -q "^FAIL flush/tags-in-flight: want '1' got '[2-9]" "$P9TMP/out"
grep -q '^ok   flush/read-now' "$P9TMP/out"
grep -q '^# FAIL: .* steps, [1-9][0-9]* failed' "$P9TMP/out"

# a server that answers Tversion and refuses every Tattach: the guest boots,
# its mount fails (exit 1, the mount error and the console tail)
kill "$pid"; wait "$pid" 2>/dev/null || true
"$P9BIN/9pbadserver" --listen "unix:$P9TMP/refuse.sock" --refuse-attach \
	>"$P9TMP/bad.out" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q listening "$P9TMP/bad.out" && break; sleep 0.05; done
rc=0
"$g" --target "unix:$P9TMP/refuse.sock" --timeout 120 >"$P9TMP/out" 2>&1 || rc=$?
cat "$P9TMP/out"
[[ $rc == 1 ]]
grep -q '^FAIL mount: .*Permission denied' "$P9TMP/out"
grep -q '^console: ' "$P9TMP/out"

# a target nobody serves: refused before any guest boots (exit 2, one line)
rc=0
"$g" --target tcp:127.0.0.1:1 --timeout 120 >"$P9TMP/out" 2>"$P9TMP/err" || rc=$?
[[ $rc == 2 && $(wc -l <"$P9TMP/err") == 1 ]]
grep -q '^9pguest: cannot reach target tcp:127.0.0.1:1: ' "$P9TMP/err"
if grep -q '^# 9pguest' "$P9TMP/out"; then echo "a guest was booted"; exit 1; fi
