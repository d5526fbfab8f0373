//go:build tools

// Package tools records the Envoy Gateway that ../provision.sh builds, so that go.mod and go.sum pin it and its
// whole dependency graph. A module of its own: Envoy Gateway needs k8s.io/* v0.36, the cluster v0.37.
package tools

import (
	_ "github.com/envoyproxy/gateway/cmd/envoy-gateway"
)
