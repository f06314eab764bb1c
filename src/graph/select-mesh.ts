import type { FederationGraph } from "./build-graph.js";

/**
 * The part of a federation graph that concerns one mesh: the mesh with everything in it, every
 * edge into or out of it, and, in the other meshes, only the services and principals at the far
 * end of those edges. Pure; the order of the full graph is kept.
 */
export function graphOfMesh(graph: FederationGraph, mesh: string): FederationGraph {
  const inMesh = new Set(graph.meshes.filter((m) => m.name === mesh).flatMap((m) => [...m.services.map((s) => s.id), ...m.principals.map((p) => p.id)]));
  const edges = graph.edges.filter((e) => inMesh.has(e.from) || inMesh.has(e.to));
  const ends = new Set(edges.flatMap((e) => [e.from, e.to]));
  const meshes = graph.meshes
    .map((m) => (m.name === mesh ? m : { ...m, services: m.services.filter((s) => ends.has(s.id)), principals: m.principals.filter((p) => ends.has(p.id)) }))
    .filter((m) => m.name === mesh || m.services.length + m.principals.length > 0);
  const kept = new Set(meshes.map((m) => m.name));
  return {
    ...graph,
    meshes,
    edges,
    networkAllowances: graph.networkAllowances.filter((a) => (a.from === mesh || a.to === mesh) && kept.has(a.from) && kept.has(a.to)),
  };
}
