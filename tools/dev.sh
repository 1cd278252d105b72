#!/usr/bin/env bash
# The project's entry point: installs what is missing, builds, then runs one job.
#
#   tools/dev.sh demo    the guided tour (the README's first command)
#   tools/dev.sh test    the whole test suite (the README's second command; CI runs this)
#   tools/dev.sh build   just install and build
#   tools/dev.sh bench   build and run the benchmarks under tools/bench
#
# Environment: BUILD_DIR (default build), BUILD_TYPE (default Release), JOBS (default nproc),
# CMAKE_ARGS (extra configure arguments, e.g. -DENGRAM_CUDA=ON -DTorch_DIR=...).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
job="${1:-}"
case "$job" in
  demo | test | build | bench) ;;
  *)
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac

build_dir="${BUILD_DIR:-build}"
jobs="${JOBS:-$(nproc)}"

tools/install-deps.sh

if [[ ! -f "$build_dir/build.ninja" ]]; then
  # shellcheck disable=SC2086
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" ${CMAKE_ARGS:-}
fi
cmake --build "$build_dir" -j "$jobs"

case "$job" in
  build) ;;
  test)
    ctest --test-dir "$build_dir" --output-on-failure -j "$jobs"
    ;;
  demo)
    tools/demo.sh "$build_dir"
    ;;
  bench)
    tools/bench/run.sh "$build_dir"
    ;;
esac
