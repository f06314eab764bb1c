import type { Scenario, Verdict } from "./types.js";
import type { World } from "./verify-scenario.js";

/**
 * A reachability matrix per mesh pair: rows are the calling mesh, columns the mesh whose
 * workload answered (or "denied early" for calls that never left the client or the gateway);
 * each cell is `allowed/probes`.
 */
export function formatMatrix(world: World, scenario: Scenario, verdict: Verdict): string {
  const meshes = world.meshes.map((m) => m.spec.name);
  const early = "denied early";
  const cells = new Map<string, { allowed: number; total: number }>();
  verdict.probes.forEach((p, i) => {
    const from = scenario.probes[i]?.from.mesh ?? "?";
    const reached = [...p.hops].reverse().find((h) => h.at !== "client");
    const to = reached ? reached.mesh : early;
    const key = `${from}\u0000${to}`;
    const c = cells.get(key) ?? { allowed: 0, total: 0 };
    c.total++;
    if (p.verdict === "allow") c.allowed++;
    cells.set(key, c);
  });
  const columns = [...meshes, early];
  const width = Math.max(8, ...columns.map((c) => c.length), ...meshes.map((m) => m.length)) + 2;
  const pad = (s: string) => s.padEnd(width);
  const lines = ["Reachability matrix (allowed/probes; rows call, columns answer)", `  ${pad("from \\ to")}${columns.map(pad).join("")}`];
  for (const from of meshes) {
    const row = columns.map((to) => {
      const c = cells.get(`${from}\u0000${to}`);
      return pad(c ? `${c.allowed}/${c.total}` : "-");
    });
    lines.push(`  ${pad(from)}${row.join("")}`);
  }
  return `${lines.join("\n")}\n`;
}
