package oracle

import (
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	clusterpb "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	listenerpb "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	matcherpb "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"

	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pilot/pkg/serviceregistry/provider"
	"istio.io/istio/pilot/pkg/simulation"
	"istio.io/istio/pkg/config/host"
	"istio.io/istio/pkg/util/sets"
)

// unresolvedVIP is dialled when the host has no address for the client: only a wildcard
// (0.0.0.0:port) listener or the passthrough listener can take it.
const unresolvedVIP = "240.240.240.240"

// denial is a probe stopped at some hop.
type denial struct {
	at, reason, decided string
}

// Evaluate runs every probe and computes the exposure.
func (w *World) Evaluate() (*Verdict, error) {
	v := &Verdict{Probes: []ProbeVerdict{}, Exposure: []Exposure{}}
	for _, p := range w.Scenario.Probes {
		pv, err := w.RunProbe(p)
		if err != nil {
			return nil, fmt.Errorf("probe %s: %w", p.Name, err)
		}
		v.Probes = append(v.Probes, pv)
	}
	exp, err := w.Exposure()
	if err != nil {
		return nil, err
	}
	v.Exposure = exp
	return v, nil
}

func finish(pv ProbeVerdict, d *denial) ProbeVerdict {
	if d == nil {
		pv.Verdict = VerdictAllow
		return pv
	}
	pv.Verdict = VerdictDeny
	pv.DeniedAt = strp(d.at)
	pv.Reason = strp(d.reason)
	pv.Decided = d.decided
	return pv
}

// clientWorkload picks the scenario pod the probe stands for, or a synthetic one.
func (w *World) clientProxy(src *MeshEnv, f From) (*model.Proxy, string, error) {
	labels := map[string]string{}
	for k, v := range f.Labels {
		labels[k] = v
	}
	ip := ""
	id := "meshfed-probe-client"
	if wl := src.findWorkload(f.Namespace, f.ServiceAccount, f.Labels); wl != nil {
		ip = wl.Pod.Status.PodIP
		labels = wl.Pod.Labels
		id = wl.Pod.Name
	} else {
		ip = src.allocIP(fmt.Sprintf("10.%d", 150+src.Index))
	}
	p, err := src.NewProxy(model.SidecarProxy, f.Namespace, f.ServiceAccount, labels, ip, id)
	return p, ip, err
}

// resolve finds what the client dials for to.host: a literal IP, or the address of the
// Service/ServiceEntry host visible in the client's sidecar scope.
func resolve(p *model.Proxy, to To) (addr string, svc *model.Service) {
	if _, err := netip.ParseAddr(to.Host); err == nil {
		for _, s := range p.SidecarScope.Services() {
			if s.GetAddressForProxy(p) == to.Host {
				return to.Host, s
			}
		}
		return to.Host, nil
	}
	for _, s := range p.SidecarScope.Services() {
		if s.Hostname == host.Name(to.Host) {
			return nameAddress(p, s), s
		}
	}
	return "", nil
}

// nameAddress is the address a name resolves to for the client, as the DNS proxy's name table
// answers (pkg/dns/server/name_table.go BuildNameTable): a Kubernetes Service's own address;
// for ServiceEntries, the addresses of every service of that hostname and namespace in the
// client's egress listeners (one per ServiceEntry address, conversion.go convertServices),
// CIDR ranges and unspecified addresses skipped. Istio orders those services by no stable key
// (the scope's service for the name is any of them), so the lowest address is dialled; every
// one of them has a listener routing to the same cluster. None: unresolvedVIP.
func nameAddress(p *model.Proxy, s *model.Service) string {
	plain := func(a string) bool {
		return a != "" && a != "0.0.0.0" && a != "::" && !strings.Contains(a, "/")
	}
	if s.Attributes.ServiceRegistry == provider.Kubernetes {
		if a := s.GetAddressForProxy(p); plain(a) {
			return a
		}
		return unresolvedVIP
	}
	var addrs []string
	for _, l := range p.SidecarScope.EgressListeners {
		for _, o := range l.Services() {
			if o.Hostname == s.Hostname && o.Attributes.Namespace == s.Attributes.Namespace &&
				o.Attributes.ServiceRegistry != provider.Kubernetes {
				if a := o.GetAddressForProxy(p); plain(a) {
					addrs = append(addrs, a)
				}
			}
		}
	}
	if len(addrs) == 0 {
		return unresolvedVIP
	}
	sort.Strings(addrs)
	return addrs[0]
}

func callProtocol(svc *model.Service, port int) simulation.Protocol {
	if svc == nil {
		return simulation.TCP
	}
	if sp, ok := svc.Ports.GetByPort(port); ok {
		switch {
		case sp.Protocol.IsHTTP2() || sp.Protocol.IsGRPC():
			return simulation.HTTP2
		case sp.Protocol.IsHTTP():
			return simulation.HTTP
		}
	}
	return simulation.TCP
}

// noALPN stands for a TLS connection that offers no ALPN: it matches no filter chain that
// requires application protocols (the simulation fills an empty Alpn with Istio's for MTLS).
const noALPN = "(none)"

// alpnForCall is the ALPN the client's TLS offers where it differs from the simulation's default
// for the mode: a DestinationRule MUTUAL context carries no Istio ALPN, only h2 for an HTTP/2
// cluster (cluster_tls.go constructUpstreamTLS), so it matches no AUTO_PASSTHROUGH chain
// (gateway.go builtAutoPassthroughFilterChains requires the Istio mTLS ALPNs).
func alpnForCall(mode string, proto simulation.Protocol) string {
	if mode != TLSMutual {
		return ""
	}
	if proto == simulation.HTTP2 {
		return "h2"
	}
	return noALPN
}

func tlsModeForCall(mode string) simulation.TLSMode {
	switch mode {
	case TLSIstioMutual, TLSMutual:
		return simulation.MTLS
	case TLSSimple:
		return simulation.TLS
	}
	return simulation.Plaintext
}

// chainOf returns the listener and chain a simulation result points at.
func chainOf(pc *ProxyConfig, res simulation.Result, port uint32, tls bool, sni string) *listenerpb.FilterChain {
	l := findListener(pc.Listeners, res.ListenerMatched)
	if l == nil {
		return nil
	}
	return findChain(l, res.FilterChainMatched, port, tls, sni, res.ClusterMatched)
}

func isNoRouteCluster(c string) bool {
	return c == "" || c == "PassthroughCluster" || c == "BlackHoleCluster" || c == "InboundPassthroughCluster"
}

// RunProbe follows one probe through the client sidecar, the east-west gateway and the server sidecar.
func (w *World) RunProbe(pr Probe) (ProbeVerdict, error) {
	pv := ProbeVerdict{Name: pr.Name, Hops: []Hop{}}
	src := w.Mesh(pr.From.Mesh)
	proxy, _, err := w.clientProxy(src, pr.From)
	if err != nil {
		return pv, err
	}
	cpc, err := src.Generate(proxy)
	if err != nil {
		return pv, err
	}
	clientID := src.spiffeID(pr.From.Namespace, pr.From.ServiceAccount)

	// Hop 1: client sidecar.
	ch := ClientHop{At: "client", Mesh: src.Spec.Name, TLS: TLSDisable, SANs: []string{}}
	addr, svc := resolve(proxy, pr.To)
	if addr == "" {
		// Nothing to dial: the seed spells "no cluster" as BlackHoleCluster.
		ch.Cluster = strp("BlackHoleCluster")
		pv.Hops = append(pv.Hops, ch)
		return finish(pv, &denial{DeniedAtClient, ReasonNoRoute,
			fmt.Sprintf("host %q is not a Service/ServiceEntry visible to the client sidecar in %s/%s (sidecar scope)", pr.To.Host, src.Spec.Name, pr.From.Namespace)}), nil
	}
	proto := callProtocol(svc, pr.To.Port)
	call := simulation.Call{Address: addr, Port: pr.To.Port, Protocol: proto, CallMode: simulation.CallModeOutbound}
	if proto != simulation.TCP {
		call.HostHeader = pr.To.Host
	}
	res, err := cpc.Simulate(call)
	if err != nil {
		return pv, err
	}
	clusterName := res.ClusterMatched
	if clusterName == "" && res.Error == nil {
		if fc := chainOf(cpc, res, uint32(pr.To.Port), false, ""); fc != nil {
			if cs := tcpProxyClusters(fc); len(cs) > 0 {
				clusterName = cs[0]
			}
		}
	}
	where := fmt.Sprintf("listener %q chain %q", res.ListenerMatched, res.FilterChainMatched)
	pv.Trace = append(pv.Trace, fmt.Sprintf("client %s/%s: dial %s:%d (%s) -> %s -> cluster %s", src.Spec.Name, proxy.ID, addr, pr.To.Port, proto, where, orNone(clusterName)))
	if res.Error != nil || isNoRouteCluster(clusterName) {
		if clusterName == "" {
			clusterName = "BlackHoleCluster" // no listener/chain/route: the connection goes nowhere
		}
		ch.Cluster = strp(clusterName)
		if clusterName == "PassthroughCluster" {
			ch.Endpoint = strp(fmt.Sprintf("%s:%d", addr, pr.To.Port))
		}
		pv.Hops = append(pv.Hops, ch)
		why := where + " -> cluster " + orNone(clusterName)
		if res.Error != nil {
			why = fmt.Sprintf("%s: %v", where, res.Error)
		}
		return finish(pv, &denial{DeniedAtClient, ReasonNoRoute, why}), nil
	}
	ch.Cluster = strp(clusterName)
	c := findCluster(cpc.Clusters, clusterName)
	if c == nil {
		pv.Hops = append(pv.Hops, ch)
		return finish(pv, &denial{DeniedAtClient, ReasonNoRoute, where + ": cluster " + clusterName + " is not in the client's CDS"}), nil
	}
	eps := endpointsOf(loadAssignment(c, cpc.EDS))
	if len(eps) == 0 {
		ct, _ := clientTLS(c.GetTransportSocket())
		fillClientTLS(&ch, ct)
		pv.Hops = append(pv.Hops, ch)
		return finish(pv, &denial{DeniedAtClient, ReasonNotGateway, "cluster " + clusterName + " has no endpoints (" + c.GetType().String() + ")"}), nil
	}
	ep := eps[0]
	ct, err := clientTLS(upstreamTransportSocket(c, ep))
	if err != nil {
		return pv, err
	}
	fillClientTLS(&ch, ct)
	ch.Endpoint = strp(ep.String())
	pv.Hops = append(pv.Hops, ch)
	leg := legIn{peerID: clientID, peerRoot: src.Spec.RootCA, tls: ct, proto: proto}
	gwMesh := w.gatewayAt(ep)
	// Hop 1b: the client's own mesh's egress gateway, when the endpoint is one (egress.go).
	if t := src.egressAt(ep); gwMesh == nil && t != nil {
		d, next, out, err := w.egressHop(&pv, src, t, leg)
		if err != nil || d != nil {
			return finish(pv, d), err
		}
		if gwMesh = w.gatewayAt(*next); gwMesh == nil {
			return finish(pv, &denial{DeniedAtGateway, ReasonNotGateway, fmt.Sprintf("egress gateway %s forwards to %s, no mesh's eastWestGateway", t.wl.Name, next)}), nil
		}
		leg = out
	}
	if gwMesh == nil {
		return finish(pv, &denial{DeniedAtClient, ReasonNotGateway, fmt.Sprintf("cluster %s endpoint %s is no mesh's eastWestGateway", clusterName, ep)}), nil
	}

	// Hop 2: east-west gateway of the mesh owning that address.
	d, next, err := w.gatewayHop(&pv, gwMesh, leg)
	if err != nil || d != nil {
		return finish(pv, d), err
	}
	// Hop 3: server sidecar.
	d, err = w.serverHop(&pv, gwMesh, next)
	return finish(pv, d), err
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func fillClientTLS(h *ClientHop, ct ClientTLS) {
	h.TLS = ct.Mode
	if ct.SNI != "" {
		h.SNI = strp(ct.SNI)
	}
	h.SANs = renderSANs(ct.SANs)
}

func (w *World) gatewayAt(ep Endpoint) *MeshEnv {
	for _, m := range w.Meshes {
		g := m.Spec.EastWestGateway
		if g != nil && g.Address == ep.Address && uint32(g.Port) == ep.Port {
			return m
		}
	}
	return nil
}

// legIn is a TLS connection arriving at a hop: who originates it and how.
type legIn struct {
	peerID   string // SPIFFE ID of the certificate the originator presents
	peerRoot string // rootCA label of the originator's mesh
	tls      ClientTLS
	proto    simulation.Protocol
	srcIP    string
}

// legOut is where the gateway sends the connection: a workload port, with the leg the server sees.
type legOut struct {
	leg      legIn
	workload *Workload
	port     uint32
	cluster  string
}

type gatewayView struct {
	proxy *model.Proxy
	pc    *ProxyConfig
	ip    string
	sa    string
	// port is where a connection to the gateway's address and port arrives at the pod: the
	// targetPort of the gateway Service's port (kube-proxy forwards there), else the port itself.
	port int
}

func (me *MeshEnv) gateway() (*gatewayView, error) {
	if me.gw != nil {
		return me.gw, nil
	}
	g := me.Spec.EastWestGateway
	ip, sa, labels, id := "", g.ServiceAccount, g.Selector, "istio-eastwestgateway"
	if wl := me.findWorkload(g.Namespace, "", g.Selector); wl != nil {
		ip, sa, labels, id = wl.Pod.Status.PodIP, wl.Pod.Spec.ServiceAccountName, wl.Pod.Labels, wl.Pod.Name
	} else {
		ip = me.allocIP(fmt.Sprintf("10.%d", 150+me.Index))
	}
	p, err := me.NewProxy(model.Router, g.Namespace, sa, labels, ip, id)
	if err != nil {
		return nil, err
	}
	pc, err := me.Generate(p)
	if err != nil {
		return nil, err
	}
	port := g.Port
	for _, t := range p.ServiceTargets {
		if t.Port.Port == g.Port && t.Port.TargetPort != 0 {
			port = int(t.Port.TargetPort)
			break
		}
	}
	me.gw = &gatewayView{proxy: p, pc: pc, ip: ip, sa: sa, port: port}
	return me.gw, nil
}

func (w *World) gatewayHop(pv *ProbeVerdict, gm *MeshEnv, in legIn) (*denial, *legOut, error) {
	gv, err := gm.gateway()
	if err != nil {
		return nil, nil, err
	}
	g := gm.Spec.EastWestGateway
	gh := GatewayHop{At: "gateway", Mesh: gm.Spec.Name}
	tlsMode := tlsModeForCall(in.tls.Mode)
	res, err := gv.pc.Simulate(simulation.Call{
		Address: gv.ip, Port: gv.port, Protocol: in.proto, TLS: tlsMode, Alpn: alpnForCall(in.tls.Mode, in.proto), Sni: in.tls.SNI,
		CallMode: simulation.CallModeGateway,
	})
	if err != nil {
		return nil, nil, err
	}
	var fc *listenerpb.FilterChain
	// ErrMTLSError: a chain matched by SNI terminates Istio mTLS but the client presents no
	// Istio certificate (SIMPLE or MUTUAL): Envoy picks the chain and the handshake fails.
	handshakeFails := errors.Is(res.Error, simulation.ErrMTLSError)
	if res.Error == nil || handshakeFails {
		fc = chainOf(gv.pc, res, uint32(gv.port), tlsMode != simulation.Plaintext, in.tls.SNI)
	}
	if fc != nil && handshakeFails {
		matched := matchedServerName(fc.GetFilterChainMatch().GetServerNames(), in.tls.SNI)
		if matched == "" {
			matched = fc.GetName()
		}
		gh.Matched = strp(matched)
		pv.Hops = append(pv.Hops, gh)
		why := fmt.Sprintf("gateway %s/%s port %d chain %q terminates Istio mTLS; the client (TLS mode %s) presents no Istio certificate", g.Namespace, id(gv), gv.port, fc.GetName(), in.tls.Mode)
		return &denial{DeniedAtTrust, ReasonRootMismatch, why}, nil, nil
	}
	if fc == nil {
		pv.Hops = append(pv.Hops, gh)
		reason := ReasonNoChain
		if in.tls.Mode == TLSDisable {
			reason = ReasonPlaintext
		}
		why := fmt.Sprintf("gateway %s/%s port %d: listener %q: %v (SNI %q)", g.Namespace, id(gv), gv.port, res.ListenerMatched, res.Error, in.tls.SNI)
		for name, r := range gv.pc.Rejected {
			if strings.HasSuffix(name, fmt.Sprintf("_%d", gv.port)) {
				why += fmt.Sprintf("; Envoy rejects listener %s: %s", name, r)
			}
		}
		if errors.Is(res.Error, simulation.ErrMultipleFilterChain) {
			why += " — overlapping filter chains: Envoy rejects the whole listener"
		}
		return &denial{DeniedAtGateway, reason, why}, nil, nil
	}
	matched := matchedServerName(fc.GetFilterChainMatch().GetServerNames(), in.tls.SNI)
	if matched == "" {
		matched = fc.GetName()
	}
	gh.Matched = strp(matched)
	pv.Hops = append(pv.Hops, gh)
	chainDesc := fmt.Sprintf("gateway listener %q chain %q", res.ListenerMatched, fc.GetName())
	pv.Trace = append(pv.Trace, fmt.Sprintf("gateway %s/%s: SNI %q -> %s server_names %v -> cluster %s, terminates TLS: %v",
		gm.Spec.Name, gv.proxy.ID, in.tls.SNI, chainDesc, fc.GetFilterChainMatch().GetServerNames(), orNone(res.ClusterMatched), downstreamTLS(fc) != nil))

	clusterName := res.ClusterMatched
	if clusterName == "" {
		if cs := tcpProxyClusters(fc); len(cs) > 0 {
			clusterName = cs[0]
		}
	}
	if isNoRouteCluster(clusterName) {
		return &denial{DeniedAtServer, ReasonNoInbound, chainDesc + " forwards to no service cluster (" + orNone(clusterName) + ")"}, nil, nil
	}
	out := in
	out.srcIP = gv.ip
	gwID := gm.spiffeID(g.Namespace, gv.sa)
	dt := downstreamTLS(fc)
	// The TLS handshake when the gateway terminates, then the chain's RBAC filters, which see the
	// client's identity only after that handshake.
	principal := ""
	if dt != nil {
		if d := trustCheck(in, gm.Spec.RootCA, gwID, validationSANs(dt.GetCommonTlsContext()), chainDesc); d != nil {
			return d, nil, nil
		}
		principal = in.peerID
	}
	if d, err := gatewayRBAC(gv, fc, principal, in.tls.SNI, chainDesc); d != nil || err != nil {
		return d, nil, err
	}
	if dt != nil {
		// The gateway terminates mTLS (ISTIO_MUTUAL server): it is the client's peer, and the
		// server sidecar then sees the gateway's identity.
		c := findCluster(gv.pc.Clusters, clusterName)
		if c == nil {
			return &denial{DeniedAtServer, ReasonNoInbound, chainDesc + ": cluster " + clusterName + " not in the gateway's CDS"}, nil, nil
		}
		wl, ep := w.pickWorkload(gm, c, gv.pc)
		if wl == nil {
			return &denial{DeniedAtServer, ReasonNoInbound, chainDesc + ": cluster " + clusterName + " has no endpoint that is a pod of mesh " + gm.Spec.Name}, nil, nil
		}
		ct, err := clientTLS(upstreamTransportSocket(c, ep))
		if err != nil {
			return nil, nil, err
		}
		out = legIn{peerID: gwID, peerRoot: gm.Spec.RootCA, tls: ct, proto: in.proto, srcIP: gv.ip}
		return nil, &legOut{leg: out, workload: wl, port: ep.Port, cluster: clusterName}, nil
	}
	// The gateway does not terminate (AUTO_PASSTHROUGH, PASSTHROUGH with a VirtualService tls
	// route, opaque TCP): the client's bytes go through untouched to the chain's cluster.
	c := findCluster(gv.pc.Clusters, clusterName)
	if c == nil {
		return &denial{DeniedAtServer, ReasonNoInbound, chainDesc + ": cluster " + clusterName + " not in the gateway's CDS"}, nil, nil
	}
	wl, ep := w.pickWorkload(gm, c, gv.pc)
	if wl == nil {
		return &denial{DeniedAtServer, ReasonNoInbound, chainDesc + ": cluster " + clusterName + " has no endpoint that is a pod of mesh " + gm.Spec.Name +
			" in the gateway's EDS (SNI-DNAT clusters keep only endpoints with tlsMode=istio, i.e. pods with a sidecar)"}, nil, nil
	}
	// An SNI-DNAT cluster (AUTO_PASSTHROUGH) has no transport socket, but the ordinary
	// outbound cluster a VirtualService route names does: auto mTLS (or a DestinationRule)
	// makes the gateway originate its own TLS around the client's bytes, so the server sidecar
	// sees the gateway's identity (cluster_tls.go buildUpstreamTLSSettings applies to routers).
	ct, err := clientTLS(upstreamTransportSocket(c, ep))
	if err != nil {
		return nil, nil, err
	}
	if ct.Mode != TLSDisable {
		out = legIn{peerID: gwID, peerRoot: gm.Spec.RootCA, tls: ct, proto: in.proto, srcIP: gv.ip}
	}
	return nil, &legOut{leg: out, workload: wl, port: ep.Port, cluster: clusterName}, nil
}

func id(gv *gatewayView) string { return gv.proxy.ID }

// gatewayRBAC applies the RBAC filters Istio put on a gateway filter chain: those of the
// AuthorizationPolicies selecting the gateway, on every chain but AUTO_PASSTHROUGH ones
// (networkfilter.go buildCompleteNetworkFilters; gateway.go builtAutoPassthroughFilterChains
// builds those without authz). principal is the client's identity when the chain terminates
// mTLS, "" otherwise. The address a connection comes from is not known at the gateway (a load
// balancer of another network may rewrite it), so a rule on it is an unsupported input.
func gatewayRBAC(gv *gatewayView, fc *listenerpb.FilterChain, principal, sni, where string) (*denial, error) {
	filters, err := rbacFilters(fc)
	if err != nil || len(filters) == 0 {
		return nil, err
	}
	dec, err := EvaluateRBACChain(filters, Conn{Principal: principal, DestIP: mustAddr(gv.ip), DestPort: uint32(gv.port), SNI: sni})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	if dec.Allowed {
		return nil, nil
	}
	return &denial{DeniedAtGateway, ReasonRBACDeny, fmt.Sprintf("%s: %s %s policy %s: denies %s", where, dec.Filter, dec.Action, dec.Policy, orNone(principal))}, nil
}

// pickWorkload takes the first endpoint of the cluster that is a pod of the mesh.
func (w *World) pickWorkload(m *MeshEnv, c *clusterpb.Cluster, pc *ProxyConfig) (*Workload, Endpoint) {
	for _, ep := range endpointsOf(loadAssignment(c, pc.EDS)) {
		if wl := m.workloadByIP(ep.Address); wl != nil {
			return wl, ep
		}
	}
	return nil, Endpoint{}
}

// trustCheck is the TLS handshake between an originator and a terminator, in handshake order:
// the client verifies the server chain (root) and SANs first, then the server verifies the client.
func trustCheck(in legIn, serverRoot, serverID string, serverAccepts []*matcherpb.StringMatcher, where string) *denial {
	switch in.tls.Mode {
	case TLSSimple:
		return &denial{DeniedAtTrust, ReasonRootMismatch, where + ": the client presents no certificate and the server requires one"}
	case TLSMutual:
		return &denial{DeniedAtTrust, ReasonRootMismatch, where + ": the client presents a non-Istio certificate (DestinationRule MUTUAL)"}
	}
	if in.peerRoot != serverRoot {
		return &denial{DeniedAtTrust, ReasonRootMismatch, fmt.Sprintf("%s: rootCA %q (client) != %q (server)", where, in.peerRoot, serverRoot)}
	}
	ok, _ := sanAccepts(in.tls.SANs, serverID)
	if !ok {
		return &denial{DeniedAtTrust, ReasonServerSAN, fmt.Sprintf("%s: client SAN check %v rejects server identity %s", where, renderSANs(in.tls.SANs), serverID)}
	}
	ok, _ = sanAccepts(serverAccepts, in.peerID)
	if !ok {
		return &denial{DeniedAtTrust, ReasonTrustDomain, fmt.Sprintf("%s: server validation context %v rejects client identity %s", where, renderSANs(serverAccepts), in.peerID)}
	}
	return nil
}

// serverResult is the server sidecar's decision for one connection.
type serverResult struct {
	denial *denial
	rbac   *RBACDecision
	chain  string
}

func (me *MeshEnv) serverConfig(wl *Workload) (*ProxyConfig, error) {
	if pc, ok := me.servers[wl.Pod.Status.PodIP]; ok {
		return pc, nil
	}
	p, err := me.NewProxy(model.SidecarProxy, wl.Pod.Namespace, wl.Pod.Spec.ServiceAccountName, wl.Pod.Labels, wl.Pod.Status.PodIP, wl.Pod.Name)
	if err != nil {
		return nil, err
	}
	pc, err := me.Generate(p)
	if err != nil {
		return nil, err
	}
	if me.servers == nil {
		me.servers = map[string]*ProxyConfig{}
	}
	me.servers[wl.Pod.Status.PodIP] = pc
	return pc, nil
}

// serverDecide runs the inbound side at a workload: filter chain, TLS trust, RBAC.
func (me *MeshEnv) serverDecide(wl *Workload, port uint32, in legIn) (serverResult, error) {
	if !wl.Sidecar {
		// No sidecar: no inbound listener, no RBAC; the application itself gets the bytes.
		return serverResult{chain: "(no sidecar)"}, nil
	}
	pc, err := me.serverConfig(wl)
	if err != nil {
		return serverResult{}, err
	}
	podIP := wl.Pod.Status.PodIP
	tlsMode := tlsModeForCall(in.tls.Mode)
	res, err := pc.Simulate(simulation.Call{
		Address: podIP, Port: int(port), Protocol: in.proto, TLS: tlsMode, Alpn: alpnForCall(in.tls.Mode, in.proto), Sni: in.tls.SNI,
		CallMode: simulation.CallModeInbound,
	})
	if err != nil {
		return serverResult{}, err
	}
	where := fmt.Sprintf("server %s port %d", wl.Name, port)
	if res.Error != nil {
		if tlsMode == simulation.Plaintext && (errors.Is(res.Error, simulation.ErrMTLSError) || errors.Is(res.Error, simulation.ErrTLSError) || errors.Is(res.Error, simulation.ErrNoFilterChain)) {
			return serverResult{denial: &denial{DeniedAtServer, ReasonPlaintext, fmt.Sprintf("%s: plaintext connection: %v", where, res.Error)}}, nil
		}
		// A chain that terminates mTLS completes the handshake before its HTTP connection manager
		// decodes a byte (the simulation reports the decoding error only because it skips TLS):
		// the trust checks come first, as on every other chain.
		if errors.Is(res.Error, simulation.ErrProtocolError) && tlsMode != simulation.Plaintext {
			if fc := chainOf(pc, res, port, true, in.tls.SNI); fc != nil {
				if dt := downstreamTLS(fc); dt != nil {
					serverID := me.spiffeID(wl.Pod.Namespace, wl.Pod.Spec.ServiceAccountName)
					if d := trustCheck(in, me.Spec.RootCA, serverID, validationSANs(dt.GetCommonTlsContext()), where); d != nil {
						return serverResult{chain: fc.GetName(), denial: d}, nil
					}
				}
			}
		}
		return serverResult{denial: &denial{DeniedAtServer, ReasonNoInbound, fmt.Sprintf("%s: listener %q: %v", where, res.ListenerMatched, res.Error)}}, nil
	}
	fc := chainOf(pc, res, port, tlsMode != simulation.Plaintext, in.tls.SNI)
	if fc == nil {
		return serverResult{denial: &denial{DeniedAtServer, ReasonNoInbound, fmt.Sprintf("%s: no inbound chain", where)}}, nil
	}
	sr := serverResult{chain: fc.GetName()}
	where = fmt.Sprintf("%s inbound chain %q", where, fc.GetName())
	principal := ""
	dt := downstreamTLS(fc)
	switch {
	case tlsMode != simulation.Plaintext && dt == nil:
		sr.denial = &denial{DeniedAtServer, ReasonNoInbound, where + " does not terminate TLS: the application receives the mTLS bytes"}
		return sr, nil
	case dt != nil:
		serverID := me.spiffeID(wl.Pod.Namespace, wl.Pod.Spec.ServiceAccountName)
		if d := trustCheck(in, me.Spec.RootCA, serverID, validationSANs(dt.GetCommonTlsContext()), where); d != nil {
			sr.denial = d
			return sr, nil
		}
		principal = in.peerID
	}
	filters, err := rbacFilters(fc)
	if err != nil {
		return sr, fmt.Errorf("%s: %w", where, err)
	}
	dec, err := EvaluateRBACChain(filters, Conn{
		Principal: principal, SourceIP: mustAddr(in.srcIP), DestIP: mustAddr(podIP), DestPort: port, SNI: in.tls.SNI,
	})
	if err != nil {
		return sr, fmt.Errorf("%s: %w", where, err)
	}
	sr.rbac = &dec
	if !dec.Allowed {
		sr.denial = &denial{DeniedAtServer, ReasonRBACDeny, fmt.Sprintf("%s: %s %s policy %s: denies %s", where, dec.Filter, dec.Action, dec.Policy, orNone(principal))}
	}
	return sr, nil
}

func (w *World) serverHop(pv *ProbeVerdict, gm *MeshEnv, out *legOut) (*denial, error) {
	sh := ServerHop{At: "server", Mesh: gm.Spec.Name, Workload: out.workload.Name}
	if out.leg.tls.Mode != TLSDisable {
		sh.Peer = strp(out.leg.peerID)
	}
	sr, err := gm.serverDecide(out.workload, out.port, out.leg)
	if err != nil {
		return nil, err
	}
	t := fmt.Sprintf("server %s/%s port %d: inbound chain %q", gm.Spec.Name, out.workload.Name, out.port, orNone(sr.chain))
	if sr.rbac != nil {
		t += fmt.Sprintf(", RBAC %s %s policy %s -> allowed %v", orNone(sr.rbac.Filter), orNone(sr.rbac.Action), orNone(sr.rbac.Policy), sr.rbac.Allowed)
	}
	pv.Trace = append(pv.Trace, t)
	if sr.rbac != nil {
		if sr.rbac.Allowed {
			sh.Authz = strp(VerdictAllow)
		} else {
			sh.Authz = strp(VerdictDeny)
		}
	}
	pv.Hops = append(pv.Hops, sh)
	return sr.denial, nil
}

// Exposure lists what each mesh's east-west gateway routes by SNI and who the destination admits.
func (w *World) Exposure() ([]Exposure, error) {
	out := []Exposure{}
	for _, m := range w.Meshes {
		g := m.Spec.EastWestGateway
		if g == nil {
			continue
		}
		gv, err := m.gateway()
		if err != nil {
			return nil, err
		}
		// One entry per (host, port), admitting whom any chain routing there admits: a catch-all
		// terminating chain can admit more than the AUTO_PASSTHROUGH chain of the same service.
		byKey := map[string]int{}
		for _, l := range gv.pc.Listeners {
			if l.GetAddress().GetSocketAddress().GetPortValue() != uint32(gv.port) {
				continue
			}
			for _, fc := range l.GetFilterChains() {
				// Every chain forwarding to a service, with or without server names: a catch-all
				// terminating server (hosts "*", no SNI match) exposes its route to any SNI.
				for _, cn := range tcpProxyClusters(fc) {
					_, _, hostname, port := model.ParseSubsetKey(cn)
					if hostname == "" || port == 0 {
						continue
					}
					key := fmt.Sprintf("%s:%d", hostname, port)
					admits, err := w.admits(m, gv, fc, cn, port)
					if err != nil {
						return nil, fmt.Errorf("exposure of %s in mesh %s: %w", key, m.Spec.Name, err)
					}
					i, ok := byKey[key]
					if !ok {
						byKey[key] = len(out)
						out = append(out, Exposure{Mesh: m.Spec.Name, Host: string(hostname), Port: port, Admits: admits})
						continue
					}
					out[i].Admits = unionAdmits(out[i].Admits, admits)
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Mesh != b.Mesh {
			return a.Mesh < b.Mesh
		}
		if a.Host != b.Host {
			return a.Host < b.Host
		}
		return a.Port < b.Port
	})
	return out, nil
}

const (
	probeNS            = "meshfed-probe"
	unknownTrustDomain = "meshfed-unknown.invalid"
)

// admits evaluates, at the destination of one gateway chain, which identities from other meshes
// sharing the root would get through the trust-domain check and the generated RBAC.
// unionAdmits merges two `admits` lists: anyone ("*") if either is, else the sorted union.
func unionAdmits(a, b []string) []string {
	if (len(a) == 1 && a[0] == "*") || (len(b) == 1 && b[0] == "*") {
		return []string{"*"}
	}
	if out := sets.SortedList(sets.New(a...).InsertAll(b...)); len(out) > 0 {
		return out
	}
	return []string{}
}

func (w *World) admits(m *MeshEnv, gv *gatewayView, fc *listenerpb.FilterChain, clusterName string, port int) ([]string, error) {
	type cand struct {
		id        string
		synthetic bool
	}
	var cands []cand
	for _, n := range w.Meshes {
		if n == m || n.Spec.RootCA != m.Spec.RootCA {
			continue
		}
		ids := sets.New[string]()
		for _, wl := range n.Workloads {
			ids.Insert(n.spiffeID(wl.Pod.Namespace, wl.Pod.Spec.ServiceAccountName))
		}
		for _, id := range sets.SortedList(ids) {
			cands = append(cands, cand{id: id})
		}
		cands = append(cands, cand{id: n.spiffeID(probeNS, probeNS), synthetic: true})
	}
	cands = append(cands, cand{id: fmt.Sprintf("spiffe://%s/ns/%s/sa/%s", unknownTrustDomain, probeNS, probeNS), synthetic: true})

	c := findCluster(gv.pc.Clusters, clusterName)
	if c == nil {
		return []string{}, nil
	}
	wl, ep := w.pickWorkload(m, c, gv.pc)
	if wl == nil {
		return []string{}, nil
	}
	g := m.Spec.EastWestGateway
	// The prober speaks the destination port's protocol, as a real client of that service would.
	proto := simulation.TCP
	_, _, hostname, _ := model.ParseSubsetKey(clusterName)
	for _, svc := range gv.proxy.SidecarScope.Services() {
		if svc.Hostname == hostname {
			proto = callProtocol(svc, port)
		}
	}
	// The prober asks for exactly this chain, and checks nothing about the server (no SANs).
	sni := ""
	if names := fc.GetFilterChainMatch().GetServerNames(); len(names) > 0 {
		sni = names[0]
	}
	gwID := m.spiffeID(g.Namespace, gv.sa)
	dt := downstreamTLS(fc)
	ct, err := clientTLS(upstreamTransportSocket(c, ep))
	if err != nil {
		return nil, err
	}
	admitted := sets.New[string]()
	for _, cd := range cands {
		in := legIn{peerID: cd.id, peerRoot: m.Spec.RootCA, tls: ClientTLS{Mode: TLSIstioMutual, SNI: sni}, proto: proto, srcIP: gv.ip}
		// As in gatewayHop: the gateway's handshake when it terminates, then its RBAC filters,
		// which see the caller's identity only after that handshake.
		principal := ""
		if dt != nil {
			if trustCheck(in, m.Spec.RootCA, gwID, validationSANs(dt.GetCommonTlsContext()), "") != nil {
				continue
			}
			principal = cd.id
		}
		d, err := gatewayRBAC(gv, fc, principal, sni, "exposure")
		if err != nil {
			return nil, err
		}
		if d != nil {
			continue
		}
		// The server sees the gateway's identity when the gateway terminates or its cluster
		// originates TLS around the passed-through bytes, else the caller's (see gatewayHop).
		leg := in
		if dt != nil || ct.Mode != TLSDisable {
			leg = legIn{peerID: gwID, peerRoot: m.Spec.RootCA, tls: ct, proto: proto, srcIP: gv.ip}
		}
		sr, err := m.serverDecide(wl, ep.Port, leg)
		if err != nil {
			return nil, err
		}
		if sr.denial != nil {
			continue
		}
		if cd.synthetic {
			return []string{"*"}, nil
		}
		admitted.Insert(strings.TrimPrefix(cd.id, "spiffe://"))
	}
	return sets.SortedList(admitted), nil
}
