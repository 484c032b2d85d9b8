#!/usr/bin/env bash
# 30-guest-virtio.sh - the Linux guest mounts QEMU's own 9p export
# (qemu:scratch: the contract tree in a private tmpfs) with trans=virtio and
# runs basic, readdir and bigfile (16 MiB) in one boot; every step must pass.
# timeout: 400
set -euo pipefail
command -v qemu-system-x86_64 >/dev/null || { echo "no qemu-system-x86_64"; exit 77; }
out=$P9TMP/out
rc=0
"$P9BIN/9pguest" --target qemu:scratch --workload basic,readdir,bigfile --env P9G_BIGFILE_MB=16 \
	--timeout 360 --console "$P9TMP/console" >"$out" 2>&1 || rc=$?
cat "$out"
[[ $rc == 0 ]] || { echo "9pguest exited $rc"; tail -30 "$P9TMP/console"; exit 1; }
grep -q '^ok   mount: .*trans=virtio' "$out"
grep -q '^ok   readdir/d10000-msize-4096-missing' "$out"
grep -q '^ok   bigfile/read-md5' "$out"
grep -q '^# PASS: ' "$out"
! grep -q '^FAIL' "$out"
