#!/usr/bin/env bash
# 72-trace-corrupt.sh - 9ptrace -r on corrupted captures.  A real capture
# (9ptrace --proxy -w of 9psuite's walk, clunk, attach and version families
# against synthfs, about 1000 messages on 67 connections) is damaged 160
# ways: random bit flips (1..64 bits), truncation at a random byte, a giant
# claimed length in a pcap record header or in the file header's snaplen,
# and a giant 9P size field at the start of a TCP payload.  On each,
# 9ptrace -r --stats must exit 0, 1 or 2 (no signal, no sanitizer report,
# no hang: 20 s limit), keep its peak RSS under 256 MB, and damage in the
# TCP streams must show up as gaps or undecodable messages in the summary.
# timeout: 150
set -euo pipefail
. "$P9ROOT/tests/integration/lib/common.sh"
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=99
export UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=99

# ---- a real capture ----
synthfs_start s
"$P9BIN/9ptrace" --proxy "unix:$P9TMP/p.sock=unix:$P9TMP/s.sock" -w "$P9TMP/cap.pcap" \
	>/dev/null 2>"$P9TMP/proxy.err" &
tp=$!
pids+=($tp)
for _ in $(seq 100); do [[ -S $P9TMP/p.sock ]] && break; sleep 0.05; done
"$P9BIN/9psuite" --target "unix:$P9TMP/p.sock" --dialect L walk clunk attach version \
	>"$P9TMP/suite.tap"
sleep 0.3
kill -INT "$tp"
wait "$tp" || true
"$P9BIN/9ptrace" -r "$P9TMP/cap.pcap" --stats >"$P9TMP/orig.out" 2>/dev/null
orig=$(grep '^messages' "$P9TMP/orig.out")
echo "original: $(stat -c %s "$P9TMP/cap.pcap") bytes, $orig"
[[ $orig =~ ^messages\ ([0-9]+),\ connections\ ([0-9]+),\ gaps\ 0 ]]
(( BASH_REMATCH[1] > 500 ))

# ---- corruptions ----
mkdir "$P9TMP/c"
python3 - "$P9TMP/cap.pcap" "$P9TMP/c" <<'PY'
import random, struct, sys
src, out = sys.argv[1], sys.argv[2]
data = open(src, "rb").read()
rnd = random.Random(9)
recs = []                      # (record header offset, payload offset, caplen)
off = 24
while off + 16 <= len(data):
    caplen = struct.unpack_from("<I", data, off + 8)[0]
    recs.append((off, off + 16, caplen))
    off += 16 + caplen
def tcp_payload(r):
    _, p, caplen = r
    ihl = (data[p + 14] & 15) * 4
    doff = (data[p + 14 + ihl + 12] >> 4) * 4
    start = p + 14 + ihl + doff
    return start if start + 4 <= p + caplen else None
def save(kind, i, b):
    open(f"{out}/{kind}-{i:03d}.pcap", "wb").write(bytes(b))
for i in range(60):
    b = bytearray(data)
    for _ in range(rnd.randint(1, 64)):
        k = rnd.randrange(24, len(b))
        b[k] ^= 1 << rnd.randrange(8)
    save("flip", i, b)
for i in range(40):
    save("trunc", i, data[:rnd.randrange(1, len(data))])
for i in range(30):
    b = bytearray(data)
    r = rnd.choice(recs)
    v = rnd.choice([0xffffffff, 0x7fffffff, 64 << 20, 262145])
    struct.pack_into("<I", b, r[0] + 8 + rnd.choice([0, 4]), v)
    if i == 0:
        struct.pack_into("<I", b, 16, 0xffffffff)   # snaplen
    save("reclen", i, b)
withdata = [r for r in recs if tcp_payload(r)]
for i in range(30):
    b = bytearray(data)
    for r in rnd.sample(withdata, min(3, len(withdata))):
        struct.pack_into("<I", b, tcp_payload(r),
                         rnd.choice([0xffffffff, 0xfffffff0, 0x7fffffff, 16 << 20]))
    save("size9p", i, b)
PY

n=0 gapsum=0 undsum=0 maxkb=0 reported=0
for f in "$P9TMP"/c/*.pcap; do
	rc=0
	/usr/bin/time -f %M -o "$P9TMP/kb" timeout 20 "$P9BIN/9ptrace" -r "$f" --stats \
		>"$P9TMP/out" 2>"$P9TMP/err" || rc=$?
	n=$((n + 1))
	if (( rc > 2 )); then
		echo "${f##*/}: 9ptrace exit $rc"
		tail -20 "$P9TMP/err"
		exit 1
	fi
	kb=$(tail -1 "$P9TMP/kb")
	(( kb > maxkb )) && maxkb=$kb
	(( kb < 256 * 1024 )) || { echo "${f##*/}: peak RSS ${kb} kB"; exit 1; }
	if [[ $(grep '^messages' "$P9TMP/out" || true) =~ gaps\ ([0-9]+),\ undecodable\ ([0-9]+) ]]; then
		gapsum=$((gapsum + BASH_REMATCH[1]))
		undsum=$((undsum + BASH_REMATCH[2]))
		(( BASH_REMATCH[1] > 0 || BASH_REMATCH[2] > 5 )) && reported=$((reported + 1))
	fi
done
echo "$n corrupted captures: no crash, no hang, peak RSS ${maxkb} kB;" \
	"$reported reported damage (gaps $gapsum, undecodable $undsum in all)"
(( n == 160 && gapsum > 0 && reported >= 20 ))
