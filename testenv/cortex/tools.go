//go:build tools

// Pins the Cortex single binary the integration tests build (see provision.sh).
package tools

import _ "github.com/cortexproject/cortex/cmd/cortex"
