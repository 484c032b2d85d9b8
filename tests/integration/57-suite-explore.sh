#!/usr/bin/env bash
# 57-suite-explore.sh - `9psuite explore` (docs/explore.md): a short seeded
# exploration of the built-in synthfs finds nothing; against two synthfs
# --bug switches it finds a mismatch and writes a shrunk reproducer that
# fails on that bug's server and passes on clean synthfs with plain
# `9psuite --cases DIR`.  Behaviour only, no timing.
# timeout: 120
set -euo pipefail
. "$P9ROOT/tests/integration/lib/common.sh"
s=$P9BIN/9psuite
sfs=$P9BIN/synthfs

# clean: a seeded run of fixed length, exit 0, one passing test point
rc=0
"$s" explore --seed 1 --steps 3000 --json "$P9TMP/clean.json" >"$P9TMP/clean.tap" \
	2>"$P9TMP/clean.err" || rc=$?
[[ $rc == 0 ]] || { cat "$P9TMP/clean.tap"; echo "clean synthfs: exit $rc"; exit 1; }
grep -q '^ok 1 - explore: 3000 steps' "$P9TMP/clean.tap"
grep -q '^# coverage: 18 of 18 operations exercised' "$P9TMP/clean.tap"
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert not j["found"] and j["steps"]==3000' \
	"$P9TMP/clean.json"
echo "clean synthfs: $(tail -1 "$P9TMP/clean.tap" | cut -c1-70)"

# two bugs: found, shrunk, and the reproducer is a case of its own
for bug in holes-nonzero readdir-ignore-offset; do
	mkdir -p "$P9TMP/$bug"
	# one server for the run and its shrinking (exec: would start one per
	# connection); every sequence has a scratch directory of its own
	synthfs_start "$bug" --bug "$bug"
	rc=0
	"$s" explore --seed 1 --duration 50 --target "$SYNTHFS_ADDR" \
		--out "$P9TMP/$bug/repro.case" >"$P9TMP/$bug.tap" 2>"$P9TMP/$bug.err" || rc=$?
	[[ $rc == 1 ]] || { cat "$P9TMP/$bug.tap"; echo "bug $bug: exit $rc, not found"; exit 1; }
	synthfs_stop "$SYNTHFS_PID"
	grep -q '^not ok 1 - explore' "$P9TMP/$bug.tap"
	grep -q '^#   case EXPLORE1' "$P9TMP/$bug.tap"   # the reproducer in the TAP output
	n=$(grep -c '^send ' "$P9TMP/$bug/repro.case")
	(( n <= 12 )) || { cat "$P9TMP/$bug/repro.case"; echo "bug $bug: $n steps"; exit 1; }
	rc=0
	"$s" --cases "$P9TMP/$bug" --target "exec:$sfs --stdio --bug $bug" >"$P9TMP/$bug.bad.tap" || rc=$?
	[[ $rc == 1 ]] || { cat "$P9TMP/$bug.bad.tap"; echo "bug $bug: reproducer did not fail"; exit 1; }
	rc=0
	"$s" --cases "$P9TMP/$bug" --dialect L >"$P9TMP/$bug.good.tap" || rc=$?
	[[ $rc == 0 ]] || { cat "$P9TMP/$bug/repro.case" "$P9TMP/$bug.good.tap"
		echo "bug $bug: reproducer fails on clean synthfs"; exit 1; }
	echo "bug $bug: found, shrunk to $n requests; fails on the bug, passes on synthfs"
done
