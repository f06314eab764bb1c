import type { KubeObject } from "./client.js";
import type { MeshOutput } from "../compile/types.js";
import { managedApiVersion, releaseProfile } from "../model/istio-release.js";

/** The label meshfed sets on what it applies, besides the compiler's own labels. */
export const MESH_LABEL = "meshfed.dev/mesh";
export const FEDERATION_LABEL = "meshfed.dev/federation";
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";

/** The server-side apply field manager of every write meshfed makes. */
export const FIELD_MANAGER = "meshfed";

/**
 * When adding, policy goes first so no host is ever exposed without its policy; consumers'
 * routes next; the east-west Gateway's hosts last. Removal runs the other way round.
 */
export const PHASES = ["policy", "consumer", "exposure"] as const;
export type Phase = (typeof PHASES)[number];

/** The kinds meshfed writes, with their phase: also the kinds it reads for diff and prune. */
export const MANAGED_KINDS: readonly { apiVersion: string; kind: string; phase: Phase }[] = [
  { apiVersion: "security.istio.io/v1", kind: "PeerAuthentication", phase: "policy" },
  { apiVersion: "security.istio.io/v1", kind: "AuthorizationPolicy", phase: "policy" },
  // The east-west gateway's NetworkPolicy narrows who may connect: policy, before exposure.
  { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", phase: "policy" },
  { apiVersion: "networking.istio.io/v1", kind: "ServiceEntry", phase: "consumer" },
  { apiVersion: "networking.istio.io/v1", kind: "DestinationRule", phase: "consumer" },
  { apiVersion: "networking.istio.io/v1", kind: "Gateway", phase: "exposure" },
];

/** A kind meshfed writes, at one API version, with its phase. */
export type ManagedKind = (typeof MANAGED_KINDS)[number];

/**
 * The kinds meshfed writes at the API versions a mesh's Istio release serves (v1beta1 before
 * 1.22): what apply, diff and doctor list for pruning and drift. `undefined`: the default release.
 */
export function managedKindsFor(istioVersion: string | undefined): readonly ManagedKind[] {
  if (istioVersion === undefined) return MANAGED_KINDS;
  const profile = releaseProfile(istioVersion);
  // Only Istio's kinds change version with the release; NetworkPolicy is Kubernetes' own.
  return MANAGED_KINDS.map((k) => (k.apiVersion.includes(".istio.io/") ? { ...k, apiVersion: managedApiVersion(profile, k.kind) } : k));
}

export function phaseOf(kind: string): Phase {
  return MANAGED_KINDS.find((k) => k.kind === kind)?.phase ?? "consumer";
}

/** The label selector of this federation's objects in this mesh. */
export function ownershipSelector(federation: string, mesh: string): string {
  return `${MANAGED_BY_LABEL}=meshfed,${FEDERATION_LABEL}=${federation},${MESH_LABEL}=${mesh}`;
}

/** Whether a live object carries this federation's and this mesh's labels (checked again client-side). */
export function ownedBy(obj: KubeObject, federation: string, mesh: string): boolean {
  const l = obj.metadata.labels ?? {};
  return l[MANAGED_BY_LABEL] === "meshfed" && l[FEDERATION_LABEL] === federation && l[MESH_LABEL] === mesh;
}

/** The objects meshfed applies to one mesh: the render, labelled with the mesh. */
export function desiredObjects(federation: string, out: MeshOutput): KubeObject[] {
  return out.resources.map((r) => ({
    apiVersion: r.apiVersion,
    kind: r.kind,
    metadata: {
      name: r.metadata.name,
      namespace: r.metadata.namespace,
      labels: { ...r.metadata.labels, [FEDERATION_LABEL]: federation, [MESH_LABEL]: out.mesh },
      ...(r.metadata.annotations ? { annotations: { ...r.metadata.annotations } } : {}),
    },
    spec: structuredClone(r.spec),
  }));
}

/** A stable key of an object: `Kind namespace/name`. */
export function keyOf(obj: { kind: string; metadata: { name: string; namespace?: string } }): string {
  return `${obj.kind} ${obj.metadata.namespace ?? ""}/${obj.metadata.name}`;
}
