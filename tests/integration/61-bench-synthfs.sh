#!/usr/bin/env bash
# 61-bench-synthfs.sh - 9pbench against bin/synthfs: the hop fit, readdir,
# --delay never shortens a reply, and compare's verdicts on result files
# transformed deterministically.  Behaviour only: no figure is compared
# with a speed (those claims are `make bench`'s, bench/synthfs-perf.sh and
# bench/ab-verdicts.sh, issue 16).
# timeout: 120
# quick
set -euo pipefail
B=$P9BIN/9pbench S=$P9BIN/synthfs
[[ -x $S ]] || { echo "no synthfs"; exit 77; }
cd "$P9TMP"
SYN="exec:$S --stdio"

# hops: one metric per hop count, a fit and the floor hop pair in the note
"$B" hops --synthfs "$S" --list 0,2 --count 300 --warmup 50 -o hops.json >hops.txt
cat hops.txt
grep -q '^hops/worker/0 ' hops.txt && grep -q '^hops/worker/2 ' hops.txt
grep -q 'fit latency = .* ns x hops .*floor eventfd hop pair' hops.txt
python3 - hops.json <<'PY'
import json, sys
m = {x["name"]: x for x in json.load(open(sys.argv[1]))["metrics"]}
assert m["hops/worker/0"]["x"] == 1 and m["hops/worker/2"]["x"] == 2   # worker alone = 1 pass
assert m["hops/worker/2"]["extra"]["floor_pair"] > 0
PY

# hops --target: the getattr-minus-flush estimate used for QEMU
"$B" hops -t "$SYN" --count 200 --warmup 20 --reps 2 -o est.json >est.txt
grep -q '^latency/flush/d1 ' est.txt && grep -q 'estimated hop pair' est.txt
grep -q '"kind": "hops-estimate"' est.json

# readdir lists every entry of d1000 (plus . and ..)
"$B" readdir -t "$SYN" -q --list 1000 --reps 1 --msize 8192 -o rd.json
python3 - rd.json <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))["metrics"][0]["extra"]
assert e["entries"] in (1000, 1002), e
assert e["treaddirs"] > 2, e
PY

# readdir with a hop pair per entry (--readdir-hops per-entry) against one
# pass per Treaddir: the same entries and Treaddirs, and the report shows
# the factor (how large it is, is `make bench`'s claim: synthfs-perf.sh)
"$B" readdir -t "$SYN --dispatch worker" -q --label synthfs --series worker-per-request --list 1000 \
	--reps 2 -o rdreq.json
"$B" readdir -t "$SYN --readdir-hops per-entry" -q --label synthfs --series worker-per-entry --list 1000 \
	--reps 2 -o rdent.json
python3 - rdreq.json rdent.json <<'PY'
import json, sys
req, ent = (json.load(open(f))["metrics"][0] for f in sys.argv[1:3])
assert req["extra"]["entries"] == ent["extra"]["entries"] == 1002, (req, ent)
assert req["extra"]["treaddirs"] == ent["extra"]["treaddirs"], (req, ent)
assert req["value"] > 0 and ent["value"] > 0, (req["value"], ent["value"])
PY
"$B" report -q --gp "$P9ROOT/reports" -o outrd rdreq.json rdent.json
grep -q 'Per-entry hop factor' outrd/index.html
grep -Eq '<td>worker-per-entry</td><td>1000</td>.*<td>[0-9.]+x</td></tr>' outrd/index.html

# --delay getattr=200 never shortens a reply: every getattr takes at least
# 200 us (a lower bound only; how close to 200 us is bench/delay-accuracy.sh's)
"$B" latency -t "$SYN --delay getattr=200" -q --op getattr --count 100 --warmup 10 \
	--reps 1 -o delay.json
python3 - delay.json <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))["metrics"][0]
assert m["value"] >= 200000 and min(m["samples"]) >= 200000, (m["value"], min(m["samples"]))
PY

# compare's verdicts on one run and deterministic transforms of it: the
# file against itself is not a regression; a copy whose samples and rounds
# are 1.5 times longer is (exit 1), naming the metric
"$B" latency -t "$SYN" -q --count 600 --warmup 100 --reps 5 --op getattr,read4k -o a.json
"$B" compare a.json a.json --json same.json >same.txt || { cat same.txt; echo "a file flagged slower than itself"; exit 1; }
grep -q 'no regression' same.txt
grep -q 'between-run' same.txt
grep -q '"slower": 0' same.json
python3 - a.json slow.json <<'PY'
import json, sys
# compare judges latency by rounds; each round is set to the run's median
# (base and copy alike) so the verdict is not this run's noise, only the 1.5
base, slow = json.load(open(sys.argv[1])), json.load(open(sys.argv[1]))
for b, m in zip(base["metrics"], slow["metrics"]):
    b["rounds"] = [b["value"]] * len(b["rounds"])
    m["rounds"] = [1.5 * b["value"]] * len(m["rounds"])
    m["samples"] = [1.5 * v for v in m["samples"]]
    m["value"] *= 1.5
json.dump(base, open(sys.argv[1] + ".flat", "w"))
json.dump(slow, open(sys.argv[2], "w"))
PY
set +e
"$B" compare a.json.flat slow.json --json cmp.json >slow.txt; rc=$?
set -e
cat slow.txt
[[ $rc == 1 ]] || { echo "1.5 times the latencies not flagged (exit $rc)"; exit 1; }
grep -q '^latency/getattr/d1 .*slower$' slow.txt
grep -q '^latency/read4k/d1 .*slower$' slow.txt
grep -q '"verdict": "slower"' cmp.json

# ab: two targets in one run, rounds interleaved; its verdict is a speed
# claim (bench/ab-verdicts.sh), so only the structure is checked here
rc=0
"$B" ab "$SYN" "$SYN --delay getattr=1" --op getattr,read4k --reps 3 --count 300 --warmup 30 \
	--json ab.json >ab.txt || rc=$?
cat ab.txt
[[ $rc == 0 || $rc == 1 ]] || { echo "ab: exit $rc"; exit 1; }
grep -q '^note: A/B in one run: 3 interleaved rounds' ab.txt
python3 - ab.json <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["format"] == "9pbench-compare" and j["method"] == "ab", j
names = [m["name"] for m in j["metrics"]]
assert names == ["latency/getattr/d1", "latency/read4k/d1"], names
for m in j["metrics"]:
    assert m["base"] > 0 and m["new"] > 0 and m["lo"] <= m["rel"] <= m["hi"], m
PY
set +e
"$B" ab "$SYN" "unix:$P9TMP/nonexistent.sock" --reps 2 --count 20 2>aberr.txt; rc=$?
set -e
[[ $rc == 2 ]] && grep -q "nonexistent.sock" aberr.txt || { echo "ab: dead B: exit $rc"; cat aberr.txt; exit 1; }

# the report draws what it was given and stays offline; a 9psuite JSON
# result (recognised by content) becomes the families x targets matrix
cat >suite.json <<'JS'
{"tool":"9psuite","target":"exec:synthfs","summary":{"pass":1,"fail":1,"xfail":1},
 "cases":[{"code":"ATT1","flags":["attach","qid"],"status":"pass"},
          {"code":"WLK2","flags":["walk"],"status":"fail"},
          {"code":"WLK3","flags":["walk"],"status":"xfail"}]}
JS
"$B" report -q --gp "$P9ROOT/reports" -o out a.json slow.json hops.json est.json rd.json cmp.json ab.json suite.json
grep -q '<tr><td>walk</td><td class="bad">0 / 1 / 1</td></tr>' out/index.html
grep -q '<tr><td>attach</td><td class="good">1 / 0 / 0</td></tr>' out/index.html
"$B" report -q --gp "$P9ROOT/reports" -o out0 a.json
grep -q 'No 9psuite results' out0/index.html
grep -q '<h2 id="hops">' out/index.html
grep -q 'estimated hop pair' out/index.html
grep -q 'baseline versus new' out/index.html
if grep -Eq '<script|https?://' out/index.html; then echo "report is not offline"; exit 1; fi
if command -v gnuplot >/dev/null; then
	for c in cdf_getattr hops compare0 readdir; do
		[[ -s out/$c.svg && -s out/$c.png ]] || { echo "chart $c missing"; cat out/gnuplot.log; exit 1; }
	done
fi
echo "9pbench against synthfs: ok"
