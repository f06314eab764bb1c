/** Go durations, shared by istiod's validation (validate-networking.ts) and the CRD rules (crd-rules.ts). */
const durationUnits: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  "\u00b5s": 1_000n,
  "\u03bcs": 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/**
 * A duration as Go's time.ParseDuration reads it (istiod's validation, and CEL's duration() in
 * the CRD rules), in nanoseconds; undefined when Go refuses the text.
 */
export function goDurationNanos(v: unknown): bigint | undefined {
  if (typeof v !== "string") return undefined;
  let rest = v;
  let negative = false;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    negative = rest.startsWith("-");
    rest = rest.slice(1);
  }
  if (rest === "0") return 0n;
  if (rest === "") return undefined;
  let total = 0n;
  const segment = /^([0-9]*)(?:\.([0-9]*))?([^0-9.]+)/;
  while (rest !== "") {
    const m = segment.exec(rest);
    if (!m || (m[1] === "" && (m[2] ?? "") === "")) return undefined;
    const unitName = /^(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/.exec(m[3]!)?.[1];
    if (unitName === undefined) return undefined;
    const unit = durationUnits[unitName]!;
    const frac = m[2] ?? "";
    total += BigInt(m[1] || "0") * unit + (frac === "" ? 0n : (BigInt(frac) * unit) / 10n ** BigInt(frac.length));
    rest = rest.slice(m[1]!.length + (m[2] === undefined ? 0 : frac.length + 1) + unitName.length);
  }
  if (total > 9_223_372_036_854_775_807n) return undefined;
  return negative ? -total : total;
}
