#!/usr/bin/env bash
# 90-fuzz-smoke.sh - build every libFuzzer target (fuzz/fuzz_*.c) and run
# each briefly from its seed corpus: about 30 s of fuzzing in all (5 s each
# for six targets; 10 s at most, at least 5 s each when there are more).
# Building the targets from scratch takes about 40 s more on a loaded
# 2-core machine.  Fails on any crash, leak, sanitizer report or timeout.
# Long runs: make fuzz FUZZ_SECONDS=N.
# timeout: 600
set -euo pipefail
command -v clang >/dev/null || { echo "clang not installed (scripts/bootstrap installs it)"; exit 77; }
echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { (void)d; (void)n; return 0; }' >"$P9TMP/probe.c"
clang -fsanitize=fuzzer -o "$P9TMP/probe" "$P9TMP/probe.c" 2>/dev/null ||
	{ echo "clang has no libFuzzer runtime (libclang-rt-14-dev)"; exit 77; }
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
make -s -C "$P9ROOT" -j2 fuzz-build >"$P9TMP/build.log" 2>&1 || {
	cat "$P9TMP/build.log"
	echo "building the fuzz targets failed"
	exit 1
}
bins=()
for src in "$P9ROOT"/fuzz/fuzz_*.c; do
	name=${src##*/}
	bins+=("$P9ROOT/build/fuzz/${name%.c}")
done
(( ${#bins[@]} > 0 )) || { echo "no fuzz targets found"; exit 1; }
each=$(( 30 / ${#bins[@]} ))
(( each > 10 )) && each=10
(( each < 5 )) && each=5
"$P9ROOT/scripts/run-fuzz" --seconds "$each" --work "$P9TMP/corpus" "${bins[@]}" | tee "$P9TMP/summary"
# every target must have run and reported its coverage
[[ $(grep -c ' clean, .* cov [0-9]' "$P9TMP/summary") -eq ${#bins[@]} ]] || {
	echo "some target did not report a clean run"
	exit 1
}
