// Command meshfed-rig runs one test Kubernetes cluster on loopback: a real etcd (embedded
// through go.etcd.io/etcd/server/v3/embed) and a real kube-apiserver (k8s.io/kubernetes'
// own command) in one process, with its own CA, client-certificate authentication and RBAC.
// There is no kubelet and no controller-manager: objects are stored and served, nothing runs.
//
// The TypeScript side (test/rig/rig.ts) starts one process per cluster, so a test can stop
// one cluster without touching the others and start it again on the same data and ports.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"flag"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "mesh-root" {
		// The Istio root of trust the rig's meshes share (what istio-ca-root-cert publishes).
		if len(os.Args) != 3 {
			fmt.Fprintln(os.Stderr, "usage: meshfed-rig mesh-root DIR")
			os.Exit(2)
		}
		if err := ensureMeshRoot(os.Args[2]); err != nil {
			fail("mesh-root", err)
		}
		return
	}
	name := flag.String("name", "", "cluster name (kubeconfig cluster, context and user prefix)")
	dir := flag.String("dir", "", "state directory: pki/ and etcd/ live here and survive restarts")
	port := flag.Int("port", 0, "kube-apiserver secure port on 127.0.0.1")
	etcdPort := flag.Int("etcd-port", 0, "etcd client port on 127.0.0.1 (peer port is this + 1)")
	kubeconfig := flag.String("kubeconfig", "", "where to write the admin kubeconfig")
	flag.Parse()
	if *name == "" || *dir == "" || *port == 0 || *etcdPort == 0 || *kubeconfig == "" {
		fmt.Fprintln(os.Stderr, "meshfed-rig: --name, --dir, --port, --etcd-port and --kubeconfig are required")
		os.Exit(2)
	}
	pki := filepath.Join(*dir, "pki")
	if err := ensurePKI(pki, *name); err != nil {
		fail("pki", err)
	}
	if err := writeKubeconfig(*kubeconfig, pki, *name, *port); err != nil {
		fail("kubeconfig", err)
	}
	etcd, err := startEtcd(filepath.Join(*dir, "etcd"), *etcdPort)
	if err != nil {
		fail("etcd", err)
	}
	defer etcd.Close()

	cmd := app.NewAPIServerCommand()
	cmd.SetArgs([]string{
		fmt.Sprintf("--etcd-servers=http://127.0.0.1:%d", *etcdPort),
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		// No kubernetes Service endpoints to keep: nothing in the rig dials the API by Service.
		"--endpoint-reconciler-type=none",
		fmt.Sprintf("--secure-port=%d", *port),
		"--cert-dir=" + pki,
		"--tls-cert-file=" + filepath.Join(pki, "apiserver.crt"),
		"--tls-private-key-file=" + filepath.Join(pki, "apiserver.key"),
		"--client-ca-file=" + filepath.Join(pki, "ca.crt"),
		"--service-account-key-file=" + filepath.Join(pki, "sa.pub"),
		"--service-account-signing-key-file=" + filepath.Join(pki, "sa.key"),
		"--service-account-issuer=https://kubernetes.default.svc." + *name,
		"--authorization-mode=RBAC",
		"--service-cluster-ip-range=10.96.0.0/12",
		// No controller-manager creates "default" ServiceAccounts, so the ServiceAccount
		// admission plugin would refuse every Pod; Pods here are API objects only.
		"--disable-admission-plugins=ServiceAccount",
		"--allow-privileged=true",
		"--profiling=false",
		"--v=0",
	})
	os.Exit(cli.Run(cmd))
}

func fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "meshfed-rig: %s: %v\n", what, err)
	os.Exit(1)
}

func startEtcd(dataDir string, port int) (*embed.Etcd, error) {
	cfg := embed.NewConfig()
	cfg.Name = "rig"
	cfg.Dir = dataDir
	client, _ := url.Parse(fmt.Sprintf("http://127.0.0.1:%d", port))
	peer, _ := url.Parse(fmt.Sprintf("http://127.0.0.1:%d", port+1))
	cfg.ListenClientUrls = []url.URL{*client}
	cfg.AdvertiseClientUrls = []url.URL{*client}
	cfg.ListenPeerUrls = []url.URL{*peer}
	cfg.AdvertisePeerUrls = []url.URL{*peer}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.LogLevel = "error"
	cfg.LogOutputs = []string{"stderr"}
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, err
	}
	select {
	case <-e.Server.ReadyNotify():
		return e, nil
	case <-time.After(60 * time.Second):
		e.Close()
		return nil, fmt.Errorf("not ready after 60s")
	}
}

// ensurePKI creates the cluster's CA, serving certificate, admin client certificate and
// ServiceAccount signing key once; a restart reuses them so kubeconfigs stay valid.
func ensurePKI(pki, name string) error {
	if _, err := os.Stat(filepath.Join(pki, "sa.pub")); err == nil {
		return nil
	}
	if err := os.MkdirAll(pki, 0o700); err != nil {
		return err
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "meshfed-rig-" + name + "-ca"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	caCert, _ := x509.ParseCertificate(caDER)
	if err := writeCertKey(pki, "ca", caDER, caKey); err != nil {
		return err
	}
	leaf := func(file string, serial int64, subject pkix.Name, usage x509.ExtKeyUsage, ips []net.IP, dns []string) error {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return err
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      subject,
			NotBefore:    now.Add(-time.Hour),
			NotAfter:     now.Add(10 * 365 * 24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
			IPAddresses:  ips,
			DNSNames:     dns,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			return err
		}
		return writeCertKey(pki, file, der, key)
	}
	if err := leaf("apiserver", 2, pkix.Name{CommonName: "kube-apiserver"}, x509.ExtKeyUsageServerAuth,
		[]net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.96.0.1")},
		[]string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"}); err != nil {
		return err
	}
	if err := leaf("admin", 3, pkix.Name{CommonName: name + "-admin", Organization: []string{"system:masters"}},
		x509.ExtKeyUsageClientAuth, nil, nil); err != nil {
		return err
	}
	saKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(pki, "sa.key"), pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(saKey)}), 0o600); err != nil {
		return err
	}
	// Written last: its presence marks a complete PKI directory.
	return os.WriteFile(filepath.Join(pki, "sa.pub"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o644)
}

func writeCertKey(dir, name string, der []byte, key *ecdsa.PrivateKey) error {
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, name+".crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name+".key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
}

func writeKubeconfig(path, pki, name string, port int) error {
	read := func(f string) (string, error) {
		b, err := os.ReadFile(filepath.Join(pki, f))
		return base64.StdEncoding.EncodeToString(b), err
	}
	ca, err := read("ca.crt")
	if err != nil {
		return err
	}
	crt, err := read("admin.crt")
	if err != nil {
		return err
	}
	key, err := read("admin.key")
	if err != nil {
		return err
	}
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: %[1]s
  cluster:
    server: https://127.0.0.1:%[2]d
    certificate-authority-data: %[3]s
users:
- name: %[1]s-admin
  user:
    client-certificate-data: %[4]s
    client-key-data: %[5]s
contexts:
- name: %[1]s
  context:
    cluster: %[1]s
    user: %[1]s-admin
current-context: %[1]s
`, name, port, ca, crt, key)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(cfg), 0o600)
}

// ensureMeshRoot writes DIR/root-cert.pem and DIR/root-key.pem once: a self-signed root CA
// like the one Istio's samples put in cacerts, shared by the rig's meshes.
func ensureMeshRoot(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "root-cert.pem")); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "Root CA", Organization: []string{"meshfed rig"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "root-key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "root-cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}
