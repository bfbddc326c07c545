# Per trace row of a folder (default: this one): completions, tokens generated, prompt-phase ms,
# verify runs and ms (the loop's runs; with the prompt root off each completion also ran its last
# prompt token alone in the prompt phase), from the server's completion lines; then the report's
# ghost latency, CPU and memory lines.
cd "${1:-$(dirname "$0")}"
for d in 1-on 2-off 3-off 4-on; do
  f=$d/completions.log
  printf '%s: ' $d
  grep -o '[0-9]* generated in' $f | awk '{t+=$1;n++} END {printf "%d completions, %d tokens generated", n, t}'
  grep -o '(prompt [0-9]* ms)' $f | awk '{p+=$2;n++} END {printf ", prompt phase %d ms (mean %.1f)", p, p/n}'
  grep -o 'verify [0-9]* ms in [0-9]* runs' $f | awk '{v+=$2;r+=$5} END {printf ", %d verify runs, verify %d ms\n", r, v}'
done
