#!/usr/bin/env bash
# 50-virtio-lifetime.sh - the qemu: transport leaves nothing behind: after a
# normal close, after its client is killed with SIGKILL, and when QEMU fails
# to start (with QEMU's own words in the error); a killed process's leftover
# directory is swept by the next start.
# timeout: 60
# quick
set -euo pipefail
command -v qemu-system-x86_64 >/dev/null || { echo "skip: qemu-system-x86_64 not installed"; exit 77; }
export TMPDIR=$P9TMP/tmp
mkdir -p "$TMPDIR" "$P9TMP/export"
echo hi >"$P9TMP/export/file"
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

leftovers() { ls -A "$TMPDIR"; }

# 1. normal use and close
out=$("$P9BIN/9pvirtio" info "qemu:$P9TMP/export")
grep -qx 'mount_tag 9pkit' <<<"$out" || { echo "no mount tag in: $out"; exit 1; }
qpid=$(sed -n 's/^qemu_pid //p' <<<"$out")
[[ -z $(leftovers) ]] || { echo "left behind after close: $(leftovers)"; exit 1; }
! kill -0 "$qpid" 2>/dev/null || { echo "QEMU $qpid still running after close"; exit 1; }

# 2. the client dies with SIGKILL in the middle of a run
"$P9BIN/9pvirtio" ping -n 1000000 "qemu:$P9TMP/export" >/dev/null &
client=$!
pids+=("$client")
for _ in $(seq 100); do
	qpid=$(pgrep -P "$client" || true)
	[[ -n $qpid ]] && break
	sleep 0.05
done
[[ -n $qpid ]] || { echo "QEMU never started"; exit 1; }
pids+=("$qpid")
sleep 0.3
kill -9 "$client"
wait "$client" 2>/dev/null || true
for _ in $(seq 100); do kill -0 "$qpid" 2>/dev/null || break; sleep 0.05; done
! kill -0 "$qpid" 2>/dev/null || { echo "QEMU $qpid survived its client"; exit 1; }
[[ -z $(leftovers) ]] || { echo "left behind after SIGKILL: $(leftovers)"; exit 1; }

# 3. QEMU refuses to start: a clear one-line error, exit 2, nothing left
set +e
err=$("$P9BIN/9pvirtio" info "qemu:$P9TMP/export/file" 2>&1); rc=$?
set -e
[[ $rc == 2 && $err == *"not a directory"* ]] || { echo "rc=$rc: $err"; exit 1; }
cat >"$P9TMP/fakeqemu" <<'EOS'
#!/bin/sh
echo "qemu-system-x86_64: -fsdev local: simulated start-up failure" >&2
exit 1
EOS
chmod +x "$P9TMP/fakeqemu"
set +e
err=$(P9_QEMU=$P9TMP/fakeqemu "$P9BIN/9pvirtio" info "qemu:$P9TMP/export" 2>&1); rc=$?
set -e
echo "$err"
[[ $rc == 2 && $err == *"QEMU exited during start-up"*"simulated start-up failure"* ]] || { echo "rc=$rc"; exit 1; }
[[ -z $(leftovers) ]] || { echo "left behind after failed start: $(leftovers)"; exit 1; }
# 4. what a killed process left (an empty export mount point) is swept by
# the next start; a live process's directory is not touched
true & dead=$!
wait "$dead"
mkdir -p "$TMPDIR/9pkit-qemu.$dead.AAAAAA/export" "$TMPDIR/9pkit-qemu.$$.BBBBBB"
"$P9BIN/9pvirtio" info "qemu:$P9TMP/export" >/dev/null
[[ ! -e $TMPDIR/9pkit-qemu.$dead.AAAAAA ]] || { echo "stale directory not swept"; exit 1; }
[[ -d $TMPDIR/9pkit-qemu.$$.BBBBBB ]] || { echo "a live process's directory was removed"; exit 1; }
rmdir "$TMPDIR/9pkit-qemu.$$.BBBBBB"
echo "ok: no QEMU, socket, temp dir or guest RAM file left in any case"
