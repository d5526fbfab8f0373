#!/usr/bin/env bash
# Provisions everything the integration tests run against: Prometheus 2.42 (Debian) and 3.x (built from the
# Go module), the Prometheus-compatible backends Thanos, Cortex and VictoriaMetrics (built from their Go
# modules), kube-apiserver and etcd (built from the Go modules) and the CRDs, the real cluster of
# testenv/cluster/ (containerd, kubelet and the other components, Envoy Gateway and Envoy, the images), Knative
# Serving 1.15 for it (testenv/knative/: its controller, webhook, autoscaler and queue-proxy, images, manifests), and
# nektos/act (built from its Go module) for the workflow tests. Idempotent: with the per-machine cache warm it
# only checks and returns.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
for part in prometheus thanos cortex victoriametrics kube cluster knative act; do
  if [ -x "$here/$part/provision.sh" ] || [ -f "$here/$part/provision.sh" ]; then
    bash "$here/$part/provision.sh"
  fi
done
