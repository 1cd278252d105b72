#!/usr/bin/env bash
# engramd against redis-server under the same load generator (redis-benchmark), in one run:
# PING throughput with pipelining (the RESP path: parse, dispatch, reply, write) and READ
# throughput and latency (a statement on a worker thread and the episodic memory in the
# co-process). Installs redis-server from the Debian archive when missing (needs root or sudo).
#
#   tools/bench/server_bench.sh [BUILD_DIR]        (default: build)
#
# Environment: ROUNDS (3: the median is reported), PING_REQUESTS (1000000), READ_REQUESTS
# (3000), CLIENTS (50), PIPELINE (16), ENGRAMD_ARGS (extra engramd flags). Results are recorded
# in docs/server.md.
set -euo pipefail

build_dir="${1:-build}"
engramd="$build_dir/bin/engramd"
rounds="${ROUNDS:-3}"
ping_requests="${PING_REQUESTS:-1000000}"
read_requests="${READ_REQUESTS:-3000}"
clients="${CLIENTS:-50}"
pipeline="${PIPELINE:-16}"

if [[ ! -x "$engramd" ]]; then
  echo "server_bench: $engramd is missing: build it first (cmake --build $build_dir --target engramd engram-compute)" >&2
  exit 1
fi
for tool in redis-server redis-benchmark; do
  if ! command -v "$tool" >/dev/null; then
    as_root=()
    [[ $(id -u) -ne 0 ]] && as_root=(sudo)
    echo "server_bench: installing redis-server and redis-tools"
    DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends \
      redis-server redis-tools
    break
  fi
done

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# engramd on a free port (its ready line says which).
# shellcheck disable=SC2086  # ENGRAMD_ARGS: extra flags, word-split on purpose
"$engramd" --db "$work/db" --port 0 ${ENGRAMD_ARGS:-} > "$work/engramd.out" 2> "$work/engramd.err" &
pids+=($!)
for _ in $(seq 100); do grep -q ready "$work/engramd.out" 2>/dev/null && break; sleep 0.1; done
engram_port=$(sed -n 's/.*tcp:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$work/engramd.out")
[[ -n "$engram_port" ]] || { echo "engramd did not start" >&2; cat "$work/engramd.err" >&2; exit 1; }

# redis-server, without persistence, on a port next to it.
redis_port=$((engram_port + 1))
while (echo > "/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null; do redis_port=$((redis_port + 1)); done
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
  --dir "$work" > "$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do redis-cli -p "$redis_port" PING >/dev/null 2>&1 && break; sleep 0.1; done

# One redis-benchmark CSV row: "rps avg p50 p99" of test $1 in the CSV on stdin.
row() { awk -F, -v t="$1" '{for (i = 1; i <= NF; i++) gsub(/"/, "", $i)} $1 == t {print $2, $3, $5, $7}'; }
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

declare -A rps
for test in PING_INLINE PING_MBULK; do
  for server in engramd redis; do : > "$work/$test.$server"; done
done
for round in $(seq "$rounds"); do
  for server in engramd redis; do
    port=$engram_port
    [[ $server == redis ]] && port=$redis_port
    out=$(redis-benchmark -p "$port" -t ping -n "$ping_requests" -c "$clients" -P "$pipeline" \
      --csv 2>/dev/null)
    for test in PING_INLINE PING_MBULK; do
      echo "$out" | row "$test" | awk '{print $1}' >> "$work/$test.$server"
    done
  done
done
for test in PING_INLINE PING_MBULK; do
  for server in engramd redis; do rps[$test.$server]=$(median < "$work/$test.$server"); done
done

# READ: one memory of 100 facts, queried by 10 clients one request at a time, then pipelined.
redis-cli -p "$engram_port" CREATE MEMORY bench > /dev/null
for i in $(seq 100); do
  echo "WRITE bench \"Fact number $i: item $i is kept in room $((i % 17)).\""
done | redis-cli -p "$engram_port" > /dev/null
read_plain=$(redis-benchmark -p "$engram_port" -n "$read_requests" -c 10 -P 1 --csv \
  READ bench "Where is item 42 kept?" TOP 3 2>/dev/null | row "READ bench Where is item 42 kept? TOP 3")
read_pipe=$(redis-benchmark -p "$engram_port" -n "$read_requests" -c 10 -P "$pipeline" --csv \
  READ bench "Where is item 42 kept?" TOP 3 2>/dev/null | row "READ bench Where is item 42 kept? TOP 3")

printf '\nredis-benchmark, %s clients, pipeline %s, median of %s rounds (%s)\n' \
  "$clients" "$pipeline" "$rounds" "$(redis-server --version | awk '{print $3}')"
printf '| test | engramd req/s | redis-server req/s | engramd / redis |\n|---|---|---|---|\n'
for test in PING_INLINE PING_MBULK; do
  e=${rps[$test.engramd]}
  r=${rps[$test.redis]}
  printf '| %s | %.0f | %.0f | %s |\n' "$test" "$e" "$r" \
    "$(awk -v e="$e" -v r="$r" 'BEGIN {printf "%.2f", e / r}')"
done
printf '\nREAD bench '"'"'Where is item 42 kept?'"'"' TOP 3 (100 facts), 10 clients, %s requests\n' \
  "$read_requests"
printf '| pipeline | req/s | avg ms | p50 ms | p99 ms |\n|---|---|---|---|---|\n'
read -r r a p50 p99 <<< "$read_plain"
printf '| 1 | %s | %s | %s | %s |\n' "$r" "$a" "$p50" "$p99"
read -r r a p50 p99 <<< "$read_pipe"
printf '| %s | %s | %s | %s | %s |\n' "$pipeline" "$r" "$a" "$p50" "$p99"
