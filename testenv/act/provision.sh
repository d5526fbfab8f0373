#!/usr/bin/env bash
# Provisions nektos/act, a real implementation of GitHub's runner, for the workflow tests: built from the Go
# module pinned in go.mod into a per-machine cache keyed by its version, only when it is not there yet.
# Prints the binary on its last line.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

version="$(awk '$1 == "require" && $2 == "github.com/nektos/act" { print $3 }' "$here/go.mod")"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/shadowgate/testenv/act-$version"
binary="$cache/act"
mkdir -p "$cache"

# Two test runs provisioning at once must not build into the same file.
exec 9>"$cache/.lock"
flock 9

if [[ -x "$binary" ]]; then
  echo "testenv/act: act $version is cached"
else
  if ! command -v go >/dev/null 2>&1; then
    echo "testenv/act: Go is not installed, and the workflow tests need it to build act $version." >&2
    echo "Install Go 1.26 or newer (https://go.dev/doc/install, or actions/setup-go in CI), put 'go' on PATH, and run this again." >&2
    exit 1
  fi
  echo "testenv/act: building act $version (about 1.5 minutes on a cold Go build cache)"
  start=$(date +%s)
  (cd "$here" && CGO_ENABLED=0 go build -buildvcs=false -trimpath -ldflags="-s -w" -o "$binary.tmp" github.com/nektos/act)
  mv -f "$binary.tmp" "$binary"
  echo "testenv/act: built act $version in $(( $(date +%s) - start ))s"
fi

echo "$binary"
