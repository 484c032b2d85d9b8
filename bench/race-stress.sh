#!/usr/bin/env bash
# race-stress.sh - the race family (suite/cases/race.case) as a stress run:
# many rounds of requests racing each other on one fid and across fids,
# against synthfs built with ASan and UBSan (build/san, made if missing),
# then against every other server present: QEMU's virtio-9p (qemu-local),
# diod and nfs-ganesha, each with its expectations file.  make check runs
# the same cases with 20 rounds; this takes minutes.  The cases the race
# cases depend on run too, so a missing operation skips them as in a full run.
#
#   bench/race-stress.sh [ROUNDS] [TARGET...]     (default 20000; all targets)
#
# Prints each target's TAP summary and a PASS/FAIL line per target: FAIL
# when a case failed beyond its target's expectations (a crash, a reply
# outside what a request allows, a lost server).  Exit 1 on any FAIL.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
rounds=${1:-20000}
shift || true
[[ $rounds =~ ^[0-9]+$ && $rounds -gt 0 ]] || { echo "race-stress: ROUNDS must be a positive number" >&2; exit 2; }
targets=("$@")
(( ${#targets[@]} )) || targets=(synthfs-san qemu-local diod ganesha)
# each round is a handful of round trips: a generous budget per case
timeout_s=$(( 60 + rounds / 20 ))
out=$(mktemp -d /tmp/race-stress.XXXXXX)
trap 'rm -rf "$out"' EXIT
status=0

run() { # NAME 9PSUITE-BINARY [ARGS...]
	local name=$1 bin=$2; shift 2
	printf '== %s: %d rounds\n' "$name" "$rounds"
	"$bin" --rounds "$rounds" --timeout "$timeout_s" "$@" race RENAME1 UNLINK1 RDIR12 >"$out/$name.tap" 2>&1
	local rc=$?
	grep -E '^not ok|^# [0-9]+ passed' "$out/$name.tap" | grep -v '# TODO known deviation'
	if (( rc == 0 )); then
		echo "PASS $name"
	else
		echo "FAIL $name (9psuite exit $rc; the TAP is above)"
		status=1
	fi
}

for t in "${targets[@]}"; do
	case $t in
	synthfs-san)
		[[ -x build/san/bin/9psuite ]] || make -s -j2 VARIANT=san >/dev/null || exit 2
		run "$t" build/san/bin/9psuite ;;
	qemu-local)
		if command -v qemu-system-x86_64 >/dev/null; then run "$t" bin/9psuite --target qemu-local
		else echo "== qemu-local: no qemu-system-x86_64, skipped"; fi ;;
	diod)
		if command -v diod >/dev/null; then run "$t" bin/9psuite --target diod
		else echo "== diod: not installed, skipped"; fi ;;
	ganesha)
		if command -v ganesha.nfsd >/dev/null; then run "$t" bin/9psuite --target ganesha
		else echo "== ganesha: not installed, skipped"; fi ;;
	*)
		run "$t" bin/9psuite --target "$t" ;;
	esac
done
exit $status
