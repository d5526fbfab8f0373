#!/usr/bin/env bash
# Builds the thanos binary (the tests run its sidecar and querier) at the version pinned in go.mod into the
# per-machine cache. Prints the binary on its last line.
# Built with the tag slicelabels, as Thanos's release build (.promu.yml) does: its protobuf code casts label slices to
# Prometheus's labels.Labels in place, which without the tag (Prometheus 3's default string labels) reads garbage
# and panics on the first push or query.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="$(awk '$1 == "require" && $2 == "github.com/thanos-io/thanos" { print $3 }' "$here/go.mod")"
exec bash "$here/../go-binary.sh" "$here" thanos "$version" github.com/thanos-io/thanos/cmd/thanos \
  "-X github.com/prometheus/common/version.Version=${version#v}" \
  slicelabels
