#!/usr/bin/env bash
# Exact top-16 chunk retrieval over 1M keys against faiss IndexFlatIP (docs/context.md,
# "Retrieval"). Installs faiss from the Debian archive when it is missing (as root), configures
# and builds chunk_search_bench in the build directory, runs it and prints engram/faiss ratios.
#
#   tools/bench/chunk_search_bench.sh [BUILD_DIR] [benchmark flags...]
#   BUILD_DIR defaults to build; e.g. tools/bench/chunk_search_bench.sh build --benchmark_repetitions=5
set -euo pipefail
cd "$(dirname "$0")/../.."
build_dir="${1:-build}"
shift || true

if ! dpkg-query -W -f='${Status}' libfaiss-dev 2>/dev/null | grep -q "install ok installed"; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "chunk_search_bench: libfaiss-dev is missing; run this script as root to install it" >&2
    exit 1
  fi
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libfaiss-dev
fi

# Reconfigure so CMake finds faiss (a build dir configured before faiss was installed skipped
# the target), then build only the benchmark.
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build_dir" -j"$(nproc)" --target chunk_search_bench

echo "== chunk_search_bench"
exec "$build_dir/bin/chunk_search_bench" --benchmark_repetitions=3 \
  --benchmark_out="$build_dir/bench-chunk_search_bench.json" --benchmark_out_format=json "$@"
