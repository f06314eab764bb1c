package oracle

import (
	"reflect"
	"testing"

	clusterpb "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corepb "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listenerpb "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	tcppb "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/tcp_proxy/v3"
	tlspb "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	matcherpb "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func mustAny(t *testing.T, m proto.Message) *anypb.Any {
	t.Helper()
	a, err := anypb.New(m)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func tlsSocket(t *testing.T, m proto.Message) *corepb.TransportSocket {
	t.Helper()
	a, err := anypb.New(m)
	if err != nil {
		t.Fatal(err)
	}
	return &corepb.TransportSocket{Name: "envoy.transport_sockets.tls", ConfigType: &corepb.TransportSocket_TypedConfig{TypedConfig: a}}
}

func istioUpstream(sni string, sans ...string) *tlspb.UpstreamTlsContext {
	var ms []*matcherpb.StringMatcher
	for _, s := range sans {
		ms = append(ms, exact(s))
	}
	return &tlspb.UpstreamTlsContext{
		Sni: sni,
		CommonTlsContext: &tlspb.CommonTlsContext{
			TlsCertificateSdsSecretConfigs: []*tlspb.SdsSecretConfig{{Name: "default"}},
			ValidationContextType: &tlspb.CommonTlsContext_CombinedValidationContext{
				CombinedValidationContext: &tlspb.CommonTlsContext_CombinedCertificateValidationContext{
					DefaultValidationContext: &tlspb.CertificateValidationContext{MatchSubjectAltNames: ms},
				},
			},
		},
	}
}

func TestClientTLS(t *testing.T) {
	ct, err := clientTLS(tlsSocket(t, istioUpstream("outbound_.5432_._.postgres.db.svc.cluster.local", "spiffe://p/ns/db/sa/postgres")))
	if err != nil {
		t.Fatal(err)
	}
	if ct.Mode != TLSIstioMutual || ct.SNI != "outbound_.5432_._.postgres.db.svc.cluster.local" ||
		!reflect.DeepEqual(renderSANs(ct.SANs), []string{"spiffe://p/ns/db/sa/postgres"}) {
		t.Fatalf("got %+v", ct)
	}
	simple, _ := clientTLS(tlsSocket(t, &tlspb.UpstreamTlsContext{Sni: "x", CommonTlsContext: &tlspb.CommonTlsContext{}}))
	if simple.Mode != TLSSimple {
		t.Fatalf("no client cert must be SIMPLE, got %s", simple.Mode)
	}
	mutual, _ := clientTLS(tlsSocket(t, &tlspb.UpstreamTlsContext{CommonTlsContext: &tlspb.CommonTlsContext{
		TlsCertificateSdsSecretConfigs: []*tlspb.SdsSecretConfig{{Name: "kubernetes://my-cert"}}}}))
	if mutual.Mode != TLSMutual {
		t.Fatalf("credentialName cert must be MUTUAL, got %s", mutual.Mode)
	}
	none, _ := clientTLS(nil)
	if none.Mode != TLSDisable {
		t.Fatalf("no socket must be DISABLE, got %s", none.Mode)
	}
}

// Auto mTLS: Istio puts the mTLS socket under a transport_socket_matches entry for tlsMode=istio.
func TestUpstreamTransportSocketAutoMTLS(t *testing.T) {
	mtls := tlsSocket(t, istioUpstream("sni"))
	c := &clusterpb.Cluster{
		TransportSocketMatches: []*clusterpb.Cluster_TransportSocketMatch{
			{Name: "tlsMode-istio", Match: &structpb.Struct{Fields: map[string]*structpb.Value{"tlsMode": structpb.NewStringValue("istio")}}, TransportSocket: mtls},
			{Name: "tlsMode-disabled", Match: &structpb.Struct{}, TransportSocket: &corepb.TransportSocket{Name: "envoy.transport_sockets.raw_buffer"}},
		},
	}
	withLabel := Endpoint{Address: "10.0.0.1", Port: 15443, TLSMatch: map[string]string{"tlsMode": "istio"}}
	without := Endpoint{Address: "10.0.0.1", Port: 15443, TLSMatch: map[string]string{}}
	if ct, _ := clientTLS(upstreamTransportSocket(c, withLabel)); ct.Mode != TLSIstioMutual {
		t.Fatalf("endpoint with tlsMode=istio must get mTLS, got %s", ct.Mode)
	}
	if ct, _ := clientTLS(upstreamTransportSocket(c, without)); ct.Mode != TLSDisable {
		t.Fatalf("endpoint without tlsMode must get plaintext, got %s", ct.Mode)
	}
}

func TestSanAcceptsAndRender(t *testing.T) {
	ms := []*matcherpb.StringMatcher{prefix("spiffe://production.nrc.internal/"), prefix("spiffe://operations.nrc.internal/")}
	if ok, _ := sanAccepts(ms, vault); !ok {
		t.Fatal("operations domain must be accepted")
	}
	if ok, _ := sanAccepts(ms, "spiffe://staging.nrc.internal/ns/a/sa/b"); ok {
		t.Fatal("staging domain must be rejected")
	}
	if ok, _ := sanAccepts(nil, "anything"); !ok {
		t.Fatal("no matcher accepts any identity")
	}
	got := renderSANs([]*matcherpb.StringMatcher{prefix("spiffe://b/"), exact("spiffe://a/ns/x/sa/y"), regex("r.*")})
	want := []string{"spiffe://a/ns/x/sa/y", "spiffe://b/*", "~r.*"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("renderSANs = %v, want %v", got, want)
	}
}

func TestTrustCheckOrder(t *testing.T) {
	server := "spiffe://production.nrc.internal/ns/db/sa/postgres"
	accepts := []*matcherpb.StringMatcher{prefix("spiffe://production.nrc.internal/")}
	base := legIn{peerID: vault, peerRoot: "nrc-root", tls: ClientTLS{Mode: TLSIstioMutual, SANs: []*matcherpb.StringMatcher{exact(server)}}}
	cases := []struct {
		name   string
		in     legIn
		root   string
		reason string
	}{
		{"roots differ", base, "other-root", ReasonRootMismatch},
		// Every check fails here: the root is checked first, then the client's SAN check, then the server's.
		{"client SAN before server trust domain", legIn{peerID: vault, peerRoot: "nrc-root", tls: ClientTLS{Mode: TLSIstioMutual, SANs: []*matcherpb.StringMatcher{exact("x")}}}, "nrc-root", ReasonServerSAN},
		{"server rejects trust domain", base, "nrc-root", ReasonTrustDomain},
		{"simple TLS has no client cert", legIn{peerID: vault, peerRoot: "nrc-root", tls: ClientTLS{Mode: TLSSimple}}, "nrc-root", ReasonRootMismatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := trustCheck(c.in, c.root, server, accepts, "here")
			if d == nil || d.reason != c.reason || d.at != DeniedAtTrust {
				t.Fatalf("got %+v, want %s", d, c.reason)
			}
		})
	}
	ok := base
	if d := trustCheck(ok, "nrc-root", server, append(accepts, prefix("spiffe://operations.nrc.internal/")), "here"); d != nil {
		t.Fatalf("want trusted, got %+v", d)
	}
}

func TestMatchedServerName(t *testing.T) {
	names := []string{"*.svc.cluster.local", "*.db.svc.cluster.local", "postgres.db.svc.cluster.local"}
	cases := map[string]string{
		"postgres.db.svc.cluster.local": "postgres.db.svc.cluster.local",
		"redis.db.svc.cluster.local":    "*.db.svc.cluster.local",
		"a.b.svc.cluster.local":         "*.svc.cluster.local",
		"example.com":                   "",
	}
	for sni, want := range cases {
		if got := matchedServerName(names, sni); got != want {
			t.Errorf("matchedServerName(%q) = %q, want %q", sni, got, want)
		}
	}
}

func TestFindChainDisambiguates(t *testing.T) {
	tlsChain := &listenerpb.FilterChain{Name: "0.0.0.0_5432", FilterChainMatch: &listenerpb.FilterChainMatch{DestinationPort: wrapperspb.UInt32(5432), TransportProtocol: "tls"}}
	rawChain := &listenerpb.FilterChain{Name: "0.0.0.0_5432", FilterChainMatch: &listenerpb.FilterChainMatch{DestinationPort: wrapperspb.UInt32(5432), TransportProtocol: "raw_buffer"}}
	l := &listenerpb.Listener{FilterChains: []*listenerpb.FilterChain{rawChain, tlsChain}}
	if got := findChain(l, "0.0.0.0_5432", 5432, true, "", ""); got != tlsChain {
		t.Fatalf("TLS call must select the tls chain, got %v", got.GetFilterChainMatch())
	}
	if got := findChain(l, "0.0.0.0_5432", 5432, false, "", ""); got != rawChain {
		t.Fatalf("plaintext call must select the raw_buffer chain")
	}
	// Gateway SNI chains are unnamed.
	a := &listenerpb.FilterChain{FilterChainMatch: &listenerpb.FilterChainMatch{ServerNames: []string{"outbound_.5432_._.a.svc.cluster.local"}}}
	b := &listenerpb.FilterChain{FilterChainMatch: &listenerpb.FilterChainMatch{ServerNames: []string{"outbound_.5432_._.b.svc.cluster.local"}}}
	gw := &listenerpb.Listener{FilterChains: []*listenerpb.FilterChain{a, b}}
	if got := findChain(gw, "", 15443, true, "outbound_.5432_._.b.svc.cluster.local", ""); got != b {
		t.Fatalf("SNI must select chain b")
	}
	// An AUTO_PASSTHROUGH chain and a PASSTHROUGH tls-route chain naming one SNI (Envoy tells them
	// apart by ALPN): the one forwarding to the cluster the simulation reached.
	sni := "outbound_.5432_._.postgres.db.svc.cluster.local"
	tcp := func(cluster string) []*listenerpb.Filter {
		return []*listenerpb.Filter{{Name: "envoy.filters.network.tcp_proxy", ConfigType: &listenerpb.Filter_TypedConfig{
			TypedConfig: mustAny(t, &tcppb.TcpProxy{ClusterSpecifier: &tcppb.TcpProxy_Cluster{Cluster: cluster}}),
		}}}
	}
	routed := &listenerpb.FilterChain{FilterChainMatch: &listenerpb.FilterChainMatch{ServerNames: []string{sni}}, Filters: tcp("outbound|5432||postgres.db.svc.cluster.local")}
	dnat := &listenerpb.FilterChain{FilterChainMatch: &listenerpb.FilterChainMatch{ServerNames: []string{sni}, ApplicationProtocols: []string{"istio-peer-exchange", "istio"}}, Filters: tcp(sni)}
	both := &listenerpb.Listener{FilterChains: []*listenerpb.FilterChain{routed, dnat}}
	if got := findChain(both, "", 15443, true, sni, sni); got != dnat {
		t.Fatalf("the SNI-DNAT cluster must select the AUTO_PASSTHROUGH chain")
	}
	if got := findChain(both, "", 15443, true, sni, "outbound|5432||postgres.db.svc.cluster.local"); got != routed {
		t.Fatalf("the route's cluster must select the tls-route chain")
	}
}

func TestEndpointSliceTargetPort(t *testing.T) {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "pg", Namespace: "db", Labels: map[string]string{"app": "postgres"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Ports: []corev1.ContainerPort{{Name: "pg", ContainerPort: 15432}}}}},
		Status:     corev1.PodStatus{PodIP: "10.1.0.2"},
	}
	other := pod.DeepCopy()
	other.Labels = map[string]string{"app": "other"}
	other.Status.PodIP = "10.1.0.3"
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "postgres", Namespace: "db"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "postgres"}, Ports: []corev1.ServicePort{
			{Name: "tcp", Port: 5432, TargetPort: intstr.FromString("pg")},
		}},
	}
	es := endpointSliceFor(svc, []*corev1.Pod{pod, other})
	if len(es.Endpoints) != 1 || es.Endpoints[0].Addresses[0] != "10.1.0.2" {
		t.Fatalf("want only the selected pod, got %+v", es.Endpoints)
	}
	if len(es.Ports) != 1 || *es.Ports[0].Port != 15432 {
		t.Fatalf("named targetPort must resolve to the container port, got %+v", es.Ports)
	}
}
