#!/usr/bin/env bash
# Research fidelity (issue 11, item 4): does PRISM beat EAGLE-3 at equal per-step cost, and does it
# scale better with data? One command trains, validates and plots:
#   - scaling: PRISM (M = 3 modules, one decoder layer each), EAGLE-3 (M = 1) and stacked EAGLE-3
#     (one module of 3 decoder layers at every step: as many decoder layers as PRISM's three modules,
#     3x its per-step cost),
#     each from scratch at three budgets (BUDGETS iterations of BATCH windows of 512 positions);
#   - ablation at the middle budget: PRISM with M = 2 and M = 4, and M = 3 with other sigma maps
#     (cyclic 1,2,3,1 and late split 1,1,2,3) beside the default sigma(k) = min(k, M) = 1,2,3,3.
# Every run: the same train-split features (TOKENS tokens), the same dev-split validation, draft
# vocabulary 2,048, K = 4 unrolled steps, lr LR with WARMUP and cosine decay to the run's end, seed 0.
# Then each head is exported, its single-position draft step is timed (scripts/bench-draft-graphs.js)
# and scripts/scaling-report.mjs writes the plots and tables to OUT (default docs/scaling).
#
#   bash scripts/scaling.sh                       # ~2 h on 2 Zen 4 cores after ~17 min of features
#   BUDGETS="40 80 160" TOKENS=262144 bash scripts/scaling.sh     # a quicker look
#   ARMS="prism eagle3" bash scripts/scaling.sh   # leave out stacked EAGLE-3 (2.5x the time per iteration)
#
# Everything lives in the user cache ($PRISM_PIPELINE, default ~/.cache/prism-complete/pipeline,
# folder scaling/) and resumes when rerun: features after their last shard, each run from its last
# checkpoint, finished runs are skipped. Runs go in the order that answers most if the study is
# stopped early: the middle budget of the three arms, M = 2 and 4 and the cyclic sigma, the small
# budget, the large budget for PRISM and EAGLE-3, then the late-split sigma and the large stacked
# run (the dearest: 3 layers a step).
set -euo pipefail
cd "$(dirname "$0")/.."
C=${PRISM_PIPELINE:-$HOME/.cache/prism-complete/pipeline}
BUDGETS=${BUDGETS:-60 120 240}; BATCH=${BATCH:-8}; TOKENS=${TOKENS:-524288}
LR=${LR:-0.0005}; WARMUP=${WARMUP:-20}; THREADS=${THREADS:-2}; OUT=${OUT:-docs/scaling}
ARMS=${ARMS:-prism eagle3 stacked}  # the scaling arms to train (the ablation always runs)
PY=models/.venv/bin/python
S="$C/scaling"; mkdir -p "$S"
lscpu | grep -E '^Model name'; echo "CPU family/model: $(lscpu | awk -F: '/^CPU family/{f=$2} /^Model:/{m=$2} END{gsub(/ /,"",f); gsub(/ /,"",m); print f"/"m}'); bf16/AMX flags: $(grep -m1 -o -w -E 'avx512_bf16|amx_bf16|amx_tile' /proc/cpuinfo | sort -u | tr '\n' ' ')"
[ -f "$C/target.onnx" ] || node dist/cli.js export-graph --out "$C/target.onnx"
$PY -m prism.data --graph "$C/target.onnx" --out "$C/dev" --tokens 32768 --window 512 --shard-windows 16 --split dev
$PY -m prism.data --graph "$C/target.onnx" --out "$S/train" --tokens "$TOKENS" --window 512 --shard-windows 32

read -r -a B <<< "$BUDGETS"
[ "${#B[@]}" -eq 3 ] || { echo "BUDGETS must name three iteration counts (got '$BUDGETS')"; exit 2; }
MID=${B[1]}

run() {  # name iters variant [train args...]
  local name=$1 iters=$2 variant=$3; shift 3
  local out="$S/$name-i$iters"
  if [ -f "$out/head.gguf" ]; then echo "== $name at $iters iterations: done"; return; fi
  echo "== $name at $iters iterations ($((iters * BATCH)) windows of 512 tokens): $out"
  $PY -m prism.train --data "$S/train" --val "$C/dev" --out "$out" --variant "$variant" --steps 4 --draft-vocab 2048 \
    --iters "$iters" --batch "$BATCH" --lr "$LR" --warmup "$WARMUP" --every "$(( iters / 2 ))" --threads "$THREADS" "$@" \
    > "$out.log" 2>&1 || { tail -3 "$out.log"; return 1; }
  $PY -m prism.export "$out/head.pt" "$out/head.gguf"
  grep -E "^validate:" "$out.log" | tail -1
}
arm() {  # name iters: one of the three arms, when ARMS names it
  [[ " $ARMS " == *" $1 "* ]] || return 0
  case $1 in
    prism) run prism "$2" prism --modules 3 ;;
    eagle3) run eagle3 "$2" eagle3 ;;
    stacked) run stacked "$2" stacked --modules 3 ;;
  esac
}
for a in prism eagle3 stacked; do arm "$a" "$MID"; done
run prism-m2 "$MID" prism --modules 2
run prism-m4 "$MID" prism --modules 4
run prism-cyclic "$MID" prism --modules 3 --sigma 1,2,3,1
for a in prism eagle3 stacked; do arm "$a" "${B[0]}"; done
arm prism "${B[2]}"
arm eagle3 "${B[2]}"
run prism-late "$MID" prism --modules 3 --sigma 1,1,2,3
arm stacked "${B[2]}"

# Per-step cost of each arm's head (what "equal per-step cost" means here), its largest finished budget.
for name in prism eagle3 stacked; do
  for it in "${B[2]}" "$MID" "${B[0]}"; do
    [ -f "$S/$name-i$it/head.gguf" ] || continue
    THREADS=1 node scripts/bench-draft-graphs.js "$S/$name-i$it/head.gguf" 500 > "$S/$name-step.txt" 2>&1 || true
    break
  done
done
node scripts/scaling-report.mjs --dir "$S" --budgets "$BUDGETS" --out "$OUT"
