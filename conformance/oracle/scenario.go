package oracle

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// InputError is a problem with the scenario directory itself (exit 3): the file and what is wrong.
type InputError struct {
	File string
	Msg  string
}

func (e *InputError) Error() string {
	if e.File == "" {
		return e.Msg
	}
	return e.File + ": " + e.Msg
}

func inputErrorf(file, format string, args ...any) *InputError {
	return &InputError{File: file, Msg: fmt.Sprintf(format, args...)}
}

// Scenario is scenario.yaml (see conformance/README.md).
type Scenario struct {
	Meshes         []Mesh     `json:"meshes"`
	Probes         []Probe    `json:"probes"`
	ExpectExposure []Exposure `json:"expectExposure,omitempty"`

	// Dir is the scenario directory; Resources holds each mesh's YAML documents by mesh name.
	Dir       string                   `json:"-"`
	Resources map[string][]ResourceDoc `json:"-"`
	// HasExpectExposure distinguishes an absent expectExposure from an empty list.
	HasExpectExposure bool `json:"-"`
}

type Mesh struct {
	Name                    string            `json:"name"`
	TrustDomain             string            `json:"trustDomain"`
	TrustDomainAliases      []string          `json:"trustDomainAliases,omitempty"`
	RootCA                  string            `json:"rootCA"`
	Network                 string            `json:"network,omitempty"`
	ClusterDomain           string            `json:"clusterDomain,omitempty"`
	SkipValidateTrustDomain bool              `json:"skipValidateTrustDomain,omitempty"`
	MeshConfig              map[string]any    `json:"meshConfig,omitempty"`
	EastWestGateway         *EastWestGateway  `json:"eastWestGateway,omitempty"`
	Extra                   map[string]string `json:"-"`
}

type EastWestGateway struct {
	Address   string            `json:"address"`
	Port      int               `json:"port"`
	Selector  map[string]string `json:"selector"`
	Namespace string            `json:"namespace"`
	// ServiceAccount is the gateway's identity when it terminates mTLS and no gateway pod is given
	// (default istio-eastwestgateway).
	ServiceAccount string `json:"serviceAccount,omitempty"`
}

type Probe struct {
	Name           string  `json:"name"`
	From           From    `json:"from"`
	To             To      `json:"to"`
	Expect         string  `json:"expect,omitempty"`
	ExpectDeniedAt *string `json:"expectDeniedAt,omitempty"`
	ExpectReason   *string `json:"expectReason,omitempty"`
}

type From struct {
	Mesh           string            `json:"mesh"`
	Namespace      string            `json:"namespace"`
	ServiceAccount string            `json:"serviceAccount"`
	Labels         map[string]string `json:"labels,omitempty"`
}

type To struct {
	Host string `json:"host"`
	Port int    `json:"port"`
}

// ResourceDoc is one YAML document of a mesh directory, with where it came from.
type ResourceDoc struct {
	File  string
	Index int // 0-based document index within File
	Text  string
	Kind  string
	API   string
	Name  string
	NS    string
}

func (d ResourceDoc) Where() string {
	return fmt.Sprintf("%s (document %d, %s %s)", d.File, d.Index+1, d.Kind, d.Name)
}

// LoadScenario reads and validates a scenario directory.
func LoadScenario(dir string) (*Scenario, error) {
	file := filepath.Join(dir, "scenario.yaml")
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, inputErrorf(file, "cannot read: %v", err)
	}
	s := &Scenario{Dir: dir, Resources: map[string][]ResourceDoc{}}
	if err := yaml.UnmarshalStrict(raw, s); err != nil {
		return nil, inputErrorf(file, "invalid scenario: %v", err)
	}
	var top map[string]any
	_ = yaml.Unmarshal(raw, &top)
	_, s.HasExpectExposure = top["expectExposure"]
	if err := s.validate(file); err != nil {
		return nil, err
	}
	for _, m := range s.Meshes {
		docs, err := readMeshDir(filepath.Join(dir, m.Name))
		if err != nil {
			return nil, err
		}
		s.Resources[m.Name] = docs
	}
	return s, nil
}

func (s *Scenario) validate(file string) error {
	if len(s.Meshes) == 0 {
		return inputErrorf(file, "meshes: at least one mesh is required")
	}
	seen := map[string]bool{}
	for i := range s.Meshes {
		m := &s.Meshes[i]
		where := fmt.Sprintf("meshes[%d]", i)
		if m.Name == "" {
			return inputErrorf(file, "%s.name is required", where)
		}
		if seen[m.Name] {
			return inputErrorf(file, "%s.name %q is used twice", where, m.Name)
		}
		seen[m.Name] = true
		if m.TrustDomain == "" {
			return inputErrorf(file, "%s (%s).trustDomain is required", where, m.Name)
		}
		if m.ClusterDomain == "" {
			m.ClusterDomain = "cluster.local"
		}
		if m.ClusterDomain != "cluster.local" {
			// The fake discovery server hard-codes cluster.local as the domain suffix.
			return inputErrorf(file, "%s (%s).clusterDomain %q: the oracle supports only cluster.local", where, m.Name, m.ClusterDomain)
		}
		if g := m.EastWestGateway; g != nil {
			if g.Address == "" || g.Port <= 0 || g.Port > 65535 {
				return inputErrorf(file, "%s (%s).eastWestGateway needs address and a port in 1..65535", where, m.Name)
			}
			if len(g.Selector) == 0 {
				g.Selector = map[string]string{"istio": "eastwestgateway"}
			}
			if g.Namespace == "" {
				g.Namespace = "istio-system"
			}
			if g.ServiceAccount == "" {
				g.ServiceAccount = "istio-eastwestgateway"
			}
		}
	}
	names := map[string]bool{}
	for i, p := range s.Probes {
		where := fmt.Sprintf("probes[%d]", i)
		if p.Name == "" {
			return inputErrorf(file, "%s.name is required", where)
		}
		if names[p.Name] {
			return inputErrorf(file, "%s.name %q is used twice", where, p.Name)
		}
		names[p.Name] = true
		where = fmt.Sprintf("probes[%d] (%s)", i, p.Name)
		if !seen[p.From.Mesh] {
			return inputErrorf(file, "%s.from.mesh %q is not a mesh of this scenario", where, p.From.Mesh)
		}
		if p.From.Namespace == "" || p.From.ServiceAccount == "" {
			return inputErrorf(file, "%s.from needs namespace and serviceAccount", where)
		}
		if p.To.Host == "" || p.To.Port <= 0 || p.To.Port > 65535 {
			return inputErrorf(file, "%s.to needs host and a port in 1..65535", where)
		}
		switch p.Expect {
		case "", "allow", "deny":
		default:
			return inputErrorf(file, "%s.expect %q must be allow or deny", where, p.Expect)
		}
		if p.ExpectDeniedAt != nil {
			switch *p.ExpectDeniedAt {
			case "client", "gateway", "server", "trust":
			default:
				return inputErrorf(file, "%s.expectDeniedAt %q must be client, gateway, server or trust", where, *p.ExpectDeniedAt)
			}
		}
		if p.ExpectReason != nil && !strings.HasPrefix(*p.ExpectReason, "MF30") {
			return inputErrorf(file, "%s.expectReason %q must be an MF30xx code", where, *p.ExpectReason)
		}
	}
	return nil
}

func readMeshDir(dir string) ([]ResourceDoc, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil // a mesh with no resources is allowed
		}
		return nil, inputErrorf(dir, "cannot read mesh directory: %v", err)
	}
	var files []string
	for _, e := range entries {
		n := e.Name()
		if !e.IsDir() && (strings.HasSuffix(n, ".yaml") || strings.HasSuffix(n, ".yml")) {
			files = append(files, filepath.Join(dir, n))
		}
	}
	sort.Strings(files)
	var out []ResourceDoc
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, inputErrorf(f, "cannot read: %v", err)
		}
		for i, text := range splitYAMLDocs(string(raw)) {
			var head struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
				Metadata   struct {
					Name      string `json:"name"`
					Namespace string `json:"namespace"`
				} `json:"metadata"`
				Items []any `json:"items"`
			}
			if err := yaml.Unmarshal([]byte(text), &head); err != nil {
				return nil, inputErrorf(f, "document %d: invalid YAML: %v", i+1, err)
			}
			if head.Kind == "" && head.APIVersion == "" {
				continue // empty or comment-only document
			}
			if head.Kind == "" || head.APIVersion == "" {
				return nil, inputErrorf(f, "document %d: apiVersion and kind are required", i+1)
			}
			if head.Kind == "List" || strings.HasSuffix(head.Kind, "List") {
				return nil, inputErrorf(f, "document %d: %s is not supported, write one document per resource", i+1, head.Kind)
			}
			if head.Metadata.Name == "" {
				return nil, inputErrorf(f, "document %d: %s has no metadata.name", i+1, head.Kind)
			}
			out = append(out, ResourceDoc{
				File: f, Index: i, Text: text, Kind: head.Kind, API: head.APIVersion,
				Name: head.Metadata.Name, NS: head.Metadata.Namespace,
			})
		}
	}
	return out, nil
}

// splitYAMLDocs splits a multi-document YAML stream on lines that are exactly "---" (optionally followed by a comment).
func splitYAMLDocs(s string) []string {
	var docs []string
	var cur []string
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimRight(line, " \t\r")
		if t == "---" || strings.HasPrefix(t, "--- ") || strings.HasPrefix(t, "---#") {
			docs = append(docs, strings.Join(cur, "\n"))
			cur = nil
			continue
		}
		cur = append(cur, line)
	}
	docs = append(docs, strings.Join(cur, "\n"))
	return docs
}
