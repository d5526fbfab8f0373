#!/usr/bin/env bash
# Builds VictoriaMetrics single-node (app/victoria-metrics) at the version pinned in go.mod into the per-machine
# cache. Without cgo VictoriaMetrics uses its pure-Go zstd, as its own `make victoria-metrics-pure` does.
# Prints the binary on its last line.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="$(awk '$1 == "require" && $2 == "github.com/VictoriaMetrics/VictoriaMetrics" { print $3 }' "$here/go.mod")"
exec bash "$here/../go-binary.sh" "$here" victoria-metrics "$version" \
  github.com/VictoriaMetrics/VictoriaMetrics/app/victoria-metrics \
  "-X github.com/VictoriaMetrics/VictoriaMetrics/lib/buildinfo.Version=victoria-metrics-$version"
