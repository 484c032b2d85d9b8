#!/usr/bin/env bash
# 46-trace-virtio.sh - 9ptrace --virtio on a real guest's virtio mount:
# 9pguest boots a guest on qemu:scratch (basic and readdir workloads) with
# --trace (9ptrace following the virtio-9p queue through QMP and the shared
# guest RAM) and -w, while QEMU also logs its v9fs_* events (trace=FILE).
# The timeline must hold Twalk names and Rwalk qids, Rread data, Rreaddir
# entries and replies; every request it shows must agree, in order, with
# QEMU's own log (a subsequence of it), every reply it shows must be one
# QEMU logged (replies of requests in flight are logged and pushed to the
# used ring by different threads, so their order may differ), and the pcap
# must read back as the same messages.
# Prints the loss rate (messages seen / messages sent, by the ring's index).
# serial
# timeout: 400
set -euo pipefail
command -v qemu-system-x86_64 >/dev/null || { echo "no qemu-system-x86_64"; exit 77; }
command -v python3 >/dev/null || { echo "no python3"; exit 77; }
. "$P9ROOT/tests/integration/lib/common.sh"
t=$P9TMP/virtio.trace q=$P9TMP/qemu.log
guest_run guest --target "qemu:scratch,trace=$q" --workload basic,readdir \
	--env P9G_READDIR_MSIZES="8192 131072" --trace "$t" -w "$P9TMP/virtio.pcap" --timeout 360
grep -q "^# trace: $t (9ptrace exit 0)" "$GUEST_OUT"
head -8 "$t"
tail -1 "$t"
# the things --qemu-log cannot show (any instance: under load the poller
# may miss some requests, counted as gaps, so no particular one is required)
need() { grep -Eq "$1" "$t" || { echo "the timeline has no line like: $2"; exit 1; }; }
need ' c1 -> Twalk tag [0-9]+ fid [0-9]+ \([^)]*\) newfid [0-9]+ nwname [1-9][0-9]* 0:[^ ]+' 'Twalk with names'
need ' c1 <- Rwalk tag [0-9]+ nwqid [1-9][0-9]* 0:\([0-9a-f]{16} [0-9]+ [a-z]*\) \(' 'Rwalk with qids'
need " c1 <- Rread tag [0-9]+ count [1-9][0-9]* '" 'Rread with data'
need ' c1 <- Rreaddir tag [0-9]+ count [1-9][0-9]* 0:.*@[0-9]+' 'Rreaddir with entries'
need ' c1 <- Rclunk tag [0-9]+ \([0-9]+us\)$' 'Rclunk'
grep -q '^9ptrace: virtio: [0-9]* requests and [0-9]* replies read; gaps: ' "$t"
"$P9BIN/9ptrace" --qemu-log "$q" >"$P9TMP/qemu.trace"
# -w: the pcap reads back as the same messages (direction, type, tag; the
# fid paths may differ where a reply was lost: the pcap has no gap to settle)
"$P9BIN/9ptrace" -r "$P9TMP/virtio.pcap" >"$P9TMP/pcap.trace"
msgs() { grep -E ' c1 (->|<-) ' "$1" | cut -d' ' -f2-6; }
diff <(msgs "$t") <(msgs "$P9TMP/pcap.trace") >/dev/null ||
	{ echo "the pcap does not read back as the timeline"; exit 1; }
python3 - "$t" "$P9TMP/qemu.trace" <<'EOF'
import re, sys
def msgs(path):
    out = []
    for l in open(path):
        m = re.match(r'\S+ c1 (->|<-) ([TR]\w+) tag (\d+)(?: fid (\d+))?', l)
        if m:
            out.append((m.group(2), m.group(3), m.group(4) or ''))
    return out
def sub(a, b):
    """a is a subsequence of b"""
    it = iter(b)
    return all(x in it for x in a)
v, q = msgs(sys.argv[1]), msgs(sys.argv[2])
summary = [l for l in open(sys.argv[1]) if l.startswith('9ptrace: virtio:')][-1]
n = [int(x) for x in re.findall(r'\d+', summary.split(':', 2)[2])]
# requests, replies read; gaps: requests, replies overwritten; requests,
# replies reused; replies to unread requests; forgotten; flushed
nreq, nrep, reqgaps = n[0], n[1], n[2] + n[4] + n[7]
# QEMU 7.2 logs no event for some requests and for the replies of others
logged = {x[0] for x in q}
vl = [x for x in v if x[0] in logged]
from collections import Counter
ok = sub([x for x in vl if x[0][0] == 'T'], [x for x in q if x[0][0] == 'T'])
replies_ok = not (Counter(x for x in vl if x[0][0] == 'R') - Counter(x for x in q if x[0][0] == 'R'))
treq = [x for x in vl if x[0][0] == 'T']
qreq = [x for x in q if x[0][0] == 'T']
sent = nreq + reqgaps
print(f"requests seen {nreq} of {sent} sent ({100.0 * nreq / sent:.1f}%), "
      f"replies {nrep} ({100.0 * nrep / sent:.1f}%); QEMU logged {len(qreq)} requests, "
      f"{len(treq)} of them seen; {len(vl)} messages checked against QEMU's log")
if not ok:
    sys.exit("the virtio timeline's requests are not a subsequence of QEMU's log")
if not replies_ok:
    sys.exit("the virtio timeline shows replies QEMU did not log")
if reqgaps == 0 and treq != qreq:
    sys.exit("no request gap reported, but the requests differ from QEMU's log")
if nreq < 0.5 * sent:
    sys.exit("more than half the requests lost")
EOF
echo ok
