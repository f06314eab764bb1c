// Command plugged-ca loads a directory of Istio plug-in CA files (ca-cert.pem, ca-key.pem,
// cert-chain.pem, root-cert.pem) with Istio's own CA code, the way istiod does for the cacerts
// Secret, then has that CA sign what istiod signs (its DNS serving certificate and workload
// certificates for the SPIFFE IDs given) and verifies each result against root-cert.pem with Go's
// crypto/x509, as istio-agent and Envoy's peers would. One line per result: "<name>: OK" or
// "<name>: <error>". Usage: plugged-ca DIR SPIFFE_ID...
package main

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"istio.io/istio/security/pkg/pki/ca"
	"istio.io/istio/security/pkg/pki/util"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: plugged-ca DIR [SPIFFE_ID...]")
		os.Exit(2)
	}
	for _, line := range check(os.Args[1], os.Args[2:]) {
		fmt.Println(line)
	}
}

// check returns one line per result, in order: "load: OK", "istiod: ...", then one per SPIFFE ID.
func check(dir string, spiffeIDs []string) []string {
	var out []string
	printf := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	bundle := ca.SigningCAFileBundle{
		RootCertFile:    filepath.Join(dir, ca.RootCertFile),
		CertChainFiles:  []string{filepath.Join(dir, ca.CertChainFile)},
		SigningCertFile: filepath.Join(dir, ca.CACertFile),
		SigningKeyFile:  filepath.Join(dir, ca.CAPrivateKeyFile),
	}
	// As istiod does for a mounted cacerts Secret (pilot/pkg/bootstrap/istio_ca.go createIstioCA).
	opts, err := ca.NewPluggedCertIstioCAOptions(bundle, 24*time.Hour, 90*24*time.Hour, 2048)
	if err != nil {
		printf("load: %v", err)
		return out
	}
	istioCA, err := ca.NewIstioCA(opts)
	if err != nil {
		printf("load: %v", err)
		return out
	}
	printf("load: OK")

	roots := x509.NewCertPool()
	rootPEM, _ := os.ReadFile(bundle.RootCertFile)
	roots.AppendCertsFromPEM(rootPEM)
	verify := func(name string, chainPEM []byte) {
		var certs []*x509.Certificate
		for rest := chainPEM; ; {
			var block *pem.Block
			block, rest = pem.Decode(rest)
			if block == nil {
				break
			}
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				printf("%s: %v", name, err)
				return
			}
			certs = append(certs, cert)
		}
		intermediates := x509.NewCertPool()
		for _, c := range certs[1:] {
			intermediates.AddCert(c)
		}
		_, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: intermediates, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
		if err != nil {
			printf("%s: %v", name, err)
			return
		}
		printf("%s: OK", name)
	}

	// istiod's serving certificate (pilot/pkg/bootstrap/certcontroller.go initDNSCertsIstiod).
	dnsCert, _, err := istioCA.GenKeyCert([]string{"istiod.istio-system.svc", "istiod-remote.istio-system.svc", "istio-pilot.istio-system.svc"}, time.Hour, false)
	if err != nil {
		printf("istiod: %v", err)
	} else {
		verify("istiod", dnsCert)
	}

	// Workload certificates, as the CA server signs an istio-agent CSR.
	for _, id := range spiffeIDs {
		csr, _, err := util.GenCSR(util.CertOptions{Host: id, ECSigAlg: util.EcdsaSigAlg, ECCCurve: util.P256Curve})
		if err != nil {
			printf("%s: %v", id, err)
			continue
		}
		chain, err := istioCA.SignWithCertChain(csr, ca.CertOpts{SubjectIDs: []string{id}, TTL: time.Hour})
		if err != nil {
			printf("%s: %v", id, err)
			continue
		}
		var all []byte
		for _, c := range chain {
			all = append(all, c...)
		}
		verify(id, all)
	}
	return out
}
