# Typing trace with warm-ups in 64-row chunks (the default, WARM_CHUNK) and in 256-row chunks
# (PRISM_WARM_CHUNK=256), run 64 / 256 / 256 / 64; the server's completion lines (PRISM_BENCH_LOGS)
# in each row's completions.log. Summaries: `bash docs/bench/trace-summary.sh $OUT`.
cd "$(dirname "$0")/../../../.."
OUT=${OUT:-/tmp/ab-chunk}
mkdir -p "$OUT"
i=0
for arm in 64 256 256 64; do
  i=$((i+1))
  export PRISM_WARM_CHUNK=$arm
  PRISM_BENCH_LOGS=1 node dist/cli.js bench --no-decode --modes auto --trace-files 8 --trace-chars 80 --out "$OUT/$i-$arm" > "$OUT/$i-$arm.log" 2>&1
  grep '^server: completion:' "$OUT/$i-$arm.log" > "$OUT/$i-$arm/completions.log"
  grep -c "start moved while the user paused" "$OUT/$i-$arm.log" > "$OUT/$i-$arm/idle-moves.txt"
done
echo done > "$OUT/DONE"
