import type { FederationGraph } from "./build-graph.js";

/** A Mermaid quoted label: quotes and angle brackets as entity codes, line breaks as `<br>`. */
function label(text: string): string {
  const escaped = text.replace(/#/g, "#35;").replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;");
  return `"${escaped.replace(/\n/g, "<br>")}"`;
}

/**
 * The graph as a Mermaid flowchart (GitHub renders it in Markdown): one subgraph per mesh,
 * exported services as boxes, consumer principals as stadiums, one edge per grant. Node ids
 * are short and positional (`m0`, `s0`, `p0`) because Mermaid ids cannot hold `/` or `:`.
 */
export function graphToMermaid(graph: FederationGraph): string {
  const ids = new Map<string, string>();
  const counts = new Map<string, number>();
  const idOf = (key: string, prefix: string) => {
    let id = ids.get(key);
    if (!id) {
      const n = counts.get(prefix) ?? 0;
      counts.set(prefix, n + 1);
      id = `${prefix}${n}`;
      ids.set(key, id);
    }
    return id;
  };
  const out: string[] = ["flowchart LR"];
  for (const m of graph.meshes) {
    const title = [`mesh ${m.name}`, `trust domain ${m.trustDomain}`, ...(m.eastWestGateway ? [`east-west gateway ${m.eastWestGateway}`] : [])].join("\n");
    out.push(`  subgraph ${idOf(`mesh:${m.name}`, "m")}[${label(title)}]`);
    if (m.egressGateway) out.push(`    ${idOf(`egress:${m.name}`, "g")}{{${label(`egress gateway\n${m.egressGateway}`)}}}`);
    for (const p of m.principals) out.push(`    ${idOf(p.id, "p")}([${label(`ns/${p.namespace}/sa/${p.serviceAccount}`)}])`);
    for (const s of m.services) out.push(`    ${idOf(s.id, "s")}[${label(`${s.namespace}/${s.name}\n${s.ports.join(" ")}`)}]`);
    if (m.services.length === 0 && m.principals.length === 0 && !m.egressGateway) {
      out.push(`    ${idOf(`mesh:${m.name}:empty`, "e")}[${label("exports nothing, consumes nothing")}]`);
    }
    out.push("  end");
  }
  for (const e of graph.edges) {
    out.push(`  ${ids.get(e.from)} -->|${label(`${e.ports.join(", ")}${e.viaEgress ? "\nvia egress gateway" : ""}`)}| ${ids.get(e.to)}`);
  }
  for (const a of graph.networkAllowances) {
    const from = ids.get(`mesh:${a.from}`);
    const to = ids.get(`mesh:${a.to}`);
    if (!from || !to) continue;
    out.push(`  ${from} -.->|${label(`network allows ${a.ports.length > 0 ? a.ports.join(", ") : "any port"}`)}| ${to}`);
  }
  return `${out.join("\n")}\n`;
}
