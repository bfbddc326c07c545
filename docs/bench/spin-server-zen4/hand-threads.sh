#!/bin/bash
# The package in code-server: prism.threads 1 (t1) against the default, a thread per core (t0), alternating.
cd "$(dirname "$0")/../../.." && mkdir -p /tmp/spin-threads
for i in 1 2 3; do
  timeout 400 node scripts/hand-session.mjs --out /tmp/spin-threads/t1-$i --setting prism.threads=1 > /tmp/spin-threads/t1-$i.txt 2>&1; echo "t1-$i rc $?"
  timeout 400 node scripts/hand-session.mjs --out /tmp/spin-threads/t0-$i > /tmp/spin-threads/t0-$i.txt 2>&1; echo "t0-$i rc $?"
done
