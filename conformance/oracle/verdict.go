package oracle

// Verdict is the oracle's output; field order is the documented key order.
type Verdict struct {
	Probes   []ProbeVerdict `json:"probes"`
	Exposure []Exposure     `json:"exposure"`
}

type ProbeVerdict struct {
	Name     string  `json:"name"`
	Verdict  string  `json:"verdict"`
	DeniedAt *string `json:"deniedAt"`
	Reason   *string `json:"reason"`
	Hops     []Hop   `json:"hops"`

	// Decided names the Istio config that decided a denial (listener/chain/cluster/RBAC policy);
	// printed on mismatch, not part of the JSON.
	Decided string `json:"-"`
	// Trace is the Istio config each hop went through (printed by --explain).
	Trace []string `json:"-"`
}

// Hop is one of ClientHop, GatewayHop, ServerHop.
type Hop any

type ClientHop struct {
	At       string   `json:"at"`
	Mesh     string   `json:"mesh"`
	Cluster  *string  `json:"cluster"`
	TLS      string   `json:"tls"`
	SNI      *string  `json:"sni"`
	SANs     []string `json:"sans"`
	Endpoint *string  `json:"endpoint"`
}

type GatewayHop struct {
	At      string  `json:"at"`
	Mesh    string  `json:"mesh"`
	Matched *string `json:"matched"`
}

type ServerHop struct {
	At       string  `json:"at"`
	Mesh     string  `json:"mesh"`
	Workload string  `json:"workload"`
	Peer     *string `json:"peer"`
	Authz    *string `json:"authz"`
}

type Exposure struct {
	Mesh   string   `json:"mesh"`
	Host   string   `json:"host"`
	Port   int      `json:"port"`
	Admits []string `json:"admits"`
}

// Reason codes (shared with meshfed verify; see conformance/README.md).
const (
	ReasonNoRoute      = "MF3001"
	ReasonNotGateway   = "MF3002"
	ReasonPlaintext    = "MF3003"
	ReasonNoChain      = "MF3004"
	ReasonRootMismatch = "MF3005"
	ReasonTrustDomain  = "MF3006"
	ReasonServerSAN    = "MF3007"
	ReasonRBACDeny     = "MF3008"
	ReasonNoInbound    = "MF3009"
	DeniedAtClient     = "client"
	DeniedAtGateway    = "gateway"
	DeniedAtServer     = "server"
	DeniedAtTrust      = "trust"
	VerdictAllow       = "allow"
	VerdictDeny        = "deny"
)

func strp(s string) *string { return &s }
