# Per trace row of a folder (default: this one; trace-v2 for the final version): completions that
# drafted from an earlier output (runs, nodes accepted of drafted), tokens generated, target runs
# and verify ms, from the server's completion lines.
cd "${1:-$(dirname "$0")}"
for d in 1-on 2-off 3-off 4-on; do
  f=$d/completions.log
  echo "$d: $(grep -c 'from earlier output' $f) completions from earlier output: $(grep 'from earlier output' $f | sed -E 's/.*; ([0-9]+) from earlier output, ([0-9]+) of ([0-9]+) accepted.*/\1 \2 \3/' | awk '{r+=$1;a+=$2;d+=$3} END {printf "%d runs, %d of %d nodes accepted", r, a, d}')"
  grep -o '[0-9]* generated in' $f | awk '{t+=$1;n++} END {printf "  %d completions, %d tokens generated", n, t}'
  grep -o 'verify [0-9]* ms in [0-9]* runs' $f | awk '{v+=$2;r+=$5} END {printf ", %d target runs, verify %d ms\n", r, v}'
done
