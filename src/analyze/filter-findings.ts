import type { Severity } from "../diagnostics/codes.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";

/** A `--suppress CODE=RESOURCE` rule; RESOURCE is `mesh/Kind/namespace/name`, `*` matching any part. */
export interface Suppression {
  readonly code: string;
  readonly resource: string;
}

/** Parses `CODE=RESOURCE`; returns an error message for a malformed rule. */
export function parseSuppression(text: string): Suppression | string {
  const eq = text.indexOf("=");
  const code = eq >= 0 ? text.slice(0, eq) : text;
  const resource = eq >= 0 ? text.slice(eq + 1) : "*";
  if (!/^MF\d{4}$/.test(code) && code !== "*")
    return `--suppress ${text}: expected CODE=mesh/Kind/namespace/name (e.g. MF3209=production/AuthorizationPolicy/istio-system/*)`;
  if (resource !== "*" && resource.split("/").length !== 4) return `--suppress ${text}: the resource is mesh/Kind/namespace/name, with * for any part`;
  return { code, resource };
}

/** `mesh/Kind/namespace/name` of a finding's resource (`mesh/mesh/-/-` for a mesh-wide finding). */
export function resourceKey(d: Diagnostic): string {
  const m = /^([^:]+): (\S+) ([^/\s]+)\/(\S+)$/.exec(d.resource ?? "");
  if (m) return `${m[1]}/${m[2]}/${m[3]}/${m[4]}`;
  const mesh = /^([^:]+): mesh$/.exec(d.resource ?? "");
  return mesh ? `${mesh[1]}/mesh/-/-` : "-/-/-/-";
}

function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split("*")
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );
  return re.test(value);
}

export function isSuppressed(d: Diagnostic, rules: readonly Suppression[]): boolean {
  return rules.some((r) => (r.code === "*" || r.code === d.code) && (r.resource === "*" || globMatch(r.resource, resourceKey(d))));
}

const rank: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

/** Whether findings at or above the threshold remain (the CLI then exits 4). */
export function exceedsThreshold(findings: readonly Diagnostic[], threshold: Severity): boolean {
  return findings.some((d) => rank[d.severity] >= rank[threshold]);
}
