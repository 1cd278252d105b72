#!/usr/bin/env bash
# Installs the Debian packages engram needs to build and test, skipping those already present.
# Needs root (or sudo) only when something is missing. Only the Debian archive is used.
#
#   tools/install-deps.sh          install what is missing
#   tools/install-deps.sh --list   print the package list and exit
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config ccache git
  # libraries (design.md): storage, model, protocol, server, tests, benchmarks
  liblmdb-dev lmdb-utils
  libtorch-dev
  libopenblas0-pthread   # without it Debian's LibTorch falls back to reference BLAS (~30x slower)
  libflatbuffers-dev flatbuffers-compiler
  libboost-dev
  libuv1-dev
  libxxhash-dev
  libreadline-dev
  libgtest-dev libbenchmark-dev
  # the engramd tests: stock Redis clients (redis-cli; redis-py for Debian's python3)
  python3 redis-tools python3-redis
  # the fuzz smoke of the test command (tools/fuzz-smoke.sh): clang and its libFuzzer runtime
  clang libclang-rt-14-dev
)

if [[ "${1:-}" == "--list" ]]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

as_root=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "install-deps: missing ${missing[*]}; run as root (or install sudo)" >&2
    exit 1
  fi
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
