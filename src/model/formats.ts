import type { ArgsOf } from "../diagnostics/codes.js";
import { isIP } from "node:net";
import { parseIstioRelease } from "./istio-release.js";

/**
 * The string formats the schema names. Each check returns `undefined` when the value is
 * fine, or the diagnostic code and the reason when it is not. Pure and shared by the parser,
 * the semantic rules and the compiler.
 */

type FormatCode = "MF1007" | "MF1008" | "MF1010" | "MF1011" | "MF1022" | "MF1024" | "MF1025" | "MF1060" | "MF1070" | "MF1090";

/** A failed format: the code and its template arguments but for the field and value, which the caller knows. */
export type FormatProblem = {
  [C in FormatCode]: { readonly code: C; readonly args: Omit<ArgsOf<C>, "field" | "value"> };
}[FormatCode];

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
  return { code: "MF1007", args: { kind: "label", ...(fixed && fixed !== value ? { suggestion: fixed } : {}) } };
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
    return { code: "MF1008", args: { problem: "wildcard" } };
  }
  if (isDns1123Subdomain(value)) return undefined;
  return { code: "MF1008", args: { problem: "not-host" } };
}

function addressProblem(value: string): FormatProblem | undefined {
  if (isIP(value) !== 0) return undefined;
  if (/^[0-9.]+$/.test(value)) {
    return { code: "MF1008", args: { problem: "not-ipv4" } };
  }
  return hostProblem(value);
}

function refProblem(value: string, what: "service-ref" | "principal"): FormatProblem | undefined {
  const code = what === "service-ref" ? "MF1010" : "MF1011";
  const parts = value.split("/");
  if (value.includes("*")) {
    return { code, args: { problem: "wildcard" } };
  }
  if (parts.length !== 3) {
    return { code, args: { problem: "parts" } };
  }
  const [mesh = "", ns = "", name = ""] = parts;
  const bad = [mesh, ns].find((p) => !isDns1123Label(p));
  if (bad !== undefined) {
    return { code, args: { problem: "label", part: bad } };
  }
  if (what === "service-ref" ? !isDns1123Label(name) : !isDns1123Subdomain(name)) {
    return { code, args: { problem: "name", part: name } };
  }
  return undefined;
}

function trustDomainProblem(value: string): FormatProblem | undefined {
  if (value.length <= 255 && TRUST_DOMAIN.test(value) && !value.startsWith(".") && !value.endsWith(".")) {
    return undefined;
  }
  const stripped = value
    .replace(/^spiffe:\/\//, "")
    .replace(/\/.*$/, "")
    .toLowerCase();
  return { code: "MF1022", args: stripped && stripped !== value ? { suggestion: stripped } : {} };
}

function labelKeyProblem(value: string): FormatProblem | undefined {
  const slash = value.lastIndexOf("/");
  const prefix = slash >= 0 ? value.slice(0, slash) : undefined;
  const name = slash >= 0 ? value.slice(slash + 1) : value;
  if ((prefix === undefined || isDns1123Subdomain(prefix)) && name.length <= 63 && LABEL_KEY_NAME.test(name)) {
    return undefined;
  }
  return { code: "MF1024", args: { part: "key" } };
}

function labelValueProblem(value: string): FormatProblem | undefined {
  if (value.length <= 63 && LABEL_VALUE.test(value)) return undefined;
  return { code: "MF1024", args: { part: "value" } };
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
  return { code: "MF1025", args: {} };
}

/** The 128 bits of an IPv6 address (`isIP` already accepted it), or undefined for forms not handled (embedded IPv4). */
function ipv6Bits(value: string): bigint | undefined {
  const halves = value.split("::");
  const groups = (h: string | undefined) => (h ? h.split(":") : []);
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  if ([...head, ...tail].some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const all = halves.length === 2 ? [...head, ...Array(8 - head.length - tail.length).fill("0"), ...tail] : head;
  if (all.length !== 8) return undefined;
  return all.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}

/**
 * A source range as Kubernetes takes it in `loadBalancerSourceRanges` and a NetworkPolicy
 * `ipBlock.cidr`: an IPv4 or IPv6 address, a prefix length, and no bits set after the prefix
 * (the canonical form; returned as `canonical` when the value has host bits).
 */
export function parseSourceCidr(value: string): { family: number; prefix: number; canonical: string } | undefined {
  const slash = value.indexOf("/");
  if (slash < 0) return undefined;
  const address = value.slice(0, slash);
  const prefixText = value.slice(slash + 1);
  const family = isIP(address);
  if (family === 0 || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const width = family === 4 ? 32 : 128;
  if (prefix > width) return undefined;
  let bits: bigint | undefined;
  if (family === 4) bits = address.split(".").reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
  else bits = ipv6Bits(address);
  if (bits === undefined) return undefined;
  const hostMask = (1n << BigInt(width - prefix)) - 1n;
  const base = bits & ~hostMask;
  const text =
    family === 4
      ? [24n, 16n, 8n, 0n].map((s) => String((base >> s) & 255n)).join(".")
      : Array.from({ length: 8 }, (_, i) => ((base >> BigInt(112 - 16 * i)) & 0xffffn).toString(16))
          .join(":")
          .replace(/(^|:)0(:0)+(:|$)/, "::");
  return { family, prefix, canonical: `${(bits & hostMask) === 0n ? address : text}/${prefix}` };
}

function sourceCidrProblem(value: string): FormatProblem | undefined {
  const parsed = parseSourceCidr(value);
  if (!parsed) return { code: "MF1090", args: {} };
  if (parsed.canonical !== value) return { code: "MF1090", args: { canonical: parsed.canonical } };
  return undefined;
}

const checks: Record<string, (value: string) => FormatProblem | undefined> = {
  "dns1123-label": labelProblem,
  "dns1123-subdomain": (v) => (isDns1123Subdomain(v) ? undefined : { code: "MF1007", args: { kind: "subdomain" } }),
  host: hostProblem,
  address: addressProblem,
  "service-ref": (v) => refProblem(v, "service-ref"),
  principal: (v) => refProblem(v, "principal"),
  "trust-domain": trustDomainProblem,
  "label-key": labelKeyProblem,
  "label-value": labelValueProblem,
  cidr: cidrProblem,
  "istio-version": (v) => (parseIstioRelease(v) ? undefined : { code: "MF1070", args: {} }),
  // Istio's cluster ID, written as the topology.istio.io/cluster label value: a non-empty label value.
  "cluster-name": (v) => (v.length > 0 && v.length <= 63 && LABEL_VALUE.test(v) ? undefined : { code: "MF1060", args: {} }),
  "source-cidr": sourceCidrProblem,
};

/** Checks a value against a named format; unknown formats pass (they are editor hints). */
export function checkFormat(format: string, value: string): FormatProblem | undefined {
  return checks[format]?.(value);
}
