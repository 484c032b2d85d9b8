#!/usr/bin/env bash
# 40-trace-diod.sh - 9ptrace decodes a live capture on lo of a 9P2000.L
# session (trace-drive) against diod over tcp: every message, fid paths,
# request/reply pairing with latency, failed and partial walks, no --check
# warnings; then the same through --json and --stats.
# serial
# timeout: 60
# quick
set -euo pipefail
command -v diod >/dev/null || { echo "diod not installed"; exit 77; }
. "$P9ROOT/tests/integration/lib/common.sh"

mkdir -p "$P9TMP/exp/sub"
echo "file content" >"$P9TMP/exp/sub/file"
port=$(( 20000 + RANDOM % 30000 ))
diod -f -n -N -S -U root -l "127.0.0.1:$port" -e "$P9TMP/exp" >"$P9TMP/diod.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do
	ss -ltn | grep -q "127.0.0.1:$port " && break
	sleep 0.1
done

capture() { # capture NAME [9ptrace options...]: run trace-drive under a live capture
	local name=$1; shift
	capture_start "$name" "tcp port $port" "$@"
	"$P9BIN/trace-drive" "tcp:127.0.0.1:$port" "$P9TMP/exp" 3
	capture_stop
}

# The port is not 564: 9ptrace finds the session by its Tversion.
capture t --check
cat "$P9TMP/t.out"
o="$P9TMP/t.out"
has() { grep -qF -- "$1" "$o" || { echo "missing: $1"; exit 1; }; }
has "c1 -> Tversion tag 65535 msize 65536 version 9P2000.L"
has "c1 <- Rversion tag 65535 msize 65536 version 9P2000.L ("
has "-> Twalk tag 2 fid 0 (/) newfid 1 nwname 2 0:sub 1:file"
has "-> Tread tag 4 fid 1 (/sub/file) offset 0 count 100"
has "<- Rread tag 4 count 13 'file content\n' ("
has "-> Treaddir tag 8 fid 2 (/sub) offset 0 count 8192"
grep -q -- "<- Rreaddir tag 8 count [0-9]* .*file@.* nent 3 (" "$o"
has "<- Rlerror tag 10 ecode ENOENT (Twalk, "
has "<- Rwalk tag 11 nwqid 1 "
has "-> Twrite tag 14 fid 5 (/new) offset 0 count 14"
has "-> Tremove tag 16 fid 5 (/new)"
has "-> Tgetattr tag 19 fid 7 (/sub/file) request_mask 0x7ff"
grep -q "dropped by the kernel" "$P9TMP/t.err"
# every request answered, with a latency
nt=$(grep -c ' c1 -> T' "$o")
nr=$(grep -c ' c1 <- R.*([A-Za-z, ]*[0-9]*us)$' "$o")
[[ $nt == 28 && $nr == 28 ]] || { echo "requests $nt replies $nr"; exit 1; }
! grep -q '!!' "$o" || { echo "unexpected --check warnings"; exit 1; }
! grep -q '##' "$o" || { echo "unexpected notes"; exit 1; }

capture j --json --type Rlerror,walk
python3 - "$P9TMP/j.out" <<'PY'
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
types = [o["type"] for o in objs]
assert set(types) == {"Twalk", "Rwalk", "Rlerror"}, types
err = [o for o in objs if o["type"] == "Rlerror"][0]
assert err["request"] == "Twalk" and err["ecode"] == 2 and "latency_us" in err, err
w = [o for o in objs if o["type"] == "Twalk" and o["tag"] == 2][0]
assert w["paths"]["fid"] == "/" and w["wname"] == ["sub", "file"], w
PY

capture s --stats
cat "$P9TMP/s.out"
grep -Eq '^Tgetattr +3 +[0-9]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +0$' "$P9TMP/s.out"
grep -Eq '^Twalk +9 +[0-9]+ .* 1$' "$P9TMP/s.out"
grep -Eq '^/sub/file +1 +1 +0 +13 +0$' "$P9TMP/s.out"
grep -q '^messages 56, connections 1, gaps 0' "$P9TMP/s.out"
echo ok
