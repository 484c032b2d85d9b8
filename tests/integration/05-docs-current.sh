#!/usr/bin/env bash
# 05-docs-current.sh - the generated parts of docs/ match what they are made
# from: docs/cases.md (suite/gen-cases-md.py: the catalogue and the bug
# table) and docs/servers.md's per-case tables (scripts/gen-servers-md.py:
# targets/*.expect).  A case or an expectation changed without its doc fails.
# timeout: 300
set -euo pipefail
. "$P9ROOT/tests/integration/lib/common.sh"
cd "$P9ROOT"
python3 scripts/gen-servers-md.py --check "$P9BIN"
# cases.md: regenerate into a scratch tree and compare
mkdir -p "$P9TMP/c/docs"
ln -s "$P9ROOT/suite" "$P9TMP/c/suite"
(cd "$P9TMP/c" && python3 suite/gen-cases-md.py "$P9BIN")
if ! diff -u docs/cases.md "$P9TMP/c/docs/cases.md" >"$P9TMP/cases.diff"; then
	echo "docs/cases.md is not current (run suite/gen-cases-md.py):"
	head -20 "$P9TMP/cases.diff"
	exit 1
fi
echo "docs/cases.md and docs/servers.md are current"
