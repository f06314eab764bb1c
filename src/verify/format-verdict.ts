import type { ExposureEntry, ProbeSpec, ProbeVerdict, Scenario, Verdict } from "./types.js";
import type { ProbeResult } from "./verify-scenario.js";

/** A probe's verdict with keys in the documented order (conformance/README.md). */
function orderedProbe(p: ProbeVerdict): unknown {
  const hop = (h: any) =>
    h.at === "client"
      ? { at: h.at, mesh: h.mesh, cluster: h.cluster, tls: h.tls, sni: h.sni, sans: h.sans, endpoint: h.endpoint }
      : h.at === "gateway" || h.at === "egress" // meshfed-egress
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

const LINE_SEPARATORS = /[\u2028\u2029]/;

/** U+2028 and U+2029 escaped as Go's encoder does (JSON.stringify leaves them). */
function escapeLineSeparators(json: string): string {
  // A search is much cheaper than a replace over megabytes of output, and these are rare; a
  // pattern test gives up at once on a one-byte string, where includes() widens a copy of it.
  if (!LINE_SEPARATORS.test(json)) return json;
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
  return `${e.mesh} ${e.host}:${e.port} admits [${sorted(e.admits).join(", ")}]`;
}

/** A list of strings in sort order: the list itself when it already is (verify's exposure lists are built sorted), else a sorted copy. */
function sorted(list: readonly string[]): readonly string[] {
  for (let i = 1; i < list.length; i++) if (list[i - 1]! > list[i]!) return [...list].sort();
  return list;
}

/** Where one probe's verdict differs from its `expect*` fields. */
function probeMismatches(p: ProbeSpec, got: ProbeVerdict): Mismatch[] {
  if (p.expect && p.expect !== got.verdict)
    return [{ probe: p.name, message: `expected ${p.expect}, got ${got.verdict}${got.deniedAt ? ` at ${got.deniedAt} (${got.reason})` : ""}` }];
  const out: Mismatch[] = [];
  if (p.expect === "deny") {
    if (p.expectDeniedAt && p.expectDeniedAt !== got.deniedAt)
      out.push({ probe: p.name, message: `expected deny at ${p.expectDeniedAt}, got deny at ${got.deniedAt}` });
    if (p.expectReason && p.expectReason !== got.reason) out.push({ probe: p.name, message: `expected reason ${p.expectReason}, got ${got.reason}` });
  }
  return out;
}

/** Where the exposure differs from the scenario's `expectExposure` (none when it has none). */
function exposureMismatches(scenario: Scenario, exposure: readonly ExposureEntry[]): Mismatch[] {
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

/**
 * Text report: one line per probe with the verdict (allow or deny, and where) apart from
 * whether it met the probe's expectation (✓ met, × NOT MET, - none), the exposure, and the
 * expectations not met. The CLI prints the overall result last (verifyResultLine).
 */
export function formatVerdictText(scenario: Scenario, v: Verdict, whys: readonly (string | null)[], mismatches: readonly Mismatch[]): string {
  const missed = new Set(mismatches.map((m) => m.probe));
  const verdictOf = (p: ProbeVerdict) => (p.deniedAt ? `deny at ${p.deniedAt} (${p.reason})` : p.verdict);
  const width = Math.max(5, ...v.probes.map((p) => p.name.length));
  const verdictWidth = Math.max(7, ...v.probes.map((p) => verdictOf(p).length));
  const lines: string[] = [`Probes\n  ${"probe".padEnd(width)}  ${"verdict".padEnd(verdictWidth)}  expectation`];
  v.probes.forEach((p, i) => {
    const exp = scenario.probes[i]?.expect;
    const met = !exp ? "-" : missed.has(p.name) ? `× NOT MET (expected ${exp})` : `✓ met (${exp})`;
    lines.push(`  ${p.name.padEnd(width)}  ${verdictOf(p).padEnd(verdictWidth)}  ${met}`.trimEnd());
    const why = whys[i];
    if (why) lines.push(`      ${why}`);
  });
  lines.push("", "Exposure (what each east-west gateway routes, and whom the destination admits)");
  if (v.exposure.length === 0) lines.push("  (nothing)");
  for (const e of v.exposure) lines.push(`  ${e.mesh}: ${e.host}:${e.port} admits ${e.admits.length === 0 ? "nobody" : e.admits.join(", ")}`);
  if (mismatches.length > 0) {
    lines.push("", `Expectations not met (${mismatches.length})`);
    for (const m of mismatches) lines.push(`  × ${m.probe ? `${m.probe}: ` : ""}${m.message}`);
  }
  return `${lines.join("\n")}\n`;
}

/** The last line of verify's text: findings first, then expectations, then what it means. */
export function verifyResultLine(
  findings: { errors: number; warnings: number; suppressed: number },
  expectations: { total: number; missed: number },
  failed: boolean,
): string {
  const f = `${findings.errors} error${findings.errors === 1 ? "" : "s"}, ${findings.warnings} warning${findings.warnings === 1 ? "" : "s"}${findings.suppressed > 0 ? `, ${findings.suppressed} suppressed` : ""}`;
  const e =
    expectations.total === 0
      ? "no expectations"
      : expectations.missed === 0
        ? `all ${expectations.total} expectations met`
        : `${expectations.missed} of ${expectations.total} expectations NOT MET`;
  return `Result: ${failed ? "FAIL" : "PASS"} — findings: ${f}; ${e}\n`;
}
