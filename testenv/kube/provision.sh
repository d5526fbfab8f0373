#!/usr/bin/env bash
# Provisions the real Kubernetes API for the integration tests: builds
# kube-apiserver and etcd from the Go modules pinned in go.mod, and copies the
# Knative, Istio and Gateway API CRDs out of pinned Go modules. Everything goes
# to a per-machine cache keyed by version, so a second run does nothing.
# Prints the cache directory on its last line.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# CRD sources. Knative's Go module v0.51.0 is the knative-v1.24.0 release.
knative_mod=knative.dev/serving@v0.51.0
istio_mod=istio.io/api@v1.32.0
gwapi_mod=sigs.k8s.io/gateway-api@v1.6.3

# shellcheck source=../need-go.sh
source "$here/../need-go.sh"

# shellcheck source=kube-build.sh
source "$here/kube-build.sh"
mkdir -p "$cache"

# Two test runs provisioning at once must not build into the same directory.
exec 9>"$cache/.lock"
flock 9

elapsed() { echo "$(( $(date +%s) - $1 ))s"; }
total_start=$(date +%s)

build() { # build <binary name> <package> [extra ldflags]
  if [[ -x "$cache/bin/$1" ]]; then
    echo "testenv/kube: $1 $([[ $1 == etcd ]] && echo "$etcd_ver" || echo "$k8s_ver") is cached"
    return
  fi
  need_go kube "kube-apiserver and etcd"
  kube_build testenv/kube "${3:-}" "$1=$2"
}

build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver "$version_flags"
build etcd go.etcd.io/etcd/server/v3

module_dir() { # module_dir <module@version>; prints nothing if the download fails (or Go is missing)
  (cd "$here" && go mod download -json "$1" 2>/dev/null || true) | awk -F'"' '$2 == "Dir" { print $4 }'
}

shared="$(git -C "$here" rev-parse --show-toplevel 2>/dev/null || echo "$here/../..")/../shared/crds"

fallback() { # fallback <file in shared/crds> <destination>
  if [[ ! -f "$shared/$1" ]]; then
    echo "testenv/kube: cannot get CRDs: the Go module download failed and $shared/$1 does not exist" >&2
    exit 1
  fi
  echo "testenv/kube: module download failed, using $shared/$1"
  cp "$shared/$1" "$2"
  used_fallback=1
}

crd_versions="$knative_mod $istio_mod $gwapi_mod"
if [[ "$(cat "$cache/crds/.versions" 2>/dev/null)" == "$crd_versions" ]]; then
  echo "testenv/kube: CRDs ($crd_versions) are cached"
else
  start=$(date +%s)
  used_fallback=0
  tmp="$cache/.crds.tmp"
  rm -rf "$tmp"
  mkdir -p "$tmp"

  dir="$(module_dir "$knative_mod")"
  if [[ -n "$dir" ]]; then
    for kind in service configuration revision route; do
      cp "$dir/config/core/300-resources/$kind.yaml" "$tmp/knative-serving-$kind.yaml"
    done
  else
    fallback knative-serving-crds.yaml "$tmp/knative-serving-crds.yaml"
  fi

  dir="$(module_dir "$istio_mod")"
  if [[ -n "$dir" ]]; then
    # The bundle holds all Istio CRDs; the tests need only these three.
    awk '
      function flush() { if (keep) printf "---\n%s", doc; doc = ""; keep = 0 }
      /^---/ { flush(); next }
      { doc = doc $0 "\n" }
      /^  name: (virtualservices|destinationrules|gateways)\.networking\.istio\.io$/ { keep = 1 }
      END { flush() }
    ' "$dir/kubernetes/customresourcedefinitions.gen.yaml" >"$tmp/istio-networking.yaml"
  else
    fallback istio-networking-crds.yaml "$tmp/istio-networking-crds.yaml"
  fi

  dir="$(module_dir "$gwapi_mod")"
  if [[ -n "$dir" ]]; then
    for kind in gatewayclasses gateways httproutes referencegrants; do
      cp "$dir/config/crd/standard/gateway.networking.k8s.io_$kind.yaml" "$tmp/gateway-api-$kind.yaml"
    done
  else
    fallback gateway-api-standard-crds.yaml "$tmp/gateway-api-standard-crds.yaml"
  fi

  # Files from the module cache are read-only.
  chmod 644 "$tmp"/*.yaml
  # A fallback copy is not stamped, so the next run tries the modules again.
  [[ $used_fallback == 1 ]] || echo "$crd_versions" >"$tmp/.versions"
  rm -rf "$cache/crds"
  mv "$tmp" "$cache/crds"
  if [[ $used_fallback == 1 ]]; then
    echo "testenv/kube: copied CRDs, some from $shared, in $(elapsed "$start")"
  else
    echo "testenv/kube: copied CRDs ($crd_versions) in $(elapsed "$start")"
  fi
fi

echo "testenv/kube: ready in $(elapsed "$total_start")"
echo "$cache"
