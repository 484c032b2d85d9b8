# lib9pg.sh - helpers the guest's /init and the workloads share (installed
# as /lib/9pg.sh).  Results go to the console as framed "@@9PG" lines;
# each failed step appends a line to /tmp/fails.

# frame KIND TEXT...: one framed line on the console.
frame() { echo "@@9PG $*"; }

# ok NAME [DETAIL] / fail NAME DETAIL: report step WL/NAME.
ok() { frame step "${WL:-init}/$1" ok "${2:-}"; }
fail() { frame step "${WL:-init}/$1" fail "${2:-}"; echo "$1" >>/tmp/fails; }

# check NAME CMD...: run CMD; ok if it exits 0, else fail with its output's
# last line.
check() {
	_n=$1; shift
	if "$@" >/tmp/check.out 2>&1; then ok "$_n"
	else fail "$_n" "exit $?: $(tail -1 /tmp/check.out)"; fi
}

# expect NAME WANT GOT: ok if the strings are equal.
expect() {
	if [ "$2" = "$3" ]; then ok "$1"
	else fail "$1" "want '$2' got '$3'"; fi
}

# mount9p DIR EXTRA: mount the target on DIR; EXTRA (comma-separated
# options such as msize=8192) overrides the run's options.
mount9p() {
	_o="version=$P9G_VERSION,cache=$P9G_CACHE"
	[ -n "$P9G_MSIZE" ] && _o="$_o,msize=$P9G_MSIZE"
	[ -n "$P9G_ANAME" ] && _o="$_o,aname=$P9G_ANAME"
	[ -n "$P9G_OPTS" ] && _o="$_o,$P9G_OPTS"
	[ -n "$2" ] && _o="$_o,$2"
	if [ "$P9G_TRANS" = virtio ]; then
		mount -t 9p -o "trans=virtio,$_o" "$P9G_TAG" "$1"
	else
		mount -t 9p -o "trans=tcp,port=$P9G_PORT,$_o" "$P9G_HOST" "$1"
	fi
}

# scratch: print a fresh writable directory on the mount (synthfs: under
# /rw), creating it.
scratch() {
	if [ -d /mnt/rw ]; then _s=/mnt/rw/9pguest.$WL; else _s=/mnt/9pguest.$WL; fi
	rm -rf "$_s" 2>/dev/null
	mkdir -p "$_s" && echo "$_s"
}

# remount EXTRA: mount the target again on /mnt with EXTRA options (a
# virtio channel serves one mount at a time, so this is how a workload
# tries other options).  Run it in the workload's own shell, not in $(...):
# a subshell's cwd would keep /mnt busy.  Leaves the cwd at /; the reason
# for a failure is in $REMOUNT_ERR.
remount() {
	cd /
	if ! umount /mnt 2>/tmp/umount.err; then
		REMOUNT_ERR="umount: $(tail -1 /tmp/umount.err)"
		return 1
	fi
	if ! mount9p /mnt "$1" 2>/tmp/mount.err; then
		REMOUNT_ERR=$(tail -1 /tmp/mount.err)
		return 1
	fi
}

# mount_opt NAME: the value of option NAME of the mount on /mnt.
mount_opt() {
	grep ' /mnt ' /proc/mounts | tr ',' '\n' | sed -n "s/^$1=//p" | head -1
}
