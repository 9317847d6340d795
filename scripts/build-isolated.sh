#!/usr/bin/env bash
# Builds the project into /tmp/berth-build-NAME/dist, with test/ and package.json
# linked beside it, so several people can build and run tests at once without
# rewriting the shared dist/ under each other. Prints the dist directory.
#   bash scripts/build-isolated.sh NAME && node --test /tmp/berth-build-NAME/dist/test/unit/...
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:?usage: build-isolated.sh NAME}"
root="/tmp/berth-build-$name"
mkdir -p "$root"
ln -sfn "$PWD/test" "$root/test"
ln -sfn "$PWD/package.json" "$root/package.json"
ln -sfn "$PWD/node_modules" "$root/node_modules"
npx tsc -p tsconfig.json --outDir "$root/dist" >&2 || true
echo "$root/dist"
