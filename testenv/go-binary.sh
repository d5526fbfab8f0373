#!/usr/bin/env bash
# Builds one binary of a Go module pinned by a testenv part's own go.mod into the per-machine cache, once:
#   go-binary.sh <part dir> <name> <version> <package> [extra ldflags] [build tags]
# The cache is ~/.cache/shadowgate/testenv/<name>-<version>/<name>; a second run only finds it there.
# Built as CI would want it fast and small: no cgo, no debug info or symbol table, no local paths.
# Prints the binary's path on its last line.
set -euo pipefail
# shellcheck source=need-go.sh
source "$(dirname "${BASH_SOURCE[0]}")/need-go.sh"

dir=$1 name=$2 version=$3 pkg=$4 extra=${5:-} tags=${6:-}
cache="${XDG_CACHE_HOME:-$HOME/.cache}/shadowgate/testenv/$name-$version"
binary="$cache/$name"
mkdir -p "$cache"

# Two test runs provisioning at once must not build into the same file.
exec 9>"$cache/.lock"
flock 9

if [[ -x "$binary" ]]; then
  echo "testenv/$name: $name $version is cached"
else
  need_go "$name" "$name $version"
  echo "testenv/$name: building $name $version from $pkg (minutes on a cold Go build cache)"
  start=$(date +%s)
  (cd "$dir" && CGO_ENABLED=0 go build -buildvcs=false -trimpath -tags="$tags" -ldflags="-s -w $extra" -o "$binary.tmp" "$pkg")
  mv -f "$binary.tmp" "$binary"
  echo "testenv/$name: built $name $version in $(( $(date +%s) - start ))s"
fi
echo "$binary"
