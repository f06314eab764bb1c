import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildFederationGraph, type OptionalGraphInput } from "../../src/graph/build-graph.js";
import { inlineSvg, renderSvg } from "../../src/graph/render-svg.js";
import { graphToDot } from "../../src/graph/to-dot.js";
import { graphToMermaid } from "../../src/graph/to-mermaid.js";
import { parseFederation } from "../../src/model/parse-federation.js";
import type { Federation } from "../../src/model/types.js";
import { exampleText, minimal, repoRoot } from "../helpers/fixtures.js";
import { runCli } from "../helpers/run-cli.js";

const example = parseFederation(exampleText, "federation.yaml").federation!;

describe("buildFederationGraph", () => {
  it("draws meshes as boxes, exports and consumers inside, one edge per consumer principal", () => {
    const g = buildFederationGraph(example);
    expect(g.meshes.map((m) => [m.name, m.services.map((s) => s.id), m.principals.map((p) => p.id)])).toEqual([
      ["operations", [], ["sa:operations/observability/grafana", "sa:operations/vault/vault"]],
      ["staging", ["svc:staging/monitoring/metrics-api"], []],
      ["production", ["svc:production/db/postgres", "svc:production/monitoring/metrics-api"], []],
    ]);
    expect(g.meshes.find((m) => m.name === "production")!.eastWestGateway).toBe("ew.production.nrc.example:15443");
    expect(g.edges.map((e) => `${e.from} -> ${e.to} [${e.ports.join(" ")}] ${e.alias}`)).toEqual([
      "sa:operations/vault/vault -> svc:production/db/postgres [5432/TCP] postgres.db.production.mesh",
      "sa:operations/vault/vault -> svc:staging/monitoring/metrics-api [8080/HTTP 9090/TCP] metrics-api.monitoring.staging.mesh",
      "sa:operations/observability/grafana -> svc:staging/monitoring/metrics-api [8080/HTTP 9090/TCP] metrics-api.monitoring.staging.mesh",
      "sa:operations/observability/grafana -> svc:production/monitoring/metrics-api [8080/HTTP] metrics-api.monitoring.production.mesh",
    ]);
    expect(g.networkAllowances).toEqual([]);
    expect(g.meshes.every((m) => m.egressGateway === null)).toBe(true);
  });

  it("draws an egress gateway and network-layer allowances when the model has them", async () => {
    const base = parseFederation(minimal, "f.yaml").federation!;
    const withExtras: Federation & OptionalGraphInput = {
      ...base,
      meshes: base.meshes.map((m) =>
        m.name === "operations" ? { ...m, egressGateway: { selector: { istio: "egressgateway" }, namespace: "istio-system", service: "egress" } } : m,
      ),
      networkAllowances: [{ from: "operations", to: "production", ports: [15443] }],
    };
    const g = buildFederationGraph(withExtras);
    expect(g.meshes[0]!.egressGateway).toBe("istio-system/egress");
    expect(g.edges[0]!.viaEgress).toBe(true);
    expect(g.networkAllowances).toEqual([{ from: "operations", to: "production", ports: [15443] }]);
    const dot = graphToDot(g);
    expect(dot).toContain('"egress:operations" [shape=hexagon, label="egress gateway\\nistio-system/egress"]');
    expect(dot).toContain('label="5432/TCP\\nvia egress gateway"');
    expect(dot).toContain('"egress:operations" -> "svc:production/db/postgres" [style=dashed');
    expect(dot).toContain('ltail="cluster_operations", lhead="cluster_production", label="network allows 15443"');
    // Graphviz accepts the DOT: the allowance is drawn between the two mesh boxes.
    const svg = await renderSvg(dot);
    expect(svg).toContain(">network allows 15443</text>");
    expect(svg).toContain(">egress gateway</text>");
    const mermaid = graphToMermaid(g);
    expect(mermaid).toContain('g0{{"egress gateway<br>istio-system/egress"}}');
    expect(mermaid).toContain('m0 -.->|"network allows 15443"| m1');
  });

  it("keeps a mesh that neither exports nor consumes in the picture", () => {
    const text = minimal.replace("  exports:", "    - name: staging\n      trustDomain: staging.nrc.internal\n  exports:");
    const g = buildFederationGraph(parseFederation(text, "f.yaml").federation!);
    expect(graphToDot(g)).toContain('"mesh:staging" [shape=plaintext, style="", label="exports nothing, consumes nothing"]');
    expect(graphToMermaid(g)).toMatch(
      /subgraph m2\["mesh staging<br>trust domain staging\.nrc\.internal"\]\n {4}e0\["exports nothing, consumes nothing"\]\n {2}end/,
    );
  });
});

describe("graph text formats", () => {
  it("escapes quotes and backslashes in DOT and Mermaid labels", () => {
    const g = buildFederationGraph(example);
    const odd = { ...g, federation: 'a"b\\c', meshes: g.meshes.map((m) => ({ ...m, trustDomain: 'x"<y>#' })) };
    expect(graphToDot(odd)).toContain('digraph "a\\"b\\\\c" {');
    expect(graphToMermaid(odd)).toContain("trust domain x#quot;#lt;y#gt;#35;");
  });

  it("gives Mermaid short positional ids and quoted labels", () => {
    const mermaid = graphToMermaid(buildFederationGraph(example));
    expect(mermaid.split("\n").slice(0, 4)).toEqual([
      "flowchart LR",
      '  subgraph m0["mesh operations<br>trust domain operations.nrc.internal<br>east-west gateway 10.10.0.10:15443"]',
      '    p0(["ns/observability/sa/grafana"])',
      '    p1(["ns/vault/sa/vault"])',
    ]);
    expect(mermaid).toContain('  p1 -->|"5432/TCP"| s1\n');
  });
});

describe("SVG from WebAssembly Graphviz", () => {
  it("lays out every mesh, service, principal and edge; same input, same bytes", async () => {
    const dot = graphToDot(buildFederationGraph(example));
    const svg = await renderSvg(dot);
    expect(svg).toMatch(/^<\?xml/);
    expect(svg.match(/<g id="clust\d+" class="cluster">/g)).toHaveLength(3);
    expect(svg.match(/<g id="node\d+" class="node">/g)).toHaveLength(5);
    expect(svg.match(/<g id="edge\d+" class="edge">/g)).toHaveLength(4);
    expect(svg).toContain(">db/postgres</text>");
    expect(await renderSvg(dot)).toBe(svg);
    const inline = inlineSvg(svg);
    expect(inline).not.toContain("<!DOCTYPE");
    expect(inline).not.toContain("<?xml");
    expect(inline).toMatch(/^<!-- Generated by graphviz/);
  });
});

describe("meshfed graph", () => {
  it.each([
    ["mermaid", /^flowchart LR\n/],
    ["dot", /^digraph "nrc" \{\n/],
    ["svg", /^<\?xml[\s\S]*<\/svg>\n$/],
    ["json", /^\{\n {2}"federation": "nrc",/],
  ])("-o %s", async (format, shape) => {
    const r = await runCli(["graph", "examples/nrc/federation.yaml", "-o", format], repoRoot);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(shape);
  });

  it("writes Mermaid by default", async () => {
    const r = await runCli(["graph", "examples/nrc/federation.yaml"], repoRoot);
    expect(r.stdout).toBe(graphToMermaid(buildFederationGraph(example)));
  });

  it("refuses an unknown format and an unreadable file (exit 2)", async () => {
    const bad = await runCli(["graph", "examples/nrc/federation.yaml", "-o", "png"], repoRoot);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("-o png is not supported here; use mermaid, dot, svg, json");
    const invalid = await runCli(["graph", "test/graph/no-such.yaml"], repoRoot);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain("cannot read test/graph/no-such.yaml: no such file");
  });

  it("reports an invalid federation with its diagnostics and draws nothing", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const dir = mkdtempSync(join((await import("node:os")).tmpdir(), "meshfed-graph-"));
    writeFileSync(join(dir, "f.yaml"), minimal.replace("operations/vault/vault", "nowhere/vault/vault"));
    const r = await runCli(["graph", "f.yaml"], dir);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/f\.yaml:\d+:\d+: error MF1\d{3}/);
    expect(r.stderr).toContain("f.yaml: no graph (1 error");
  });
});

describe("--help", () => {
  it.each([
    ["graph", ["-o, --output <format>", "mermaid (for Markdown), dot (Graphviz), svg"]],
    ["report", ["--out <file>", "--scenario <dir>", "--mesh <name[=path]>", "--diff", "--live <name=kubeconfig[#context]>"]],
  ])("%s --help", async (command, parts) => {
    const r = await runCli([command, "--help"], repoRoot);
    expect(r.code).toBe(0);
    for (const p of parts) expect(r.stdout).toContain(p);
    expect(r.stdout).toContain("Exit codes:");
  });
});

describe("docs/federation-graph.svg", () => {
  it("is the example's current graph (regenerate with `npm run docs:graph`)", async () => {
    const r = await runCli(["graph", "examples/nrc/federation.yaml", "-o", "svg"], repoRoot);
    expect(readFileSync(join(repoRoot, "docs/federation-graph.svg"), "utf8")).toBe(r.stdout);
  });
});

describe("graph --mesh NAME", () => {
  it("keeps the mesh, its edges, and only the services and callers at their other ends", async () => {
    const r = await runCli(["graph", "examples/nrc/federation.yaml", "--mesh", "staging", "-o", "json"], repoRoot);
    expect(r.code).toBe(0);
    const g = JSON.parse(r.stdout);
    expect(g.meshes.map((m: { name: string }) => m.name)).toEqual(["operations", "staging"]);
    expect(g.meshes[0].services).toEqual([]);
    expect(g.edges.map((e: { from: string; to: string }) => `${e.from} -> ${e.to}`).sort()).toEqual([
      "sa:operations/observability/grafana -> svc:staging/monitoring/metrics-api",
      "sa:operations/vault/vault -> svc:staging/monitoring/metrics-api",
    ]);
  });

  it("an unknown mesh is a usage error", async () => {
    const r = await runCli(["graph", "examples/nrc/federation.yaml", "--mesh", "moon"], repoRoot);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--mesh moon: no such mesh; meshes: operations, staging, production");
  });
});
