package oracle

import (
	"strings"
	"testing"
)

// TestEgressKeepsConsumerIdentity: through the consumer mesh's egress gateway (scenario 80,
// meshfed's own output) the call takes the extra hop, the egress gateway passes the TLS through
// (the SNI it matched is the client's), and the exported workload sees the consumer's own
// identity; a non-consumer of the same namespace is stopped by the guard on its own identity.
func TestEgressKeepsConsumerIdentity(t *testing.T) {
	_, v, _, err := RunScenario("../scenarios/80-egress-gateway-passthrough")
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]ProbeVerdict{}
	for _, p := range v.Probes {
		byName[p.Name] = p
	}
	check := func(name, verdict, peer string) {
		t.Helper()
		p, ok := byName[name]
		if !ok {
			t.Fatalf("no probe %q", name)
		}
		if p.Verdict != verdict || len(p.Hops) != 4 {
			t.Fatalf("%s: verdict %s with %d hops, want %s through client, egress, gateway, server", name, p.Verdict, len(p.Hops), verdict)
		}
		client := p.Hops[0].(ClientHop)
		egress := p.Hops[1].(GatewayHop)
		server := p.Hops[3].(ServerHop)
		if egress.At != "egress" || egress.Mesh != "operations" || egress.Matched == nil || *egress.Matched != *client.SNI {
			t.Fatalf("%s: egress hop %+v does not match the client's SNI %v", name, egress, client.SNI)
		}
		if !strings.HasPrefix(*client.Endpoint, "istio-egressgateway.istio-system.svc.cluster.local:") {
			t.Fatalf("%s: client dials %s, not the egress gateway", name, *client.Endpoint)
		}
		if server.Peer == nil || *server.Peer != peer {
			t.Fatalf("%s: the exported workload sees %v, want %s", name, server.Peer, peer)
		}
	}
	check("operations/vault/vault -> postgres.db.production.mesh:5432", VerdictAllow, "spiffe://operations.nrc.internal/ns/vault/sa/vault")
	check("operations/vault/neighbour -> postgres.db.production.mesh:5432", VerdictDeny, "spiffe://operations.nrc.internal/ns/vault/sa/neighbour")
}
