#!/usr/bin/env bash
# 30-guest-diod.sh - the Linux guest mounts diod (exec:, so through
# 9pguest's relay, trans=tcp, 9P2000.L) exporting a temp dir and runs basic;
# the guest also writes a file the host then reads from the export.
# timeout: 300
set -euo pipefail
command -v qemu-system-x86_64 >/dev/null || { echo "no qemu-system-x86_64"; exit 77; }
command -v diod >/dev/null || { echo "no diod"; exit 77; }
. "$P9ROOT/tests/integration/lib/common.sh"
exp=$P9TMP/export
chmod a+x "$P9TMP"   # diod squashes the guest to nobody
mkdir -m 777 "$exp"
cat >"$P9TMP/hostcheck.sh" <<'EOS'
echo "written by the guest" >/mnt/from-guest && ok write-marker || fail write-marker "cannot write"
EOS
guest_run guest --target "exec:diod -f -n -S -c /dev/null -r 0 -w 0 -e $exp" \
	--aname "$exp" --workload basic --script "$P9TMP/hostcheck.sh" --timeout 240
out=$GUEST_OUT
grep -q '^ok   mount: .*trans=tcp' "$out"
grep -q '^# relay: 1 connection' "$out"
grep -q '^ok   basic/hardlink-same' "$out"
grep -q '^# PASS: ' "$out"
[[ $(cat "$exp/from-guest") == "written by the guest" ]]
[[ $(ls "$exp") == from-guest ]]   # basic cleaned up after itself
