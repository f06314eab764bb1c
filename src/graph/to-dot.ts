import type { FederationGraph, GraphMesh } from "./build-graph.js";

/** A DOT double-quoted string: backslashes and quotes escaped, `\n` kept as DOT's line break. */
function quote(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

// Light fills that stay readable in print and for the common kinds of colour blindness.
const meshFills = ["#e8f0fe", "#fef3e2", "#e6f4ea", "#f3e8fd", "#fce8e6", "#e4f7fb"];

function meshLabel(m: GraphMesh): string {
  const lines = [`mesh ${m.name}`, `trust domain ${m.trustDomain}`];
  if (m.eastWestGateway) lines.push(`east-west gateway ${m.eastWestGateway}`);
  return lines.join("\n");
}

/** The id of the node a mesh's box is anchored on, for edges between boxes. */
function anchorOf(m: GraphMesh): string {
  return m.egressGateway ? `egress:${m.name}` : (m.services[0]?.id ?? m.principals[0]?.id ?? `mesh:${m.name}`);
}

/**
 * The graph in Graphviz DOT: one cluster per mesh holding its exported services (boxes) and
 * consumer principals (ellipses), one edge per grant labelled with its ports, left to right.
 */
export function graphToDot(graph: FederationGraph): string {
  const out: string[] = [
    `digraph ${quote(graph.federation)} {`,
    `  graph [rankdir=LR, compound=true, newrank=true, fontname="Helvetica", fontsize=12, nodesep=0.35, ranksep=1.1, labelloc=t, label=${quote(`federation ${graph.federation}`)}];`,
    '  node [fontname="Helvetica", fontsize=10, style=filled, fillcolor="#ffffff", color="#444444"];',
    '  edge [fontname="Helvetica", fontsize=9, color="#333333", fontcolor="#222222"];',
  ];
  graph.meshes.forEach((m, i) => {
    out.push(`  subgraph ${quote(`cluster_${m.name}`)} {`);
    out.push(`    label=${quote(meshLabel(m))}; style="rounded,filled"; fillcolor=${quote(meshFills[i % meshFills.length]!)}; color="#666666"; labeljust=l;`);
    if (m.egressGateway) out.push(`    ${quote(`egress:${m.name}`)} [shape=hexagon, label=${quote(`egress gateway\n${m.egressGateway}`)}];`);
    for (const p of m.principals) out.push(`    ${quote(p.id)} [shape=ellipse, label=${quote(`ns/${p.namespace}/sa/${p.serviceAccount}`)}];`);
    for (const s of m.services)
      out.push(`    ${quote(s.id)} [shape=box, style="rounded,filled", label=${quote(`${s.namespace}/${s.name}\n${s.ports.join(" ")}`)}];`);
    // Graphviz drops an empty cluster; a mesh that neither exports nor consumes still belongs in the picture.
    if (m.services.length === 0 && m.principals.length === 0 && !m.egressGateway) {
      out.push(`    ${quote(`mesh:${m.name}`)} [shape=plaintext, style="", label="exports nothing, consumes nothing"];`);
    }
    out.push("  }");
  });
  for (const e of graph.edges) {
    const label = `${e.ports.join(", ")}${e.viaEgress ? "\nvia egress gateway" : ""}`;
    out.push(`  ${quote(e.from)} -> ${quote(e.to)} [label=${quote(label)}, tooltip=${quote(`dials ${e.alias}`)}];`);
  }
  const byName = new Map(graph.meshes.map((m) => [m.name, m]));
  for (const a of graph.networkAllowances) {
    const from = byName.get(a.from);
    const to = byName.get(a.to);
    if (!from || !to) continue;
    const ports = a.ports.length > 0 ? a.ports.join(", ") : "any port";
    out.push(
      `  ${quote(anchorOf(from))} -> ${quote(anchorOf(to))} [style=dashed, color="#996600", fontcolor="#996600", ltail=${quote(`cluster_${from.name}`)}, lhead=${quote(`cluster_${to.name}`)}, label=${quote(`network allows ${ports}`)}];`,
    );
  }
  out.push("}");
  return `${out.join("\n")}\n`;
}
