#!/usr/bin/env bash
# Builds the cortex single binary (the tests run it monolithic, -target=all, multi-tenant) at the version pinned
# in go.mod into the per-machine cache. Prints the binary on its last line.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="$(awk '$1 == "require" && $2 == "github.com/cortexproject/cortex" { print $3 }' "$here/go.mod")"
exec bash "$here/../go-binary.sh" "$here" cortex "$version" github.com/cortexproject/cortex/cmd/cortex \
  "-X main.Version=${version#v}"
