#!/usr/bin/env bash
# 45-trace-guest.sh - tracing a Linux guest mount end to end: 9pguest boots
# a guest (QEMU, TCG) that mounts synthfs over tcp (10.0.2.2 -> the host's
# 127.0.0.1) and runs its basic workload, while 9ptrace captures lo: the
# kernel's session decodes completely, fids carry paths, no warning.
# serial
# timeout: 180
set -euo pipefail
[[ -x $P9BIN/synthfs && -x $P9BIN/9pguest ]] || { echo "no synthfs or 9pguest"; exit 77; }
. "$P9ROOT/tests/integration/lib/common.sh"

synthfs_start sfs --listen tcp:127.0.0.1:0
addr=$SYNTHFS_ADDR
capture_start t "tcp port ${addr##*:}" --check
rc=0
"$P9BIN/9pguest" --target "$addr" --workload basic >"$P9TMP/guest.out" 2>&1 || rc=$?
tail -3 "$P9TMP/guest.out"
(( rc != 2 )) || { echo "guest infrastructure unavailable"; exit 77; }
(( rc == 0 )) || { cat "$P9TMP/guest.out"; exit 1; }
trc=0
capture_stop || trc=$?
cat "$P9TMP/t.err"
o=$P9TMP/t.out
head -12 "$o"
(( trc == 0 )) || { grep -E '!!|##' "$o"; echo "9ptrace --check exit $trc"; exit 1; }
grep -q ' c1 -> Tversion tag 65535 msize [0-9]* version 9P2000.L$' "$o"
grep -q ' c1 <- Rattach tag [0-9]* qid (0000000000000001 0 d) (' "$o"
grep -q ' c1 <- Rreaddir tag [0-9]* count [0-9]* .*README@' "$o"
grep -q ' c1 -> Twalk tag [0-9]* fid [0-9]* (/) newfid [0-9]* nwname 1 0:README$' "$o"
grep -q ' c1 -> T[a-z]* tag [0-9]* fid [0-9]* (/README)' "$o"
grep -q ' 0 dropped by the kernel' "$P9TMP/t.err"
nt=$(grep -c ' c1 -> T' "$o") nr=$(grep -c ' c1 <- R.*us)$' "$o")
echo "requests $nt, replies $nr"
(( nt > 100 && nt == nr ))
echo ok
