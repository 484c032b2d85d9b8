#!/usr/bin/env bash
# 30-guest-synthfs.sh - the Linux guest against synthfs over tcp.
# Boot 1, 9P2000.L straight to synthfs's tcp port: flush, basic, readdir,
# bigfile, tree; every step must pass.  Boot 2, 9P2000.u through 9pguest's
# relay to `synthfs --stdio` (exec:): basic.  To fit make check's budget on
# a loaded 2-core machine, bigfile writes 16 MiB and tree 500 files unless
# P9GUEST_FULL=1 (then 64 MiB and 2000 files, as 9pguest's defaults).
# timeout: 600
set -euo pipefail
command -v qemu-system-x86_64 >/dev/null || { echo "no qemu-system-x86_64"; exit 77; }
sizes=(--env P9G_BIGFILE_MB=16 --env P9G_TREE_DIRS=5)
[[ ${P9GUEST_FULL:-0} == 1 ]] && sizes=()
. "$P9ROOT/tests/integration/lib/common.sh"
synthfs_start synthfs --listen tcp:127.0.0.1:0
addr=$SYNTHFS_ADDR
[[ $addr == tcp:127.0.0.1:* ]] || { echo "synthfs did not start"; cat "$P9TMP/synthfs.err"; exit 1; }

guest_run 9P2000.L --target "$addr" --workload flush,basic,readdir,bigfile,tree "${sizes[@]}" \
	--timeout 500
out=$GUEST_OUT
for step in flush/sigterm-ends-read flush/tags-in-flight basic/hardlink-same \
	readdir/d10000-msize-4096-missing readdir/d10000-msize-131072-repeated \
	bigfile/read-md5 tree/count-files tree/gone; do
	grep -q "^ok   $step" "$out" || { echo "missing: ok $step"; exit 1; }
done
grep -q '^# PASS: ' "$out"

guest_run 9P2000.u --target "exec:$P9BIN/synthfs --stdio" --version 9p2000.u --workload basic \
	--timeout 200
out=$GUEST_OUT
grep -q '^ok   mount: .*version=9p2000.u' "$out"
grep -q '^ok   basic/cat-readme' "$out"
grep -q '^# relay: 1 connection' "$out"
grep -q '^# PASS: ' "$out"
