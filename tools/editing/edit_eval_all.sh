#!/usr/bin/env bash
# The measurements of docs/editing.md §6: engram-edit-eval at T = 10, 100 and 1,000 with the
# default settings, then the ablations at T = 1,000. One JSON line per run in OUT/runs.jsonl,
# the text reports in OUT/*.txt, the per-prompt dumps in OUT/*.tsv (route_tradeoff.py reads
# them). About 40 minutes on the shared 2-core VM.
#
#   tools/editing/edit_eval_all.sh [BUILD_DIR] [OUT_DIR]
set -euo pipefail
build="${1:-build}"
out="${2:-edit-eval}"
mkdir -p "$out"
eval_bin="$build/bin/engram-edit-eval"
run() {
  local name="$1"
  shift
  echo "== $name: $*"
  "$eval_bin" --quiet --json "$out/runs.jsonl" --dump "$out/$name.tsv" "$@" | tee "$out/$name.txt" || true
}
run t10 --edits 10
run t100 --edits 100
run t1000 --edits 1000
run t1000-no-router-loss --edits 1000 --no-router-loss
run t1000-mask-0.2 --edits 1000 --mask 0.2
run t1000-merge-10 --edits 1000 --merge-freq 10
run t1000-no-truncations --edits 1000 --truncations 0
run t1000-no-gate --edits 1000 --gate none
python3 "$(dirname "$0")/route_tradeoff.py" "$out/t1000.tsv" --act-ratio 0.75 | tee "$out/tradeoff.txt"
