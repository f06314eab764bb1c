import { describe, expect, it } from "vitest";
import { compileFederation } from "../../src/compile/compile-federation.js";
import { diagnostic } from "../../src/diagnostics/diagnostic.js";
import { parseFederation } from "../../src/model/parse-federation.js";
import { planFederation } from "../../src/plan/plan.js";
import { auditHeadline, type ReportVerification } from "../../src/report/audit-headline.js";
import { reachabilityMatrix } from "../../src/report/reachability.js";
import { escapeHtml, renderReportHtml } from "../../src/report/render-html.js";
import type { ProbeSpec, ProbeVerdict } from "../../src/verify/types.js";
import { exampleText } from "../helpers/fixtures.js";

const federation = parseFederation(exampleText, "federation.yaml").federation!;
const plan = planFederation(federation, compileFederation(federation).compiled!);

const probe = (name: string, mesh: string): ProbeSpec => ({
  name,
  from: { mesh, namespace: "ns", serviceAccount: "sa", labels: {} },
  to: { host: "h", port: 1 },
});
const allowedAt = (name: string, mesh: string): ProbeVerdict => ({
  name,
  verdict: "allow",
  deniedAt: null,
  reason: null,
  hops: [
    { at: "client", mesh: "operations", cluster: null, tls: "ISTIO_MUTUAL", sni: null, sans: [], endpoint: null },
    { at: "server", mesh, workload: "w", peer: null, authz: "allow" },
  ],
});
const deniedAtClient = (name: string): ProbeVerdict => ({
  name,
  verdict: "deny",
  deniedAt: "client",
  reason: "MF3001",
  hops: [{ at: "client", mesh: "operations", cluster: null, tls: "NONE", sni: null, sans: [], endpoint: null }],
});

function verification(over: Partial<ReportVerification> = {}): ReportVerification {
  return {
    source: "scenario s",
    meshes: ["operations", "production"],
    probes: [probe("a", "operations"), probe("b", "operations"), probe("c", "operations")],
    derivedProbes: false,
    verdict: { probes: [allowedAt("a", "production"), deniedAtClient("b"), allowedAt("c", "production")], exposure: [] },
    whys: [null, "no route", null],
    findings: [],
    mismatches: [],
    ...over,
  };
}

describe("reachabilityMatrix", () => {
  it("counts probes by calling mesh and by the mesh that answered, early denials apart", () => {
    const v = verification();
    expect(reachabilityMatrix(v.meshes, v.probes, v.verdict)).toEqual({
      columns: ["operations", "production", "denied early"],
      rows: [
        { from: "operations", cells: [null, { allowed: 2, total: 2 }, { allowed: 0, total: 1 }] },
        { from: "production", cells: [null, null, null] },
      ],
    });
  });
});

describe("auditHeadline", () => {
  it.each([
    [undefined, "not-audited", /^Not audited: this page shows what federation nrc intends/],
    [verification(), "pass", /^Audit passed: .*; 3 probes \(2 allowed\), 0 errors, 0 warnings\.$/],
    [
      verification({
        findings: [diagnostic("MF3211", { subject: "s", workload: "w", targetPort: 80, host: "h", port: 80, mode: "PERMISSIVE", defaulted: true })],
      }),
      "pass",
      /1 warning\.$/,
    ],
    [
      verification({ findings: [diagnostic("MF3220", { principal: "p", mesh: "m", host: "h", port: 80, probe: "a", fromMesh: "o", fromNamespace: "n" })] }),
      "fail",
      /^Audit failed: .*1 error, 0 warnings\.$/,
    ],
    [verification({ mismatches: [{ probe: "a", message: "expected deny, got allow" }] }), "fail", /1 unmet expectation\.$/],
  ])("%#", (v, status, text) => {
    const h = auditHeadline("nrc", v);
    expect(h.status).toBe(status);
    expect(h.text).toMatch(text);
  });
});

describe("renderReportHtml", () => {
  it("escapes every value that comes from input: a finding cannot inject markup", () => {
    const evil = '<script>alert("x")</script>';
    const html = renderReportHtml({
      plan,
      graphSvg: "<svg></svg>",
      version: "0.1.0",
      inputs: [{ role: "federation", file: `a${evil}.yaml`, sha256: "0".repeat(64) }],
      verification: verification({
        findings: [
          diagnostic(
            "MF3220",
            { principal: evil, mesh: "m", host: "h", port: 80, probe: "a", fromMesh: `fix & ${evil}`, fromNamespace: "n" },
            { resource: evil },
          ),
        ],
        whys: [null, evil, null],
      }),
    });
    expect(html).not.toContain("<script");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(html).toContain("fix &amp; &lt;script&gt;");
  });

  it("escapeHtml covers the five characters that matter in content and attributes", () => {
    expect(escapeHtml(`&<>"'`)).toBe("&amp;&lt;&gt;&quot;&#39;");
  });

  it("without verification has no reachability or findings section, and links only inside the page", () => {
    const html = renderReportHtml({ plan, graphSvg: "<svg></svg>", version: "0.1.0", inputs: [] });
    expect(html).not.toContain('id="reachability"');
    expect(html).not.toContain('id="findings"');
    expect([...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1])).toEqual(["#graph", "#meshes", "#plan", "#inputs"]);
  });
});
