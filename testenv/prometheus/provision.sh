#!/usr/bin/env bash
# Provisions the two Prometheus servers the integration tests run against:
#  - 2.42 from Debian bookworm at /usr/bin/prometheus (apt-installed when missing and running as root);
#  - 3.x built from the Go module pinned in go.mod (github.com/prometheus/prometheus v0.3MM.P is
#    Prometheus 3.MM.P) into a per-machine cache, only when it is not there yet.
# The web UI assets are not embedded (no `builtinassets` tag): the tests use only the HTTP API.
# Prints the two binaries on its last two lines.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

debian_binary=/usr/bin/prometheus
if [[ ! -x "$debian_binary" ]]; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "testenv/prometheus: installing Debian's prometheus package"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus
  else
    echo "testenv/prometheus: $debian_binary is missing; install it as root with:" >&2
    echo "  apt-get update && apt-get install -y prometheus" >&2
    exit 1
  fi
fi

module_version="$(awk '$1 == "require" && $2 == "github.com/prometheus/prometheus" { print $3 }' "$here/go.mod")"
minor_patch="${module_version#v0.}"          # 316.0
version="${minor_patch:0:1}.${minor_patch:1}" # 3.16.0
cache="${XDG_CACHE_HOME:-$HOME/.cache}/shadowgate/testenv/prometheus-$version"
binary="$cache/prometheus"
mkdir -p "$cache"

# Two test runs provisioning at once must not build into the same file.
exec 9>"$cache/.lock"
flock 9

if [[ -x "$binary" ]]; then
  echo "testenv/prometheus: Prometheus $version is cached"
else
  if ! command -v go >/dev/null 2>&1; then
    echo "testenv/prometheus: Go is not installed, and the integration tests need it to build Prometheus $version." >&2
    echo "Install Go 1.26 or newer (https://go.dev/doc/install, or actions/setup-go in CI), put 'go' on PATH, and run this again." >&2
    exit 1
  fi
  echo "testenv/prometheus: building Prometheus $version from $module_version (about 10 minutes on a cold Go build cache)"
  start=$(date +%s)
  ldflags="-s -w -X github.com/prometheus/common/version.Version=$version -X github.com/prometheus/common/version.Revision=$module_version"
  (cd "$here" && go build -ldflags="$ldflags" -o "$binary.tmp" github.com/prometheus/prometheus/cmd/prometheus)
  mv -f "$binary.tmp" "$binary"
  echo "testenv/prometheus: built Prometheus $version in $(( $(date +%s) - start ))s"
fi

echo "$debian_binary"
echo "$binary"
