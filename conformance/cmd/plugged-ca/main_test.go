package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMeshfedIssuedCAInIstio issues a root and production's intermediate with the meshfed CLI
// (bin/meshfed.js, built by npm ci), loads the plug-in files with Istio's CA code as istiod does,
// and checks what that CA signs: istiod's serving certificate and production's workloads verify
// against the root; a certificate Istio's CA signs for operations' identity does not.
func TestMeshfedIssuedCAInIstio(t *testing.T) {
	repo, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	meshfed := func(args ...string) {
		cmd := exec.Command("node", append([]string{filepath.Join(repo, "bin", "meshfed.js")}, args...)...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("meshfed %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	meshfed("ca", "init", "--out", "root")
	meshfed("ca", "issue", filepath.Join(repo, "examples", "nrc", "federation.yaml"), "--mesh", "production",
		"--root-cert", "root/root-cert.pem", "--root-key", "root/root-key.pem", "--out", "production")
	if _, err := os.Stat(filepath.Join(dir, "production", "ca-key.pem")); err != nil {
		t.Fatal(err)
	}

	got := check(filepath.Join(dir, "production"), []string{
		"spiffe://production.nrc.internal/ns/db/sa/postgres",
		"spiffe://operations.nrc.internal/ns/vault/sa/vault",
	})
	want := []string{
		"load: OK",
		"istiod: OK",
		"spiffe://production.nrc.internal/ns/db/sa/postgres: OK",
	}
	if len(got) != 4 {
		t.Fatalf("got %d results, want 4: %q", len(got), got)
	}
	for i, w := range want {
		if got[i] != w {
			t.Errorf("result %d = %q, want %q", i, got[i], w)
		}
	}
	if !strings.Contains(got[3], `URI "spiffe://operations.nrc.internal/ns/vault/sa/vault" is not permitted by any constraint`) {
		t.Errorf("operations' identity signed by production's CA: got %q, want a name constraint violation", got[3])
	}
}
