# Typing trace with the prompt's start moved while the user pauses (on: the default) and without
# (off: PRISM_IDLE_MOVE_MS=0), run on / off; the server's completion lines (PRISM_BENCH_LOGS) in
# each row's completions.log. Summaries: `bash docs/bench/trace-summary.sh $OUT`.
cd "$(dirname "$0")/../../../.."
for arm in on off; do
  i=$((i+1))
  if [ $arm = off ]; then export PRISM_IDLE_MOVE_MS=0; else unset PRISM_IDLE_MOVE_MS; fi
  mkdir -p ${OUT:-/tmp/ab-idle}
  PRISM_BENCH_LOGS=1 node dist/cli.js bench --no-decode --modes auto --trace-files 8 --trace-chars 80 --out ${OUT:-/tmp/ab-idle}/$i-$arm > ${OUT:-/tmp/ab-idle}/$i-$arm.log 2>&1
  grep '^server: completion:' ${OUT:-/tmp/ab-idle}/$i-$arm.log > ${OUT:-/tmp/ab-idle}/$i-$arm/completions.log
  grep -c "start moved while the user paused" ${OUT:-/tmp/ab-idle}/$i-$arm.log > ${OUT:-/tmp/ab-idle}/$i-$arm/idle-moves.txt
done
echo done > ${OUT:-/tmp/ab-idle}/DONE
