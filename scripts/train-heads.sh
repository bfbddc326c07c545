#!/usr/bin/env bash
# Continues training the shipped draft heads on more train-split code, with the same data, steps
# and settings for each, then exports each as a GGUF beside its run and validates it on dev code.
#
#   TOKENS=4194304 ITERS=1200 BATCH=8 VARIANTS="prism eagle3" bash scripts/train-heads.sh
#
# Data: the train-split token stream after the 819,200 tokens the shipped heads were trained on
# (--skip-tokens), TOKENS of them, features from the server's own target graph (prism.data).
# Stop the data step whenever you like (Ctrl-C, or DATA_ONLY=1 / NO_DATA=1): training uses the
# shards that are there, and everything resumes when rerun: data after its last complete shard,
# training from its last checkpoint (every EVERY iterations), or from the shipped head when no
# checkpoint is left. All of it lives in the user cache ($PRISM_PIPELINE, default
# ~/.cache/prism-complete/pipeline), never in the repository. THREADS torch threads per run;
# PARALLEL=1 trains the variants side by side (one thread each) instead of one after the other.
# Ship a result with: cp $PRISM_PIPELINE/cont-prism-.../head.gguf models/heads/smollm2-135m-prism.gguf
# FROM: the head a round starts from (default: the shipped head of the variant), e.g. an earlier
# round's unshipped $PRISM_PIPELINE/cont-eagle3-.../head.gguf when EAGLE-3 catches up.
# SKIP: train-split tokens to skip (default 819,200, what the first shipped heads saw); DATA: the
# feature folder (default $PRISM_PIPELINE/train-more); TAG: a suffix for the run folders, so a new
# round does not resume a finished one. The shipped heads (2026-12-04) were trained on one GPU by
# scripts/train-heads-gpu.sh (models/prism/online.py), from scratch, on the whole train split twice
# (42.56M positions each); their model cards say how. Every token of the train split has been seen,
# so a CPU round now continues them on data they have seen (any SKIP); the earlier CPU lineage's
# rounds (SKIP/TOKENS/TAG values) are in git history and in docs/BENCHMARKS.md. Times on the 2-core
# Zen 4: features 62-100 min per 2.1M tokens at 350-565 tokens/s, training 42 min per 1,000
# iterations of batch 8.
set -euo pipefail
cd "$(dirname "$0")/.."
C=${PRISM_PIPELINE:-$HOME/.cache/prism-complete/pipeline}
TOKENS=${TOKENS:-4194304}; ITERS=${ITERS:-1200}; BATCH=${BATCH:-8}; EVERY=${EVERY:-100}
LR=${LR:-0.0003}; WARMUP=${WARMUP:-50}; THREADS=${THREADS:-2}
SKIP=${SKIP:-819200}; DATA=${DATA:-$C/train-more}; TAG=${TAG:-}
PY=models/.venv/bin/python
mkdir -p "$C"
lscpu | grep -E '^Model name'; echo "CPU family/model: $(lscpu | awk -F: '/^CPU family/{f=$2} /^Model:/{m=$2} END{gsub(/ /,"",f); gsub(/ /,"",m); print f"/"m}'); bf16/AMX flags: $(grep -m1 -o -w -E 'avx512_bf16|amx_bf16|amx_tile' /proc/cpuinfo | sort -u | tr '\n' ' ')"
[ -f "$C/target.onnx" ] || node dist/cli.js export-graph --out "$C/target.onnx"
$PY -m prism.data --graph "$C/target.onnx" --out "$C/dev" --tokens 32768 --window 512 --shard-windows 16 --split dev
if [ -z "${NO_DATA:-}" ]; then
  $PY -m prism.data --graph "$C/target.onnx" --out "$DATA" --tokens "$TOKENS" --skip-tokens "$SKIP" \
    --window 512 --shard-windows 32
fi
[ -n "${DATA_ONLY:-}" ] && exit 0

run() {  # variant threads
  local out="$C/cont-$1-i$ITERS-b$BATCH$TAG"
  $PY -m prism.train --data "$DATA" --val "$C/dev" --out "$out" --variant "$1" \
    --from-head "${FROM:-models/heads/smollm2-135m-$1.gguf}" --iters "$ITERS" --batch "$BATCH" --lr "$LR" --warmup "$WARMUP" \
    --every "$EVERY" --threads "$2" > "$out.log" 2>&1 || { tail -3 "$out.log"; return 1; }
  $PY -m prism.export "$out/head.pt" "$out/head.gguf"
  grep -E "^validate:" "$out.log" | tail -1 | sed "s|^|$1: |"
}
if [ -n "${PARALLEL:-}" ]; then
  pids=()
  for v in ${VARIANTS:-prism eagle3}; do run "$v" 1 & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p"; done
else
  for v in ${VARIANTS:-prism eagle3}; do run "$v" "$THREADS"; done
fi
