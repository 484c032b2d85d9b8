#!/usr/bin/env bash
# 53-suite-fixtures.sh - the contract tree on servers that are not synthfs
# (real diod): built over 9P in a writable export and removed after the
# run; kept with --keep-fixtures / --provision and reused by the next run
# (no second build); a stale partial tree rebuilt; built on the host with
# --provision-dir and used on a read-only export; on a read-only export
# without it the cases skip with the reason; bad --provision-dir is exit 2.
# timeout: 300
set -euo pipefail
. "$P9ROOT/tests/integration/lib/common.sh"
command -v diod >/dev/null 2>&1 || { echo "diod is not installed (scripts/bootstrap installs it)"; exit 1; }
s=$P9BIN/9psuite
chmod 0755 "$P9TMP"
diod_t() { echo "exec:diod -f -n -S -r 0 -w 1 ${2:-} -e $1 -L /dev/null"; }
CODES=(RDIR1 WALK3 WALK15 QID9 READ5 SYMLINK2)

# 1. a writable export: built for the run, removed after it
w=$P9TMP/w; mkdir -p "$w"; chmod 777 "$w"
"$s" --target "$(diod_t "$w")" --aname "$w" "${CODES[@]}" >"$P9TMP/1.tap" 2>"$P9TMP/1.err"
grep -q '^# 6 passed, 0 failed' "$P9TMP/1.tap" || { cat "$P9TMP/1.tap"; exit 1; }
grep -q 'built the fixture tree /9psuite-fixtures-[0-9]* (' "$P9TMP/1.err"
[[ -z $(ls -A "$w") ]] || { echo "left in the export: $(ls -A "$w")"; exit 1; }

# 2. a run that needs no fixture builds none
"$s" --target "$(diod_t "$w")" --aname "$w" WALK1 >"$P9TMP/2.tap" 2>"$P9TMP/2.err"
! grep -q 'fixture' "$P9TMP/2.err" "$P9TMP/2.tap" || { echo "built a tree nobody needed"; exit 1; }

# 3. --provision keeps 9psuite-fixtures; the next run reuses it (no build)
"$s" --target "$(diod_t "$w")" --aname "$w" --provision >"$P9TMP/3.out" 2>"$P9TMP/3.err"
grep -q 'the fixture tree is at /9psuite-fixtures on' "$P9TMP/3.out"
[[ -f $w/9psuite-fixtures/.9pkit-contract && -d $w/9psuite-fixtures/readdir/d10000 ]]
"$s" --target "$(diod_t "$w")" --aname "$w" "${CODES[@]}" >"$P9TMP/3.tap" 2>"$P9TMP/3.err"
grep -q '^# 6 passed, 0 failed' "$P9TMP/3.tap" || { cat "$P9TMP/3.tap"; exit 1; }
! grep -q 'built the fixture tree' "$P9TMP/3.err" || { echo "rebuilt a kept tree"; exit 1; }
[[ -d $w/9psuite-fixtures ]] || { echo "the kept tree was removed"; exit 1; }

# 4. a stale tree (stamp of another version, entries missing) is rebuilt
echo "9pkit contract tree 0" >"$w/9psuite-fixtures/.9pkit-contract"
rm -rf "$w/9psuite-fixtures/readdir/d100"
"$s" --target "$(diod_t "$w")" --aname "$w" --keep-fixtures RDIR1 >"$P9TMP/4.tap" 2>"$P9TMP/4.err"
grep -q '^# 1 passed, 0 failed' "$P9TMP/4.tap" || { cat "$P9TMP/4.tap" "$P9TMP/4.err"; exit 1; }
grep -q 'built the fixture tree /9psuite-fixtures (.*, kept' "$P9TMP/4.err"
rm -rf "$w/9psuite-fixtures"

# 5. --provision-dir builds on the host; a read-only export serves it
ro=$P9TMP/ro
"$s" --provision-dir "$ro" >"$P9TMP/5.out"
[[ $(cat "$ro/readdir/d1000/f999_"* | wc -c) == 0 && $(stat -c %s "$ro/data/1M") == 1048576 ]]
"$s" --target "$(diod_t "$ro" "-o ro")" --aname "$ro" "${CODES[@]}" >"$P9TMP/5.tap" 2>"$P9TMP/5.err"
grep -q '^# 6 passed, 0 failed' "$P9TMP/5.tap" || { cat "$P9TMP/5.tap" "$P9TMP/5.err"; exit 1; }
! grep -q 'built the fixture tree' "$P9TMP/5.err"

# 6. a read-only export without the tree: the cases skip, naming the way out
e=$P9TMP/empty; mkdir -p "$e"
"$s" --target "$(diod_t "$e" "-o ro")" --aname "$e" RDIR1 >"$P9TMP/6.tap" 2>"$P9TMP/6.err"
grep -q '^ok 1 - RDIR1 .*# SKIP needs the fixture tree: the target is read-only and holds no fixture tree (build one into its export with 9psuite --provision-dir DIR)' "$P9TMP/6.tap" ||
	{ cat "$P9TMP/6.tap"; exit 1; }

# 7. a --provision-dir that cannot be made: one line, exit 2
rc=0
"$s" --provision-dir /proc/9pkit-nope >"$P9TMP/7.out" 2>"$P9TMP/7.err" || rc=$?
[[ $rc == 2 ]] && grep -q '^9psuite: --provision-dir: /proc/9pkit-nope' "$P9TMP/7.err" ||
	{ echo "bad --provision-dir: rc $rc"; cat "$P9TMP/7.err"; exit 1; }
echo "fixtures: built, removed, kept, reused, rebuilt, host-built, read-only: ok"
