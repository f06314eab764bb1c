import type { ArgsOf } from "../diagnostics/codes.js";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { isIpLiteral } from "./mesh-index.js";
import type { Resource } from "./types.js";

type TlsRule = "mutual-without-certificate" | "insecure-skip-verify-with-ca" | "credential-name-with-files" | "configmap-credential-namespace";

/**
 * What istiod's validation refuses in a DestinationRule TLS setting (agent/validation.go
 * ValidateTLS), or undefined: `insecureSkipVerify` with a CA or SANs, `credentialName` with
 * certificate files, MUTUAL without a client certificate.
 */
function clientTlsProblem(tls: any, namespace: string): TlsRule | undefined {
  if (tls === null || typeof tls !== "object") return undefined;
  const set = (k: string) => tls[k] !== undefined && tls[k] !== null && tls[k] !== "";
  // A configmap:// credential is `configmap://<the rule's namespace>/<name>` (credentials ParseResourceName).
  if (typeof tls.credentialName === "string" && tls.credentialName.startsWith("configmap://")) {
    const [ns = "", name = ""] = tls.credentialName.slice("configmap://".length).split("/");
    if (ns !== namespace || name === "") return "configmap-credential-namespace";
  }
  const sans = Array.isArray(tls.subjectAltNames) && tls.subjectAltNames.length > 0;
  if (tls.insecureSkipVerify === true) {
    if (tls.mode === "SIMPLE" && (set("caCertificates") || set("credentialName") || sans)) return "insecure-skip-verify-with-ca";
    if (tls.mode === "MUTUAL" && (set("caCertificates") || sans)) return "insecure-skip-verify-with-ca";
  }
  if ((tls.mode === "SIMPLE" || tls.mode === "MUTUAL") && set("credentialName")) {
    return set("clientCertificate") || set("caCertificates") || set("privateKey") || set("caCrl") ? "credential-name-with-files" : undefined;
  }
  if (tls.mode === "MUTUAL" && (!set("clientCertificate") || !set("privateKey"))) return "mutual-without-certificate";
  return undefined;
}

/**
 * The TLS settings of a DestinationRule istiod refuses, as `[path, rule]` in document order
 * (traffic policy, its port levels, then each subset's).
 */
function clientTlsProblems(dr: Resource): [string, TlsRule][] {
  const out: [string, TlsRule][] = [];
  const check = (tls: unknown, path: string) => {
    const rule = clientTlsProblem(tls, dr.namespace);
    if (rule) out.push([path, rule]);
  };
  const visit = (tp: any, path: string) => {
    check(tp?.tls, `${path}.tls`);
    const levels = tp?.portLevelSettings;
    if (Array.isArray(levels)) for (let i = 0; i < levels.length; i++) check(levels[i]?.tls, `${path}.portLevelSettings[${i}].tls`);
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

/** labels.IsDNS1123Label: Istio allows upper case. */
const dns1123Label = /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;

/**
 * What validation.go validateExportTo refuses in a DestinationRule's, VirtualService's or
 * ServiceEntry's exportTo, or undefined: duplicates (`.` counts as the own namespace), `~` outside
 * a ServiceEntry, an entry that is not `.`, `*` or a DNS label, `*` or `~` with other entries, a
 * rule with workloadSelector exported beyond its namespace.
 */
function exportToProblem(r: Resource): string | undefined {
  const exportTo: unknown[] = Array.isArray(r.spec.exportTo) ? r.spec.exportTo : [];
  if (exportTo.length === 0) return undefined;
  const isServiceEntry = r.kind === "ServiceEntry";
  const seen = new Set<string>();
  for (const raw of exportTo) {
    const e = String(raw);
    const key = e === "." ? r.namespace : e;
    if (seen.has(key))
      return key === e ? `duplicate entries in exportTo for entry ${e}` : `duplicate entries in exportTo: . and current namespace ${r.namespace}`;
    if (e === "~" && !isServiceEntry) return "exportTo ~ (none) is not allowed for Istio configuration objects";
    if (e !== "~" && key !== "*" && !(key.length <= 63 && dns1123Label.test(key))) return "only .,*, or a valid DNS 1123 label is allowed as exportTo entry";
    seen.add(key);
  }
  if (r.kind === "DestinationRule" && r.spec.workloadSelector != null) {
    if (!seen.has(r.namespace)) return "destination rule with workload selector cannot have exportTo beyond current namespace";
    if (seen.size > 1) return "destination rule with workload selector cannot have multiple entries in exportTo";
  }
  if (seen.has("*") && exportTo.length > 1) return "cannot have both public (*) and non-public exportTo values for a resource";
  if (seen.has("~") && exportTo.length > 1) return "cannot export service entry to no one (~) and someone";
  return undefined;
}

function validateResource(r: Resource, report: Report): void {
  const kind = r.kind;
  if ((kind === "DestinationRule" || kind === "VirtualService" || kind === "ServiceEntry") && r.apiVersion.startsWith("networking.istio.io/")) {
    const problem = exportToProblem(r);
    if (problem) report(r, "spec.exportTo", { rule: "export-to", problem });
  }
  // validation.go checkDryRunAnnotation: every Istio config kind is checked for istio.io/dry-run.
  const dryRun = r.metadata.annotations?.["istio.io/dry-run"];
  if (dryRun !== undefined && /\.istio\.io\//.test(r.apiVersion)) {
    const action = String(r.spec.action ?? "ALLOW");
    if (kind !== "AuthorizationPolicy") report(r, "metadata.annotations.istio.io/dry-run", { rule: "dry-run-kind" });
    else if (action !== "ALLOW" && action !== "DENY") report(r, "metadata.annotations.istio.io/dry-run", { rule: "dry-run-action", action });
    else if (!parseBoolValues.includes(String(dryRun))) report(r, "metadata.annotations.istio.io/dry-run", { rule: "dry-run-value", value: String(dryRun) });
  }
  if (kind === "ServiceEntry" && r.apiVersion.startsWith("networking.istio.io/")) validateServiceEntry(r, report);
  else if (kind === "AuthorizationPolicy" && r.apiVersion.startsWith("security.istio.io/")) validateAuthorizationPolicy(r, report);
  else if (kind === "Gateway" && r.apiVersion.startsWith("networking.istio.io/")) validateGateway(r, report);
  else if (kind === "Sidecar" && r.apiVersion.startsWith("networking.istio.io/")) validateSidecarOutboundPolicy(r, report);
  else if (kind === "DestinationRule" && r.apiVersion.startsWith("networking.istio.io/")) {
    for (const [path, rule] of clientTlsProblems(r)) report(r, path, { rule });
    validatePortLevelSettings(r, report);
  }
}

/**
 * validation.go validatePortTrafficPolicies: each port-level entry names a port and sets
 * something (outlierDetection, connectionPool, loadBalancer or tls), in the rule's traffic
 * policy and its subsets'.
 */
function validatePortLevelSettings(r: Resource, report: Report): void {
  const visit = (tp: any, path: string) => {
    const levels = tp?.portLevelSettings;
    if (!Array.isArray(levels)) return;
    for (let i = 0; i < levels.length; i++) {
      const l = levels[i];
      if (l === null || typeof l !== "object") continue;
      if (l.port === undefined || l.port === null)
        report(r, `${path}.portLevelSettings[${i}].port`, {
          rule: "refused",
          problem: "portTrafficPolicy must have valid port",
          fix: "Name the port: port: {number: <service port>}.",
        });
      if ([l.outlierDetection, l.connectionPool, l.loadBalancer, l.tls].every((x) => x === undefined || x === null))
        report(r, `${path}.portLevelSettings[${i}]`, {
          rule: "refused",
          problem: "port traffic policy must have at least one field",
          fix: "Set tls, connectionPool, loadBalancer or outlierDetection for the port, or drop the entry.",
        });
    }
  };
  visit(r.spec.trafficPolicy, "spec.trafficPolicy");
  const subsets = r.spec.subsets;
  if (Array.isArray(subsets)) for (let i = 0; i < subsets.length; i++) visit(subsets[i]?.trafficPolicy, `spec.subsets[${i}].trafficPolicy`);
}

function validateServiceEntry(r: Resource, report: Report): void {
  const endpoints: any[] = Array.isArray(r.spec.endpoints) ? r.spec.endpoints : [];
  // validation.go ValidateServiceEntry: port names and numbers are unique; STATIC endpoints are IP
  // (or unix://) addresses; DNS_ROUND_ROBIN takes at most one endpoint.
  const seenNames = new Set<string>();
  const seenNumbers = new Set<string>();
  for (const port of Array.isArray(r.spec.ports) ? r.spec.ports : []) {
    const name = String(port?.name ?? "");
    const number = String(port?.number ?? "");
    if (seenNames.has(name))
      report(r, "spec.ports", { rule: "refused", problem: `service entry port name "${name}" already defined`, fix: "Give each port its own name." });
    if (seenNumbers.has(number))
      report(r, "spec.ports", { rule: "refused", problem: `service entry port ${number} already defined`, fix: "List each port number once." });
    seenNames.add(name);
    seenNumbers.add(number);
  }
  const res = String(r.spec.resolution ?? "NONE");
  if (res === "STATIC")
    for (let i = 0; i < endpoints.length; i++) {
      const addr = String(endpoints[i]?.address ?? "");
      if (addr !== "" && !addr.startsWith("unix://") && !isIpLiteral(addr))
        report(r, `spec.endpoints[${i}].address`, {
          rule: "refused",
          problem: `endpoint address "${addr}" is not a valid IP address`,
          fix: "Use resolution DNS for hostname endpoints, or write the address.",
        });
    }
  if (res === "DNS_ROUND_ROBIN" && endpoints.length > 1)
    report(r, "spec.endpoints", {
      rule: "refused",
      problem: "there must only be 0 or 1 endpoint for resolution mode DNS_ROUND_ROBIN",
      fix: "Use resolution DNS for several endpoints.",
    });
  // validation.go ValidateServiceEntry: resolution NONE takes no endpoints.
  if (String(r.spec.resolution ?? "NONE") === "NONE" && endpoints.length > 0) report(r, "spec.endpoints", { rule: "none-with-endpoints" });
  // validation.go ValidateServiceEntry: CIDR addresses only with resolution NONE or STATIC.
  const resolution = String(r.spec.resolution ?? "NONE");
  if (resolution !== "NONE" && resolution !== "STATIC" && Array.isArray(r.spec.addresses) && r.spec.addresses.some((a: unknown) => String(a).includes("/")))
    report(r, "spec.addresses", { rule: "cidr-with-dns", resolution });
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
    for (let w = 0; w < whens.length; w++)
      if (String(whens[w]?.key ?? "") === "destination.port")
        for (const k of ["values", "notValues"])
          for (const port of Array.isArray(whens[w]?.[k]) ? whens[w][k] : [])
            if (!isPortNumber(port)) report(r, `spec.rules[${i}].when[${w}].${k}`, { rule: "bad-port", port: String(port) });
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

/**
 * validation.go validateSidecarOutboundTrafficPolicy: ALLOW_ANY_DYNAMIC_DNS belongs to
 * meshConfig; an egressProxy needs mode ALLOW_ANY (the mode defaults to REGISTRY_ONLY) and a port.
 */
function validateSidecarOutboundPolicy(r: Resource, report: Report): void {
  const tp = r.spec.outboundTrafficPolicy;
  if (tp === null || typeof tp !== "object") return;
  const mode = String(tp.mode ?? "REGISTRY_ONLY");
  if (mode === "ALLOW_ANY_DYNAMIC_DNS") report(r, "spec.outboundTrafficPolicy.mode", { rule: "sidecar-dynamic-dns" });
  else if (tp.egressProxy !== undefined && tp.egressProxy !== null) {
    if (mode !== "ALLOW_ANY") report(r, "spec.outboundTrafficPolicy.egressProxy", { rule: "egress-proxy-mode", mode });
    else if (tp.egressProxy.port === undefined || tp.egressProxy.port === null)
      report(r, "spec.outboundTrafficPolicy.egressProxy.port", { rule: "egress-proxy-port" });
  }
}

function validateGateway(r: Resource, report: Report): void {
  // validation.go ValidateGateway: server port names are unique within a Gateway.
  const names = new Set<string>();
  for (const srv of Array.isArray(r.spec.servers) ? r.spec.servers : []) {
    if (srv?.port === undefined || srv?.port === null) continue;
    const name = String(srv.port.name ?? "");
    if (names.has(name))
      report(r, "spec.servers", {
        rule: "refused",
        problem: `port names in servers must be unique: duplicate name ${name}`,
        fix: "Give each server's port its own name.",
      });
    names.add(name);
  }
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
