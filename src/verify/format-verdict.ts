import type { ExposureEntry, ProbeSpec, ProbeVerdict, Scenario, Verdict } from "./types.js";
import type { ProbeResult } from "./verify-scenario.js";

/** A probe's verdict with keys in the documented order (conformance/README.md). */
function orderedProbe(p: ProbeVerdict): unknown {
  const hop = (h: any) =>
    h.at === "client"
      ? { at: h.at, mesh: h.mesh, cluster: h.cluster, tls: h.tls, sni: h.sni, sans: h.sans, endpoint: h.endpoint }
      : h.at === "gateway"
        ? { at: h.at, mesh: h.mesh, matched: h.matched }
        : { at: h.at, mesh: h.mesh, workload: h.workload, peer: h.peer, authz: h.authz };
  return { name: p.name, verdict: p.verdict, deniedAt: p.deniedAt, reason: p.reason, hops: p.hops.map(hop) };
}

function orderedExposure(exposure: readonly ExposureEntry[]): unknown[] {
  return exposure.map((e) => ({ mesh: e.mesh, host: e.host, port: e.port, admits: e.admits }));
}

/** The verdict with keys in the documented order (conformance/README.md). */
export function orderedVerdict(v: Verdict): { probes: unknown[]; exposure: unknown[] } {
  return { probes: v.probes.map(orderedProbe), exposure: orderedExposure(v.exposure) };
}

/** U+2028 and U+2029 escaped as Go's encoder does (JSON.stringify leaves them). */
function escapeLineSeparators(json: string): string {
  // A search is much cheaper than a replace over megabytes of output, and these are rare.
  if (!json.includes("\u2028") && !json.includes("\u2029")) return json;
  return json.replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * JSON as the oracle's Go encoder writes it (HTML escaping off; U+2028 and U+2029 always
 * escaped), so both outputs compare byte for byte; with a trailing newline.
 */
export function goJson(value: unknown): string {
  return `${escapeLineSeparators(JSON.stringify(value, null, 2))}\n`;
}

/** The verdict JSON exactly as documented (key order of conformance/README.md), with a trailing newline. */
export function verdictJson(v: Verdict): string {
  return goJson(orderedVerdict(v));
}

/** A probe or exposure expectation that the verdict does not meet. */
export interface Mismatch {
  readonly probe?: string;
  readonly message: string;
}

function exposureKey(e: ExposureEntry): string {
  return `${e.mesh} ${e.host}:${e.port} admits [${[...e.admits].sort().join(", ")}]`;
}

/** Where one probe's verdict differs from its `expect*` fields. */
export function probeMismatches(p: ProbeSpec, got: ProbeVerdict): Mismatch[] {
  if (p.expect && p.expect !== got.verdict) return [{ probe: p.name, message: `expected ${p.expect}, got ${got.verdict}${got.deniedAt ? ` at ${got.deniedAt} (${got.reason})` : ""}` }];
  const out: Mismatch[] = [];
  if (p.expect === "deny") {
    if (p.expectDeniedAt && p.expectDeniedAt !== got.deniedAt) out.push({ probe: p.name, message: `expected deny at ${p.expectDeniedAt}, got deny at ${got.deniedAt}` });
    if (p.expectReason && p.expectReason !== got.reason) out.push({ probe: p.name, message: `expected reason ${p.expectReason}, got ${got.reason}` });
  }
  return out;
}

/** Where the exposure differs from the scenario's `expectExposure` (none when it has none). */
export function exposureMismatches(scenario: Scenario, exposure: readonly ExposureEntry[]): Mismatch[] {
  if (!scenario.expectExposure) return [];
  const out: Mismatch[] = [];
  const want = scenario.expectExposure.map(exposureKey).sort();
  const got = exposure.map(exposureKey).sort();
  const wantSet = new Set(want);
  const gotSet = new Set(got);
  for (const w of want) if (!gotSet.has(w)) out.push({ message: `expected exposure ${w} is missing` });
  for (const g of got) if (!wantSet.has(g)) out.push({ message: `unexpected exposure ${g}` });
  return out;
}

/** Compares the verdict with the scenario's `expect*` fields. */
export function compareExpectations(scenario: Scenario, v: Verdict): Mismatch[] {
  return [...scenario.probes.flatMap((p, i) => probeMismatches(p, v.probes[i]!)), ...exposureMismatches(scenario, v.exposure)];
}

/** Why a probe was decided as it was, naming the resource and file:line that decided it. */
export function probeWhy(r: ProbeResult): string | null {
  const last = r.decidedBy[r.decidedBy.length - 1];
  return r.why && last && r.verdict.deniedAt !== "trust" ? `${r.why} (${last.kind} ${last.namespace}/${last.name}, ${last.file}:${last.line})` : r.why;
}

/** Text report: one line per probe, a reachability matrix per mesh pair, the exposure, and mismatches. */
export function formatVerdictText(scenario: Scenario, v: Verdict, whys: readonly (string | null)[], mismatches: readonly Mismatch[]): string {
  const lines: string[] = ["Probes"];
  const missed = new Set(mismatches.map((m) => m.probe));
  v.probes.forEach((p, i) => {
    const mark = p.verdict === "allow" ? "✓" : "×";
    const exp = scenario.probes[i]?.expect;
    const bad = missed.has(p.name) ? "  ‼ not as expected" : "";
    lines.push(`  ${mark} ${p.name}: ${p.verdict}${p.deniedAt ? ` at ${p.deniedAt} ${p.reason}` : ""}${exp ? ` (expect ${exp})` : ""}${bad}`);
    const why = whys[i];
    if (why) lines.push(`      ${why}`);
  });
  lines.push("", "Exposure (what each east-west gateway routes, and whom the destination admits)");
  if (v.exposure.length === 0) lines.push("  (nothing)");
  for (const e of v.exposure) lines.push(`  ${e.mesh}: ${e.host}:${e.port} admits ${e.admits.length === 0 ? "nobody" : e.admits.join(", ")}`);
  if (mismatches.length > 0) {
    lines.push("", `${mismatches.length} expectation${mismatches.length === 1 ? "" : "s"} not met`);
    for (const m of mismatches) lines.push(`  × ${m.probe ? `${m.probe}: ` : ""}${m.message}`);
  } else lines.push("", "All expectations met.");
  return `${lines.join("\n")}\n`;
}
