import { X509Certificate } from "node:crypto";
import { parse as parseYaml } from "yaml";
import { KubeApiError, type KubeClient, type KubeObject } from "./client.js";
import { releaseProfile } from "../model/istio-release.js";

/** What verify reads of a live mesh: its objects as plain Kubernetes objects and its mesh config. */
export interface LiveMesh {
  readonly mesh: string;
  /** The API server the objects were read from. */
  readonly server: string;
  /** Istio resources, Services and workloads (Pods; Deployments that have no Pods), sorted by kind, namespace, name. */
  readonly resources: readonly KubeObject[];
  /** The `mesh` key of the `istio` ConfigMap, parsed; `{}` when absent. */
  readonly meshConfig: Record<string, unknown>;
  /** SHA-256 fingerprint of `istio-ca-root-cert`'s root-cert.pem, when there is one. */
  readonly rootCertFingerprint?: string;
}

/** The Istio kinds verify analyses. */
export const LIVE_ISTIO_KINDS: readonly { apiVersion: string; kind: string }[] = [
  { apiVersion: "networking.istio.io/v1", kind: "Gateway" },
  { apiVersion: "networking.istio.io/v1", kind: "VirtualService" },
  { apiVersion: "networking.istio.io/v1", kind: "DestinationRule" },
  { apiVersion: "networking.istio.io/v1", kind: "ServiceEntry" },
  { apiVersion: "networking.istio.io/v1", kind: "Sidecar" },
  { apiVersion: "networking.istio.io/v1", kind: "WorkloadEntry" },
  { apiVersion: "security.istio.io/v1", kind: "PeerAuthentication" },
  { apiVersion: "security.istio.io/v1", kind: "AuthorizationPolicy" },
  // Read so verify can name them (MF3299): it does not model what they do.
  { apiVersion: "networking.istio.io/v1alpha3", kind: "EnvoyFilter" },
  { apiVersion: "extensions.istio.io/v1alpha1", kind: "WasmPlugin" },
  { apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway" },
  { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute" },
  { apiVersion: "gateway.networking.k8s.io/v1", kind: "GRPCRoute" },
  { apiVersion: "gateway.networking.k8s.io/v1alpha2", kind: "TCPRoute" },
  { apiVersion: "gateway.networking.k8s.io/v1alpha2", kind: "TLSRoute" },
];

/**
 * The Istio kinds verify analyses, at the API versions a mesh's Istio release serves
 * (v1beta1 before 1.22: Istio 1.8 to 1.21 serve every v1 kind here as v1beta1; EnvoyFilter,
 * WasmPlugin and Gateway API kinds keep their own versions). `undefined`: the default release.
 */
export function liveIstioKindsFor(istioVersion: string | undefined): readonly { apiVersion: string; kind: string }[] {
  if (istioVersion === undefined) return LIVE_ISTIO_KINDS;
  const p = releaseProfile(istioVersion);
  return LIVE_ISTIO_KINDS.map((k) =>
    k.apiVersion === "security.istio.io/v1"
      ? { kind: k.kind, apiVersion: p.securityApiVersion }
      : k.apiVersion === "networking.istio.io/v1"
        ? { kind: k.kind, apiVersion: p.networkingApiVersion }
        : k,
  );
}

// creationTimestamp stays: istiod orders Sidecars, DestinationRules and policies by it.
const serverMetadata = ["managedFields", "resourceVersion", "generation", "uid", "selfLink"];

/**
 * Reads one mesh's cluster with that cluster's own client (get and list only; no Secrets):
 * everything `meshfed verify` analyses, in a stable order, without server-owned metadata.
 * For `verify --live`: the objects take the place of the per-mesh files.
 */
export async function readLiveMesh(
  client: KubeClient,
  mesh: string,
  opts: { istioNamespace?: string /** The mesh's declared Istio release (`meshes[].istioVersion`). */; istioVersion?: string } = {},
): Promise<LiveMesh> {
  const ns = opts.istioNamespace ?? "istio-system";
  const kinds = liveIstioKindsFor(opts.istioVersion);
  const lists = await Promise.all([
    ...kinds.map((k) =>
      client.list(k.apiVersion, k.kind).catch((err: unknown) => {
        // A kind this Istio does not serve (an older release) has no objects.
        if (err instanceof KubeApiError && err.status === 404) return [];
        throw err;
      }),
    ),
    client.list("v1", "Service"),
    client.list("v1", "Pod"),
    client.list("apps/v1", "Deployment"),
  ]);
  const pods = lists[kinds.length + 1]!;
  const deployments = lists[kinds.length + 2]!.filter((d) => !pods.some((p) => p.metadata.namespace === d.metadata.namespace && selects(d, p)));
  const resources = [...lists.slice(0, kinds.length + 2).flat(), ...deployments].map(clean);
  resources.sort((a, b) => cmp(a.kind, b.kind) || cmp(a.metadata.namespace ?? "", b.metadata.namespace ?? "") || cmp(a.metadata.name, b.metadata.name));
  const cm = await client.get("v1", "ConfigMap", ns, "istio");
  const text = (cm?.data as Record<string, string> | undefined)?.mesh;
  const meshConfig = text ? ((parseYaml(text) as Record<string, unknown> | null) ?? {}) : {};
  const root = await client.get("v1", "ConfigMap", ns, "istio-ca-root-cert");
  const pem = (root?.data as Record<string, string> | undefined)?.["root-cert.pem"];
  let rootCertFingerprint: string | undefined;
  if (pem) {
    try {
      rootCertFingerprint = new X509Certificate(pem).fingerprint256;
    } catch {
      rootCertFingerprint = undefined;
    }
  }
  return { mesh, server: client.server, resources, meshConfig, ...(rootCertFingerprint ? { rootCertFingerprint } : {}) };
}

function selects(deployment: KubeObject, pod: KubeObject): boolean {
  const sel = ((deployment.spec as any)?.selector?.matchLabels ?? {}) as Record<string, string>;
  const labels = pod.metadata.labels ?? {};
  return Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => labels[k] === v);
}

function clean(o: KubeObject): KubeObject {
  const metadata = { ...o.metadata };
  for (const k of serverMetadata) delete metadata[k];
  const annotations = { ...(metadata.annotations ?? {}) };
  // kubectl's copy of the last applied object repeats the whole object; verify does not need it.
  delete annotations["kubectl.kubernetes.io/last-applied-configuration"];
  if (metadata.annotations) metadata.annotations = annotations;
  return { ...o, metadata };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
