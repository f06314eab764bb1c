/**
 * istiod's validation of PeerAuthentication and AuthorizationPolicy (security.istio.io), rule by
 * rule in Istio's order and with Istio's reason text. Sources
 * (istio.io/istio@v0.0.0-20260827124520-eed52ebb66ad): pkg/config/validation/validation.go
 * ValidatePeerAuthentication and ValidateAuthorizationPolicy, pkg/config/security/security.go.
 * Warnings (a DENY rule of only HTTP attributes) do not refuse the resource and are not reported.
 */
import type { Resource } from "./types.js";
import type { Report } from "./validate-istio.js";
import { enumName, isIPAddress, isIPPrefix, isObject, isSet, list, q, refuser, str, workloadSelectorErrors } from "./validate-networking.js";

/** validation.go ValidatePeerAuthentication (:1735). */
export function validatePeerAuthentication(r: Resource, report: Report): void {
  const refuse = refuser(r, report);
  const selector = r.spec.selector;
  const emptySelector = !isSet(selector) || !isObject(selector.matchLabels) || Object.keys(selector.matchLabels).length === 0;
  const levels = r.spec.portLevelMtls;
  const ports = isObject(levels) ? Object.keys(levels) : [];
  if (emptySelector && ports.length !== 0)
    refuse(
      "spec.portLevelMtls",
      "mesh/namespace peer authentication cannot have port level mTLS",
      "Add a selector (matchLabels) naming the workload, or move the port-level mode into a selector policy.",
    );
  // An empty map read from `{}` is set but has no element.
  if (isObject(levels) && ports.length === 0)
    refuse("spec.portLevelMtls", "port level mTLS, if defined, must have at least one element", "Remove portLevelMtls or add a port.");
  for (const port of ports) {
    // Keys are uint32 port numbers; a key that is no number is the schema's to refuse.
    if (/^[0-9]+$/.test(port) && (Number(port) <= 0 || Number(port) > 65535))
      refuse(`spec.portLevelMtls.${port}`, "port must be in range 1..65535", "Key portLevelMtls by the workload's port number.");
  }
  for (const e of workloadSelectorErrors(selector)) refuse("spec.selector", e);
}

// ── pkg/config/security/security.go ─────────────────────────────────────────────────────

/** security.ValidateIPs (security.go:285). */
function ipErrors(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    if (v.includes("/")) {
      if (!isIPPrefix(v)) out.push(`bad CIDR range (${v}): netip.ParsePrefix(${q(v)}): ${prefixProblem(v)}`);
    } else if (!isIPAddress(v)) out.push(`bad IP address (${v})`);
  }
  return out;
}
/** What Go's netip.ParsePrefix says about a bad prefix, in short. */
function prefixProblem(v: string): string {
  const slash = v.lastIndexOf("/");
  const addr = v.slice(0, slash);
  if (!isIPAddress(addr) || addr.includes("%")) return `ParseAddr(${q(addr)}): invalid address`;
  const bits = v.slice(slash + 1);
  return /^(0|[1-9][0-9]*)$/.test(bits) ? "prefix length out of range" : `bad bits after slash: ${q(bits)}`;
}

/** security.ValidatePorts (security.go:301): strconv.ParseUint(port, 10, 32), at most 65535. */
function portErrors(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of values) {
    if (!/^[0-9]+$/.test(p)) out.push(`bad port (${p}): strconv.ParseUint: parsing ${q(p)}: invalid syntax`);
    else if (BigInt(p) > 4294967295n) out.push(`bad port (${p}): strconv.ParseUint: parsing ${q(p)}: value out of range`);
    else if (Number(p) > 65535) out.push(`bad port (${p}): <nil>`);
  }
  return out;
}

/** security.CheckEmptyValues (security.go:106). */
function emptyValueError(key: string, values: readonly string[]): string | undefined {
  return values.includes("") ? `empty value not allowed, found in ${key}` : undefined;
}

/** security.CheckWildcardValues (security.go:117): one wildcard at most, at the start or the end. */
function wildcardValueError(key: string, values: readonly string[]): string | undefined {
  const empty = emptyValueError(key, values);
  if (empty) return empty;
  for (const v of values) {
    const count = v.split("*").length - 1;
    if (count > 1) return `at most one wildcard is allowed, found in ${key}: ${q(v)}`;
    if (count === 1 && v !== "*" && !v.startsWith("*") && !v.endsWith("*")) return `wildcard is only allowed at the start or end, found in ${key}: ${q(v)}`;
  }
  return undefined;
}

/** security.CheckTrustDomainValues (security.go:134). */
function trustDomainValueError(key: string, values: readonly string[]): string | undefined {
  const e = wildcardValueError(key, values);
  if (e) return e;
  const slashed = values.find((v) => v.includes("/"));
  return slashed === undefined ? undefined : `trust domain must not contain '/', found in ${key}: ${q(slashed)}`;
}

/** security.CheckServiceAccount (security.go:146): `sa` or `namespace/sa`, at most 16 values. */
function serviceAccountError(key: string, values: readonly string[]): string | undefined {
  if (values.length > 16) return "may not have more than 16 values";
  const format = "expected format 'serviceAccount' or 'namespace/serviceAccount'";
  for (const v of values) {
    if (v === "") return `empty value not allowed, found in ${key}`;
    if (v.includes("*")) return `wildcard not allowed, found in ${key}`;
    const slashes = v.split("/").length - 1;
    if (slashes !== 0 && slashes !== 1) return `${format}, found ${q(v)} in ${key}`;
    if (v.length > 320) return `value cannot exceed 320 characters, found ${q(v)} in ${key}`;
    const slash = v.indexOf("/");
    if (slash >= 0) {
      if (slash === 0) return `${format}, found empty namespace ${q(v)} in ${key}`;
      if (slash === v.length - 1) return `${format}, found empty serviceAccount ${q(v)} in ${key}`;
    }
  }
  return undefined;
}

const validLiteral = /^[a-zA-Z0-9\-._~%!$&'()+,;:@=]+$/;

/** security.CheckValidPathTemplate (security.go:183): `{*}` and `{**}` path templates. */
function pathTemplateError(key: string, paths: readonly string[]): string | undefined {
  for (const original of paths) {
    const template = original.includes("{*}") || original.includes("{**}");
    const path = original.replace(/^\/+|\/+$/g, "");
    let matchAny = false;
    for (const glob of path.split("/")) {
      if (glob === "{*}" && !matchAny) continue;
      if (glob === "{**}" && !matchAny) {
        matchAny = true;
        continue;
      }
      if ((glob === "{**}" || glob === "{*}") && matchAny) return `invalid or unsupported path ${path}, found in ${key}. {**} is not the last operator`;
      if (/[{}]/.test(glob)) return `invalid or unsupported path ${path}, found in ${key}. Contains '{' or '}' beyond a supported path template`;
      if (template && !validLiteral.test(glob))
        return `invalid or unsupported path ${path}, found in ${key}. Contains segment ${glob} with invalid string literal`;
    }
  }
  return undefined;
}

/** security.validateMapKey (security.go:312): `a[b]`. */
function mapKeyError(key: string): string | undefined {
  const open = key.indexOf("[");
  return key.endsWith("]") && open > 0 && open < key.length - 2 ? undefined : `bad key (${key}): should have format a[b]`;
}

/** security.ValidateAttribute (security.go:231): a `when` condition's key and its values. */
function attributeError(key: string, values: readonly string[]): string | undefined {
  const empty = emptyValueError(key, values);
  if (empty) return empty;
  if (key.startsWith("request.headers")) return mapKeyError(key);
  switch (key) {
    case "source.ip":
    case "remote.ip":
    case "destination.ip": {
      const errors = ipErrors(values);
      return errors.length > 0 ? errors.join("; ") : undefined;
    }
    case "source.serviceAccount":
      return serviceAccountError(key, values);
    case "source.trustDomain":
      return wildcardValueError(key, values);
    case "destination.port": {
      const errors = portErrors(values);
      return errors.length > 0 ? errors.join("; ") : undefined;
    }
    case "source.namespace":
    case "source.principal":
    case "request.auth.principal":
    case "request.auth.audiences":
    case "request.auth.presenter":
    case "connection.sni":
      return undefined;
  }
  if (key.startsWith("request.auth.claims") || key.startsWith("experimental.envoy.filters.")) return mapKeyError(key);
  if (key === "destination.namespace") return `attribute ${key} is replaced by the metadata.namespace`;
  if (key.startsWith("destination.labels")) return `attribute ${key} is replaced by the workload selector`;
  if (key === "destination.name" || key === "destination.user") return `deprecated attribute ${key}: only supported in v1alpha1`;
  return `unknown attribute: ${key}`;
}

/** A repeated string field (non-string entries written as text). */
function strings(v: unknown): string[] {
  return list(v).map((x) => (typeof x === "string" ? x : String(x)));
}

/** validation.go validatePolicyTargetReference (:1358). */
function targetRefErrors(ref: unknown): string[] {
  const out: string[] = [];
  if (!isSet(ref)) return out;
  if (str(ref.name) === "") out.push("targetRef name must be set");
  if (str(ref.namespace) !== "") out.push("targetRef namespace must not be set; cross namespace referencing is not supported");
  const group = str(ref.group) || "core";
  const kind = str(ref.kind);
  const allowed = [
    ["core", "Service"],
    ["networking.istio.io", "ServiceEntry"],
    ["gateway.networking.k8s.io", "Gateway"],
    ["gateway.networking.k8s.io", "GatewayClass"],
  ].some(([g, k]) => g === group && k === kind);
  if (!allowed)
    out.push(
      `targetRef must be to one of [core/v1/Service networking.istio.io/v1/ServiceEntry gateway.networking.k8s.io/v1/Gateway gateway.networking.k8s.io/v1/GatewayClass] but was ${str(ref.group)}/${kind}`,
    );
  return out;
}

const actions = ["ALLOW", "DENY", "AUDIT", "CUSTOM"] as const;

const customUnsupported = [
  ["namespaces", "From.Namespaces"],
  ["notNamespaces", "From.NotNamespaces"],
  ["serviceAccounts", "From.ServiceAccounts"],
  ["notServiceAccounts", "From.NotServiceAccounts"],
  ["trustDomains", "From.TrustDomains"],
  ["notTrustDomains", "From.NotTrustDomains"],
  ["principals", "From.Principals"],
  ["notPrincipals", "From.NotPrincipals"],
  ["requestPrincipals", "From.RequestPrincipals"],
  ["notRequestPrincipals", "From.NotRequestPrincipals"],
] as const;

const sourceFields = [
  "principals",
  "requestPrincipals",
  "namespaces",
  "ipBlocks",
  "remoteIpBlocks",
  "notPrincipals",
  "notRequestPrincipals",
  "notNamespaces",
  "notIpBlocks",
  "notRemoteIpBlocks",
  "serviceAccounts",
  "notServiceAccounts",
  "trustDomains",
  "notTrustDomains",
] as const;

const operationFields = ["ports", "methods", "paths", "hosts", "notPorts", "notMethods", "notPaths", "notHosts"] as const;

const portFix = "Write the port number, e.g. '5432' for the Service port named tcp-postgres (quoted: the field is a list of strings).";

/** validation.go ValidateAuthorizationPolicy (:1429). */
export function validateAuthorizationPolicy(r: Resource, report: Report): void {
  const refuse = refuser(r, report);
  const spec = r.spec;
  const action = enumName(spec.action, actions);
  const rules = list(spec.rules);
  const selectorTypes = (isSet(spec.selector) ? 1 : 0) + (isSet(spec.targetRef) ? 1 : 0) + (list(spec.targetRefs).length > 0 ? 1 : 0);
  if (selectorTypes > 1) refuse("spec", "only one of targetRefs or workloadSelector can be set", "Keep either selector or targetRef(s).");
  for (const e of workloadSelectorErrors(spec.selector)) refuse("spec.selector", e);
  for (const e of targetRefErrors(spec.targetRef)) refuse("spec.targetRef", e);
  list(spec.targetRefs).forEach((ref, i) => {
    for (const e of targetRefErrors(ref)) refuse(`spec.targetRefs[${i}]`, e);
  });
  if (action === "CUSTOM") {
    if (rules.length === 0)
      refuse(
        "spec.rules",
        "CUSTOM action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request",
        "Add an empty rule `{}` to match every request, or the rules it should match.",
      );
    else if (!isSet(spec.provider) || str(spec.provider.name) === "")
      refuse("spec.provider.name", "`provider.name` must not be empty", "Name an extension provider of meshConfig.extensionProviders.");
    rules.forEach((rule, i) => {
      list(rule?.from).forEach((from, f) => {
        const src = from?.source;
        if (!isSet(src)) return;
        for (const [k, name] of customUnsupported)
          if (list(src[k]).length !== 0)
            refuse(
              `spec.rules[${i}].from[${f}].source.${k}`,
              `${name} is currently not supported with CUSTOM action`,
              "Move identity checks to an ALLOW or DENY policy.",
            );
      });
      list(rule?.when).forEach((when, w) => {
        if (when === null) {
          refuse(`spec.rules[${i}].when[${w}]`, "when field cannot be nil");
          return;
        }
        const key = str(when?.key);
        if (["source.namespace", "source.serviceAccount", "source.trustDomain", "source.principal"].includes(key) || key.startsWith("request.auth."))
          refuse(`spec.rules[${i}].when[${w}].key`, `${key} is currently not supported with CUSTOM action`, "Move identity checks to an ALLOW or DENY policy.");
      });
    });
  }
  if (isSet(spec.provider) && action !== "CUSTOM")
    refuse("spec.provider", `\`provider\` must not be with non CUSTOM action, found ${action}`, "Remove provider or use action CUSTOM.");
  if (action === "DENY" && rules.length === 0)
    refuse(
      "spec.rules",
      "DENY action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request",
      "Add an empty rule `{}` to match every request, or the rules it should match.",
    );
  rules.forEach((rule, i) => {
    validateRule(rule, i, refuse);
  });
}

/** Each source field, its name in Istio's messages, and the check of its values (validation.go ValidateAuthorizationPolicy). */
const sourceValueChecks: readonly (readonly [string, string, (key: string, values: readonly string[]) => string | undefined])[] = [
  ["principals", "Principals", emptyValueError],
  ["requestPrincipals", "RequestPrincipals", emptyValueError],
  ["namespaces", "Namespaces", emptyValueError],
  ["serviceAccounts", "ServiceAccounts", serviceAccountError],
  ["trustDomains", "TrustDomains", trustDomainValueError],
  ["ipBlocks", "IpBlocks", emptyValueError],
  ["remoteIpBlocks", "RemoteIpBlocks", emptyValueError],
  ["notPrincipals", "NotPrincipals", emptyValueError],
  ["notRequestPrincipals", "NotRequestPrincipals", emptyValueError],
  ["notNamespaces", "NotNamespaces", emptyValueError],
  ["notServiceAccounts", "NotServiceAccounts", serviceAccountError],
  ["notTrustDomains", "NotTrustDomains", trustDomainValueError],
  ["notIpBlocks", "NotIpBlocks", emptyValueError],
  ["notRemoteIpBlocks", "NotRemoteIpBlocks", emptyValueError],
];

/** One rule of an AuthorizationPolicy (validation.go:1499-1617). */
function validateRule(rule: unknown, i: number, refuse: (path: string, reason: string, fix?: string) => void): void {
  const at = `spec.rules[${i}]`;
  if (!isSet(rule)) {
    refuse(at, `\`rule\` must not be nil, found at rule ${i}`);
    return;
  }
  list(rule.from).forEach((from, f) => {
    const fat = `${at}.from[${f}]`;
    if (!isSet(from)) {
      refuse(fat, `\`from\` must not be nil, found at rule ${i}`);
      return;
    }
    const src = from.source;
    if (!isSet(src)) {
      refuse(`${fat}.source`, `\`from.source\` must not be nil, found at rule ${i}`, "Give the source (principals, namespaces, ipBlocks, ...).");
      return;
    }
    const n = (k: string) => list(src[k]).length;
    if (n("principals") + n("notPrincipals") + n("namespaces") + n("notNamespaces") > 0 && n("serviceAccounts") + n("notServiceAccounts") > 0)
      refuse(
        `${fat}.source`,
        `cannot set serviceAccounts with namespaces or principals, found at rule ${i}`,
        "Use either serviceAccounts or principals/namespaces in one source.",
      );
    if (sourceFields.every((k) => n(k) === 0))
      refuse(
        `${fat}.source`,
        `\`from.source\` must not be empty, found at rule ${i}`,
        "Name principals, namespaces, serviceAccounts, trustDomains or ipBlocks, or drop the from.",
      );
    for (const k of ["ipBlocks", "notIpBlocks", "remoteIpBlocks", "notRemoteIpBlocks"])
      for (const e of ipErrors(strings(src[k]))) refuse(`${fat}.source.${k}`, e, "Write an IP address or CIDR block.");
    for (const [k, name, check] of sourceValueChecks) {
      const e = check(name, strings(src[k]));
      if (e) refuse(`${fat}.source.${k}`, e);
    }
  });
  list(rule.to).forEach((to, t) => {
    const tat = `${at}.to[${t}]`;
    if (!isSet(to)) {
      refuse(tat, `\`to\` must not be nil, found at rule ${i}`);
      return;
    }
    const op = to.operation;
    if (!isSet(op)) {
      refuse(`${tat}.operation`, `\`to.operation\` must not be nil, found at rule ${i}`, "Give the operation (ports, methods, paths or hosts).");
      return;
    }
    if (operationFields.every((k) => list(op[k]).length === 0))
      refuse(`${tat}.operation`, `\`to.operation\` must not be empty, found at rule ${i}`, "Name ports, methods, paths or hosts, or drop the to.");
    for (const k of ["ports", "notPorts"]) for (const e of portErrors(strings(op[k]))) refuse(`${tat}.operation.${k}`, e, portFix);
    for (const [k, name] of [
      ["ports", "Ports"],
      ["methods", "Methods"],
      ["paths", "Paths"],
      ["hosts", "Hosts"],
      ["notPorts", "NotPorts"],
      ["notMethods", "NotMethods"],
      ["notPaths", "NotPaths"],
      ["notHosts", "NotHosts"],
    ] as const) {
      const e = emptyValueError(name, strings(op[k]));
      if (e) refuse(`${tat}.operation.${k}`, e);
    }
    for (const [k, name] of [
      ["paths", "Paths"],
      ["notPaths", "NotPaths"],
    ] as const) {
      const e = pathTemplateError(name, strings(op[k]));
      if (e) refuse(`${tat}.operation.${k}`, e);
    }
  });
  list(rule.when).forEach((cond, w) => {
    const wat = `${at}.when[${w}]`;
    const key = str(cond?.key);
    if (key === "") {
      refuse(`${wat}.key`, "`key` must not be empty");
      return;
    }
    const values = strings(cond.values);
    const notValues = strings(cond.notValues);
    if (values.length === 0 && notValues.length === 0) {
      refuse(wat, `at least one of \`values\` or \`notValues\` must be set for key ${key}`, "Give values or notValues.");
      return;
    }
    const fix = key === "destination.port" ? portFix : undefined;
    const ve = attributeError(key, values);
    if (ve) refuse(`${wat}.values`, `invalid \`value\` for \`key\` ${key}: ${ve}`, fix);
    const ne = attributeError(key, notValues);
    if (ne) refuse(`${wat}.notValues`, `invalid \`notValue\` for \`key\` ${key}: ${ne}`, fix);
  });
}
