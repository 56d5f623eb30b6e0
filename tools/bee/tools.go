//go:build tools

// Package tools pins the bee command so that `go build github.com/ethersphere/bee/v2/cmd/bee`
// resolves from this module's go.sum.
package tools

import _ "github.com/ethersphere/bee/v2/cmd/bee"
