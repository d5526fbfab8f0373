//go:build tools

// Pins nektos/act, the runner implementation the workflow tests run (see provision.sh).
package tools

import _ "github.com/nektos/act"
