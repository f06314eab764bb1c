import type { ArgsOf } from "../diagnostics/codes.js";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { parseCidrRange } from "./ip-cidr.js";
import type { Resource } from "./types.js";

/** A MUTUAL TLS setting without a client certificate, which istiod rejects. */
function mutualWithoutCertificate(tls: any): boolean {
  return tls?.mode === "MUTUAL" && !tls.credentialName && (!tls.clientCertificate || !tls.privateKey);
}

/**
 * The paths of a DestinationRule's TLS settings that are MUTUAL without a client certificate,
 * in document order (traffic policy, its port levels, then each subset's).
 */
function mutualWithoutCertificatePaths(dr: Resource): string[] {
  const out: string[] = [];
  const visit = (tp: any, path: string) => {
    if (mutualWithoutCertificate(tp?.tls)) out.push(`${path}.tls`);
    const levels = tp?.portLevelSettings;
    if (Array.isArray(levels))
      for (let i = 0; i < levels.length; i++) if (mutualWithoutCertificate(levels[i]?.tls)) out.push(`${path}.portLevelSettings[${i}].tls`);
  };
  visit(dr.spec.trafficPolicy, "spec.trafficPolicy");
  const subsets = dr.spec.subsets;
  if (Array.isArray(subsets)) for (let i = 0; i < subsets.length; i++) visit(subsets[i]?.trafficPolicy, `spec.subsets[${i}].trafficPolicy`);
  return out;
}

/** The strings Go's strconv.ParseBool accepts. */
const parseBoolValues = ["1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"];

/** Whether Go's strconv.ParseUint(v, 10, 32) reads a port (at most 65535) from a value. */
function isPortNumber(v: unknown): boolean {
  const t = String(v);
  return /^[0-9]+$/.test(t) && t.length <= 10 && Number(t) <= 65535;
}

/** The length of a source field that is a list, else 0. */
function listLength(src: any, key: string): number {
  const v = src[key];
  return Array.isArray(v) ? v.length : 0;
}

/** How a check reports a field istiod refuses. */
type Report = (r: Resource, path: string, refused: ArgsOf<"MF3104">["refused"]) => void;

/**
 * The checks of Istio's config validation (pkg/config/validation) that change what a mesh
 * accepts: istiod rejects such a resource, so verifying it as if applied would mislead.
 */
export function validateIstioResources(resources: readonly Resource[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report: Report = (r, path, refused) =>
    out.push(
      diagnostic(
        "MF3104",
        { resource: { file: r.file, line: r.line, kind: r.kind, namespace: r.namespace, name: r.name }, field: path, refused },
        { path, position: { file: r.file, line: r.line, column: 1 } },
      ),
    );
  // One small function per resource and kind: V8 optimizes a long loop together with its whole
  // function, which in a run this short costs more than the optimized code saves.
  for (const r of resources) validateResource(r, report);
  return out;
}

function validateResource(r: Resource, report: Report): void {
  const kind = r.kind;
  // Enum values before anything reads them.
  if (kind === "AuthorizationPolicy" && r.apiVersion.startsWith("security.istio.io/")) checkEnum(r, "spec.action", r.spec, "action", AUTHZ_ACTIONS, report);
  if (r.apiVersion.startsWith("networking.istio.io/")) checkNetworkingEnums(r, report);
  // validation.go checkDryRunAnnotation: every Istio config kind is checked for istio.io/dry-run.
  const dryRun = r.metadata.annotations?.["istio.io/dry-run"];
  if (dryRun !== undefined && /\.istio\.io\//.test(r.apiVersion)) {
    const action = String(r.spec.action ?? "ALLOW");
    if (kind !== "AuthorizationPolicy") report(r, "metadata.annotations.istio.io/dry-run", { rule: "dry-run-kind" });
    else if (action !== "ALLOW" && action !== "DENY") report(r, "metadata.annotations.istio.io/dry-run", { rule: "dry-run-action", action });
    else if (!parseBoolValues.includes(String(dryRun))) report(r, "metadata.annotations.istio.io/dry-run", { rule: "dry-run-value", value: String(dryRun) });
  }
  if (/\.istio\.io\//.test(r.apiVersion)) validateLabelMaps(r, report);
  if (kind === "PeerAuthentication" && r.apiVersion.startsWith("security.istio.io/")) validatePeerAuthentication(r, report);
  if (kind === "ServiceEntry" && r.apiVersion.startsWith("networking.istio.io/")) validateServiceEntry(r, report);
  else if (kind === "AuthorizationPolicy" && r.apiVersion.startsWith("security.istio.io/")) validateAuthorizationPolicy(r, report);
  else if (kind === "Gateway" && r.apiVersion.startsWith("networking.istio.io/")) validateGateway(r, report);
  else if (kind === "DestinationRule" && r.apiVersion.startsWith("networking.istio.io/"))
    for (const path of mutualWithoutCertificatePaths(r)) report(r, path, { rule: "mutual-without-certificate" });
}

/**
 * Label maps are `map<string, string>`: Istio's JSON decoding refuses a YAML boolean or number
 * (`enabled: true`, `version: 1`) as a value ("cannot unmarshal bool into Go value of type
 * string"), so the resource is rejected; null reads as "".
 */
function checkLabelMap(r: Resource, path: string, v: unknown, report: Report): void {
  if (!v || typeof v !== "object" || Array.isArray(v)) return;
  for (const [key, value] of Object.entries(v)) {
    if (typeof value === "boolean" || typeof value === "number")
      report(r, `${path}.${key}`, { rule: "label-not-string", key, value: String(value), type: typeof value });
  }
}

/** The label maps of Istio kinds: workload selectors, a Gateway's selector, WorkloadEntry and ServiceEntry endpoint labels. */
function validateLabelMaps(r: Resource, report: Report): void {
  const sp = r.spec;
  if (r.kind === "Gateway") checkLabelMap(r, "spec.selector", sp.selector, report);
  else {
    const labels = sp.selector?.matchLabels;
    checkLabelMap(r, "spec.selector.matchLabels", labels, report);
    // validation.go validateWorkloadSelector: no empty key, no wildcard in a key or value.
    if (labels && typeof labels === "object" && !Array.isArray(labels))
      for (const [k, v] of Object.entries(labels)) {
        const pair = `${k}=${v === null ? "" : String(v)}`;
        if (k === "") report(r, "spec.selector.matchLabels", { rule: "istio", reason: `empty key is not supported in selector: ${JSON.stringify(pair)}` });
        if (pair.includes("*"))
          report(r, `spec.selector.matchLabels.${k}`, { rule: "istio", reason: `wildcard is not supported in selector: ${JSON.stringify(pair)}` });
      }
  }
  checkLabelMap(r, "spec.workloadSelector.labels", sp.workloadSelector?.labels, report);
  if (r.kind === "WorkloadEntry") checkLabelMap(r, "spec.labels", sp.labels, report);
  if (r.kind === "ServiceEntry" && Array.isArray(sp.endpoints))
    for (let i = 0; i < sp.endpoints.length; i++) checkLabelMap(r, `spec.endpoints[${i}].labels`, sp.endpoints[i]?.labels, report);
}

/** Enum names in number order (istio.io/api security/v1beta1: PeerAuthentication.MutualTLS.Mode, AuthorizationPolicy.Action). */
const MTLS_MODES = ["UNSET", "DISABLE", "PERMISSIVE", "STRICT"];

/**
 * An enum field must be one of its names, exactly: the CRD schema types every enum as a string
 * with its names, so the API server refuses a number (`mode: 1`) that Istio's JSON decoding alone
 * would take, and Istio refuses a name in another case (`strict`).
 */
function checkEnum(r: Resource, path: string, holder: any, key: string, names: readonly string[], report: Report): void {
  const v = holder?.[key];
  if (v === undefined || v === null) return;
  if (typeof v !== "string" || !names.includes(v)) report(r, path, { rule: "enum-value", value: String(v), allowed: names });
}

/** validation.go ValidatePeerAuthentication, and the mode enum as the JSON decoding reads it (exact names). */
function validatePeerAuthentication(r: Resource, report: Report): void {
  const sp = r.spec;
  checkEnum(r, "spec.mtls.mode", sp.mtls, "mode", MTLS_MODES, report);
  const levels = sp.portLevelMtls;
  if (!levels || typeof levels !== "object" || Array.isArray(levels)) return;
  const ports = Object.keys(levels);
  const labels = sp.selector?.matchLabels;
  const emptySelector = !labels || typeof labels !== "object" || Object.keys(labels).length === 0;
  if (emptySelector && ports.length > 0) report(r, "spec.portLevelMtls", { rule: "port-level-mtls-without-selector" });
  if (ports.length === 0) report(r, "spec.portLevelMtls", { rule: "port-level-mtls-empty" });
  for (const port of ports) {
    if (!/^[0-9]+$/.test(port) || Number(port) < 1 || Number(port) > 65535) report(r, `spec.portLevelMtls.${port}`, { rule: "port-level-mtls-port", port });
    checkEnum(r, `spec.portLevelMtls.${port}.mode`, levels[port], "mode", MTLS_MODES, report);
  }
}

/** Condition keys Istio knows (pkg/config/security/security.go ValidateAttribute): exact names, and prefixes of `a[b]` keys. */
const CONDITION_KEYS = new Set([
  "source.ip",
  "remote.ip",
  "source.namespace",
  "source.serviceAccount",
  "source.principal",
  "source.trustDomain",
  "request.auth.principal",
  "request.auth.audiences",
  "request.auth.presenter",
  "destination.ip",
  "destination.port",
  "connection.sni",
]);

/** Why ValidateAttribute refuses a condition key, or undefined when it knows the key. */
function conditionKeyProblem(key: string): string | undefined {
  if (CONDITION_KEYS.has(key)) return undefined;
  // validateMapKey: `a[b]` with a non-empty b.
  const mapKey = () => {
    const open = key.indexOf("[");
    return key.endsWith("]") && open > 0 && open < key.length - 2 ? undefined : `bad key (${key}): should have format a[b]`;
  };
  if (key.startsWith("request.headers") || key.startsWith("request.auth.claims") || key.startsWith("experimental.envoy.filters.")) return mapKey();
  if (key === "destination.namespace") return `attribute ${key} is replaced by the metadata.namespace`;
  if (key.startsWith("destination.labels")) return `attribute ${key} is replaced by the workload selector`;
  if (key === "destination.name" || key === "destination.user") return `deprecated attribute ${key}: only supported in v1alpha1`;
  return `unknown attribute: ${key}`;
}

/** Enum names in number order (istio.io/api networking/v1alpha3: ServerTLSSettings.TLSmode, ClientTLSSettings.TLSmode, ServiceEntry.Resolution, ServiceEntry.Location). */
const SERVER_TLS_MODES = ["PASSTHROUGH", "SIMPLE", "MUTUAL", "AUTO_PASSTHROUGH", "ISTIO_MUTUAL", "OPTIONAL_MUTUAL"];
const CLIENT_TLS_MODES = ["DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"];
const SE_RESOLUTIONS = ["NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN", "DYNAMIC_DNS"];
const SE_LOCATIONS = ["MESH_EXTERNAL", "MESH_INTERNAL"];

/** The networking enums verify reads: Gateway server and DestinationRule TLS modes, ServiceEntry resolution and location. */
function checkNetworkingEnums(r: Resource, report: Report): void {
  const sp = r.spec;
  if (r.kind === "Gateway" && Array.isArray(sp.servers))
    for (let i = 0; i < sp.servers.length; i++) checkEnum(r, `spec.servers[${i}].tls.mode`, sp.servers[i]?.tls, "mode", SERVER_TLS_MODES, report);
  else if (r.kind === "DestinationRule") {
    const policy = (tp: any, path: string) => {
      checkEnum(r, `${path}.tls.mode`, tp?.tls, "mode", CLIENT_TLS_MODES, report);
      const levels = tp?.portLevelSettings;
      if (Array.isArray(levels))
        for (let j = 0; j < levels.length; j++) checkEnum(r, `${path}.portLevelSettings[${j}].tls.mode`, levels[j]?.tls, "mode", CLIENT_TLS_MODES, report);
    };
    policy(sp.trafficPolicy, "spec.trafficPolicy");
    if (Array.isArray(sp.subsets)) for (let k = 0; k < sp.subsets.length; k++) policy(sp.subsets[k]?.trafficPolicy, `spec.subsets[${k}].trafficPolicy`);
  } else if (r.kind === "ServiceEntry") {
    checkEnum(r, "spec.resolution", sp, "resolution", SE_RESOLUTIONS, report);
    checkEnum(r, "spec.location", sp, "location", SE_LOCATIONS, report);
  }
}

/** AuthorizationPolicy.Action names in number order. */
const AUTHZ_ACTIONS = ["ALLOW", "DENY", "AUDIT", "CUSTOM"];

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => (x === null ? "" : String(x))) : []);

/** ValidateIPs: an address, or a range when the value has a `/`. */
const isIpOrRange = (v: string): boolean => parseCidrRange(v) !== undefined;

/** Why CheckWildcardValues refuses a value (at most one `*`, only at an end), or undefined. */
function wildcardProblem(v: string): string | undefined {
  const count = v.split("*").length - 1;
  if (count > 1) return `at most one wildcard is allowed: ${JSON.stringify(v)}`;
  if (count === 1 && v !== "*" && !v.startsWith("*") && !v.endsWith("*")) return `wildcard is only allowed at the start or end: ${JSON.stringify(v)}`;
  return undefined;
}

/** Why CheckServiceAccount refuses a value (`sa` or `ns/sa`, no wildcard), or undefined. */
function serviceAccountProblem(v: string): string | undefined {
  if (v.includes("*")) return "wildcard not allowed";
  const slashes = v.split("/").length - 1;
  if (slashes > 1 || v.length > 320) return `expected format 'serviceAccount' or 'namespace/serviceAccount', found ${JSON.stringify(v)}`;
  const [ns, sa] = slashes === 1 ? v.split("/") : ["x", v];
  if (!ns || !sa) return `expected format 'serviceAccount' or 'namespace/serviceAccount', found ${JSON.stringify(v)}`;
  return undefined;
}

/**
 * The value checks of validation.go ValidateAuthorizationPolicy for one rule: no empty values,
 * addresses and ranges that parse, trust domains and service accounts in their formats, a
 * `to.operation` naming something, and `when` conditions with values of their key's kind
 * (pkg/config/security/security.go ValidateAttribute).
 */
function validateRuleValues(r: Resource, i: number, rule: any, report: Report): void {
  const refuse = (path: string, reason: string) => report(r, `spec.rules[${i}].${path}`, { rule: "istio", reason });
  const froms: any[] = Array.isArray(rule?.from) ? rule.from : [];
  for (let f = 0; f < froms.length; f++) {
    const src = froms[f]?.source;
    if (!src || typeof src !== "object") continue;
    for (const k of Object.keys(src)) {
      const vs = strings(src[k]);
      const at = `from[${f}].source.${k}`;
      if (vs.includes("") && k !== "serviceAccounts" && k !== "notServiceAccounts") refuse(at, "empty value not allowed");
      else if (/^(not)?(ip|remoteIp)Blocks$/i.test(k)) {
        const bad = vs.find((v) => !isIpOrRange(v));
        if (bad !== undefined) refuse(at, `bad IP address or CIDR range (${bad})`);
      } else if (k === "trustDomains" || k === "notTrustDomains") {
        const bad = vs
          .map((v) => wildcardProblem(v) ?? (v.includes("/") ? `trust domain must not contain '/': ${JSON.stringify(v)}` : undefined))
          .find(Boolean);
        if (bad) refuse(at, bad);
      } else if (k === "serviceAccounts" || k === "notServiceAccounts") {
        const bad =
          vs.length > 16 ? "may not have more than 16 values" : vs.map((v) => (v === "" ? "empty value not allowed" : serviceAccountProblem(v))).find(Boolean);
        if (bad) refuse(at, bad);
      }
    }
  }
  const tos: any[] = Array.isArray(rule?.to) ? rule.to : [];
  for (let t = 0; t < tos.length; t++) {
    const op = tos[t]?.operation;
    if (!op || typeof op !== "object") continue;
    const keys = ["ports", "methods", "paths", "hosts", "notPorts", "notMethods", "notPaths", "notHosts"];
    if (keys.every((k) => strings(op[k]).length === 0)) refuse(`to[${t}].operation`, "`to.operation` must not be empty");
    for (const k of keys) if (strings(op[k]).includes("")) refuse(`to[${t}].operation.${k}`, "empty value not allowed");
  }
  const whens: any[] = Array.isArray(rule?.when) ? rule.when : [];
  for (let w = 0; w < whens.length; w++) {
    const key = String(whens[w]?.key ?? "");
    const at = `when[${w}]`;
    if (key === "") {
      refuse(at, "`key` must not be empty");
      continue;
    }
    const values = strings(whens[w]?.values);
    const notValues = strings(whens[w]?.notValues);
    if (values.length === 0 && notValues.length === 0) {
      refuse(at, `at least one of \`values\` or \`notValues\` must be set for key ${key}`);
      continue;
    }
    for (const vs of [values, notValues]) {
      if (vs.includes("")) refuse(at, `empty value not allowed, found in ${key}`);
      else if (key === "source.ip" || key === "remote.ip" || key === "destination.ip") {
        const bad = vs.find((v) => !isIpOrRange(v));
        if (bad !== undefined) refuse(at, `bad IP address or CIDR range (${bad})`);
      } else if (key === "source.principal" || key === "source.trustDomain") {
        const bad = vs.map(wildcardProblem).find(Boolean);
        if (bad) refuse(at, bad);
      } else if (key === "source.serviceAccount") {
        const bad = vs.length > 16 ? "may not have more than 16 values" : vs.map(serviceAccountProblem).find(Boolean);
        if (bad) refuse(at, bad);
      }
    }
  }
}

function validateServiceEntry(r: Resource, report: Report): void {
  const endpoints: any[] = Array.isArray(r.spec.endpoints) ? r.spec.endpoints : [];
  // validation.go ValidateServiceEntry: resolution NONE takes no endpoints.
  if (String(r.spec.resolution ?? "NONE") === "NONE" && endpoints.length > 0) report(r, "spec.endpoints", { rule: "none-with-endpoints" });
  const ports: any[] = Array.isArray(r.spec.ports) ? r.spec.ports : [];
  const names: string[] = [];
  for (let i = 0; i < ports.length; i++) names.push(String(ports[i]?.name ?? ""));
  for (let i = 0; i < endpoints.length; i++) {
    const mapped = endpoints[i]?.ports ?? {};
    const keys = Object.keys(mapped);
    for (let j = 0; j < keys.length; j++) {
      const name = keys[j]!;
      if (!names.includes(name))
        report(r, `spec.endpoints[${i}].ports.${name}`, { rule: "endpoint-port-name", port: String(mapped[name]), portName: name, portNames: names });
    }
  }
}

function validateAuthorizationPolicy(r: Resource, report: Report): void {
  const action = String(r.spec.action ?? "ALLOW");
  if (r.spec.provider && action !== "CUSTOM") report(r, "spec.provider", { rule: "provider-without-custom", action });
  // validation.go ValidateAuthorizationPolicy: a DENY or CUSTOM policy without rules would never
  // trigger, so istiod rejects it (an empty list is the same as none once read into the proto).
  if ((action === "DENY" || action === "CUSTOM") && !(Array.isArray(r.spec.rules) && r.spec.rules.length > 0))
    report(r, "spec.rules", { rule: "action-without-rules", action });
  if (action === "CUSTOM" && Array.isArray(r.spec.rules) && r.spec.rules.length > 0 && !r.spec.provider?.name)
    report(r, "spec.provider.name", { rule: "custom-without-provider" });
  const rules: any[] = Array.isArray(r.spec.rules) ? r.spec.rules : [];
  for (let i = 0; i < rules.length; i++) {
    // security.go ValidatePorts, for to.operation ports/notPorts and the destination.port condition.
    const tos: any[] = Array.isArray(rules[i]?.to) ? rules[i].to : [];
    for (let t = 0; t < tos.length; t++)
      for (const k of ["ports", "notPorts"])
        for (const port of Array.isArray(tos[t]?.operation?.[k]) ? tos[t].operation[k] : [])
          if (!isPortNumber(port)) report(r, `spec.rules[${i}].to[${t}].operation.${k}`, { rule: "bad-port", port: String(port) });
    const whens: any[] = Array.isArray(rules[i]?.when) ? rules[i].when : [];
    for (let w = 0; w < whens.length; w++) {
      const key = String(whens[w]?.key ?? "");
      const problem = key === "" ? undefined : conditionKeyProblem(key);
      if (problem !== undefined) report(r, `spec.rules[${i}].when[${w}].key`, { rule: "istio", reason: problem });
    }
    for (let w = 0; w < whens.length; w++)
      if (String(whens[w]?.key ?? "") === "destination.port")
        for (const k of ["values", "notValues"])
          for (const port of Array.isArray(whens[w]?.[k]) ? whens[w][k] : [])
            if (!isPortNumber(port)) report(r, `spec.rules[${i}].when[${w}].${k}`, { rule: "bad-port", port: String(port) });
    validateRuleValues(r, i, rules[i], report);
    const froms: any[] = Array.isArray(rules[i]?.from) ? rules[i].from : [];
    for (let f = 0; f < froms.length; f++) {
      const src = froms[f]?.source ?? {};
      if (
        listLength(src, "principals") + listLength(src, "notPrincipals") + listLength(src, "namespaces") + listLength(src, "notNamespaces") > 0 &&
        listLength(src, "serviceAccounts") + listLength(src, "notServiceAccounts") > 0
      ) {
        report(r, `spec.rules[${i}].from.source`, { rule: "service-accounts-with-principals" });
      }
      const keys = Object.keys(src);
      let empty = true;
      for (let k = 0; k < keys.length && empty; k++) if (listLength(src, keys[k]!) > 0) empty = false;
      if (empty) report(r, `spec.rules[${i}].from.source`, { rule: "empty-source" });
    }
  }
  if (action === "CUSTOM") {
    const unsupported = [
      "namespaces",
      "notNamespaces",
      "serviceAccounts",
      "notServiceAccounts",
      "trustDomains",
      "notTrustDomains",
      "principals",
      "notPrincipals",
      "requestPrincipals",
      "notRequestPrincipals",
    ];
    (Array.isArray(r.spec.rules) ? r.spec.rules : []).forEach((rule: any, i: number) => {
      for (const from of Array.isArray(rule?.from) ? rule.from : []) {
        for (const k of unsupported)
          if (Array.isArray(from?.source?.[k]) && from.source[k].length > 0)
            report(r, `spec.rules[${i}].from.source.${k}`, { rule: "unsupported-with-custom", key: k });
      }
      for (const w of Array.isArray(rule?.when) ? rule.when : []) {
        const key = String(w?.key ?? "");
        if (["source.namespace", "source.serviceAccount", "source.trustDomain", "source.principal"].includes(key) || key.startsWith("request.auth."))
          report(r, `spec.rules[${i}].when`, { rule: "unsupported-with-custom", key });
      }
    });
  }
}

function validateGateway(r: Resource, report: Report): void {
  (Array.isArray(r.spec.servers) ? r.spec.servers : []).forEach((srv: any, i: number) => {
    const mode = srv?.tls?.mode;
    if (
      (mode === "SIMPLE" || mode === "MUTUAL" || mode === "OPTIONAL_MUTUAL") &&
      !srv.tls.credentialName &&
      !srv.tls.credentialNames &&
      (!srv.tls.serverCertificate || !srv.tls.privateKey)
    ) {
      report(r, `spec.servers[${i}].tls`, { rule: "gateway-tls-credentials", mode });
    }
  });
}
