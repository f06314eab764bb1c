package oracle

import (
	"fmt"
	"net/netip"

	clusterpb "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	endpointpb "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listenerpb "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routepb "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"

	"google.golang.org/protobuf/proto"

	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pilot/pkg/simulation"
	istiolog "istio.io/istio/pkg/log"
)

// World is every mesh of a scenario, each in its own fake discovery server.
type World struct {
	Scenario *Scenario
	Meshes   []*MeshEnv
	byName   map[string]*MeshEnv
	f        *failer
}

// QuietIstio silences Istio's loggers: the oracle's stdout is the verdict, stderr its own messages.
func QuietIstio() {
	for _, s := range istiolog.Scopes() {
		s.SetOutputLevel(istiolog.NoneLevel)
		s.SetStackTraceLevel(istiolog.NoneLevel)
	}
}

// BuildWorld loads every mesh of the scenario into Istio.
func BuildWorld(s *Scenario) (*World, error) {
	w := &World{Scenario: s, byName: map[string]*MeshEnv{}, f: &failer{}}
	for i := range s.Meshes {
		me, err := BuildMesh(s, i, w.f)
		if err != nil {
			w.Close()
			return nil, err
		}
		w.Meshes = append(w.Meshes, me)
		w.byName[me.Spec.Name] = me
	}
	return w, nil
}

func (w *World) Close() { w.f.Close() }

func (w *World) Mesh(name string) *MeshEnv { return w.byName[name] }

// Warnings are resources the oracle ignored.
func (w *World) Warnings() []string {
	var out []string
	for _, m := range w.Meshes {
		out = append(out, m.Warnings...)
	}
	return out
}

// ProxyConfig is the Envoy configuration istiod generates for one proxy.
type ProxyConfig struct {
	Proxy     *model.Proxy
	Listeners []*listenerpb.Listener
	Clusters  []*clusterpb.Cluster
	Routes    []*routepb.RouteConfiguration
	EDS       []*endpointpb.ClusterLoadAssignment
	// Rejected are listeners Envoy would NACK, by name, with why; they are not in Listeners.
	Rejected map[string]string
}

// rejectListeners drops the listeners Envoy refuses: proto validation failures and listeners with
// two filter chains of identical match ("multiple filter chains with the same matching rules are
// defined"), which make Envoy reject the whole listener. Istio's own xdstest.ValidateListener
// checks the same, but only with a testing.TB.
func rejectListeners(ls []*listenerpb.Listener) ([]*listenerpb.Listener, map[string]string) {
	rejected := map[string]string{}
	var kept []*listenerpb.Listener
	for _, l := range ls {
		if err := l.Validate(); err != nil {
			rejected[l.GetName()] = err.Error()
			continue
		}
		seen := map[string]int{}
		dup := ""
		for i, fc := range l.GetFilterChains() {
			b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(fc.GetFilterChainMatch())
			if j, ok := seen[string(b)]; ok {
				dup = fmt.Sprintf("filter chains %d and %d have the same match %v", j, i, fc.GetFilterChainMatch())
				break
			}
			seen[string(b)] = i
		}
		if dup != "" {
			rejected[l.GetName()] = dup
			continue
		}
		kept = append(kept, l)
	}
	return kept, rejected
}

// Generate builds LDS/CDS/RDS/EDS for a proxy with this mesh's feature flags.
func (me *MeshEnv) Generate(p *model.Proxy) (*ProxyConfig, error) {
	pc := &ProxyConfig{Proxy: p}
	var err error
	me.withFeatures(func() {
		err = guard(me.f, fmt.Sprintf("mesh %s: generating config for %s", me.Spec.Name, p.ID), func() {
			pc.Listeners, pc.Rejected = rejectListeners(me.FDS.Listeners(p))
			pc.Clusters = me.FDS.Clusters(p)
			pc.Routes = me.FDS.RoutesFromListeners(p, pc.Listeners)
			pc.EDS = me.FDS.Endpoints(p)
		})
	})
	return pc, err
}

// NewProxy sets up a proxy (in a guard, since SetupProxy may Fatal).
func (me *MeshEnv) NewProxy(typ model.NodeType, ns, sa string, labels map[string]string, ip, id string) (*model.Proxy, error) {
	var p *model.Proxy
	err := guard(me.f, fmt.Sprintf("mesh %s: setting up proxy %s.%s", me.Spec.Name, id, ns), func() {
		p = me.proxyFor(typ, ns, sa, labels, ip, id)
	})
	return p, err
}

// Simulate runs Istio's traffic simulation over the generated listeners.
func (pc *ProxyConfig) Simulate(call simulation.Call) (res simulation.Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("istio traffic simulation panicked: %v", r)
		}
	}()
	sim := &simulation.Simulation{Listeners: pc.Listeners, Clusters: pc.Clusters, Routes: pc.Routes}
	return sim.Run(call), nil
}

func mustAddr(s string) netip.Addr {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}
	}
	return a
}
