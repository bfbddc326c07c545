# The rows of this folder's runs (run1, run2, run3: bash summary.sh run1): docs/bench/trace-summary.sh.
bash "$(dirname "$0")/../../trace-summary.sh" "${1:-$(dirname "$0")}"
