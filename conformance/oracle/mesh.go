package oracle

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	meshconfig "istio.io/api/mesh/v1alpha1"
	"istio.io/istio/pilot/pkg/config/kube/crd"
	"istio.io/istio/pilot/pkg/features"
	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pilot/test/xds"
	"istio.io/istio/pkg/config"
	"istio.io/istio/pkg/config/constants"
	"istio.io/istio/pkg/config/mesh"
	kubelib "istio.io/istio/pkg/kube"
	"istio.io/istio/pkg/network"
	"istio.io/istio/pkg/util/protomarshal"
)

// istioAPIGroups are parsed as Istio config (any served version) rather than as Kubernetes objects.
var istioAPIGroups = []string{
	"networking.istio.io/", "security.istio.io/", "telemetry.istio.io/", "extensions.istio.io/",
	"gateway.networking.k8s.io/", "gateway.networking.x-k8s.io/",
}

// ignoredKinds are accepted in a mesh directory but play no part in the data plane the oracle builds.
var ignoredKinds = map[string]bool{
	"ConfigMap": true, "Secret": true, "IstioOperator": true, "Role": true, "RoleBinding": true,
	"ClusterRole": true, "ClusterRoleBinding": true, "CustomResourceDefinition": true,
}

// Workload is a pod of a mesh (written as a Pod or derived from a Deployment).
type Workload struct {
	Pod *corev1.Pod
	// Name is namespace/name of the Pod, or of the Deployment it came from.
	Name string
	// Sidecar is false for pods the sidecar injector skips (inject=false, gateways).
	Sidecar bool
}

// neverInjected are the namespaces the injector never touches (pkg/kube/inject/initializer.go
// IgnoredNamespaces).
var neverInjected = map[string]bool{"kube-system": true, "kube-public": true, "kube-node-lease": true, "local-path-storage": true}

// hasSidecar mirrors the injector's decision for pods as written before injection (manifests,
// a Deployment's template) and as a cluster shows them after injection (kubectl get -o yaml):
// no sidecar with host networking or in a system namespace (inject.go injectRequired), when
// opted out with sidecar.istio.io/inject=false (label or annotation), for the gateway template
// and the mesh's east-west gateway. A pod that already has an istio-proxy container (or native
// sidecar init container) is a sidecar pod when the injector marked it (sidecar.istio.io/status,
// webhook.go getInjectionStatus) or its proxy runs as "proxy sidecar" (injection-template.yaml),
// and a gateway bringing its own proxy otherwise ("proxy router").
func (me *MeshEnv) hasSidecar(p *corev1.Pod) bool {
	if p.Spec.HostNetwork || neverInjected[p.Namespace] {
		return false
	}
	if p.Labels["sidecar.istio.io/inject"] == "false" || p.Annotations["sidecar.istio.io/inject"] == "false" {
		return false
	}
	if p.Annotations["inject.istio.io/templates"] == "gateway" {
		return false
	}
	if g := me.Spec.EastWestGateway; g != nil && p.Namespace == g.Namespace && selects(g.Selector, p.Labels) {
		return false
	}
	var proxy *corev1.Container
	for i := range p.Spec.Containers {
		if p.Spec.Containers[i].Name == "istio-proxy" {
			proxy = &p.Spec.Containers[i]
		}
	}
	for i := range p.Spec.InitContainers {
		if p.Spec.InitContainers[i].Name == "istio-proxy" {
			proxy = &p.Spec.InitContainers[i]
		}
	}
	if proxy == nil {
		return true
	}
	if slices.Contains(proxy.Args, "router") {
		return false
	}
	_, injected := p.Annotations["sidecar.istio.io/status"]
	return injected || slices.Contains(proxy.Args, "sidecar")
}

// MeshEnv is one mesh loaded into Istio's fake discovery server.
type MeshEnv struct {
	Spec       Mesh
	Index      int
	MeshConfig *meshconfig.MeshConfig
	FDS        *xds.FakeDiscoveryServer
	Workloads  []Workload
	Services   []*corev1.Service
	Configs    []config.Config
	Warnings   []string

	f       *failer
	usedIPs map[string]bool
	nextIP  int
	gw      *gatewayView
	egress  map[string]*gatewayView // egress gateway router proxies by workload (egress.go)
	servers map[string]*ProxyConfig
}

// withFeatures runs fn with this mesh's istiod feature flags (they are process globals in pilot).
func (me *MeshEnv) withFeatures(fn func()) {
	prev := features.SkipValidateTrustDomain
	features.SkipValidateTrustDomain = me.Spec.SkipValidateTrustDomain
	defer func() { features.SkipValidateTrustDomain = prev }()
	fn()
}

func (me *MeshEnv) allocIP(prefix string) string {
	for {
		me.nextIP++
		ip := fmt.Sprintf("%s.%d.%d", prefix, me.nextIP/250, me.nextIP%250+2)
		if !me.usedIPs[ip] {
			me.usedIPs[ip] = true
			return ip
		}
	}
}

// BuildMesh parses a mesh's resources and starts a fake discovery server for it.
func BuildMesh(s *Scenario, idx int, f *failer) (*MeshEnv, error) {
	spec := s.Meshes[idx]
	me := &MeshEnv{Spec: spec, Index: idx, f: f, usedIPs: map[string]bool{}}
	if err := me.buildMeshConfig(s); err != nil {
		return nil, err
	}
	objs, err := me.parseResources(s.Resources[spec.Name])
	if err != nil {
		return nil, err
	}
	var berr error
	me.withFeatures(func() {
		berr = guard(f, fmt.Sprintf("mesh %s: starting Istio's fake discovery server", spec.Name), func() {
			me.FDS = xds.NewFakeDiscoveryServer(f, xds.FakeOptions{
				KubernetesObjects: objs,
				Configs:           me.Configs,
				MeshConfig:        me.MeshConfig,
			})
		})
	})
	if berr != nil {
		return nil, berr
	}
	return me, nil
}

func (me *MeshEnv) buildMeshConfig(s *Scenario) error {
	m := mesh.DefaultMeshConfig()
	m.TrustDomain = me.Spec.TrustDomain
	m.TrustDomainAliases = append([]string(nil), me.Spec.TrustDomainAliases...)
	if len(me.Spec.MeshConfig) > 0 {
		y, err := yaml.Marshal(me.Spec.MeshConfig)
		if err != nil {
			return inputErrorf(s.Dir+"/scenario.yaml", "mesh %s: meshConfig: %v", me.Spec.Name, err)
		}
		merged, err := mesh.ApplyMeshConfig(string(y), m)
		if err != nil {
			return inputErrorf(s.Dir+"/scenario.yaml", "mesh %s: meshConfig is not a valid MeshConfig: %v", me.Spec.Name, err)
		}
		m = merged
	}
	me.MeshConfig = m
	return nil
}

func isIstioAPI(api string) bool {
	for _, g := range istioAPIGroups {
		if strings.HasPrefix(api, g) {
			return true
		}
	}
	return false
}

func (me *MeshEnv) parseResources(docs []ResourceDoc) ([]runtime.Object, error) {
	decode := kubelib.IstioCodec.UniversalDeserializer().Decode
	var pods []*corev1.Pod
	podOwner := map[*corev1.Pod]string{}
	var services []*corev1.Service
	var others []runtime.Object
	namespaces := map[string]bool{}
	sliceFor := map[string]bool{}
	// First pass: remember addresses written in the scenario so generated ones never collide.
	for _, d := range docs {
		for _, tok := range strings.Fields(d.Text) {
			if _, err := netip.ParseAddr(strings.Trim(tok, `"',[]`)); err == nil {
				me.usedIPs[strings.Trim(tok, `"',[]`)] = true
			}
		}
	}
	seenDoc := map[string]ResourceDoc{}
	for _, d := range docs {
		key := d.API + "/" + d.Kind + "/" + d.NS + "/" + d.Name
		if isIstioAPI(d.API) {
			// Versions of one Istio kind are one resource.
			key = strings.SplitN(d.API, "/", 2)[0] + "/" + d.Kind + "/" + d.NS + "/" + d.Name
		}
		if prev, dup := seenDoc[key]; dup {
			return nil, inputErrorf(d.File, "document %d: %s %s/%s is also defined in %s", d.Index+1, d.Kind, d.NS, d.Name, prev.Where())
		}
		seenDoc[key] = d
		if isIstioAPI(d.API) {
			if err := crdSchemaCheck(d); err != nil {
				return nil, err
			}
			cfgs, unknown, err := crd.ParseInputs(d.Text)
			if err != nil {
				return nil, inputErrorf(d.File, "document %d (%s %s): %v", d.Index+1, d.Kind, d.Name, err)
			}
			if len(unknown) > 0 {
				return nil, inputErrorf(d.File, "document %d: %s %s is not an Istio kind this Istio version knows", d.Index+1, d.API, d.Kind)
			}
			if err := strictSpec(d, cfgs); err != nil {
				return nil, err
			}
			for _, c := range cfgs {
				if c.Namespace == "" {
					c.Namespace = "default"
				}
				// One creation time for every resource without its own, as Istio's test harness
				// does: Istio then orders same-host configs by name and namespace, not by the
				// order the oracle happened to read the files in.
				if c.CreationTimestamp.IsZero() {
					c.CreationTimestamp = configEpoch
				}
				me.Configs = append(me.Configs, c)
			}
			continue
		}
		if ignoredKinds[d.Kind] {
			continue
		}
		obj, _, err := decode([]byte(d.Text), nil, nil)
		if err != nil {
			if strings.Contains(err.Error(), "no kind") {
				me.Warnings = append(me.Warnings, fmt.Sprintf("%s: ignored, the oracle does not model %s %s", d.Where(), d.API, d.Kind))
				continue
			}
			return nil, inputErrorf(d.File, "document %d (%s %s): %v", d.Index+1, d.Kind, d.Name, err)
		}
		switch o := obj.(type) {
		case *corev1.Namespace:
			namespaces[o.Name] = true
			others = append(others, o)
		case *corev1.ServiceAccount:
			setNS(&o.ObjectMeta)
			others = append(others, o)
		case *corev1.Service:
			setNS(&o.ObjectMeta)
			services = append(services, o)
		case *corev1.Pod:
			setNS(&o.ObjectMeta)
			pods = append(pods, o)
		case *appsv1.Deployment:
			setNS(&o.ObjectMeta)
			p := &corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{
					Name:        o.Name + "-0",
					Namespace:   o.Namespace,
					Labels:      o.Spec.Template.Labels,
					Annotations: o.Spec.Template.Annotations,
				},
				Spec: *o.Spec.Template.Spec.DeepCopy(),
			}
			pods = append(pods, p)
			podOwner[p] = o.Namespace + "/" + o.Name
		case *discoveryv1.EndpointSlice:
			setNS(&o.ObjectMeta)
			sliceFor[o.Namespace+"/"+o.Labels[discoveryv1.LabelServiceName]] = true
			others = append(others, o)
		default:
			me.Warnings = append(me.Warnings, fmt.Sprintf("%s: ignored, the oracle does not model %s", d.Where(), d.Kind))
		}
	}
	prefixPods := fmt.Sprintf("10.%d", 100+me.Index)
	prefixSvc := fmt.Sprintf("10.%d", 200+me.Index)
	for _, p := range pods {
		if p.Status.PodIP == "" {
			p.Status.PodIP = me.allocIP(prefixPods)
		}
		p.Status.PodIPs = []corev1.PodIP{{IP: p.Status.PodIP}}
		p.Status.Phase = corev1.PodRunning
		p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionTrue})
		sidecar := me.hasSidecar(p)
		// What the sidecar injector adds (injection-template.yaml; the gateway template does not):
		// auto mTLS and the SNI-DNAT EDS filter keep only endpoints carrying it.
		if sidecar {
			if p.Labels == nil {
				p.Labels = map[string]string{}
			}
			if _, ok := p.Labels["security.istio.io/tlsMode"]; !ok {
				p.Labels["security.istio.io/tlsMode"] = "istio"
			}
		}
		if p.Spec.ServiceAccountName == "" {
			p.Spec.ServiceAccountName = "default"
		}
		if p.Spec.NodeName == "" {
			p.Spec.NodeName = "node-" + me.Spec.Name
		}
		name := podOwner[p]
		if name == "" {
			name = p.Namespace + "/" + p.Name
		}
		me.Workloads = append(me.Workloads, Workload{Pod: p, Name: name, Sidecar: sidecar})
		namespaces[p.Namespace] = namespaces[p.Namespace] || false
	}
	for _, s := range services {
		if s.Spec.Type != corev1.ServiceTypeExternalName && s.Spec.ClusterIP == "" {
			s.Spec.ClusterIP = me.allocIP(prefixSvc)
		}
		if s.Spec.ClusterIP != "" && s.Spec.ClusterIP != corev1.ClusterIPNone && len(s.Spec.ClusterIPs) == 0 {
			s.Spec.ClusterIPs = []string{s.Spec.ClusterIP}
		}
		if _, ok := namespaces[s.Namespace]; !ok {
			namespaces[s.Namespace] = false
		}
	}
	me.Services = services
	for _, c := range me.Configs {
		if _, ok := namespaces[c.Namespace]; !ok {
			namespaces[c.Namespace] = false
		}
	}
	// Namespaces referenced but not written exist in any real cluster: create them bare.
	var nsNames []string
	for ns, declared := range namespaces {
		if !declared {
			nsNames = append(nsNames, ns)
		}
	}
	sort.Strings(nsNames)
	var objs []runtime.Object
	for _, ns := range nsNames {
		objs = append(objs, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
	}
	objs = append(objs, others...)
	for _, s := range services {
		objs = append(objs, s)
		if !sliceFor[s.Namespace+"/"+s.Name] {
			if es := endpointSliceFor(s, pods); es != nil {
				objs = append(objs, es)
			}
		}
	}
	for _, p := range pods {
		objs = append(objs, p)
	}
	return objs, nil
}

// strictSpec rejects unknown spec fields, as kubectl's default strict field validation does;
// Istio's own parser ignores them.
func strictSpec(d ResourceDoc, cfgs []config.Config) error {
	var raw struct {
		Spec json.RawMessage `json:"spec"`
	}
	js, err := yaml.YAMLToJSON([]byte(d.Text))
	if err != nil || json.Unmarshal(js, &raw) != nil || len(raw.Spec) == 0 {
		return nil
	}
	for _, c := range cfgs {
		msg, ok := c.Spec.(proto.Message)
		if !ok {
			continue
		}
		fresh := msg.ProtoReflect().New().Interface()
		if err := protomarshal.ApplyJSONStrict(string(raw.Spec), fresh); err != nil {
			return inputErrorf(d.File, "document %d (%s %s): spec: %v", d.Index+1, d.Kind, d.Name, err)
		}
	}
	return nil
}

func setNS(m *metav1.ObjectMeta) {
	if m.Namespace == "" {
		m.Namespace = "default"
	}
}

// endpointSliceFor does what Kubernetes' EndpointSlice controller does for a selector Service.
func endpointSliceFor(s *corev1.Service, pods []*corev1.Pod) *discoveryv1.EndpointSlice {
	if len(s.Spec.Selector) == 0 || s.Spec.Type == corev1.ServiceTypeExternalName {
		return nil
	}
	var eps []discoveryv1.Endpoint
	var ports []discoveryv1.EndpointPort
	portSet := map[string]bool{}
	ready := true
	for _, p := range pods {
		if p.Namespace != s.Namespace || !selects(s.Spec.Selector, p.Labels) {
			continue
		}
		eps = append(eps, discoveryv1.Endpoint{
			Addresses:  []string{p.Status.PodIP},
			Conditions: discoveryv1.EndpointConditions{Ready: &ready},
			TargetRef:  &corev1.ObjectReference{Kind: "Pod", Name: p.Name, Namespace: p.Namespace},
			NodeName:   &p.Spec.NodeName,
		})
		for _, sp := range s.Spec.Ports {
			tp := resolveTargetPort(sp, p)
			key := fmt.Sprintf("%s/%d", sp.Name, tp)
			if portSet[key] {
				continue
			}
			portSet[key] = true
			name, proto, port := sp.Name, sp.Protocol, int32(tp)
			if proto == "" {
				proto = corev1.ProtocolTCP
			}
			ports = append(ports, discoveryv1.EndpointPort{Name: &name, Protocol: &proto, Port: &port, AppProtocol: sp.AppProtocol})
		}
	}
	return &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			Name: s.Name + "-oracle", Namespace: s.Namespace,
			Labels: map[string]string{discoveryv1.LabelServiceName: s.Name},
		},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   eps,
		Ports:       ports,
	}
}

func resolveTargetPort(sp corev1.ServicePort, p *corev1.Pod) int {
	switch sp.TargetPort.Type {
	case intstr.Int:
		if sp.TargetPort.IntVal != 0 {
			return int(sp.TargetPort.IntVal)
		}
	case intstr.String:
		if sp.TargetPort.StrVal != "" {
			for _, c := range p.Spec.Containers {
				for _, cp := range c.Ports {
					if cp.Name == sp.TargetPort.StrVal {
						return int(cp.ContainerPort)
					}
				}
			}
		}
	}
	return int(sp.Port)
}

func selects(selector, labels map[string]string) bool {
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// proxyFor builds a model.Proxy the way istiod sees a connecting Envoy of this mesh.
func (me *MeshEnv) proxyFor(typ model.NodeType, ns, sa string, labels map[string]string, ip, id string) *model.Proxy {
	var p *model.Proxy
	me.withFeatures(func() {
		p = me.FDS.SetupProxy(&model.Proxy{
			Type:            typ,
			IPAddresses:     []string{ip},
			ID:              id + "." + ns,
			ConfigNamespace: ns,
			DNSDomain:       ns + ".svc.cluster.local",
			Labels:          labels,
			Metadata: &model.NodeMetadata{
				Labels:         labels,
				Namespace:      ns,
				ServiceAccount: sa,
				ClusterID:      constants.DefaultClusterName,
				Network:        network.ID(me.Spec.Network),
				IstioVersion:   "1.31.0",
				WorkloadName:   id,
			},
		})
	})
	return p
}

// findWorkload returns the first pod (in file order) in ns carrying all labels and, when sa is set, that service account.
func (me *MeshEnv) findWorkload(ns, sa string, labels map[string]string) *Workload {
	for i := range me.Workloads {
		w := &me.Workloads[i]
		if w.Pod.Namespace != ns || !selects(labels, w.Pod.Labels) {
			continue
		}
		if sa != "" && w.Pod.Spec.ServiceAccountName != sa {
			continue
		}
		return w
	}
	return nil
}

func (me *MeshEnv) workloadByIP(ip string) *Workload {
	for i := range me.Workloads {
		if me.Workloads[i].Pod.Status.PodIP == ip {
			return &me.Workloads[i]
		}
	}
	return nil
}

// spiffeID is the identity Istio's CA issues to a workload of this mesh.
func (me *MeshEnv) spiffeID(ns, sa string) string {
	return fmt.Sprintf("spiffe://%s/ns/%s/sa/%s", me.Spec.TrustDomain, ns, sa)
}

// configEpoch is the creation time of configs that carry none.
var configEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
