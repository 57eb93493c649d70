#!/usr/bin/env bash
# Static checks of the deployment assets, run by the npm scripts and by CI:
#   tools/deploy-checks.sh helm-lint    helm lint --strict + helm template: default, prod example and
#                                       deploy/helm-values/* values
#   tools/deploy-checks.sh k8s-render   kubectl kustomize of the dev and prod overlays
#   tools/deploy-checks.sh promtool     promtool: alert rules, their unit tests, the compose Prometheus
#                                       config, and every dashboard query
# helm and kubectl come from tools/k8s-tools.sh (the npm devDependency's layer); promtool from the
# Debian package prometheus. Rendered output goes to tmp/render/ for inspection.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
out="$root/tmp/render"
mkdir -p "$out"

k8s_bin() {
  local bin
  bin="$(bash tools/k8s-tools.sh)"
  export PATH="$bin:$PATH"
  # Keep helm's cache/config inside the work tree (nothing in $HOME, nothing downloaded).
  export HELM_CACHE_HOME="$root/tmp/helm/cache" HELM_CONFIG_HOME="$root/tmp/helm/config" HELM_DATA_HOME="$root/tmp/helm/data"
}

helm_lint() {
  k8s_bin
  local chart=helm/shipyard prod=helm/shipyard/examples/values-prod.yaml
  helm version --short
  helm lint --strict "$chart"
  helm lint --strict "$chart" -f "$prod"
  # The values deploy.yml installs with, per environment.
  local env
  for env in deploy/helm-values/*.yaml; do
    helm lint --strict --quiet "$chart" -f "$env"
    helm template shipyard "$chart" --namespace shipyard -f "$env" > /dev/null
    echo "helm lint --strict + template with $env: ok"
  done
  helm template shipyard "$chart" --namespace shipyard > "$out/helm-default.yaml"
  helm template shipyard "$chart" --namespace shipyard -f "$prod" > "$out/helm-prod.yaml"
  echo "helm template: $(grep -c '^kind:' "$out/helm-default.yaml") objects (default values), $(grep -c '^kind:' "$out/helm-prod.yaml") (prod values) -> tmp/render/"
}

k8s_render() {
  k8s_bin
  kubectl version --client 2>/dev/null | sed -n 1p  # sed reads all input: no SIGPIPE under pipefail
  local overlay
  for overlay in dev prod; do
    kubectl kustomize "deploy/k8s/overlays/$overlay" > "$out/kustomize-$overlay.yaml"
    echo "kubectl kustomize deploy/k8s/overlays/$overlay: $(grep -c '^kind:' "$out/kustomize-$overlay.yaml") objects -> tmp/render/kustomize-$overlay.yaml"
  done
}

promtool_checks() {
  if ! command -v promtool >/dev/null 2>&1; then
    echo "promtool not found: install the Debian package prometheus (apt-get install -y prometheus)" >&2
    exit 1
  fi
  promtool --version 2>&1 | sed -n 1p
  promtool check rules deploy/prometheus/rules/shipyard-alerts.yml
  promtool test rules deploy/prometheus/rules/shipyard-alerts.test.yml
  # The compose config names the rules by their path inside the container; check it against ours.
  sed "s#/etc/prometheus/rules/#$root/deploy/prometheus/rules/#" deploy/prometheus/prometheus.yml > "$out/prometheus.yml"
  promtool check config "$out/prometheus.yml"
  node tools/dashboard-rules.js deploy/grafana/dashboards/*.json > "$out/dashboard-rules.yml"
  promtool check rules "$out/dashboard-rules.yml"
}

case "${1:-}" in
  helm-lint) helm_lint ;;
  k8s-render) k8s_render ;;
  promtool) promtool_checks ;;
  *) echo "usage: $0 helm-lint|k8s-render|promtool" >&2; exit 2 ;;
esac
