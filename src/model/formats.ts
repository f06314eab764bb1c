import type { Code } from "../diagnostics/codes.js";
import { isIP } from "node:net";

/**
 * The string formats the schema names. Each check returns `undefined` when the value is
 * fine, or the diagnostic code and the reason when it is not. Pure and shared by the parser,
 * the semantic rules and the compiler.
 */

export interface FormatProblem {
  readonly code: Code;
  readonly reason: string;
  readonly fix: string;
}

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_KEY_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
const TRUST_DOMAIN = /^[a-z0-9._-]+$/;

export function isDns1123Label(value: string): boolean {
  return value.length <= 63 && LABEL.test(value);
}

export function isDns1123Subdomain(value: string): boolean {
  return value.length <= 253 && value.split(".").every((part) => isDns1123Label(part));
}

function labelProblem(value: string): FormatProblem | undefined {
  if (isDns1123Label(value)) return undefined;
  const fixed = suggestLabel(value);
  return {
    code: "MF1007",
    reason:
      value.length > 63
        ? `is ${value.length} characters long (at most 63)`
        : "is not a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit)",
    fix: fixed && fixed !== value ? `use a DNS-1123 label such as "${fixed}"` : "use a DNS-1123 label",
  };
}

/** Lower-cases and replaces invalid characters, for "did you mean" style fixes. */
function suggestLabel(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63);
}

function hostProblem(value: string): FormatProblem | undefined {
  if (value.includes("*")) {
    return {
      code: "MF1008",
      reason: "is a wildcard host",
      fix: "name one exact host; wildcards expose every matching service",
    };
  }
  if (isDns1123Subdomain(value)) return undefined;
  return {
    code: "MF1008",
    reason: "is not a DNS-1123 host name (lower-case labels separated by dots)",
    fix: `use a host name such as "${value.toLowerCase().replace(/[^a-z0-9.-]+/g, "-")}"`,
  };
}

function addressProblem(value: string): FormatProblem | undefined {
  if (isIP(value) !== 0) return undefined;
  if (/^[0-9.]+$/.test(value)) {
    return {
      code: "MF1008",
      reason: "is not a valid IPv4 address",
      fix: "write four numbers from 0 to 255 separated by dots, or a DNS name",
    };
  }
  return hostProblem(value);
}

function refProblem(value: string, what: "service-ref" | "principal"): FormatProblem | undefined {
  const code = what === "service-ref" ? "MF1010" : "MF1011";
  const example = what === "service-ref" ? "production/db/postgres" : "operations/vault/vault";
  const shape = what === "service-ref" ? "mesh/namespace/name" : "mesh/namespace/serviceAccount";
  const parts = value.split("/");
  if (value.includes("*")) {
    return { code, reason: "contains a wildcard", fix: `name one ${shape}, for example "${example}"` };
  }
  if (parts.length !== 3) {
    return {
      code,
      reason: `has ${parts.length} part${parts.length === 1 ? "" : "s"}, expected ${shape}`,
      fix: `write it as ${shape}, for example "${example}"`,
    };
  }
  const [mesh = "", ns = "", name = ""] = parts;
  const bad = [mesh, ns].find((p) => !isDns1123Label(p));
  if (bad !== undefined) {
    return { code, reason: `part "${bad}" is not a DNS-1123 label`, fix: `write it as ${shape}, for example "${example}"` };
  }
  if (what === "service-ref" ? !isDns1123Label(name) : !isDns1123Subdomain(name)) {
    return { code, reason: `part "${name}" is not a valid name`, fix: `write it as ${shape}, for example "${example}"` };
  }
  return undefined;
}

function trustDomainProblem(value: string): FormatProblem | undefined {
  if (value.length <= 255 && TRUST_DOMAIN.test(value) && !value.startsWith(".") && !value.endsWith(".")) {
    return undefined;
  }
  const stripped = value.replace(/^spiffe:\/\//, "").replace(/\/.*$/, "").toLowerCase();
  return {
    code: "MF1022",
    reason: "is not a SPIFFE trust domain",
    fix:
      stripped && stripped !== value
        ? `write the bare trust domain, e.g. "${stripped}"`
        : "use lower-case letters, digits, '.', '-' and '_'",
  };
}

function labelKeyProblem(value: string): FormatProblem | undefined {
  const slash = value.lastIndexOf("/");
  const prefix = slash >= 0 ? value.slice(0, slash) : undefined;
  const name = slash >= 0 ? value.slice(slash + 1) : value;
  if ((prefix === undefined || isDns1123Subdomain(prefix)) && name.length <= 63 && LABEL_KEY_NAME.test(name)) {
    return undefined;
  }
  return { code: "MF1024", reason: "is not a valid label key", fix: "use a Kubernetes label key such as \"app\"" };
}

function labelValueProblem(value: string): FormatProblem | undefined {
  if (value.length <= 63 && LABEL_VALUE.test(value)) return undefined;
  return { code: "MF1024", reason: "is not a valid label value", fix: "use at most 63 letters, digits, '-', '_' or '.'" };
}

/** Parses an IPv4 CIDR; undefined when invalid. */
export function parseCidr(value: string): { base: number; bits: number } | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(value);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits < 8 || bits > 30) return undefined;
  const ip = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - bits);
  if (ip % size !== 0) return undefined;
  return { base: ip, bits };
}

function cidrProblem(value: string): FormatProblem | undefined {
  if (parseCidr(value)) return undefined;
  return {
    code: "MF1025",
    reason: "is not an IPv4 CIDR with a prefix from /8 to /30 and no host bits set",
    fix: 'use a range such as "240.241.0.0/16"',
  };
}

const checks: Record<string, (value: string) => FormatProblem | undefined> = {
  "dns1123-label": labelProblem,
  "dns1123-subdomain": (v) =>
    isDns1123Subdomain(v)
      ? undefined
      : { code: "MF1007", reason: "is not a DNS-1123 name", fix: "use lower-case letters, digits, '-' and '.'" },
  host: hostProblem,
  address: addressProblem,
  "service-ref": (v) => refProblem(v, "service-ref"),
  principal: (v) => refProblem(v, "principal"),
  "trust-domain": trustDomainProblem,
  "label-key": labelKeyProblem,
  "label-value": labelValueProblem,
  cidr: cidrProblem,
};

/** Checks a value against a named format; unknown formats pass (they are editor hints). */
export function checkFormat(format: string, value: string): FormatProblem | undefined {
  return checks[format]?.(value);
}
