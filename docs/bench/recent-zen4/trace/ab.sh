# Typing trace, what the cache held before on / off / off / on (PRISM_DRAFT_RECENT=0: off); the
# server's completion lines (PRISM_BENCH_LOGS) in each row's completions.log; `summary.sh $OUT`
# counts runs and tokens from them.
cd "$(dirname "$0")/../../../.."
for arm in on off off on; do
  i=$((i+1))
  if [ $arm = off ]; then export PRISM_DRAFT_RECENT=0; else unset PRISM_DRAFT_RECENT; fi
  PRISM_BENCH_LOGS=1 node dist/cli.js bench --no-decode --modes auto --trace-files 8 --trace-chars 80 --out ${OUT:-/tmp/ab2}/$i-$arm > ${OUT:-/tmp/ab2}/$i-$arm.log 2>&1
  grep '^server: completion:' ${OUT:-/tmp/ab2}/$i-$arm.log > ${OUT:-/tmp/ab2}/$i-$arm/completions.log
done
echo done > ${OUT:-/tmp/ab2}/DONE
