#!/bin/sh
# Build stage of deploy/Dockerfile (also runnable locally after `npm run build`): for every service,
# <out>/<service>/ gets what its image needs and nothing else —
#   package.json, package-lock.json   production dependencies of this service only (tools/prune-package.js,
#                                     from the Nx project graph), for `npm ci --omit=dev`
#   dist/apps/<service>, dist/libs/*   its compiled code and the workspace libraries it imports
# Source maps and build metadata are left out: the image carries no sources.
#   sh deploy/container/assemble.sh <out-dir>
set -eu
out=${1:?usage: assemble.sh <out-dir>}
[ -d dist/apps ] || { echo "assemble.sh: dist/ is missing; run npm run build first" >&2; exit 1; }
NX_DAEMON=false node tools/prune-package.js "$out"
for dir in "$out"/*/; do
  service=$(basename "$dir")
  mkdir -p "$dir/dist/apps" "$dir/dist/libs"
  cp -R "dist/apps/$service" "$dir/dist/apps/"
  while read -r lib; do
    [ -n "$lib" ] && cp -R "dist/libs/$lib" "$dir/dist/libs/"
  done < "$dir/libs.txt"
  rm "$dir/libs.txt"
  find "$dir/dist" \( -name '*.map' -o -name '*.tsbuildinfo' -o -name '*.d.ts' \) -delete
done
