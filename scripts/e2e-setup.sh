#!/usr/bin/env bash
# A real VS Code for the end-to-end test, without internet downloads: code-server (npm) + Debian's
# Chromium, set up once into a cache outside the repository (recipe: ../shared/docs/vscode-e2e.md).
# Idempotent: a finished install is marked and reused. Prints the install folder last.
set -euo pipefail
VERSION=4.100.3   # 4.104+ needs Node 22; 4.100.3 runs on Node 20
DIR="${PRISM_E2E_DIR:-$HOME/.cache/prism-complete/code-server-$VERSION}"
if [ -f "$DIR/.complete" ]; then echo "$DIR"; exit 0; fi

need=()
command -v chromium >/dev/null || need+=(chromium)
command -v rg >/dev/null || need+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
command -v make >/dev/null && command -v g++ >/dev/null || need+=(build-essential)
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  echo "e2e-setup: installing Debian packages: ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >&2
fi

mkdir -p "$DIR"
cd "$DIR"
[ -f package.json ] || echo '{"name":"prism-e2e-code-server","private":true}' > package.json
echo "e2e-setup: npm install code-server@$VERSION (several minutes)" >&2
npm install --no-audit --no-fund --unsafe-perm --ignore-scripts "code-server@$VERSION" >&2
CS="$DIR/node_modules/code-server"
( cd "$CS/lib/vscode" && npm install --no-audit --no-fund --omit=dev --ignore-scripts >&2 )
mkdir -p "$CS/lib/vscode/node_modules/@vscode/ripgrep/bin"
cp "$(command -v rg)" "$CS/lib/vscode/node_modules/@vscode/ripgrep/bin/rg"
for m in node-pty @vscode/spdlog @parcel/watcher kerberos native-watchdog @vscode/deviceid; do
  if [ -d "$CS/lib/vscode/node_modules/$m" ]; then
    echo "e2e-setup: building $m" >&2
    ( cd "$CS/lib/vscode/node_modules/$m" && npx --yes node-gyp rebuild >&2 )
  fi
done
( cd "$CS/lib/vscode" && ln -sfn node_modules node_modules.asar )
( cd "$CS/lib/vscode/bin/remote-cli" && ln -sfn code-linux.sh code-server ) || true
( cd "$CS/lib/vscode/bin/helpers" && ln -sfn browser-linux.sh browser.sh ) || true
( cd "$CS/lib/vscode/extensions" && npm install --no-audit --no-fund --omit=dev --ignore-scripts >&2 )
if [ -d "$DIR/node_modules/argon2" ]; then
  ( cd "$DIR/node_modules/argon2" && npx --yes node-gyp rebuild --module_name=argon2 --module_path=lib/binding/napi-v3 --napi_build_version=3 >&2 \
    && mkdir -p lib/binding/napi-v3 && cp build/Release/argon2.node lib/binding/napi-v3/argon2.node )
fi
touch "$DIR/.complete"
echo "$DIR"
