#!/usr/bin/env bash
# bench/explore-perf.sh - throughput of `9psuite explore` against the
# built-in synthfs: steps per second, and where the time goes (the model's
# predictions and checks, waiting on the server, the rest: generation and
# making/removing a scratch directory per sequence of 200 steps).
# Goal: at least 1000 steps/s, and the model under 20% of model + server
# time (the explorer must be limited by the server, not by itself).
#   bench/explore-perf.sh [SECONDS]      (default 20; bin/ must be built)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
json=$(mktemp)
trap 'rm -f "$json"' EXIT
bin/9psuite explore --seed 1 --duration "$secs" --json "$json" >/dev/null 2>&1 || {
	echo "FAIL: 9psuite explore did not run clean against synthfs"; exit 1; }
python3 - "$json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
rate = j["steps"] / j["secs"]
model, server = j["model_secs"], j["server_secs"]
share = 100 * model / (model + server)
other = j["secs"] - model - server
print(f"explore vs synthfs: {j['steps']} steps in {j['secs']:.1f}s = {rate:.0f} steps/s")
print(f"time: model {model:.2f}s ({share:.1f}% of model+server), server {server:.2f}s, "
      f"other (generation, scratch setup) {other:.2f}s")
ok = rate >= 1000 and share < 20
print(("PASS" if ok else "FAIL") + ": goal >= 1000 steps/s and model < 20% of model+server")
sys.exit(0 if ok else 1)
PY
