#!/usr/bin/env bash
# 00-build-install.sh - `make install PREFIX=...` installs every program
# this checkout builds, executable, each answering --help with usage on
# stdout and exit 0.
# serial
# timeout: 300
# quick
set -euo pipefail
# run make afresh, not as a child of the make that runs the tests
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
prefix=$P9TMP/prefix
make -s -C "$P9ROOT" -j2 install PREFIX="$prefix" >"$P9TMP/install.log" 2>&1 || {
	cat "$P9TMP/install.log"
	echo "make install failed"
	exit 1
}
[[ -d $prefix/bin && -d $prefix/share/man/man1 ]] || { echo "no bin/ or man1/ under PREFIX"; exit 1; }
read -r -a progs <<<"$(make -s -C "$P9ROOT" list-progs)"
for p in "${progs[@]}"; do
	[[ -x $prefix/bin/$p ]] || { echo "$p not installed"; exit 1; }
	out=$("$prefix/bin/$p" --help) || { echo "$p --help exited $?"; exit 1; }
	[[ -n $out ]] || { echo "$p --help printed nothing on stdout"; exit 1; }
done
# nothing installed that the checkout does not build
for f in "$prefix"/bin/*; do
	[[ -e $f ]] || continue
	n=${f##*/}
	[[ " ${progs[*]} " == *" $n "* ]] || { echo "unexpected $n installed"; exit 1; }
done
echo "installed ${#progs[@]} programs: ${progs[*]:-none}"
