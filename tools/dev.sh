#!/usr/bin/env bash
# The project's entry point: installs what is missing, builds, then runs one job.
#
#   tools/dev.sh demo    the guided tour (the README's first command)
#   tools/dev.sh test    the whole test suite, then a bounded fuzz run of the parser and the
#                        storage codec (the README's second command; CI runs this)
#   tools/dev.sh build   just install and build
#   tools/dev.sh bench   build and run the benchmarks under tools/bench
#
# Environment: BUILD_DIR (default build), BUILD_TYPE (default Release), JOBS (default nproc),
# CMAKE_ARGS (extra configure arguments, e.g. -DENGRAM_CUDA=ON -DTorch_DIR=...),
# FUZZ_SECONDS (per fuzz target in `test`, default 30; 0 skips the fuzz run), FUZZ_BUILD_DIR
# (default build-fuzz).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
job="${1:-}"
case "$job" in
  demo | test | build | bench) ;;
  *)
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
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
    # FUZZ_SECONDS=0 skips it (e.g. while iterating on one test).
    if [[ "${FUZZ_SECONDS:-30}" != 0 ]]; then
      SEED_BUILD_DIR="$build_dir" tools/fuzz-smoke.sh "${FUZZ_BUILD_DIR:-build-fuzz}"
    fi
    ;;
  demo)
    tools/demo.sh "$build_dir"
    ;;
  bench)
    tools/bench/run.sh "$build_dir"
    ;;
esac
