# bigfile.sh - write a 64 MiB file of random bytes through the mount, read
# it back and compare MD5 sums (the reference is computed from a copy in
# the guest's tmpfs).  P9G_BIGFILE_MB changes the size (9pguest --env).
# Reports MB/s.
MB=${P9G_BIGFILE_MB:-64}
S=$(scratch) || { fail scratch "cannot create a scratch directory"; return; }
now() { cut -d' ' -f1 /proc/uptime; }
rate() { awk -v a="$1" -v b="$2" -v mb="$MB" 'BEGIN { d = b - a; if (d < 0.01) d = 0.01; printf "%.1f", mb / d }'; }

if ! dd if=/dev/urandom of=/tmp/big bs=1M count="$MB" 2>/tmp/e; then
	fail make-data "$(tail -1 /tmp/e)"; return
fi
want=$(md5sum </tmp/big | cut -d' ' -f1)
t0=$(now)
check write dd if=/tmp/big of="$S/big" bs=1M
t1=$(now)
rm -f /tmp/big
expect size $((MB * 1048576)) "$(stat -c %s "$S/big" 2>&1)"
t2=$(now)
got=$(dd if="$S/big" bs=1M 2>/dev/null | md5sum | cut -d' ' -f1)
t3=$(now)
expect read-md5 "$want" "$got"
got=$(dd if="$S/big" bs=1M skip=$((MB / 2)) count=1 2>/dev/null | wc -c)
expect read-middle 1048576 "$got"
frame info "bigfile: $MB MiB write $(rate "$t0" "$t1") MB/s, read $(rate "$t2" "$t3") MB/s"
check remove rm "$S/big"
check cleanup rmdir "$S"
