# basic.sh - everyday file operations through the mount, each a checked step:
# ls -la, cat, stat, write and read back, mkdir, rename, unlink,
# symlink/readlink, hardlink, truncate, append.  Sourced by /init in /mnt.
check ls-root ls -la /mnt
if [ -f /mnt/README ]; then
	expect cat-readme "synthfs: a synthetic 9P test tree" "$(cat /mnt/README)"
fi
S=$(scratch) || { fail scratch "cannot create a scratch directory"; return; }
frame info "basic: scratch $S"

echo hello >"$S/f" 2>/tmp/e && ok write || fail write "$(tail -1 /tmp/e)"
expect read-back hello "$(cat "$S/f" 2>&1)"
expect stat-size 6 "$(stat -c %s "$S/f" 2>&1)"
expect stat-type "regular file" "$(stat -c %F "$S/f" 2>&1)"
check chmod chmod 640 "$S/f"
expect stat-mode 640 "$(stat -c %a "$S/f" 2>&1)"
check mkdir mkdir "$S/d"
expect stat-dir directory "$(stat -c %F "$S/d" 2>&1)"
check rename mv "$S/f" "$S/d/g"
expect rename-gone no "$([ -e "$S/f" ] && echo yes || echo no)"
expect rename-read hello "$(cat "$S/d/g" 2>&1)"
expect ls-dir g "$(ls "$S/d" 2>&1)"
echo world >>"$S/d/g" 2>/tmp/e && ok append || fail append "$(tail -1 /tmp/e)"
expect append-read "hello
world" "$(cat "$S/d/g" 2>&1)"
check truncate truncate -s 3 "$S/d/g"
expect truncate-read hel "$(cat "$S/d/g" 2>&1)"
check truncate-grow truncate -s 100000 "$S/d/g"
expect truncate-size 100000 "$(stat -c %s "$S/d/g" 2>&1)"
if [ "$P9G_VERSION" = 9p2000 ]; then
	frame info "basic: 9P2000 has no links; symlink and hardlink steps skipped"
else
	check symlink ln -s d/g "$S/sl"
	expect readlink d/g "$(readlink "$S/sl" 2>&1)"
	expect symlink-type "symbolic link" "$(stat -c %F "$S/sl" 2>&1)"
	expect symlink-follow 100000 "$(stat -L -c %s "$S/sl" 2>&1)"
	check hardlink ln "$S/d/g" "$S/hl"
	# a 9P2000.u stat has no link count: Linux shows 1
	[ "$P9G_VERSION" = 9p2000.u ] ||
		expect hardlink-nlink 2 "$(stat -c %h "$S/hl" 2>&1)"
	expect hardlink-same "$(stat -c %i "$S/d/g" 2>&1)" "$(stat -c %i "$S/hl" 2>&1)"
	check unlink rm "$S/hl"
	expect unlink-gone no "$([ -e "$S/hl" ] && echo yes || echo no)"
	check unlink-symlink rm "$S/sl"
fi
check rmdir-nonempty-fails sh -c "! rmdir '$S/d' 2>/dev/null"
check unlink-file rm "$S/d/g"
check rmdir rmdir "$S/d"
expect ls-empty "" "$(ls -A "$S" 2>&1)"
check cleanup rmdir "$S"
