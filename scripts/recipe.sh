#!/usr/bin/env bash
# Draft-head recipe choices at equal budget: every arm trains on the same train-split features for
# the same iterations and batch, and is validated on the same dev-split features; the table at
# the end is each arm's validation (per-step top-1 agreement with the target under teacher
# forcing, simulated acceptance length) at every checkpoint.
#
#   ARMS="random target" ITERS=240 BATCH=4 TOKENS=131072 VAL_TOKENS=32768 bash scripts/recipe.sh
#
# Arms: random (the shipped recipe: PRISM M=3, K=4, draft vocabulary 2,048), target (the same,
# initialised from the target: prism/init.py), target-l27 (from layer 27, the last tap's layer),
# vocab8k, vocab16k, steps2, steps6. Features, checkpoints and runs live in the user cache
# ($PRISM_PIPELINE, default ~/.cache/prism-complete/pipeline); everything resumes when rerun.
set -euo pipefail
cd "$(dirname "$0")/.."
C=${PRISM_PIPELINE:-$HOME/.cache/prism-complete/pipeline}
ITERS=${ITERS:-240}; BATCH=${BATCH:-4}; EVERY=${EVERY:-60}
TOKENS=${TOKENS:-131072}; VAL_TOKENS=${VAL_TOKENS:-32768}
PY=models/.venv/bin/python
mkdir -p "$C/recipe"
lscpu | grep -E '^Model name'; echo "CPU family/model: $(lscpu | awk -F: '/^CPU family/{f=$2} /^Model:/{m=$2} END{gsub(/ /,"",f); gsub(/ /,"",m); print f"/"m}'); bf16/AMX flags: $(grep -m1 -o -w -E 'avx512_bf16|amx_bf16|amx_tile' /proc/cpuinfo | sort -u | tr '\n' ' ')"
[ -f "$C/target.onnx" ] || node dist/cli.js export-graph --out "$C/target.onnx"
$PY -m prism.data --graph "$C/target.onnx" --out "$C/train" --tokens "$TOKENS" --window 512 --shard-windows 16
$PY -m prism.data --graph "$C/target.onnx" --out "$C/dev" --tokens "$VAL_TOKENS" --window 512 --shard-windows 16 --split dev
for arm in ${ARMS:-random target}; do
  extra=()
  case $arm in
    random) ;;
    target) extra=(--init target) ;;
    target-l27) extra=(--init target --init-layer 27) ;;
    vocab8k) extra=(--draft-vocab 8192) ;;
    vocab16k) extra=(--draft-vocab 16384) ;;
    steps2) extra=(--steps 2) ;;
    steps6) extra=(--steps 6) ;;
    *) echo "unknown arm $arm"; exit 2 ;;
  esac
  out="$C/recipe/$arm-i$ITERS-b$BATCH-t$TOKENS"
  echo "== arm $arm: $out"
  $PY -m prism.train --data "$C/train" --val "$C/dev" --out "$out" --variant prism --modules 3 --steps 4 \
    --draft-vocab 2048 --iters "$ITERS" --batch "$BATCH" --lr 0.0005 --warmup 50 --every "$EVERY" --threads 2 "${extra[@]}" \
    | grep -E "^(train: (precision|initialised|resuming|done)|validate:)|/$ITERS " || true
done
echo "| arm | iteration | positions | val loss | val top-1 agreement per step | simulated acceptance length |"
echo "|---|---|---|---|---|---|"
for arm in ${ARMS:-random target}; do
  $PY - "$C/recipe/$arm-i$ITERS-b$BATCH-t$TOKENS/metrics.jsonl" "$arm" "$BATCH" <<'EOF'
import json, sys
path, arm, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
for line in open(path):
    r = json.loads(line)
    if "val" in r:
        v = r["val"]
        print(f"| {arm} | {r['iter']} | {r.get('positions', r['iter'] * batch * 507):,} | {v['loss']} | {' '.join(str(a) for a in v['acc'])} | {v['acceptance_length']} |")
EOF
done
