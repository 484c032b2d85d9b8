#!/usr/bin/env bash
# 41-trace-proxy.sh - 9ptrace --proxy relays a unix-socket 9P session to
# diod and decodes it; the pcap it writes (-w) reads back through both
# 9ptrace -r and tshark with the same message types in the same order.
# timeout: 60
# quick
set -euo pipefail
command -v diod >/dev/null || { echo "diod not installed"; exit 77; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

mkdir -p "$P9TMP/exp/sub"
echo "file content" >"$P9TMP/exp/sub/file"
diod -f -n -N -S -U root -l "$P9TMP/diod.sock" -e "$P9TMP/exp" >"$P9TMP/diod.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [[ -S $P9TMP/diod.sock ]] && break; sleep 0.1; done

"$P9BIN/9ptrace" --proxy "unix:$P9TMP/p.sock=unix:$P9TMP/diod.sock" -w "$P9TMP/p.pcap" \
	--once --check >"$P9TMP/proxy.out" 2>"$P9TMP/proxy.err" &
tp=$!
pids+=($tp)
for _ in $(seq 50); do [[ -S $P9TMP/p.sock ]] && break; sleep 0.1; done
"$P9BIN/trace-drive" "unix:$P9TMP/p.sock" "$P9TMP/exp" 2
wait "$tp" # --once: exits when the client is done; --check: 0 = no warnings
cat "$P9TMP/proxy.out"
grep -qF -- "-> Tread tag 4 fid 1 (/sub/file) offset 0 count 100" "$P9TMP/proxy.out"
grep -qF -- "<- Rlerror tag 10 ecode ENOENT (Twalk, " "$P9TMP/proxy.out"
[[ $(grep -c ' c1 [-<][->] [TR]' "$P9TMP/proxy.out") == 50 ]]

# the pcap, decoded by 9ptrace: the same lines but for the timestamps
"$P9BIN/9ptrace" -r "$P9TMP/p.pcap" --check >"$P9TMP/r.out"
diff <(cut -d' ' -f2- "$P9TMP/proxy.out" | sed 's/ ([0-9]*us)$//; s/, [0-9]*us)$/)/') \
     <(cut -d' ' -f2- "$P9TMP/r.out" | sed 's/ ([0-9]*us)$//; s/, [0-9]*us)$/)/')

# filters
o=$P9TMP/f.out
"$P9BIN/9ptrace" -r "$P9TMP/p.pcap" --fid 1 >"$o"
[[ $(wc -l <"$o") == 8 ]] # walk 0->1, lopen, read, clunk and their replies
! grep -v 'Twalk tag 2 \|Rwalk tag 2 \|tag [345] ' "$o"
"$P9BIN/9ptrace" -r "$P9TMP/p.pcap" --path /sub --type Tread,readdir,Tlopen >"$o"
cat "$o"
[[ $(grep -c . "$o") == 5 ]] # Tlopen x2, Tread, Treaddir, Rreaddir
"$P9BIN/9ptrace" -r "$P9TMP/p.pcap" --errors-only >"$o"
[[ $(wc -l <"$o") == 1 ]] && grep -qF "Rlerror tag 10 ecode ENOENT (Twalk, " "$o"

# and by tshark: same count and types, in order
if command -v tshark >/dev/null; then
	tshark -r "$P9TMP/p.pcap" -Y 9p -T fields -e 9p.msgtype 2>/dev/null | tr ',' '\n' \
		>"$P9TMP/tshark.nums"
	# our type numbers: byte 4 of each message in the -x dump
	"$P9BIN/9ptrace" -r "$P9TMP/p.pcap" -x | awk '/^\t0000 /{print $6}' |
		while read -r h; do echo $((16#$h)); done >"$P9TMP/ours.nums"
	wc -l "$P9TMP/ours.nums" "$P9TMP/tshark.nums"
	[[ $(wc -l <"$P9TMP/ours.nums") == 50 ]]
	diff "$P9TMP/ours.nums" "$P9TMP/tshark.nums"
fi
echo ok
