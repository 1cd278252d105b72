#!/bin/bash
# Generate TinyStories-like stories from the project's own model (stories260K).
# Usage: gen_stories.sh OUTDIR [N=2000] [JOBS=2]
# Story S: seed S, prompt PROMPTS[(S-1)%5], 256 steps, temperature 1.0, engram-compute defaults otherwise.
# Set LLAMA2C_RUN=/path/to/llama2.c/run to use llama2.c's run instead (byte-identical output,
# no libtorch start-up: ~0.1 s instead of ~1 s a story).
OUT=${1:-stories}; N=${2:-2000}; J=${3:-2}
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
export BIN=${ENGRAM_COMPUTE:-$root/build/bin/engram-compute}
export MDIR=${ENGRAM_MODEL_DIR:-$root/models/stories260K}
export OUT LLAMA2C_RUN
mkdir -p "$OUT"
seq 1 "$N" | xargs -P "$J" -I{} bash -c '
  s={}; P=("Once" "Lily" "The" "One day" "Tom"); p="${P[$(( (s-1) % 5 ))]}"
  f=$(printf "%s/%05d.txt" "$OUT" "$s")
  [ -s "$f" ] && exit 0
  if [ -n "$LLAMA2C_RUN" ]; then
    "$LLAMA2C_RUN" "$MDIR/stories260K.bin" -z "$MDIR/tok512.bin" -t 1.0 -n 256 -s "$s" -i "$p" >"$f.tmp" 2>/dev/null
  else
    "$BIN" generate --prompt "$p" --steps 256 --temperature 1.0 --seed "$s" --engine cpu --threads 1 >"$f.tmp" 2>/dev/null
  fi && mv "$f.tmp" "$f"'
