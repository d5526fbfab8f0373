//go:build tools

// Pins the Thanos binary (sidecar and querier) the integration tests build (see provision.sh).
package tools

import _ "github.com/thanos-io/thanos/cmd/thanos"
