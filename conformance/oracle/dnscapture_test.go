package oracle

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"istio.io/istio/operator/pkg/render"
	"istio.io/istio/pkg/config/mesh"
	"istio.io/istio/pkg/kube/inject"
)

// meshfed's dnsCapture: namespaces asks the user to annotate the consumer workloads' pod
// templates with proxy.istio.io/config: '{"proxyMetadata":{"ISTIO_META_DNS_CAPTURE":"true"}}'
// instead of setting it in meshConfig.defaultConfig. This runs Istio's own injection (the
// istiod chart rendered by the operator, as istioctl kube-inject does) on two Deployments and
// checks that the annotated one's sidecar gets ISTIO_META_DNS_CAPTURE=true in its environment,
// merged with the mesh-wide proxy metadata rather than replacing it, and the other does not.
func TestDNSCaptureAnnotationReachesTheSidecar(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "istio.io/istio").Output()
	if err != nil {
		t.Fatalf("locating the istio.io/istio module: %v", err)
	}
	manifests := filepath.Join(strings.TrimSpace(string(out)), "manifests")
	sets, _, err := render.GenerateManifest(nil, []string{
		"installPackagePath=" + manifests, "profile=empty", "components.pilot.enabled=true",
		"meshConfig.defaultConfig.proxyMetadata.MESH_WIDE_KEY=kept",
	}, false, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var cfg inject.Config
	var values inject.ValuesConfig
	meshConfig := mesh.DefaultMeshConfig()
	for _, set := range sets {
		for _, o := range set.Manifests {
			data, _ := o.Object["data"].(map[string]any)
			switch {
			case o.GetKind() == "ConfigMap" && o.GetName() == "istio-sidecar-injector":
				if cfg, err = inject.UnmarshalConfig([]byte(data["config"].(string))); err != nil {
					t.Fatal(err)
				}
				if values, err = inject.NewValuesConfig(data["values"].(string)); err != nil {
					t.Fatal(err)
				}
			case o.GetKind() == "ConfigMap" && o.GetName() == "istio":
				if meshConfig, err = mesh.ApplyMeshConfig(data["mesh"].(string), mesh.DefaultMeshConfig()); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	templates, err := inject.ParseTemplates(cfg.RawTemplates)
	if err != nil {
		t.Fatal(err)
	}
	deployment := func(name, annotations string) string {
		return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ` + name + `, namespace: vault}
spec:
  selector: {matchLabels: {app: ` + name + `}}
  template:
    metadata:
      labels: {app: ` + name + `}
      annotations: {` + annotations + `}
    spec:
      serviceAccountName: ` + name + `
      containers: [{name: app, image: app}]
`
	}
	env := func(doc string) map[string]string {
		t.Helper()
		var injected bytes.Buffer
		if err := inject.IntoResourceFile(nil, templates, values, "", meshConfig, strings.NewReader(doc), &injected, func(string) {}); err != nil {
			t.Fatal(err)
		}
		var d appsv1.Deployment
		if err := yaml.Unmarshal(injected.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		var proxy *corev1.Container
		for _, cs := range [][]corev1.Container{d.Spec.Template.Spec.Containers, d.Spec.Template.Spec.InitContainers} {
			for i := range cs {
				if cs[i].Name == "istio-proxy" {
					proxy = &cs[i]
				}
			}
		}
		if proxy == nil {
			t.Fatalf("no istio-proxy container injected into %s", d.Name)
		}
		m := map[string]string{}
		for _, e := range proxy.Env {
			m[e.Name] = e.Value
		}
		return m
	}
	annotated := env(deployment("vault", `proxy.istio.io/config: '{"proxyMetadata":{"ISTIO_META_DNS_CAPTURE":"true"}}'`))
	if annotated["ISTIO_META_DNS_CAPTURE"] != "true" || annotated["MESH_WIDE_KEY"] != "kept" {
		t.Fatalf("annotated pod: ISTIO_META_DNS_CAPTURE=%q MESH_WIDE_KEY=%q, want true and kept", annotated["ISTIO_META_DNS_CAPTURE"], annotated["MESH_WIDE_KEY"])
	}
	plain := env(deployment("web", ""))
	if _, on := plain["ISTIO_META_DNS_CAPTURE"]; on || plain["MESH_WIDE_KEY"] != "kept" {
		t.Fatalf("pod without the annotation: ISTIO_META_DNS_CAPTURE=%q (want unset) MESH_WIDE_KEY=%q", plain["ISTIO_META_DNS_CAPTURE"], plain["MESH_WIDE_KEY"])
	}
}
