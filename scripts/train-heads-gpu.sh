#!/usr/bin/env bash
# Trains PRISM and EAGLE-3 heads from scratch on one GPU with features computed online
# (models/prism/online.py), side by side on the same batches, and exports them as GGUF heads.
#
#   bash scripts/train-heads-gpu.sh stage    (here: the inputs, in .gpu/a and .gpu/b)
#   bash scripts/train-heads-gpu.sh first    (on the GPU machine, carrying .gpu/a: keeps its part in /tmp)
#   bash scripts/train-heads-gpu.sh run OUT  (on the same warm machine, carrying .gpu/b)
#   bash scripts/train-heads-gpu.sh restore  (here, after the transfers)
#
# stage writes what the GPU machine needs into two folders of at most ~58 MB each (the device
# tool carries 64 MiB a call, the working tree included): the target GGUF in two parts, the
# train split's token stream (xz), the dev split's first 64 windows, and the gguf wheel. The
# working tree travels too, so stage also untracks the shipped heads (41 MB) in the index and
# ignores them until `restore` tracks them again; the files themselves are never touched.
# run assembles them, trains for BUDGET seconds (default 470) and leaves in OUT: the GGUF heads
# (PRISM in parts under 16 MiB: `cat prism.gguf.part-* > prism.gguf`), the log and metrics.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
G=.gpu
case "${1:-}" in
stage)
  M=${MODEL:-.models/SmolLM2-135M-Instruct.Q4_1.gguf}
  PY=models/.venv/bin/python
  rm -rf "$G" && mkdir -p "$G/a" "$G/b"
  grep -qx "/$G/" .git/info/exclude || echo "/$G/" >> .git/info/exclude
  split -b 52000000 "$M" "$G/model.part-"
  mv "$G/model.part-aa" "$G/a/" && mv "$G/model.part-ab" "$G/b/"
  (cd models && ../$PY -m prism.online --gguf "../$M" --write-stream train --out "../$G/train.npy")
  (cd models && ../$PY -m prism.online --gguf "../$M" --write-stream dev --out "../$G/dev.npy")
  xz -T2 -6 -c "$G/train.npy" > "$G/b/train.npy.xz"
  $PY -c "import numpy as np; np.save('$G/b/dev64.npy', np.load('$G/dev.npy')[:64 * 512])"
  $PY -m pip download -q --no-deps gguf==0.19.0 -d "$G/b"
  sha256sum "$M" | cut -d' ' -f1 > "$G/b/model.sha256"
  git rm -q --cached models/heads/*.gguf
  grep -qx "/models/heads/*.gguf" .git/info/exclude || echo "/models/heads/*.gguf" >> .git/info/exclude
  du -sh "$G/a" "$G/b"
  ;;
first)
  mkdir -p /tmp/prism-gpu && cp "$G/a/model.part-aa" /tmp/prism-gpu/
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
  ;;
run)
  OUT=${2:?run OUT}
  W=/tmp/prism-gpu && mkdir -p "$W"
  VARIANTS=${VARIANTS:-prism,eagle3}
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
  [ -f "$W/model.part-aa" ] || cp "$G/a/model.part-aa" "$W/"
  [ -f "$W/model.gguf" ] || cat "$W/model.part-aa" "$G/b/model.part-ab" > "$W/model.gguf"
  [ "$(sha256sum "$W/model.gguf" | cut -d' ' -f1)" = "$(cat "$G/b/model.sha256")" ] || { echo "model parts do not assemble to the GGUF"; exit 1; }
  xz -d -c "$G/b/train.npy.xz" > "$W/train.npy"
  python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site "$G"/b/gguf-*.whl
  export PYTHONPATH=/tmp/site:$PWD/models PYTHONUNBUFFERED=1
  python3 -c "import torch, transformers, importlib.metadata as m; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'transformers', transformers.__version__, 'gguf', m.version('gguf'))"
  (cd models && python3 -m prism.online --gguf "$W/model.gguf" --tokens "$W/train.npy" --val-tokens "../$G/b/dev64.npy" \
    --out "$W/run" --variants "$VARIANTS" --batch "${BATCH:-32}" --lr "${LR:-6e-4}" --warmup 100 --vocab-windows "${VOCAB_WINDOWS:-1024}" --val-windows "${VAL_WINDOWS:-64}" \
    --budget-s "${BUDGET:-470}") 2>&1 | grep -v 'it/s]' | tee "$OUT/log.txt"
  cp "$W/run/metrics.jsonl" "$OUT/"
  for v in ${VARIANTS//,/ }; do
    (cd models && python3 -m prism.export "$W/run/$v/head.pt" "$W/$v.gguf")
    if [ "$(stat -c %s "$W/$v.gguf")" -gt 16000000 ]; then split -b 15000000 "$W/$v.gguf" "$OUT/$v.gguf.part-"; else cp "$W/$v.gguf" "$OUT/"; fi
  done
  ls -la "$OUT"
  ;;
restore)
  git reset -q models/heads
  sed -i '\|^/models/heads/\*\.gguf$|d' .git/info/exclude
  git status --short models/heads
  ;;
*)
  echo "usage: bash scripts/train-heads-gpu.sh stage | first | run OUT | restore" >&2; exit 2 ;;
esac
