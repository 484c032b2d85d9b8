#!/usr/bin/env bash
# 44-trace-suite.sh - 9ptrace on a live capture (lo) of the whole 9psuite run
# against synthfs over tcp, all dialects: hundreds of connections, every
# message framed and paired (no gap, no reply without its request; if the
# kernel drops packets on a loaded machine, each loss is a reported gap); the only undecodable messages are the suite's deliberately
# malformed requests, each reported with its field and offset.
# serial
# timeout: 120
set -euo pipefail
[[ -x $P9BIN/synthfs && -x $P9BIN/9psuite ]] || { echo "no synthfs or 9psuite"; exit 77; }
. "$P9ROOT/tests/integration/lib/common.sh"

synthfs_start sfs --listen tcp:127.0.0.1:0
addr=$SYNTHFS_ADDR
capture_start t "tcp port ${addr##*:}" --check --stats
"$P9BIN/9psuite" --target "$addr" --cases "$P9ROOT/suite/cases" >"$P9TMP/suite.tap" 2>&1 || true
tail -1 "$P9TMP/suite.tap"
capture_stop || true
cat "$P9TMP/t.err"
grep -A3 '^messages' "$P9TMP/t.out"
read -r msgs conns gaps undec < <(sed -n 's/^messages \([0-9]*\), connections \([0-9]*\), gaps \([0-9]*\), undecodable \([0-9]*\),.*/\1 \2 \3 \4/p' "$P9TMP/t.out")
(( msgs > 1000 && conns > 50 )) || { echo "too little traffic seen: $msgs messages, $conns connections"; exit 1; }
drops=$(sed -n 's/.* received, \([0-9]*\) dropped by the kernel.*/\1/p' "$P9TMP/t.err")
if (( drops > 0 )); then
	# a loaded machine (or the sanitizer build) lost packets: each loss must
	# show as a reported gap, and the trace must go on (resynchronised)
	echo "capture dropped $drops packets"
	(( gaps > 0 )) || { echo "drops but no gap reported"; exit 1; }
	[[ $(grep -c '## [-<][->] gap: [0-9]* bytes missing at offset [0-9]*' "$P9TMP/t.err") == "$gaps" ]]
else
	(( gaps == 0 )) || { echo "gaps: $gaps"; exit 1; }
	# requests and replies pair up: every reply had its request
	! grep -q 'reply to no request' "$P9TMP/t.out"
fi
# undecodable messages are requests (the suite's malformed cases), never replies
n=$(grep -c '## -> undecodable T[a-z]* tag [0-9]* ([0-9]* bytes): T[a-z]*: field [a-z_]*: .* at offset [0-9]*' "$P9TMP/t.err" || true)
(( n > 0 )) || { echo "the suite's malformed requests were not reported"; exit 1; }
if (( drops == 0 )); then
	[[ $n == "$undec" ]] || { echo "undecodable: $undec, well-formed reports: $n"; exit 1; }
	! grep -q '## <- undecodable' "$P9TMP/t.err"
fi
echo ok
