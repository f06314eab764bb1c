import type { Plan } from "../plan/plan.js";
import { auditHeadline, type ReportVerification } from "./audit-headline.js";
import { reachabilityMatrix } from "./reachability.js";

/** An input file of the report and the SHA-256 of its text (UTF-8). */
export interface InputDigest {
  /** `federation`, `scenario` or `mesh <name>`. */
  readonly role: string;
  readonly file: string;
  readonly sha256: string;
}

/** Everything the report page shows; the page is a pure function of it. */
export interface ReportInput {
  readonly plan: Plan;
  /** The federation graph as inline SVG (no XML declaration or DOCTYPE). */
  readonly graphSvg: string;
  readonly version: string;
  readonly inputs: readonly InputDigest[];
  readonly verification?: ReportVerification;
}

/** Text for HTML content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

const e = escapeHtml;

function table(headers: readonly string[], rows: readonly (readonly string[])[], className = ""): string {
  if (rows.length === 0) return "";
  const head = headers.map((h) => `<th scope="col">${e(h)}</th>`).join("");
  // Cells arrive escaped (some hold markup such as <code>), so they are not escaped twice.
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("\n");
  return `<table${className ? ` class="${className}"` : ""}><thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table>`;
}

// Long values (SPIFFE IDs, FQDNs, paths) may break anywhere so tables fit the page; short ones
// (namespaces, ports) keep whole so their columns stay readable.
const code = (s: string) => (s.length > 24 ? `<code class="long">${e(s)}</code>` : `<code>${e(s)}</code>`);

// Everything inline: the page must read the same from file://, from a mail attachment or on paper.
const css = `
:root { color-scheme: light; --fg: #1a1a1a; --muted: #555; --line: #c8c8c8; --pass: #0b6b2b; --fail: #a50e0e; --none: #6b4e00; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--fg); margin: 0 auto; max-width: 1200px; padding: 1.5rem; }
h1 { font-size: 1.5rem; margin: 0 0 .5rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem; }
h3 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
code { font: 12.5px/1.3 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
code.long { overflow-wrap: anywhere; }
table.probes td:first-child { width: 34%; }
table.findings td:nth-child(2) { width: 26%; }
table.findings td:nth-child(3) { width: 38%; }
.verdict { font-size: 1.05rem; font-weight: 600; padding: .6rem .8rem; border: 2px solid; border-radius: 6px; margin: .5rem 0 1rem; }
.verdict.pass { color: var(--pass); border-color: var(--pass); background: #eef8f1; }
.verdict.fail { color: var(--fail); border-color: var(--fail); background: #fdf0f0; }
.verdict.not-audited { color: var(--none); border-color: var(--none); background: #fdf8e8; }
nav ul { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: .3rem 1.2rem; }
.muted { color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; }
th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
thead th { background: #f2f2f2; }
td.num, th.num { text-align: right; }
.allow { color: var(--pass); font-weight: 600; }
.deny { color: var(--fail); font-weight: 600; }
.sev-error { color: var(--fail); font-weight: 600; }
.sev-warning { color: var(--none); font-weight: 600; }
figure.graph { margin: 0; overflow-x: auto; }
figure.graph svg { max-width: 100%; height: auto; }
ul.settings { margin: .2rem 0 1rem; padding-left: 1.2rem; }
footer { margin-top: 2rem; font-size: .85rem; color: var(--muted); }
@page { size: A4; margin: 14mm; }
@media print {
  body { font-size: 10.5pt; max-width: none; padding: 0; }
  nav { display: none; }
  h2 { break-after: avoid-page; }
  table, figure.graph, .verdict { break-inside: avoid-page; }
  tr { break-inside: avoid; }
  thead { display: table-header-group; }
  .verdict, thead th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}`;

function meshSections(plan: Plan): string {
  return plan.meshes
    .map((m) => {
      const exposes =
        m.exposes.length === 0
          ? `<p class="muted">Exposes nothing to other meshes.</p>`
          : table(
              ["service", "host", "ports", "admits"],
              m.exposes.map((x) => [code(x.service), code(x.host), e(x.ports.join(", ")), x.admits.map(code).join("<br>")]),
              "exposes",
            );
      const imports =
        m.imports.length === 0
          ? `<p class="muted">Imports nothing.</p>`
          : table(
              ["namespace", "dials", "VIP", "ports", "from", "via", "verifies"],
              m.imports.map((i) => [
                code(i.namespace),
                code(i.alias),
                code(i.vip),
                e(i.ports.join(", ")),
                code(i.from),
                `${code(i.endpoint)} ${e(i.resolution)}`,
                code(i.serverIdentity),
              ]),
              "imports",
            );
      const gw = m.eastWestGateway ? `, east-west gateway ${code(m.eastWestGateway)}` : "";
      return `<section class="mesh" id="mesh-${e(m.mesh)}">
<h3>Mesh ${e(m.mesh)}</h3>
<p class="muted">trust domain ${code(m.trustDomain)}, cluster ${code(m.clusterName)}, network ${code(m.network)}${gw}</p>
<h4>Exposes</h4>
${exposes}
<h4>Imports</h4>
${imports}
</section>`;
    })
    .join("\n");
}

function verificationSections(v: ReportVerification): string {
  const matrix = reachabilityMatrix(v.meshes, v.probes, v.verdict);
  const matrixTable = `<table class="matrix"><caption class="muted">allowed/probes; rows call, columns answer</caption>
<thead><tr><th scope="col">from \\ to</th>${matrix.columns.map((c) => `<th scope="col" class="num">${e(c)}</th>`).join("")}</tr></thead>
<tbody>
${matrix.rows.map((r) => `<tr><th scope="row">${e(r.from)}</th>${r.cells.map((c) => `<td class="num">${c ? `${c.allowed}/${c.total}` : "–"}</td>`).join("")}</tr>`).join("\n")}
</tbody></table>`;
  const probes = table(
    ["probe", "verdict", "denied at", "why"],
    v.verdict.probes.map((p, i) => [
      code(p.name),
      `<span class="${p.verdict}">${p.verdict}</span>`,
      p.deniedAt ? e(`${p.deniedAt} (${p.reason ?? ""})`) : "",
      e(v.whys[i] ?? ""),
    ]),
    "probes",
  );
  const exposure = table(
    ["mesh", "host", "port", "admits"],
    v.verdict.exposure.map((x) => [e(x.mesh), code(x.host), e(String(x.port)), x.admits.map(code).join("<br>")]),
    "exposure",
  );
  const findings =
    v.findings.length === 0
      ? `<p>No findings.</p>`
      : table(
          ["code", "resource and where", "finding", "fix"],
          v.findings.map((f) => [
            `${code(f.code)}<br><span class="sev-${f.severity}">${f.severity}</span>`,
            [f.resource ? code(f.resource) : "", f.position ? code(`${f.position.file}:${f.position.line}:${f.position.column}`) : ""]
              .filter(Boolean)
              .join("<br>"),
            e(f.message),
            e(f.fix),
          ]),
          "findings",
        );
  const mismatches =
    v.mismatches.length === 0
      ? ""
      : `<h3>Unmet expectations</h3>\n<ul>${v.mismatches.map((m) => `<li>${m.probe ? `${code(m.probe)}: ` : ""}${e(m.message)}</li>`).join("")}</ul>`;
  return `<section id="reachability">
<h2>Reachability</h2>
<p class="muted">Verified ${e(v.source)}: ${v.probes.length} probe${v.probes.length === 1 ? "" : "s"}${v.derivedProbes ? " derived from the imports (every workload calls every import visible to it)" : " from the scenario"}.</p>
${matrixTable}
<h3>Probes</h3>
${probes || `<p class="muted">No probes.</p>`}
<h3>Exposure through the east-west gateways</h3>
${exposure || `<p class="muted">No mesh exposes anything.</p>`}
</section>
<section id="findings">
<h2>Findings</h2>
${findings}
${mismatches}
</section>`;
}

function planSection(plan: Plan): string {
  return plan.meshes
    .map(
      (m) => `<h3>Mesh ${e(m.mesh)}</h3>
<p>${m.resources.length} resource${m.resources.length === 1 ? "" : "s"} to apply:</p>
${table(
  ["kind", "namespace", "name"],
  m.resources.map((r) => [e(r.kind), code(r.namespace), code(r.name)]),
  "resources",
)}
<p>Install-time settings:</p>
<ul class="settings">${m.install.map((s) => `<li>${code(s)}</li>`).join("")}</ul>`,
    )
    .join("\n");
}

/**
 * The report as one self-contained HTML page: inline CSS and SVG, no script, and a Content
 * Security Policy that forbids the page from loading anything. No clock, no randomness: the
 * same input gives the same bytes.
 */
export function renderReportHtml(input: ReportInput): string {
  const { plan } = input;
  const headline = auditHeadline(plan.federation, input.verification);
  const nav = [
    ["graph", "Graph"],
    ["meshes", "Meshes"],
    ...(input.verification
      ? [
          ["reachability", "Reachability"],
          ["findings", "Findings"],
        ]
      : []),
    ["plan", "Plan"],
    ["inputs", "Inputs"],
  ];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="meshfed ${e(input.version)}">
<title>meshfed report: federation ${e(plan.federation)}</title>
<style>${css}
</style>
</head>
<body>
<header>
<h1>Federation ${e(plan.federation)}</h1>
<p class="verdict ${headline.status}" id="verdict">${e(headline.text)}</p>
<nav><ul>${nav.map(([id, title]) => `<li><a href="#${id}">${title}</a></li>`).join("")}</ul></nav>
</header>
<main>
<section id="graph">
<h2>Graph</h2>
<p class="muted">Meshes as boxes; exported services (rounded boxes) and consumer identities (ellipses) inside their mesh; one arrow per consumer, labelled with the ports it may call.</p>
<figure class="graph">
${input.graphSvg}
</figure>
</section>
<section id="meshes">
<h2>Meshes: what each exposes to whom and imports</h2>
${meshSections(plan)}
</section>
${input.verification ? verificationSections(input.verification) : ""}
<section id="plan">
<h2>Plan</h2>
${planSection(plan)}
</section>
<section id="inputs">
<h2>Inputs</h2>
${table(
  ["role", "file", "SHA-256"],
  input.inputs.map((i) => [e(i.role), code(i.file), code(i.sha256)]),
  "inputs",
)}
</section>
</main>
<footer>Generated by meshfed ${e(input.version)}. This page loads nothing: no scripts, fonts or images from elsewhere.</footer>
</body>
</html>
`;
}
