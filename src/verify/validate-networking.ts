/**
 * istiod's validation of the networking.istio.io kinds verify reads (Gateway, ServiceEntry,
 * DestinationRule, VirtualService, Sidecar, WorkloadEntry), rule by rule in Istio's order and with
 * Istio's reason text. Sources (istio.io/istio@v0.0.0-20260827124520-eed52ebb66ad):
 * pkg/config/validation/validation.go, pkg/config/validation/virtualservice.go,
 * pkg/config/validation/agent/validation.go, pkg/config/labels/instance.go.
 *
 * Only errors are reported: Istio's warnings (WrapWarning, AppendWarningf) leave the resource
 * applied. Values come from YAML, so every field is checked for its type first; a value of the
 * wrong type counts as absent here (the CRD schema check refuses it on its own).
 */
import { goDurationNanos } from "./go-duration.js";
import { parseCidrRange } from "./ip-cidr.js";
import type { Resource } from "./types.js";
import type { Report } from "./validate-istio.js";

/** Reports one refusal of a resource at a field path. */
type Refuse = (path: string, reason: string, fix?: string) => void;

export function refuser(r: Resource, report: Report): Refuse {
  return (path, reason, fix) => report(r, path, fix === undefined ? { rule: "istio", reason } : { rule: "istio", reason, fix });
}

// ── Values read as Istio's protobuf types read them ────────────────────────────────────

export function isObject(v: unknown): v is Record<string, any> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
/** A repeated field: an empty or absent list is nil in the proto. */
export function list(v: unknown): any[] {
  return Array.isArray(v) ? v : [];
}
/** A string field (Go's zero value "" when absent). */
export function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}
/** An integer field (0 when absent); protojson also reads integers written as strings. */
export function int(v: unknown): number {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && /^-?[0-9]+$/.test(v)) return Number(v);
  return 0;
}
/** A message field is set when it is an object (`{}` included); null or absent is nil. */
export function isSet(v: unknown): v is Record<string, any> {
  return isObject(v);
}
/** A map<string, string> field's entries (non-string values written as text). */
export function entries(v: unknown): [string, string][] {
  if (!isObject(v)) return [];
  return Object.keys(v).map((k) => [k, typeof v[k] === "string" ? v[k] : String(v[k])]);
}
/** An enum field's name: protojson reads names and numbers; absent is the first value. */
export function enumName(v: unknown, names: readonly string[]): string {
  if (typeof v === "number") return names[v] ?? String(v);
  if (typeof v === "string") return v;
  return names[0]!;
}
/** Go's %q for the strings Istio quotes in its messages. */
export function q(s: string): string {
  return JSON.stringify(s);
}
function byteLength(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

// ── pkg/config/labels/instance.go ───────────────────────────────────────────────────────

const dns1123LabelFmt = "[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?";
const dns1123LabelRe = new RegExp(`^${dns1123LabelFmt}$`);
const wildcardPrefixRe = new RegExp(`^(\\*|(\\*|\\*-)?${dns1123LabelFmt})$`);
const qualifiedNameFmt = "(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const tagKeyRe = new RegExp(`^(${dns1123LabelFmt}(?:\\.${dns1123LabelFmt})*/)?(${qualifiedNameFmt})$`);
const labelValueRe = new RegExp(`^(${qualifiedNameFmt})?$`);

/** labels.IsDNS1123Label: at most 63 characters. */
export function isDNS1123Label(s: string): boolean {
  return s.length <= 63 && dns1123LabelRe.test(s);
}
/** labels.IsWildcardDNS1123Label: `*`, or a DNS-1123 label optionally prefixed by `*` or `*-`. */
function isWildcardDNS1123Label(s: string): boolean {
  return s.length <= 63 && wildcardPrefixRe.test(s);
}

/** labels.Instance.Validate (instance.go:105): every key and value of a label map. */
export function labelErrors(v: unknown): string[] {
  const out: string[] = [];
  for (const [k, val] of entries(v)) {
    const m = tagKeyRe.exec(k);
    if (!m) out.push(`invalid tag key: ${q(k)}`);
    else if (m[1] && m[1].length - 1 > 253) out.push(`invalid tag key: ${q(k)} (DNS prefix is too long)`);
    else if (m[2]!.length > 63) out.push(`invalid tag key: ${q(k)} (name is too long)`);
    if (!labelValueRe.test(val)) out.push(`invalid tag value: ${q(val)}`);
  }
  return out;
}

// ── pkg/config/validation/agent/validation.go ──────────────────────────────────────────

/** agent.ValidatePort (agent/validation.go:178). */
export function portError(port: number): string | undefined {
  return port >= 1 && port <= 65535 ? undefined : `port number ${port} must be in the range 1..65535`;
}

/** agent.CheckDNS1123Preconditions (agent/validation.go:186). */
function dns1123Preconditions(name: string): string | undefined {
  if (byteLength(name) > 255) return `domain name ${q(name)} too long (max 255)`;
  if (name.length === 0) return "empty domain name not allowed";
  return undefined;
}

/** Whether Go's strconv.Atoi reads the text (an int64, optional sign). */
function atoi(s: string): boolean {
  if (!/^[+-]?[0-9]+$/.test(s)) return false;
  const n = BigInt(s);
  return n >= -(2n ** 63n) && n < 2n ** 63n;
}

/** agent.ValidateDNS1123Labels (agent/validation.go:196). */
function dns1123LabelsError(domain: string): string | undefined {
  const parts = domain.split(".");
  const tld = parts[parts.length - 1]!;
  if (atoi(tld)) return `domain name ${q(domain)} invalid (top level domain ${q(tld)} cannot be all-numeric)`;
  for (let i = 0; i < parts.length; i++) {
    const label = parts[i]!;
    // The last label may be empty, for names like `istio.io.`.
    if (i === parts.length - 1 && label === "") return undefined;
    if (!isDNS1123Label(label)) return `domain name ${q(domain)} invalid (label ${q(label)} invalid)`;
  }
  return undefined;
}

/** agent.ValidateFQDN (agent/validation.go:225). */
export function fqdnError(fqdn: string): string | undefined {
  return dns1123Preconditions(fqdn) ?? dns1123LabelsError(fqdn);
}

/** agent.ValidateWildcardDomain (agent/validation.go:737): a wildcard only in the first label. */
export function wildcardDomainError(domain: string): string | undefined {
  const pre = dns1123Preconditions(domain);
  if (pre) return pre;
  const dot = domain.indexOf(".");
  const first = dot >= 0 ? domain.slice(0, dot) : domain;
  if (!isWildcardDNS1123Label(first)) return `domain name ${q(domain)} invalid (label ${q(first)} invalid)`;
  return dot >= 0 ? dns1123LabelsError(domain.slice(dot + 1)) : undefined;
}

const outboundHostNameFormat = "outbound_.<PORT>_._.<HOSTNAME>";

/**
 * agent.ValidateWildcardDomainForVirtualServiceBoundToGateway (agent/validation.go:754): an SNI
 * host may also be an auto-generated `outbound_.<PORT>_._.<HOSTNAME>`.
 */
function gatewayBoundDomainError(sni: boolean, domain: string): string | undefined {
  const pre = dns1123Preconditions(domain);
  if (pre) return pre;
  if (sni && domain.startsWith("outbound_")) {
    const parts = domain.split("_");
    if (parts.length < 4) return `domain name ${domain} invalid, should follow '${outboundHostNameFormat}' format`;
    const trim = (s: string) => s.replace(/^\.+|\.+$/g, "");
    const port = trim(parts[1]!);
    const hostname = trim(parts[3]!);
    if (parts[0] !== "outbound") return `domain name ${q(domain)} invalid (label ${q(parts[0]!)} invalid)`;
    if (!/[0-9]/.test(port)) return `domain name ${q(domain)} invalid (label ${q(port)} invalid). should follow ${outboundHostNameFormat} format`;
    if (!/[a-zA-Z]/.test(hostname)) return `domain name ${q(domain)} invalid (label ${q(hostname)} invalid). should follow ${outboundHostNameFormat} format`;
    return undefined;
  }
  return wildcardDomainError(domain);
}

/** netutil.IsValidIPAddress / netip.ParseAddr: an IPv4 or IPv6 address (an IPv6 zone allowed). */
export function isIPAddress(s: string): boolean {
  if (s.includes("/")) return false;
  const pct = s.indexOf("%");
  if (pct >= 0) {
    // netip.ParseAddr takes a non-empty zone after an IPv6 address.
    if (pct === s.length - 1 || !s.slice(0, pct).includes(":")) return false;
    return parseCidrRange(s.slice(0, pct)) !== undefined;
  }
  return parseCidrRange(s) !== undefined;
}
/** netip.ParsePrefix: `address/bits`, no zone. */
export function isIPPrefix(s: string): boolean {
  return s.includes("/") && !s.includes("%") && parseCidrRange(s) !== undefined;
}

/** agent.ValidateIPAddress (agent/validation.go:984). */
export function ipAddressError(addr: string): string | undefined {
  return isIPAddress(addr) ? undefined : `${addr} is not a valid IP`;
}

/** agent.ValidateIPSubnet (agent/validation.go:1058): CIDR notation or one address. */
function ipSubnetError(subnet: string): string | undefined {
  if (subnet.split("/").length === 2) return isIPPrefix(subnet) ? undefined : `${subnet} is not a valid CIDR block`;
  return ipAddressError(subnet);
}

/** agent.ValidatePartialWildCard (agent/validation.go:992). */
function partialWildcardError(host: string): string | undefined {
  return host.includes("*") && host.length !== 1 && !host.startsWith("*.") ? `partial wildcard ${q(host)} not allowed` : undefined;
}

/** agent.validateSidecarOrGatewayHostnamePart (agent/validation.go:1001). */
function hostnamePartErrors(hostname: string, isGateway: boolean): string[] {
  const out: string[] = [];
  if (hostname !== "*" && !hostname.includes(".")) out.push("short names (non FQDN) are not allowed");
  const err = wildcardDomainError(hostname);
  if (err) {
    if (!isGateway) out.push(err);
    // A Gateway host may also be an IP address.
    if (!isIPAddress(hostname)) out.push(err);
  }
  const partial = partialWildcardError(hostname);
  if (partial) out.push(partial);
  return out;
}

/** agent.ValidateNamespaceSlashWildcardHostname (agent/validation.go:1025), without Gateway API semantics. */
function namespaceSlashHostnameErrors(hostname: string, isGateway: boolean): string[] {
  const slash = hostname.indexOf("/");
  if (slash < 0) return isGateway ? hostnamePartErrors(hostname, true) : ["host must be of form namespace/dnsName"];
  const ns = hostname.slice(0, slash);
  const name = hostname.slice(slash + 1);
  const out: string[] = [];
  if (ns.length === 0 || name.length === 0) out.push("config namespace and dnsName in host entry cannot be empty");
  if (!isGateway) {
    const bare = ns.startsWith("~") ? ns.slice(1) : ns;
    if (bare !== "" && bare !== "*" && bare !== "." && !isDNS1123Label(bare)) out.push(`invalid namespace value ${q(ns)} in sidecar`);
  } else if (ns !== "*" && ns !== "." && !isDNS1123Label(ns)) {
    out.push(`invalid namespace value ${q(ns)} in gateway`);
  }
  out.push(...hostnamePartErrors(name, isGateway));
  return out;
}

/** agent.ValidateDuration (agent/validation.go:139); a value that is no duration is the schema's. */
function durationError(v: unknown): string | undefined {
  const ns = goDurationNanos(v);
  if (ns === undefined) return undefined;
  if (ns < 1_000_000n) return "duration must be greater than 1ms";
  if (ns % 1_000_000n !== 0n) return "only durations to ms precision are supported";
  return undefined;
}

// ── pkg/config/protocol/instance.go ─────────────────────────────────────────────────────

const protocols: Record<string, string> = {
  tcp: "TCP",
  udp: "UDP",
  grpc: "GRPC",
  "grpc-web": "GRPC-Web",
  http: "HTTP",
  http_proxy: "HTTP_PROXY",
  http2: "HTTP2",
  https: "HTTPS",
  tls: "TLS",
  mongo: "Mongo",
  redis: "Redis",
  mysql: "MySQL",
};
/** protocol.Parse: case-insensitive; anything else is unsupported (undefined). */
function parseProtocol(s: string): string | undefined {
  return protocols[s.toLowerCase()];
}
const isHTTPProtocol = (p: string | undefined) => p === "HTTP" || p === "HTTP2" || p === "HTTP_PROXY" || p === "GRPC" || p === "GRPC-Web";
const isTLSProtocol = (p: string | undefined) => p === "HTTPS" || p === "TLS";

/** validation.go ValidatePortName (:3182). */
function portNameError(name: string): string | undefined {
  return isDNS1123Label(name) ? undefined : `invalid port name: ${name}`;
}
/** validation.go ValidateProtocol (:3190): empty means sniffed. */
function protocolError(p: string): string | undefined {
  return p !== "" && parseProtocol(p) === undefined ? `unsupported protocol: ${p}` : undefined;
}

/** validation.go ValidateUnixAddress (:390). */
function unixAddressError(addr: string): string | undefined {
  if (addr.length === 0) return "unix address must not be empty";
  if (addr.startsWith("@")) return undefined;
  if (!addr.startsWith("/") || addr.endsWith("/")) return `${addr} is not an absolute path to a file`;
  return undefined;
}

/** validation.go validateWorkloadSelector (:1385): selector.matchLabels of a security or DR selector. */
export function workloadSelectorErrors(selector: unknown): string[] {
  return isSet(selector) ? selectorLabelErrors(selector.matchLabels) : [];
}

/** validation.go ValidateAlphaWorkloadSelector (:754): workloadSelector.labels of a Sidecar or ServiceEntry. */
function alphaWorkloadSelectorErrors(selector: unknown): string[] {
  return isSet(selector) ? selectorLabelErrors(selector.labels) : [];
}

/** The label checks both selector forms share: no empty key, no wildcard. */
function selectorLabelErrors(labels: unknown): string[] {
  const out: string[] = [];
  for (const [k, v] of entries(labels)) {
    if (k === "") out.push(`empty key is not supported in selector: ${q(`${k}=${v}`)}`);
    if (k.includes("*") || v.includes("*")) out.push(`wildcard is not supported in selector: ${q(`${k}=${v}`)}`);
  }
  return out;
}

/**
 * Refuses a bad `workloadSelector` of a Sidecar or ServiceEntry; true when it did, and the rest
 * of the resource is then not validated (validation.go:2962, :788).
 */
function refusedAlphaSelector(spec: Record<string, any>, refuse: Refuse): boolean {
  const errors = alphaWorkloadSelectorErrors(spec.workloadSelector);
  for (const e of errors) refuse("spec.workloadSelector", e);
  return errors.length > 0;
}

/** validation.go validateExportTo (:690); `~` is allowed only for a ServiceEntry. */
function exportToErrors(namespace: string, exportTo: unknown, isServiceEntry: boolean, drWithSelector: boolean): string[] {
  const out: string[] = [];
  const values = list(exportTo).map(str);
  if (values.length === 0) return out;
  const seen = new Set<string>();
  for (const e of values) {
    const key = e === "." ? namespace : e;
    if (seen.has(key)) {
      out.push(key !== e ? `duplicate entries in exportTo: . and current namespace ${namespace}` : `duplicate entries in exportTo for entry ${e}`);
    } else if (isServiceEntry && e === "~") {
      seen.add(key);
    } else if (key === "~") {
      out.push("exportTo ~ (none) is not allowed for Istio configuration objects");
    } else if (key !== "." && key !== "*" && !isDNS1123Label(key)) {
      out.push("only .,*, or a valid DNS 1123 label is allowed as exportTo entry");
    } else {
      seen.add(key);
    }
  }
  if (drWithSelector && seen.size > 0) {
    if (seen.has(namespace)) {
      if (seen.size > 1) out.push("destination rule with workload selector cannot have multiple entries in exportTo");
    } else out.push("destination rule with workload selector cannot have exportTo beyond current namespace");
  }
  if (seen.has("*") && values.length > 1) out.push("cannot have both public (*) and non-public exportTo values for a resource");
  if (seen.has("~") && values.length > 1) out.push("cannot export service entry to no one (~) and someone");
  return out;
}

const exportToFix = 'List ".", "*", or namespace names, each once ("*" and "~" alone).';

// ── Gateway ─────────────────────────────────────────────────────────────────────────────

const serverTLSModes = ["PASSTHROUGH", "SIMPLE", "MUTUAL", "AUTO_PASSTHROUGH", "ISTIO_MUTUAL", "OPTIONAL_MUTUAL"] as const;

/** The proto text form Go's %v prints for a Port message. */
function portText(port: Record<string, any>): string {
  const parts: string[] = [];
  if (int(port.number)) parts.push(`number:${int(port.number)}`);
  if (str(port.protocol)) parts.push(`protocol:${q(str(port.protocol))}`);
  if (str(port.name)) parts.push(`name:${q(str(port.name))}`);
  return parts.join(" ");
}

/** validation.go ValidateGateway (:409). */
export function validateGateway(r: Resource, report: Report): void {
  const refuse = refuser(r, report);
  if (!isDNS1123Label(r.name))
    refuse("metadata.name", `invalid gateway name: ${q(r.name)}`, "Name the Gateway with a DNS label: lower case, digits and '-', no dots.");
  const servers = list(r.spec.servers);
  if (servers.length === 0) refuse("spec.servers", "gateway must have at least one server", "Add a server with port, hosts and tls.");
  servers.forEach((s, i) => {
    validateServer(s, `spec.servers[${i}]`, refuse);
  });
  const names = new Set<string>();
  servers.forEach((s, i) => {
    if (!isSet(s)) {
      refuse(`spec.servers[${i}]`, "server may not be nil");
      return;
    }
    if (isSet(s.port)) {
      const name = str(s.port.name);
      if (names.has(name))
        refuse(`spec.servers[${i}].port.name`, `port names in servers must be unique: duplicate name ${name}`, "Give each server's port its own name.");
      names.add(name);
    }
  });
}

/** validation.go validateServer (:458). */
function validateServer(server: unknown, at: string, refuse: Refuse): void {
  if (!isSet(server)) {
    refuse(at, "cannot have nil server");
    return;
  }
  const hosts = list(server.hosts);
  if (hosts.length === 0)
    refuse(`${at}.hosts`, "server config must contain at least one host", "List the hosts the server serves (exact FQDNs for east-west).");
  hosts.forEach((h, j) => {
    for (const e of namespaceSlashHostnameErrors(str(h), true))
      refuse(`${at}.hosts[${j}]`, e, "Write a host as an FQDN, `*.suffix`, or `namespace/FQDN` (never an SNI such as outbound_.PORT_._.HOST).");
  });
  const bind = str(server.bind);
  const portErrors = serverPortErrors(server.port, bind);
  for (const e of portErrors) refuse(`${at}.port`, e);
  for (const e of serverBindErrors(server.port, bind)) refuse(`${at}.bind`, e);
  const tls = server.tls;
  for (const e of serverTLSErrors(tls)) refuse(`${at}.tls`, e);
  if (portErrors.length === 0) {
    const p = parseProtocol(str(server.port.protocol));
    if (isTLSProtocol(p) && !isSet(tls)) refuse(`${at}.tls`, "server must have TLS settings for HTTPS/TLS protocols", "Add tls (e.g. mode: AUTO_PASSTHROUGH).");
    else if (!isTLSProtocol(p) && isSet(tls)) {
      if (isHTTPProtocol(p)) {
        const mode = enumName(tls.mode, serverTLSModes);
        const passthrough = mode === "PASSTHROUGH" || mode === "AUTO_PASSTHROUGH";
        if (!passthrough || str(tls.caCertificates) || str(tls.privateKey) || str(tls.serverCertificate))
          refuse(`${at}.tls`, "server cannot have TLS settings for plain text HTTP ports", "Use protocol HTTPS or TLS, or remove tls.");
      } else refuse(`${at}.tls`, "server cannot have TLS settings for non HTTPS/TLS ports", "Use protocol TLS (or HTTPS), or remove tls.");
    }
  }
}

/** validation.go validateServerPort (:495). */
function serverPortErrors(port: unknown, bind: string): string[] {
  if (!isSet(port)) return ["port is required"];
  const out: string[] = [];
  const protocol = str(port.protocol);
  if (parseProtocol(protocol) === undefined)
    out.push(`invalid protocol ${q(protocol)}, supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP`);
  const number = int(port.number);
  if (number > 0 || !bind.startsWith("unix://")) {
    const e = portError(number);
    if (e) out.push(e);
  }
  if (int(port.targetPort) > 0) out.push("targetPort has no impact on Gateways");
  if (str(port.name) === "") out.push(`port name must be set: ${portText(port)}`);
  return out;
}

/** validation.go validateServerBind (:516). */
function serverBindErrors(port: unknown, bind: string): string[] {
  const out: string[] = [];
  if (bind.startsWith("unix://")) {
    const e = unixAddressError(bind.slice("unix://".length));
    if (e) out.push(e);
    if (isSet(port) && int(port.number) !== 0) out.push(`port number must be 0 for unix domain socket: ${portText(port)}`);
  } else if (bind.length !== 0) {
    const e = ipAddressError(bind);
    if (e) out.push(e);
  }
  return out;
}

/** validation.go validateTLSOptions (:528), errors only. */
function serverTLSErrors(tls: unknown): string[] {
  const out: string[] = [];
  if (!isSet(tls)) return out;
  const mode = enumName(tls.mode, serverTLSModes);
  const serverCertificate = str(tls.serverCertificate);
  const privateKey = str(tls.privateKey);
  const credentialName = str(tls.credentialName);
  const credentialNames = list(tls.credentialNames);
  const tlsCertificates = list(tls.tlsCertificates);
  if (mode === "ISTIO_MUTUAL") {
    if (serverCertificate) out.push("ISTIO_MUTUAL TLS cannot have associated server certificate");
    if (privateKey) out.push("ISTIO_MUTUAL TLS cannot have associated private key");
    if (str(tls.caCertificates)) out.push("ISTIO_MUTUAL TLS cannot have associated CA bundle");
    if (tlsCertificates.length > 0) out.push("ISTIO_MUTUAL TLS cannot have associated tlsCertificates");
    if (credentialName) out.push("ISTIO_MUTUAL TLS cannot have associated credentialName");
    if (credentialNames.length > 0) out.push("ISTIO_MUTUAL TLS cannot have associated credentialNames");
    return out;
  }
  let sources = 0;
  if (serverCertificate && privateKey) sources++;
  if (credentialName) sources++;
  if (credentialNames.length > 0) sources++;
  if (tlsCertificates.length > 0) sources++;
  if (sources > 1) out.push("only one of credential_name, credential_names, server_certificate/private_key, tls_certificates should be specified");
  const terminating = mode === "SIMPLE" || mode === "MUTUAL" || mode === "OPTIONAL_MUTUAL";
  // Credentials fetched by name need no certificate files.
  if (terminating && (credentialName || credentialNames.length > 0)) return out;
  if (terminating) {
    const prefix = mode === "SIMPLE" ? "SIMPLE TLS" : "MUTUAL TLS";
    if (mode !== "SIMPLE" && !str(tls.caCertificates)) out.push(`${prefix} requires a client CA bundle`);
    const certs = tlsCertificates.length > 0 ? tlsCertificates : [{ serverCertificate, privateKey }];
    for (const c of certs) {
      if (!str(c?.serverCertificate)) out.push(`${prefix} requires a server certificate`);
      if (!str(c?.privateKey)) out.push(`${prefix} requires a private key`);
    }
  }
  if (str(tls.caCrl)) {
    if (credentialName) out.push("CRL is not supported with credentialName. CRL has to be specified in the credential");
    if (mode === "SIMPLE") out.push("CRL is not supported with SIMPLE TLS");
  }
  return out;
}

// ── DestinationRule ─────────────────────────────────────────────────────────────────────

const clientTLSModes = ["DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"] as const;

/** agent.ValidateTLS (agent/validation.go:280): a DestinationRule's client TLS settings. */
function clientTLSErrors(namespace: string, tls: unknown): string[] {
  const out: string[] = [];
  if (!isSet(tls)) return out;
  const mode = enumName(tls.mode, clientTLSModes);
  const credentialName = str(tls.credentialName);
  if (credentialName.startsWith("configmap://")) {
    // credentials.ParseResourceName (pilot/pkg/model/credentials/resource.go:121-141): only
    // configmap://namespace/name; a third part is ignored.
    const [ns = "", name = ""] = credentialName.slice("configmap://".length).split("/");
    const parts = credentialName.slice("configmap://".length).split("/").length;
    if (parts <= 1) out.push(`invalid configmap:// credentialName: invalid resource name ${q(credentialName)}. Expected namespace and name`);
    else if (ns === "") out.push(`invalid configmap:// credentialName: invalid resource name ${q(credentialName)}. Expected namespace`);
    else if (name === "") out.push(`invalid configmap:// credentialName: invalid resource name ${q(credentialName)}. Expected name`);
    else if (ns !== namespace) out.push(`invalid configmap:// credentialName: namespace must match the configuration namespace ${q(namespace)}`);
  }
  const skipVerify = tls.insecureSkipVerify === true || tls.insecureSkipVerify === "true";
  if (skipVerify) {
    if (mode === "SIMPLE" && (str(tls.caCertificates) || credentialName || list(tls.subjectAltNames).length > 0))
      out.push("cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true");
    if (mode === "MUTUAL" && (str(tls.caCertificates) || list(tls.subjectAltNames).length > 0))
      out.push("cannot specify CaCertificates or SubjectAltNames when InsecureSkipVerify is set true");
  }
  if ((mode === "SIMPLE" || mode === "MUTUAL") && credentialName) {
    if (str(tls.clientCertificate) || str(tls.caCertificates) || str(tls.privateKey) || str(tls.caCrl))
      out.push("cannot specify client certificates or CA certificate or CA CRL If credentialName is set");
    return out;
  }
  if (mode === "MUTUAL") {
    if (!str(tls.clientCertificate)) out.push("client certificate required for mutual tls");
    if (!str(tls.privateKey)) out.push("private key required for mutual tls");
  }
  return out;
}

/** validation.go ValidatePercent (:372). */
function percentError(v: unknown): string | undefined {
  const n = int(v);
  return n < 0 || n > 100 ? `percentage ${n} is not in range 0..100` : undefined;
}

/** A google.protobuf wrapper value (protojson reads the bare value). */
function wrapped(v: unknown): number {
  return isObject(v) ? int(v.value) : int(v);
}

/** validation.go validateOutlierDetection (:1111), errors only. */
function outlierErrors(o: unknown): string[] {
  const out: string[] = [];
  if (!isSet(o)) return out;
  const push = (e: string | undefined) => e && out.push(e);
  if (o.baseEjectionTime !== undefined && o.baseEjectionTime !== null) push(durationError(o.baseEjectionTime));
  if (o.splitExternalLocalOriginErrors !== true && wrapped(o.consecutiveLocalOriginFailures) > 0)
    out.push("outlier detection consecutive local origin failures is specified, but split external local origin errors is set to false");
  if (o.interval !== undefined && o.interval !== null) push(durationError(o.interval));
  push(percentError(o.maxEjectionPercent));
  push(percentError(o.minHealthPercent));
  return out;
}

/** validation.go validateConnectionPool (:1137). */
function connectionPoolErrors(settings: unknown): string[] {
  const out: string[] = [];
  if (!isSet(settings)) return out;
  const push = (e: string | undefined) => e && out.push(e);
  const h = settings.http;
  const t = settings.tcp;
  if (!isSet(h) && !isSet(t)) return ["connection pool must have at least one field"];
  if (isSet(h)) {
    if (int(h.http1MaxPendingRequests) < 0) out.push("http1 max pending requests must be non-negative");
    if (int(h.http2MaxRequests) < 0) out.push("http2 max requests must be non-negative");
    if (int(h.maxRequestsPerConnection) < 0) out.push("max requests per connection must be non-negative");
    if (int(h.maxRetries) < 0) out.push("max retries must be non-negative");
    if (h.idleTimeout != null) push(durationError(h.idleTimeout));
    if (enumName(h.h2UpgradePolicy, ["DEFAULT", "DO_NOT_UPGRADE", "UPGRADE"]) === "UPGRADE" && h.useClientProtocol === true)
      out.push("use client protocol must not be true when H2UpgradePolicy is UPGRADE");
    if (int(h.maxConcurrentStreams) < 0) out.push("max concurrent streams must be non-negative");
    const ka = h.http2KeepAlive;
    if (isSet(ka)) {
      if (ka.interval == null) out.push("http2 keepalive interval is required");
      else push(durationError(ka.interval));
      if (ka.timeout == null) out.push("http2 keepalive timeout is required");
      else push(durationError(ka.timeout));
    }
  }
  if (isSet(t)) {
    if (int(t.maxConnections) < 0) out.push("max connections must be non-negative");
    if (t.connectTimeout != null) push(durationError(t.connectTimeout));
    if (t.maxConnectionDuration != null) push(durationError(t.maxConnectionDuration));
    // An idle timeout of 0s disables the timeout.
    if (t.idleTimeout != null && (goDurationNanos(t.idleTimeout) ?? 1n) / 1_000_000n !== 0n) push(durationError(t.idleTimeout));
    const ka = t.tcpKeepalive;
    if (isSet(ka)) {
      if (ka.time != null) push(durationError(ka.time));
      if (ka.interval != null) push(durationError(ka.interval));
    }
  }
  return out;
}

/** Envoy's prime test for a maglev table size (validation.go isPrime, :1283). */
function isPrime(x: number): boolean {
  if (x !== 0 && x < 4) return true;
  if (x % 2 === 0) return false;
  const limit = Math.floor(Math.sqrt(x));
  for (let f = 3; f <= limit; f += 2) if (x % f === 0) return false;
  return true;
}

const topologyLabels = ["topology.kubernetes.io/region", "topology.kubernetes.io/zone", "topology.istio.io/subzone"];

/** agent.validateLocalities (agent/validation.go:646): `region[/zone[/subzone]]`, a trailing `*`, no overlap. */
function localitiesError(localities: readonly string[]): string | undefined {
  const regions = new Map<string, Map<string, Set<string>>>();
  const overlap = (l: string) => `locality ${l} overlap with previous specified ones`;
  for (const l of localities) {
    const stars = l.split("*").length - 1;
    if (stars > 0 && (stars > 1 || !l.endsWith("*"))) return `locality ${l} wildcard '*' number can not exceed 1 and must be in the end`;
    if (regions.has("*")) return overlap(l);
    const items = l.split("/");
    const parts = items.length > 3 ? [...items.slice(0, 2), items.slice(2).join("/")] : items;
    if (parts.some((p) => p === "")) return `locality ${l} must not contain empty region/zone/subzone info`;
    const [region, zone, subzone] = parts as [string, string?, string?];
    const zones = regions.get(region);
    if (zone === undefined) {
      if (zones) return overlap(l);
      regions.set(region, new Map([["*", new Set(["*"])]]));
    } else if (subzone === undefined) {
      if (zones) {
        if (zones.has("*") || zones.has(zone)) return overlap(l);
        zones.set(zone, new Set(["*"]));
      } else regions.set(region, new Map([[zone, new Set(["*"])]]));
    } else if (zones) {
      if (zones.has("*")) return overlap(l);
      const subzones = zones.get(zone);
      if (subzones) {
        if (subzones.has("*") || subzones.has(subzone)) return overlap(l);
        subzones.add(subzone);
      } else zones.set(zone, new Set([subzone]));
    } else regions.set(region, new Map([[zone, new Set([subzone])]]));
  }
  return undefined;
}

/** agent.ValidateLocalityLbSetting (agent/validation.go:530), errors only. */
function localityLbErrors(lb: unknown): string[] {
  const out: string[] = [];
  if (!isSet(lb)) return out;
  const distribute = list(lb.distribute);
  const failover = list(lb.failover);
  const priority = list(lb.failoverPriority).map(str);
  if (distribute.length > 0 && failover.length > 0) return ["can not simultaneously specify 'distribute' and 'failover'"];
  if (failover.length > 0) {
    const topology = priority.find((p) => topologyLabels.includes(p));
    if (topology !== undefined) return [`can not simultaneously set 'failover' and topology label '${topology}' in 'failover_priority'`];
  }
  const sources: string[] = [];
  for (const d of distribute) {
    sources.push(str(d?.from));
    let total = 0;
    const destinations: string[] = [];
    for (const [loc, weight] of Object.entries(isObject(d?.to) ? d.to : {})) {
      destinations.push(loc);
      const w = int(weight);
      if (w <= 0 || w > 100) return [...out, "locality weight must be in range [1, 100]"];
      total += w;
    }
    if (total !== 100) return [...out, `total locality weight ${total} != 100`];
    const e = localitiesError(destinations);
    if (e) out.push(e);
  }
  const e = localitiesError(sources);
  if (e) out.push(e);
  failoverErrors(failover, "locality lb failover settings must specify different regions", "locality lb failover only specify region", "locality lb", out);
  return out;
}

/** The failover checks shared by locality and zone-aware load balancing, with each one's messages. */
function failoverErrors(failover: readonly unknown[], sameRegion: string, notRegion: string, subject: string, out: string[]): void {
  for (const f of failover as any[]) {
    const from = str(f?.from);
    const to = str(f?.to);
    if (from === to) out.push(sameRegion);
    if (from.includes("/") || to.includes("/")) out.push(notRegion);
    if (from.includes("*") || to.includes("*")) out.push(`${subject} failover region should not contain '*' wildcard`);
  }
}

/** agent.ValidateZoneAwareLbSetting (agent/validation.go:598), errors only. */
function zoneAwareLbErrors(lb: unknown): string[] {
  const out: string[] = [];
  if (!isSet(lb)) return out;
  for (const p of list(lb.failoverPriority).map(str))
    if (topologyLabels.includes(p))
      out.push(`'failover_priority' for zone aware lb must not use topology label '${p}'; region- and zone-level routing are handled automatically`);
  failoverErrors(
    list(lb.failover),
    "zone aware lb failover settings must specify different regions",
    "zone aware lb failover only specifies region; zone and subzone failover are handled automatically",
    "zone aware lb",
    out,
  );
  return out;
}

/** validation.go validateLoadBalancer (:1210), errors only. */
function loadBalancerErrors(settings: unknown): string[] {
  const out: string[] = [];
  if (!isSet(settings)) return out;
  const ch = settings.consistentHash;
  if (isSet(ch)) {
    const cookie = ch.httpCookie;
    if (isSet(cookie)) {
      if (str(cookie.name) === "") out.push("name required for HttpCookie");
      const names = new Set<string>();
      for (const a of list(cookie.attributes)) {
        const n = str(a?.name);
        if (n === "") {
          out.push("cookie attribute name cannot be empty");
          continue;
        }
        if (names.has(n)) out.push(`duplicate cookie attribute name: ${n}`);
        else names.add(n);
      }
    }
    if (int(ch.minimumRingSize) !== 0 && (isSet(ch.ringHash) || isSet(ch.maglev))) out.push("only one of MinimumRingSize or Maglev/Ringhash can be specified");
    if (isSet(ch.maglev)) {
      const size = int(ch.maglev.tableSize);
      if (size === 0) out.push("tableSize must be set for maglev");
      if (size >= 5000011) out.push("tableSize must be less than 5000011 for maglev");
      if (!isPrime(size)) out.push("tableSize must be a prime number for maglev");
    }
  }
  if (isSet(settings.localityLbSetting) && isSet(settings.zoneAwareLbSetting)) out.push("only one of localityLbSetting and zoneAwareLbSetting can be set");
  out.push(...localityLbErrors(settings.localityLbSetting));
  out.push(...zoneAwareLbErrors(settings.zoneAwareLbSetting));
  const warm = settings.warmup;
  if (isSet(warm)) {
    if (warm.duration == null) out.push("duration is required");
    else {
      const e = durationError(warm.duration);
      if (e) out.push(e);
    }
    if (warm.minimumPercent != null && Number(isObject(warm.minimumPercent) ? warm.minimumPercent.value : warm.minimumPercent) > 100)
      out.push("minimumPercent value should be less than or equal to 100");
    if (warm.aggression != null && Number(isObject(warm.aggression) ? warm.aggression.value : warm.aggression) <= 0)
      out.push("aggression should be greater than 0");
  }
  return out;
}

/** validation.go validateTunnelSettings (:1093). */
function tunnelErrors(tunnel: unknown): string[] {
  const out: string[] = [];
  if (!isSet(tunnel)) return out;
  const protocol = str(tunnel.protocol);
  if (protocol !== "" && protocol !== "CONNECT" && protocol !== "POST") out.push('tunnel protocol must be "CONNECT" or "POST"');
  const host = str(tunnel.targetHost);
  const fqdn = fqdnError(host);
  const ip = ipAddressError(host);
  if (fqdn && ip) out.push(`tunnel target host must be valid FQDN or IP address: ${fqdn}; ${ip}`);
  const port = portError(int(tunnel.targetPort));
  if (port) out.push(`tunnel target port is invalid: ${port}`);
  return out;
}

/** The fields of a traffic policy, one of which (or a port-level entry) must be set. */
const trafficPolicyFields = ["outlierDetection", "connectionPool", "loadBalancer", "tls", "tunnel", "proxyProtocol", "retryBudget"];

/** validation.go validateTrafficPolicy (:1060). */
function validateTrafficPolicy(namespace: string, policy: unknown, at: string, refuse: Refuse): void {
  if (!isSet(policy)) return;
  const has = (k: string) => isSet(policy[k]);
  if (!trafficPolicyFields.some(has) && list(policy.portLevelSettings).length === 0) {
    refuse(at, "traffic policy must have at least one field", "Remove the empty trafficPolicy or set one of its fields.");
    return;
  }
  if (has("tunnel") && has("proxyProtocol")) {
    refuse(at, "tunnel and proxyProtocol must not be set together");
    return;
  }
  for (const e of outlierErrors(policy.outlierDetection)) refuse(`${at}.outlierDetection`, e);
  for (const e of connectionPoolErrors(policy.connectionPool)) refuse(`${at}.connectionPool`, e);
  for (const e of loadBalancerErrors(policy.loadBalancer)) refuse(`${at}.loadBalancer`, e);
  tlsRefusal(namespace, policy.tls, `${at}.tls`, refuse);
  list(policy.portLevelSettings).forEach((p, i) => {
    const pat = `${at}.portLevelSettings[${i}]`;
    if (!isSet(p)) {
      refuse(pat, "traffic policy may not be null");
      return;
    }
    if (!isSet(p.port)) refuse(`${pat}.port`, "portTrafficPolicy must have valid port", "Name the port: port: {number: N}.");
    if (!isSet(p.outlierDetection) && !isSet(p.connectionPool) && !isSet(p.loadBalancer) && !isSet(p.tls)) {
      refuse(pat, "port traffic policy must have at least one field");
      return;
    }
    for (const e of outlierErrors(p.outlierDetection)) refuse(`${pat}.outlierDetection`, e);
    for (const e of connectionPoolErrors(p.connectionPool)) refuse(`${pat}.connectionPool`, e);
    for (const e of loadBalancerErrors(p.loadBalancer)) refuse(`${pat}.loadBalancer`, e);
    tlsRefusal(namespace, p.tls, `${pat}.tls`, refuse);
  });
  for (const e of tunnelErrors(policy.tunnel)) refuse(`${at}.tunnel`, e);
}

/** agent.ValidateTLS's errors for one tls block, as one refusal (they all concern the block). */
function tlsRefusal(namespace: string, tls: unknown, at: string, refuse: Refuse): void {
  const errors = clientTLSErrors(namespace, tls);
  if (errors.length === 0) return;
  const mutual = errors.some((e) => e.endsWith("required for mutual tls"));
  refuse(
    at,
    errors.join("; "),
    mutual ? "Use ISTIO_MUTUAL for Istio mTLS between meshes, or give clientCertificate and privateKey (or credentialName)." : undefined,
  );
}

/** validation.go validateSubsetName (:2643). */
function subsetNameError(name: string): string | undefined {
  if (name.length === 0) return "subset name cannot be empty";
  return isDNS1123Label(name) ? undefined : `subset name is invalid: ${name}`;
}

/** validation.go ValidateDestinationRule (:660). */
export function validateDestinationRule(r: Resource, report: Report): void {
  const refuse = refuser(r, report);
  const e = wildcardDomainError(str(r.spec.host));
  if (e) refuse("spec.host", e, "Write the host as an FQDN (or `*.suffix`).");
  validateTrafficPolicy(r.namespace, r.spec.trafficPolicy, "spec.trafficPolicy", refuse);
  const names = new Set<string>();
  list(r.spec.subsets).forEach((s, i) => {
    const at = `spec.subsets[${i}]`;
    if (!isSet(s)) {
      refuse(at, "subset may not be null");
      return;
    }
    const name = str(s.name);
    if (names.has(name)) refuse(`${at}.name`, `duplicate subset names: ${name}`, "Give each subset its own name.");
    names.add(name);
    const ne = subsetNameError(name);
    if (ne) refuse(`${at}.name`, ne, "Name the subset with a DNS label.");
    for (const le of labelErrors(s.labels)) refuse(`${at}.labels`, le);
    validateTrafficPolicy(r.namespace, s.trafficPolicy, `${at}.trafficPolicy`, refuse);
  });
  for (const x of exportToErrors(r.namespace, r.spec.exportTo, false, isSet(r.spec.workloadSelector))) refuse("spec.exportTo", x, exportToFix);
  for (const x of workloadSelectorErrors(r.spec.workloadSelector)) refuse("spec.workloadSelector", x);
}

// ── ServiceEntry and WorkloadEntry ──────────────────────────────────────────────────────

const resolutions = ["NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN", "DYNAMIC_DNS"] as const;
const locations = ["MESH_EXTERNAL", "MESH_INTERNAL"] as const;

/** validation.go validateWorkloadEntry (:2823): a WorkloadEntry, or a STATIC ServiceEntry's endpoint. */
function workloadEntryErrors(we: Record<string, any>, at: string, servicePorts: Set<string> | undefined, allowFQDN: boolean, refuse: Refuse): void {
  const addr = str(we.address);
  if (addr === "" && str(we.network) === "") {
    refuse(`${at}.address`, "address is required");
    return;
  }
  let unix = false;
  if (addr.startsWith("unix://")) {
    unix = true;
    const e = unixAddressError(addr.slice("unix://".length));
    if (e) refuse(`${at}.address`, e);
    if (entries(we.ports).length !== 0) refuse(`${at}.ports`, `unix endpoint ${addr} must not include ports`);
  } else if (addr !== "" && !isIPAddress(addr)) {
    if (!allowFQDN)
      refuse(
        `${at}.address`,
        `endpoint address ${q(addr)} is not a valid IP address`,
        "Give resolution STATIC endpoints IP addresses, or use resolution DNS for host names.",
      );
    else if (fqdnError(addr)) refuse(`${at}.address`, `endpoint address ${q(addr)} is not a valid FQDN or an IP address`);
  }
  endpointPortErrors(we.ports, at, servicePorts, refuse);
  for (const e of labelErrors(we.labels)) refuse(`${at}.labels`, e);
  if (unix && servicePorts && servicePorts.size !== 1) refuse(at, "exactly 1 service port required for unix endpoints");
}

/** An endpoint's ports map: each name a port of the ServiceEntry, each number a port. */
function endpointPortErrors(ports: unknown, at: string, servicePorts: Set<string> | undefined, refuse: Refuse): void {
  if (!isObject(ports)) return;
  for (const name of Object.keys(ports)) {
    const port = int(ports[name]);
    if (servicePorts && !servicePorts.has(name))
      refuse(
        `${at}.ports.${name}`,
        `endpoint port ${port} is not defined by the service entry`,
        `Key the endpoint's ports by a name from spec.ports (${[...servicePorts].join(", ")}).`,
      );
    const ne = portNameError(name);
    if (ne) refuse(`${at}.ports.${name}`, ne);
    const pe = portError(port);
    if (pe) refuse(`${at}.ports.${name}`, pe);
  }
}

/** validation.go ValidateWorkloadEntry (:2813). */
export function validateWorkloadEntry(r: Resource, report: Report): void {
  workloadEntryErrors(r.spec, "spec", undefined, true, refuser(r, report));
}

/** validation.go ValidateServiceEntry (:2951). */
export function validateServiceEntry(r: Resource, report: Report): void {
  const refuse = refuser(r, report);
  const spec = r.spec;
  if (refusedAlphaSelector(spec, refuse)) return;
  const endpoints = list(spec.endpoints);
  if (isSet(spec.workloadSelector) && endpoints.length > 0)
    refuse("spec.workloadSelector", "only one of WorkloadSelector or Endpoints is allowed in Service Entry", "Remove workloadSelector or endpoints.");
  const hosts = list(spec.hosts).map(str);
  const resolution = enumName(spec.resolution, resolutions);
  if (hosts.length === 0) refuse("spec.hosts", "service entry must have at least one host", "List the hosts (FQDNs) the ServiceEntry adds.");
  hosts.forEach((h, j) => {
    if (h === "*") refuse(`spec.hosts[${j}]`, `invalid host ${h}`, "A ServiceEntry cannot add every host; list FQDNs.");
    else {
      const e = wildcardDomainError(h);
      if (e) refuse(`spec.hosts[${j}]`, e, "Write the host as an FQDN (or `*.suffix`).");
    }
  });
  const addresses = list(spec.addresses).map(str);
  let cidr = false;
  addresses.forEach((a, j) => {
    cidr ||= a.includes("/");
    const e = ipSubnetError(a);
    if (e) refuse(`spec.addresses[${j}]`, e, "Write an IP address or CIDR block.");
  });
  if (cidr && resolution !== "NONE" && resolution !== "STATIC") refuse("spec.addresses", "CIDR addresses are allowed only for NONE/STATIC resolution types");
  const ports = list(spec.ports);
  const portNames = new Set<string>();
  const portNumbers = new Set<number>();
  ports.forEach((p, j) => {
    const at = `spec.ports[${j}]`;
    if (!isSet(p)) {
      refuse(at, "service entry port may not be null");
      return;
    }
    const name = str(p.name);
    const number = int(p.number);
    if (portNames.has(name)) refuse(`${at}.name`, `service entry port name ${q(name)} already defined`, "Give each port its own name.");
    portNames.add(name);
    if (portNumbers.has(number)) refuse(`${at}.number`, `service entry port ${number} already defined`, "List each port number once.");
    portNumbers.add(number);
    if (int(p.targetPort) !== 0) {
      const e = portError(int(p.targetPort));
      if (e) refuse(`${at}.targetPort`, e);
    }
    const ne = portNameError(name);
    if (ne) refuse(`${at}.name`, ne, "Name the port with a DNS label, e.g. tcp-5432.");
    const pe = protocolError(str(p.protocol));
    if (pe) refuse(`${at}.protocol`, pe);
    const ve = portError(number);
    if (ve) refuse(`${at}.number`, ve);
  });
  switch (resolution) {
    case "NONE":
      if (endpoints.length !== 0)
        refuse(
          "spec.endpoints",
          "no endpoints should be provided for resolution type none",
          "Use resolution STATIC (addresses) or DNS (hostnames) with endpoints, or drop the endpoints.",
        );
      break;
    case "STATIC":
      endpoints.forEach((ep, i) => {
        if (!isSet(ep)) refuse(`spec.endpoints[${i}]`, "endpoint cannot be nil");
        else workloadEntryErrors(ep, `spec.endpoints[${i}]`, portNames, false, refuse);
      });
      break;
    case "DNS":
    case "DNS_ROUND_ROBIN":
      if (endpoints.length === 0)
        for (let j = 0; j < hosts.length; j++) {
          const e = fqdnError(hosts[j]!);
          if (e) {
            refuse(
              `spec.hosts[${j}]`,
              `hosts must be FQDN or contain only prefix wildcards if no endpoints are provided for resolution mode ${resolution}, ${e}`,
              "Give endpoints, or list FQDN hosts without wildcards.",
            );
            break;
          }
        }
      if (resolution === "DNS_ROUND_ROBIN" && endpoints.length > 1)
        refuse("spec.endpoints", `there must only be 0 or 1 endpoint for resolution mode ${resolution}`);
      endpoints.forEach((ep, i) => {
        const at = `spec.endpoints[${i}]`;
        if (!isSet(ep)) {
          refuse(at, "endpoint cannot be nil");
          return;
        }
        const addr = str(ep.address);
        if (!isIPAddress(addr) && fqdnError(addr)) refuse(`${at}.address`, `endpoint address ${q(addr)} is not a valid FQDN or an IP address`);
        for (const le of labelErrors(ep.labels)) refuse(`${at}.labels`, le);
        endpointPortErrors(ep.ports, at, portNames, refuse);
      });
      break;
    case "DYNAMIC_DNS":
      if (hosts.length === 0) refuse("spec.hosts", `at least one wildcard host must be provided for resolution type ${resolution}`);
      hosts.forEach((h, j) => {
        if (!h.startsWith("*")) refuse(`spec.hosts[${j}]`, `host must be wildcarded for resolution mode ${resolution}`);
      });
      if (addresses.length !== 0)
        refuse(
          "spec.addresses",
          `addresses cannot be set for resolution type ${resolution}. HTTP route domains will only be generatedfrom the hosts field values`,
        );
      if (endpoints.length !== 0)
        refuse("spec.endpoints", `endpoints cannot be set for resolution type ${resolution}. Destination IP address determined from hostsfield values`);
      for (let j = 0; j < ports.length; j++) {
        const p = ports[j];
        if (!isSet(p)) {
          refuse(`spec.ports[${j}]`, "port cannot be nil");
          continue;
        }
        const proto = parseProtocol(str(p.protocol));
        if (proto !== "HTTP" && proto !== "TLS" && proto !== "GRPC" && proto !== "HTTP2")
          refuse(`spec.ports[${j}].protocol`, `only HTTP, TLS, GRPC, and HTTP2 protocols are supported for resolution type ${resolution}`);
      }
      {
        const location = enumName(spec.location, locations);
        const waypoint = str(r.metadata.labels?.["istio.io/use-waypoint"]);
        if (location !== "MESH_EXTERNAL" && location !== "MESH_INTERNAL")
          refuse("spec.location", `location must be MESH_EXTERNAL or MESH_INTERNAL for resolution type ${resolution}`);
        if (location === "MESH_INTERNAL" && waypoint !== "" && waypoint.toLowerCase() !== "none")
          refuse("spec.location", `location MESH_INTERNAL with resolution type ${resolution} is not supported when using waypoints`);
      }
      break;
    // Any other value is outside the enum: the CRD schema refuses it.
  }
  // Plain TCP cannot tell several hosts apart (validation.go:3148).
  if (resolution !== "NONE" && hosts.length > 1)
    for (let j = 0; j < ports.length; j++) {
      const p = ports[j];
      if (!isSet(p)) {
        refuse(`spec.ports[${j}]`, "ports cannot be nil");
        continue;
      }
      const proto = parseProtocol(str(p.protocol));
      if (!isHTTPProtocol(proto) && !isTLSProtocol(proto)) {
        refuse("spec.hosts", "multiple hosts provided with non-HTTP, non-TLS ports", "Use one ServiceEntry per host for TCP ports.");
        break;
      }
    }
  for (const x of exportToErrors(r.namespace, spec.exportTo, true, false)) refuse("spec.exportTo", x, exportToFix);
}

// ── VirtualService ──────────────────────────────────────────────────────────────────────

/** host.Name.Matches (pkg/config/host/name.go). */
function hostMatches(n: string, o: string): boolean {
  const nw = n.startsWith("*");
  const ow = o.startsWith("*");
  if (nw && ow) return n.length < o.length ? o.slice(1).endsWith(n.slice(1)) : n.slice(1).endsWith(o.slice(1));
  if (nw) return o.endsWith(n.slice(1));
  if (ow) return n.endsWith(o.slice(1));
  return n === o;
}
/** host.Name.SubsetOf (pkg/config/host/name.go). */
function hostSubsetOf(n: string, o: string): boolean {
  const nw = n.startsWith("*");
  const ow = o.startsWith("*");
  if (nw) return ow && n.length >= o.length && n.slice(1).endsWith(o.slice(1));
  if (ow) return n.endsWith(o.slice(1));
  return n === o;
}

/** validation.go validateGatewayNames (:2397), errors only. */
function gatewayNameErrors(names: unknown): string[] {
  const out: string[] = [];
  for (const v of list(names)) {
    const name = str(v);
    const slash = name.indexOf("/");
    if (slash < 0) {
      const e = fqdnError(name);
      if (e) out.push(e);
      // Istio stops at the first name without a namespace.
      return out;
    }
    const ns = name.slice(0, slash);
    const gw = name.slice(slash + 1);
    if (ns.length === 0 || gw.length === 0) out.push("config namespace and gateway name cannot be empty");
    if (!isDNS1123Label(ns)) out.push(`invalid value for namespace: ${q(ns)}`);
    if (!isDNS1123Label(gw)) out.push(`invalid value for gateway name: ${q(gw)}`);
  }
  return out;
}

/** validation.go validateDestination (:2622). */
function destinationErrors(d: unknown): string[] {
  const out: string[] = [];
  if (!isSet(d)) return out;
  const host = str(d.host);
  if (host === "*") out.push(`invalid destination host ${host}`);
  else {
    const e = wildcardDomainError(host);
    if (e) out.push(e);
  }
  if (str(d.subset) !== "") {
    const e = subsetNameError(str(d.subset));
    if (e) out.push(e);
  }
  if (isSet(d.port)) {
    const e = portError(int(d.port.number));
    if (e) out.push(e);
  }
  return out;
}

/** validation.go validateRouteDestinations / validateHTTPRouteDestinations (:2475, :2428: with header manipulation). */
function routeDestinationErrors(weights: unknown, http = false): string[] {
  const out: string[] = [];
  const ws = list(weights);
  let total = 0;
  for (const w of ws) {
    if (!isSet(w)) {
      out.push("weight may not be nil");
      continue;
    }
    if (!isSet(w.destination)) out.push("destination is required");
    if (http) out.push(...headersErrors(w.headers));
    out.push(...destinationErrors(w.destination));
    const weight = int(w.weight);
    if (weight < 0) out.push(`weight ${weight} < 0`);
    total += weight;
  }
  if (ws.length > 1 && total === 0) out.push("total destination weight = 0");
  return out;
}

/** The checks of a tcp match, a tls match and an http match that are the same (validation.go:2336). */
function l4MatchErrors(m: Record<string, any>): string[] {
  const out: string[] = [];
  for (const s of list(m.destinationSubnets)) {
    const e = ipSubnetError(str(s));
    if (e) out.push(e);
  }
  if (int(m.port) !== 0) {
    const e = portError(int(m.port));
    if (e) out.push(e);
  }
  out.push(...labelErrors(m.sourceLabels));
  out.push(...gatewayNameErrors(m.gateways));
  return out;
}

/** validation.go ValidateVirtualService (:1768): hosts, gateways, and the http, tls and tcp routes. */
export function validateVirtualService(r: Resource, report: Report): void {
  const refuse = refuser(r, report);
  const spec = r.spec;
  const hosts = list(spec.hosts).map(str);
  const gateways = list(spec.gateways).map(str);
  const tls = list(spec.tls);
  const tcp = list(spec.tcp);
  const http = list(spec.http);
  if (hosts.length === 0) {
    if (gateways.length !== 0) refuse("spec.gateways", "delegate virtual service must have no gateways specified");
    if (tls.length !== 0) refuse("spec.tls", "delegate virtual service must have no tls route specified");
    if (tcp.length !== 0) refuse("spec.tcp", "delegate virtual service must have no tcp route specified");
  }
  let appliesToMesh = true;
  let appliesToGateway = false;
  if (gateways.length > 0) {
    for (const e of gatewayNameErrors(spec.gateways)) refuse("spec.gateways", e, "Name gateways as <namespace>/<name> (or mesh).");
    appliesToGateway = !gateways.includes("mesh");
    appliesToMesh = !appliesToGateway;
  }
  if (!appliesToGateway)
    http.forEach((h, i) => {
      list(h?.match).forEach((m, k) => {
        for (const key of [...Object.keys(isObject(m?.headers) ? m.headers : {}), ...Object.keys(isObject(m?.withoutHeaders) ? m.withoutHeaders : {})])
          if (isJwtClaimRoute(key))
            refuse(
              `spec.http[${i}].match[${k}]`,
              `JWT claim based routing (key: ${key}) is only supported for gateway, found no gateways: [${gateways.join(" ")}]`,
            );
      });
    });
  const sni = tls.some((t) => list(t?.match).some((m) => list(m?.sniHosts).length > 0));
  let allValid = true;
  hosts.forEach((h, j) => {
    const e = appliesToGateway ? gatewayBoundDomainError(sni, h) : wildcardDomainError(h);
    if (e) {
      if (!isIPAddress(h)) {
        refuse(`spec.hosts[${j}]`, e, "Write the host as an FQDN, `*.suffix`, or a short name.");
        allValid = false;
      }
    } else if (appliesToMesh && h === "*") {
      refuse(`spec.hosts[${j}]`, "wildcard host * is not allowed for virtual services bound to the mesh gateway");
      allValid = false;
    }
  });
  if (allValid)
    for (let i = 0; i < hosts.length; i++)
      for (let j = i + 1; j < hosts.length; j++)
        if (hostMatches(hosts[i]!, hosts[j]!)) refuse("spec.hosts", `duplicate hosts in virtual service: ${hosts[i]} & ${hosts[j]}`, "List each host once.");
  if (http.length === 0 && tcp.length === 0 && tls.length === 0)
    refuse("spec", "http, tcp or tls must be provided in virtual service", "Add an http, tcp or tls route.");
  http.forEach((h, i) => {
    if (!isSet(h)) refuse(`spec.http[${i}]`, "http route may not be null");
    else for (const e of httpRouteErrors(h, hosts.length === 0)) refuse(`spec.http[${i}]`, e);
  });
  tls.forEach((t, i) => {
    if (!isSet(t)) return;
    const at = `spec.tls[${i}]`;
    const matches = list(t.match);
    if (matches.length === 0) refuse(`${at}.match`, "TLS route must have at least one match condition");
    matches.forEach((m, k) => {
      const mat = `${at}.match[${k}]`;
      if (!isSet(m)) {
        refuse(mat, "TLS match may not be null");
        return;
      }
      const sniHosts = list(m.sniHosts).map(str);
      if (sniHosts.length === 0) refuse(`${mat}.sniHosts`, "TLS match must have at least one SNI host");
      sniHosts.forEach((s, n) => {
        const e = sniHostError(s, appliesToGateway, hosts);
        if (e) refuse(`${mat}.sniHosts[${n}]`, e);
      });
      for (const e of l4MatchErrors(m)) refuse(mat, e);
    });
    if (list(t.route).length === 0) refuse(`${at}.route`, "TLS route is required");
    for (const e of routeDestinationErrors(t.route)) refuse(`${at}.route`, e);
  });
  tcp.forEach((t, i) => {
    if (!isSet(t)) return;
    const at = `spec.tcp[${i}]`;
    list(t.match).forEach((m, k) => {
      if (!isSet(m)) refuse(`${at}.match[${k}]`, "tcp match may not be nil");
      else for (const e of l4MatchErrors(m)) refuse(`${at}.match[${k}]`, e);
    });
    if (list(t.route).length === 0) refuse(`${at}.route`, "TCP route is required");
    for (const e of routeDestinationErrors(t.route)) refuse(`${at}.route`, e);
  });
  for (const x of exportToErrors(r.namespace, spec.exportTo, false, false)) refuse("spec.exportTo", x, exportToFix);
}

/** validation.go validateSniHost (:2297): an SNI host must fall under one of the hosts. */
function sniHostError(sni: string, boundToGateway: boolean, hosts: readonly string[]): string | undefined {
  const e = boundToGateway ? gatewayBoundDomainError(true, sni) : wildcardDomainError(sni);
  if (e) return isIPAddress(sni) ? undefined : e;
  if (hosts.some((h) => hostSubsetOf(sni, h))) return undefined;
  return `SNI host ${q(sni)} is not a compatible subset of any of the virtual service hosts: [${hosts.join(", ")}]`;
}

/** The oneof of a StringMatch: which of exact, prefix, regex is set, and its text. */
function stringMatch(sm: unknown): [string, string] | undefined {
  if (!isSet(sm)) return undefined;
  for (const k of ["exact", "prefix", "regex"]) if (typeof sm[k] === "string") return [k, sm[k]];
  return undefined;
}

/**
 * validation.go validateStringRegexp (:2377), the length check: RE2 compilation itself is not
 * ported (a JavaScript RegExp is another dialect), so a regex RE2 rejects is not refused here.
 */
function regexpError(re: string, where: string): string | undefined {
  return re.length > 1024 ? `${q(where)}: regex is too large, max length allowed is 1024` : undefined;
}

/** validation.go validateStringMatch / validateStringMatchRegexp (:2352, :2364). */
function stringMatchError(sm: unknown, where: string, prefixChecked: boolean): string | undefined {
  const m = stringMatch(sm);
  if (!m) return undefined;
  if (m[0] === "prefix" && prefixChecked && m[1] === "") return `${q(where)}: prefix string match should not be empty`;
  if (m[0] === "regex") return m[1] === "" ? `${q(where)}: regex string match should not be empty` : regexpError(m[1], where);
  return undefined;
}

const headerNameRe = /^[!#$%&'*+\-.^_`|~A-Za-z0-9]+$/;
const pseudoHeaders = [":method", ":scheme", ":authority", ":path", ":status"];

/** jwt.ToRoutingClaim (pkg/jwt/routing.go:37): `@request.auth.claims.a` or `@request.auth.claims[a]`. */
function isJwtClaimRoute(name: string): boolean {
  const prefix = "@request.auth.claims";
  if (!name.toLowerCase().startsWith(prefix)) return false;
  const rest = name.slice(prefix.length);
  return (rest.startsWith(".") && rest.length > 1) || (rest.startsWith("[") && rest.endsWith("]") && rest.length > 2);
}

/** validation.go ValidateHTTPHeaderNameOrJwtClaimRoute (:296). */
function matchHeaderNameError(name: string): string | undefined {
  if (name === "") return "header name cannot be empty";
  if (isJwtClaimRoute(name) || pseudoHeaders.includes(name)) return undefined;
  return headerNameRe.test(name) ? undefined : `header name ${name} is not a valid header name`;
}
const isInternalHeader = (k: string) => k.startsWith(":") || k.toLowerCase() === "host";
const isAuthorityHeader = (k: string) => k.toLowerCase() === ":authority" || k.toLowerCase() === "host";

/** validation.go ValidateHTTPHeaderWithAuthorityOperationName (:316): request add/set. */
function headerSetNameError(name: string): string | undefined {
  if (name === "") return "header name cannot be empty";
  return isInternalHeader(name) && !isAuthorityHeader(name) ? `invalid header ${q(name)}: header cannot have ":" prefix` : undefined;
}
/** validation.go ValidateHTTPHeaderOperationName (:328): request remove, response add/set/remove. */
function headerOperationNameError(name: string): string | undefined {
  if (name === "") return "header name cannot be empty";
  if (name.toLowerCase() === "host") return `invalid header ${q(name)}: cannot set Host header`;
  return isInternalHeader(name) ? `invalid header ${q(name)}: header cannot have ":" prefix` : undefined;
}

/** header_value_validator.go validateHeaderValue (:37): Envoy's `%VAR%` / `%VAR(["a"])%` syntax. */
function headerValueSyntaxError(v: string): string | undefined {
  enum S {
    Literal,
    Name,
    ExpectArray,
    ExpectString,
    InString,
    ExpectDelimiterOrEnd,
    ExpectArgsEnd,
    ExpectVariableEnd,
  }
  let state = S.Literal;
  for (let pos = 0; pos < v.length; pos++) {
    const ch = v[pos];
    const hasNext = pos + 1 < v.length;
    switch (state) {
      case S.Literal:
        if (ch !== "%") break;
        if (!hasNext) return "invalid header configuration. Un-escaped %";
        if (v[pos + 1] === "%") {
          pos++;
          break;
        }
        state = S.Name;
        break;
      case S.Name:
        if (ch === "%") state = S.Literal;
        else if (ch === "(") state = S.ExpectArray;
        break;
      case S.ExpectArray:
        if (ch === "[") state = S.ExpectString;
        else if (ch !== " ") state = S.InString;
        break;
      case S.ExpectDelimiterOrEnd:
        if (ch === ",") state = S.ExpectString;
        else if (ch === "]") state = S.ExpectArgsEnd;
        else if (ch !== " ") return "invalid header configuration. Expecting ',', ']', or whitespace";
        break;
      case S.ExpectString:
        if (ch === '"') state = S.InString;
        else if (ch !== " ") return `invalid header configuration. Expecting '"'`;
        break;
      case S.InString:
        if (ch === "\\") {
          if (!hasNext) return "invalid header configuration. Un-terminated backslash in JSON string";
          pos++;
        } else if (ch === ")") state = S.ExpectVariableEnd;
        else if (ch === '"') state = S.ExpectDelimiterOrEnd;
        break;
      case S.ExpectArgsEnd:
        if (ch === ")") state = S.ExpectVariableEnd;
        else if (ch !== " ") return "invalid header configuration. Expecting ')' or whitespace after '{}', but found '{}'";
        break;
      case S.ExpectVariableEnd:
        if (ch === "%") state = S.Literal;
        else if (ch !== " ") return "invalid header configuration. Expecting '%' or whitespace after";
        break;
    }
  }
  return state === S.Literal ? undefined : `invalid header configuration. Un-terminated variable expression '${v}'`;
}

/** validation.go ValidateHTTPHeaderValue (:349). */
function headerValueError(v: string): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters Envoy refuses in a header value
  if (/[\u0000-\u0008\u000A-\u001F\u007F]/.test(v)) return `header value configuration ${v} is invalid`;
  const e = headerValueSyntaxError(v);
  return e ? `header value configuration: ${e}` : undefined;
}

/** The header manipulation of a route or destination (virtualservice.go:55-76, validation.go:2441-2462). */
function headersErrors(headers: unknown): string[] {
  const out: string[] = [];
  const push = (e: string | undefined) => e && out.push(e);
  if (!isSet(headers)) return out;
  const req = isSet(headers.request) ? headers.request : {};
  const res = isSet(headers.response) ? headers.response : {};
  for (const [k, v] of [...entries(req.add), ...entries(req.set)]) {
    push(headerSetNameError(k));
    push(headerValueError(v));
  }
  for (const k of list(req.remove)) push(headerOperationNameError(str(k)));
  for (const [k, v] of [...entries(res.add), ...entries(res.set)]) {
    push(headerOperationNameError(k));
    push(headerValueError(v));
  }
  for (const k of list(res.remove)) push(headerOperationNameError(str(k)));
  return out;
}

const corsMethods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE", "*"];

/** validation.go validateCORSPolicy (:2497). */
function corsErrors(policy: unknown): string[] {
  const out: string[] = [];
  if (!isSet(policy)) return out;
  for (const origin of list(policy.allowOrigins)) {
    const m = stringMatch(origin);
    if (!m || m[1] === "") out.push(`'${m ? m[1] : ""}' is not a valid match type for CORS allow origins`);
    else if (m[0] === "regex") {
      const e = regexpError(m[1], "corsPolicy.allowOrigins");
      if (e) out.push(e);
    }
  }
  for (const method of list(policy.allowMethods)) if (!corsMethods.includes(str(method))) out.push(`${q(str(method))} is not a supported HTTP method`);
  for (const name of [...list(policy.allowHeaders), ...list(policy.exposeHeaders)]) {
    const n = str(name);
    if (n === "") out.push("header name cannot be empty");
    else if (n !== "*" && !headerNameRe.test(n)) out.push(`header name ${n} is not a valid header name`);
  }
  if (policy.maxAge != null) {
    const e = durationError(policy.maxAge);
    if (e) out.push(e);
    const ns = goDurationNanos(policy.maxAge);
    if (ns !== undefined && ns % 1_000_000_000n > 0n) out.push("max_age duration is accurate only to seconds precision");
  }
  return out;
}

const grpcStatuses = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
];

/** validation.go validatePercentage (:380). */
function percentageError(p: unknown): string | undefined {
  if (!isSet(p)) return undefined;
  const v = Number(p.value ?? 0);
  return v < 0 || v > 100 || (v > 0 && v < 0.0001) ? `percentage ${v} is neither 0.0, nor in range [0.0001, 100.0]` : undefined;
}
/** validation.go validateHTTPStatus (:2588). */
function httpStatusError(status: number): string | undefined {
  return status < 200 || status > 600 ? `HTTP status ${status} is not in range 200-599` : undefined;
}

/** validation.go validateHTTPFaultInjection (:2551). */
function faultErrors(fault: unknown): string[] {
  const out: string[] = [];
  const push = (e: string | undefined) => e && out.push(e);
  if (!isSet(fault)) return out;
  const abort = fault.abort;
  const delay = fault.delay;
  if (!isSet(abort) && !isSet(delay)) out.push("HTTP fault injection must have an abort and/or a delay");
  if (isSet(abort)) {
    push(percentageError(abort.percentage));
    if (typeof abort.grpcStatus === "string") {
      if (!grpcStatuses.includes(abort.grpcStatus))
        out.push(
          `gRPC status ${q(abort.grpcStatus)} is not supported. See https://github.com/grpc/grpc/blob/master/doc/statuscodes.md for a list of supported codes, for example 'NOT_FOUND'`,
        );
    } else if (typeof abort.http2Error === "string") out.push("HTTP/2 abort fault injection not supported yet");
    else if (abort.httpStatus != null) push(httpStatusError(int(abort.httpStatus)));
  }
  if (isSet(delay)) {
    push(percentageError(delay.percentage));
    if (delay.fixedDelay != null) push(durationError(delay.fixedDelay));
    else if (delay.exponentialDelay != null) {
      push(durationError(delay.exponentialDelay));
      out.push("exponentialDelay not supported yet");
    }
  }
  return out;
}

/** The status codes Go's http.StatusText names (net/http/status.go). */
const httpStatusTexts = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308, 400, 401, 402, 403, 404, 405, 406, 407, 408,
  409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423, 424, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
]);
const retryOnPolicies = [
  "5xx",
  "gateway-error",
  "reset",
  "reset-before-request",
  "connect-failure",
  "retriable-4xx",
  "refused-stream",
  "retriable-status-codes",
  "retriable-headers",
  "envoy-ratelimited",
  "http3-post-connect-failure",
  "cancelled",
  "deadline-exceeded",
  "internal",
  "resource-exhausted",
  "unavailable",
];

/** validation.go validateHTTPRetry (:2664). */
function retryErrors(retries: unknown): string[] {
  const out: string[] = [];
  const push = (e: string | undefined) => e && out.push(e);
  if (!isSet(retries)) return out;
  const attempts = int(retries.attempts);
  const retryOn = str(retries.retryOn);
  if (attempts < 0) out.push("attempts cannot be negative");
  if (attempts === 0 && (retries.perTryTimeout != null || retryOn !== "" || retries.retryRemoteLocalities != null))
    out.push("http retry policy configured when attempts are set to 0 (disabled)");
  if (retries.perTryTimeout != null) push(durationError(retries.perTryTimeout));
  if (retryOn !== "")
    for (const policy of retryOn.split(",")) {
      const code = atoi(policy) ? Number(policy) : 0;
      if (!httpStatusTexts.has(code) && !retryOnPolicies.includes(policy)) out.push(`${q(policy)} is not a valid retryOn policy`);
    }
  if (retries.backoff != null) push(durationError(retries.backoff));
  return out;
}

/** validation.go validateHTTPRedirect (:2698): the first problem only. */
function redirectError(redirect: unknown, matches: unknown): string | undefined {
  if (!isSet(redirect)) return undefined;
  const uri = str(redirect.uri);
  const prefixRewrite = str(redirect.prefixRewrite);
  if (uri !== "" && prefixRewrite !== "") return "redirect may only specify one of uri or prefix_rewrite";
  if (prefixRewrite !== "")
    for (const m of list(matches))
      if (isSet(m?.uri) && stringMatch(m.uri)?.[0] !== "prefix") return "redirect prefix_rewrite requires all URI matches to use prefix match type";
  if (
    uri === "" &&
    prefixRewrite === "" &&
    str(redirect.authority) === "" &&
    redirect.port == null &&
    redirect.derivePort == null &&
    str(redirect.scheme) === ""
  )
    return "redirect must specify URI, authority, scheme, or port";
  const code = int(redirect.redirectCode);
  if (code !== 0 && (code < 300 || code > 399)) return `${code} is not a valid redirect code, must be 3xx`;
  const scheme = str(redirect.scheme);
  if (scheme !== "" && scheme !== "http" && scheme !== "https") return 'invalid redirect scheme, must be "http" or "https"';
  if (int(redirect.port) > 0) return portError(int(redirect.port));
  return undefined;
}

/** validation.go validateHTTPDirectResponse (:2735), errors only. */
function directResponseErrors(dr: unknown): string[] {
  const out: string[] = [];
  if (!isSet(dr)) return out;
  if (isSet(dr.body)) {
    const size =
      typeof dr.body.string === "string" ? byteLength(dr.body.string) : typeof dr.body.bytes === "string" ? Math.floor((dr.body.bytes.length * 3) / 4) : 0;
    if (size > 1024 * 1024) out.push("large direct_responses may impact control plane performance, must be less than 1MB");
  }
  const e = httpStatusError(int(dr.status));
  if (e) out.push(e);
  return out;
}

/** validation.go validateHTTPMirrors (:2760). */
function mirrorsErrors(mirrors: unknown): string[] {
  const out: string[] = [];
  for (const m of list(mirrors)) {
    if (!isSet(m)) {
      out.push("mirror cannot be null");
      continue;
    }
    if (!isSet(m.destination)) {
      out.push("destination is required for mirrors");
      continue;
    }
    out.push(...destinationErrors(m.destination));
    if (isSet(m.percentage)) {
      const v = Number(m.percentage.value ?? 0);
      if (v > 100) out.push(`mirror percentage must have a max value of 100 (it has ${v.toFixed(6)})`);
      if (v < 0) out.push(`mirror percentage must have a min value of 0 (it has ${v.toFixed(6)})`);
    }
  }
  return out;
}

/** validation.go validateHTTPRewrite (:2786). */
function rewriteError(rewrite: unknown): string | undefined {
  if (!isSet(rewrite)) return undefined;
  const uri = str(rewrite.uri);
  const regex = rewrite.uriRegexRewrite;
  if (uri !== "" && isSet(regex)) return "rewrite may only contain one of URI or UriRegexRewrite";
  if (uri === "" && !isSet(regex) && str(rewrite.authority) === "")
    return "rewrite must specify at least one of URI, UriRegexRewrite, or authority. Only one of URI or UriRegexRewrite may be specified";
  if (isSet(regex)) {
    const e =
      str(regex.match) === "" || str(regex.rewrite) === ""
        ? "UriRegexRewrite requires both Rewrite and Match fields to be specified"
        : regexpError(str(regex.match), "HTTPRewrite.UriRegexRewrite.Match");
    if (e) return `UriRegexRewrite has errors\n${e}`;
  }
  return undefined;
}

/** virtualservice.go validateAuthorityRewrite (:113): the authority is rewritten in one place at most. */
function authorityRewriteError(rewrite: unknown, headers: unknown): string | undefined {
  let current = isSet(rewrite) ? str(rewrite.authority) : "";
  const req = isSet(headers) && isSet(headers.request) ? headers.request : {};
  for (const [k, v] of [...entries(req.set), ...entries(req.add)]) {
    if (!isAuthorityHeader(k)) continue;
    if (current !== "") return `authority header cannot be set multiple times: have ${q(current)}, attempting to set ${q(v)}`;
    current = v;
  }
  return undefined;
}

/** virtualservice.go validateHTTPRoute (:46), but RE2 compilation of regexes. */
function httpRouteErrors(h: Record<string, any>, delegate: boolean): string[] {
  const out: string[] = [];
  const push = (e: string | undefined) => e && out.push(e);
  const name = str(h.name);
  const route = list(h.route);
  const has = (k: string) => isSet(h[k]);
  // validateHTTPRouteConflict (virtualservice.go:166).
  if (!delegate && has("delegate")) {
    if (has("redirect")) out.push(`root HTTP route ${name} must not specify redirect`);
    if (route.length > 0) out.push(`root HTTP route ${name} must not specify route`);
  } else {
    if (delegate && has("delegate")) out.push("delegate HTTP route cannot contain delegate");
    if (has("redirect")) {
      if (route.length > 0) out.push("HTTP route cannot contain both route and redirect");
      if (has("fault")) out.push("HTTP route cannot contain both fault and redirect");
      if (has("rewrite")) out.push("HTTP route rule cannot contain both rewrite and redirect");
      if (has("directResponse")) out.push("HTTP route rule cannot contain both direct_response and redirect");
    } else if (has("directResponse")) {
      if (route.length > 0) out.push("HTTP route cannot contain both route and direct_response");
      if (has("fault")) out.push("HTTP route cannot contain both fault and direct_response");
      if (has("rewrite")) out.push("HTTP route rule cannot contain both rewrite and direct_response");
    } else if (route.length === 0) out.push("HTTP route, redirect or direct_response is required");
    if (has("mirror") && list(h.mirrors).length > 0) out.push("HTTP route cannot contain both mirror and mirrors");
  }
  // validateHTTPRouteMatchRequest (virtualservice.go:125).
  const matches = list(h.match);
  for (const m of matches) {
    if (!isSet(m)) continue;
    for (const k of Object.keys(isObject(m.headers) ? m.headers : {})) {
      if (m.headers[k] === null) out.push(`header match ${k} cannot be null`);
      push(matchHeaderNameError(k));
      push(stringMatchError(m.headers[k], "headers", true));
    }
    for (const k of Object.keys(isObject(m.withoutHeaders) ? m.withoutHeaders : {})) {
      push(matchHeaderNameError(k));
      // `*` is a presence match, not a regex.
      if (m.withoutHeaders[k]?.regex !== "*") push(stringMatchError(m.withoutHeaders[k], "withoutHeaders", true));
    }
    // An empty uri prefix is allowed; scheme, method and authority prefixes are not.
    push(stringMatchError(m.uri, "uri", false));
    push(stringMatchError(m.scheme, "scheme", true));
    push(stringMatchError(m.method, "method", true));
    push(stringMatchError(m.authority, "authority", true));
    for (const k of Object.keys(isObject(m.queryParams) ? m.queryParams : {})) push(stringMatchError(m.queryParams[k], "queryParams", true));
  }
  for (const m of matches) {
    if (!isSet(m)) continue;
    if (int(m.port) !== 0) push(portError(int(m.port)));
    out.push(...labelErrors(m.sourceLabels));
    out.push(...gatewayNameErrors(m.gateways));
    const sourceNamespace = str(m.sourceNamespace);
    if (sourceNamespace !== "" && !isDNS1123Label(sourceNamespace)) out.push(`sourceNamespace match ${sourceNamespace} is invalid`);
  }
  out.push(...headersErrors(h.headers));
  out.push(...corsErrors(h.corsPolicy));
  out.push(...faultErrors(h.fault));
  if (h.mirrorPercent != null && wrapped(h.mirrorPercent) > 100) out.push(`mirror_percent must have a max value of 100 (it has ${wrapped(h.mirrorPercent)})`);
  if (isSet(h.mirrorPercentage)) {
    const v = Number(h.mirrorPercentage.value ?? 0);
    if (v > 100) out.push(`mirror_percentage must have a max value of 100 (it has ${v.toFixed(6)})`);
    if (v < 0) out.push(`mirror_percentage must have a min value of 0 (it has ${v.toFixed(6)})`);
  }
  out.push(...destinationErrors(h.mirror));
  out.push(...mirrorsErrors(h.mirrors));
  push(redirectError(h.redirect, h.match));
  out.push(...directResponseErrors(h.directResponse));
  out.push(...retryErrors(h.retries));
  push(rewriteError(h.rewrite));
  push(authorityRewriteError(h.rewrite, h.headers));
  out.push(...routeDestinationErrors(h.route, true));
  if (h.timeout != null) push(durationError(h.timeout));
  return out;
}

// ── Sidecar ─────────────────────────────────────────────────────────────────────────────

/** validation.go validateSidecarIngressPortAndBind / validateSidecarEgressPortBindAndCaptureMode (:1007, :1043). */
function sidecarPortErrors(port: Record<string, any>, bind: string, egress: boolean, captureMode: string): string[] {
  const out: string[] = [];
  const push = (e: string | undefined) => e && out.push(e);
  if (str(port.name).length > 0) push(portNameError(str(port.name)));
  if (egress && int(port.number) === 0) {
    push(protocolError(str(port.protocol)));
    if (!bind.startsWith("unix://")) out.push("sidecar: ports with 0 value must have a unix domain socket bind address");
    else push(unixAddressError(bind.slice("unix://".length)));
    if (captureMode !== "DEFAULT" && captureMode !== "NONE") out.push("sidecar: captureMode must be DEFAULT/NONE for unix domain socket listeners");
    return out;
  }
  push(protocolError(str(port.protocol)));
  push(portError(int(port.number)));
  if (bind.length !== 0) push(ipAddressError(bind));
  return out;
}

/** Go's net.SplitHostPort: host and port of `host:port` or `[host]:port`. */
function splitHostPort(s: string): [string, string] | string {
  const colon = s.lastIndexOf(":");
  if (colon < 0) return `address ${s}: missing port in address`;
  let host = s.slice(0, colon);
  const port = s.slice(colon + 1);
  if (host.startsWith("[")) {
    if (!host.endsWith("]") || host.indexOf("]") !== host.length - 1) return `address ${s}: missing ']' in address`;
    host = host.slice(1, -1);
  } else if (host.includes(":")) return `address ${s}: too many colons in address`;
  else if (host.includes("[") || host.includes("]")) return `address ${s}: unexpected '[' in address`;
  return [host, port];
}

/** validation.go ValidateSidecar (:778). */
export function validateSidecar(r: Resource, report: Report): void {
  const refuse = refuser(r, report);
  const spec = r.spec;
  if (refusedAlphaSelector(spec, refuse)) return;
  const ingress = list(spec.ingress);
  const egress = list(spec.egress);
  if (egress.length === 0 && ingress.length === 0 && !isSet(spec.outboundTrafficPolicy) && !isSet(spec.inboundConnectionPool)) {
    refuse("spec", "sidecar: empty configuration provided", "Give egress, ingress, outboundTrafficPolicy or inboundConnectionPool.");
    return;
  }
  let ports = new Set<number>();
  ingress.forEach((l, i) => {
    const at = `spec.ingress[${i}]`;
    if (!isSet(l)) {
      refuse(at, "sidecar: ingress may not be null");
      return;
    }
    if (!isSet(l.port)) {
      refuse(`${at}.port`, "sidecar: port is required for ingress listeners");
      return;
    }
    if (int(l.port.targetPort) > 0) refuse(`${at}.port.targetPort`, "targetPort has no impact on Sidecars");
    for (const e of sidecarPortErrors(l.port, str(l.bind), false, "")) refuse(`${at}.port`, e);
    const number = int(l.port.number);
    if (ports.has(number)) refuse(`${at}.port`, "sidecar: ports on IP bound listeners must be unique");
    ports.add(number);
    const def = str(l.defaultEndpoint);
    if (def.length !== 0) {
      if (def.startsWith("unix://")) {
        const e = unixAddressError(def.slice("unix://".length));
        if (e) refuse(`${at}.defaultEndpoint`, e);
      } else {
        const split = splitHostPort(def);
        const [host, port] = typeof split === "string" ? ["", ""] : split;
        if (typeof split === "string") refuse(`${at}.defaultEndpoint`, split);
        if (host !== "" && host !== "127.0.0.1" && host !== "0.0.0.0" && host !== "::1" && host !== "::")
          refuse(
            `${at}.defaultEndpoint`,
            "sidecar: defaultEndpoint must be of form 127.0.0.1:<port>,0.0.0.0:<port>,[::1]:port,[::]:port,unix://filepath or unset",
          );
        if (!atoi(port)) refuse(`${at}.defaultEndpoint`, `sidecar: defaultEndpoint port (${port}) is not a number`);
        else {
          const e = portError(Number(port));
          if (e) refuse(`${at}.defaultEndpoint`, e);
        }
      }
    }
    if (isSet(l.tls)) {
      const t = l.tls;
      if (list(t.subjectAltNames).length > 0) refuse(`${at}.tls`, "sidecar: subjectAltNames is not supported in ingress tls");
      if (t.httpsRedirect === true) refuse(`${at}.tls`, "sidecar: httpsRedirect is not supported");
      if (str(t.credentialName)) refuse(`${at}.tls`, "sidecar: credentialName is not currently supported");
      if (list(t.credentialNames).length > 0) refuse(`${at}.tls`, "sidecar: credentialNames is not currently supported");
      if (list(t.tlsCertificates).length > 0) refuse(`${at}.tls`, "sidecar: tls_certificates is not currently supported");
      const mode = enumName(t.mode, serverTLSModes);
      if (mode === "ISTIO_MUTUAL" || mode === "AUTO_PASSTHROUGH")
        refuse(`${at}.tls`, `configuration is invalid: cannot set mode to ${mode} in sidecar ingress tls`);
      if (!isTLSProtocol(parseProtocol(str(l.port.protocol)))) refuse(`${at}.tls`, "server cannot have TLS settings for non HTTPS/TLS ports");
      for (const e of serverTLSErrors(t)) refuse(`${at}.tls`, e);
    }
    for (const e of connectionPoolErrors(l.connectionPool)) refuse(`${at}.connectionPool`, e);
  });
  for (const e of connectionPoolErrors(spec.inboundConnectionPool)) refuse("spec.inboundConnectionPool", e);
  ports = new Set<number>();
  const sockets = new Set<string>();
  let catchAll = false;
  egress.forEach((l, i) => {
    const at = `spec.egress[${i}]`;
    if (!isSet(l)) {
      refuse(at, "egress listener may not be null");
      return;
    }
    if (!isSet(l.port)) {
      if (!catchAll) {
        if (i === egress.length - 1) catchAll = true;
        else refuse(at, "sidecar: the egress listener with empty port should be the last listener in the list");
      } else {
        refuse(at, "sidecar: egress can have only one listener with empty port");
        return;
      }
    } else {
      if (int(l.port.targetPort) > 0) refuse(`${at}.port.targetPort`, "targetPort has no impact on Sidecars");
      const bind = str(l.bind);
      for (const e of sidecarPortErrors(l.port, bind, true, enumName(l.captureMode, ["DEFAULT", "IPTABLES", "NONE"]))) refuse(`${at}.port`, e);
      const number = int(l.port.number);
      if (number === 0) {
        if (sockets.has(bind)) refuse(`${at}.bind`, "sidecar: unix domain socket values for listeners must be unique");
        sockets.add(bind);
      } else {
        if (ports.has(number)) refuse(`${at}.port`, "sidecar: ports on IP bound listeners must be unique");
        ports.add(number);
      }
    }
    const hosts = list(l.hosts);
    if (hosts.length === 0)
      refuse(`${at}.hosts`, "sidecar: egress listener must contain at least one host", 'List hosts as namespace/dnsName, e.g. "./*" or "istio-system/*".');
    hosts.forEach((h, j) => {
      for (const e of namespaceSlashHostnameErrors(str(h), false))
        refuse(`${at}.hosts[${j}]`, e, 'Write hosts as namespace/dnsName, e.g. "./*" or "db/postgres.db.svc.cluster.local".');
    });
  });
  const tp = spec.outboundTrafficPolicy;
  if (isSet(tp)) {
    const mode = enumName(tp.mode, ["REGISTRY_ONLY", "ALLOW_ANY"]);
    if (mode === "ALLOW_ANY_DYNAMIC_DNS" || mode === "2")
      refuse("spec.outboundTrafficPolicy.mode", "sidecar: ALLOW_ANY_DYNAMIC_DNS mode is only supported in MeshConfig, not in Sidecar resource");
    else if (isSet(tp.egressProxy)) {
      if (mode !== "ALLOW_ANY")
        refuse("spec.outboundTrafficPolicy.egressProxy", "sidecar: egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode");
      else {
        const e = fqdnError(str(tp.egressProxy.host));
        if (e) refuse("spec.outboundTrafficPolicy.egressProxy.host", e);
        if (!isSet(tp.egressProxy.port)) refuse("spec.outboundTrafficPolicy.egressProxy.port", "sidecar: egress_proxy port must be non-nil");
        else for (const x of destinationErrors(tp.egressProxy)) refuse("spec.outboundTrafficPolicy.egressProxy", x);
      }
    }
  }
}
