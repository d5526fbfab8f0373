//go:build tools

// Pins the Prometheus server the integration tests build (see provision.sh).
package tools

import _ "github.com/prometheus/prometheus/cmd/prometheus"
