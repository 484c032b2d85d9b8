#!/usr/bin/env bash
# 73-bad-args.sh - every program, given unusable arguments, a missing file or
# an unreachable target, writes exactly one line "PROG: ..." on stderr and
# exits 2, within 30 s.
# timeout: 120
# quick
set -euo pipefail
cd "$P9TMP"
B=$P9BIN
n=0 bad=0
expect2() { # PROG ARGS...
	local prog=${1##*/} rc=0
	timeout 30 "$@" </dev/null >"$P9TMP/out" 2>"$P9TMP/err" || rc=$?
	n=$((n + 1))
	local lines
	lines=$(wc -l <"$P9TMP/err")
	if [[ $rc != 2 || $lines != 1 ]] || ! grep -q "^$prog: " "$P9TMP/err"; then
		echo "FAIL: $* -> exit $rc, $lines stderr lines:"
		head -5 "$P9TMP/err"
		bad=$((bad + 1))
	else
		echo "ok: ${*#$B/} -> $(cat "$P9TMP/err")"
	fi
}

expect2 "$B/synthfs" --bogus
expect2 "$B/synthfs" --msize
expect2 "$B/synthfs" --msize 12
expect2 "$B/synthfs" --delay foo
expect2 "$B/synthfs" --bug nosuchbug
expect2 "$B/synthfs" --tree "$P9TMP/nonexistent.tree"
expect2 "$B/synthfs" --listen "unix:$P9TMP/no/such/dir/s"
expect2 "$B/synthfs" extra-argument

expect2 "$B/9psuite" --bogus
expect2 "$B/9psuite" --timeout x
expect2 "$B/9psuite" --cases "$P9TMP/nonexistent"
expect2 "$B/9psuite" --expect "$P9TMP/nonexistent.expect"
expect2 "$B/9psuite" --target bogus:zzz
expect2 "$B/9psuite" --target "unix:$P9TMP/nonexistent.sock"
expect2 "$B/9psuite" --target tcp:127.0.0.1:1
expect2 "$B/9psuite" NOSUCHCASE

expect2 "$B/9ptrace" --bogus
expect2 "$B/9ptrace" -r
expect2 "$B/9ptrace" -r "$P9TMP/nonexistent.pcap"
expect2 "$B/9ptrace" -r /etc/passwd
expect2 "$B/9ptrace" --qemu-log "$P9TMP/nonexistent.log"
expect2 "$B/9ptrace" --proxy bad
expect2 "$B/9ptrace" --proxy "unix:$P9TMP/no/dir/p=unix:$P9TMP/x"

expect2 "$B/9pbench"
expect2 "$B/9pbench" latency --bogus
expect2 "$B/9pbench" latency
expect2 "$B/9pbench" latency --target "unix:$P9TMP/nonexistent.sock"
expect2 "$B/9pbench" latency --target tcp:127.0.0.1:1
expect2 "$B/9pbench" compare "$P9TMP/a.json" "$P9TMP/b.json"
expect2 "$B/9pbench" nosuchcommand --target tcp:127.0.0.1:1

expect2 "$B/9pguest"
expect2 "$B/9pguest" --bogus
expect2 "$B/9pguest" --target bogus:x
expect2 "$B/9pguest" --target "qemu:$P9TMP/nonexistent"
expect2 "$B/9pguest" --target "qemu:$P9TMP" --script "$P9TMP/nonexistent.sh"
# unreachable unix:/tcp: targets: refused before booting a guest
expect2 "$B/9pguest" --target "unix:$P9TMP/nonexistent.sock"
grep -q "^9pguest: cannot reach target unix:$P9TMP/nonexistent.sock: No such file" "$P9TMP/err" ||
	{ echo "FAIL: 9pguest unix: not refused as unreachable"; bad=$((bad + 1)); }
expect2 "$B/9pguest" --target tcp:127.0.0.1:1
grep -q "^9pguest: cannot reach target tcp:127.0.0.1:1: .*refused" "$P9TMP/err" ||
	{ echo "FAIL: 9pguest tcp: not refused as unreachable"; bad=$((bad + 1)); }

expect2 "$B/9pvirtio"
expect2 "$B/9pvirtio" --bogus
expect2 "$B/9pvirtio" ping "unix:$P9TMP/x"
expect2 "$B/9pvirtio" info "qemu:$P9TMP/nonexistent"

echo "$n invocations, $bad not compliant"
(( bad == 0 ))
