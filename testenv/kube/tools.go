//go:build tools

// Package tools records the binaries that provision.sh builds, so that
// go.mod and go.sum pin them and their whole dependency graph.
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
)
