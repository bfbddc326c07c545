# The rows of this folder (or another): docs/bench/trace-summary.sh.
bash "$(dirname "$0")/../../trace-summary.sh" "${1:-$(dirname "$0")}"
