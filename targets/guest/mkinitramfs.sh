#!/usr/bin/env bash
# mkinitramfs.sh - build the 9pguest initramfs from installed Debian packages.
#
#   targets/guest/mkinitramfs.sh OUTDIR [KVER]
#
# Writes OUTDIR/initramfs.cpio.gz (busybox-static, the 9p/virtio/netfs and
# virtio-net modules of kernel KVER, the guest's /init and the workloads),
# OUTDIR/kernel, OUTDIR/kver and OUTDIR/workloads (the built-in names).
# OUTDIR/kernel is the ELF vmlinux unpacked from /boot/vmlinuz-KVER: QEMU
# boots it directly through its PVH entry, which under TCG saves the ~3 s
# the bzImage spends decompressing itself; if unpacking fails it is a
# symlink to the bzImage.  KVER defaults to the
# newest kernel in /boot that has its modules in /lib/modules.  Nothing is
# downloaded; packages: linux-image-amd64, busybox-static, cpio.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: mkinitramfs.sh OUTDIR [KVER]}
kver=${2:-}

# Module load order: each needs only the ones before it.
MODS=(virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci
      netfs fscache 9pnet 9pnet_virtio 9pnet_fd 9p failover net_failover virtio_net)

die() { echo "mkinitramfs: $*" >&2; exit 2; }

if [[ -z $kver ]]; then
	for k in $(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V); do
		v=${k#/boot/vmlinuz-}
		[[ -d /lib/modules/$v ]] && kver=$v
	done
fi
[[ -n $kver ]] || die "no /boot/vmlinuz-* with modules in /lib/modules (install linux-image-amd64)"
[[ -r /boot/vmlinuz-$kver ]] || die "/boot/vmlinuz-$kver not readable"
bb=/bin/busybox
[[ -x $bb ]] && file_is_static=$(LC_ALL=C ldd $bb 2>&1 || true)
[[ ${file_is_static:-} == *"not a dynamic"* ]] || die "$bb is not busybox-static (install busybox-static)"

mkdir -p "$out"
stage=$(mktemp -d "$out/stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,mnt,run,lib/modules,workloads}
cp $bb "$stage/bin/busybox"
for m in "${MODS[@]}"; do
	f=$(find "/lib/modules/$kver/kernel" -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" | head -1)
	[[ -n $f ]] || die "module $m not found under /lib/modules/$kver (built in? not supported)"
	case $f in
	*.xz) xz -dc "$f" >"$stage/lib/modules/$m.ko" ;;
	*.zst) zstd -qdc "$f" >"$stage/lib/modules/$m.ko" ;;
	*) cp "$f" "$stage/lib/modules/$m.ko" ;;
	esac
done
echo "${MODS[*]}" >"$stage/lib/modules/order"
cp "$here/init" "$stage/init"
mkdir -p "$stage/lib"
cp "$here/lib9pg.sh" "$stage/lib/9pg.sh"
cp "$here"/workloads/*.sh "$stage/workloads/"
chmod 755 "$stage/init" "$stage"/workloads/*.sh
echo "$kver" >"$stage/kver"

tmp=$out/initramfs.cpio.gz.tmp
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -6 >"$tmp"
mv "$tmp" "$out/initramfs.cpio.gz"
rm -f "$out/kernel" "$out/vmlinuz"
if ! python3 "$here/unpack-vmlinux.py" "/boot/vmlinuz-$kver" "$out/kernel.tmp" 2>/dev/null; then
	rm -f "$out/kernel.tmp"
	ln -s "/boot/vmlinuz-$kver" "$out/kernel.tmp"
fi
mv "$out/kernel.tmp" "$out/kernel"
echo "$kver" >"$out/kver"
(cd "$here/workloads" && ls -1 *.sh) | sed "s/\.sh$//" >"$out/workloads"
echo "mkinitramfs: $out/initramfs.cpio.gz for kernel $kver"
