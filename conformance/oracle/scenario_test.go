package oracle

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMain(m *testing.M) {
	QuietIstio()
	os.Exit(m.Run())
}

// Every testdata scenario states its expectation for every probe; the oracle must meet them.
func TestScenarios(t *testing.T) {
	dirs, err := ScenarioDirs([]string{"../testdata"})
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 10 {
		t.Fatalf("expected at least 10 testdata scenarios, found %d", len(dirs))
	}
	reasons := map[string]bool{}
	for _, d := range dirs {
		t.Run(filepath.Base(d), func(t *testing.T) {
			s, v, _, err := RunScenario(d)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range s.Probes {
				if p.Expect == "" {
					t.Fatalf("probe %s has no expect: testdata must state every expectation", p.Name)
				}
				if p.Expect == VerdictDeny && (p.ExpectDeniedAt == nil || p.ExpectReason == nil) {
					t.Fatalf("probe %s: deny without expectDeniedAt/expectReason", p.Name)
				}
				if r := v.Probes[i].Reason; r != nil {
					reasons[*r] = true
				}
			}
			for _, m := range Compare(s, v) {
				t.Error(m.String())
			}
			golden := filepath.Join(d, "verdict.golden.json")
			if want, err := os.ReadFile(golden); err == nil {
				got, _ := json.MarshalIndent(v, "", "  ")
				if !bytes.Equal(bytes.TrimSpace(want), bytes.TrimSpace(got)) {
					t.Errorf("verdict differs from %s:\n%s", golden, got)
				}
			}
		})
	}
	for _, r := range []string{"MF3001", "MF3002", "MF3003", "MF3004", "MF3005", "MF3006", "MF3007", "MF3008", "MF3009"} {
		if !reasons[r] {
			t.Errorf("no testdata scenario is denied with %s", r)
		}
	}
}

// A wrong expectation must be reported, with the hop and the Istio config that decided.
func TestCompareReportsMismatch(t *testing.T) {
	s, v, _, err := RunScenario("../testdata/deny-server-rbac")
	if err != nil {
		t.Fatal(err)
	}
	s.Probes[0].Expect = VerdictAllow
	ms := Compare(s, v)
	if len(ms) != 1 {
		t.Fatalf("want 1 mismatch, got %v", ms)
	}
	msg := ms[0].String()
	for _, want := range []string{"expected allow, oracle says deny", "server(production db/postgres)", "ns[db]-policy[postgres-meshfed]-rule[0]"} {
		if !strings.Contains(msg, want) {
			t.Errorf("mismatch %q does not mention %q", msg, want)
		}
	}
	s.Probes[0].Expect = VerdictDeny
	wrongReason := "MF3006"
	s.Probes[0].ExpectReason = &wrongReason
	if ms := Compare(s, v); len(ms) != 1 || !strings.Contains(ms[0].Msg, "expected reason MF3006, oracle says MF3008") {
		t.Fatalf("want a reason mismatch, got %v", ms)
	}
	s.ExpectExposure[0].Admits = []string{"*"}
	if ms := Compare(s, v); len(ms) != 2 || !strings.Contains(ms[1].Msg, "exposure differs") {
		t.Fatalf("want an exposure mismatch, got %v", ms)
	}
}

func writeScenario(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const okMeshes = `meshes:
  - {name: a, trustDomain: a.internal, rootCA: r}
probes:
  - {name: p, from: {mesh: a, namespace: ns1, serviceAccount: s}, to: {host: x.ns1.svc.cluster.local, port: 80}}
`

func TestBadInput(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		want  []string // fragments of the error: file and what is wrong
	}{
		{"missing scenario.yaml", map[string]string{}, []string{"scenario.yaml", "cannot read"}},
		{"unknown field", map[string]string{"scenario.yaml": okMeshes + "bogus: 1\n"}, []string{"scenario.yaml", "bogus"}},
		{"probe from unknown mesh", map[string]string{"scenario.yaml": strings.Replace(okMeshes, "from: {mesh: a", "from: {mesh: zz", 1)}, []string{"scenario.yaml", `"zz"`}},
		{"bad expect", map[string]string{"scenario.yaml": strings.Replace(okMeshes, "port: 80}}", "port: 80}, expect: maybe}", 1)}, []string{"expect", "maybe"}},
		{"no trust domain", map[string]string{"scenario.yaml": strings.Replace(okMeshes, "trustDomain: a.internal, ", "", 1)}, []string{"trustDomain is required"}},
		{"yaml without kind", map[string]string{"scenario.yaml": okMeshes, "a/x.yaml": "apiVersion: v1\nmetadata: {name: x}\n"}, []string{"a/x.yaml", "document 1", "kind"}},
		{"invalid Istio config", map[string]string{"scenario.yaml": okMeshes, "a/dr.yaml": "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: d, namespace: ns1}\nspec:\n  trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}\n"}, []string{"a/dr.yaml", "DestinationRule d"}},
		{"unknown Istio field", map[string]string{"scenario.yaml": okMeshes, "a/se.yaml": "apiVersion: networking.istio.io/v1beta1\nkind: ServiceEntry\nmetadata: {name: s, namespace: ns1}\nspec: {hosts: [x], nope: 1}\n"}, []string{"a/se.yaml", "ServiceEntry s"}},
		{"enum as a number", map[string]string{"scenario.yaml": okMeshes, "a/ap.yaml": "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p, namespace: ns1}\nspec:\n  action: 1\n  rules: [{}]\n"}, []string{"a/ap.yaml", "AuthorizationPolicy p", "spec.action", "must be of type string"}},
		{"nested enum as a number", map[string]string{"scenario.yaml": okMeshes, "a/pa.yaml": "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: p, namespace: ns1}\nspec:\n  selector: {matchLabels: {app: a}}\n  portLevelMtls: {80: {mode: 3}}\n"}, []string{"a/pa.yaml", "spec.portLevelMtls.80.mode"}},
		{"duplicate resource", map[string]string{"scenario.yaml": okMeshes, "a/a.yaml": "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: s, namespace: ns1}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: s, namespace: ns1}\n"}, []string{"a/a.yaml", "document 2", "also defined"}},
		{"bad kube object", map[string]string{"scenario.yaml": okMeshes, "a/p.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns1}\nspec: {containers: 3}\n"}, []string{"a/p.yaml", "Pod p"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeScenario(t, c.files)
			_, _, _, err := RunScenario(dir)
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("want InputError, got %v", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestMainExitCodes(t *testing.T) {
	var out, errb bytes.Buffer
	if code := Main([]string{"../testdata/allow-canonical"}, &out, &errb); code != ExitOK {
		t.Fatalf("allow-canonical: exit %d, stderr %s", code, errb.String())
	}
	var v Verdict
	if err := json.Unmarshal(out.Bytes(), &v); err != nil || len(v.Probes) != 1 || v.Probes[0].Verdict != VerdictAllow {
		t.Fatalf("stdout is not the verdict: %v %s", err, out.String())
	}
	// Flip the expectation: exit 4 and the mismatch on stderr.
	dir := t.TempDir()
	copyDir(t, "../testdata/allow-canonical", dir)
	s, _ := os.ReadFile(filepath.Join(dir, "scenario.yaml"))
	_ = os.WriteFile(filepath.Join(dir, "scenario.yaml"), []byte(strings.Replace(string(s), "expect: allow", "expect: deny", 1)), 0o644)
	out.Reset()
	errb.Reset()
	if code := Main([]string{dir}, &out, &errb); code != ExitMismatch || !strings.Contains(errb.String(), "expected deny, oracle says allow") {
		t.Fatalf("want exit 4 with mismatch, got %d: %s", code, errb.String())
	}
	errb.Reset()
	if code := Main([]string{t.TempDir()}, &out, &errb); code != ExitBadInput || !strings.Contains(errb.String(), "scenario.yaml") {
		t.Fatalf("want exit 3 naming scenario.yaml, got %d: %s", code, errb.String())
	}
	out.Reset()
	if code := Main([]string{"--check", "../testdata/deny-trust-san", dir}, &out, &errb); code != ExitMismatch {
		t.Fatalf("--check with a failing scenario: exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if last := lines[len(lines)-1]; last != "oracle: 1 passed, 1 failed" {
		t.Fatalf("last line %q", last)
	}
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// An HTTP path rule cannot be decided for a TCP-level probe: exit 5, never a guess.
func TestUndecidableRBAC(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, "../testdata/allow-http", dir)
	p := filepath.Join(dir, "production", "eastwest.yaml")
	b, _ := os.ReadFile(p)
	s := strings.Replace(string(b), `            ports: ["5432"]`, `            ports: ["5432"]
            paths: ["/admin"]`, 1)
	if s == string(b) {
		t.Fatal("fixture changed: ports rule not found")
	}
	_ = os.WriteFile(p, []byte(s), 0o644)
	var out, errb bytes.Buffer
	if code := Main([]string{dir}, &out, &errb); code != ExitUndecided || !strings.Contains(errb.String(), "url_path") {
		t.Fatalf("want exit 5 naming url_path, got %d: %s", code, errb.String())
	}
}

// A host the client's sidecar does not know is MF3001 with the seed's "no cluster" spelling.
func TestUnknownHost(t *testing.T) {
	dir := writeScenario(t, map[string]string{"scenario.yaml": okMeshes})
	_, v, _, err := RunScenario(dir)
	if err != nil {
		t.Fatal(err)
	}
	p := v.Probes[0]
	if p.Verdict != VerdictDeny || ptrStr(p.DeniedAt) != DeniedAtClient || ptrStr(p.Reason) != ReasonNoRoute {
		t.Fatalf("got %s %s %s", p.Verdict, ptrStr(p.DeniedAt), ptrStr(p.Reason))
	}
	h := p.Hops[0].(ClientHop)
	if ptrStr(h.Cluster) != "BlackHoleCluster" || h.Endpoint != nil || h.TLS != TLSDisable || len(h.SANs) != 0 {
		t.Fatalf("client hop %+v", h)
	}
	if len(v.Exposure) != 0 {
		t.Fatalf("no gateway, no exposure: %+v", v.Exposure)
	}
}
