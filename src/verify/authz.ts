import { byCreation } from "./destination-rule.js";
import { cidrContains, parseCidrRange } from "./ip-cidr.js";
import { configsOf, selects, type MeshIndex, type Workload } from "./mesh-index.js";
import type { Resource } from "./types.js";
import { mapIn } from "../util/maps.js";

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
  /**
   * The address the server sidecar sees the connection come from: every cross-mesh call arrives
   * through the east-west gateway, so its pod IP; "" when the scenario has no gateway pod.
   */
  readonly sourceIp: string;
  /** The server pod's IP (the inbound listener's destination address). */
  readonly destIp: string;
  /** The TLS server name of the connection, "" for none. */
  readonly sni: string;
}

/** A proxy as policy selection sees it: its namespace and labels (a workload, or the east-west gateway proxy). */
export type PolicyTarget = Pick<Workload, "namespace" | "labels">;

/** AuthorizationPolicies that apply to a workload: the root namespace's and its namespace's whose selector matches it. */
const policyCache = new WeakMap<PolicyTarget, Resource[]>();

/** The AuthorizationPolicies that apply to a workload or proxy, in creation order (memoized per object). */
export function policiesFor(mesh: MeshIndex, w: PolicyTarget): Resource[] {
  const hit = policyCache.get(w);
  if (hit) return hit;
  const computed = computePolicies(mesh, w);
  policyCache.set(w, computed);
  return computed;
}

interface SelectingPolicy {
  readonly policy: Resource;
  /** matchLabels as strings; undefined when the policy has no selector. */
  readonly selector?: Readonly<Record<string, string>>;
}

/**
 * A mesh's AuthorizationPolicies by namespace, in creation order. Those with `targetRef(s)` are
 * left out: a sidecar ignores them altogether (policyattachment.go ShouldAttachPolicy, the
 * non-Gateway-API branch).
 */
const policiesByNamespace = new WeakMap<MeshIndex, Map<string, SelectingPolicy[]>>();

function policiesIn(mesh: MeshIndex, ns: string): readonly SelectingPolicy[] {
  let byNs = policiesByNamespace.get(mesh);
  if (!byNs) {
    byNs = new Map();
    for (const p of configsOf(mesh, "AuthorizationPolicy")) {
      if (p.spec.targetRef || p.spec.targetRefs) continue;
      const sel = p.spec.selector?.matchLabels;
      const entry: SelectingPolicy = sel ? { policy: p, selector: Object.fromEntries(Object.entries(sel).map(([k, v]) => [k, String(v)])) } : { policy: p };
      const list = byNs.get(p.namespace);
      if (list) list.push(entry);
      else byNs.set(p.namespace, [entry]);
    }
    policiesByNamespace.set(mesh, byNs);
  }
  return byNs.get(ns) ?? [];
}

function computePolicies(mesh: MeshIndex, w: PolicyTarget): Resource[] {
  // ListAuthorizationPolicies looks in the root namespace and the workload's, and a selector
  // selects in both (authorization.go:97-110, policyattachment.go isSelected).
  const out: Resource[] = [];
  const namespaces = w.namespace === mesh.rootNamespace ? [w.namespace] : [mesh.rootNamespace, w.namespace];
  for (const ns of namespaces) for (const p of policiesIn(mesh, ns)) if (!p.selector || selects(p.selector, w.labels)) out.push(p.policy);
  return out.sort(byCreation);
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

/** Istio's string match for authz values (`*` presence, `x*` prefix, `*x` suffix, else exact) against `prefix + value`, its strings built once. */
function globMatcher(value: string, prefix: string): (actual: string) => boolean {
  if (value === "*") return (actual) => actual !== "";
  if (value.endsWith("*")) {
    const head = prefix + value.slice(0, -1);
    return (actual) => actual.startsWith(head);
  }
  if (value.startsWith("*")) {
    const tail = value.slice(1);
    return (actual) => actual.endsWith(tail);
  }
  const exact = prefix + value;
  return (actual) => actual === exact;
}

/** Whether a principal matches one of the values (Istio string match under `spiffe://`); each matcher built once. */
function principalMatcher(values: readonly string[]): (principal: string) => boolean {
  const matchers = values.map((v) => globMatcher(v, "spiffe://"));
  return (principal) => {
    if (principal === "") return false;
    for (let i = 0; i < matchers.length; i++) if (matchers[i]!(principal)) return true;
    return false;
  };
}

const escapeRegExp = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Whether a principal matches one of the namespace values as Istio generates them
 * (generator.go srcNamespaceGenerator): every `*` of the value becomes `.*` wherever it is
 * (`v*t`, `*-prod`, `a*b*`), the rest is quoted, and the regex ".*" + "/ns/<value>/" + ".*" must
 * match the whole principal; each matcher built once.
 */
function namespaceMatcher(values: readonly string[]): (principal: string) => boolean {
  const patterns = values.map((v) => new RegExp(`^.*/ns/${v.split("*").map(escapeRegExp).join(".*")}/.*$`));
  return (principal) => principal !== "" && patterns.some((r) => r.test(principal));
}

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

/** Whether a field is a non-empty list (`list(v).length > 0`, without building the list). */
function nonEmpty(v: unknown): boolean {
  return Array.isArray(v) && v.length > 0;
}

/** One check of a source: the connection must (or, negated, must not) pass it. */
interface SourceCheck {
  readonly test: (c: Connection) => boolean;
  readonly negate: boolean;
}

/** Whether an address is in one of the CIDR ranges (an unparsable range matches nothing). */
function cidrMatcher(values: readonly string[]): (ip: string) => boolean {
  const ranges = values.map(parseCidrRange);
  return (ip) => ranges.some((r) => r !== undefined && cidrContains(r, ip));
}

/**
 * A rule compiled once per policy namespace and trust-domain bundle: principal lists expanded,
 * regular expressions built. Evaluating it allocates nothing.
 */
interface CompiledRule {
  readonly from: readonly { readonly httpOnly: boolean; readonly requestPrincipals: boolean; readonly checks: readonly SourceCheck[] }[];
  readonly to: readonly { readonly httpOnly: boolean; readonly ports: readonly string[]; readonly notPorts: readonly string[]; readonly httpFields: boolean }[];
  readonly when: readonly ((c: Connection) => Match)[];
}

function compileSource(s: any, bundle: readonly string[], policyNs: string): CompiledRule["from"][number] {
  const checks: SourceCheck[] = [];
  const add = (key: string, negate: boolean, make: (values: string[]) => (principal: string) => boolean) => {
    if (nonEmpty(s?.[key])) {
      const test = make(list(s[key]));
      checks.push({ test: (c) => test(c.principal), negate });
    }
  };
  // ipBlocks become direct_remote_ip, remoteIpBlocks remote_ip (generator.go srcIPGenerator,
  // remoteIPGenerator); on a TCP connection without PROXY protocol both are the peer address.
  const addIp = (key: string, negate: boolean) => {
    if (nonEmpty(s?.[key])) {
      const test = cidrMatcher(list(s[key]));
      checks.push({ test: (c) => test(c.sourceIp), negate });
    }
  };
  const principals = (values: string[]) => principalMatcher(expandPrincipals(values, bundle));
  add("principals", false, principals);
  add("notPrincipals", true, principals);
  add("namespaces", false, namespaceMatcher);
  add("notNamespaces", true, namespaceMatcher);
  add("serviceAccounts", false, (values) => serviceAccountMatcher(values, policyNs));
  add("notServiceAccounts", true, (values) => serviceAccountMatcher(values, policyNs));
  add("trustDomains", false, (values) => trustDomainMatcher(values, bundle));
  add("notTrustDomains", true, (values) => trustDomainMatcher(values, bundle));
  addIp("ipBlocks", false);
  addIp("notIpBlocks", true);
  addIp("remoteIpBlocks", false);
  addIp("notRemoteIpBlocks", true);
  return { httpOnly: httpOnlySource.some((k) => nonEmpty(s?.[k])), requestPrincipals: nonEmpty(s?.requestPrincipals), checks };
}

function compileOperation(o: any): CompiledRule["to"][number] {
  return {
    httpOnly: httpOnlyOperation.some((k) => nonEmpty(o?.[k])),
    ports: list(o?.ports),
    notPorts: list(o?.notPorts),
    httpFields: nonEmpty(o?.methods) || nonEmpty(o?.paths) || nonEmpty(o?.hosts),
  };
}

function compileCondition(w: any, bundle: readonly string[], policyNs: string): (c: Connection) => Match {
  const key = String(w?.key ?? "");
  const values = list(w?.values);
  const notValues = list(w?.notValues);
  const on = (make: (vs: string[]) => (c: Connection) => boolean) => {
    const yes = values.length > 0 ? make(values) : undefined;
    const no = notValues.length > 0 ? make(notValues) : undefined;
    return (c: Connection) => (!yes || yes(c)) && !no?.(c);
  };
  switch (key) {
    case "source.principal":
      return on((vs) => {
        const test = principalMatcher(expandPrincipals(vs, bundle));
        return (c) => test(c.principal);
      });
    case "source.namespace":
      return on((vs) => {
        const test = namespaceMatcher(vs);
        return (c) => test(c.principal);
      });
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
    case "source.ip":
    case "remote.ip":
      return on((vs) => {
        const test = cidrMatcher(vs);
        return (c) => test(c.sourceIp);
      });
    case "destination.ip":
      return on((vs) => {
        const test = cidrMatcher(vs);
        return (c) => test(c.destIp);
      });
    case "connection.sni":
      return on((vs) => {
        const tests = vs.map((v) => globMatcher(v, ""));
        return (c) => tests.some((t) => t(c.sni));
      });
    default:
      // request.auth.* on an HTTP chain: metadata of the JWT, absent without a token, so values
      // never match and notValues always hold. Other request keys (headers) are declared.
      if (key.startsWith("request.auth.")) return (c) => (c.http ? values.length === 0 : "http-only");
      return (c) => (c.http ? false : "http-only");
  }
}

function compileRule(rule: any, bundle: readonly string[], policyNs: string): CompiledRule {
  return {
    from: (Array.isArray(rule?.from) ? rule.from : []).map((f: any) => compileSource(f?.source ?? {}, bundle, policyNs)),
    to: (Array.isArray(rule?.to) ? rule.to : []).map((t: any) => compileOperation(t?.operation ?? {})),
    when: (Array.isArray(rule?.when) ? rule.when : []).map((w: any) => compileCondition(w, bundle, policyNs)),
  };
}

function sourceMatches(s: CompiledRule["from"][number], c: Connection): Match {
  if (!c.http && s.httpOnly) return "http-only";
  // On an HTTP chain requestPrincipals match the JWT's principal (a metadata matcher), which a
  // request without a token does not have; notRequestPrincipals then always hold.
  if (c.http && s.requestPrincipals) return false;
  const checks = s.checks;
  for (let i = 0; i < checks.length; i++) if (checks[i]!.test(c) === checks[i]!.negate) return false;
  return true;
}

function operationMatches(o: CompiledRule["to"][number], c: Connection): Match {
  if (!c.http && o.httpOnly) return "http-only";
  if (o.ports.length > 0 && !o.ports.includes(String(c.port))) return false;
  if (o.notPorts.length > 0 && o.notPorts.includes(String(c.port))) return false;
  if (c.http && o.httpFields) return false;
  return true;
}

/**
 * Whether a rule matches: every part (any of `from`, any of `to`, each `when`) must. For a TCP
 * chain, a rule using HTTP-only fields is dropped from an ALLOW policy and has those fields
 * ignored in a DENY policy (Istio's TCP authz builder).
 */
function ruleMatches(rule: CompiledRule, c: Connection, allow: boolean): boolean {
  const from = rule.from.length > 0 ? anyOf(rule.from, c, sourceMatches) : true;
  if (from === false) return false;
  const to = rule.to.length > 0 ? anyOf(rule.to, c, operationMatches) : true;
  if (to === false) return false;
  let httpOnly = from === "http-only" || to === "http-only";
  for (let i = 0; i < rule.when.length; i++) {
    const m = rule.when[i]!(c);
    if (m === false) return false;
    if (m === "http-only") httpOnly = true;
  }
  return !(httpOnly && allow);
}

/** Any of the alternatives: true if one matches, else "http-only" if one is, else false. */
function anyOf<T>(items: readonly T[], c: Connection, match: (x: T, c: Connection) => Match): Match {
  let m: Match = false;
  for (let i = 0; i < items.length; i++) {
    const r = match(items[i]!, c);
    if (r === true) return true;
    if (r === "http-only") m = "http-only";
  }
  return m;
}

/** A policy with its rules compiled for its mesh's trust-domain bundle. */
interface CompiledPolicy {
  readonly policy: Resource;
  readonly rules: readonly CompiledRule[];
}

/** Compiled per mesh: the bundle is the mesh's, and a resource object may be shared by two scenarios. */
const compiledPolicies = new WeakMap<MeshIndex, Map<Resource, CompiledPolicy>>();

function compilePolicy(mesh: MeshIndex, p: Resource): CompiledPolicy {
  const byPolicy = mapIn(compiledPolicies, mesh);
  let hit = byPolicy.get(p);
  if (!hit) {
    const bundle = [mesh.spec.trustDomain, ...mesh.spec.trustDomainAliases];
    hit = { policy: p, rules: (Array.isArray(p.spec.rules) ? p.spec.rules : []).map((r: unknown) => compileRule(r, bundle, p.namespace)) };
    byPolicy.set(p, hit);
  }
  return hit;
}

/**
 * Whether a policy is in dry-run: `istio.io/dry-run` parsed with Go's strconv.ParseBool
 * (builder.go isDryRun). Its rules become shadow rules, which Envoy evaluates but never enforces;
 * an unparsable value is logged and the policy enforced.
 */
export function isDryRun(p: Resource): boolean {
  const v = p.metadata.annotations?.["istio.io/dry-run"];
  return typeof v === "string" && ["1", "t", "T", "TRUE", "true", "True"].includes(v);
}

/** A policy's action, ALLOW when unset. */
export function actionOf(p: Resource): string {
  return String(p.spec.action ?? "ALLOW");
}

/** Whether `service` names exactly one service of the mesh registry (telemetry_logging.go LookupCluster). */
function serviceResolves(mesh: MeshIndex, service: string): boolean {
  if (service === "") return false;
  const parts = service.split("/");
  if (parts.length === 2) return mesh.services.some((x) => x.hostname === parts[1] && x.namespace === parts[0]);
  return new Set(mesh.services.filter((x) => x.hostname === service).map((x) => x.namespace)).size === 1;
}

/**
 * The mesh's ext_authz extension providers by name: true when istiod may build the filter,
 * false when it certainly fails and so writes the CUSTOM rules as a DENY (builder/extauthz.go
 * processExtensionProvider keeps only envoyExtAuthzHttp and envoyExtAuthzGrpc entries; a later
 * duplicate, an invalid name or a service missing from the registry is an error).
 */
export function extAuthzProviders(mesh: MeshIndex): Map<string, boolean> {
  const list: any[] = Array.isArray(mesh.spec.meshConfig.extensionProviders) ? mesh.spec.meshConfig.extensionProviders : [];
  const out = new Map<string, boolean>();
  for (const e of list) {
    const p = e?.envoyExtAuthzHttp ?? e?.envoyExtAuthzGrpc;
    if (!p) continue;
    const name = String(e.name ?? "");
    const validName = name.length > 0 && name.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name);
    out.set(name, validName && !out.has(name) && serviceResolves(mesh, String(p.service ?? "")));
  }
  return out;
}

/** A workload's CUSTOM policies split by what verify can say about them. */
export interface CustomPolicies {
  /** Enforced CUSTOM policies whose provider istiod cannot resolve: their rules become an RBAC DENY. */
  readonly denied: readonly Resource[];
  /** Enforced CUSTOM policies sent to a known external authorizer, whose answer verify cannot know. */
  readonly external: readonly Resource[];
}

/**
 * CUSTOM policies of a workload (builder.go buildTCP): when more than one provider is named
 * (PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS is off by default) or the provider is not an
 * ext_authz extension provider istiod can build, it writes the enforced policies' rules as a DENY
 * (getBadCustomDenyRules); dry-run ones stay out of it.
 */
export function customPoliciesFor(mesh: MeshIndex, w: PolicyTarget): CustomPolicies {
  const custom = policiesFor(mesh, w).filter((p) => actionOf(p) === "CUSTOM");
  const providers = new Set(custom.map((p) => String(p.spec.provider?.name ?? "")));
  const known = extAuthzProviders(mesh);
  const denied: Resource[] = [];
  const external: Resource[] = [];
  for (const p of custom) {
    if (isDryRun(p)) continue;
    if (providers.size > 1 || known.get(String(p.spec.provider?.name ?? "")) !== true) denied.push(p);
    else external.push(p);
  }
  return { denied, external };
}

const byActionCache = new WeakMap<PolicyTarget, { deny: CompiledPolicy[]; allow: CompiledPolicy[] }>();

/**
 * A workload's enforced DENY and ALLOW policies, in creation order, compiled. CUSTOM policies
 * istiod turns into a DENY come first: the CUSTOM filter precedes the DENY one in the chain.
 */
function policiesByAction(mesh: MeshIndex, w: PolicyTarget): { deny: CompiledPolicy[]; allow: CompiledPolicy[] } {
  let hit = byActionCache.get(w);
  if (!hit) {
    const enforced = policiesFor(mesh, w).filter((p) => !isDryRun(p));
    hit = {
      deny: [...customPoliciesFor(mesh, w).denied, ...enforced.filter((x) => actionOf(x) === "DENY")].map((p) => compilePolicy(mesh, p)),
      allow: enforced.filter((x) => actionOf(x) === "ALLOW").map((p) => compilePolicy(mesh, p)),
    };
    byActionCache.set(w, hit);
  }
  return hit;
}

/** Decisions are few (a policy and rule, or none) and reused: evaluating allocates nothing. */
const ruleDecisions = new WeakMap<Resource, Map<number, AuthzDecision>>();
const noPolicyApplies: AuthzDecision = { allowed: true, policy: null, why: "no DENY rule matches and no ALLOW policy applies" };
const noAllowMatches = new WeakMap<PolicyTarget, AuthzDecision>();

function ruleDecision(p: Resource, i: number, allowed: boolean): AuthzDecision {
  const byRule = mapIn(ruleDecisions, p);
  let hit = byRule.get(i);
  if (!hit) {
    const kind = allowed ? "ALLOW" : actionOf(p) === "CUSTOM" ? "CUSTOM (provider not resolved by istiod, so denied)" : "DENY";
    hit = { allowed, policy: p, why: `${kind} policy ${p.namespace}/${p.name} rule ${i + 1} matches` };
    byRule.set(i, hit);
  }
  return hit;
}

function firstMatchingRule(p: CompiledPolicy, c: Connection, allow: boolean): number {
  for (let i = 0; i < p.rules.length; i++) if (ruleMatches(p.rules[i]!, c, allow)) return i;
  return -1;
}

export function evaluateAuthz(mesh: MeshIndex, w: PolicyTarget, c: Connection): AuthzDecision {
  const { deny, allow: allows } = policiesByAction(mesh, w);
  // Indexed loops: this runs for every probe, mostly before V8 optimizes it.
  for (let k = 0; k < deny.length; k++) {
    const i = firstMatchingRule(deny[k]!, c, false);
    if (i >= 0) return ruleDecision(deny[k]!.policy, i, false);
  }
  if (allows.length === 0) return noPolicyApplies;
  for (let k = 0; k < allows.length; k++) {
    const i = firstMatchingRule(allows[k]!, c, true);
    if (i >= 0) return ruleDecision(allows[k]!.policy, i, true);
  }
  let none = noAllowMatches.get(w);
  if (!none) {
    none = {
      allowed: false,
      policy: allows[0]?.policy ?? null,
      why: `no rule of the ALLOW policies (${allows.map(({ policy: p }) => `${p.namespace}/${p.name}`).join(", ")}) matches`,
    };
    noAllowMatches.set(w, none);
  }
  return none;
}
