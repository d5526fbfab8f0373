# Sourced by provision.sh and ../cluster/provision.sh: the pinned versions, the cache directory, and one way to
# build Go binaries from this module. Everything built with the same flags shares the Go build cache, so the
# cluster's kubelet, controller-manager, scheduler and kube-proxy reuse most of what kube-apiserver compiled.
kube_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
k8s_ver="$(awk '$1 == "k8s.io/kubernetes" { print $2 }' "$kube_dir/go.mod")"
etcd_ver="$(awk '$1 == "go.etcd.io/etcd/server/v3" { print $2 }' "$kube_dir/go.mod")"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/shadowgate/testenv/kube-${k8s_ver}-etcd-${etcd_ver}"

# Without these, /version reports v0.0.0-master, unlike a released Kubernetes.
minor="${k8s_ver#v1.}"
version_flags="-X k8s.io/component-base/version.gitVersion=$k8s_ver -X k8s.io/component-base/version.gitMajor=1"
version_flags+=" -X k8s.io/component-base/version.gitMinor=${minor%%.*} -X k8s.io/component-base/version.gitTreeState=clean"

# kube_build <log prefix> <extra ldflags> <name>=<package>...: one `go build` for all of them (it schedules their
# packages together), each into $cache/bin/<name>.
kube_build() {
  local prefix=$1 ldflags="-s -w $2" start tmp pair names=() packages=()
  shift 2
  for pair in "$@"; do
    names+=("${pair%%=*}")
    packages+=("${pair#*=}")
  done
  echo "$prefix: building ${names[*]} (takes minutes on a cold Go build cache)"
  start=$(date +%s)
  tmp="$cache/bin/.build.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  if [[ ${#packages[@]} == 1 ]]; then
    (cd "$kube_dir" && CGO_ENABLED=0 go build -buildvcs=false -trimpath -ldflags="$ldflags" -o "$tmp/${names[0]}" "${packages[0]}")
  else
    # With several packages, -o names a directory and each binary is named after its package's last element.
    (cd "$kube_dir" && CGO_ENABLED=0 go build -buildvcs=false -trimpath -ldflags="$ldflags" -o "$tmp/" "${packages[@]}")
    # Only where the names differ: mv of a file onto itself fails ("are the same file"), as kubelet=…/cmd/kubelet
    # did on the first cold build.
    local built
    for pair in "$@"; do
      built="$(basename "${pair#*=}")"
      [[ "$built" == "${pair%%=*}" ]] || mv -f "$tmp/$built" "$tmp/${pair%%=*}"
    done
  fi
  for name in "${names[@]}"; do mv -f "$tmp/$name" "$cache/bin/$name"; done
  rm -rf "$tmp"
  echo "$prefix: built ${names[*]} in $(( $(date +%s) - start ))s"
}
