/**
 * The one registry of diagnostic codes. Codes are stable: a retired code is marked `retired`
 * and never reused. `docs/diagnostics.md` is generated from this table.
 *
 * Ranges: MF1xxx model, MF2xxx compile, MF3xxx verify findings and verdict reasons,
 * MF4xxx kube/doctor, MF5xxx CA.
 *
 * Every diagnostic code carries `message` and `fix` templates over named arguments, as
 * istioctl keeps its messages in pkg/config/analysis/msg/messages.yaml with typed
 * constructors: call sites write `diagnostic("MF1020", { port, exportRef }, { path, value })`
 * and never the text itself, so one finding reads the same wherever it is raised. Verdict
 * reasons (MF30xx) have no templates: verify writes their `why` per probe.
 */

import { compareStrings } from "../util/compare.js";

export type Severity = "error" | "warning" | "info";

export interface CodeInfo {
  /** Stable code, e.g. `MF1005`. */
  readonly code: string;
  /** Short kebab-case name, stable like the code. */
  readonly name: string;
  readonly severity: Severity;
  /** One line: what is wrong. */
  readonly title: string;
  /** Why it matters and how to fix it (Markdown). */
  readonly explanation: string;
  readonly retired?: boolean;
  /**
   * The message template: what is wrong, from named arguments (`port`, `exportRef`, `mesh`, ...).
   * Call sites pass the arguments through `diagnostic(code, args, where)`, so the same finding
   * reads the same everywhere. A code without a template still takes a hand-written message
   * (see `untemplatedCodes`).
   */
  readonly message?: (a: never) => string;
  /** The fix template; takes the same arguments as `message`. */
  readonly fix?: (a: never) => string;
}

// ── Argument shapes and helpers shared by several templates ─────────────────────────

/** A YAML syntax error from the parser, or a key written twice. */
type YamlSyntaxArgs = { readonly parser: string } | { readonly field: string; readonly key: string };

/** A value of the wrong shape (`quote` when a scalar should have been quoted), or a non-string key. */
type WrongTypeArgs =
  | { readonly field: string; readonly expected: string; readonly found: string; readonly quote?: string }
  | { readonly field: string; readonly keyNotString: true };

/** A required field that is missing (`hint` describes it), or a list with too few items. */
type MissingArgs = { readonly field: string; readonly missing: string; readonly hint: string } | { readonly field: string; readonly minItems: number };

/** A value outside a fixed set (apiVersion, kind, enums). */
interface NotAllowedArgs {
  readonly field: string;
  readonly found: string;
  readonly allowed: readonly unknown[];
  readonly suggestion?: string;
}
const notAllowedMessage = (a: NotAllowedArgs) => `${a.field}: ${a.found} is not allowed; expected ${a.allowed.map((v) => JSON.stringify(v)).join(" or ")}`;
const notAllowedFix = (a: NotAllowedArgs) => `write ${a.suggestion ? JSON.stringify(a.suggestion) : a.allowed.map((v) => JSON.stringify(v)).join(" or ")}`;

/** A string that fails a schema format: which field, and the value as written. */
interface FormatArgs {
  readonly field: string;
  readonly value: string;
}
const formatMessage = (a: FormatArgs, reason: string) => `${a.field}: "${a.value}" ${reason}`;
interface NameFormatArgs extends FormatArgs {
  readonly kind: "label" | "subdomain";
  /** A corrected label, when one differs from the value. */
  readonly suggestion?: string;
}
interface HostFormatArgs extends FormatArgs {
  readonly problem: "wildcard" | "not-host" | "not-ipv4";
}
interface RefFormatArgs extends FormatArgs {
  /** `part` is the offending part for `label` and `name`. */
  readonly problem: "wildcard" | "parts" | "label" | "name";
  readonly part?: string;
}
const refReason = (a: RefFormatArgs, shape: string) => {
  const parts = a.value.split("/").length;
  if (a.problem === "wildcard") return "contains a wildcard";
  if (a.problem === "parts") return `has ${parts} part${parts === 1 ? "" : "s"}, expected ${shape}`;
  return a.problem === "label" ? `part "${a.part}" is not a DNS-1123 label` : `part "${a.part}" is not a valid name`;
};
const refFix = (a: RefFormatArgs, shape: string, example: string) =>
  a.problem === "wildcard" ? `name one ${shape}, for example "${example}"` : `write it as ${shape}, for example "${example}"`;

/** A PEM file or Secret manifest that does not hold what a `meshfed ca` command needs. */
type PemArgs =
  | { readonly file: string; readonly problem: "certificate-unparsable"; readonly line: number; readonly reason: string }
  | { readonly file: string; readonly problem: "private-key-unparsable" | "secret-not-yaml"; readonly reason: string }
  | {
      readonly file: string;
      readonly problem: "no-certificate-block" | "no-certificate" | "no-private-key" | "private-key-encrypted" | "secret-without-pems";
    };
const pemProblem = (a: PemArgs): { message: string; fix: string } => {
  switch (a.problem) {
    case "certificate-unparsable":
      return {
        message: `${a.file}:${a.line}: the CERTIFICATE block does not parse as X.509 (${a.reason})`,
        fix: "replace the block with the PEM certificate as written by `meshfed ca` or openssl",
      };
    case "no-certificate-block":
      return { message: `${a.file} holds no PEM certificate (no "-----BEGIN CERTIFICATE-----" block)`, fix: "pass the certificate file, e.g. root-cert.pem" };
    case "no-certificate":
      return { message: `${a.file} holds no PEM certificate`, fix: "pass PEM certificate files (root-cert.pem, ca-cert.pem, cert-chain.pem)" };
    case "no-private-key":
      return { message: `${a.file} holds no PEM private key`, fix: "pass the private key file, e.g. root-key.pem" };
    case "private-key-encrypted":
      return {
        message: `${a.file}: the private key is encrypted`,
        fix: "decrypt it for this step (`openssl pkey -in KEY -out PLAIN`), keep PLAIN on an offline machine, and delete it afterwards",
      };
    case "private-key-unparsable":
      return { message: `${a.file}: the private key does not parse (${a.reason})`, fix: "pass an unencrypted PEM private key" };
    case "secret-not-yaml":
      return {
        message: `${a.file}: not valid YAML (${a.reason})`,
        fix: "pass the Secret manifest as written by `meshfed ca issue` or `kubectl get secret -o yaml`",
      };
    case "secret-without-pems":
      return { message: `${a.file} holds no Secret with *.pem or *.crt entries`, fix: "pass the cacerts Secret manifest, or PEM files" };
  }
};

/** A root passed to `ca issue` that is no CA (`file`), or an inspected CA without keyCertSign (`label`). */
type NotCaArgs = { readonly file: string; readonly subject: string } | { readonly label: string };

/** A certificate outside its validity period; `role` picks the fix. */
interface ValidityArgs {
  readonly label: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly now: string;
  /** `issuing-root`: the root `ca issue` was given; `root`/`intermediate`: an inspected certificate. */
  readonly role: "issuing-root" | "root" | "intermediate";
}

/** What is wrong with the order of cert-chain.pem; `index` is 1-based. */
type ChainOrderArgs =
  | { readonly file: string; readonly problem: "count"; readonly count: number }
  | { readonly file: string; readonly problem: "not-signed"; readonly index: number; readonly subject: string; readonly nextSubject: string }
  | { readonly file: string; readonly problem: "last-not-root"; readonly subject: string };

/** Two AUTO_PASSTHROUGH servers on one port: a later server repeating hosts, or overlapping SNIs. */
type GatewayConflictArgs =
  | {
      readonly subject: string;
      readonly problem: "repeated-hosts";
      readonly server: number;
      readonly hosts: readonly string[];
      readonly port: number | undefined;
    }
  | { readonly subject: string; readonly problem: "overlapping-sni"; readonly port: number | undefined; readonly conflicts: readonly string[] }
  | { readonly subject: string; readonly problem: "protocol-conflict"; readonly server: number; readonly port: number | undefined; readonly holder: string };

/** An import ServiceEntry, or its DestinationRule, visible beyond its own namespace. */
type WideExportToArgs =
  | { readonly subject: string; readonly what: "import"; readonly host: string; readonly exportTo: readonly string[]; readonly namespace: string }
  | { readonly subject: string; readonly what: "destination-rule"; readonly host: string; readonly namespace: string };

/** A route through an east-west gateway the model does not export, or extra principals it admits. */
type UnintendedExposureArgs =
  | { readonly problem: "not-exported"; readonly mesh: string; readonly host: string; readonly port: number; readonly admits: readonly string[] }
  | { readonly problem: "extra-consumers"; readonly mesh: string; readonly host: string; readonly port: number; readonly extra: readonly string[] };

/** What is wrong in a verify scenario file; most problems name the mesh or probe (`name`). */
interface ScenarioProblems {
  "not-mapping": object;
  "unknown-field": { readonly key: string };
  "no-meshes": object;
  "mesh-not-mapping": object;
  "mesh-name-missing": object;
  "mesh-name-twice": { readonly name: string };
  "mesh-trust-domain-missing": { readonly name: string };
  "mesh-gateway": { readonly name: string };
  "probes-not-list": object;
  "probe-not-mapping": object;
  "probe-name-missing": object;
  "probe-name-twice": { readonly name: string };
  "probe-from-mesh": { readonly name: string; readonly mesh: string; readonly meshes: readonly string[] };
  "probe-from-identity": { readonly name: string };
  "probe-to": { readonly name: string };
  "probe-expect": { readonly name: string; readonly value: string };
  "probe-denied-at": { readonly name: string; readonly value: string };
  "probe-reason": { readonly name: string; readonly value: string };
  "exposure-not-list": object;
}
/** A scenario problem at a field (`field` is the dotted path, empty for the document), or a second YAML document at `line`. */
type ScenarioArgs =
  | { [P in keyof ScenarioProblems]: { readonly file: string; readonly field: string; readonly problem: P } & ScenarioProblems[P] }[keyof ScenarioProblems]
  | { readonly file: string; readonly problem: "documents"; readonly line: number };
const scenarioProblem = (a: ScenarioArgs): { message: string; fix: string } => {
  if (a.problem === "documents") return { message: `${a.file}:${a.line}: a scenario is one YAML document`, fix: "Keep one document in scenario.yaml." };
  const [what, fix] = ((): [string, string] => {
    switch (a.problem) {
      case "not-mapping":
        return ["a scenario is a mapping with `meshes` and `probes`", "See conformance/README.md for the scenario format."];
      case "unknown-field":
        return [`unknown field "${a.key}"`, "Use only meshes, probes and expectExposure."];
      case "no-meshes":
        return ["at least one mesh is required", "Add a list of meshes."];
      case "mesh-not-mapping":
        return ["a mesh is a mapping", "Write name, trustDomain, rootCA, …."];
      case "mesh-name-missing":
        return ["name is required", "Give every mesh a name."];
      case "mesh-name-twice":
        return [`mesh name "${a.name}" is used twice`, "Mesh names are unique."];
      case "mesh-trust-domain-missing":
        return [`mesh "${a.name}" has no trustDomain`, "Set trustDomain."];
      case "mesh-gateway":
        return [`mesh "${a.name}": eastWestGateway needs address and a port in 1..65535`, "Set eastWestGateway.address and .port."];
      case "probes-not-list":
        return ["probes is a list", "Write probes as a YAML list."];
      case "probe-not-mapping":
        return ["a probe is a mapping", "Write name, from, to."];
      case "probe-name-missing":
        return ["name is required", "Name every probe."];
      case "probe-name-twice":
        return [`probe name "${a.name}" is used twice`, "Probe names are unique."];
      case "probe-from-mesh":
        return [`probe "${a.name}": from.mesh "${a.mesh}" is not a mesh of this scenario`, `Use one of: ${a.meshes.join(", ")}.`];
      case "probe-from-identity":
        return [`probe "${a.name}": from needs namespace and serviceAccount`, "Set from.namespace and from.serviceAccount."];
      case "probe-to":
        return [`probe "${a.name}": to needs host and a port in 1..65535`, "Set to.host and to.port."];
      case "probe-expect":
        return [`probe "${a.name}": expect "${a.value}" must be allow or deny`, "Write allow or deny."];
      case "probe-denied-at":
        return [`probe "${a.name}": expectDeniedAt "${a.value}" must be client, gateway, server or trust`, "Fix expectDeniedAt."];
      case "probe-reason":
        return [`probe "${a.name}": expectReason "${a.value}" must be an MF30xx code`, "Use a reason code from conformance/README.md."];
      case "exposure-not-list":
        return ["expectExposure is a list", "Write it like the verdict's exposure."];
    }
  })();
  return { message: `${a.file}: ${a.field || "(document)"}: ${what}`, fix };
};

/** A mesh file object that cannot be read as a resource, or a resource defined twice. */
type MeshFileArgs =
  | { readonly file: string; readonly line: number; readonly problem: "not-mapping" }
  | { readonly file: string; readonly line: number; readonly problem: "no-kind" }
  | { readonly file: string; readonly line: number; readonly problem: "no-name"; readonly kind: string }
  | {
      readonly file: string;
      readonly line: number;
      readonly problem: "metadata-not-strings";
      readonly kind: string;
      readonly name: string;
      readonly field: "labels" | "annotations";
      readonly key?: string;
      readonly value?: unknown;
    }
  | {
      readonly file: string;
      readonly line: number;
      readonly problem: "duplicate";
      readonly kind: string;
      readonly namespace: string;
      readonly name: string;
      readonly otherFile: string;
      readonly otherLine: number;
    };

/** A field verify does not model, where, and whose verdicts it may change. */
interface NotModelledArgs {
  readonly resource: { readonly file: string; readonly line: number; readonly kind: string; readonly namespace: string; readonly name: string };
  readonly field: string;
  readonly why: string;
  readonly mesh: string;
  readonly workloads: readonly string[];
}

/** What istiod's validation refuses in a resource (pkg/config/validation), by rule. */
type IstioRule =
  | { readonly rule: "endpoint-port-name"; readonly port: string; readonly portName: string; readonly portNames: readonly string[] }
  | { readonly rule: "provider-without-custom"; readonly action: string }
  | { readonly rule: "unsupported-with-custom"; readonly key: string }
  | { readonly rule: "gateway-tls-credentials"; readonly mode: string }
  | { readonly rule: "dry-run-kind" }
  | { readonly rule: "dry-run-action"; readonly action: string }
  | { readonly rule: "dry-run-value"; readonly value: string }
  | { readonly rule: "action-without-rules"; readonly action: string }
  | { readonly rule: "custom-without-provider" }
  | { readonly rule: "bad-port"; readonly port: string }
  | { readonly rule: "none-with-endpoints" }
  | { readonly rule: "cidr-with-dns"; readonly resolution: string }
  | { readonly rule: "export-to"; readonly problem: string }
  | { readonly rule: "refused"; readonly problem: string; readonly fix: string }
  | { readonly rule: "egress-proxy-mode"; readonly mode: string }
  | { readonly rule: "egress-proxy-port" | "sidecar-dynamic-dns" }
  | {
      readonly rule:
        | "service-accounts-with-principals"
        | "empty-source"
        | "mutual-without-certificate"
        | "insecure-skip-verify-with-ca"
        | "credential-name-with-files"
        | "configmap-credential-namespace";
    };
/** The resource a validation rule refuses, the field, and the rule. */
interface IstioValidationArgs {
  readonly resource: { readonly file: string; readonly line: number; readonly kind: string; readonly namespace: string; readonly name: string };
  readonly field: string;
  readonly refused: IstioRule;
}
const istioValidation = ({ refused: r }: IstioValidationArgs): { message: string; fix: string } => {
  switch (r.rule) {
    case "endpoint-port-name":
      return {
        message: `endpoint port ${r.port} is mapped from "${r.portName}", which is not a port name of the ServiceEntry`,
        fix: `Key the endpoint's ports by a name from spec.ports (${[...new Set(r.portNames)].join(", ")}).`,
      };
    case "provider-without-custom":
      return { message: `provider must not be set with action ${r.action}`, fix: "Remove provider or use action CUSTOM." };
    case "service-accounts-with-principals":
      return {
        message: "serviceAccounts cannot be set with namespaces or principals",
        fix: "Use either serviceAccounts or principals/namespaces in one source.",
      };
    case "empty-source":
      return { message: "from.source must not be empty", fix: "Name principals, namespaces, serviceAccounts, trustDomains or ipBlocks, or drop the from." };
    case "unsupported-with-custom":
      return { message: `${r.key} is not supported with action CUSTOM`, fix: "Move identity checks to an ALLOW or DENY policy." };
    case "gateway-tls-credentials":
      return {
        message: `${r.mode} TLS needs credentialName or serverCertificate and privateKey`,
        fix: "Use AUTO_PASSTHROUGH (or ISTIO_MUTUAL) for east-west traffic, or give the server certificate.",
      };
    case "dry-run-kind":
      return { message: "unsupported annotation istio.io/dry-run (only AuthorizationPolicy supports it)", fix: "Remove the annotation." };
    case "dry-run-action":
      return {
        message: `the annotation istio.io/dry-run currently only supports action ALLOW/DENY, found action ${r.action}`,
        fix: "Remove the annotation, or test the policy as ALLOW/DENY.",
      };
    case "dry-run-value":
      return {
        message: `invalid value ${JSON.stringify(r.value)}: Go's strconv.ParseBool accepts only 1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False`,
        fix: 'Write "true" or "false" (quoted).',
      };
    case "action-without-rules":
      // validation.go ValidateAuthorizationPolicy: such a policy would never trigger.
      return {
        message: `${r.action} action without \`rules\` is meaningless as it will never be triggered`,
        fix: "Add an empty rule `{}` to match every request, or the rules it should match.",
      };
    case "custom-without-provider":
      return { message: "`provider.name` must not be empty", fix: "Name an extension provider of meshConfig.extensionProviders." };
    case "bad-port":
      // pkg/config/security/security.go ValidatePorts: strconv.ParseUint(port, 10, 32), at most 65535.
      return {
        message: `bad port (${r.port}): ports in an AuthorizationPolicy are port numbers (0-65535), not names`,
        fix: "Write the port number, e.g. '5432' for the Service port named tcp-postgres (quoted: the field is a list of strings).",
      };
    case "none-with-endpoints":
      return {
        message: "no endpoints should be provided for resolution type none",
        fix: "Use resolution STATIC (addresses) or DNS (hostnames) with endpoints, or drop the endpoints.",
      };
    case "refused":
      return { message: r.problem, fix: r.fix };
    case "export-to":
      // validation.go validateExportTo.
      return { message: r.problem, fix: 'Write one of ".", "*", "~" (ServiceEntry only), or namespace names, each once.' };
    case "cidr-with-dns":
      // validation.go ValidateServiceEntry.
      return {
        message: `CIDR addresses are allowed only for NONE/STATIC resolution types (resolution is ${r.resolution})`,
        fix: "List single addresses, or use resolution STATIC with endpoint addresses.",
      };
    case "egress-proxy-mode":
      // validation.go validateSidecarOutboundTrafficPolicy.
      return {
        message: `egressProxy must be set only with ALLOW_ANY outboundTrafficPolicy mode (mode is ${r.mode}; it defaults to REGISTRY_ONLY)`,
        fix: "Write mode: ALLOW_ANY next to egressProxy, or drop egressProxy.",
      };
    case "egress-proxy-port":
      return { message: "egressProxy port must be set", fix: "Give egressProxy.port.number, the port of the egress proxy's service." };
    case "sidecar-dynamic-dns":
      return {
        message: "ALLOW_ANY_DYNAMIC_DNS mode is only supported in MeshConfig, not in a Sidecar",
        fix: "Set it in meshConfig.outboundTrafficPolicy, or use ALLOW_ANY or REGISTRY_ONLY here.",
      };
    case "insecure-skip-verify-with-ca":
      // agent/validation.go ValidateTLS.
      return {
        message: "cannot specify caCertificates, credentialName (SIMPLE) or subjectAltNames when insecureSkipVerify is true",
        fix: "Drop insecureSkipVerify to verify the server, or drop the CA and SANs.",
      };
    case "configmap-credential-namespace":
      return {
        message: "invalid configmap:// credentialName: it is configmap://<namespace>/<name>, the namespace that of the DestinationRule",
        fix: "Write configmap://<the rule's namespace>/<ConfigMap name>.",
      };
    case "credential-name-with-files":
      return {
        message: "cannot specify client certificates or CA certificate or CA CRL if credentialName is set",
        fix: "Use either credentialName or the certificate files.",
      };
    case "mutual-without-certificate":
      return {
        message: "tls.mode MUTUAL needs clientCertificate and privateKey (or credentialName)",
        fix: "Use ISTIO_MUTUAL for Istio mTLS between meshes, or give the certificate files.",
      };
  }
};

const table = [
  // ── MF1xxx: the federation model ────────────────────────────────────────────────
  {
    code: "MF1001",
    name: "yaml-syntax",
    severity: "error",
    title: "The file is not valid YAML",
    explanation: "The YAML parser could not read the file. The message names the parser's complaint; fix the indentation or quoting at the position shown.",
    message: (a: YamlSyntaxArgs) => `YAML syntax error: ${"parser" in a ? a.parser : `${a.field} is defined twice`}`,
    fix: (a: YamlSyntaxArgs) =>
      "parser" in a ? "fix the YAML at this position (indentation, quoting, a missing ':')" : `remove one of the two "${a.key}:" entries`,
  },
  {
    code: "MF1002",
    name: "wrong-type",
    severity: "error",
    title: "A field has the wrong type",
    explanation:
      "A field holds a value of the wrong shape (for example a string where a list is expected). The message says what was expected; `meshfed schema` prints the full schema.",
    message: (a: WrongTypeArgs) =>
      "keyNotString" in a ? `${a.field} has a key that is not a plain string` : `${a.field} must be ${a.expected}, found ${a.found}`,
    fix: (a: WrongTypeArgs) =>
      "keyNotString" in a ? "use plain string keys" : a.quote !== undefined ? `quote it: "${a.quote}"` : `write ${a.expected} here (see \`meshfed schema\`)`,
  },
  {
    code: "MF1003",
    name: "api-version",
    severity: "error",
    title: "Unsupported apiVersion",
    explanation: "meshfed reads `apiVersion: meshfed.dev/v1alpha1`. Set it exactly.",
    message: (a: NotAllowedArgs) => notAllowedMessage(a),
    fix: (a: NotAllowedArgs) => notAllowedFix(a),
  },
  {
    code: "MF1004",
    name: "kind",
    severity: "error",
    title: "Unsupported kind",
    explanation: "A federation file has `kind: MeshFederation`.",
    message: (a: NotAllowedArgs) => notAllowedMessage(a),
    fix: (a: NotAllowedArgs) => notAllowedFix(a),
  },
  {
    code: "MF1005",
    name: "unknown-field",
    severity: "error",
    title: "Unknown field",
    explanation:
      "The field is not part of the model; meshfed refuses it rather than ignore it, because a misspelt security setting silently ignored is worse than an error. The message suggests the closest known field.",
    message: (a: { field: string; key: string; suggestion?: string; known: readonly string[] }) =>
      `unknown field "${a.key}" in ${a.field}${a.suggestion ? `; did you mean "${a.suggestion}"?` : ""}`,
    fix: (a: { field: string; key: string; suggestion?: string; known: readonly string[] }) =>
      a.suggestion ? `rename it to "${a.suggestion}"` : `remove it; known fields: ${a.known.join(", ")}`,
  },
  {
    code: "MF1006",
    name: "missing-field",
    severity: "error",
    title: "A required field is missing",
    explanation: "Add the field named in the message.",
    message: (a: MissingArgs) =>
      "minItems" in a
        ? `${a.field} must have at least ${a.minItems} item${a.minItems === 1 ? "" : "s"}`
        : `${a.field} is missing the required field "${a.missing}"`,
    fix: (a: MissingArgs) => ("minItems" in a ? `add an entry to ${a.field}` : `add "${a.missing}:" (${a.hint})`),
  },
  {
    code: "MF1007",
    name: "invalid-name",
    severity: "error",
    title: "Not a valid DNS-1123 label",
    explanation:
      "Mesh names, namespaces, service and service-account names become Kubernetes names and DNS labels: lower-case letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters.",
    message: (a: NameFormatArgs) =>
      formatMessage(
        a,
        a.kind === "subdomain"
          ? "is not a DNS-1123 name"
          : a.value.length > 63
            ? `is ${a.value.length} characters long (at most 63)`
            : "is not a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit)",
      ),
    fix: (a: NameFormatArgs) =>
      a.kind === "subdomain"
        ? "use lower-case letters, digits, '-' and '.'"
        : a.suggestion !== undefined
          ? `use a DNS-1123 label such as "${a.suggestion}"`
          : "use a DNS-1123 label",
  },
  {
    code: "MF1008",
    name: "invalid-host",
    severity: "error",
    title: "Not a valid host name or address",
    explanation:
      "Host names (aliases, the import domain, east-west gateway addresses) must be DNS-1123 subdomains (lower-case labels separated by dots, at most 253 characters) or, where an address is expected, an IPv4 or IPv6 address. Wildcards are never accepted: a wildcard host is how whole meshes get exposed.",
    message: (a: HostFormatArgs) =>
      formatMessage(
        a,
        a.problem === "wildcard"
          ? "is a wildcard host"
          : a.problem === "not-ipv4"
            ? "is not a valid IPv4 address"
            : "is not a DNS-1123 host name (lower-case labels separated by dots)",
      ),
    fix: (a: HostFormatArgs) =>
      a.problem === "wildcard"
        ? "name one exact host; wildcards expose every matching service"
        : a.problem === "not-ipv4"
          ? "write four numbers from 0 to 255 separated by dots, or a DNS name"
          : `use a host name such as "${a.value.toLowerCase().replace(/[^a-z0-9.-]+/g, "-")}"`,
  },
  {
    code: "MF1009",
    name: "port-out-of-range",
    severity: "error",
    title: "Port out of range",
    explanation: "Ports are integers from 1 to 65535.",
    message: (a: { field: string; port: number; min: number | undefined; max: number | undefined }) =>
      `${a.field}: ${a.port} is out of range (${a.min ?? "-∞"}..${a.max ?? "∞"})`,
    fix: (a: { field: string; port: number; min: number | undefined; max: number | undefined }) => `use a port from ${a.min} to ${a.max}`,
  },
  {
    code: "MF1010",
    name: "invalid-service-ref",
    severity: "error",
    title: "Malformed service reference",
    explanation: "An exported service is written `mesh/namespace/name`, for example `production/db/postgres`: three DNS-1123 labels separated by `/`.",
    message: (a: RefFormatArgs) => formatMessage(a, refReason(a, "mesh/namespace/name")),
    fix: (a: RefFormatArgs) => refFix(a, "mesh/namespace/name", "production/db/postgres"),
  },
  {
    code: "MF1011",
    name: "invalid-principal",
    severity: "error",
    title: "Malformed consumer principal",
    explanation:
      "A consumer is written `mesh/namespace/serviceAccount`, for example `operations/vault/vault`. meshfed derives the SPIFFE identity `spiffe://<trustDomain of mesh>/ns/<namespace>/sa/<serviceAccount>` from it; wildcards are not accepted because least privilege names each caller.",
    message: (a: RefFormatArgs) => formatMessage(a, refReason(a, "mesh/namespace/serviceAccount")),
    fix: (a: RefFormatArgs) => refFix(a, "mesh/namespace/serviceAccount", "operations/vault/vault"),
  },
  {
    code: "MF1012",
    name: "duplicate-mesh",
    severity: "error",
    title: "Two meshes have the same name",
    explanation: "Mesh names identify meshes in service references and principals; each must be unique.",
    message: (a: { mesh: string; first: number }) => `mesh "${a.mesh}" is declared twice (first at spec.meshes[${a.first}])`,
    fix: (_: { mesh: string; first: number }) => "rename one of them or merge the two entries",
  },
  {
    code: "MF1013",
    name: "unknown-mesh",
    severity: "error",
    title: "Reference to a mesh that is not declared",
    explanation: "Every mesh named by an export or a consumer must be declared under `spec.meshes`.",
    message: (a: { subject: "export" | "consumer"; ref: string; mesh: string; declared: readonly string[] }) =>
      `${a.subject} "${a.ref}" names mesh "${a.mesh}", which is not declared`,
    fix: (a: { subject: "export" | "consumer"; ref: string; mesh: string; declared: readonly string[] }) =>
      `declare mesh "${a.mesh}" under spec.meshes, or use one of: ${a.declared.join(", ")}`,
  },
  {
    code: "MF1014",
    name: "consumer-in-exporting-mesh",
    severity: "error",
    title: "A consumer is in the exporting mesh",
    explanation:
      "Callers in the same mesh reach the service directly through the mesh; federating it to them would route local traffic out through the east-west gateway. Remove the consumer, or name a principal of another mesh.",
    message: (a: { consumer: string; mesh: string }) => `consumer "${a.consumer}" is in mesh "${a.mesh}", which exports the service`,
    fix: (_: { consumer: string; mesh: string }) => "remove it: callers in the same mesh reach the service directly",
  },
  {
    code: "MF1015",
    name: "exporter-without-gateway",
    severity: "error",
    title: "An exporting mesh has no east-west gateway address",
    explanation:
      "Consumers reach an exported service through the exporting mesh's east-west gateway; meshfed needs its address (an IP or DNS name other meshes can dial) to write their ServiceEntries. Set `eastWestGateway.address` on the mesh.",
    message: (a: { mesh: string; exportRef: string }) => `mesh "${a.mesh}" exports ${a.exportRef} but has no eastWestGateway.address`,
    fix: (a: { mesh: string; exportRef: string }) => `add "eastWestGateway: {address: <IP or DNS name of ${a.mesh}'s east-west gateway>}" to mesh "${a.mesh}"`,
  },
  {
    code: "MF1016",
    name: "duplicate-export",
    severity: "error",
    title: "The same service is exported twice",
    explanation: "Merge the two exports into one with all their consumers and ports.",
    message: (a: { exportRef: string; first: number }) => `service "${a.exportRef}" is exported twice (first at spec.exports[${a.first}])`,
    fix: (_: { exportRef: string; first: number }) => "merge the two exports into one, with all their ports and consumers",
  },
  {
    code: "MF1017",
    name: "alias-collision",
    severity: "error",
    title: "Two imports would use the same alias host in one namespace",
    explanation:
      "Each imported service gets a host name in the consumer's namespace; two imports with the same host would shadow each other. Give one of them a different `alias`.",
    message: (a: { alias: string; namespace: string; owner: string; exportRef: string }) =>
      `alias "${a.alias}" in ${a.namespace} is used by both ${a.owner} and ${a.exportRef}`,
    fix: (_: { alias: string; namespace: string; owner: string; exportRef: string }) => "give one of the consumers a different alias",
  },
  {
    code: "MF1018",
    name: "shared-trust-domain",
    severity: "error",
    title: "Two meshes use the same trust domain",
    explanation:
      "Identities are `spiffe://<trustDomain>/ns/<namespace>/sa/<serviceAccount>`. When two meshes share a trust domain, `vault/vault` in operations and `vault/vault` in production are the same principal: an AuthorizationPolicy admitting one admits both, so least privilege cannot be expressed. A bystander mesh that shares an exporter's trust domain passes the exporter's guard as a local caller, so the export is open to all of it. Refused: give every mesh its own trust domain.",
    message: (a: { mesh: string; other: string; trustDomain: string; federation: string }) =>
      `meshes "${a.other}" and "${a.mesh}" share trust domain "${a.trustDomain}": their identities collide (${a.other}/ns/vault/sa/vault and ${a.mesh}/ns/vault/sa/vault are the same principal), so no policy can admit one without the other`,
    fix: (a: { mesh: string; other: string; trustDomain: string; federation: string }) =>
      `give mesh "${a.mesh}" a trust domain of its own, e.g. "${a.mesh}.${a.federation}.internal"`,
  },
  {
    code: "MF1019",
    name: "invalid-value",
    severity: "error",
    title: "Value not among the allowed ones",
    explanation: "The field accepts only the values listed in the message.",
    message: (a: NotAllowedArgs) => notAllowedMessage(a),
    fix: (a: NotAllowedArgs) => notAllowedFix(a),
  },
  {
    code: "MF1020",
    name: "duplicate-port",
    severity: "error",
    title: "A port is listed twice in one export",
    explanation: "List each port number once.",
    message: (a: { port: number; exportRef: string }) => `port ${a.port} is listed twice in export "${a.exportRef}"`,
    fix: (_: { port: number; exportRef: string }) => "remove the second entry",
  },
  {
    code: "MF1021",
    name: "duplicate-consumer",
    severity: "warning",
    title: "A consumer is listed twice in one export",
    explanation: "The second entry has no effect; remove it.",
    message: (a: { consumer: string; exportRef: string }) => `consumer "${a.consumer}" is listed twice in export "${a.exportRef}"`,
    fix: (_: { consumer: string; exportRef: string }) => "remove the second entry",
  },
  {
    code: "MF1022",
    name: "invalid-trust-domain",
    severity: "error",
    title: "Not a valid trust domain",
    explanation: "A SPIFFE trust domain is lower-case letters, digits, `.`, `-` and `_`, at most 255 characters, with no scheme or path.",
    message: (a: { field: string; value: string; suggestion?: string }) => formatMessage(a, "is not a SPIFFE trust domain"),
    fix: (a: { field: string; value: string; suggestion?: string }) =>
      a.suggestion !== undefined ? `write the bare trust domain, e.g. "${a.suggestion}"` : "use lower-case letters, digits, '.', '-' and '_'",
  },
  {
    code: "MF1023",
    name: "default-trust-domain",
    severity: "warning",
    title: "A mesh keeps the default trust domain cluster.local",
    explanation:
      "Every Istio install defaults to `cluster.local`; meshes that keep it cannot tell their identities apart once they trust the same root. Give the mesh a trust domain of its own (changing it on a running mesh re-issues workload certificates: plan the migration).",
    message: (a: { mesh: string; federation: string }) => `mesh "${a.mesh}" keeps Istio's default trust domain "cluster.local"`,
    fix: (a: { mesh: string; federation: string }) => `set a trust domain of its own, e.g. "${a.mesh}.${a.federation}.internal"`,
  },
  {
    code: "MF1024",
    name: "invalid-selector",
    severity: "error",
    title: "Invalid label selector",
    explanation:
      "Label keys are an optional DNS-1123 prefix and `/`, then a name of at most 63 alphanumerics, `-`, `_` or `.`; values at most 63 of the same characters.",
    message: (a: { field: string; value: string; part: "key" | "value" }) => formatMessage(a, `is not a valid label ${a.part}`),
    fix: (a: { field: string; value: string; part: "key" | "value" }) =>
      a.part === "key" ? 'use a Kubernetes label key such as "app"' : "use at most 63 letters, digits, '-', '_' or '.'",
  },
  {
    code: "MF1025",
    name: "invalid-cidr",
    severity: "error",
    title: "Invalid VIP range",
    explanation:
      "`spec.vipRange` is an IPv4 CIDR (for example `240.241.0.0/16`) from which meshfed assigns the stable virtual IPs of imported services. Use a range no workload or Service uses; the Class E range 240.0.0.0/4 is reserved and never routed.",
    message: (a: { field: string; value: string }) => formatMessage(a, "is not an IPv4 CIDR with a prefix from /8 to /30 and no host bits set"),
    fix: (_: { field: string; value: string }) => 'use a range such as "240.241.0.0/16"',
  },
  {
    code: "MF1026",
    name: "no-consumers",
    severity: "warning",
    title: "An export has no consumers",
    explanation: "An export with no consumers opens nothing; meshfed emits no configuration for it. Add consumers or remove the export.",
    message: (a: { exportRef: string }) => `export "${a.exportRef}" has no consumers; nothing is emitted for it`,
    fix: (_: { exportRef: string }) => "add consumers (mesh/namespace/serviceAccount) or remove the export",
  },
  {
    code: "MF1027",
    name: "empty-document",
    severity: "error",
    title: "The file is empty",
    explanation: "Write a MeshFederation document; `meshfed schema` prints its schema.",
    message: (a: { file: string; blank: boolean }) => (a.blank ? `${a.file} is empty` : `${a.file} holds no YAML document`),
    fix: (a: { file: string; blank: boolean }) => (a.blank ? "write a MeshFederation document" : "write a MeshFederation document (see `meshfed schema`)"),
  },
  {
    code: "MF1028",
    name: "multiple-documents",
    severity: "error",
    title: "The file holds more than one YAML document",
    explanation: "A federation is one document; split other documents into their own files.",
    message: (a: { file: string; documents: number }) => `${a.file} holds ${a.documents} YAML documents; a federation is one`,
    fix: (_: { file: string; documents: number }) => "keep one MeshFederation document in the file",
  },
  {
    code: "MF1029",
    name: "gateway-port-reserved",
    severity: "warning",
    title: "The east-west gateway port is not 15443",
    explanation:
      "Istio's sidecars and the multicluster samples use 15443 for AUTO_PASSTHROUGH; another port works only if the east-west gateway's Service and Deployment publish it. meshfed's install values publish the port set here.",
    message: (a: { mesh: string; port: number }) => `mesh "${a.mesh}" uses east-west gateway port ${a.port}, not 15443`,
    fix: (_: { mesh: string; port: number }) => "make sure the gateway's Service publishes this port (meshfed's install values do), or use 15443",
  },
  {
    code: "MF1030",
    name: "conflicting-aliases",
    severity: "error",
    title: "One namespace imports the same service under two aliases",
    explanation:
      "Consumers in the same namespace share one ServiceEntry and DestinationRule per imported service, so they must use the same alias. Give them the same `alias` (or none).",
    message: (a: { namespace: string; exportRef: string; earlier: string; alias: string }) =>
      `${a.namespace} imports ${a.exportRef} as both "${a.earlier}" and "${a.alias}"`,
    fix: (a: { namespace: string; exportRef: string; earlier: string; alias: string }) => `use "${a.earlier}" for every consumer in ${a.namespace}`,
  },
  {
    code: "MF1031",
    name: "consumer-shares-exporter-trust-domain",
    severity: "error",
    title: "A consumer's mesh has the exporting mesh's trust domain",
    explanation:
      "The exporter's guard admits its own trust domain (`<trustDomain>/*`) to keep local callers working; when a consumer's mesh has the same trust domain, every workload of that mesh matches it, so the export would be open to the whole consuming mesh instead of the named principals. Give every mesh its own trust domain.",
    message: (a: { consumer: string; consumerMesh: string; exporterMesh: string; trustDomain: string }) =>
      `consumer "${a.consumer}" is in mesh "${a.consumerMesh}", which shares trust domain "${a.trustDomain}" with exporter "${a.exporterMesh}": every workload of "${a.consumerMesh}" would pass the guard as a local caller`,
    fix: (a: { consumer: string; consumerMesh: string; exporterMesh: string; trustDomain: string }) =>
      `give mesh "${a.consumerMesh}" or "${a.exporterMesh}" a trust domain of its own`,
  },
  {
    code: "MF1040",
    name: "alias-short-name",
    severity: "error",
    title: "An alias is a short name (one or two labels) that reads as a local Service",
    explanation:
      "Istio expands a one-label DestinationRule host such as `web` to `web.<namespace>.svc.cluster.local` (pilot/pkg/model/config.go:226-237), so the import's TLS settings would land on a local Service; a two-label name such as `postgres.db` or `kubernetes.default` is what Kubernetes DNS and Istio's DNS proxy answer for the local Service `postgres` in namespace `db` (pkg/dns/server/name_table.go:153-161). Use a fully qualified alias, e.g. the default `<service>.<namespace>.<mesh>.<importDomain>`.",
    message: (a: { alias: string; exportRef: string; mesh: string; namespace: string; clusterDomain: string; defaultAlias: string }) => {
      const [first, second] = a.alias.split(".");
      const reads =
        second === undefined ? `the local Service ${a.alias}.${a.namespace}.svc.${a.clusterDomain}` : `the local Service ${first} in namespace ${second}`;
      return `alias "${a.alias}" for ${a.exportRef} is a short name; in ${a.mesh} it reads as ${reads}`;
    },
    fix: (a: { alias: string; exportRef: string; mesh: string; namespace: string; clusterDomain: string; defaultAlias: string }) =>
      `use a fully qualified name of your own, like the default "${a.defaultAlias}"`,
  },
  {
    code: "MF1041",
    name: "alias-in-cluster-domain",
    severity: "error",
    title: "An alias is in the consuming cluster's own DNS space (.svc, *.cluster.local)",
    explanation:
      "`<name>.<namespace>.svc` and names under the cluster domain (`cluster.local`) belong to the consuming cluster's DNS; an import under such a name can shadow a local Service. Use a name outside the cluster domain, e.g. the default alias.",
    message: (a: { alias: string; exportRef: string; mesh: string; clusterDomain: string; defaultAlias: string }) =>
      `alias "${a.alias}" for ${a.exportRef} is in ${a.mesh}'s own DNS space (${a.alias.endsWith(".svc") ? "<name>.<namespace>.svc" : `*.${a.clusterDomain}`}) and can shadow a local Service`,
    fix: (a: { alias: string; exportRef: string; mesh: string; clusterDomain: string; defaultAlias: string }) =>
      `use a fully qualified name of your own, like the default "${a.defaultAlias}"`,
  },
  {
    code: "MF1042",
    name: "alias-ip-literal",
    severity: "error",
    title: "An alias is an IP address or ends in an all-numeric label",
    explanation:
      "A ServiceEntry host whose last label is all digits is rejected by Istio's validation (pkg/config/validation/agent/validation.go:196-201), and an IP is never a service name. Use a host name; meshfed gives each import its own virtual IP.",
    message: (a: { alias: string; exportRef: string; isAddress: boolean; defaultAlias: string }) =>
      `alias "${a.alias}" for ${a.exportRef} ${a.isAddress ? "is an IP address" : "ends in an all-numeric label"}; Istio rejects it as a ServiceEntry host`,
    fix: (a: { alias: string; exportRef: string; isAddress: boolean; defaultAlias: string }) =>
      `use a fully qualified name of your own, like the default "${a.defaultAlias}"`,
  },
  {
    code: "MF1043",
    name: "alias-too-long",
    severity: "error",
    title: "An alias is longer than 253 characters",
    explanation:
      "DNS names are at most 253 characters; Istio refuses longer hosts (pkg/config/validation/agent/validation.go:187). A long `importDomain` makes every default alias long: shorten it or give the consumers shorter aliases.",
    message: (a: { alias: string; exportRef: string; viaImportDomain: boolean }) =>
      `alias "${a.alias.slice(0, 40)}…" for ${a.exportRef} is ${a.alias.length} characters long; DNS names are at most 253`,
    fix: (a: { alias: string; exportRef: string; viaImportDomain: boolean }) =>
      a.viaImportDomain ? "use a shorter importDomain, or give the consumers a shorter alias" : "use a shorter alias",
  },
  {
    code: "MF1044",
    name: "export-from-root-namespace",
    severity: "error",
    title: "A service is exported from istio-system, Istio's root namespace",
    explanation:
      "Policies in the root namespace are mesh-wide: the export's DENY guard would apply to matching pods in every namespace (pilot/pkg/model/authorization.go:97) and deny other exports' consumers, and a PeerAuthentication with a selector there is ignored (pilot/pkg/security/authn/policy_applier.go:408-421), so STRICT mTLS would not apply. Run the exported workload in its own namespace.",
    message: (a: { exportRef: string; rootNamespace: string }) =>
      `export "${a.exportRef}" is in ${a.rootNamespace}, Istio's root namespace: its guard policy would apply to matching pods of every namespace and its STRICT mTLS policy would be ignored`,
    fix: (a: { exportRef: string; rootNamespace: string }) => `run the exported workload in a namespace of its own, not ${a.rootNamespace}`,
  },
  {
    code: "MF1045",
    name: "empty-workload-selector",
    severity: "error",
    title: "An export's workloadSelector is empty ({})",
    explanation:
      "An empty selector selects every pod of the namespace (pilot/pkg/model/policyattachment.go:109-112): the export's DENY guard and STRICT mTLS would apply namespace-wide. Name the exported pods' labels, or leave `workloadSelector` out for the default `{app: <name>}`.",
    message: (a: { exportRef: string; namespace: string; service: string }) =>
      `export "${a.exportRef}" has an empty workloadSelector: its guard and STRICT mTLS would apply to every pod of namespace ${a.namespace}`,
    fix: (a: { exportRef: string; namespace: string; service: string }) =>
      `name the labels of ${a.service}'s pods, e.g. {app: ${a.service}}, or leave workloadSelector out for that default`,
  },
  {
    code: "MF1046",
    name: "overlapping-workload-selectors",
    severity: "error",
    title: "Two exports in one namespace can select the same pods",
    explanation:
      "Every AuthorizationPolicy whose selector matches a pod applies to it, and any DENY denies (pilot/pkg/model/authorization.go:97-107): a pod selected by two exports' guards denies each export's consumers on the other. Give each export a selector with a label only its own pods carry.",
    message: (a: { exportRef: string; selector: string; otherRef: string; otherSelector: string }) =>
      `exports "${a.otherRef}" ${a.otherSelector} and "${a.exportRef}" ${a.selector} can select the same pods; each guard would deny the other's consumers`,
    fix: (_: { exportRef: string; selector: string; otherRef: string; otherSelector: string }) =>
      "give each export a selector with a label the other's pods do not carry (for example a distinct app label)",
  },
  {
    code: "MF1047",
    name: "proxy-port",
    severity: "error",
    title: "An exported port is one of the sidecar's own ports (15000-15090)",
    explanation:
      "15006 is the sidecar's inbound capture port: Istio blackholes traffic addressed to it (pilot/pkg/networking/core/listener_inbound.go:800-812); 15001 is the outbound capture port; 15020, 15021 and 15090 are not captured, so calls bypass mTLS and authorization (cni/pkg/plugin/sidecar_redirect.go:272); 15000, 15004, 15008, 15009 and 15053 belong to the proxy and agent. Export the port the application listens on.",
    message: (a: { port: number; exportRef: string; use: string }) => `port ${a.port} of export "${a.exportRef}" is ${a.use}, not an application's`,
    fix: (_: { port: number; exportRef: string; use: string }) => "export the port the application listens on; Istio reserves 15000-15090 for the proxy",
  },
  {
    code: "MF1048",
    name: "target-port-protocol-conflict",
    severity: "error",
    title: "Two exported ports forward to one targetPort with different protocols",
    explanation:
      "A sidecar builds one inbound filter chain per target port, from the first Service port (pilot/pkg/networking/core/listener_inbound.go:418-425): calls on the other port are handled with the wrong protocol and denied. Give both ports the protocol the application speaks.",
    message: (a: { exportRef: string; first: { number: number; protocol: string }; second: { number: number; protocol: string }; targetPort: number }) =>
      `ports ${a.first.number} (${a.first.protocol}) and ${a.second.number} (${a.second.protocol}) of export "${a.exportRef}" both forward to targetPort ${a.targetPort}; a sidecar serves one protocol per target port`,
    fix: (a: { exportRef: string; first: { number: number; protocol: string }; second: { number: number; protocol: string }; targetPort: number }) =>
      `give both ports the protocol the application speaks on ${a.targetPort}`,
  },
  {
    code: "MF1049",
    name: "shared-gateway-address",
    severity: "error",
    title: "Two meshes give the same east-west gateway address",
    explanation:
      "Every import dials its exporter's gateway address: with one address for two meshes, calls meant for one land in the other. Give each mesh the address of its own east-west gateway (its LoadBalancer IP or DNS name).",
    message: (a: { mesh: string; other: string; address: string }) =>
      `meshes "${a.other}" and "${a.mesh}" both give east-west gateway address "${a.address}"; calls meant for one would land in the other`,
    fix: (a: { mesh: string; other: string; address: string }) => `give mesh "${a.mesh}" the address of its own east-west gateway`,
  },
  {
    code: "MF1050",
    name: "vip-range-reserved",
    severity: "error",
    title: "The VIP range overlaps Istio's auto-allocation range or a special-purpose range",
    explanation:
      "Istio auto-allocates ServiceEntry VIPs from 240.240.0.0/16 (pilot/pkg/features/pilot.go:190-192), so a meshfed VIP there could equal another ServiceEntry's; loopback (127.0.0.0/8), 0.0.0.0/8, link-local (169.254.0.0/16) and multicast (224.0.0.0/4) are not addresses a call can be routed to. Use a range nothing else uses, such as the default 240.241.0.0/16.",
    message: (a: { vipRange: string; reserved: string }) => `spec.vipRange "${a.vipRange}" overlaps ${a.reserved}`,
    fix: (_: { vipRange: string; reserved: string }) => 'use a range no workload, Service or Istio uses, such as the default "240.241.0.0/16"',
  },
  {
    code: "MF1051",
    name: "vip-range-holds-gateway",
    severity: "error",
    title: "The VIP range holds an east-west gateway address",
    explanation:
      "An import's virtual IP could equal a gateway's address, and its listener would catch calls meant for that gateway. Use a range that holds no gateway, Pod or Service address.",
    message: (a: { vipRange: string; mesh: string; address: string }) =>
      `spec.vipRange "${a.vipRange}" holds ${a.mesh}'s east-west gateway address ${a.address}`,
    fix: (_: { vipRange: string; mesh: string; address: string }) => "use a range that holds no gateway, Pod or Service address",
  },
  {
    code: "MF1052",
    name: "consumer-default-trust-domain",
    severity: "error",
    title: "A consumer's mesh keeps the trust domain cluster.local",
    explanation:
      "Istio reads `cluster.local` in a policy principal as \"this mesh's own trust domain\" and rewrites it (pilot/pkg/security/trustdomain/bundle.go:69-74), so the exporter's policy would name its own workloads instead of the consumer, and the intended call is denied. Give the consumer's mesh a trust domain of its own.",
    message: (a: { consumer: string; consumerMesh: string; exporterMesh: string; federation: string }) =>
      `consumer "${a.consumer}" is in mesh "${a.consumerMesh}" with trust domain cluster.local, which Istio reads in ${a.exporterMesh}'s policies as ${a.exporterMesh}'s own: the consumer would be denied`,
    fix: (a: { consumer: string; consumerMesh: string; exporterMesh: string; federation: string }) =>
      `give mesh "${a.consumerMesh}" a trust domain of its own, e.g. "${a.consumerMesh}.${a.federation}.internal"`,
  },
  {
    code: "MF1060",
    name: "invalid-cluster-name",
    severity: "error",
    title: "clusterName is not a Kubernetes label value",
    explanation:
      "Istio uses `values.global.multiCluster.clusterName` as the cluster ID (`CLUSTER_ID`, default `Kubernetes`: manifests/charts/istio-control/istio-discovery/templates/deployment.yaml:226, pkg/config/constants/constants.go:70) and writes it as the value of the `topology.istio.io/cluster` label on every workload (pilot/pkg/serviceregistry/util/label/label.go:54-55). So it must be a Kubernetes label value: 1 to 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit. Capitals are fine: keep the clusterName your clusters already run (changing it on a running mesh is a migration).",
    message: (a: { field: string; value: string }) =>
      formatMessage(
        a,
        a.value.length > 63
          ? `is ${a.value.length} characters long (at most 63)`
          : "is not a Kubernetes label value, which Istio needs for the topology.istio.io/cluster label",
      ),
    fix: (_: { field: string; value: string }) =>
      "use 1 to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit (e.g. the clusterName the cluster runs today, Istio's default \"Kubernetes\")",
  },
  {
    code: "MF1061",
    name: "shared-cluster-name",
    severity: "info",
    title: "Two meshes share a clusterName",
    explanation:
      "meshfed federates meshes without endpoint discovery, so each istiod only ever knows its own cluster and two meshes may keep the same clusterName (for example Istio's default `Kubernetes`). Multi-cluster discovery would need unique names: istiod ignores a remote cluster whose ID equals its own or one already registered (pkg/kube/multicluster/secretcontroller.go:435,453). Nothing meshfed emits is named or keyed by the clusterName.",
    message: (a: { mesh: string; other: string; clusterName: string }) =>
      `meshes "${a.other}" and "${a.mesh}" share clusterName "${a.clusterName}"; fine for meshfed, which uses no endpoint discovery`,
    fix: (_: { mesh: string; other: string; clusterName: string }) =>
      "nothing to do for meshfed; give each mesh its own clusterName only if you later join these clusters with Istio's multi-cluster discovery",
  },
  {
    code: "MF1070",
    name: "invalid-istio-version",
    severity: "error",
    title: "istioVersion is not an Istio release",
    explanation:
      'A mesh\'s `istioVersion` names the Istio release it runs: `major.minor.patch` (`"1.9.1"`) or a release line `major.minor` (`"1.22"`, meaning every patch of it). Quote it: YAML reads an unquoted 1.10 as the number 1.1.',
    message: (a: { field: string; value: string }) => formatMessage(a, 'is not an Istio release ("1.9.1" or "1.22")'),
    fix: (_: { field: string; value: string }) => 'write the release istiod runs, quoted, e.g. "1.9.1" or "1.22"',
  },
  {
    code: "MF1071",
    name: "istio-version-too-old",
    severity: "error",
    title: "The mesh runs an Istio release older than 1.8",
    explanation:
      "Consumers dial an imported service by its alias host, which only the sidecar's DNS proxy resolves (`ISTIO_META_DNS_CAPTURE`). The proxy first shipped in Istio 1.8.0 (istio/istio #26954; 1.8.0 pilot/cmd/pilot-agent/main.go:150): on an older release the alias does not resolve and nothing meshfed emits would carry a call. Upgrade the mesh to 1.8 or later.",
    message: (a: { mesh: string; version: string }) =>
      `mesh "${a.mesh}" runs Istio ${a.version}, older than 1.8: it has no DNS proxy to resolve imported hosts`,
    fix: (a: { mesh: string; version: string }) => `upgrade mesh "${a.mesh}" to Istio 1.8 or later and declare that release`,
  },
  {
    code: "MF1072",
    name: "istio-version-not-proven",
    severity: "error",
    title: "The mesh runs an Istio release newer than meshfed's proof",
    explanation:
      "meshfed proves what it emits with the conformance oracle, which runs one pinned Istio (1.31, conformance/go.mod). A newer release may change what the output means (it has before: IP auto-allocation, the v1 APIs), so meshfed does not promise anything for it. Use a meshfed release that pins it, or declare the pinned line if you have checked the release notes.",
    message: (a: { mesh: string; version: string; proven: string }) =>
      `mesh "${a.mesh}" runs Istio ${a.version}, newer than ${a.proven}, the release meshfed's output is proven against`,
    fix: (a: { mesh: string; version: string; proven: string }) =>
      `use a meshfed release that proves Istio ${a.version}, or declare istioVersion "${a.proven}"`,
  },
  {
    code: "MF1073",
    name: "trust-domain-validation-skipped",
    severity: "warning",
    title: "The exporting mesh's Istio cannot accept only its consumers' trust domains",
    explanation:
      "On releases before 1.18 (and before the backports in 1.16.4 and 1.17.2; istio/istio #43536, #43794, #43795) `meshConfig.caCertificates[].trustDomains` do not feed the sidecars' trust-domain validation, and the only ways to accept another mesh's certificates are `trustDomainAliases` and istiod's `PILOT_SKIP_VALIDATE_TRUST_DOMAIN`. Aliases also rewrite every full principal of this mesh's authorization policies to every aliased trust domain (pilot/pkg/security/trustdomain/bundle.go:54-91, the same in 1.9.1): the guard's `operations.example/ns/vault/sa/vault` then also admits `staging.example/ns/vault/sa/vault` once staging consumes anything from this mesh, and every local policy naming `<own domain>/ns/x/sa/y` admits the consumers' `ns/x/sa/y` (conformance scenario 71). The skip rewrites nothing, so meshfed sets `PILOT_SKIP_VALIDATE_TRUST_DOMAIN=true`: the exported services admit exactly the named consumers (scenario 70 and the mixed-release federations of scripts/conformance.sh). What it opens: every sidecar of this mesh accepts TLS from any trust domain under the shared root, so a workload of any mesh that reaches a pod of this mesh directly (not through the east-west gateway, which routes only exported hosts) is stopped only by that pod's own policies, and policies that match by namespace, or none, admit it. Upgrade to the release named in the message for the clean mechanism.",
    message: (a: { mesh: string; version: string; consumers: readonly string[]; cleanSince: string }) =>
      `mesh "${a.mesh}" runs Istio ${a.version}, which cannot accept only ${a.consumers.join(", ")}: meshfed sets PILOT_SKIP_VALIDATE_TRUST_DOMAIN=true, so its sidecars accept every trust domain under the shared root; the exported services' guards still admit only the named consumers, but a pod reached directly is guarded only by its own policies`,
    fix: (a: { mesh: string; version: string; consumers: readonly string[]; cleanSince: string }) =>
      `upgrade mesh "${a.mesh}" to Istio ${a.cleanSince} or later, where meshConfig.caCertificates[].trustDomains accept exactly the consumers' trust domains`,
  },
  {
    code: "MF1074",
    name: "dns-capture-needs-istio-init",
    severity: "warning",
    title: "The importing mesh's Istio captures DNS only without the CNI plugin",
    explanation:
      "Consumers dial imported services by alias hosts that only the sidecar's DNS proxy resolves (`ISTIO_META_DNS_CAPTURE`). Before Istio 1.11 only the `istio-init` container redirects DNS to the proxy; the Istio CNI plugin learned it in 1.11.0 (istio/istio #32416, commit 22efe35d7df). In a mesh installed with the CNI plugin on an older release, the alias hosts do not resolve. Install the mesh's sidecars with istio-init (Istio's default), or upgrade to 1.11 or later.",
    message: (a: { mesh: string; version: string }) =>
      `mesh "${a.mesh}" runs Istio ${a.version} and imports services: if it uses the Istio CNI plugin, DNS is not redirected to the sidecar before 1.11 and imported hosts do not resolve`,
    fix: (a: { mesh: string; version: string }) =>
      `install mesh "${a.mesh}" with istio-init (Istio's default, not the CNI plugin), or upgrade it to Istio 1.11 or later`,
  },
  {
    code: "MF1075",
    name: "egress-gateway-values-need-gateway-chart",
    severity: "warning",
    title: "The egress gateway's Helm values are for the gateway chart, which this Istio release does not have",
    explanation:
      "meshfed writes the egress gateway's install values for Istio's `gateway` Helm chart (and an IstioOperator `egressGateways` component). The `gateway` chart first shipped in Istio 1.12; on an older release install the egress gateway with the IstioOperator overlay, or with the `gateways/istio-egress` chart giving it the same labels and a Service port 15443 (`tls-meshfed`). The Gateway, ServiceEntry and DestinationRule meshfed writes for the egress hop do not depend on the chart.",
    message: (a: { mesh: string; version: string }) =>
      `mesh "${a.mesh}" runs Istio ${a.version} and routes its imports through an egress gateway: meshfed's egress gateway Helm values are for the gateway chart, which appears in 1.12`,
    fix: (a: { mesh: string; version: string }) =>
      `install mesh "${a.mesh}"'s egress gateway with the IstioOperator overlay meshfed writes, or the gateways/istio-egress chart with port 15443; or upgrade to Istio 1.12 or later`,
  },
  {
    code: "MF1090",
    name: "invalid-source-cidr",
    severity: "error",
    title: "An egressCIDRs entry is not a CIDR in canonical form",
    explanation:
      "`meshes[].egressCIDRs` lists the source addresses other meshes see from this mesh's pods (its NAT gateway, egress IPs or node subnet), as IPv4 or IPv6 CIDRs. They become the exporters' `loadBalancerSourceRanges` and NetworkPolicy `ipBlock`s, which Kubernetes takes only with no bits set after the prefix. Write `203.0.113.7/32` for one address.",
    message: (a: { field: string; value: string; canonical?: string }) =>
      formatMessage(a, a.canonical ? `has bits set after its /${a.value.split("/")[1]} prefix` : "is not an IPv4 or IPv6 CIDR (address/prefix)"),
    fix: (a: { field: string; value: string; canonical?: string }) =>
      a.canonical
        ? `write "${a.canonical}" (or a longer prefix, e.g. /32 for one address)`
        : 'write an address and prefix length, e.g. "203.0.113.7/32" or "10.10.0.0/16"',
  },
  {
    code: "MF1091",
    name: "consumer-mesh-without-egress-cidrs",
    severity: "warning",
    title: "A consuming mesh declares no egressCIDRs: its exporters' east-west gateways stay open to every address",
    explanation:
      "An exporter's east-west gateway admits port 15443 only from its consumers' meshes' `egressCIDRs` (`loadBalancerSourceRanges` and a NetworkPolicy). Once any mesh of the federation declares `egressCIDRs`, every consuming mesh must: when one declares none, meshfed cannot say where its calls come from, and rather than cut that mesh off it leaves that exporter's gateway unrestricted (no `loadBalancerSourceRanges`, no NetworkPolicy), and `plan` says so. Identity still decides who is served. A federation where no mesh declares `egressCIDRs` does not use the network layer; `plan` shows every gateway as open to every address. List the addresses the mesh's pods leave from (its NAT gateway or egress IPs) to close the network layer too.",
    message: (a: { mesh: string; exporters: readonly string[] }) =>
      `mesh "${a.mesh}" declares no egressCIDRs: the east-west gateway${a.exporters.length === 1 ? "" : "s"} of ${a.exporters.join(", ")} keep${a.exporters.length === 1 ? "s" : ""} accepting port 15443 from every address`,
    fix: (a: { mesh: string; exporters: readonly string[] }) =>
      `add egressCIDRs to mesh "${a.mesh}": the source addresses other meshes see from its pods (its NAT gateway or egress IPs), e.g. ["203.0.113.7/32"]`,
  },
  {
    code: "MF1092",
    name: "egress-cidrs-admit-everything",
    severity: "warning",
    title: "An egressCIDRs entry is a /0 range: every address may connect",
    explanation:
      "`0.0.0.0/0` or `::/0` admits every source address to the exporters' east-west gateways, as if no egressCIDRs were given. Name the mesh's real egress addresses.",
    message: (a: { mesh: string; value: string }) => `mesh "${a.mesh}" lists egressCIDRs "${a.value}", which admits every source address`,
    fix: (a: { mesh: string; value: string }) => `replace "${a.value}" with the addresses ${a.mesh}'s pods leave from (its NAT gateway or egress IPs)`,
  },
  {
    code: "MF1100",
    name: "consumer-in-egress-gateway-namespace",
    severity: "error",
    title: "A consumer runs in its mesh's egress gateway namespace",
    explanation:
      "With `egressGateway`, meshfed puts a ServiceEntry for the exporter's service, with the import's virtual IP, in the egress gateway's namespace, visible there only; the consumer's own ServiceEntry for the alias uses the same virtual IP. In one namespace both would claim that address. Run the consumer in a namespace of its own.",
    message: (a: { consumer: string; mesh: string; namespace: string }) =>
      `consumer "${a.consumer}" runs in ${a.namespace}, the namespace of mesh "${a.mesh}"'s egress gateway`,
    fix: (a: { consumer: string; mesh: string; namespace: string }) => `run the consumer in another namespace than ${a.namespace}`,
  },
  {
    code: "MF1101",
    name: "egress-gateway-ambiguous-sni",
    severity: "error",
    title: "Two imports through one egress gateway have the same remote service name",
    explanation:
      "The egress gateway passes the consumer's mTLS through unopened, so it can only route on the SNI, `outbound_.<port>_._.<name>.<namespace>.svc.<clusterDomain>`, which names the exported service as its own mesh knows it and not the mesh. Two exports with the same namespace, name and cluster domain from different meshes, imported by a mesh with an egress gateway, cannot be told apart there. Import one of them without the egress gateway (another consumer mesh), or rename or move one service.",
    message: (a: { mesh: string; host: string; exports: readonly string[] }) =>
      `mesh "${a.mesh}" imports ${a.exports.join(" and ")} through its egress gateway; both are ${a.host} in the SNI, which is all the egress gateway can route on`,
    fix: (a: { mesh: string; host: string; exports: readonly string[] }) =>
      `export one of ${a.exports.join(", ")} under another namespace or name, or give its mesh another clusterDomain`,
  },
  {
    code: "MF1102",
    name: "egress-import-shadowed-by-local-service",
    severity: "error",
    title: "A mesh imports through its egress gateway a service with the name of one of its own Services",
    explanation:
      "The egress gateway routes an import by the exporter's FQDN (`<name>.<namespace>.svc.<clusterDomain>`), looked up among the services it can see. A Service of the consuming mesh with that same FQDN is visible to the egress gateway too, and Istio takes it: the import's connections go to the local pods instead of the exporter's east-west gateway, and fail (the consumer checks the exporter's identity). meshfed refuses it when the model knows the local Service (the mesh exports it). A local Service it does not know of has the same effect: give imported services names no local Service has, or import them without the egress gateway.",
    message: (a: { mesh: string; host: string; exportRef: string; localRef: string }) =>
      `mesh "${a.mesh}" imports ${a.exportRef} through its egress gateway, which would route ${a.host} to ${a.localRef}, ${a.mesh}'s own Service of that name`,
    fix: (a: { mesh: string; host: string; exportRef: string; localRef: string }) =>
      `rename or move one of ${a.exportRef} and ${a.localRef}, or import ${a.exportRef} into a mesh without egressGateway`,
  },
  // ── MF2xxx: compilation ────────────────────────────────────────────────────────
  {
    code: "MF2001",
    name: "vip-range-exhausted",
    severity: "error",
    title: "The VIP range has no free address left",
    explanation: "Every import gets a stable virtual IP from `spec.vipRange`. Use a larger range (a /16 holds 65,534).",
    message: (a: { vipRange: string; usable: number; services: number }) =>
      `spec.vipRange "${a.vipRange}" holds ${a.usable} addresses but ${a.services} services are exported`,
    fix: (_: { vipRange: string; usable: number; services: number }) => "use a larger range, e.g. a /16",
  },
  {
    code: "MF2002",
    name: "alias-equals-service-host",
    severity: "error",
    title: "An alias equals a Kubernetes Service host of the consuming mesh",
    explanation:
      "The alias `<name>.<namespace>.svc.<clusterDomain>` would shadow the consuming mesh's own Service of that name. Use the default alias (`<service>.<namespace>.<mesh>.<importDomain>`) or another name.",
    message: (a: { alias: string; mesh: string; defaultAlias: string; clusterDomain: string }) =>
      `alias "${a.alias}" is a Service host of mesh "${a.mesh}" and would shadow its own Service`,
    fix: (a: { alias: string; mesh: string; defaultAlias: string; clusterDomain: string }) =>
      `use the default alias "${a.defaultAlias}" or another name outside .svc.${a.clusterDomain}`,
  },
  {
    code: "MF2003",
    name: "generated-name-collision",
    severity: "error",
    title: "Two generated resources would get the same name",
    explanation:
      "meshfed builds resource names that are unique by construction (readable when unambiguous, otherwise with a hash suffix); this error means two hashes collided. Rename one of the services or namespaces, and report it.",
    message: (a: { mesh: string; kind: string; namespace: string; name: string; exports: readonly [string, string] }) =>
      `mesh "${a.mesh}": two ${a.kind}s would both be named ${a.namespace}/${a.name} (for exports ${a.exports[0]} and ${a.exports[1]})`,
    fix: (_: { mesh: string; kind: string; namespace: string; name: string; exports: readonly [string, string] }) =>
      "rename one of the two services or namespaces; please report this collision to meshfed, generated names are meant to be unique",
  },
  {
    code: "MF2004",
    name: "output-file-not-ours",
    severity: "error",
    title: "render --out would overwrite a file meshfed did not write",
    explanation:
      "`render --out DIR` keeps a manifest (`DIR/<mesh>/.meshfed-manifest`) of the files it wrote and never overwrites or deletes any other file. A file it would write already exists and is not in the manifest, or was edited since meshfed wrote it. Move or delete that file, or render into another directory; nothing was written.",
    message: (a: { file: string; edited: boolean }) =>
      `${a.file} ${a.edited ? "was edited since meshfed wrote it" : "was not written by meshfed"}; meshfed will not overwrite it`,
    fix: (a: { file: string; edited: boolean }) => `move or delete ${a.file} (keep your changes in the federation file), or write to another --out directory`,
  },
  {
    code: "MF2010",
    name: "plan-previous-file-unreadable",
    severity: "error",
    title: "A file of the previous render cannot be read",
    explanation:
      "`plan --against DIR` compares the federation's render with a previous `render --out DIR` tree, reading each file as Kubernetes reads YAML. A file there is not valid YAML (or not a Kubernetes object), so the plan would miss what it holds. Render the previous version again (check it out and run `meshfed render --out`), or fix the file.",
    message: (a: { file: string; line: number; problem: string }) => `${a.file}:${a.line}: ${a.problem}`,
    fix: (a: { file: string; line: number; problem: string }) =>
      `render the previous federation file again into a clean directory (meshfed render OLD.yaml --out DIR), or fix ${a.file}`,
  },
  {
    code: "MF2011",
    name: "plan-previous-not-a-render",
    severity: "error",
    title: "The directory is not a previous render",
    explanation:
      "`plan --against DIR` needs a tree written by `meshfed render --out DIR`: one directory per mesh holding `.meshfed-manifest` or `kustomization.yaml`. The directory given holds none, so every resource would read as added.",
    message: (a: { dir: string }) => `${a.dir} holds no mesh directory written by meshfed render --out`,
    fix: (a: { dir: string }) =>
      `render the previous federation file there first (meshfed render OLD.yaml --out ${a.dir}), or pass the directory render --out wrote`,
  },
  // ── MF3xxx: verify — verdict reasons (deniedAt) ────────────────────────────────
  {
    code: "MF3001",
    name: "client-no-route",
    severity: "error",
    title: "The client sidecar has no route for the host and port",
    explanation:
      "The call falls through to PassthroughCluster or BlackHoleCluster: no ServiceEntry visible to the client's namespace declares the host and port (or its VIP). Import the service into the client's namespace.",
  },
  {
    code: "MF3002",
    name: "endpoint-not-gateway",
    severity: "error",
    title: "The endpoint dialled is not an east-west gateway",
    explanation:
      "A cross-mesh call must go to the exporting mesh's east-west gateway on its AUTO_PASSTHROUGH port. Point the ServiceEntry endpoint at the gateway address and port.",
  },
  {
    code: "MF3003",
    name: "plaintext-to-gateway",
    severity: "error",
    title: "The client sends plaintext to the east-west gateway",
    explanation:
      "Without an ISTIO_MUTUAL DestinationRule for the imported host, the client sidecar does not originate Istio mTLS (auto mTLS only applies to endpoints it knows are in the mesh). The gateway's AUTO_PASSTHROUGH listener matches on TLS SNI, finds no filter chain, and closes the connection (`filter_chain_not_found`). Add a DestinationRule with `tls.mode: ISTIO_MUTUAL` and the exporter's SNI.",
  },
  {
    code: "MF3004",
    name: "sni-not-served",
    severity: "error",
    title: "The east-west gateway serves no chain for the SNI",
    explanation:
      "AUTO_PASSTHROUGH routes by SNI `outbound_.<port>_._.<service FQDN in the exporting mesh>`; the client sent an SNI the gateway does not serve (wrong port, host, subset or the service is not in the Gateway's hosts or not visible to the gateway). Fix the DestinationRule `sni` or the exporter's Gateway hosts.",
  },
  {
    code: "MF3005",
    name: "untrusted-root",
    severity: "error",
    title: "Client and server certificates do not share a root of trust",
    explanation: "The meshes' CAs do not chain to a common root, so the TLS handshake fails. Issue each mesh's intermediate CA from the shared root.",
  },
  {
    code: "MF3006",
    name: "trust-domain-rejected",
    severity: "error",
    title: "The server sidecar does not accept the client's trust domain",
    explanation:
      "Istio sidecars accept peers only from the trust domains returned by `TrustDomainsForValidation`: the mesh's trust domain, its `trustDomainAliases` and every `caCertificates[].trustDomains`. Add the consumer's trust domain to `meshConfig.caCertificates[].trustDomains` of the exporting mesh (meshfed's install values do), not to `trustDomainAliases`, which also widens every authorization principal.",
  },
  {
    code: "MF3007",
    name: "server-san-mismatch",
    severity: "error",
    title: "The client rejects the server's identity",
    explanation:
      "The DestinationRule's `subjectAltNames` do not include the SPIFFE ID of the workload that answered. Set them to `spiffe://<exporter trust domain>/ns/<namespace>/sa/<serviceAccount>`.",
  },
  {
    code: "MF3008",
    name: "rbac-denied",
    severity: "error",
    title: "The server's authorization policy denies the caller",
    explanation: "The RBAC filter Istio generated for the destination workload rejects this principal on this port.",
  },
  {
    code: "MF3009",
    name: "no-server-workload",
    severity: "error",
    title: "No workload serves the port the gateway forwards to",
    explanation: "The service has no endpoint (no Pod matches its selector) or no inbound listener for the target port in the exporting mesh.",
  },
  // ── MF31xx: verify — scenario input ───────────────────────────────────────────
  {
    code: "MF3101",
    name: "scenario-invalid",
    severity: "error",
    title: "The scenario file does not follow the scenario format",
    explanation:
      "`scenario.yaml` must list `meshes` (name, trustDomain, rootCA, optional eastWestGateway with address and port) and `probes` (name, from.mesh/namespace/serviceAccount, to.host/port, optional expect). The message names the field; see conformance/README.md for the format.",
    message: (a: ScenarioArgs) => scenarioProblem(a).message,
    fix: (a: ScenarioArgs) => scenarioProblem(a).fix,
  },
  {
    code: "MF3102",
    name: "scenario-yaml-syntax",
    severity: "error",
    title: "A scenario file is not valid YAML",
    explanation:
      "The YAML parser could not read `scenario.yaml` or a mesh resource file, or the file uses a form that Kubernetes' YAML reader (sigs.k8s.io/yaml over go-yaml) reads differently from meshfed's, which meshfed refuses rather than read one way: a `%` directive or `...` marker, a `---` line with a comment, a local tag, duplicate keys, an anchor containing itself, excessive aliasing, a map key that is null, a float, an integer past 2^53, a collection or longer than 1,024 characters, an empty sequence item followed by a less-indented item, merge keys whose order matters, escapes or line-break characters go-yaml reads otherwise, tabs in indentation. The message names the form; src/verify/yaml/reader-disagreements.ts lists each with the input Kubernetes reads otherwise. Fix the indentation, quoting or form at the position shown.",
    message: (a: { file: string; line: number; reason: string; remedy: string }) => `${a.file}:${a.line}: ${a.reason}`,
    fix: (a: { file: string; line: number; reason: string; remedy: string }) => a.remedy,
  },
  {
    code: "MF3103",
    name: "scenario-resource-invalid",
    severity: "error",
    title: "A mesh resource is not a Kubernetes object",
    explanation:
      "Every document of `<mesh>/*.yaml` must be a Kubernetes or Istio object with `apiVersion`, `kind` and `metadata.name` (or a `List` of them). Fix or remove the document at the position shown.",
    message: (a: MeshFileArgs) => {
      if (a.problem === "metadata-not-strings") {
        const what =
          a.key === undefined
            ? `metadata.${a.field} is not a mapping`
            : `metadata.${a.field}.${a.key} is ${a.value === null ? "null" : `the ${typeof a.value} ${String(a.value)}`}`;
        // Labels and annotations are maps of strings: the API server refuses anything else.
        return `${a.file}:${a.line}: ${a.kind} ${a.name}: ${what}; Kubernetes takes only strings there and refuses the object`;
      }
      const what =
        a.problem === "duplicate"
          ? `${a.kind} ${a.namespace}/${a.name} is also defined at ${a.otherFile}:${a.otherLine}`
          : a.problem === "not-mapping"
            ? "a resource is a mapping with apiVersion and kind"
            : a.problem === "no-kind"
              ? "apiVersion and kind are required"
              : `${a.kind} has no metadata.name`;
      return `${a.file}:${a.line}: ${what}`;
    },
    fix: (a: MeshFileArgs) =>
      a.problem === "metadata-not-strings"
        ? a.key === undefined
          ? `Write metadata.${a.field} as a mapping of strings.`
          : `Quote the value: ${a.key}: "${String(a.value)}".`
        : a.problem === "duplicate"
          ? "Keep one definition of each resource."
          : a.problem === "not-mapping"
            ? "Write one Kubernetes object per document."
            : a.problem === "no-kind"
              ? "Add apiVersion and kind."
              : "Set metadata.name.",
  },
  {
    code: "MF3104",
    name: "istio-config-invalid",
    severity: "error",
    title: "Istio would reject this resource",
    explanation:
      "istiod's configuration validation rejects the resource (for example a ServiceEntry endpoint port keyed by a name the ServiceEntry does not declare, or a DestinationRule `MUTUAL` without client certificate), so it never takes effect. Fix it as the message says; verifying it as if applied would mislead.",
    message: (a: IstioValidationArgs) => {
      const r = a.resource;
      return `${r.file}:${r.line}: ${r.kind} ${r.namespace}/${r.name}: ${a.field}: ${istioValidation(a).message}`;
    },
    fix: (a: IstioValidationArgs) => istioValidation(a).fix,
  },
  {
    code: "MF3105",
    name: "input-not-utf8",
    severity: "error",
    title: "An input file is not UTF-8",
    explanation:
      "Kubernetes and Istio read YAML only as UTF-8, and a file in another encoding would be read with replacement characters where its bytes are not UTF-8. Save the file as UTF-8 (a byte order mark is allowed).",
    message: (a: { file: string }) => `${a.file} is not UTF-8 text`,
    fix: (_: { file: string }) => "Save the file as UTF-8; Kubernetes and Istio read only UTF-8 YAML.",
  },
  {
    code: "MF3106",
    name: "input-symlink-loop",
    severity: "error",
    title: "Symbolic links make a loop",
    explanation:
      "verify follows symbolic links below the directories it reads; a link that leads back to a directory it is already reading would be read forever. Remove the link that makes the loop.",
    message: (a: { path: string; target: string }) => `${a.path} leads back to ${a.target} through symbolic links`,
    fix: (_: { path: string; target: string }) => "Remove the link that makes the loop.",
  },
  // ── MF32xx: verify — findings about configuration ──────────────────────────────
  {
    code: "MF3201",
    name: "wildcard-passthrough-host",
    severity: "error",
    title: "An AUTO_PASSTHROUGH Gateway server has a wildcard host",
    explanation:
      "AUTO_PASSTHROUGH serves an SNI chain for every service its hosts match. `*.local` (the multicluster samples' expose-services.yaml) or `*` exposes every service of the mesh, istiod included, to any holder of a certificate from a trusted root; the gateway applies no authorization to these chains. List the exported services' exact FQDNs.",
    message: (a: { subject: string; host: string }) =>
      `${a.subject}: AUTO_PASSTHROUGH host "${a.host}" on the east-west gateway exposes every service it matches (istiod included) to any holder of a certificate from a trusted root`,
    fix: (_: { subject: string; host: string }) => "list the exported services' exact FQDNs, one per host",
  },
  {
    code: "MF3202",
    name: "namespace-wildcard-host",
    severity: "error",
    title: "An AUTO_PASSTHROUGH Gateway host uses a namespace prefix",
    explanation:
      "For Gateway servers Istio drops the `ns/` prefix when it computes SNI hosts (GetSNIHostsForServer), so `db/*` matches every service in every namespace, and `db/postgres.db.svc.cluster.local` is no narrower than the bare FQDN. List exact FQDNs without prefix.",
    message: (a: { subject: string; host: string; clusterDomain: string }) => {
      const slash = a.host.indexOf("/");
      return `${a.subject}: host "${a.host}": Istio drops the "${a.host.slice(0, slash)}/" prefix for AUTO_PASSTHROUGH SNI hosts, so it matches "${a.host.slice(slash + 1)}" in every namespace`;
    },
    fix: (a: { subject: string; host: string; clusterDomain: string }) =>
      `write the exact FQDN, e.g. "<name>.${a.host.slice(0, a.host.indexOf("/"))}.svc.${a.clusterDomain}"`,
  },
  {
    code: "MF3203",
    name: "plaintext-import",
    severity: "error",
    title: "A cross-mesh import has no ISTIO_MUTUAL DestinationRule",
    explanation:
      "A ServiceEntry whose endpoint is another mesh's east-west gateway needs a DestinationRule with `tls.mode: ISTIO_MUTUAL` for each port; without it the sidecar sends plaintext (auto mTLS does not apply to such endpoints) and the gateway closes the connection (`filter_chain_not_found`).",
    message: (a: { subject: string; host: string; port: number; target: string; namespace: string; destinationRule?: string; mode: string }) =>
      `${a.subject}: ${a.host}:${a.port} goes to ${a.target}'s east-west gateway ${a.destinationRule !== undefined ? `with DestinationRule ${a.destinationRule} tls mode ${a.mode || "unset"}` : "without a DestinationRule"}: the sidecar sends plaintext and the gateway finds no filter chain`,
    fix: (a: { subject: string; host: string; port: number; target: string; namespace: string; destinationRule?: string; mode: string }) =>
      `add a DestinationRule for ${a.host} in ${a.namespace} with tls.mode ISTIO_MUTUAL and sni outbound_.<port>_._.<service FQDN in ${a.target}>`,
  },
  {
    code: "MF3204",
    name: "sni-mismatch",
    severity: "error",
    title: "An import's SNI is not the one the exporting gateway routes",
    explanation:
      "AUTO_PASSTHROUGH routes on `outbound_.<service port>_._.<FQDN in the exporting mesh>`. Without an explicit `sni` Istio sends the local alias's SNI, which the exporting gateway does not serve. Set the DestinationRule's `sni` to the exporting mesh's name of the service and port.",
    message: (a: { subject: string; host: string; port: number; sni: string; target: string; expected: readonly string[] }) =>
      `${a.subject}: ${a.host}:${a.port} sends SNI "${a.sni}", which ${a.target}'s east-west gateway does not serve`,
    fix: (a: { subject: string; host: string; port: number; sni: string; target: string; expected: readonly string[] }) =>
      a.expected.length > 0
        ? `set the DestinationRule's sni to the exporting mesh's name of the service, one of: ${a.expected.slice(0, 3).join(", ")}`
        : `export the service from ${a.target} (Gateway hosts) and set sni to outbound_.${a.port}_._.<its FQDN>`,
  },
  {
    code: "MF3205",
    name: "trust-domain-not-accepted",
    severity: "error",
    title: "An exporting mesh does not accept a consumer's trust domain",
    explanation:
      "The server sidecar accepts peers only from `TrustDomainsForValidation`: the mesh's trust domain, its `trustDomainAliases` and every `meshConfig.caCertificates[].trustDomains`. Add the consumer's trust domain to `caCertificates[].trustDomains` of the exporting mesh.",
    message: (a: { subject: string; mesh: string; accepted: readonly string[]; importer: string; importerTrustDomain: string; host: string }) =>
      `${a.subject}: mesh ${a.mesh} accepts peers from [${a.accepted.join(", ")}], so ${a.importer}'s workloads (${a.importerTrustDomain}) importing ${a.host} are rejected by its sidecars`,
    fix: (a: { subject: string; mesh: string; accepted: readonly string[]; importer: string; importerTrustDomain: string; host: string }) =>
      `add ${a.importerTrustDomain} to meshConfig.caCertificates[].trustDomains of ${a.mesh} (not trustDomainAliases)`,
  },
  {
    code: "MF3206",
    name: "trust-domain-aliases-widen",
    severity: "warning",
    title: "trustDomainAliases widen every authorization principal",
    explanation:
      "With `trustDomainAliases`, Istio's authorization builder expands every principal to all aliased domains: an ALLOW for `ops.example/ns/vault/sa/vault` also admits `prod.example/ns/vault/sa/vault`, and every local policy starts admitting the aliased mesh's workloads of the same namespace and service account. To accept another mesh's certificates, use `meshConfig.caCertificates[].trustDomains` instead.",
    message: (a: { subject: string; mesh: string; aliases: readonly string[] }) =>
      `${a.subject}: mesh ${a.mesh} sets trustDomainAliases [${a.aliases.join(", ")}]: every principal of its authorization policies also matches in those trust domains`,
    fix: (_: { subject: string; mesh: string; aliases: readonly string[] }) =>
      "accept the other meshes' certificates with meshConfig.caCertificates[].trustDomains instead",
  },
  {
    code: "MF3207",
    name: "meshes-share-trust-domain",
    severity: "error",
    title: "Two meshes that trust the same root share a trust domain",
    explanation:
      "Identities are `spiffe://<trustDomain>/ns/<namespace>/sa/<serviceAccount>`; meshes that share a trust domain (typically all keeping `cluster.local`) cannot be told apart by any policy. Give every mesh its own trust domain.",
    message: (a: { subject: string; mesh: string; other: string; trustDomain: string }) =>
      `${a.subject}: meshes ${a.other} and ${a.mesh} trust the same root and share trust domain "${a.trustDomain}": their identities cannot be told apart`,
    fix: (a: { subject: string; mesh: string; other: string; trustDomain: string }) => `give mesh ${a.mesh} a trust domain of its own`,
  },
  {
    code: "MF3208",
    name: "tcp-serviceentry-without-addresses",
    severity: "error",
    title: "A TCP ServiceEntry has no addresses",
    explanation:
      "Without `addresses`, a TCP ServiceEntry gets a `0.0.0.0:<port>` listener in every sidecar that sees it: every TCP destination on that port is captured and sent to its endpoints. Give it a VIP in `addresses`.",
    message: (a: { subject: string; ports: readonly number[] }) =>
      `${a.subject}: TCP port${a.ports.length === 1 ? "" : "s"} ${a.ports.join(", ")} without addresses: sidecars get a 0.0.0.0 listener that captures every destination on ${a.ports.length === 1 ? "that port" : "those ports"}`,
    fix: (_: { subject: string; ports: readonly number[] }) => "add a VIP to addresses (meshfed allocates them from 240.241.0.0/16)",
  },
  {
    code: "MF3209",
    name: "authz-on-passthrough-gateway",
    severity: "warning",
    title: "An AuthorizationPolicy on the east-west gateway does not apply to AUTO_PASSTHROUGH",
    explanation:
      "Istio builds AUTO_PASSTHROUGH filter chains without authorization filters, and the gateway cannot see the client identity in a connection it does not terminate. Put the policy on the destination workload. (The gateway's other chains, of terminating or PASSTHROUGH servers with VirtualService routes, do run the policy, and verify evaluates it there.)",
    message: (a: { subject: string }) =>
      `${a.subject}: this policy selects the east-west gateway, but Istio builds AUTO_PASSTHROUGH chains without authorization filters: it does not restrict cross-mesh calls through them`,
    fix: (_: { subject: string }) => "put the policy on the destination workload",
  },
  {
    code: "MF3210",
    name: "overlapping-passthrough-servers",
    severity: "error",
    title: "Two AUTO_PASSTHROUGH servers on one port serve the same SNI",
    explanation:
      "Overlapping hosts (for example `*.local` next to an exact FQDN) produce two filter chains with the same match; Envoy rejects the whole listener and every cross-mesh call through the gateway fails. Keep one server per host.",
    message: (a: GatewayConflictArgs) =>
      a.problem === "repeated-hosts"
        ? `${a.subject}: server ${a.server} repeats host${a.hosts.length === 1 ? "" : "s"} ${a.hosts.join(", ")} already served on port ${a.port} by an older Gateway; Istio ignores this server entirely`
        : a.problem === "protocol-conflict"
          ? `${a.subject}: server ${a.server} is ignored: an older plaintext ${a.holder} server holds port ${a.port}, and Istio merges only HTTP servers with it (model/gateway.go mergeGateways)`
          : `${a.subject}: its AUTO_PASSTHROUGH server overlaps another on port ${a.port}: ${a.conflicts.length} SNI${a.conflicts.length === 1 ? "" : "s"} (e.g. ${a.conflicts[0]}) get two filter chains, and Envoy rejects the whole listener`,
    fix: (a: GatewayConflictArgs) =>
      a.problem === "repeated-hosts"
        ? "keep one server per host on the port"
        : a.problem === "protocol-conflict"
          ? "move the plaintext server to another port, or remove it"
          : "keep one server per host: remove the wildcard server or the duplicate host",
  },
  {
    code: "MF3211",
    name: "exported-workload-permissive",
    severity: "warning",
    title: "An exported workload accepts plaintext (PERMISSIVE or DISABLE mTLS)",
    explanation:
      "A workload reachable through the east-west gateway should run STRICT mTLS: PERMISSIVE also accepts plaintext from anything that reaches it, and DISABLE takes it out of the gateway's mTLS endpoints. Add a STRICT PeerAuthentication selecting it.",
    message: (a: { subject: string; workload: string; targetPort: number; host: string; port: number; mode: string; defaulted: boolean }) =>
      `${a.subject}: ${a.workload} port ${a.targetPort}, reachable through the east-west gateway as ${a.host}:${a.port}, runs ${a.mode} mTLS${a.defaulted ? " (no PeerAuthentication: Istio's default)" : ""}`,
    fix: (a: { subject: string; workload: string; targetPort: number; host: string; port: number; mode: string; defaulted: boolean }) =>
      `add a STRICT PeerAuthentication selecting ${a.workload}`,
  },
  {
    code: "MF3212",
    name: "import-without-san",
    severity: "warning",
    title: "A cross-mesh DestinationRule does not verify the server's identity",
    explanation:
      "Without `subjectAltNames` the client accepts any certificate from the shared root, so a misrouted or hostile endpoint with any mesh identity is trusted. Set them to the exported workload's SPIFFE ID.",
    message: (a: { subject: string; host: string; port: number; target: string; trustDomain: string }) =>
      `${a.subject}: ${a.host}:${a.port} accepts any identity of the shared root from ${a.target}`,
    fix: (a: { subject: string; host: string; port: number; target: string; trustDomain: string }) =>
      `set subjectAltNames to the exported workload's SPIFFE ID, spiffe://${a.trustDomain}/ns/<namespace>/sa/<serviceAccount>`,
  },
  {
    code: "MF3213",
    name: "identity-collision",
    severity: "error",
    title: "The same SPIFFE identity exists in two meshes",
    explanation:
      "Two workloads in different meshes present the same SPIFFE ID, so a policy admitting one admits the other. Give the meshes distinct trust domains.",
    message: (a: { subject: string; identity: string; other: string; otherMesh: string }) =>
      `${a.subject}: ${a.identity} is also the identity of ${a.other} in mesh ${a.otherMesh}`,
    fix: (_: { subject: string; identity: string; other: string; otherMesh: string }) => "give the meshes distinct trust domains",
  },
  {
    code: "MF3214",
    name: "import-visible-beyond-namespace",
    severity: "warning",
    title: "A cross-mesh ServiceEntry or DestinationRule is visible beyond its namespace",
    explanation:
      'Without `exportTo: ["."]` every namespace (or the listed ones) gets a route to the remote service, not just the consumer\'s. Set `exportTo: ["."]` and import into each consumer namespace.',
    message: (a: WideExportToArgs) =>
      a.what === "import"
        ? `${a.subject}: the import ${a.host} is visible to ${a.exportTo.includes("*") ? "every namespace" : `namespaces ${a.exportTo.join(", ")}`}, not only ${a.namespace}`
        : `${a.subject}: the DestinationRule for ${a.host} is visible beyond ${a.namespace}`,
    fix: (a: WideExportToArgs) => (a.what === "import" ? 'set exportTo: ["."] and import into each consumer namespace' : 'set exportTo: ["."]'),
  },
  {
    code: "MF3215",
    name: "exported-port-without-protocol",
    severity: "warning",
    title: "An exported Service port has no protocol",
    explanation:
      "A port named without a protocol prefix (`tcp-`, `http-`, `grpc-`...) and without `appProtocol` is sniffed; name it so the server sidecar builds the right chain.",
    message: (a: { subject: string; port: number; portName: string | undefined; host: string }) =>
      `${a.subject}: port ${a.port}${a.portName ? ` ("${a.portName}")` : ""} of ${a.host} is exposed through the east-west gateway but names no protocol`,
    fix: (a: { subject: string; port: number; portName: string | undefined; host: string }) =>
      `name it with a protocol prefix (tcp-${a.port}, http-${a.port}) or set appProtocol`,
  },
  {
    code: "MF3216",
    name: "unknown-trust-domain-principal",
    severity: "warning",
    title: "An AuthorizationPolicy names a trust domain no mesh has",
    explanation:
      "A principal in a trust domain that none of the meshes has matches nobody (a typo) or somebody unexpected (a mesh outside the federation trusting the same root). Check the trust domain.",
    message: (a: { subject: string; trustDomains: readonly string[]; known: readonly string[] }) =>
      `${a.subject}: principals name trust domain${a.trustDomains.length === 1 ? "" : "s"} ${a.trustDomains.map((d) => `"${d}"`).join(", ")}, which no mesh of the scenario has`,
    fix: (a: { subject: string; trustDomains: readonly string[]; known: readonly string[] }) => `use one of: ${a.known.join(", ")}`,
  },
  {
    code: "MF3217",
    name: "duplicate-service-host",
    severity: "warning",
    title: "Two ServiceEntries declare the same host in one namespace",
    explanation:
      "A sidecar keeps one service per host name: the oldest (pilot/pkg/model/sidecar.go appendSidecarServices), ignoring the other's addresses and endpoints entirely. Resources created in the same second tie, and which one wins is then not something to rely on. Give each import its own alias.",
    message: (a: { subject: string; host: string; other: string }) =>
      `${a.subject}: host ${a.host} is also declared by ServiceEntry ${a.other}; sidecars keep only one of them`,
    fix: (_: { subject: string; host: string; other: string }) => "give each import its own alias host",
  },
  {
    code: "MF3220",
    name: "unintended-reachability",
    severity: "error",
    title: "A cross-mesh call is allowed that the model does not intend",
    explanation:
      "Least privilege: every reachable cross-mesh (principal, service, port) must be an export's consumer in the federation file. Remove the configuration that allows it, or add the consumer to the model.",
    message: (a: { principal: string; mesh: string; host: string; port: number; probe: string; fromMesh: string; fromNamespace: string }) =>
      `${a.principal} reaches ${a.mesh}/${a.host}:${a.port} (probe "${a.probe}"), which the model does not intend`,
    fix: (a: { principal: string; mesh: string; host: string; port: number; probe: string; fromMesh: string; fromNamespace: string }) =>
      `remove what admits it (the exporter's policy, the import in ${a.fromMesh}/${a.fromNamespace}), or add the consumer to the export in the federation file`,
  },
  {
    code: "MF3221",
    name: "intended-unreachable",
    severity: "error",
    title: "A consumer the model intends cannot reach its export",
    explanation: "The configuration denies a call the federation file intends. The probe's hops say where and why.",
    message: (a: { principal: string; mesh: string; host: string; port: number; why: string }) =>
      `${a.principal} cannot reach ${a.mesh}/${a.host}:${a.port}, which the model intends: ${a.why}`,
    fix: (_: { principal: string; mesh: string; host: string; port: number; why: string }) =>
      "run `meshfed explain` for the call and apply meshfed's rendered configuration for both meshes",
  },
  {
    code: "MF3223",
    name: "export-not-judged",
    severity: "error",
    title: "An export's Service or pods are missing from the resources, so its reachability is not judged",
    explanation:
      "verify follows a call into the exporting mesh only to a Service and the pods behind it. Given the rendered configuration alone (`render --out`), or a dump without the exported Service and its pods, it cannot say whether the export's consumers reach it, and says so once per export instead of guessing. Add the Service and its pods from the cluster (`kubectl get service,pod -n NAMESPACE -o yaml`) as another `--mesh MESH=FILE`, or run `meshfed verify --model FILE` alone to prove the model's own render with the workloads it implies.",
    message: (a: { mesh: string; namespace: string; name: string; missing: "mesh" | "service" | "pod" }) => {
      const missing =
        a.missing === "mesh"
          ? `the resources of mesh ${a.mesh}`
          : a.missing === "service"
            ? `Service ${a.namespace}/${a.name}`
            : `a pod behind Service ${a.namespace}/${a.name}`;
      return `export ${a.mesh}/${a.namespace}/${a.name}: the resources given have no ${missing}, so verify cannot follow calls to it; whether its consumers reach it is not judged`;
    },
    fix: (a: { mesh: string; namespace: string; name: string; missing: "mesh" | "service" | "pod" }) =>
      a.missing === "mesh"
        ? `give the mesh's files with --mesh ${a.mesh}=PATH`
        : `add the Service and its pods from the cluster (kubectl --context <${a.mesh}> get service,pod -n ${a.namespace} -o yaml > ${a.mesh}-${a.namespace}.yaml, then another --mesh ${a.mesh}=${a.mesh}-${a.namespace}.yaml), or prove the model's own render with \`meshfed verify --model FILE\``,
  },
  {
    code: "MF3222",
    name: "unintended-exposure",
    severity: "error",
    title: "An east-west gateway exposes more than the model exports",
    explanation: "A service:port is routed through the east-west gateway, or admits principals, beyond the exports and consumers of the federation file.",
    message: (a: UnintendedExposureArgs) =>
      a.problem === "not-exported"
        ? `${a.mesh}'s east-west gateway routes ${a.host}:${a.port}, which the model does not export (admits: ${a.admits.length > 0 ? a.admits.join(", ") : "nobody"})`
        : `${a.mesh}/${a.host}:${a.port} admits ${a.extra.join(", ")} beyond the model's consumers`,
    fix: (a: UnintendedExposureArgs) =>
      a.problem === "not-exported"
        ? `remove ${a.host} from the AUTO_PASSTHROUGH Gateway hosts of ${a.mesh} (no wildcards)`
        : "tighten the destination's authorization policy to the named consumers",
  },
  {
    code: "MF3230",
    name: "guard-selects-no-backing-pod",
    severity: "error",
    title: "An export's workloadSelector misses pods behind its Service: the guard fails open",
    explanation:
      "meshfed's guard AuthorizationPolicy and STRICT PeerAuthentication select the export's pods by `workloadSelector` (default `{app: <name>}`); the east-west gateway routes to every pod behind the Service. A pod the selector misses has no guard, so any workload holding a certificate from the shared root reaches it. Set `workloadSelector` to labels every pod of the Service carries.",
    message: (a: { exportRef: string; selector: string; unselected: readonly string[]; noneSelected: boolean; service: string; serviceSelector: string }) =>
      `${a.exportRef}: workloadSelector ${a.selector} selects ${a.noneSelected ? "no pod" : "not every pod"} behind the Service (${a.unselected.join(", ")} ${a.unselected.length === 1 ? "is" : "are"} not selected); the guard fails open there, exposing the service to every mesh that trusts the root`,
    fix: (a: { exportRef: string; selector: string; unselected: readonly string[]; noneSelected: boolean; service: string; serviceSelector: string }) =>
      `set the export's workloadSelector to labels every pod of Service ${a.service} carries (its selector is ${a.serviceSelector})`,
  },
  {
    code: "MF3231",
    name: "guard-selects-other-pods",
    severity: "warning",
    title: "An export's workloadSelector also selects pods that are not behind its Service",
    explanation:
      "Pods outside the exported Service get the export's DENY guard and STRICT mTLS: their cross-mesh callers are denied, and callers without a sidecar are refused. Narrow `workloadSelector` to the Service's pods.",
    message: (a: { exportRef: string; selector: string; pods: readonly string[]; service: string }) =>
      `${a.exportRef}: workloadSelector ${a.selector} also selects pods that are not behind the Service (${a.pods.join(", ")}); they get the export's DENY guard and STRICT mTLS`,
    fix: (a: { exportRef: string; selector: string; pods: readonly string[]; service: string }) =>
      `narrow the export's workloadSelector to labels only the pods of Service ${a.service} carry`,
  },
  {
    code: "MF3299",
    name: "not-modelled",
    severity: "error",
    title: "verify does not model a field or resource that can change a verdict",
    explanation:
      "Istio acts on this configuration in a way `meshfed verify` does not reproduce (for example a CUSTOM AuthorizationPolicy sent to an external authorizer, whose answer verify cannot know). The verdicts and exposure entries named in the message may be wrong, so the run fails instead of giving a confident answer. Judge those calls another way (the conformance oracle, a live test), or remove the configuration if it is not needed.",
    message: (a: NotModelledArgs) =>
      `${a.resource.file}:${a.resource.line}: ${a.resource.kind} ${a.resource.namespace}/${a.resource.name}: ${a.field}: not modelled: ${a.why}; probe verdicts and exposure entries of mesh ${a.mesh} for ${a.workloads.join(", ")} may be wrong`,
    fix: (_: NotModelledArgs) => "Judge these calls with the conformance oracle or a live test, or remove the configuration if it is not needed.",
  },
  // ── MF4xxx: kube/doctor — live clusters (apply, diff, doctor) ──────────────────
  {
    code: "MF4001",
    name: "apply-audit-refused",
    severity: "error",
    title: "apply refused: the least-privilege audit of the render has findings",
    explanation:
      "`meshfed apply` runs verify's least-privilege audit on exactly what it is about to write and writes nothing when it finds a problem. Fix the federation file (the findings say how); `--force` applies anyway and says so loudly.",
  },
  {
    code: "MF4002",
    name: "apply-conflict",
    severity: "error",
    title: "Another field manager owns a field meshfed applies",
    explanation:
      "Server-side apply refused to change a field that another tool (named in the message, e.g. `kubectl-edit`) set. meshfed never takes fields over silently: reconcile the other tool, or rerun with `--force-conflicts` to make meshfed the owner. Nothing after the failed step was written.",
  },
  {
    code: "MF4003",
    name: "apply-rejected",
    severity: "error",
    title: "The API server rejected an object",
    explanation:
      "The API server (a CRD's OpenAPI schema, a validating webhook such as istiod's, or admission) refused the object; the message is its own. Nothing after the failed step was written; fix the cause and rerun (apply converges).",
  },
  {
    code: "MF4004",
    name: "api-unreachable",
    severity: "error",
    title: "The cluster's API server could not be reached",
    explanation:
      "Requests were retried with backoff and still failed. The message names what was applied and what was not; rerun once the API server is back (apply converges).",
  },
  {
    code: "MF4101",
    name: "doctor-api-unreachable",
    severity: "error",
    title: "can reach the Kubernetes API",
    explanation:
      "The API server did not answer `/version` with the given kubeconfig. Check the kubeconfig, context, network and credentials. The mesh's other checks are skipped.",
  },
  {
    code: "MF4102",
    name: "doctor-istio-crds",
    severity: "error",
    title: "Istio's CRDs that meshfed writes are installed and serve v1",
    explanation:
      "meshfed writes Gateway, ServiceEntry, DestinationRule (networking.istio.io/v1), PeerAuthentication and AuthorizationPolicy (security.istio.io/v1). Install Istio 1.22 or later (its base chart installs the CRDs). For a mesh that declares an older `istioVersion`, meshfed writes and checks v1beta1 instead: install that release's CRDs.",
  },
  {
    code: "MF4103",
    name: "doctor-istiod-version",
    severity: "error",
    title: "istiod is installed and recent enough",
    explanation:
      "The `istiod` Deployment in the Istio namespace is missing, or its image tag names an Istio older than 1.22 (the first with the v1 APIs meshfed writes). Install or upgrade Istio. For a mesh that declares `istioVersion`, istiod must run that release: an older one fails (meshfed may emit what it does not read, e.g. 1.16.3 lacks the caCertificates trust-domain validation of 1.16.4), another release line is a warning (declare the release it runs).",
  },
  {
    code: "MF4104",
    name: "doctor-trust-domain",
    severity: "error",
    title: "The mesh config's trust domain is the model's",
    explanation:
      "The `istio` ConfigMap's `mesh` sets `trustDomain` (default `cluster.local`); it must be the mesh's trust domain in the federation file, or identities will not be what the policies name. Reinstall with meshfed's install values (`render --out`, install/).",
  },
  {
    code: "MF4105",
    name: "doctor-accepted-trust-domains",
    severity: "error",
    title: "The mesh accepts exactly the consumers' trust domains",
    explanation:
      "`caCertificates[].trustDomains` in the mesh config must list exactly the trust domains of the meshes consuming this mesh's exports: fewer rejects intended consumers, more accepts peers nobody intended. Use meshfed's install values.",
  },
  {
    code: "MF4106",
    name: "doctor-trust-domain-aliases",
    severity: "error",
    title: "The mesh config has no trustDomainAliases",
    explanation:
      "`trustDomainAliases` make every local principal also match in the aliased trust domains, so another mesh's workloads with the same namespace and ServiceAccount pass this mesh's policies. meshfed uses `caCertificates[].trustDomains` instead; remove the aliases.",
  },
  {
    code: "MF4107",
    name: "doctor-skip-validate-trust-domain",
    severity: "error",
    title: "istiod does not skip trust-domain validation",
    explanation:
      "`PILOT_SKIP_VALIDATE_TRUST_DOMAIN=true` on istiod makes sidecars accept certificates of any trust domain signed by the shared root. Remove the variable from the istiod Deployment. Exception: an exporting mesh whose declared `istioVersion` has no caCertificates trust-domain validation (before 1.18, 1.17.2, 1.16.4) needs the variable set, because meshfed accepts consumers that way there (MF1073); then this check fails when it is missing.",
  },
  {
    code: "MF4108",
    name: "doctor-root-certificate",
    severity: "error",
    title: "Every mesh publishes the same root certificate",
    explanation:
      "The `istio-ca-root-cert` ConfigMap's `root-cert.pem` must have the same SHA-256 fingerprint in every mesh, or mTLS between meshes fails. Only fingerprints are compared; no credential is copied between clusters. Plug in intermediates of one root (Istio's `cacerts`).",
  },
  {
    code: "MF4109",
    name: "doctor-east-west-service",
    severity: "error",
    title: "The east-west gateway Service exists, publishes only its AUTO_PASSTHROUGH port and has the model's address",
    explanation:
      "The Service selecting the mesh's east-west gateway must exist, publish only the gateway port (15443 by default; the samples also publish istiod's 15012 and 15017), and carry the address the federation file gives (load balancer ingress, external IP or loadBalancerIP). Install the gateway with meshfed's values.",
  },
  {
    code: "MF4110",
    name: "doctor-auto-passthrough-hosts",
    severity: "error",
    title: "No AUTO_PASSTHROUGH Gateway serves more than the model exports",
    explanation:
      "An AUTO_PASSTHROUGH server routes by SNI to any matching Service; a host like the samples' `*.local` exposes every Service of the mesh to every mesh sharing the root. Delete that Gateway; meshfed's Gateways list exact hosts.",
  },
  {
    code: "MF4111",
    name: "doctor-exported-service",
    severity: "error",
    title: "Every exported Service exists with its ports and a workload with a sidecar",
    explanation:
      "The federation exports a Service that is missing, lacks an exported port, or has no Pod with an `istio-proxy` sidecar behind it; consumers would fail. Deploy the service, or fix the export.",
  },
  {
    code: "MF4112",
    name: "doctor-consumer-injection",
    severity: "error",
    title: "Consumer namespaces are injected",
    explanation:
      "A consumer's workloads need a sidecar to present their identity: label the namespace `istio-injection=enabled` (or `istio.io/rev=<revision>`).",
  },
  {
    code: "MF4113",
    name: "doctor-drift",
    severity: "error",
    title: "Live resources equal the render",
    explanation:
      "Objects meshfed applies are missing or differ from the render, or objects no longer rendered are still there. `meshfed diff` shows the fields; `meshfed apply` (with `--prune`) converges.",
  },
  // ── MF5xxx: CA ─────────────────────────────────────────────────────────────────
  {
    code: "MF5001",
    name: "ca-output-exists",
    severity: "error",
    title: "An output file already exists",
    explanation:
      "`meshfed ca` never overwrites a CA file or private key by accident: nothing was written. Pass `--force` to replace the files (keep a copy of the old key first if anything still chains to it), or choose another `--out` directory.",
    message: (a: { file: string }) => `${a.file} already exists; nothing was written`,
    fix: (_: { file: string }) => "pass --force to replace the files (keep the old key until nothing chains to it), or choose another --out",
  },
  {
    code: "MF5002",
    name: "ca-unreadable-pem",
    severity: "error",
    title: "A file holds no certificate or key meshfed can read",
    explanation:
      "The file is not PEM, or a PEM block does not parse as an X.509 certificate or a private key. Pass the PEM files `meshfed ca init` or `openssl` wrote (`-----BEGIN CERTIFICATE-----`, `-----BEGIN PRIVATE KEY-----`). Encrypted keys are not read: decrypt with `openssl pkey -in KEY -out PLAIN`.",
    message: (a: PemArgs) => pemProblem(a).message,
    fix: (a: PemArgs) => pemProblem(a).fix,
  },
  {
    code: "MF5003",
    name: "ca-key-mismatch",
    severity: "error",
    title: "The private key does not belong to the certificate",
    explanation:
      "The public key in the certificate is not the public half of the private key given with it, so nothing signed with the key would chain to the certificate. Pass the key that was generated with the certificate.",
    message: (a: { file: string; subject: string }) => `${a.file} is not the private key of the certificate "${a.subject}"`,
    fix: (_: { file: string; subject: string }) => "pass the key generated with that certificate",
  },
  {
    code: "MF5004",
    name: "ca-not-a-ca",
    severity: "error",
    title: "The certificate is not a CA certificate",
    explanation:
      "A root or intermediate must carry basic constraints `CA:TRUE` (critical) and key usage `keyCertSign`; verifiers refuse anything it signs otherwise. Pass the CA certificate, not a workload or server certificate, or create a root with `meshfed ca init`.",
    message: (a: NotCaArgs) =>
      "file" in a
        ? `${a.file}: "${a.subject}" is not a CA certificate (needs basic constraints CA:TRUE and key usage keyCertSign)`
        : `${a.label} is CA:TRUE but its key usage lacks keyCertSign`,
    fix: (a: NotCaArgs) =>
      "file" in a ? "pass the root CA certificate, or create one with `meshfed ca init --out DIR`" : "reissue it with `meshfed ca issue`",
  },
  {
    code: "MF5005",
    name: "ca-trust-domain-not-constrainable",
    severity: "error",
    title: "The trust domain cannot be expressed as a URI name constraint",
    explanation:
      "A URI name constraint is a DNS host name (RFC 5280 section 4.2.1.10). BoringSSL, which Envoy uses, rejects a constraint or a SPIFFE ID host that is not letters, digits and hyphens in dot-separated labels (crypto/x509/v3_ncons.cc, nc_uri_is_fqdn), so every workload certificate would fail in the sidecars. Rename the trust domain, e.g. `production_eu` to `production-eu`.",
    message: (a: { mesh: string; trustDomain: string }) =>
      `mesh ${a.mesh}: trust domain "${a.trustDomain}" is not a DNS name, so no URI name constraint can confine its CA`,
    fix: (_: { mesh: string; trustDomain: string }) => "use letters, digits and hyphens in dot-separated labels (e.g. production-eu.example.internal)",
  },
  {
    code: "MF5006",
    name: "ca-outlives-issuer",
    severity: "error",
    title: "The intermediate would be valid after its root expires",
    explanation:
      "A certificate is only usable while every certificate above it is valid. Shorten `--days` so the intermediate ends before the root, or roll a new root first (see the guide's rotation section).",
    message: (a: { days: number; rootNotAfter: string; daysLeft: number }) =>
      `--days ${a.days}: the intermediate would outlive the root, which expires ${a.rootNotAfter} (in ${a.daysLeft} days)`,
    fix: (a: { days: number; rootNotAfter: string; daysLeft: number }) => `pass --days ${Math.max(a.daysLeft - 1, 1)} or less, and plan the root's rotation`,
  },
  {
    code: "MF5007",
    name: "ca-root-not-self-signed",
    severity: "error",
    title: "The root certificate is not self-signed",
    explanation:
      "`--root-cert` must be the self-signed root the meshes trust (its `root-cert.pem`). Issuing under a second-level CA would make the mesh's intermediate a third level with pathLen constraints the issuer may forbid. Pass the root, or issue from the CA that is the trust anchor.",
    message: (a: { file: string; subject: string; issuer: string }) => `${a.file}: "${a.subject}" is issued by "${a.issuer}", not self-signed`,
    fix: (_: { file: string; subject: string; issuer: string }) => "pass the self-signed root certificate that every mesh trusts",
  },
  {
    code: "MF5010",
    name: "ca-chain-broken",
    severity: "error",
    title: "A certificate does not chain to a root",
    explanation:
      "The certificate's issuer is not among the certificates given, or its signature does not verify with the issuer's key. Pass the root too (its `root-cert.pem`, or the directory that holds it), and check that `cert-chain.pem` is the intermediate followed by the root.",
    message: (a: { label: string; issuer: string }) => `${a.label} does not chain to a root among the paths given (issuer "${a.issuer}")`,
    fix: (_: { label: string; issuer: string }) => "pass the issuing root too (root-cert.pem), or re-issue the certificate under the root the meshes trust",
  },
  {
    code: "MF5011",
    name: "ca-expired",
    severity: "error",
    title: "A certificate is expired or not yet valid",
    explanation:
      "Verifiers refuse a chain with a certificate outside its validity period: workloads in the mesh cannot get or verify certificates. Issue a new intermediate (`meshfed ca issue ... --force`) or, for the root, follow the guide's root rotation.",
    message: (a: ValidityArgs) => `${a.label} is valid from ${a.notBefore} to ${a.notAfter}, not now (${a.now})`,
    fix: (a: ValidityArgs) =>
      a.role === "issuing-root"
        ? "issue under a root that is valid now; see the guide on rolling a root"
        : a.role === "root"
          ? "roll the root (see the guide's root rotation)"
          : "issue a new certificate (`meshfed ca issue ... --force` for an intermediate)",
  },
  {
    code: "MF5012",
    name: "ca-expires-soon",
    severity: "warning",
    title: "A certificate expires within 30 days",
    explanation:
      "Roll it now: a new intermediate under the same root can be plugged in without dropping connections (see the guide's rotation section); a root needs the longer migration described there.",
    message: (a: { label: string; notAfter: string; daysLeft: number; root: boolean }) =>
      `${a.label} expires ${a.notAfter}, in ${a.daysLeft} day${a.daysLeft === 1 ? "" : "s"}`,
    fix: (a: { label: string; notAfter: string; daysLeft: number; root: boolean }) =>
      a.root ? "start the root rotation now (see the guide)" : "issue a new intermediate under the same root and plug it in (see the guide's rotation section)",
  },
  {
    code: "MF5013",
    name: "ca-intermediate-unconstrained",
    severity: "warning",
    title: "An intermediate CA can sign identities of any trust domain",
    explanation:
      "Without a URI name constraint, whoever holds this mesh's CA key can mint `spiffe://<another mesh>/ns/.../sa/...` and pass every authorization policy of every mesh that trusts the shared root. Reissue it with `meshfed ca issue`, which confines it to the mesh's trust domain.",
    message: (a: { label: string }) => `${a.label} is an intermediate CA without a URI name constraint: it can sign any SPIFFE ID of any trust domain`,
    fix: (_: { label: string }) => "reissue it with `meshfed ca issue FILE --mesh NAME`, which permits only the mesh's trust domain",
  },
  {
    code: "MF5014",
    name: "ca-path-length",
    severity: "warning",
    title: "An intermediate CA may sign further CAs",
    explanation:
      "An Istio plug-in CA signs workload certificates only; without `pathLen:0` its key could mint a sub-CA that escapes review. Reissue it with `meshfed ca issue` (pathLen 0).",
    message: (a: { label: string; pathLength: number | undefined }) =>
      `${a.label} is an intermediate CA with ${a.pathLength === undefined ? "no path length limit" : `pathLen ${a.pathLength}`}`,
    fix: (_: { label: string; pathLength: number | undefined }) => "reissue it with `meshfed ca issue` (pathLen 0: it signs workloads, never another CA)",
  },
  {
    code: "MF5015",
    name: "ca-trust-domain-mismatch",
    severity: "error",
    title: "The intermediate is not confined to the mesh's trust domain",
    explanation:
      "The URI name constraint of the mesh's intermediate must permit exactly `spiffe://<trustDomain>` of that mesh in the federation file: otherwise the mesh's workloads get certificates verifiers refuse, or the CA can sign another mesh's identities. Reissue it with `meshfed ca issue FILE --mesh NAME`.",
    message: (a: { subject: string; permitted: readonly string[]; mesh: string; trustDomain: string }) =>
      `"${a.subject}" permits URI SANs ${a.permitted.length ? a.permitted.map((u) => `"${u}"`).join(", ") : "of any trust domain"}, but mesh ${a.mesh} has trust domain "${a.trustDomain}"`,
    fix: (a: { subject: string; permitted: readonly string[]; mesh: string; trustDomain: string }) =>
      `issue the mesh's intermediate with \`meshfed ca issue FILE --mesh ${a.mesh}\``,
  },
  {
    code: "MF5016",
    name: "ca-chain-file-order",
    severity: "error",
    title: "cert-chain.pem is not the intermediate followed by the root",
    explanation:
      "Istio's plug-in CA reads `cert-chain.pem` as the chain from `ca-cert.pem` up to the root (istio tools/certs/Makefile.selfsigned.mk: `cat ca-cert.pem root-cert.pem`). Regenerate the files with `meshfed ca issue`.",
    message: (a: ChainOrderArgs) => {
      const why =
        a.problem === "count"
          ? `holds ${a.count} certificate${a.count === 1 ? "" : "s"}; expected the intermediate followed by the root`
          : a.problem === "not-signed"
            ? `certificate ${a.index} ("${a.subject}") is not signed by certificate ${a.index + 1} ("${a.nextSubject}")`
            : `the last certificate ("${a.subject}") is not the self-signed root`;
      return `${a.file}: ${why}`;
    },
    fix: (_: ChainOrderArgs) => "regenerate it: ca-cert.pem followed by root-cert.pem (`meshfed ca issue`)",
  },
  {
    code: "MF5017",
    name: "ca-no-ca-certificate",
    severity: "error",
    title: "No CA certificate found to inspect",
    explanation:
      "`meshfed ca inspect` needs at least one certificate; with `--mesh` it needs the mesh's intermediate (a CA certificate that is not self-signed). Pass the directory `meshfed ca issue` wrote, or its `ca-cert.pem` and `root-cert.pem`.",
    message: (a: { mesh?: string }) =>
      a.mesh === undefined ? "no certificate found in the paths given" : `--mesh ${a.mesh}: no intermediate CA certificate among the paths given`,
    fix: (a: { mesh?: string }) =>
      a.mesh === undefined
        ? "pass PEM certificate files or the directory `meshfed ca issue` wrote"
        : "pass the mesh's ca-cert.pem (or the directory `meshfed ca issue` wrote)",
  },
] as const satisfies readonly CodeInfo[];

type Entry = (typeof table)[number];

/** Every registered code: diagnostics take only these. */
export type Code = Entry["code"];

/** Each entry by its code (one pass over the table's union, which keeps the compiler's work small). */
type EntryByCode = { [E in Entry as E["code"]]: E };

/** The named arguments of each templated code's message and fix. */
type TemplateArgs = {
  [C in keyof EntryByCode as EntryByCode[C] extends { message: unknown } ? C : never]: EntryByCode[C] extends { message: (a: infer A) => string } ? A : never;
};

/** Codes whose message and fix come from templates in this table. */
export type TemplatedCode = keyof TemplateArgs;

/** Codes that still take a hand-written message and fix (codes added before their template). */
export type UntemplatedCode = Exclude<Code, TemplatedCode>;

/** The named arguments of a code's message and fix templates. */
export type ArgsOf<C extends TemplatedCode> = TemplateArgs[C];

const byCode = new Map<string, CodeInfo>(table.map((c) => [c.code, c]));

/** Where a code is explained: its entry in docs/diagnostics.md. */
export function docsLink(code: string): string {
  return `docs/diagnostics.md#${code.toLowerCase()}`;
}

/** Every registered code, sorted by code. */
export function allCodes(): readonly CodeInfo[] {
  return [...table].sort((a, b) => compareStrings(a.code, b.code));
}

/**
 * Diagnostic codes without a message template, sorted: a test keeps this list equal to an explicit
 * allow-list. Verdict reasons (MF30xx) are left out: verify writes their `why` per probe, they are
 * never built with `diagnostic()`.
 */
export function untemplatedCodes(): string[] {
  return allCodes()
    .filter((c) => !c.retired && !/^MF30\d\d$/.test(c.code) && (c.message === undefined || c.fix === undefined))
    .map((c) => c.code);
}

/** Look a code up; throws for an unregistered code (a programming error, caught by tests). */
export function codeInfo(code: string): CodeInfo {
  const info = byCode.get(code);
  if (!info) throw new Error(`unregistered diagnostic code ${code}`);
  return info;
}
