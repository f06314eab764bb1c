import type { Federation, Mesh } from "./types.js";
import { parseSourceCidr } from "./formats.js";

/** Who may open a connection to one exporting mesh's east-west gateway, at the network layer. */
export interface GatewaySources {
  /** The exporting mesh. */
  readonly mesh: string;
  /** Meshes with at least one consumer of this mesh's exports, sorted. */
  readonly consumerMeshes: readonly string[];
  /** Consumer meshes that declare no `egressCIDRs`, sorted. */
  readonly undeclared: readonly string[];
  /**
   * The union of the consumer meshes' `egressCIDRs`, sorted (IPv4 first, then by address and
   * prefix) and deduplicated; `undefined` when any consumer mesh declares none, because then
   * meshfed cannot restrict the source without cutting that mesh off.
   */
  readonly ranges: readonly string[] | undefined;
}

function compareCidrs(a: string, b: string): number {
  const pa = parseSourceCidr(a);
  const pb = parseSourceCidr(b);
  if (!pa || !pb) return a < b ? -1 : a > b ? 1 : 0;
  if (pa.family !== pb.family) return pa.family - pb.family;
  const key = (c: string) =>
    c.includes(":")
      ? c
      : c
          .split("/")[0]!
          .split(".")
          .map((o) => o.padStart(3, "0"))
          .join(".");
  const ka = key(a);
  const kb = key(b);
  if (ka !== kb) return ka < kb ? -1 : 1;
  return pa.prefix - pb.prefix;
}

/** The meshes with a consumer of an export of `mesh`. */
export function consumerMeshesOf(federation: Federation, mesh: Mesh): string[] {
  const names = new Set<string>();
  for (const e of federation.exports) {
    if (e.mesh !== mesh.name) continue;
    for (const c of e.consumers) if (c.principal.mesh !== mesh.name) names.add(c.principal.mesh);
  }
  return [...names].sort();
}

/**
 * The source ranges an exporting mesh's east-west gateway admits on its AUTO_PASSTHROUGH port.
 * Pure; used by the validation rule that warns about an open gateway and by the compiler.
 */
export function gatewaySources(federation: Federation, mesh: Mesh): GatewaySources {
  const consumerMeshes = consumerMeshesOf(federation, mesh);
  const undeclared: string[] = [];
  const ranges = new Set<string>();
  for (const name of consumerMeshes) {
    const consumer = federation.meshes.find((m) => m.name === name);
    if (!consumer) continue;
    if (consumer.egressCIDRs === undefined) undeclared.push(name);
    else for (const c of consumer.egressCIDRs) ranges.add(c);
  }
  return {
    mesh: mesh.name,
    consumerMeshes,
    undeclared,
    ranges: undeclared.length > 0 ? undefined : [...ranges].sort(compareCidrs),
  };
}
