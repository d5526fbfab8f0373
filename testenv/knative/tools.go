//go:build tools

// Package tools records the Knative Serving binaries that provision.sh builds (controller, webhook, autoscaler,
// queue-proxy), so that go.mod and go.sum pin them and their whole dependency graph, and so that the module's
// config/ directory (the release YAML provision.sh takes its manifests from) is in the module cache.
package tools

import (
	_ "knative.dev/serving/cmd/autoscaler"
	_ "knative.dev/serving/cmd/controller"
	_ "knative.dev/serving/cmd/queue"
	_ "knative.dev/serving/cmd/webhook"
)
