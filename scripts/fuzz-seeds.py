#!/usr/bin/env python3
# fuzz-seeds.py - cut captures of 9P traffic into small fuzz seeds
# (called by scripts/make-fuzz-seeds).
#
#   fuzz-seeds.py OUT CAPTURE.pcap...
#
# Each CAPTURE is a classic pcap of Ethernet/IPv4/TCP with the server on
# port 564 (what `9ptrace --proxy -w` writes), named after its dialect
# (L.pcap, u.pcap, 2000.pcap).  Connections are chosen greedily by the
# message types (and Twalk names) they add, smallest first, so the seeds stay small:
#   OUT/synthfs/D-NN         one connection's client bytes (<= 3 KB each)
#   OUT/tracepcap/D-NN.pcap  whole connections, both directions (<= 12 KB)
#   OUT/decode/real-D-TYPE-K single messages of either direction: for each
#                            message type the smallest and the largest one
#                            (<= 2 KB) seen in the capture
# plus, from the first capture, the same packets as Linux cooked (SLL)
# frames and as a pcapng file, so the other readers are seeded too.  A
# capture named guest.pcap (one long kernel session) gives guest-00 and
# guest-01 (its start and a stretch from its middle, <= 6 KB each) and
# guest-00.pcap (its first packets, <= 12 KB).
import os
import struct
import sys

SEED_MAX = 3000       # bytes of one synthfs seed
SYNTHFS_SEEDS = 12    # per dialect
PCAP_MAX = 12000      # bytes of one tracepcap seed
PCAP_SEEDS = 3        # per dialect
DECODE_MAX = 2000     # bytes of one decode seed


def read_pcap(path):
    with open(path, 'rb') as f:
        data = f.read()
    magic, = struct.unpack('<I', data[:4])
    assert magic in (0xa1b2c3d4, 0xa1b23c4d), path
    linktype, = struct.unpack('<I', data[20:24])
    assert linktype == 1, 'expected Ethernet'
    off, recs = 24, []
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack('<IIII', data[off:off + 16])
        recs.append((sec, frac, orig, data[off + 16:off + 16 + incl]))
        off += 16 + incl
    return data[:24], recs


def flows(recs):
    """client port -> (records, client payload, types seen)"""
    out = {}
    for rec in recs:
        frame = rec[3]
        if len(frame) < 54 or frame[12:14] != b'\x08\x00':
            continue
        ihl = (frame[14] & 15) * 4
        th = 14 + ihl
        sport, dport = struct.unpack('>HH', frame[th:th + 4])
        doff = (frame[th + 12] >> 4) * 4
        payload = frame[th + doff:]
        client = sport if dport == 564 else dport
        recs_, cbytes, types = out.setdefault(client, ([], bytearray(), set()))
        recs_.append(rec)
        if dport == 564:
            cbytes += payload
    for client, (recs_, cbytes, types) in out.items():
        for direction in (0, 1):
            stream = cbytes if direction == 0 else b''.join(
                r[3][14 + 20 + 20:] for r in recs_
                if struct.unpack('>H', r[3][34:36])[0] == 564)
            off = 0
            while off + 7 <= len(stream):
                size, = struct.unpack('<I', stream[off:off + 4])
                if size < 7:
                    break
                types.add(stream[off + 4])
                if stream[off + 4] == 110 and direction == 0:  # Twalk: its names
                    types |= set(walk_names(stream[off:off + size]))
                off += size
    return out


def messages(fl):
    """Every whole message of every connection, both directions."""
    for recs_, cbytes, _ in fl.values():
        sbytes = b''.join(r[3][14 + 20 + 20:] for r in recs_
                          if struct.unpack('>H', r[3][34:36])[0] == 564)
        for stream in (bytes(cbytes), sbytes):
            off = 0
            while off + 7 <= len(stream):
                size, = struct.unpack('<I', stream[off:off + 4])
                if size < 7 or off + size > len(stream):
                    break
                yield stream[off:off + size]
                off += size


def decode_seeds(out, d, fl):
    """Per message type, the smallest and the largest message that fits."""
    best = {}
    for msg in messages(fl):
        if len(msg) > DECODE_MAX:
            continue
        lo, hi = best.get(msg[4], (msg, msg))
        best[msg[4]] = (min(lo, msg, key=len), max(hi, msg, key=len))
    for t, pair in sorted(best.items()):
        for k, msg in enumerate(dict.fromkeys(pair)):
            with open(os.path.join(out, 'decode', 'real-%s-%03d-%d' % (d, t, k)), 'wb') as f:
                f.write(msg)


def walk_names(msg):
    """The wnames of a Twalk (size[4] type[1] tag[2] fid[4] newfid[4] n[2] ...)."""
    names, off = [], 17
    if len(msg) < 17:
        return names
    for _ in range(struct.unpack('<H', msg[15:17])[0]):
        if off + 2 > len(msg):
            break
        n, = struct.unpack('<H', msg[off:off + 2])
        names.append(bytes(msg[off + 2:off + 2 + n]))
        off += 2 + n
    return names


def choose(fl, limit, count, size_of):
    """Greedy: connections adding the most new message types, small first."""
    seen, chosen = set(), []
    cands = sorted(fl.items(), key=lambda kv: size_of(kv[1]))
    while len(chosen) < count:
        best = None
        for port, v in cands:
            if port in chosen or size_of(v) > limit:
                continue
            gain = len(v[2] - seen)
            if gain and (best is None or gain > best[0]):
                best = (gain, port)
        if best is None:
            break
        chosen.append(best[1])
        seen |= fl[best[1]][2]
    return chosen


def write_pcap(path, header, recs, linktype=None, sll=False):
    with open(path, 'wb') as f:
        if linktype is not None:
            header = header[:20] + struct.pack('<I', linktype)
        f.write(header)
        for sec, frac, orig, frame in recs:
            if sll:  # Linux cooked capture: 16-byte header instead of Ethernet
                frame = struct.pack('>HHH8sH', 0 if frame[0:6] != b'\x02\0\0\0\0\x02'
                                    else 4, 1, 6, frame[6:12] + b'\0\0',
                                    0x0800) + frame[14:]
                orig += 2
            f.write(struct.pack('<IIII', sec, frac, len(frame), orig) + frame)


def write_pcapng(path, header, recs):
    def block(btype, body):
        pad = (-len(body)) % 4
        n = 12 + len(body) + pad
        return struct.pack('<II', btype, n) + body + b'\0' * pad + struct.pack('<I', n)
    nano = struct.unpack('<I', header[:4])[0] == 0xa1b23c4d
    with open(path, 'wb') as f:
        f.write(block(0x0A0D0D0A, struct.pack('<IHHq', 0x1A2B3C4D, 1, 0, -1)))
        opts = struct.pack('<HHB3x', 9, 1, 9 if nano else 6) + struct.pack('<HH', 0, 0)
        f.write(block(1, struct.pack('<HHI', 1, 0, 262144) + opts))
        for sec, frac, orig, frame in recs:
            ts = sec * (10**9 if nano else 10**6) + frac
            f.write(block(6, struct.pack('<IIIII', 0, ts >> 32, ts & 0xffffffff,
                                         len(frame), orig) + frame))


def cut(stream, start, limit):
    """Whole messages of stream from offset start, limit bytes at most."""
    off = start
    while off + 7 <= len(stream):
        size, = struct.unpack('<I', stream[off:off + 4])
        if size < 7 or off + size - start > limit:
            break
        off += size
    return stream[start:off]


def guest_seeds(out, header, recs, fl):
    """A kernel client's one long session: its start (Tversion, attach,
    the first walks) and a stretch from the middle, and the first packets
    as a pcap."""
    port = max(fl, key=lambda p: len(fl[p][1]))
    stream = bytes(fl[port][1])
    mid, off = len(stream) // 2, 0
    while off + 7 <= len(stream) and off < mid:  # a message boundary
        off += struct.unpack('<I', stream[off:off + 4])[0]
    for i, start in enumerate((0, off)):
        with open(os.path.join(out, 'synthfs', 'guest-%02d' % i), 'wb') as f:
            f.write(cut(stream, start, 2 * SEED_MAX))
    rs, size = [], 0
    for r in fl[port][0]:
        if size + 16 + len(r[3]) > PCAP_MAX:
            break
        rs.append(r)
        size += 16 + len(r[3])
    write_pcap(os.path.join(out, 'tracepcap', 'guest-00.pcap'), header, rs)


def main():
    out, caps = sys.argv[1], sys.argv[2:]
    for n, cap in enumerate(caps):
        d = os.path.basename(cap).split('.')[0]
        header, recs = read_pcap(cap)
        fl = flows(recs)
        decode_seeds(out, d, fl)
        if d == 'guest':
            guest_seeds(out, header, recs, fl)
            continue
        for i, port in enumerate(choose(fl, SEED_MAX, SYNTHFS_SEEDS,
                                        lambda v: len(v[1]))):
            with open(os.path.join(out, 'synthfs', '%s-%02d' % (d, i)), 'wb') as f:
                f.write(fl[port][1])
        size = lambda v: sum(16 + len(r[3]) for r in v[0])
        picked = choose(fl, PCAP_MAX // 3, PCAP_SEEDS * 3, size)
        for i in range(PCAP_SEEDS):
            group = picked[i::PCAP_SEEDS]
            if not group:
                continue
            rs = sorted((r for p in group for r in fl[p][0]), key=lambda r: (r[0], r[1]))
            write_pcap(os.path.join(out, 'tracepcap', '%s-%02d.pcap' % (d, i)),
                       header, rs)
            if n == 0 and i == 0:
                write_pcap(os.path.join(out, 'tracepcap', '%s-sll.pcap' % d),
                           header, rs, linktype=113, sll=True)
                write_pcapng(os.path.join(out, 'tracepcap', '%s-ng.pcapng' % d),
                             header, rs)


main()
