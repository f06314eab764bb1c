// Command oracle evaluates a meshfed scenario against real Istio config generation.
// See conformance/README.md.
package main

import (
	"os"

	"meshfed.dev/conformance/oracle"
)

func main() {
	os.Exit(oracle.Main(os.Args[1:], os.Stdout, os.Stderr))
}
