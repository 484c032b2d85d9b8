#!/usr/bin/env bash
# 43-trace-qemulog.sh - 9ptrace --qemu-log: QEMU's v9fs_* trace events as
# the timeline.  A hand-written log with "-msg timestamp=on" prefixes checks
# latencies, wnames, errors and unlogged replies; then, when QEMU is
# installed, a real log from trace-drive over the qemu: target.
# timeout: 90
# quick
set -euo pipefail
# --proxy needs a byte stream: a qemu: target is refused at once, exit 2
rc=0
"$P9BIN/9ptrace" --proxy "unix:$P9TMP/p.sock=qemu:$P9TMP" 2>"$P9TMP/px.err" || rc=$?
[[ $rc == 2 ]] && grep -q 'relays a byte stream' "$P9TMP/px.err" || {
	echo "9ptrace --proxy to qemu: exit $rc"; cat "$P9TMP/px.err"; exit 1; }
log=$P9TMP/ts.log
cat >"$log" <<'LOG'
100@1700000000.000000:v9fs_version tag 65535 id 100 msize 131072 version 9P2000.L
100@1700000000.000050:v9fs_version_return tag 65535 id 100 msize 131072 version 9P2000.L
100@1700000000.000100:v9fs_attach tag 0 id 104 fid 0 afid -1 uname root aname /x
100@1700000000.000180:v9fs_attach_return tag 0 id 104 type 128 version 0 path 2
100@1700000000.000200:v9fs_walk tag=1 id=110 fid=0 newfid=1 nwnames=2 wnames={dir, file}
100@1700000000.000230:v9fs_walk_return tag 1 id 110 nwnames 2 qids 0x1
100@1700000000.000300:v9fs_read tag 1 id 116 fid 1 off 0 max_count 4096
100@1700000000.000342:v9fs_read_return tag 1 id 116 count 13 err 24
100@1700000000.000400:v9fs_clunk tag 1 id 120 fid 1
100@1700000000.000500:v9fs_walk tag=1 id=110 fid=0 newfid=2 nwnames=1 wnames={nope}
100@1700000000.000510:v9fs_rerror tag 1 id 110 err 2
100@1700000000.000600:v9fs_getattr tag 1 id 24 fid 1 request_mask 2047
LOG
"$P9BIN/9ptrace" --qemu-log "$log" --check >"$P9TMP/ts.out" || true
cat "$P9TMP/ts.out"
o=$P9TMP/ts.out
grep -qF "0.000050 c1 <- Rversion tag 65535 msize 131072 version 9P2000.L (50us)" "$o"
grep -qF "0.000200 c1 -> Twalk tag 1 fid 0 (/) newfid 1 nwname 2 0:dir 1:file" "$o"
grep -qF "0.000300 c1 -> Tread tag 1 fid 1 (/dir/file) offset 0 count 4096" "$o"
grep -qF "0.000342 c1 <- Rread tag 1 count 13 (42us)" "$o"
grep -qF "c1 <- Rlerror tag 1 ecode ENOENT (Twalk, 10us)" "$o"
# the clunk had no logged reply: tag 1 was free again, and fid 1 is gone
! grep -q "tag reused" "$o"
grep -qF "c1 !! Tgetattr tag 1: fid 1 used after clunk" "$o"

command -v qemu-system-x86_64 >/dev/null || { echo "no QEMU: real log part skipped"; exit 0; }
mkdir -p "$P9TMP/exp/sub"
echo "file content" >"$P9TMP/exp/sub/file"
if ! "$P9BIN/trace-drive" "qemu:$P9TMP/exp,trace=$P9TMP/q.log" x 1 >"$P9TMP/drive.out" 2>&1; then
	cat "$P9TMP/drive.out"
	grep -q "qemu" "$P9TMP/drive.out" && { echo "qemu: target unavailable"; exit 0; }
	exit 1
fi
"$P9BIN/9ptrace" --qemu-log "$P9TMP/q.log" --check >"$P9TMP/q.out"
cat "$P9TMP/q.out"
o=$P9TMP/q.out
grep -qF -- "-> Tversion tag 65535 msize 65536 version 9P2000.L" "$o"
grep -qF -- "<- Rread tag 4 count 13 (" "$o"
grep -qF -- "<- Rlerror tag 10 ecode ENOENT (Twalk, " "$o"
grep -qF -- "<- Rwalk tag 11 nwqid 1 " "$o"
[[ $(grep -c ' c1 -> T' "$o") == 22 ]]
echo ok
