# Typing trace, prompt tokens with the first draft (lead: the default) / only the last token
# (last: PRISM_PROMPT_ROOT=last, stop 48's rule), run lead / last / last / lead; the server's
# completion lines (PRISM_BENCH_LOGS) in each row's completions.log. Summaries:
# `bash docs/bench/prompt-root-zen4/trace/summary.sh $OUT`.
cd "$(dirname "$0")/../../../.."
for arm in lead last last lead; do
  i=$((i+1))
  if [ $arm = last ]; then export PRISM_PROMPT_ROOT=last; else unset PRISM_PROMPT_ROOT; fi
  mkdir -p ${OUT:-/tmp/ab4}
  PRISM_BENCH_LOGS=1 node dist/cli.js bench --no-decode --modes auto --trace-files 8 --trace-chars 80 --out ${OUT:-/tmp/ab4}/$i-$arm > ${OUT:-/tmp/ab4}/$i-$arm.log 2>&1
  grep '^server: completion:' ${OUT:-/tmp/ab4}/$i-$arm.log > ${OUT:-/tmp/ab4}/$i-$arm/completions.log
done
echo done > ${OUT:-/tmp/ab4}/DONE
