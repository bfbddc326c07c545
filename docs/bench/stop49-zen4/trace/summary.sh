# Per trace row of a folder (default: this one): completions, tokens generated, prompt-phase ms,
# verify runs and ms, and completions with more than one prompt token to compute, from the
# server's completion lines; then the report's ghost latency / CPU / RSS row.
cd "${1:-$(dirname "$0")}"
for d in 1-lead 2-last 3-last 4-lead; do
  f=$d/completions.log
  printf '%s: ' $d
  grep -o '[0-9]* generated in' $f | awk '{t+=$1;n++} END {printf "%d completions, %d tokens generated", n, t}'
  grep -o '(prompt [0-9]* ms)' $f | awk '{p+=$2;n++} END {printf ", prompt phase %d ms (mean %.1f)", p, p/n}'
  grep -o '[0-9]* prompt tokens ([0-9]* reused)' $f | awk '{k=$1-substr($4,2); if (k>1 && k<=16) m++} END {printf ", %d with 2-16 prompt tokens to compute", m}'
  grep -o 'verify [0-9]* ms in [0-9]* runs' $f | awk '{v+=$2;r+=$5} END {printf ", %d verify runs, verify %d ms\n", r, v}'
  grep '^| auto' $d/report.md | head -1 | awk -F'|' '{print "  ghost p50/p95/p99:" $9 " CPU/char:" $14 " RSS:" $15}'
done
