#!/usr/bin/env bash
# A bounded libFuzzer run of the query parser and the storage codec, for CI.
#
#   tools/fuzz-smoke.sh [BUILD_DIR]      BUILD_DIR defaults to build-fuzz (relative to the root)
#
# Configures BUILD_DIR with clang and -DENGRAM_FUZZ=ON unless it is configured already, builds
# only language_parser_fuzz and storage_codec_fuzz (no LibTorch code is compiled), and runs each
# for FUZZ_SECONDS (both at once when there are two cores or more). Exits 1 when a target
# crashes, leaks, hangs or runs out of memory, printing the reproducer's path and the command
# that replays it; 2 when it cannot build or run them.
#
# Corpora persist in BUILD_DIR/fuzz/<target>/corpus, so each run starts from what the previous
# ones found. The parser also starts from every statement of tests/sql/**/*.test; when the main
# build has them (SEED_BUILD_DIR, default build), language_tests and storage_tests write their
# seed inputs too. Findings land in BUILD_DIR/fuzz/<target>/artifacts.
#
# Needs the Debian packages clang and libclang-rt-14-dev (libFuzzer and the sanitizer runtimes,
# which clang only recommends); llvm-14 (llvm-symbolizer) makes stack traces readable.
#
# Environment: FUZZ_SECONDS (default 30) per target, FUZZ_RSS_MB (default 2048), FUZZ_TIMEOUT
# (seconds one input may take, default 10), JOBS (build jobs, default nproc), SEED_BUILD_DIR.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

build_dir="${1:-build-fuzz}"
seconds="${FUZZ_SECONDS:-30}"
rss_mb="${FUZZ_RSS_MB:-2048}"
timeout="${FUZZ_TIMEOUT:-10}"
jobs="${JOBS:-$(nproc)}"
seed_build_dir="${SEED_BUILD_DIR:-build}"
targets=(language_parser_fuzz storage_codec_fuzz)

say() { echo "fuzz-smoke: $*"; }
die() {
  echo "fuzz-smoke: $*" >&2
  exit 2
}

for n in "$seconds" "$rss_mb" "$timeout"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "FUZZ_SECONDS, FUZZ_RSS_MB and FUZZ_TIMEOUT must be positive integers"
done

# --- toolchain: clang and its libFuzzer runtime ---

if ! command -v clang >/dev/null || ! command -v clang++ >/dev/null; then
  die "clang is missing (apt-get install clang libclang-rt-14-dev)"
fi
fuzzer_runtime="$(clang++ -print-resource-dir)/lib/linux/libclang_rt.fuzzer-$(uname -m).a"
[[ -f "$fuzzer_runtime" ]] ||
  die "libFuzzer is missing ($fuzzer_runtime; apt-get install libclang-rt-14-dev)"

# --- configure (once) and build the two targets ---

has_targets() {
  local all
  all="$(ninja -C "$build_dir" -t targets all 2>/dev/null)" || return 1
  for target in "${targets[@]}"; do
    grep -q "^$target:" <<<"$all" || return 1
  done
}

if [[ ! -f "$build_dir/build.ninja" ]]; then
  say "configuring $build_dir with clang"
  configure_log="$(mktemp)"
  CC=clang CXX=clang++ cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DENGRAM_FUZZ=ON -DENGRAM_BUILD_BENCHMARKS=OFF >"$configure_log" 2>&1 ||
    { cat "$configure_log" >&2; rm -f "$configure_log"; die "configuring $build_dir failed"; }
  rm -f "$configure_log"
  say "configured in ${SECONDS}s"
elif ! has_targets; then
  # Configured without ENGRAM_FUZZ: switch it on (the compiler of a build dir cannot change).
  cmake -S . -B "$build_dir" -DENGRAM_FUZZ=ON >/dev/null
fi
has_targets || die "$build_dir has no fuzz targets: it was configured with another compiler than clang (remove it, or pass another BUILD_DIR)"

say "building ${targets[*]} in $build_dir"
build_start=$SECONDS
cmake --build "$build_dir" -j "$jobs" --target "${targets[@]}" >/dev/null ||
  { cmake --build "$build_dir" -j 1 --target "${targets[@]}" >&2 || true; die "the build failed"; }
say "built in $((SECONDS - build_start))s"

# --- seeds ---

work="$build_dir/fuzz"
for target in "${targets[@]}"; do
  mkdir -p "$work/$target/corpus" "$work/$target/artifacts"
  rm -rf "$work/$target/seeds"
  mkdir -p "$work/$target/seeds"
done

# Every statement of the .test scripts: the lines after a statement/query directive up to a
# blank line or '----' (tests/sql/README.md).
# shellcheck disable=SC2016  # the $0 in the program is awk's
find tests/sql -name '*.test' -print0 | sort -z |
  LC_ALL=C xargs -0 awk -v dir="$work/language_parser_fuzz/seeds" '
    FNR == 1 { inside = 0 }
    /^(statement|query)( |$)/ { n++; file = sprintf("%s/sql-%04d", dir, n); inside = 1; first = 1; next }
    inside && (/^[ \t]*$/ || /^----$/) { if (!first) close(file); inside = 0; next }
    inside { printf("%s%s", first ? "" : "\n", $0) > file; first = 0 }'

if [[ -x "$seed_build_dir/bin/language_tests" ]]; then
  ENGRAM_PARSER_FUZZ_SEED_DIR="$work/language_parser_fuzz/seeds" \
    "$seed_build_dir/bin/language_tests" --gtest_filter='ParserFuzz.SeedsParse' >/dev/null || true
fi
if [[ -x "$seed_build_dir/bin/storage_tests" ]]; then
  ENGRAM_CODEC_FUZZ_SEED_DIR="$work/storage_codec_fuzz/seeds" \
    "$seed_build_dir/bin/storage_tests" --gtest_filter='CodecFuzz.SeedsDecodeAndRoundTrip' \
    >/dev/null || true
fi

# --- run ---

marker="$work/.started"
touch "$marker"

run_target() {
  local target="$1"
  local dir="$work/$target"
  "$build_dir/bin/$target" -max_total_time="$seconds" -rss_limit_mb="$rss_mb" \
    -timeout="$timeout" -print_final_stats=1 -artifact_prefix="$dir/artifacts/" \
    "$dir/corpus" "$dir/seeds" >"$dir/last-run.log" 2>&1
}

declare -A status
if [[ "$(nproc)" -ge 2 ]]; then
  declare -A pids
  for target in "${targets[@]}"; do
    say "running $target for ${seconds}s"
    run_target "$target" &
    pids[$target]=$!
  done
  for target in "${targets[@]}"; do
    status[$target]=0
    wait "${pids[$target]}" || status[$target]=$?
  done
else
  for target in "${targets[@]}"; do
    say "running $target for ${seconds}s"
    status[$target]=0
    run_target "$target" || status[$target]=$?
  done
fi

failed=0
for target in "${targets[@]}"; do
  dir="$work/$target"
  log="$dir/last-run.log"
  if [[ "${status[$target]}" -eq 0 ]]; then
    runs="$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')"
    say "$target: ok ($runs inputs in ${seconds}s, corpus of $(find "$dir/corpus" -type f | wc -l) files)"
    continue
  fi
  failed=1
  echo "fuzz-smoke: $target FAILED (exit ${status[$target]}); the end of $log:" >&2
  tail -n 60 "$log" >&2
  found=0
  while IFS= read -r -d '' artifact; do
    found=1
    echo "fuzz-smoke: reproducer: $artifact" >&2
    echo "fuzz-smoke: replay with: $build_dir/bin/$target $artifact" >&2
  done < <(find "$dir/artifacts" -type f -newer "$marker" -print0)
  [[ "$found" -eq 1 ]] || echo "fuzz-smoke: no reproducer was written (see $log)" >&2
done
exit "$failed"
