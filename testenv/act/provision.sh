#!/usr/bin/env bash
# Provisions nektos/act, a real implementation of GitHub's runner, for the workflow tests: built from the Go
# module pinned in go.mod into a per-machine cache keyed by its version (about 1.5 minutes on a cold Go build
# cache), only when it is not there yet. Prints the binary on its last line.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="$(awk '$1 == "require" && $2 == "github.com/nektos/act" { print $3 }' "$here/go.mod")"
exec bash "$here/../go-binary.sh" "$here" act "$version" github.com/nektos/act
