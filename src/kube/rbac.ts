import type { MeshOutput } from "../compile/types.js";
import type { Federation } from "../model/types.js";
import { MANAGED_KINDS } from "./desired.js";

/** The Istio kinds verify --live and doctor read, besides the ones meshfed writes. */
const READ_ONLY_ISTIO_KINDS: readonly { group: string; resource: string }[] = [
  { group: "networking.istio.io", resource: "virtualservices" },
  { group: "networking.istio.io", resource: "sidecars" },
  { group: "networking.istio.io", resource: "workloadentries" },
  // verify --live reads these only to report them as not modelled (MF3299).
  { group: "networking.istio.io", resource: "envoyfilters" },
  { group: "extensions.istio.io", resource: "wasmplugins" },
  { group: "gateway.networking.k8s.io", resource: "gateways" },
  { group: "gateway.networking.k8s.io", resource: "httproutes" },
  { group: "gateway.networking.k8s.io", resource: "grpcroutes" },
  { group: "gateway.networking.k8s.io", resource: "tcproutes" },
  { group: "gateway.networking.k8s.io", resource: "tlsroutes" },
];

const PLURAL: Record<string, string> = {
  PeerAuthentication: "peerauthentications",
  AuthorizationPolicy: "authorizationpolicies",
  ServiceEntry: "serviceentries",
  DestinationRule: "destinationrules",
  Gateway: "gateways",
  NetworkPolicy: "networkpolicies",
};

/** Where the ServiceAccount that runs meshfed lives. */
export interface ServiceAccountRef {
  readonly namespace: string;
  readonly name: string;
}

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };

function groupOf(apiVersion: string): string {
  return apiVersion.includes("/") ? apiVersion.split("/")[0]! : "";
}

/**
 * The least privileges a ServiceAccount needs to run apply (with --prune), diff, doctor and
 * verify --live for one mesh:
 * - a ClusterRole to read (get, list, watch) the Istio kinds, Services, Pods, Deployments and
 *   Namespaces (prune and drift look for labelled objects everywhere) and get the Istio CRDs;
 * - per namespace the render writes into, a Role to create, patch and delete only the kinds
 *   rendered there (server-side apply that creates needs create as well as patch);
 * - in the Istio namespace, a Role to read only the `istio` and `istio-ca-root-cert`
 *   ConfigMaps and the `istiod` Deployment.
 * No Secrets anywhere, no write outside the rendered namespaces and kinds.
 */
export function rbacFor(federation: Federation, out: MeshOutput, sa: ServiceAccountRef, istioNamespace = "istio-system"): Record<string, unknown>[] {
  const base = `meshfed-${federation.name}-${out.mesh}`;
  const labels = { "app.kubernetes.io/managed-by": "meshfed", "meshfed.dev/federation": federation.name, "meshfed.dev/mesh": out.mesh };
  const subject = { kind: "ServiceAccount", name: sa.name, namespace: sa.namespace };
  const istioGroups = new Map<string, Set<string>>();
  for (const k of MANAGED_KINDS) add(istioGroups, groupOf(k.apiVersion), PLURAL[k.kind]!);
  for (const k of READ_ONLY_ISTIO_KINDS) add(istioGroups, k.group, k.resource);
  const readRules: Rule[] = [
    ...[...istioGroups]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([group, res]) => ({ apiGroups: [group], resources: [...res].sort(), verbs: ["get", "list", "watch"] })),
    { apiGroups: [""], resources: ["namespaces", "pods", "services"], verbs: ["get", "list", "watch"] },
    { apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list", "watch"] },
    { apiGroups: ["apiextensions.k8s.io"], resources: ["customresourcedefinitions"], verbs: ["get", "list"] },
  ];
  const objects: Record<string, unknown>[] = [
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: `${base}-read`, labels }, rules: readRules },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: `${base}-read`, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: `${base}-read` },
      subjects: [subject],
    },
  ];
  const byNamespace = new Map<string, Map<string, Set<string>>>();
  for (const r of out.resources) {
    const groups = byNamespace.get(r.metadata.namespace) ?? new Map<string, Set<string>>();
    add(groups, groupOf(r.apiVersion), PLURAL[r.kind] ?? `${r.kind.toLowerCase()}s`);
    byNamespace.set(r.metadata.namespace, groups);
  }
  const istioRead: Rule[] = [
    { apiGroups: [""], resources: ["configmaps"], resourceNames: ["istio", "istio-ca-root-cert"], verbs: ["get"] },
    { apiGroups: ["apps"], resources: ["deployments"], resourceNames: ["istiod"], verbs: ["get"] },
  ];
  const namespaces = [...new Set([...byNamespace.keys(), istioNamespace])].sort();
  for (const ns of namespaces) {
    const groups = byNamespace.get(ns);
    const rules: Rule[] = [
      ...(groups
        ? [...groups]
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([group, res]) => ({ apiGroups: [group], resources: [...res].sort(), verbs: ["create", "delete", "get", "patch"] }))
        : []),
      ...(ns === istioNamespace ? istioRead : []),
    ];
    objects.push(
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: base, namespace: ns, labels }, rules },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: base, namespace: ns, labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: base },
        subjects: [subject],
      },
    );
  }
  return objects;
}

function add(m: Map<string, Set<string>>, group: string, resource: string): void {
  const s = m.get(group) ?? new Set<string>();
  s.add(resource);
  m.set(group, s);
}
