import { byCreation } from "./destination-rule.js";
import { configsOf, selects, type MeshIndex, type Workload } from "./mesh-index.js";
import type { Resource } from "./types.js";

/** What the server's RBAC filters decided, and which policy decided it. */
export interface AuthzDecision {
  readonly allowed: boolean;
  readonly policy: Resource | null;
  readonly why: string;
}

export interface Connection {
  /** The peer's SPIFFE URI, "" for plaintext. */
  readonly principal: string;
  /** Destination (pod) port. */
  readonly port: number;
  /** Whether the inbound chain is HTTP (an HCM) rather than TCP. */
  readonly http: boolean;
}

/** AuthorizationPolicies that apply to a workload: root-namespace policies without selector, and its namespace's. */
const policyCache = new WeakMap<Workload, Resource[]>();

/** The AuthorizationPolicies that apply to a workload, in creation order (memoized per workload). */
export function policiesFor(mesh: MeshIndex, w: Workload): Resource[] {
  const hit = policyCache.get(w);
  if (hit) return hit;
  const computed = computePolicies(mesh, w);
  policyCache.set(w, computed);
  return computed;
}

function computePolicies(mesh: MeshIndex, w: Workload): Resource[] {
  return configsOf(mesh, "AuthorizationPolicy")
    .filter((p) => !p.spec.targetRef && !p.spec.targetRefs)
    .filter((p) => {
      const sel = p.spec.selector?.matchLabels;
      if (p.namespace === mesh.rootNamespace && !sel) return true;
      if (p.namespace !== w.namespace) return false;
      return !sel || selects(Object.fromEntries(Object.entries(sel).map(([k, v]) => [k, String(v)])), w.labels);
    })
    .sort(byCreation);
}

/** Istio's trust-domain bundle rewrite of principals (trustdomain/bundle.go ReplaceTrustDomainAliases). */
export function expandPrincipals(values: readonly string[], bundle: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of values) {
    const parts = p.split("/");
    if (parts.length !== 5 || parts[0] === "*") {
      out.push(p);
      continue;
    }
    const td = parts[0]!;
    if (bundle.includes(td) || td === "cluster.local") {
      const mine: string[] = [];
      for (const b of bundle) {
        const np = td.startsWith("*") && b.endsWith(td.slice(1)) ? p : `${b}/${parts.slice(1).join("/")}`;
        if (!mine.includes(np)) mine.push(np);
      }
      out.push(...mine);
    } else out.push(p);
  }
  return out;
}

/** Istio's string match for authz values: `*` presence, `x*` prefix, `*x` suffix, else exact. */
function glob(value: string, actual: string, prefix = ""): boolean {
  if (value === "*") return actual !== "";
  if (value.endsWith("*")) return actual.startsWith(prefix + value.slice(0, -1));
  if (value.startsWith("*")) return actual.endsWith(value.slice(1));
  return actual === prefix + value;
}

function principalIn(values: readonly string[], principal: string): boolean {
  return principal !== "" && values.some((v) => glob(v, principal, "spiffe://"));
}

function namespaceOf(principal: string): string {
  const m = /\/ns\/([^/]+)\/sa\//.exec(principal);
  return m ? m[1]! : "";
}

function namespaceIn(values: readonly string[], principal: string): boolean {
  const ns = namespaceOf(principal);
  return principal !== "" && ns !== "" && values.some((v) => glob(v, ns));
}

/** `<sa>` or `<ns>/<sa>` against `spiffe://<td>/ns/<ns>/…/sa/<sa>` (generator.go serviceAccountRegex). */
function serviceAccountIn(values: readonly string[], principal: string, policyNs: string): boolean {
  return (
    principal !== "" &&
    values.some((v) => {
      const [ns, sa] = v.includes("/") ? [v.slice(0, v.indexOf("/")), v.slice(v.indexOf("/") + 1)] : [policyNs, v];
      const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      return new RegExp(`^spiffe://.+/ns/${esc(ns)}/(.+/|)sa/${esc(sa)}(/.+)?$`).test(principal);
    })
  );
}

/** Trust domains, expanded by the bundle (ExpandTrustDomainAliases), against the principal's domain. */
function trustDomainIn(values: readonly string[], principal: string, bundle: readonly string[]): boolean {
  if (principal === "") return false;
  const expanded = [...new Set(values.flatMap((v) => (bundle.includes(v) ? [...bundle] : [v])))];
  return expanded.some((v) => {
    if (v === "*") return principal.startsWith("spiffe://");
    if (!v.includes("*")) return principal.startsWith(`spiffe://${v}/`);
    const [a, b] = [v.slice(0, v.indexOf("*")), v.slice(v.indexOf("*") + 1)];
    const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return new RegExp(`^spiffe://${esc(a)}[^/]*${esc(b)}/.*$`).test(principal);
  });
}

const httpOnlySource = ["requestPrincipals", "notRequestPrincipals"];
const httpOnlyOperation = ["hosts", "notHosts", "methods", "notMethods", "paths", "notPaths"];

type Match = boolean | "http-only";

function list(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

function sourceMatches(s: any, c: Connection, bundle: readonly string[], policyNs: string): Match {
  if (!c.http && httpOnlySource.some((k) => list(s?.[k]).length > 0)) return "http-only";
  if (list(s?.principals).length > 0 && !principalIn(expandPrincipals(list(s.principals), bundle), c.principal)) return false;
  if (list(s?.notPrincipals).length > 0 && principalIn(expandPrincipals(list(s.notPrincipals), bundle), c.principal)) return false;
  if (list(s?.namespaces).length > 0 && !namespaceIn(list(s.namespaces), c.principal)) return false;
  if (list(s?.notNamespaces).length > 0 && namespaceIn(list(s.notNamespaces), c.principal)) return false;
  if (list(s?.serviceAccounts).length > 0 && !serviceAccountIn(list(s.serviceAccounts), c.principal, policyNs)) return false;
  if (list(s?.notServiceAccounts).length > 0 && serviceAccountIn(list(s.notServiceAccounts), c.principal, policyNs)) return false;
  if (list(s?.trustDomains).length > 0 && !trustDomainIn(list(s.trustDomains), c.principal, bundle)) return false;
  if (list(s?.notTrustDomains).length > 0 && trustDomainIn(list(s.notTrustDomains), c.principal, bundle)) return false;
  if (list(s?.ipBlocks).length > 0 || list(s?.remoteIpBlocks).length > 0) return false;
  return true;
}

function operationMatches(o: any, c: Connection): Match {
  if (!c.http && httpOnlyOperation.some((k) => list(o?.[k]).length > 0)) return "http-only";
  if (list(o?.ports).length > 0 && !list(o.ports).includes(String(c.port))) return false;
  if (list(o?.notPorts).length > 0 && list(o.notPorts).includes(String(c.port))) return false;
  if (c.http && (list(o?.methods).length > 0 || list(o?.paths).length > 0 || list(o?.hosts).length > 0)) return false;
  return true;
}

function conditionMatches(w: any, c: Connection, bundle: readonly string[], policyNs: string): Match {
  const key = String(w?.key ?? "");
  const values = list(w?.values);
  const notValues = list(w?.notValues);
  const test = (f: (vs: string[]) => boolean) => (values.length === 0 || f(values)) && (notValues.length === 0 || !f(notValues));
  switch (key) {
    case "source.principal":
      return test((vs) => principalIn(expandPrincipals(vs, bundle), c.principal));
    case "source.namespace":
      return test((vs) => namespaceIn(vs, c.principal));
    case "source.serviceAccount":
      return test((vs) => serviceAccountIn(vs, c.principal, policyNs));
    case "source.trustDomain":
      return test((vs) => trustDomainIn(vs, c.principal, bundle));
    case "destination.port":
      return test((vs) => vs.includes(String(c.port)));
    default:
      return c.http ? false : "http-only";
  }
}

/**
 * Whether a rule matches. For a TCP chain, a rule using HTTP-only fields is dropped from an
 * ALLOW policy and has those fields ignored in a DENY policy (Istio's TCP authz builder).
 */
function ruleMatches(rule: any, c: Connection, action: string, bundle: readonly string[], policyNs: string): boolean {
  const combine = (results: Match[]): boolean => {
    if (results.includes("http-only") && action === "ALLOW") return false;
    return results.every((r) => r !== false);
  };
  const from: any[] = Array.isArray(rule?.from) ? rule.from : [];
  const to: any[] = Array.isArray(rule?.to) ? rule.to : [];
  const when: any[] = Array.isArray(rule?.when) ? rule.when : [];
  const anyOf = (ms: Match[]): Match => (ms.some((m) => m === true) ? true : ms.some((m) => m === "http-only") ? "http-only" : false);
  const parts: Match[] = [];
  if (from.length > 0) parts.push(anyOf(from.map((f) => sourceMatches(f?.source ?? {}, c, bundle, policyNs))));
  if (to.length > 0) parts.push(anyOf(to.map((t) => operationMatches(t?.operation ?? {}, c))));
  for (const w of when) parts.push(conditionMatches(w, c, bundle, policyNs));
  return combine(parts);
}

/** Evaluates the RBAC Istio generates for a workload: DENY first, then ALLOW (CUSTOM and AUDIT do not decide). */
export function evaluateAuthz(mesh: MeshIndex, w: Workload, c: Connection): AuthzDecision {
  const bundle = [mesh.spec.trustDomain, ...mesh.spec.trustDomainAliases];
  const policies = policiesFor(mesh, w);
  const action = (p: Resource) => String(p.spec.action ?? "ALLOW");
  for (const p of policies.filter((x) => action(x) === "DENY")) {
    const rules: any[] = Array.isArray(p.spec.rules) ? p.spec.rules : [];
    const i = rules.findIndex((r) => ruleMatches(r, c, "DENY", bundle, p.namespace));
    if (i >= 0) return { allowed: false, policy: p, why: `DENY policy ${p.namespace}/${p.name} rule ${i + 1} matches` };
  }
  const allows = policies.filter((x) => action(x) === "ALLOW");
  if (allows.length === 0) return { allowed: true, policy: null, why: "no DENY rule matches and no ALLOW policy applies" };
  for (const p of allows) {
    const rules: any[] = Array.isArray(p.spec.rules) ? p.spec.rules : [];
    const i = rules.findIndex((r) => ruleMatches(r, c, "ALLOW", bundle, p.namespace));
    if (i >= 0) return { allowed: true, policy: p, why: `ALLOW policy ${p.namespace}/${p.name} rule ${i + 1} matches` };
  }
  return { allowed: false, policy: allows[0] ?? null, why: `no rule of the ALLOW policies (${allows.map((p) => `${p.namespace}/${p.name}`).join(", ")}) matches` };
}
