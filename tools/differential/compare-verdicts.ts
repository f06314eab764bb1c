/** The verdict JSON both the oracle and `meshfed verify` print (conformance/README.md). */
export interface VerdictJson {
  readonly probes: readonly ProbeVerdictJson[];
  readonly exposure: readonly ExposureJson[];
}

export interface ProbeVerdictJson {
  readonly name: string;
  readonly verdict: string;
  readonly deniedAt: string | null;
  readonly reason: string | null;
  readonly hops: readonly Record<string, unknown>[];
}

export interface ExposureJson {
  readonly mesh: string;
  readonly host: string;
  readonly port: number;
  readonly admits: readonly string[];
}

/** One field on which the two sides differ. */
export interface Disagreement {
  /** Probe name, or undefined for the exposure and the probe list itself. */
  readonly probe?: string;
  readonly field: "probes" | "verdict" | "hops" | "exposure";
  readonly oracle: string;
  readonly verify: string;
  readonly oracleHops?: readonly Record<string, unknown>[];
  readonly verifyHops?: readonly Record<string, unknown>[];
}

const outcome = (p: ProbeVerdictJson): string => (p.verdict === "allow" ? "allow" : `${p.verdict} at ${p.deniedAt ?? "null"} ${p.reason ?? "null"}`);

/** JSON with object keys sorted, so key order never makes two equal values differ. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

const exposureKey = (e: ExposureJson): string => `${e.mesh} ${e.host}:${e.port} admits ${canonicalJson([...e.admits].sort())}`;

/**
 * Compares two verdicts: per probe (matched by position, names must agree) the verdict,
 * deniedAt and reason, and the exposure as a set. Hop lists are compared only when
 * `hops` is set; they are always attached to a probe disagreement for the report.
 */
export function compareVerdicts(oracle: VerdictJson, verify: VerdictJson, options: { hops?: boolean } = {}): Disagreement[] {
  const out: Disagreement[] = [];
  const oNames = oracle.probes.map((p) => p.name);
  const vNames = verify.probes.map((p) => p.name);
  if (canonicalJson(oNames) !== canonicalJson(vNames)) {
    out.push({ field: "probes", oracle: `${oNames.length} probes`, verify: `${vNames.length} probes (names or order differ)` });
  }
  const n = Math.min(oracle.probes.length, verify.probes.length);
  for (let i = 0; i < n; i++) {
    const o = oracle.probes[i]!;
    const v = verify.probes[i]!;
    if (o.name !== v.name) continue;
    if (o.verdict !== v.verdict || o.deniedAt !== v.deniedAt || o.reason !== v.reason) {
      out.push({ probe: o.name, field: "verdict", oracle: outcome(o), verify: outcome(v), oracleHops: o.hops, verifyHops: v.hops });
    } else if (options.hops && canonicalJson(o.hops) !== canonicalJson(v.hops)) {
      out.push({ probe: o.name, field: "hops", oracle: outcome(o), verify: outcome(v), oracleHops: o.hops, verifyHops: v.hops });
    }
  }
  const oExp = new Set(oracle.exposure.map(exposureKey));
  const vExp = new Set(verify.exposure.map(exposureKey));
  const onlyOracle = [...oExp].filter((k) => !vExp.has(k)).sort();
  const onlyVerify = [...vExp].filter((k) => !oExp.has(k)).sort();
  if (onlyOracle.length > 0 || onlyVerify.length > 0) {
    out.push({
      field: "exposure",
      oracle: onlyOracle.length > 0 ? `only oracle: ${onlyOracle.join("; ")}` : "-",
      verify: onlyVerify.length > 0 ? `only verify: ${onlyVerify.join("; ")}` : "-",
    });
  }
  return out;
}

/** Probes whose hop lists differ although verdict, deniedAt and reason agree. */
export function hopDifferences(oracle: VerdictJson, verify: VerdictJson): string[] {
  const out: string[] = [];
  const n = Math.min(oracle.probes.length, verify.probes.length);
  for (let i = 0; i < n; i++) {
    const o = oracle.probes[i]!;
    const v = verify.probes[i]!;
    if (o.name === v.name && outcome(o) === outcome(v) && canonicalJson(o.hops) !== canonicalJson(v.hops)) out.push(o.name);
  }
  return out;
}

/**
 * Which hop fields differ (`client.cluster`, `gateway.matched`, `hops.length`, …) where the
 * outcomes agree: a summary of the hop disagreements that do not change a verdict.
 */
export function hopFieldDifferences(oracle: VerdictJson, verify: VerdictJson): string[] {
  const out = new Set<string>();
  const n = Math.min(oracle.probes.length, verify.probes.length);
  for (let i = 0; i < n; i++) {
    const o = oracle.probes[i]!;
    const v = verify.probes[i]!;
    if (o.name !== v.name || outcome(o) !== outcome(v)) continue;
    if (o.hops.length !== v.hops.length) out.add("hops.length");
    for (let h = 0; h < Math.min(o.hops.length, v.hops.length); h++) {
      const a = o.hops[h]!;
      const b = v.hops[h]!;
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
        if (canonicalJson(a[key]) !== canonicalJson(b[key])) out.add(`${String(a["at"] ?? b["at"])}.${key}`);
      }
    }
  }
  return [...out].sort();
}

/** What a source scenario expected, by probe name, before it was mutated. */
export interface SourceExpectations {
  readonly probes: ReadonlyMap<string, { readonly expect?: string; readonly expectDeniedAt?: string | null; readonly expectReason?: string | null }>;
  readonly exposure?: readonly ExposureJson[];
}

/**
 * Whether a verdict differs from what the unmutated source expected: a measure of how many
 * mutations changed the truth (a mutation that changes nothing proves little).
 */
export function differsFromExpectations(expected: SourceExpectations, verdict: VerdictJson): boolean {
  for (const p of verdict.probes) {
    const e = expected.probes.get(p.name);
    if (!e || e.expect === undefined) continue;
    if (e.expect !== p.verdict) return true;
    if (e.expectDeniedAt !== undefined && e.expectDeniedAt !== p.deniedAt) return true;
    if (e.expectReason !== undefined && e.expectReason !== p.reason) return true;
  }
  if (expected.exposure) {
    const key = (x: ExposureJson) => `${x.mesh} ${x.host}:${x.port} ${canonicalJson([...x.admits].sort())}`;
    const a = expected.exposure.map(key).sort();
    const b = verdict.exposure.map(key).sort();
    if (canonicalJson(a) !== canonicalJson(b)) return true;
  }
  return false;
}
