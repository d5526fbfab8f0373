#!/usr/bin/env bash
# Provisions Knative Serving v0.42.2 (Knative 1.15) for the real cluster of ../cluster/ (started there with
# `cluster.sh knative`, only when a test asks for it):
#  - the controller, webhook, autoscaler and queue-proxy, built from the knative.dev/serving that go.mod pins, in
#    one `go build`, into the per-machine cache;
#  - their images, without a registry, as one docker-archive tar that `cluster.sh knative` imports into containerd;
#    named under dev.local/, which Knative's controller leaves alone instead of resolving to a digest;
#  - the manifests, taken from the module's own config/ (the release YAML) and patched only where they must be
#    (see knative-manifests.sh).
# Idempotent: with the per-machine cache warm it only checks and returns. Prints the cache directory last.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
kn_ver="$(awk '$1 == "require" && $2 == "knative.dev/serving" { print $3 }' "$here/go.mod")"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/shadowgate/testenv/knative-${kn_ver}"
mkdir -p "$cache/bin"

exec 9>"$cache/.lock"
flock 9
total_start=$(date +%s)

# shellcheck source=../need-go.sh
source "$here/../need-go.sh"

components=(controller webhook autoscaler queue)
missing=()
for name in "${components[@]}"; do
  [[ -x "$cache/bin/$name" ]] || missing+=("knative.dev/serving/cmd/$name")
done
if ((${#missing[@]} > 0)); then
  need_go knative "Knative Serving $kn_ver"
  echo "testenv/knative: building ${missing[*]##*/} $kn_ver (minutes on a cold Go build cache)"
  start=$(date +%s)
  tmp="$cache/bin/.build.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  # With several packages, -o names a directory and each binary is named after its package's last element.
  (cd "$here" && CGO_ENABLED=0 go build -buildvcs=false -trimpath -ldflags="-s -w" -o "$tmp/" "${missing[@]}")
  for pkg in "${missing[@]}"; do mv -f "$tmp/${pkg##*/}" "$cache/bin/${pkg##*/}"; done
  rm -rf "$tmp"
  echo "testenv/knative: built ${missing[*]##*/} in $(( $(date +%s) - start ))s"
else
  echo "testenv/knative: ${components[*]} $kn_ver are cached"
fi

# Images: one per component, the static binary at /ko-app/<name> as ko lays it out, with the machine's CA bundle
# (the controller resolves image tags to digests over HTTPS) and USER 65532 (the manifests' runAsNonRoot; the
# controller gives queue-proxy runAsNonRoot too). Rebuilt when a binary or this script changes.
images="$cache/images.tar"
images_stamp="$( (
  for name in "${components[@]}"; do sha256sum "$cache/bin/$name"; done
  cat "${BASH_SOURCE[0]}"
) | sha256sum | cut -c1-16)"
if [[ -f "$images" && "$(cat "$cache/.images.stamp" 2>/dev/null)" == "$images_stamp" ]]; then
  echo "testenv/knative: images ($images_stamp) are cached"
else
  start=$(date +%s)
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/out"
  manifest=()
  for name in "${components[@]}"; do
    root="$work/$name"
    mkdir -p "$root/ko-app" "$root/etc/ssl/certs" "$root/tmp"
    chmod 1777 "$root/tmp"
    cp "$cache/bin/$name" "$root/ko-app/$name"
    [[ -f /etc/ssl/certs/ca-certificates.crt ]] && cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$root" -cf "$work/layer.tar" .
    digest="$(sha256sum "$work/layer.tar" | cut -d' ' -f1)"
    mkdir -p "$work/out/$digest" && mv "$work/layer.tar" "$work/out/$digest/layer.tar"
    config="{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/ko-app:/usr/bin:/bin\",\"KO_DATA_PATH=/var/run/ko\",\"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt\"],\"Entrypoint\":[\"/ko-app/$name\"],\"User\":\"65532\",\"WorkingDir\":\"/\"},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:$digest\"]}}"
    config_digest="$(printf '%s' "$config" | sha256sum | cut -d' ' -f1)"
    printf '%s' "$config" >"$work/out/$config_digest.json"
    manifest+=("{\"Config\":\"$config_digest.json\",\"RepoTags\":[\"dev.local/knative/$name:$kn_ver\"],\"Layers\":[\"$digest/layer.tar\"]}")
  done
  (IFS=,; printf '[%s]' "${manifest[*]}") >"$work/out/manifest.json"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$work/out" -cf "$images.tmp" .
  mv -f "$images.tmp" "$images"
  echo "$images_stamp" >"$cache/.images.stamp"
  echo "testenv/knative: built images ($(du -m "$images" | cut -f1) MB) in $(( $(date +%s) - start ))s"
fi

# Manifests: from the release YAML in the modules' config/ (see manifests.mjs), rebuilt when it or go.mod changes.
manifests="$cache/manifests.tsv"
manifests_stamp="$(cat "$here/manifests.mjs" "$here/go.mod" | sha256sum | cut -c1-16)"
if [[ -f "$manifests" && "$(cat "$cache/.manifests.stamp" 2>/dev/null)" == "$manifests_stamp" ]]; then
  echo "testenv/knative: manifests ($manifests_stamp) are cached"
else
  need_go knative "Knative Serving $kn_ver"
  dirs=()
  for module in knative.dev/serving knative.dev/networking knative.dev/caching; do
    dirs+=("$(cd "$here" && go list -m -f '{{.Dir}}' "$module")")
  done
  node "$here/manifests.mjs" "${dirs[@]}" "$kn_ver" "$manifests.tmp"
  mv -f "$manifests.tmp" "$manifests"
  echo "$manifests_stamp" >"$cache/.manifests.stamp"
fi

echo "testenv/knative: ready in $(( $(date +%s) - total_start ))s"
echo "$cache"
