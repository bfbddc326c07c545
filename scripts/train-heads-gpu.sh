#!/usr/bin/env bash
# Trains draft heads on one GPU with features computed online (models/prism/online.py), several
# side by side on the same batches, and exports them as GGUF heads.
#
#   bash scripts/train-heads-gpu.sh stage        (here: the inputs, in .gpu/a, .gpu/b[, .gpu/c])
#   bash scripts/train-heads-gpu.sh part a       (on the GPU machine, carrying .gpu/a: keeps its files in /tmp)
#   bash scripts/train-heads-gpu.sh part b       (the same warm machine, carrying .gpu/b; only with FROM_SHIPPED=1)
#   bash scripts/train-heads-gpu.sh run OUT      (the same warm machine, carrying the last folder)
#   bash scripts/train-heads-gpu.sh restore      (here, after the transfers)
#
# stage writes what the GPU machine needs into folders of at most ~58 MB each (the device tool
# carries 64 MiB a call, the working tree included): the target GGUF in parts, the train split's
# token stream (xz), the dev split's first 64 windows and the gguf wheel; with FROM_SHIPPED=1 also
# the shipped heads, which the run then continues (--from-head) instead of starting from random
# weights (three folders instead of two). The working tree travels too, so stage also untracks the
# shipped heads (41 MB) in the index and ignores them until `restore` tracks them again; the files
# themselves are never touched.
# run assembles the parts, trains VARIANTS (default prism,eagle3; VARIANT:greedy trains on the
# target's greedy continuations) for BUDGET seconds (default 470) and leaves in OUT: the GGUF heads
# (those over 16 MiB in parts: `cat prism.gguf.part-* > prism.gguf`), the log and metrics.jsonl.
# At most 64 MiB come back a call: RETURN=name,name limits the heads run sends back, and
# `fetch OUT NAME` sends another one on a later call to the same warm machine.
set -euo pipefail
cd "$(dirname "$0")/.."
G=.gpu
W=/tmp/prism-gpu
case "${1:-}" in
stage)
  M=${MODEL:-.models/SmolLM2-135M-Instruct.Q4_1.gguf}
  PY=models/.venv/bin/python
  rm -rf "$G" && mkdir -p "$G/a" "$G/b"
  grep -qx "/$G/" .git/info/exclude || echo "/$G/" >> .git/info/exclude
  if [ "${FROM_SHIPPED:-0}" = 1 ]; then
    # a: 56 MB of the model; b: 26 MB and the PRISM head; c: the rest, the EAGLE-3 head and the data.
    mkdir -p "$G/c"
    split -b 26000000 "$M" "$G/model.part-"
    cat "$G/model.part-aa" "$G/model.part-ab" > "$G/a/model.part-aa" && cp "$G/model.part-ac" "$G/b/model.part-ab"
    cat "$G"/model.part-a[d-z] > "$G/c/model.part-ac"
    cp models/heads/smollm2-135m-prism.gguf "$G/b/shipped-prism.gguf"
    cp models/heads/smollm2-135m-eagle3.gguf "$G/c/shipped-eagle3.gguf"
    D="$G/c"
  else
    split -b 52000000 "$M" "$G/model.part-"
    mv "$G/model.part-aa" "$G/a/" && mv "$G/model.part-ab" "$G/b/"
    D="$G/b"
  fi
  rm -f "$G"/model.part-*
  (cd models && ../$PY -m prism.online --gguf "../$M" --write-stream train --out "../$G/train.npy")
  (cd models && ../$PY -m prism.online --gguf "../$M" --write-stream dev --out "../$G/dev.npy")
  xz -T2 -6 -c "$G/train.npy" > "$D/train.npy.xz"
  $PY -c "import numpy as np; np.save('$D/dev64.npy', np.load('$G/dev.npy')[:64 * 512])"
  $PY -m pip download -q --no-deps gguf==0.19.0 -d "$D"
  sha256sum "$M" | cut -d' ' -f1 > "$D/model.sha256"
  git rm -q --cached models/heads/*.gguf
  grep -qx "/models/heads/*.gguf" .git/info/exclude || echo "/models/heads/*.gguf" >> .git/info/exclude
  du -sh "$G"/?
  ;;
part)
  mkdir -p "$W" && cp "$G/${2:?part a|b}"/* "$W/"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
  ls -la "$W"
  ;;
first)  # the two-folder flow's first call
  exec bash "$0" part a
  ;;
run)
  OUT=${2:?run OUT}
  mkdir -p "$W"
  D=$(ls -d "$G"/? | tail -1)
  cp "$D"/* "$W/"
  VARIANTS=${VARIANTS:-prism,eagle3}
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
  [ -f "$W/model.gguf" ] || cat "$W"/model.part-* > "$W/model.gguf"
  [ "$(sha256sum "$W/model.gguf" | cut -d' ' -f1)" = "$(cat "$W/model.sha256")" ] || { echo "model parts do not assemble to the GGUF"; exit 1; }
  xz -d -c "$W/train.npy.xz" > "$W/train.npy"
  python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site "$W"/gguf-*.whl
  export PYTHONPATH=/tmp/site:$PWD/models PYTHONUNBUFFERED=1
  python3 -c "import torch, transformers, importlib.metadata as m; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'transformers', transformers.__version__, 'gguf', m.version('gguf'))"
  FROM=()
  for h in "$W"/shipped-*.gguf; do [ -f "$h" ] && FROM+=(--from-head "$h"); done
  (cd models && python3 -m prism.online --gguf "$W/model.gguf" --tokens "$W/train.npy" --val-tokens "$W/dev64.npy" \
    --out "$W/run" --variants "$VARIANTS" --batch "${BATCH:-32}" --lr "${LR:-6e-4}" --warmup 100 --vocab-windows "${VOCAB_WINDOWS:-1024}" --val-windows "${VAL_WINDOWS:-64}" \
    --budget-s "${BUDGET:-470}" "${FROM[@]}" ${EXTRA:-}) 2>&1 | grep --line-buffered -v 'it/s]' | tee "$OUT/log.txt"
  cp "$W/run/metrics.jsonl" "$OUT/"
  RET=${RETURN:-${VARIANTS//:/-}}
  for spec in ${VARIANTS//,/ }; do
    v=${spec/:/-}
    (cd models && python3 -m prism.export "$W/run/$v/head.pt" "$W/$v.gguf")
    case ",$RET," in *",$v,"*) bash "$0" fetch "$OUT" "$v" ;; esac
  done
  ls -la "$OUT"
  ;;
fetch)  # a head exported by run, in parts under 16 MiB (64 MiB come back a call: RETURN limits what run sends)
  OUT=${2:?fetch OUT NAME}
  v=${3:?fetch OUT NAME}
  if [ "$(stat -c %s "$W/$v.gguf")" -gt 16000000 ]; then split -b 15000000 "$W/$v.gguf" "$OUT/$v.gguf.part-"; else cp "$W/$v.gguf" "$OUT/"; fi
  ;;
restore)
  git reset -q models/heads
  sed -i '\|^/models/heads/\*\.gguf$|d' .git/info/exclude
  git status --short models/heads
  ;;
*)
  echo "usage: bash scripts/train-heads-gpu.sh stage | part a|b | run OUT | fetch OUT NAME | restore" >&2; exit 2 ;;
esac
