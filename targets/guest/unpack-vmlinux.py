#!/usr/bin/env python3
# unpack-vmlinux.py - write the ELF vmlinux held compressed inside a bzImage.
#
#   unpack-vmlinux.py BZIMAGE OUT
#
# Tries each xz and gzip stream start in the file and keeps the first that
# decompresses to an ELF image with a PVH note QEMU can boot.  Exit 1 if
# none does (zstd or lz4 kernels: the caller then boots the bzImage).
import gzip
import lzma
import sys
import zlib

MAGIC = {b"\xfd7zXZ\x00": "xz", b"\x1f\x8b\x08": "gzip"}


def candidates(data):
    for magic, kind in MAGIC.items():
        at = data.find(magic)
        while at >= 0:
            yield at, kind
            at = data.find(magic, at + 1)


def unpack(blob, kind):
    if kind == "xz":
        return lzma.LZMADecompressor().decompress(blob)
    return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(blob)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: unpack-vmlinux.py BZIMAGE OUT")
    data = open(sys.argv[1], "rb").read()
    for at, kind in sorted(candidates(data)):
        try:
            elf = unpack(data[at:], kind)
        except (lzma.LZMAError, zlib.error, gzip.BadGzipFile, EOFError):
            continue
        if elf[:4] == b"\x7fELF" and b"Xen\x00" in elf:
            with open(sys.argv[2], "wb") as f:
                f.write(elf)
            return
    sys.exit(1)


main()
