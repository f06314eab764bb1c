// Command go-verify checks certificate chains with Go's crypto/x509, the verifier of Istio's
// control plane (istiod, istio-agent) and of the Kubernetes API server that calls istiod's
// webhooks. Usage: go-verify ROOT INTERMEDIATE LEAF...; prints "OK" or the error, one line a leaf.
package main

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
)

func load(path string) *x509.Certificate {
	data, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		panic("no PEM block in " + path)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		panic(err)
	}
	return cert
}

func main() {
	roots := x509.NewCertPool()
	roots.AddCert(load(os.Args[1]))
	intermediates := x509.NewCertPool()
	intermediates.AddCert(load(os.Args[2]))
	for _, leaf := range os.Args[3:] {
		_, err := load(leaf).Verify(x509.VerifyOptions{Roots: roots, Intermediates: intermediates, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
		if err != nil {
			fmt.Printf("%s: %v\n", leaf, err)
		} else {
			fmt.Printf("%s: OK\n", leaf)
		}
	}
}
