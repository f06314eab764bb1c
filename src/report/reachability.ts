import type { ProbeSpec, Verdict } from "../verify/types.js";

/** Probes from one mesh that ended in one place, and how many were allowed. */
export interface MatrixCell {
  readonly allowed: number;
  readonly total: number;
}

/**
 * Rows are the calling mesh, columns the mesh whose gateway or workload last handled the call
 * (`denied early` for calls that never left the client), as in `meshfed verify`'s text matrix.
 */
export interface ReachabilityMatrix {
  readonly columns: readonly string[];
  readonly rows: readonly { readonly from: string; readonly cells: readonly (MatrixCell | null)[] }[];
}

export const deniedEarly = "denied early";

/** Counts each probe's verdict by calling mesh and by the mesh that answered it. */
export function reachabilityMatrix(meshes: readonly string[], probes: readonly ProbeSpec[], verdict: Verdict): ReachabilityMatrix {
  const cells = new Map<string, { allowed: number; total: number }>();
  verdict.probes.forEach((p, i) => {
    const from = probes[i]?.from.mesh ?? "?";
    const reached = [...p.hops].reverse().find((h) => h.at !== "client");
    const key = `${from}\u0000${reached ? reached.mesh : deniedEarly}`;
    const c = cells.get(key) ?? { allowed: 0, total: 0 };
    c.total++;
    if (p.verdict === "allow") c.allowed++;
    cells.set(key, c);
  });
  const columns = [...meshes, deniedEarly];
  return {
    columns,
    rows: meshes.map((from) => ({ from, cells: columns.map((to) => cells.get(`${from}\u0000${to}`) ?? null) })),
  };
}
