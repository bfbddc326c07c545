# Typing trace, the prompt's last token as the first root on / off / off / on (PRISM_PROMPT_ROOT=0:
# off); the server's completion lines (PRISM_BENCH_LOGS) in each row's completions.log;
# `summary.sh $OUT` counts runs, tokens and prompt-phase ms from them.
cd "$(dirname "$0")/../../../.."
for arm in on off off on; do
  i=$((i+1))
  if [ $arm = off ]; then export PRISM_PROMPT_ROOT=0; else unset PRISM_PROMPT_ROOT; fi
  mkdir -p ${OUT:-/tmp/ab3}
  PRISM_BENCH_LOGS=1 node dist/cli.js bench --no-decode --modes auto --trace-files 8 --trace-chars 80 --out ${OUT:-/tmp/ab3}/$i-$arm > ${OUT:-/tmp/ab3}/$i-$arm.log 2>&1
  grep '^server: completion:' ${OUT:-/tmp/ab3}/$i-$arm.log > ${OUT:-/tmp/ab3}/$i-$arm/completions.log
done
echo done > ${OUT:-/tmp/ab3}/DONE
