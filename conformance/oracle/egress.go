package oracle

import (
	"fmt"
	"strings"

	listenerpb "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	corev1 "k8s.io/api/core/v1"

	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pilot/pkg/simulation"
)

// An egress gateway is found the way a sidecar reaches it: the client's cluster endpoint is a
// Service of the client's own mesh (its DNS name or cluster IP) whose pods run a gateway
// (no sidecar). That pod is simulated as a router proxy of the consumer mesh, and the
// connection it forwards continues to whatever its cluster's endpoint is (normally another
// mesh's east-west gateway).

// egressTarget is a gateway pod behind a Service of the mesh, and the pod port a call lands on.
type egressTarget struct {
	wl   *Workload
	port uint32
}

func (me *MeshEnv) clusterDomain() string {
	if me.Spec.ClusterDomain != "" {
		return me.Spec.ClusterDomain
	}
	return "cluster.local"
}

// egressAt returns the gateway pod a client endpoint (host or IP, port) leads to, if any.
func (me *MeshEnv) egressAt(ep Endpoint) *egressTarget {
	for _, s := range me.Services {
		fqdn := fmt.Sprintf("%s.%s.svc.%s", s.Name, s.Namespace, me.clusterDomain())
		if !strings.EqualFold(ep.Address, fqdn) && (s.Spec.ClusterIP == "" || ep.Address != s.Spec.ClusterIP) {
			continue
		}
		var sp *corev1.ServicePort
		for i := range s.Spec.Ports {
			if uint32(s.Spec.Ports[i].Port) == ep.Port {
				sp = &s.Spec.Ports[i]
			}
		}
		if sp == nil || len(s.Spec.Selector) == 0 {
			continue
		}
		target := uint32(sp.Port)
		if sp.TargetPort.IntVal != 0 {
			target = uint32(sp.TargetPort.IntVal)
		}
		for i := range me.Workloads {
			w := &me.Workloads[i]
			if w.Pod.Namespace == s.Namespace && !w.Sidecar && selects(s.Spec.Selector, w.Pod.Labels) {
				return &egressTarget{wl: w, port: target}
			}
		}
	}
	return nil
}

// egressProxy builds (once) the router proxy of an egress gateway pod.
func (me *MeshEnv) egressProxy(wl *Workload) (*gatewayView, error) {
	if me.egress == nil {
		me.egress = map[string]*gatewayView{}
	}
	if gv := me.egress[wl.Name]; gv != nil {
		return gv, nil
	}
	p, err := me.NewProxy(model.Router, wl.Pod.Namespace, wl.Pod.Spec.ServiceAccountName, wl.Pod.Labels, wl.Pod.Status.PodIP, wl.Pod.Name)
	if err != nil {
		return nil, err
	}
	pc, err := me.Generate(p)
	if err != nil {
		return nil, err
	}
	gv := &gatewayView{proxy: p, pc: pc, ip: wl.Pod.Status.PodIP, sa: wl.Pod.Spec.ServiceAccountName}
	me.egress[wl.Name] = gv
	return gv, nil
}

// egressHop follows a connection through the consumer mesh's egress gateway: the filter chain
// its SNI selects, then the first endpoint of the cluster that chain forwards to. A chain that
// terminates TLS makes the egress gateway the peer of what follows (its own identity and the
// cluster's TLS); a passthrough chain forwards the client's TLS untouched.
func (w *World) egressHop(pv *ProbeVerdict, me *MeshEnv, t *egressTarget, in legIn) (*denial, *Endpoint, legIn, error) {
	gv, err := me.egressProxy(t.wl)
	if err != nil {
		return nil, nil, in, err
	}
	hop := GatewayHop{At: "egress", Mesh: me.Spec.Name}
	tlsMode := tlsModeForCall(in.tls.Mode)
	res, err := gv.pc.Simulate(simulation.Call{
		Address: gv.ip, Port: int(t.port), Protocol: in.proto, TLS: tlsMode, Alpn: alpnForCall(in.tls.Mode, in.proto), Sni: in.tls.SNI,
		CallMode: simulation.CallModeGateway,
	})
	if err != nil {
		return nil, nil, in, err
	}
	var fc *listenerpb.FilterChain
	if res.Error == nil {
		fc = chainOf(gv.pc, res, t.port, tlsMode != simulation.Plaintext, in.tls.SNI)
	}
	where := fmt.Sprintf("egress gateway %s port %d", t.wl.Name, t.port)
	if fc == nil {
		pv.Hops = append(pv.Hops, hop)
		return &denial{DeniedAtGateway, ReasonNoChain, fmt.Sprintf("%s: listener %q: %v (SNI %q)", where, res.ListenerMatched, res.Error, in.tls.SNI)}, nil, in, nil
	}
	matched := matchedServerName(fc.GetFilterChainMatch().GetServerNames(), in.tls.SNI)
	if matched == "" {
		matched = fc.GetName()
	}
	hop.Matched = strp(matched)
	pv.Hops = append(pv.Hops, hop)
	clusterName := res.ClusterMatched
	if clusterName == "" {
		if cs := tcpProxyClusters(fc); len(cs) > 0 {
			clusterName = cs[0]
		}
	}
	pv.Trace = append(pv.Trace, fmt.Sprintf("egress %s/%s: SNI %q -> chain %q -> cluster %s, terminates TLS: %v",
		me.Spec.Name, gv.proxy.ID, in.tls.SNI, fc.GetName(), orNone(clusterName), downstreamTLS(fc) != nil))
	c := findCluster(gv.pc.Clusters, clusterName)
	if isNoRouteCluster(clusterName) || c == nil {
		return &denial{DeniedAtGateway, ReasonNotGateway, fmt.Sprintf("%s chain %q forwards to no cluster (%s)", where, fc.GetName(), orNone(clusterName))}, nil, in, nil
	}
	eps := endpointsOf(loadAssignment(c, gv.pc.EDS))
	if len(eps) == 0 {
		return &denial{DeniedAtGateway, ReasonNotGateway, fmt.Sprintf("%s: cluster %s has no endpoints", where, clusterName)}, nil, in, nil
	}
	ep := eps[0]
	out := in
	out.srcIP = gv.ip
	dt := downstreamTLS(fc)
	if dt == nil {
		// Passthrough must forward the client's bytes as they are: a TLS transport socket on the
		// cluster would wrap them in the egress gateway's own TLS, which no east-west gateway
		// chain matches.
		ct, err := clientTLS(upstreamTransportSocket(c, ep))
		if err != nil {
			return nil, nil, in, err
		}
		if ct.Mode != TLSDisable {
			return &denial{DeniedAtGateway, ReasonNoChain, fmt.Sprintf("%s: cluster %s wraps the passed-through TLS in its own (%s)", where, clusterName, ct.Mode)}, nil, in, nil
		}
	}
	if dt != nil {
		egressID := me.spiffeID(t.wl.Pod.Namespace, gv.sa)
		if d := trustCheck(in, me.Spec.RootCA, egressID, validationSANs(dt.GetCommonTlsContext()), where); d != nil {
			return d, nil, in, nil
		}
		ct, err := clientTLS(upstreamTransportSocket(c, ep))
		if err != nil {
			return nil, nil, in, err
		}
		out = legIn{peerID: egressID, peerRoot: me.Spec.RootCA, tls: ct, proto: in.proto, srcIP: gv.ip}
	}
	return nil, &ep, out, nil
}
