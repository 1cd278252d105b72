#!/usr/bin/env bash
# The guided tour (the README's first command, via tools/dev.sh demo): `engram demo` creates a
# fresh database in a temporary directory, runs every statement that works today with the shipped
# stories260K model, prints each statement with its explanation and result, and removes the
# database at the end. Exit status 0 when every step behaved as scripted.
#
#   tools/demo.sh [BUILD_DIR]     (default: build)
set -euo pipefail
build_dir="${1:-build}"
exec "$build_dir/bin/engram" demo
