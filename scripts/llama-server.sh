#!/usr/bin/env bash
# The reference remote server for the remote backend's integration tests: llama.cpp's server
# through llama-cpp-python's OpenAI-compatible server (PyPI has only its source; it is built once,
# ~9 min on 2 cores, into a virtual environment in the user cache, never in the repository).
#   bash scripts/llama-server.sh            build it if missing; prints the Python to run it with
# Run the server: PY -m llama_cpp.server --model GGUF --host 127.0.0.1 --port PORT
set -euo pipefail
VERSION=0.3.36
DEST="${PRISM_LLAMA_SERVER_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/prism-complete/llama-server-$VERSION-avx2}"
if [ -x "$DEST/bin/python" ] && "$DEST/bin/python" -c 'import llama_cpp.server' 2>/dev/null; then
  echo "$DEST/bin/python"; exit 0
fi
say() { printf '\033[1mllama-server:\033[0m %s\n' "$*" >&2; }
# Built beside its final place and moved there when complete: an interrupted build leaves nothing
# half-made that a later run would trust.
TMP="$DEST.building.$$"
trap 'rm -rf "$TMP"' EXIT
say "building llama-cpp-python $VERSION (llama.cpp from source, about 9 minutes on 2 cores) into $DEST"
python3 -m venv "$TMP"
# Only the text model library: no llava/mtmd, tests or examples. Not -march=native: built on an
# Intel Xeon with AMX, the native build died with SIGILL at its first completion (2026-12-02), and
# a cached build may run on another CPU; AVX2 + FMA + F16C is what every machine here has. No
# pip cache: a wheel cached from a native build would be reused whatever CMAKE_ARGS say.
CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" CMAKE_ARGS="-DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON" \
  "$TMP/bin/pip" install -q --disable-pip-version-check --no-cache-dir "llama-cpp-python[server]==$VERSION" >&2
# A venv's scripts name its own path: rebuild them for the final place after the move.
rm -rf "$DEST"
mkdir -p "$(dirname "$DEST")"
mv "$TMP" "$DEST"
trap - EXIT
sed -i "s#$TMP#$DEST#g" "$DEST"/bin/* 2>/dev/null || true
"$DEST/bin/python" -c 'import llama_cpp.server' >&2
say "ready"
echo "$DEST/bin/python"
