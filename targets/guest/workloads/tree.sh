# tree.sh - create 2000 files in nested directories (20 top directories of
# 10 subdirectories of 10 files, each file holding its own path), check the
# count and some contents, then remove the tree and check it is gone.
# P9G_TREE_DIRS (9pguest --env) sets the number of top directories (20).
# Works relative to the current directory, so each operation walks one
# path component (cache=none revalidates every component of a path).
S=$(scratch) || { fail scratch "cannot create a scratch directory"; return; }
err=0 n=0 nd=0
N="0 1 2 3 4 5 6 7 8 9"
cd "$S" || { fail cd "$S"; return; }
TOP=$(seq 0 $((${P9G_TREE_DIRS:-20} - 1)))
LAST=$((${P9G_TREE_DIRS:-20} - 1))
for a in $TOP; do
	mkdir t$a && cd t$a || { err=$((err + 1)); continue; }
	for b in $N; do
		mkdir u$b && cd u$b || { err=$((err + 1)); continue; }
		for c in $N; do
			echo "t$a/u$b/f$c" >f$c || err=$((err + 1))
		done
		cd ..
	done
	cd ..
done 2>/tmp/tree.err
expect create-errors 0 "$err"
[ "$err" = 0 ] || frame info "tree: $(tail -1 /tmp/tree.err)"
for a in t*; do
	nd=$((nd + 1))
	for b in $a/u*; do
		nd=$((nd + 1))
		set -- $b/f*
		n=$((n + $#))
	done
done
expect count-files $((${P9G_TREE_DIRS:-20} * 100)) "$n"
expect count-dirs $((${P9G_TREE_DIRS:-20} * 11)) "$nd"
expect content-first t0/u0/f0 "$(cat t0/u0/f0 2>&1)"
expect content-last t$LAST/u9/f9 "$(cat t$LAST/u9/f9 2>&1)"
expect ls-subdir "f0 f1 f2 f3 f4 f5 f6 f7 f8 f9" "$(echo $(ls t$LAST/u3 2>&1))"
err=0
for a in t*; do
	cd $a || { err=$((err + 1)); continue; }
	for b in u*; do
		(cd $b && rm f0 f1 f2 f3 f4 f5 f6 f7 f8 f9) && rmdir $b || err=$((err + 1))
	done
	cd .. && rmdir $a || err=$((err + 1))
done 2>/tmp/tree.err
expect remove-errors 0 "$err"
[ "$err" = 0 ] || frame info "tree: $(tail -1 /tmp/tree.err)"
cd /mnt
check remove-top rmdir "$S"
expect gone no "$([ -e "$S" ] && echo yes || echo no)"
