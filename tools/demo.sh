#!/usr/bin/env bash
# The guided tour of what engram does so far: the model co-process, engram-compute, running the
# shipped stories260K model. Each step prints the command, then its output.
# (The language and the database arrive with their issues; `engram demo` will take over.)
set -euo pipefail
build_dir="${1:-build}"
bin="$build_dir/bin"

step() {
  printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "${*:2}"
  "${@:2}"
}

step "The model engram-compute serves: files, fingerprint, engine" \
  "$bin/engram-compute" info
step "Tokenise a sentence with the model's tokenizer" \
  "$bin/engram-compute" tokenize "Lily and Ben went to the park."
step "Greedy decoding, 200 steps: byte for byte llama2.c's reference output" \
  "$bin/engram-compute" generate --steps 200 --temperature 0
step "Seeded sampling (temperature 0.8, top-p 0.9): the same seed gives the same story" \
  "$bin/engram-compute" generate --prompt "Lily and Ben" --steps 120 --temperature 0.8 --seed 42

printf '\n\033[1m== The co-process over its socket\033[0m\n'
sock_dir="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$sock_dir"' EXIT
"$bin/engram-compute" serve --listen "unix:$sock_dir/compute.sock" > "$sock_dir/ready" &
server=$!
for _ in $(seq 100); do grep -q listening "$sock_dir/ready" 2>/dev/null && break; sleep 0.05; done
cat "$sock_dir/ready"
echo "(engines reach it through query/compute_client: spawned on demand, restarted if it dies)"
kill "$server"
wait "$server" 2>/dev/null || true
echo
echo "Tour done. Run 'tools/dev.sh test' for the test suite, 'tools/dev.sh bench' for benchmarks."
