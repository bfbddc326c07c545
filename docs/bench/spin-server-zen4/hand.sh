#!/bin/bash
# The packaged extension (npm run package) in code-server: the default (parked threads) and PRISM_ORT_SPIN=run, alternating.
cd "$(dirname "$0")/../../.." && mkdir -p /tmp/spin-hand
for i in 1 2 3; do
  for sp in default run; do
    if [ $sp = run ]; then export PRISM_ORT_SPIN=run; else unset PRISM_ORT_SPIN; fi
    timeout 400 node scripts/hand-session.mjs --out /tmp/spin-hand/$sp-$i > /tmp/spin-hand/$sp-$i.txt 2>&1
    echo "$sp-$i rc $?"
  done
done
