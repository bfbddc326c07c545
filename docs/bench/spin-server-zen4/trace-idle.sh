#!/bin/bash
# Parked vs spinning threads in the typing trace, no other load (the language server and the simulated editor alone).
cd "$(dirname "$0")/../../.." && mkdir -p /tmp/spintr
for i in 1 2; do for sp in off run; do
  PRISM_ORT_SPIN=$sp node dist/cli.js bench --no-decode --modes auto --trace-files 8 --trace-chars 80 --out /tmp/spintr/idle-$sp-$i > /tmp/spintr/idle-$sp-$i.log 2>&1
done; done
