# tests/integration/lib/common.sh - shared pieces of the integration tests.
#
# Owns: the list of background processes a test started and the EXIT trap
# that kills them, starting synthfs and waiting for its "listening on"
# line, 9ptrace on a live capture of lo (started, then stopped), and a
# 9pguest boot that must pass.  Source it after `set -euo pipefail`:
#     . "$P9ROOT/tests/integration/lib/common.sh"
# It sets `trap cleanup EXIT`; a test that needs more cleanup defines
# `cleanup_extra` (called first).  Not a test itself (run-tests only runs
# tests/integration/*.sh).

pids=()

cleanup() {
	declare -F cleanup_extra >/dev/null && cleanup_extra
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT

# synthfs_start NAME [synthfs options...]: start $P9BIN/synthfs in the
# background (stdout $P9TMP/NAME.out, stderr $P9TMP/NAME.err), listening on
# unix:$P9TMP/NAME.sock unless the options have a --listen, and wait (5 s at
# most) for its "synthfs: listening on ADDR" line.  Sets SYNTHFS_ADDR (the
# first address), SYNTHFS_ADDRS (all, one per line) and SYNTHFS_PID; the
# process is killed at exit.  Exits the test (1) if synthfs does not start.
synthfs_start() {
	local name=$1 out=$P9TMP/$1.out listen=(--listen "unix:$P9TMP/$1.sock")
	shift
	local a
	for a in "$@"; do [[ $a == --listen ]] && listen=(); done
	: >"$out" # exists before the poll reads it (the child creates it late)
	"$P9BIN/synthfs" "${listen[@]}" "$@" >"$out" 2>"$P9TMP/$name.err" &
	SYNTHFS_PID=$!
	pids+=("$SYNTHFS_PID")
	for _ in $(seq 100); do
		SYNTHFS_ADDRS=$(sed -n 's/^synthfs: listening on //p' "$out")
		if [[ -n $SYNTHFS_ADDRS ]]; then
			SYNTHFS_ADDR=$(head -1 <<<"$SYNTHFS_ADDRS")
			return 0
		fi
		kill -0 "$SYNTHFS_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "synthfs $name did not start: $(cat "$P9TMP/$name.err")"
	exit 1
}

# synthfs_stop PID: stop one synthfs started by synthfs_start before the end
# of the test and wait for it.
synthfs_stop() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	local p keep=()
	for p in "${pids[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
	pids=(${keep[@]+"${keep[@]}"})
}

# capture_start NAME FILTER [9ptrace options...]: start $P9BIN/9ptrace on a
# live capture of lo with the pcap FILTER in the background (stdout
# $P9TMP/NAME.out, stderr $P9TMP/NAME.err) and wait (5 s at most) until it
# is capturing.  Sets CAPTURE_PID; the process is killed at exit.  Skips
# the test (77) unless run as root.
capture_start() {
	local name=$1 filter=$2
	shift 2
	[[ $(id -u) == 0 ]] || { echo "live capture needs root"; exit 77; }
	"$P9BIN/9ptrace" -i lo -f "$filter" "$@" >"$P9TMP/$name.out" 2>"$P9TMP/$name.err" &
	CAPTURE_PID=$!
	pids+=("$CAPTURE_PID")
	for _ in $(seq 50); do grep -q "capturing on" "$P9TMP/$name.err" && break; sleep 0.1; done
	sleep 0.3
}

# capture_stop: let the last packets in (0.5 s), stop the capture started
# by capture_start (SIGINT: 9ptrace finishes its output) and return its
# exit status.
capture_stop() {
	sleep 0.5
	kill -INT "$CAPTURE_PID"
	wait "$CAPTURE_PID"
}

# guest_run NAME [9pguest options...]: boot a Linux guest with $P9BIN/9pguest
# (its output in $P9TMP/NAME.out, shown, and named by GUEST_OUT; the console
# in $P9TMP/NAME.console).  Exits the test (1, with the console's tail)
# unless 9pguest exits 0.
guest_run() {
	local name=$1 rc=0
	shift
	GUEST_OUT=$P9TMP/$name.out
	"$P9BIN/9pguest" "$@" --console "$P9TMP/$name.console" >"$GUEST_OUT" 2>&1 || rc=$?
	cat "$GUEST_OUT"
	[[ $rc == 0 ]] || { echo "9pguest ($name) exited $rc"; tail -30 "$P9TMP/$name.console"; exit 1; }
}
