#!/usr/bin/env bash
# compare.sh: `factory bench` against PyTorch on this machine, in alternating rounds (one
# factory run of the workloads, then one PyTorch run of the same, ROUNDS times), so that both
# see the same machine at nearly the same moments. Prints a table: per workload, samples/s
# from the median and from the fastest of all timed rounds, for each, and factory / PyTorch.
# Installs what it needs on first use: PyTorch 2.15 and transformers into a virtual
# environment under .cache/pytorch-reference (several GB: the PyPI torch wheel brings its CUDA
# libraries), and the real backbones into factory's model store. A development tool, not
# part of `make test`.
#   Tools/pytorch-reference/compare.sh [--rounds N] [WORKLOAD ...]
#   FACTORY=path/to/factory (default .build/release/factory; build it with `make build`)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
factory=${FACTORY:-$root/.build/release/factory}
rounds=3
if [ "${1:-}" = "--rounds" ]; then rounds=$2; shift 2; fi
workloads=("$@")
if [ ${#workloads[@]} -eq 0 ]; then
  workloads=(minilm-train-b16-s128 minilm-infer-b16-s128 effnet-train-b16-224 effnet-frozen-b16-224
             effnet-infer-b16-224 ge2e-train-b32-f160 ge2e-infer-b32-f160)
fi
[ -x "$factory" ] || { echo "error: no factory binary at $factory; run 'make build' or set FACTORY" >&2; exit 1; }

venv=$root/.cache/pytorch-reference
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import torch, transformers" 2>/dev/null; then
  echo "compare: installing PyTorch 2.15 and transformers into $venv (first use only)" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "torch==2.15.0" transformers
fi
for backbone in minilm-l6 efficientnet-lite0 ge2e; do
  "$factory" models path "$backbone" >/dev/null 2>&1 || "$factory" models install "$backbone" >&2
done
export FACTORY_MODELS=$(dirname "$("$factory" models path ge2e)")

log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
for round in $(seq "$rounds"); do
  echo "compare: round $round of $rounds: factory" >&2
  "$factory" bench "${workloads[@]}" 2>"$log/factory-$round.err" >/dev/null
  echo "compare: round $round of $rounds: PyTorch" >&2
  "$venv/bin/python" "$here/reference.py" 2 "${workloads[@]}" 2>/dev/null >"$log/torch-$round.json"
done

python3 - "$log" "${workloads[@]}" <<'SUMMARY'
import glob, json, re, statistics, sys
folder, workloads = sys.argv[1], sys.argv[2:]
samples = lambda w: 32 if w.startswith("ge2e") else 16
factory, torch = {w: [] for w in workloads}, {w: [] for w in workloads}
for path in glob.glob(f"{folder}/factory-*.err"):
    for line in open(path):
        m = re.match(r"bench: (\S+): round \d+/5 ([0-9.]+) s", line)
        if m and m.group(1) in factory: factory[m.group(1)].append(float(m.group(2)))
for path in glob.glob(f"{folder}/torch-*.json"):
    for line in open(path):
        record = json.loads(line)
        if record["workload"] in torch: torch[record["workload"]] += record["round_seconds"]
print("| workload | factory samples/s (median; best) | PyTorch samples/s (median; best) | factory / PyTorch (median) |")
print("|---|---|---|---|")
for w in workloads:
    f, t = factory[w], torch[w]
    if not f or not t:
        print(f"| {w} | {'no rounds' if not f else ''} | {'no rounds' if not t else ''} | |"); continue
    fm, tm = samples(w) / statistics.median(f), samples(w) / statistics.median(t)
    print(f"| {w} | {fm:.1f}; {samples(w) / min(f):.1f} | {tm:.1f}; {samples(w) / min(t):.1f} | {fm / tm:.2f} |")
print(f"({len(next(iter(factory.values())))} timed rounds each)")
SUMMARY
