#!/usr/bin/env bash
# 30-guest-virtio.sh - the Linux guest mounts QEMU's own 9p export
# (qemu:scratch: the contract tree in a private tmpfs) with trans=virtio and
# runs basic, readdir and bigfile (16 MiB) in one boot; every step must pass.
# timeout: 400
set -euo pipefail
command -v qemu-system-x86_64 >/dev/null || { echo "no qemu-system-x86_64"; exit 77; }
. "$P9ROOT/tests/integration/lib/common.sh"
guest_run guest --target qemu:scratch --workload basic,readdir,bigfile --env P9G_BIGFILE_MB=16 \
	--timeout 360
out=$GUEST_OUT
grep -q '^ok   mount: .*trans=virtio' "$out"
grep -q '^ok   readdir/d10000-msize-4096-missing' "$out"
grep -q '^ok   bigfile/read-md5' "$out"
grep -q '^# PASS: ' "$out"
! grep -q '^FAIL' "$out"
