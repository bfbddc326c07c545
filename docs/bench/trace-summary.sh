# Per typing-trace row of an A/B folder (its numbered row folders, 1-on, 2-off, ...: the ab.sh
# scripts beside the probes): completions, tokens generated, prompt-phase ms, completions with 2-16
# prompt tokens to compute, verify runs and ms, from the server's completion lines; then the
# report's ghost latency / CPU / RSS of the auto row.   bash docs/bench/trace-summary.sh FOLDER
cd "${1:?usage: trace-summary.sh FOLDER}" || exit 2
for d in [0-9]-*/; do
  d=${d%/}
  f=$d/completions.log
  printf '%s: ' $d
  grep -o '[0-9]* generated in' $f | awk '{t+=$1;n++} END {printf "%d completions, %d tokens generated", n, t}'
  grep -o '(prompt [0-9]* ms)' $f | awk '{p+=$2;n++} END {printf ", prompt phase %d ms (mean %.1f)", p, p/n}'
  grep -o '[0-9]* prompt tokens ([0-9]* reused)' $f | awk '{k=$1-substr($4,2); if (k>1 && k<=16) m++} END {printf ", %d with 2-16 prompt tokens to compute", m}'
  grep -o 'verify [0-9]* ms in [0-9]* runs' $f | awk '{v+=$2;r+=$5} END {printf ", %d verify runs, verify %d ms\n", r, v}'
  grep '^| auto' $d/report.md | head -1 | awk -F'|' '{print "  ghost p50/p95/p99:" $9 " CPU/char:" $14 " RSS:" $15}'
done
