# readdir.sh - list the contract tree's readdir directories through the
# mount and compare with the names the contract defines (file i is "f<i>_"
# followed by i%53 'x'; lib/contract.c): none missing, none repeated, none
# unexpected.  On a target without the tree (not synthfs, no 9psuite
# --provision-dir export) the directories are made in a scratch directory
# through the mount and removed afterwards; on a read-only one the workload
# says it is skipped.
# /readdir/d10000 is listed at msize 4096, 8192 and 131072 (or the list in
# P9G_READDIR_MSIZES) so Rreaddir splits land everywhere; d0, d1 and d100
# once.  Shell globbing lists a directory with getdents alone (no stat).
# names N: the contract's names of a directory of N files.
names() {
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) { s = "f" i "_"
		for (j = 0; j < i % 53; j++) s = s "x"; print s } }'
}
# listing DIR: one name per line, as readdir returned them.
listing() {
	( cd "$1" && set -- * && { [ "$*" = "*" ] || printf '%s\n' "$@"; } )
}
# compare TAG: /tmp/want against /tmp/got.
compare() {
	set -- "$1" $(awk 'NR == FNR { w[$0] = 1; next }
		{ if ($0 in w) { if (seen[$0]++) dup++ } else extra++ }
		END { for (k in w) if (!(k in seen)) miss++
		      print NR - FNR + 0, dup + 0, miss + 0, extra + 0 }' /tmp/want /tmp/got)
	_n=$(wc -l </tmp/got)
	expect "$1-count" "$(wc -l </tmp/want)" "$_n"
	expect "$1-repeated" 0 "$3"
	expect "$1-missing" 0 "$4"
	expect "$1-unexpected" 0 "$5"
}
R=/mnt/readdir BUILT=
if [ ! -d $R/d10000 ]; then
	if ! BUILT=$(scratch 2>/dev/null) || [ -z "$BUILT" ]; then
		ok tree "skipped: no readdir/d10000 on the target and no writable scratch directory"
		return
	fi
	for d in 0 1 100 10000; do
		# busybox xargs runs touch once even on no input: d0 gets none
		mkdir "$BUILT/d$d" && { [ $d -eq 0 ] || names $d | (cd "$BUILT/d$d" && xargs touch); } ||
			{ fail tree "could not make $BUILT/d$d"; rm -rf "$BUILT"; return; }
	done
	ok tree "built d0 d1 d100 d10000 in $BUILT"
	R=$BUILT
fi
for d in 0 1 100; do
	names $d >/tmp/want
	listing $R/d$d >/tmp/got
	compare d$d
done
names 10000 >/tmp/want
for m in ${P9G_READDIR_MSIZES:-4096 8192 131072}; do
	if ! remount "msize=$m"; then
		fail "mount-msize-$m" "$REMOUNT_ERR"
		continue
	fi
	got=$(mount_opt msize)   # Linux shows msize only when not its default
	got=${got:-131072}
	# a server may answer a smaller msize (diod caps it at 65536)
	if [ "$got" = "$m" ]; then ok "msize-$m"
	elif [ "$got" -lt "$m" ]; then ok "msize-$m" "the server chose $got"
	else fail "msize-$m" "asked $m, the mount has $got"; fi
	listing $R/d10000 >/tmp/got
	compare "d10000-msize-$m"
done
remount "" || fail remount-default "$REMOUNT_ERR"
[ -n "$BUILT" ] && rm -rf "$BUILT"
rm -f /tmp/want /tmp/got
