#!/bin/bash
# typing trace, auto, with one busy process beside it (a language server loading a project), run vs off alternating
cd "$(dirname "$0")/../../.." && mkdir -p /tmp/spintr
for i in 1 2; do for sp in run off; do
  node docs/bench/spin-server-zen4/hog.js 900000 & HP=$!
  PRISM_ORT_SPIN=$sp node dist/cli.js bench --no-decode --modes auto --trace-files 8 --trace-chars 80 --out /tmp/spintr/hog-$sp-$i > /tmp/spintr/hog-$sp-$i.log 2>&1
  kill $HP
done; done
