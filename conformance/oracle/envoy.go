package oracle

import (
	"fmt"
	"sort"

	clusterpb "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corepb "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointpb "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listenerpb "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	httprbac "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/rbac/v3"
	hcmpb "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	netrbac "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/rbac/v3"
	tcppb "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/tcp_proxy/v3"
	tlspb "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	matcherpb "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	"google.golang.org/protobuf/types/known/structpb"
)

// TLS modes reported in the client hop.
const (
	TLSIstioMutual = "ISTIO_MUTUAL"
	TLSDisable     = "DISABLE"
	TLSSimple      = "SIMPLE"
	TLSMutual      = "MUTUAL"
)

// istioSDSCert is the SDS resource name of the workload certificate istio-agent serves.
const istioSDSCert = "default"

// Endpoint is one lb endpoint of a cluster load assignment.
type Endpoint struct {
	Address string
	Port    uint32
	// TLSMatch is the endpoint's envoy.transport_socket_match metadata (e.g. tlsMode: istio).
	TLSMatch map[string]string
}

func (e Endpoint) String() string { return fmt.Sprintf("%s:%d", e.Address, e.Port) }

// loadAssignment returns the cluster's endpoints: EDS from the discovery server, else the inline assignment (STATIC/DNS).
func loadAssignment(c *clusterpb.Cluster, eds []*endpointpb.ClusterLoadAssignment) *endpointpb.ClusterLoadAssignment {
	if c.GetType() == clusterpb.Cluster_EDS {
		name := c.GetEdsClusterConfig().GetServiceName()
		if name == "" {
			name = c.GetName()
		}
		for _, cla := range eds {
			if cla.GetClusterName() == name {
				return cla
			}
		}
		return nil
	}
	return c.GetLoadAssignment()
}

func endpointsOf(cla *endpointpb.ClusterLoadAssignment) []Endpoint {
	var out []Endpoint
	for _, l := range cla.GetEndpoints() {
		for _, lb := range l.GetLbEndpoints() {
			sa := lb.GetEndpoint().GetAddress().GetSocketAddress()
			if sa == nil {
				continue
			}
			e := Endpoint{Address: sa.GetAddress(), Port: sa.GetPortValue(), TLSMatch: map[string]string{}}
			if md := lb.GetMetadata().GetFilterMetadata()["envoy.transport_socket_match"]; md != nil {
				for k, v := range md.GetFields() {
					e.TLSMatch[k] = v.GetStringValue()
				}
			}
			out = append(out, e)
		}
	}
	return out
}

// upstreamTransportSocket is what Envoy picks for an endpoint: the first transport_socket_matches
// entry whose match is a subset of the endpoint's metadata, else the cluster's transport_socket.
func upstreamTransportSocket(c *clusterpb.Cluster, ep Endpoint) *corepb.TransportSocket {
	for _, m := range c.GetTransportSocketMatches() {
		if structSubset(m.GetMatch(), ep.TLSMatch) {
			return m.GetTransportSocket()
		}
	}
	return c.GetTransportSocket()
}

func structSubset(s *structpb.Struct, md map[string]string) bool {
	for k, v := range s.GetFields() {
		if md[k] != v.GetStringValue() {
			return false
		}
	}
	return true
}

// ClientTLS is what the client side of a connection does, read from an UpstreamTlsContext.
type ClientTLS struct {
	Mode string
	SNI  string
	// SANs are the matchers the client applies to the server certificate (none = any identity of a trusted root).
	SANs []*matcherpb.StringMatcher
}

func clientTLS(ts *corepb.TransportSocket) (ClientTLS, error) {
	if ts == nil || ts.GetTypedConfig() == nil {
		return ClientTLS{Mode: TLSDisable}, nil
	}
	ctx := &tlspb.UpstreamTlsContext{}
	if err := ts.GetTypedConfig().UnmarshalTo(ctx); err != nil {
		// e.g. an internal_upstream or raw_buffer socket: no TLS
		return ClientTLS{Mode: TLSDisable}, nil
	}
	out := ClientTLS{SNI: ctx.GetSni(), SANs: validationSANs(ctx.GetCommonTlsContext())}
	certs := ctx.GetCommonTlsContext().GetTlsCertificateSdsSecretConfigs()
	switch {
	case len(certs) > 0 && certs[0].GetName() == istioSDSCert:
		out.Mode = TLSIstioMutual
	case len(certs) > 0 || len(ctx.GetCommonTlsContext().GetTlsCertificates()) > 0:
		out.Mode = TLSMutual
	default:
		out.Mode = TLSSimple
	}
	return out, nil
}

// validationSANs returns the URI SAN matchers of a TLS context's validation context.
func validationSANs(c *tlspb.CommonTlsContext) []*matcherpb.StringMatcher {
	var vc *tlspb.CertificateValidationContext
	if cvc := c.GetCombinedValidationContext(); cvc != nil {
		vc = cvc.GetDefaultValidationContext()
	} else {
		vc = c.GetValidationContext()
	}
	out := append([]*matcherpb.StringMatcher(nil), vc.GetMatchSubjectAltNames()...)
	for _, t := range vc.GetMatchTypedSubjectAltNames() {
		if t.GetSanType() == tlspb.SubjectAltNameMatcher_URI || t.GetSanType() == tlspb.SubjectAltNameMatcher_SAN_TYPE_UNSPECIFIED {
			out = append(out, t.GetMatcher())
		}
	}
	return out
}

// sanAccepts is Envoy's SAN check: no matcher accepts any certificate of a trusted root.
func sanAccepts(matchers []*matcherpb.StringMatcher, id string) (bool, error) {
	if len(matchers) == 0 {
		return true, nil
	}
	for _, m := range matchers {
		ok, err := stringMatches(m, id, false)
		if err != nil {
			return false, err
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

// renderSANs writes matchers for the verdict: exact values as is, others as prefix*, *suffix, *contains*, ~regex.
func renderSANs(ms []*matcherpb.StringMatcher) []string {
	out := []string{}
	for _, m := range ms {
		switch p := m.GetMatchPattern().(type) {
		case *matcherpb.StringMatcher_Exact:
			out = append(out, p.Exact)
		case *matcherpb.StringMatcher_Prefix:
			out = append(out, p.Prefix+"*")
		case *matcherpb.StringMatcher_Suffix:
			out = append(out, "*"+p.Suffix)
		case *matcherpb.StringMatcher_Contains:
			out = append(out, "*"+p.Contains+"*")
		case *matcherpb.StringMatcher_SafeRegex:
			out = append(out, "~"+p.SafeRegex.GetRegex())
		}
	}
	sort.Strings(out)
	return out
}

// downstreamTLS returns the chain's server-side TLS context, nil when the chain does not terminate TLS.
func downstreamTLS(fc *listenerpb.FilterChain) *tlspb.DownstreamTlsContext {
	ts := fc.GetTransportSocket()
	if ts == nil || ts.GetTypedConfig() == nil {
		return nil
	}
	ctx := &tlspb.DownstreamTlsContext{}
	if err := ts.GetTypedConfig().UnmarshalTo(ctx); err != nil {
		return nil
	}
	return ctx
}

// rbacFilters returns the chain's RBAC filters in order: network RBAC, then HTTP RBAC inside the HCM.
func rbacFilters(fc *listenerpb.FilterChain) ([]NamedRBAC, error) {
	var out []NamedRBAC
	for _, f := range fc.GetFilters() {
		tc := f.GetTypedConfig()
		if tc == nil {
			continue
		}
		switch {
		case tc.MessageIs(&netrbac.RBAC{}):
			r := &netrbac.RBAC{}
			if err := tc.UnmarshalTo(r); err != nil {
				return nil, err
			}
			if r.GetMatcher() != nil {
				return nil, &UnsupportedError{What: "RBAC matcher tree in " + f.GetName()}
			}
			out = append(out, NamedRBAC{Filter: f.GetName(), Rules: r.GetRules()})
		case tc.MessageIs(&hcmpb.HttpConnectionManager{}):
			h := &hcmpb.HttpConnectionManager{}
			if err := tc.UnmarshalTo(h); err != nil {
				return nil, err
			}
			for _, hf := range h.GetHttpFilters() {
				htc := hf.GetTypedConfig()
				if htc == nil || !htc.MessageIs(&httprbac.RBAC{}) {
					continue
				}
				r := &httprbac.RBAC{}
				if err := htc.UnmarshalTo(r); err != nil {
					return nil, err
				}
				if r.GetMatcher() != nil {
					return nil, &UnsupportedError{What: "RBAC matcher tree in " + hf.GetName()}
				}
				out = append(out, NamedRBAC{Filter: hf.GetName(), Rules: r.GetRules()})
			}
		}
	}
	return out, nil
}

// tcpProxyClusters returns the cluster(s) a chain's tcp_proxy forwards to.
func tcpProxyClusters(fc *listenerpb.FilterChain) []string {
	for _, f := range fc.GetFilters() {
		tc := f.GetTypedConfig()
		if tc == nil || !tc.MessageIs(&tcppb.TcpProxy{}) {
			continue
		}
		t := &tcppb.TcpProxy{}
		if err := tc.UnmarshalTo(t); err != nil {
			return nil
		}
		if c := t.GetCluster(); c != "" {
			return []string{c}
		}
		var out []string
		for _, w := range t.GetWeightedClusters().GetClusters() {
			out = append(out, w.GetName())
		}
		return out
	}
	return nil
}

func findCluster(cs []*clusterpb.Cluster, name string) *clusterpb.Cluster {
	for _, c := range cs {
		if c.GetName() == name {
			return c
		}
	}
	return nil
}

func findListener(ls []*listenerpb.Listener, name string) *listenerpb.Listener {
	for _, l := range ls {
		if l.GetName() == name {
			return l
		}
	}
	return nil
}

// findChain returns the chain the simulation matched. The simulation reports only a chain's
// name, and names repeat (inbound chains per transport) or are empty (gateway SNI chains), so
// among same-named chains pick the one whose match fits the call, an exact SNI first, and among
// those the one that forwards to the cluster the simulation reached: an AUTO_PASSTHROUGH chain
// and a PASSTHROUGH tls-route chain can name the same SNI, told apart by Istio's ALPNs.
func findChain(l *listenerpb.Listener, name string, port uint32, tlsTransport bool, sni, cluster string) *listenerpb.FilterChain {
	var cands []*listenerpb.FilterChain
	for _, fc := range l.GetFilterChains() {
		if fc.GetName() == name {
			cands = append(cands, fc)
		}
	}
	if len(cands) == 0 {
		if l.GetDefaultFilterChain() != nil && l.GetDefaultFilterChain().GetName() == name {
			return l.GetDefaultFilterChain()
		}
		return nil
	}
	var fits []*listenerpb.FilterChain
	for _, fc := range cands {
		m := fc.GetFilterChainMatch()
		if dp := m.GetDestinationPort(); dp != nil && dp.GetValue() != port {
			continue
		}
		if tp := m.GetTransportProtocol(); tp != "" && (tp == "tls") != tlsTransport {
			continue
		}
		if len(m.GetServerNames()) > 0 && matchedServerName(m.GetServerNames(), sni) == "" {
			continue
		}
		fits = append(fits, fc)
	}
	var exact []*listenerpb.FilterChain
	for _, fc := range fits {
		for _, n := range fc.GetFilterChainMatch().GetServerNames() {
			if n == sni {
				exact = append(exact, fc)
				break
			}
		}
	}
	if len(exact) == 0 {
		exact = fits
	}
	if cluster != "" && len(exact) > 1 {
		for _, fc := range exact {
			for _, c := range tcpProxyClusters(fc) {
				if c == cluster {
					return fc
				}
			}
		}
	}
	if len(exact) > 0 {
		return exact[0]
	}
	if len(cands) == 1 {
		return cands[0]
	}
	return nil
}

// matchedServerName is the server_names entry an SNI selects: exact first, then the longest wildcard.
func matchedServerName(names []string, sni string) string {
	best := ""
	for _, n := range names {
		if n == sni {
			return n
		}
		if len(n) > 1 && n[0] == '*' && len(sni) > len(n)-1 && hasSuffix(sni, n[1:]) && len(n) > len(best) {
			best = n
		}
	}
	return best
}

func hasSuffix(s, suf string) bool { return len(s) >= len(suf) && s[len(s)-len(suf):] == suf }
