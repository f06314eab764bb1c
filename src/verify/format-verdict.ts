import type { ExposureEntry, Hop, ProbeSpec, ProbeVerdict, Scenario, Verdict } from "./types.js";
import { mapIn } from "../util/maps.js";

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

/** JSON.stringify(value, null, 2) as it reads nested `depth` levels deep in an indented document. */
function nestedJson(value: unknown, depth: number): string {
  return JSON.stringify(value, null, 2).replace(/\n/g, `\n${"  ".repeat(depth)}`);
}

/**
 * Characters JSON.stringify escapes (quote, backslash, controls; surrogates, which it escapes
 * when lone), and U+2028 and U+2029, which Go's encoder escapes.
 */
const needsEscape = /["\\\u0000-\u001f\u2028\u2029\ud800-\udfff]/;

/** A string or null as Go's encoder writes it. */
function str(v: unknown): string {
  if (v === null) return "null";
  if (typeof v !== "string") throw new TypeError("not a string");
  return needsEscape.test(v) ? escapeLineSeparators(JSON.stringify(v)) : `"${v}"`;
}

/** Client hops are shared between probes (a client route serves a namespace): each is written once. */
const clientHopJson = new WeakMap<object, string>();
/** Hop JSON that repeats between probes, by mesh: gateway hops by matched chain, the start of server hops by workload. */
interface HopCaches {
  readonly gateway: Map<string, Map<string | null, string>>;
  readonly server: Map<string, Map<string, string>>;
}

const I4 = "\n          ";

/** A hop as JSON.stringify(orderedHop, null, 2) writes it four levels deep. */
function hopJson(h: Hop, caches: HopCaches): string {
  if (h.at === "client") {
    let hit = clientHopJson.get(h);
    if (hit === undefined) {
      let sans = "[]";
      if (h.sans.length > 0) {
        sans = "[";
        for (let k = 0; k < h.sans.length; k++) sans += `${k === 0 ? "" : ","}\n            ${str(h.sans[k])}`;
        sans += "\n          ]";
      }
      // Joined rather than concatenated: the cached string is flat, not a tree of pieces kept alive.
      hit = [`{${I4}"at": "client",${I4}"mesh": `, str(h.mesh), `,${I4}"cluster": `, str(h.cluster), `,${I4}"tls": `, str(h.tls), `,${I4}"sni": `, str(h.sni), `,${I4}"sans": `, sans, `,${I4}"endpoint": `, str(h.endpoint), "\n        }"].join("");
      clientHopJson.set(h, hit);
    }
    return hit;
  }
  if (h.at === "gateway") {
    const byMatched = mapIn(caches.gateway, h.mesh);
    let hit = byMatched.get(h.matched);
    if (hit === undefined) {
      hit = [`{${I4}"at": "gateway",${I4}"mesh": `, str(h.mesh), `,${I4}"matched": `, str(h.matched), "\n        }"].join("");
      byMatched.set(h.matched, hit);
    }
    return hit;
  }
  // The part up to the peer repeats per mesh and workload: each distinct one is written once.
  const byWorkload = mapIn(caches.server, h.mesh);
  let head = byWorkload.get(h.workload);
  if (head === undefined) {
    head = [`{${I4}"at": "server",${I4}"mesh": `, str(h.mesh), `,${I4}"workload": `, str(h.workload), `,${I4}"peer": `].join("");
    byWorkload.set(h.workload, head);
  }
  return `${head}${str(h.peer)},${I4}"authz": ${word(h.authz)}\n        }`;
}

/** str(v) for the few values a verdict's own fields take (allow, deny, hop names, MF30xx codes), without a search. */
function word(v: unknown): string {
  switch (v) {
    case null:
      return "null";
    case "allow":
      return '"allow"';
    case "deny":
      return '"deny"';
    case "client":
      return '"client"';
    case "gateway":
      return '"gateway"';
    case "server":
      return '"server"';
    case "trust":
      return '"trust"';
    default:
      return str(v);
  }
}

/**
 * A probe's verdict as nestedJson(orderedProbe(p), 2) writes it (U+2028 and U+2029 escaped),
 * built directly for the documented shape (most of a large verify's output); anything else
 * goes through JSON.stringify.
 */
function probeJson(p: ProbeVerdict, caches: HopCaches): string {
  try {
    const hops = p.hops;
    let h = "[]";
    if (hops.length > 0) {
      h = `[\n        ${hopJson(hops[0]!, caches)}`;
      for (let k = 1; k < hops.length; k++) h += `,\n        ${hopJson(hops[k]!, caches)}`;
      h += "\n      ]";
    }
    return `{\n      "name": ${str(p.name)},\n      "verdict": ${word(p.verdict)},\n      "deniedAt": ${word(p.deniedAt)},\n      "reason": ${str(p.reason)},\n      "hops": ${h}\n    }`;
  } catch {
    return escapeLineSeparators(nestedJson(orderedProbe(p), 2));
  }
}

/**
 * Writes goJson({ ...orderedVerdict(verdict), findings }) piece by piece: each probe as soon
 * as it is decided, then the exposure and the findings. A large run need not keep every
 * probe's verdict until the end, nor build the whole document as one string.
 */
export class VerdictJsonWriter {
  private buffer = "";
  private probes = 0;
  private readonly hopCaches: HopCaches = { gateway: new Map(), server: new Map() };

  constructor(private readonly write: (chunk: string) => void) {}

  probe(p: ProbeVerdict): void {
    this.buffer += `${this.probes++ === 0 ? '{\n  "probes": [\n    ' : ",\n    "}${probeJson(p, this.hopCaches)}`;
    if (this.buffer.length >= 1 << 16) this.flush();
  }

  end(exposure: readonly ExposureEntry[], findings: readonly unknown[]): void {
    this.buffer += this.probes === 0 ? '{\n  "probes": [],\n' : "\n  ],\n";
    this.buffer += `  "exposure": ${escapeLineSeparators(nestedJson(orderedExposure(exposure), 1))},\n`;
    this.buffer += `  "findings": ${escapeLineSeparators(nestedJson(findings, 1))}\n}\n`;
    this.flush();
  }

  private flush(): void {
    if (this.buffer) this.write(this.buffer);
    this.buffer = "";
  }
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
