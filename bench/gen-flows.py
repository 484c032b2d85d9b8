#!/usr/bin/env python3
# gen-flows.py - write a pcap of many 9P connections to port 564, for
# 9ptrace's memory per connection (bench/trace-perf.sh).
#
#   gen-flows.py N syn|full FILE
#
# syn:  N connections that only send a SYN (never closed: all stay open);
# full: N connections of SYN, Tversion, Rversion, then FIN both ways (each
#       over before the next starts).  Ethernet, IPv4, TCP without options.
import struct
import sys


def checksum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def packet(out, t_us, src, dst, sport, dport, seq, flags, payload=b''):
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 40 + len(payload), 0, 0, 64, 6, 0,
                     bytes(src), bytes(dst))
    ip = ip[:10] + struct.pack('!H', checksum(ip)) + ip[12:]
    tcp = struct.pack('!HHIIBBHHH', sport, dport, seq, 0, 5 << 4, flags, 65535, 0, 0)
    frame = b'\0' * 12 + b'\x08\x00' + ip + tcp + payload
    out.write(struct.pack('<IIII', t_us // 1000000, t_us % 1000000, len(frame), len(frame)))
    out.write(frame)


def main():
    if len(sys.argv) != 4 or sys.argv[2] not in ('syn', 'full'):
        sys.exit('usage: gen-flows.py N syn|full FILE')
    n, mode = int(sys.argv[1]), sys.argv[2]
    tv = struct.pack('<IBHIH', 19, 100, 0xffff, 8192, 6) + b'9P2000'
    rv = struct.pack('<IBHIH', 19, 101, 0xffff, 8192, 6) + b'9P2000'
    with open(sys.argv[3], 'wb') as out:
        out.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
        for i in range(n):
            c, s = [10, (i >> 16) & 255, (i >> 8) & 255, i & 255], [127, 0, 0, 1]
            port, t = 1024 + i % 60000, 10 * (i + 1)
            packet(out, t, c, s, port, 564, 99, 0x02)
            if mode == 'full':
                packet(out, t, c, s, port, 564, 100, 0x18, tv)
                packet(out, t, s, c, 564, port, 500, 0x18, rv)
                packet(out, t, c, s, port, 564, 100 + len(tv), 0x11)
                packet(out, t, s, c, 564, port, 500 + len(rv), 0x11)


main()
