#!/usr/bin/env python3
# gen-servers-md.py - keep docs/servers.md's per-case tables true: each table
# between "<!-- expect: T1 T2 ... -->" and "<!-- end expect -->" is rebuilt
# from targets/T*.expect (the entries), `9psuite --list` (the level) and the
# cases' `level` lines (the rule).  Entries of several targets with the same
# case and reason make one row naming the targets.
#   scripts/gen-servers-md.py [--check] [BINDIR]    run from the checkout
# --check: exit 1 (and say which table) when the file is not up to date.
import glob, re, subprocess, sys

args = [a for a in sys.argv[1:] if a != "--check"]
check = "--check" in sys.argv[1:]
bindir = args[0] if args else "bin"
DOC = "docs/servers.md"

listing = subprocess.run([bindir + "/9psuite", "--list"], capture_output=True, text=True,
                         check=True).stdout
level = {}
for line in listing.splitlines():
    m = re.match(r"(\S+)\s+(.{7}) (\S+)", line)  # code, dialects, level (gen-cases-md.py)
    if m and not line.startswith("#"):
        level[m.group(1)] = m.group(3)
rule = {}
for path in sorted(glob.glob("suite/cases/*.case")):
    code = None
    for line in open(path):
        m = re.match(r"case (\S+) ", line)
        if m:
            code = m.group(1)
        m = re.match(r'level \S+ "(.*)"\s*$', line)
        if m and code:
            rule[code] = m.group(1).replace('\\"', '"')


def entries(target):
    out = []
    for line in open(f"targets/{target}.expect"):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        code, _, why = line.partition(" ")
        out.append((code, why.strip()))
    return out


def cell(s):
    return s.replace("|", "\\|")


def table(targets):
    rows, where = [], {}
    for t in targets:
        for code, why in entries(t):
            key = (code, why)
            if key not in where:
                where[key] = []
                rows.append(key)
            where[key].append(t)
    out = ["| case | level | what was sent, what came back | rule |", "|---|---|---|---|"]
    for code, why in rows:
        base = code.split("/")[0]
        ts = where[(code, why)]
        suffix = f" ({', '.join(ts)})" if len(targets) > 1 else ""
        out.append(f"| {code} | {level.get(base, '?')} | {cell(why)}{suffix} | "
                   f"{cell(rule.get(base, ''))} |")
    return out


text = open(DOC).read().split("\n")
new, i, stale = [], 0, []
while i < len(text):
    m = re.match(r"<!-- expect: (.*) -->$", text[i])
    if not m:
        new.append(text[i])
        i += 1
        continue
    targets = m.group(1).split()
    j = i + 1
    while j < len(text) and text[j] != "<!-- end expect -->":
        j += 1
    if j == len(text):
        sys.exit(f"{DOC}: '{text[i]}' has no '<!-- end expect -->'")
    body = table(targets)
    if text[i + 1:j] != body:
        stale.append(" ".join(targets))
    new += [text[i]] + body + [text[j]]
    i = j + 1
if check:
    if stale:
        print(f"{DOC}: the tables of {', '.join(stale)} differ from targets/*.expect "
              "(run scripts/gen-servers-md.py)")
        sys.exit(1)
    sys.exit(0)
open(DOC, "w").write("\n".join(new))
print(f"{DOC}: {len(stale)} table(s) rewritten")
