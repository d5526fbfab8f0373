#!/usr/bin/env bash
# Builds the cortex single binary (the tests run it monolithic, -target=all, multi-tenant) at the version pinned
# in go.mod into the per-machine cache. Prints the binary on its last line.
# Built with the tag slicelabels, as Cortex's own Makefile does: its protobuf code casts label slices to
# Prometheus's labels.Labels in place, which without the tag (Prometheus 3's default string labels) reads garbage
# and panics on the first push or query.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="$(awk '$1 == "require" && $2 == "github.com/cortexproject/cortex" { print $3 }' "$here/go.mod")"
exec bash "$here/../go-binary.sh" "$here" cortex "$version" github.com/cortexproject/cortex/cmd/cortex \
  "-X main.Version=${version#v}" \
  slicelabels
