import type { Export, Mesh, Principal } from "../model/types.js";

/** `mesh/namespace/name` of an export. */
export function exportKey(e: Pick<Export, "mesh" | "namespace" | "name">): string {
  return `${e.mesh}/${e.namespace}/${e.name}`;
}

/** The exported Service's FQDN inside its own mesh. */
export function serviceFqdn(e: Pick<Export, "namespace" | "name">, mesh: Pick<Mesh, "clusterDomain">): string {
  return `${e.name}.${e.namespace}.svc.${mesh.clusterDomain}`;
}

/** The SNI Istio's client sidecars send for a service port, and AUTO_PASSTHROUGH routes on. */
export function outboundSni(port: number, fqdn: string): string {
  return `outbound_.${port}_._.${fqdn}`;
}

/** An Istio authorization principal: `<trustDomain>/ns/<namespace>/sa/<serviceAccount>`. */
export function istioPrincipal(trustDomain: string, p: Pick<Principal, "namespace" | "serviceAccount">): string {
  return `${trustDomain}/ns/${p.namespace}/sa/${p.serviceAccount}`;
}

/** A SPIFFE ID. */
export function spiffeId(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}
