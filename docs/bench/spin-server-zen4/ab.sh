#!/bin/bash
# Alternating run/off in fresh processes, 2 threads. HOGS only labels the lines: for the loaded case
# start `node hog.js 600000 &` first (one busy process), as the hog.jsonl run did.
cd "$(dirname "$0")"
for i in 1 2 3 4 5; do
  for sp in run off; do HOG=$HOGS node probe.mjs 2 $sp; done
done
