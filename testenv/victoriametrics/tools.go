//go:build tools

// Pins the VictoriaMetrics single-node server the integration tests build (see provision.sh).
package tools

import _ "github.com/VictoriaMetrics/VictoriaMetrics/app/victoria-metrics"
