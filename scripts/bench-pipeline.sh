#!/usr/bin/env bash
# Where the draft-head pipeline's time goes: feature generation (the server's graph in ORT), then
# the training step at each torch thread count in THREADS, batch size in BATCHES and precision in
# PRECISIONS (fp32, bf16 autocast; ITERS iterations each; positions/s = it/s x batch x
# (512 - steps - 1)). Scratch data in $OUT. Prints the CPU model and its bf16/AMX flags first.
set -e
cd "$(dirname "$0")/.."
OUT=${OUT:-${TMPDIR:-/tmp}/prism-pipe}; rm -rf "$OUT"; mkdir -p "$OUT"
lscpu | grep -E '^Model name' ; echo "bf16/AMX flags: $(grep -m1 -o -w -E 'avx512_bf16|amx_bf16|amx_tile|amx_int8' /proc/cpuinfo | sort -u | tr '\n' ' ')"
node dist/cli.js export-graph --out $OUT/target.onnx 2>&1 | tail -1
( time models/.venv/bin/python -m prism.data --graph $OUT/target.onnx --out $OUT/data --tokens 32768 --window 512 --shard-windows 16 ) 2>&1 | tail -6
( time models/.venv/bin/python -m prism.data --graph $OUT/target.onnx --out $OUT/val --tokens 8192 --window 512 --shard-windows 16 --split dev ) 2>&1 | tail -3
for th in ${THREADS:-1 2}; do for b in ${BATCHES:-8}; do for p in ${PRECISIONS:-fp32}; do
  echo "== threads $th batch $b precision $p"
  ( time models/.venv/bin/python -m prism.train --data $OUT/data --out $OUT/t$th-$b-$p --iters ${ITERS:-10} --batch $b --threads $th --precision $p --every 1000 --warmup 5 ) 2>&1 | grep -E "train: ${ITERS:-10}/|real|precision"
done; done; done
