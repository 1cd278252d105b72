#!/usr/bin/env bash
# Runs the benchmarks (tools/dev.sh bench). Results print as tables; JSON copies go to
# $BUILD_DIR/bench-*.json for comparisons between runs.
set -euo pipefail
build_dir="${1:-build}"
for bench in decode_bench episodic_bench episodic_statement_bench prefix_bench rpc_bench \
  storage_bench; do
  echo "== $bench"
  "$build_dir/bin/$bench" --benchmark_min_time=1 \
    --benchmark_out="$build_dir/bench-$bench.json" --benchmark_out_format=json
done
# Built only where faiss is installed (tools/bench/chunk_search_bench.sh installs it and runs it).
if [ -x "$build_dir/bin/chunk_search_bench" ]; then
  echo "== chunk_search_bench"
  "$build_dir/bin/chunk_search_bench" --benchmark_repetitions=3 \
    --benchmark_out="$build_dir/bench-chunk_search_bench.json" --benchmark_out_format=json
fi
