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

const escapeRegExp = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** `<sa>` or `<ns>/<sa>` against `spiffe://<td>/ns/<ns>/…/sa/<sa>` (generator.go serviceAccountRegex). */
function serviceAccountMatcher(values: readonly string[], policyNs: string): (principal: string) => boolean {
  const patterns = values.map((v) => {
    const [ns, sa] = v.includes("/") ? [v.slice(0, v.indexOf("/")), v.slice(v.indexOf("/") + 1)] : [policyNs, v];
    return new RegExp(`^spiffe://.+/ns/${escapeRegExp(ns)}/(.+/|)sa/${escapeRegExp(sa)}(/.+)?$`);
  });
  return (principal) => principal !== "" && patterns.some((r) => r.test(principal));
}

/** Trust domains, expanded by the bundle (ExpandTrustDomainAliases), against the principal's domain. */
function trustDomainMatcher(values: readonly string[], bundle: readonly string[]): (principal: string) => boolean {
  const expanded = [...new Set(values.flatMap((v) => (bundle.includes(v) ? [...bundle] : [v])))];
  const tests = expanded.map((v): ((principal: string) => boolean) => {
    if (v === "*") return (principal) => principal.startsWith("spiffe://");
    if (!v.includes("*")) return (principal) => principal.startsWith(`spiffe://${v}/`);
    const [a, b] = [v.slice(0, v.indexOf("*")), v.slice(v.indexOf("*") + 1)];
    const r = new RegExp(`^spiffe://${escapeRegExp(a)}[^/]*${escapeRegExp(b)}/.*$`);
    return (principal) => r.test(principal);
  });
  return (principal) => principal !== "" && tests.some((t) => t(principal));
}

const httpOnlySource = ["requestPrincipals", "notRequestPrincipals"];
const httpOnlyOperation = ["hosts", "notHosts", "methods", "notMethods", "paths", "notPaths"];

type Match = boolean | "http-only";

function list(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

/** One check of a source: the principal must (or, negated, must not) pass it. */
interface PrincipalCheck {
  readonly test: (principal: string) => boolean;
  readonly negate: boolean;
}

/**
 * A rule compiled once per policy namespace and trust-domain bundle: principal lists expanded,
 * regular expressions built. Evaluating it allocates nothing.
 */
interface CompiledRule {
  readonly from: readonly { readonly httpOnly: boolean; readonly checks: readonly PrincipalCheck[]; readonly ipBlocks: boolean }[];
  readonly to: readonly { readonly httpOnly: boolean; readonly ports: readonly string[]; readonly notPorts: readonly string[]; readonly httpFields: boolean }[];
  readonly when: readonly ((c: Connection) => Match)[];
}

function compileSource(s: any, bundle: readonly string[], policyNs: string): CompiledRule["from"][number] {
  const checks: PrincipalCheck[] = [];
  const add = (key: string, negate: boolean, make: (values: string[]) => (principal: string) => boolean) => {
    const values = list(s?.[key]);
    if (values.length > 0) checks.push({ test: make(values), negate });
  };
  const principals = (values: string[]) => {
    const expanded = expandPrincipals(values, bundle);
    return (principal: string) => principalIn(expanded, principal);
  };
  const namespaces = (values: string[]) => (principal: string) => namespaceIn(values, principal);
  add("principals", false, principals);
  add("notPrincipals", true, principals);
  add("namespaces", false, namespaces);
  add("notNamespaces", true, namespaces);
  add("serviceAccounts", false, (values) => serviceAccountMatcher(values, policyNs));
  add("notServiceAccounts", true, (values) => serviceAccountMatcher(values, policyNs));
  add("trustDomains", false, (values) => trustDomainMatcher(values, bundle));
  add("notTrustDomains", true, (values) => trustDomainMatcher(values, bundle));
  return {
    httpOnly: httpOnlySource.some((k) => list(s?.[k]).length > 0),
    checks,
    ipBlocks: list(s?.ipBlocks).length > 0 || list(s?.remoteIpBlocks).length > 0,
  };
}

function compileOperation(o: any): CompiledRule["to"][number] {
  return {
    httpOnly: httpOnlyOperation.some((k) => list(o?.[k]).length > 0),
    ports: list(o?.ports),
    notPorts: list(o?.notPorts),
    httpFields: list(o?.methods).length > 0 || list(o?.paths).length > 0 || list(o?.hosts).length > 0,
  };
}

function compileCondition(w: any, bundle: readonly string[], policyNs: string): (c: Connection) => Match {
  const key = String(w?.key ?? "");
  const values = list(w?.values);
  const notValues = list(w?.notValues);
  const on = (make: (vs: string[]) => (c: Connection) => boolean) => {
    const yes = values.length > 0 ? make(values) : undefined;
    const no = notValues.length > 0 ? make(notValues) : undefined;
    return (c: Connection) => (!yes || yes(c)) && (!no || !no(c));
  };
  switch (key) {
    case "source.principal":
      return on((vs) => {
        const expanded = expandPrincipals(vs, bundle);
        return (c) => principalIn(expanded, c.principal);
      });
    case "source.namespace":
      return on((vs) => (c) => namespaceIn(vs, c.principal));
    case "source.serviceAccount":
      return on((vs) => {
        const test = serviceAccountMatcher(vs, policyNs);
        return (c) => test(c.principal);
      });
    case "source.trustDomain":
      return on((vs) => {
        const test = trustDomainMatcher(vs, bundle);
        return (c) => test(c.principal);
      });
    case "destination.port":
      return on((vs) => (c) => vs.includes(String(c.port)));
    default:
      return (c) => (c.http ? false : "http-only");
  }
}

const compiledRules = new WeakMap<object, Map<string, CompiledRule>>();

function compileRule(rule: any, bundle: readonly string[], policyNs: string): CompiledRule {
  const key = `${policyNs} ${bundle.join(" ")}`;
  let byKey = compiledRules.get(rule);
  if (!byKey) {
    byKey = new Map();
    compiledRules.set(rule, byKey);
  }
  let hit = byKey.get(key);
  if (!hit) {
    hit = {
      from: (Array.isArray(rule?.from) ? rule.from : []).map((f: any) => compileSource(f?.source ?? {}, bundle, policyNs)),
      to: (Array.isArray(rule?.to) ? rule.to : []).map((t: any) => compileOperation(t?.operation ?? {})),
      when: (Array.isArray(rule?.when) ? rule.when : []).map((w: any) => compileCondition(w, bundle, policyNs)),
    };
    byKey.set(key, hit);
  }
  return hit;
}

function sourceMatches(s: CompiledRule["from"][number], c: Connection): Match {
  if (!c.http && s.httpOnly) return "http-only";
  for (const check of s.checks) if (check.test(c.principal) === check.negate) return false;
  return !s.ipBlocks;
}

function operationMatches(o: CompiledRule["to"][number], c: Connection): Match {
  if (!c.http && o.httpOnly) return "http-only";
  if (o.ports.length > 0 && !o.ports.includes(String(c.port))) return false;
  if (o.notPorts.length > 0 && o.notPorts.includes(String(c.port))) return false;
  if (c.http && o.httpFields) return false;
  return true;
}

/** Any of the alternatives: true if one matches, else "http-only" if one is, else false. */
function anyOf<T>(items: readonly T[], match: (x: T) => Match): Match {
  let httpOnly = false;
  for (const x of items) {
    const m = match(x);
    if (m === true) return true;
    if (m === "http-only") httpOnly = true;
  }
  return httpOnly ? "http-only" : false;
}

/**
 * Whether a rule matches. For a TCP chain, a rule using HTTP-only fields is dropped from an
 * ALLOW policy and has those fields ignored in a DENY policy (Istio's TCP authz builder).
 */
function ruleMatches(rule: any, c: Connection, action: string, bundle: readonly string[], policyNs: string): boolean {
  const compiled = compileRule(rule, bundle, policyNs);
  const parts: Match[] = [];
  if (compiled.from.length > 0) parts.push(anyOf(compiled.from, (f) => sourceMatches(f, c)));
  if (compiled.to.length > 0) parts.push(anyOf(compiled.to, (t) => operationMatches(t, c)));
  for (const w of compiled.when) parts.push(w(c));
  if (parts.includes("http-only") && action === "ALLOW") return false;
  return parts.every((r) => r !== false);
}

const bundleCache = new WeakMap<MeshIndex, readonly string[]>();

/** The trust domains a mesh's principals are rewritten over: its own and its aliases. */
function bundleOf(mesh: MeshIndex): readonly string[] {
  let hit = bundleCache.get(mesh);
  if (!hit) {
    hit = [mesh.spec.trustDomain, ...mesh.spec.trustDomainAliases];
    bundleCache.set(mesh, hit);
  }
  return hit;
}

const byActionCache = new WeakMap<Workload, { deny: Resource[]; allow: Resource[] }>();

/** A workload's DENY and ALLOW policies, in creation order. */
function policiesByAction(mesh: MeshIndex, w: Workload): { deny: Resource[]; allow: Resource[] } {
  let hit = byActionCache.get(w);
  if (!hit) {
    const action = (p: Resource) => String(p.spec.action ?? "ALLOW");
    const policies = policiesFor(mesh, w);
    hit = { deny: policies.filter((x) => action(x) === "DENY"), allow: policies.filter((x) => action(x) === "ALLOW") };
    byActionCache.set(w, hit);
  }
  return hit;
}

/** Decisions are few (a policy and rule, or none) and reused: evaluating allocates nothing. */
const ruleDecisions = new WeakMap<Resource, Map<number, AuthzDecision>>();
const noPolicyApplies: AuthzDecision = { allowed: true, policy: null, why: "no DENY rule matches and no ALLOW policy applies" };
const noAllowMatches = new WeakMap<Workload, AuthzDecision>();

function ruleDecision(p: Resource, i: number, allowed: boolean): AuthzDecision {
  let byRule = ruleDecisions.get(p);
  if (!byRule) {
    byRule = new Map();
    ruleDecisions.set(p, byRule);
  }
  let hit = byRule.get(i);
  if (!hit) {
    hit = { allowed, policy: p, why: `${allowed ? "ALLOW" : "DENY"} policy ${p.namespace}/${p.name} rule ${i + 1} matches` };
    byRule.set(i, hit);
  }
  return hit;
}

function firstMatchingRule(p: Resource, c: Connection, action: string, bundle: readonly string[]): number {
  const rules: unknown[] = Array.isArray(p.spec.rules) ? p.spec.rules : [];
  for (let i = 0; i < rules.length; i++) if (ruleMatches(rules[i], c, action, bundle, p.namespace)) return i;
  return -1;
}

export function evaluateAuthz(mesh: MeshIndex, w: Workload, c: Connection): AuthzDecision {
  const bundle = bundleOf(mesh);
  const { deny, allow: allows } = policiesByAction(mesh, w);
  for (const p of deny) {
    const i = firstMatchingRule(p, c, "DENY", bundle);
    if (i >= 0) return ruleDecision(p, i, false);
  }
  if (allows.length === 0) return noPolicyApplies;
  for (const p of allows) {
    const i = firstMatchingRule(p, c, "ALLOW", bundle);
    if (i >= 0) return ruleDecision(p, i, true);
  }
  let none = noAllowMatches.get(w);
  if (!none) {
    none = { allowed: false, policy: allows[0] ?? null, why: `no rule of the ALLOW policies (${allows.map((p) => `${p.namespace}/${p.name}`).join(", ")}) matches` };
    noAllowMatches.set(w, none);
  }
  return none;
}
