#!/usr/bin/env bash
# 06-layers.sh - the layering rules hold, or their breaches are the known
# ones: scripts/check-layers --strict on the objects of the build under test
# (no cycle between the files of one program directory, nothing in lib/
# from outside lib/, no function over 80 lines) against scripts/layers.allow,
# which may only shrink.  Then proof that --strict fails on a finding that
# is not allowlisted and on an allowlisted line no longer found.
# serial
# timeout: 60
# quick
set -euo pipefail
. "$P9ROOT/tests/integration/lib/common.sh"
# the objects of the build whose programs are tested: build/san/bin ->
# build/san; bin/ (the release variant) -> build/rel
build=$(cd "$P9BIN/.." 2>/dev/null && pwd || true)
[[ -n $build && -d $build/obj ]] || build=$P9ROOT/build/rel
cl=("$P9ROOT/scripts/check-layers" --build "$build")

"${cl[@]}" --strict >"$P9TMP/strict.out" || {
	cat "$P9TMP/strict.out"
	echo "check-layers --strict failed (see docs/architecture.md, \"Checking the layers\")"
	exit 1
}
grep '^#' "$P9TMP/strict.out"

# --strict must fail on a finding missing from the allowlist ...
allow=$P9ROOT/scripts/layers.allow
first=$(grep -v '^#' "$allow" | grep -m1 . || true)
if [[ -n $first ]]; then
	grep -vxF -- "$first" "$allow" >"$P9TMP/less.allow"
	rc=0
	"${cl[@]}" --strict --allow "$P9TMP/less.allow" >"$P9TMP/less.out" || rc=$?
	[[ $rc == 1 ]] && grep -qxF -- "# new: $first" "$P9TMP/less.out" ||
		{ echo "--strict did not fail on a finding missing from the allowlist (exit $rc)"; exit 1; }
fi
# ... and on an allowlisted line that is no longer found
{ cat "$allow"; echo "cycle nowhere: a.c b.c"; } >"$P9TMP/more.allow"
rc=0
"${cl[@]}" --strict --allow "$P9TMP/more.allow" >"$P9TMP/more.out" || rc=$?
[[ $rc == 1 ]] && grep -qxF '# gone: cycle nowhere: a.c b.c' "$P9TMP/more.out" ||
	{ echo "--strict did not fail on a stale allowlist line (exit $rc)"; exit 1; }
echo ok
