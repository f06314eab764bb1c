import { type TSchema, Type } from "@sinclair/typebox";

/*
 * The JSON Schema of every `-o json` output shape, one per shape, written to docs/schemas/ by
 * `npm run docs:schemas` (a test keeps the files equal to these and checks each command's output
 * against its schema). Objects are closed (`additionalProperties: false`) where meshfed builds
 * them; Kubernetes objects and install values stay open, since their fields are Istio's.
 */

const closed = <T extends Parameters<typeof Type.Object>[0]>(properties: T, description?: string) =>
  Type.Object(properties, { additionalProperties: false, ...(description ? { description } : {}) });
const nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const severity = Type.Union([Type.Literal("error"), Type.Literal("warning"), Type.Literal("info")]);
const openObject = (description: string) => Type.Object({}, { additionalProperties: true, description });

/** One problem found in input or a finding (`Diagnostic`). */
export const DiagnosticSchema = closed(
  {
    code: Type.String({ pattern: "^MF\\d{4}$", description: "Stable code; see docs/diagnostics.md." }),
    severity,
    message: Type.String({ description: "Where, then what: quotes the bad value." }),
    fix: Type.String({ description: "What to do about it." }),
    path: Type.Optional(Type.String({ description: "JSON path of the offending field." })),
    value: Type.Optional(Type.Unknown({ description: "The offending value." })),
    position: Type.Optional(closed({ file: Type.String(), line: Type.Integer({ minimum: 1 }), column: Type.Integer({ minimum: 1 }) })),
    resource: Type.Optional(Type.String({ description: "`<mesh>: <Kind> <namespace>/<name>`" })),
  },
  "A diagnostic: one problem or finding, with a stable code.",
);

const CodeEntry = closed({
  code: Type.String(),
  name: Type.String(),
  severity,
  title: Type.String(),
  explanation: Type.String(),
  retired: Type.Optional(Type.Literal(true)),
});

const AccessGrant = closed({ consumer: Type.String(), service: Type.String(), port: Type.Integer(), protocol: Type.String(), alias: Type.String() });

const FileWritten = closed({ path: Type.String(), mode: Type.String({ pattern: "^0[0-7]{3}$" }) });

const ResourceRefSchema = closed({ kind: Type.String(), namespace: Type.String(), name: Type.String() });

const schemas = {
  error: closed(
    {
      error: closed({
        kind: Type.Union([Type.Literal("usage"), Type.Literal("invalid-input"), Type.Literal("internal")]),
        exitCode: Type.Integer(),
        message: Type.String(),
      }),
      diagnostics: Type.Optional(Type.Array(DiagnosticSchema)),
    },
    "What any command prints on stdout under -o json when it fails (exit 2, 3 or 1); the same message is on stderr.",
  ),
  validate: closed(
    {
      file: Type.String(),
      valid: Type.Boolean({ description: "No finding at or above failureThreshold." }),
      failureThreshold: Type.Union([Type.Literal("error"), Type.Literal("warning")]),
      diagnostics: Type.Array(DiagnosticSchema),
    },
    "meshfed validate -o json",
  ),
  plan: closed(
    {
      federation: Type.String(),
      meshes: Type.Array(
        closed({
          mesh: Type.String(),
          trustDomain: Type.String(),
          clusterName: Type.String(),
          network: Type.String(),
          istioVersion: Type.Optional(Type.String({ description: "the declared meshes[].istioVersion" })),
          eastWestGateway: nullable(Type.String({ description: "address:port" })),
          exposes: Type.Array(
            closed({
              service: Type.String(),
              host: Type.String(),
              ports: Type.Array(Type.Integer()),
              admits: Type.Array(Type.String()),
              sni: Type.Array(Type.String()),
            }),
          ),
          imports: Type.Array(
            closed({
              namespace: Type.String(),
              alias: Type.String(),
              vip: Type.String(),
              from: Type.String(),
              ports: Type.Array(Type.Integer()),
              endpoint: Type.String(),
              resolution: Type.Union([Type.Literal("STATIC"), Type.Literal("DNS")]),
              principals: Type.Array(Type.String()),
              serverIdentity: Type.String(),
            }),
          ),
          resources: Type.Array(ResourceRefSchema),
          install: Type.Array(Type.String(), { description: "The install-time settings in words." }),
          installSettings: Type.Array(
            closed({
              path: Type.String({ description: "Helm/IstioOperator path; eastWestGateway / egressGateway for the gateways meshfed's values install." }),
              value: Type.Union([
                Type.String(),
                Type.Array(Type.String()),
                closed({ namespace: Type.String(), labels: Type.Record(Type.String(), Type.String()), port: Type.Integer() }),
              ]),
              why: Type.String(),
            }),
          ),
          networkLayer: Type.Optional(
            closed({
              port: Type.Integer(),
              sources: nullable(Type.Array(Type.String(), { description: "loadBalancerSourceRanges; null: every address" })),
              openBecause: nullable(Type.Union([Type.Literal("consumer-mesh-without-egress-cidrs"), Type.Literal("no-mesh-declares-egress-cidrs")])),
              consumerMeshes: Type.Array(Type.String()),
              undeclared: Type.Array(Type.String(), { description: "consumer meshes without egressCIDRs" }),
              internalLoadBalancer: Type.Boolean(),
              identities: Type.Array(Type.String(), { description: "who is admitted at the identity layer" }),
            }),
          ),
        }),
      ),
    },
    "meshfed plan FILE -o json",
  ),
  "plan-against": closed(
    {
      federation: Type.String(),
      against: Type.String(),
      changed: Type.Boolean(),
      meshes: Type.Array(
        closed({
          mesh: Type.String(),
          status: Type.Union([Type.Literal("added"), Type.Literal("removed"), Type.Literal("changed"), Type.Literal("unchanged")]),
          resources: closed({
            added: Type.Array(ResourceRefSchema),
            changed: Type.Array(
              closed({
                kind: Type.String(),
                namespace: Type.String(),
                name: Type.String(),
                fields: Type.Array(Type.String()),
                direction: Type.Union([Type.Literal("widens"), Type.Literal("narrows"), Type.Literal("changes")]),
              }),
            ),
            removed: Type.Array(ResourceRefSchema),
          }),
          install: closed({
            added: Type.Array(closed({ file: Type.String(), path: Type.String(), value: Type.String() })),
            changed: Type.Array(closed({ file: Type.String(), path: Type.String(), from: Type.String(), to: Type.String() })),
            removed: Type.Array(closed({ file: Type.String(), path: Type.String(), value: Type.String() })),
          }),
          restarts: Type.Array(
            closed({
              namespace: Type.String(),
              reason: Type.String(),
              serviceAccounts: Type.Optional(Type.Array(Type.String())),
              annotation: Type.Optional(Type.String({ description: "the pod-template annotation to set before the restart" })),
            }),
          ),
        }),
      ),
      rollout: Type.Array(
        closed({
          step: Type.Integer({ minimum: 1 }),
          mesh: Type.String(),
          action: Type.Union([
            Type.Literal("install"),
            Type.Literal("apply"),
            Type.Literal("restart"),
            Type.Literal("delete"),
            Type.Literal("remove-install-settings"),
          ]),
          summary: Type.String(),
          items: Type.Array(Type.String()),
        }),
      ),
    },
    "meshfed plan FILE --against DIR -o json",
  ),
  render: closed(
    {
      federation: Type.String(),
      meshes: Type.Array(
        closed({
          mesh: Type.String(),
          resources: Type.Array(
            Type.Object(
              {
                apiVersion: Type.String(),
                kind: Type.String(),
                metadata: Type.Object({ name: Type.String(), namespace: Type.String(), labels: Type.Record(Type.String(), Type.String()) }),
                spec: openObject("The resource's spec, as Istio defines it."),
              },
              { additionalProperties: false },
            ),
          ),
          install: closed({
            istioOperator: openObject("IstioOperator overlay for istioctl install -f."),
            istiodValues: openObject("Helm values for the istiod chart."),
            eastWestGatewayValues: Type.Optional(openObject("Helm values for the gateway chart (meshes that export).")),
            eastWestGatewayChart: Type.Optional(
              Type.Literal("gateways/istio-ingress", { description: "the chart of eastWestGatewayValues before Istio 1.12" }),
            ),
            egressGatewayValues: Type.Optional(openObject("Helm values for the consumer mesh's egress gateway (egressGateway).")),
            acceptedTrustDomains: Type.Array(Type.String()),
            skipValidateTrustDomain: Type.Optional(
              Type.Literal(true, { description: "istiod runs with PILOT_SKIP_VALIDATE_TRUST_DOMAIN (releases before 1.18)" }),
            ),
            dnsCapture: Type.Optional(
              closed({
                scope: Type.Union([Type.Literal("mesh"), Type.Literal("namespaces")]),
                annotation: Type.Optional(closed({ key: Type.Literal("proxy.istio.io/config"), value: Type.String() })),
                workloads: Type.Array(closed({ namespace: Type.String(), serviceAccounts: Type.Array(Type.String()) })),
              }),
            ),
          }),
        }),
      ),
    },
    "meshfed render FILE -o json",
  ),
  verify: closed(
    {
      probes: Type.Array(
        closed({
          name: Type.String(),
          verdict: Type.Union([Type.Literal("allow"), Type.Literal("deny")]),
          deniedAt: nullable(Type.Union([Type.Literal("client"), Type.Literal("gateway"), Type.Literal("server"), Type.Literal("trust")])),
          reason: nullable(Type.String()),
          hops: Type.Array(
            Type.Union([
              closed({
                at: Type.Literal("client"),
                mesh: Type.String(),
                cluster: nullable(Type.String()),
                tls: Type.String(),
                sni: nullable(Type.String()),
                sans: Type.Array(Type.String()),
                endpoint: nullable(Type.String()),
              }),
              closed({ at: Type.Union([Type.Literal("gateway"), Type.Literal("egress")]), mesh: Type.String(), matched: nullable(Type.String()) }),
              closed({
                at: Type.Literal("server"),
                mesh: Type.String(),
                workload: Type.String(),
                peer: nullable(Type.String()),
                authz: nullable(Type.Union([Type.Literal("allow"), Type.Literal("deny")])),
              }),
            ]),
          ),
        }),
      ),
      exposure: Type.Array(closed({ mesh: Type.String(), host: Type.String(), port: Type.Integer(), admits: Type.Array(Type.String()) })),
      findings: Type.Array(DiagnosticSchema),
    },
    "meshfed verify -o json: the conformance oracle's verdict JSON, and findings",
  ),
  explain: closed(
    {
      name: Type.String({ description: "The call, as verify names its probes." }),
      probe: Type.String({ description: "The same as name (kept for older scripts)." }),
      verdict: Type.Union([Type.Literal("allow"), Type.Literal("deny")]),
      hops: Type.Array(
        closed({
          at: Type.Union([Type.Literal("client"), Type.Literal("gateway"), Type.Literal("server")]),
          mesh: Type.String(),
          text: Type.String(),
          decidedBy: Type.Array(Type.String({ description: "`Kind namespace/name (file:line)`" })),
          resources: Type.Array(closed({ kind: Type.String(), namespace: Type.String(), name: Type.String(), file: Type.String(), line: Type.Integer() })),
        }),
      ),
      denied: nullable(closed({ at: Type.String(), code: Type.String(), title: Type.String(), why: Type.String(), fix: Type.String() })),
      change: nullable(
        closed({
          kind: Type.Union([
            Type.Literal("add-consumer"),
            Type.Literal("use-host"),
            Type.Literal("use-port"),
            Type.Literal("remove-consumer"),
            Type.Literal("outside-the-file"),
          ]),
          summary: Type.String(),
          at: nullable(closed({ file: Type.String(), line: Type.Integer({ minimum: 1 }), path: Type.String() })),
          yaml: Type.Array(Type.String()),
        }),
      ),
    },
    "meshfed explain -o json",
  ),
  graph: closed(
    {
      federation: Type.String(),
      meshes: Type.Array(
        closed({
          name: Type.String(),
          trustDomain: Type.String(),
          eastWestGateway: nullable(Type.String()),
          egressGateway: nullable(Type.String()),
          services: Type.Array(
            closed({
              id: Type.String(),
              mesh: Type.String(),
              namespace: Type.String(),
              name: Type.String(),
              host: Type.String(),
              ports: Type.Array(Type.String()),
            }),
          ),
          principals: Type.Array(closed({ id: Type.String(), mesh: Type.String(), namespace: Type.String(), serviceAccount: Type.String() })),
        }),
      ),
      edges: Type.Array(closed({ from: Type.String(), to: Type.String(), ports: Type.Array(Type.String()), alias: Type.String(), viaEgress: Type.Boolean() })),
      networkAllowances: Type.Array(closed({ from: Type.String(), to: Type.String(), ports: Type.Array(Type.Integer()) })),
    },
    "meshfed graph FILE -o json",
  ),
  diagnostics: Type.Array(CodeEntry, { description: "meshfed diagnostics -o json" }),
  "diagnostics-entry": closed(CodeEntry.properties, "meshfed diagnostics CODE -o json"),
  "report-diff": closed(
    {
      old: Type.String(),
      new: Type.String(),
      gained: Type.Array(AccessGrant),
      lost: Type.Array(AccessGrant),
      changed: Type.Array(closed({ before: AccessGrant, after: AccessGrant, changes: Type.Array(Type.String()) })),
      meshChanges: Type.Array(Type.String()),
    },
    "meshfed report --diff OLD NEW -o json",
  ),
  "ca-init": closed(
    {
      root: closed({ subject: Type.String(), sha256Fingerprint: Type.String(), notAfter: Type.String(), keyAlgorithm: Type.String() }),
      recorded: Type.Boolean({ description: "An existing root was recorded (--root-cert, --root-key) rather than created." }),
      files: Type.Array(FileWritten),
    },
    "meshfed ca init --out DIR -o json",
  ),
  "ca-issue": closed(
    {
      mesh: Type.String(),
      trustDomain: Type.String(),
      intermediate: closed({
        subject: Type.String(),
        sha256Fingerprint: Type.String(),
        notAfter: Type.String(),
        keyAlgorithm: Type.String(),
        pathLength: nullable(Type.Integer()),
        nameConstraints: nullable(closed({ permitted: Type.Array(Type.String()), excluded: Type.Array(Type.String()) })),
      }),
      root: closed({ subject: Type.String(), sha256Fingerprint: Type.String() }),
      files: Type.Array(FileWritten),
    },
    "meshfed ca issue FILE --mesh NAME ... -o json",
  ),
  "ca-inspect": closed(
    {
      roots: Type.Array(closed({ subject: Type.String(), sha256Fingerprint: Type.String() })),
      certificates: Type.Array(
        closed({
          source: Type.String(),
          subject: Type.String(),
          issuer: Type.String(),
          serialNumber: Type.String(),
          sha256Fingerprint: Type.String(),
          notBefore: Type.String(),
          notAfter: Type.String(),
          daysLeft: Type.Integer(),
          keyAlgorithm: Type.String(),
          selfSigned: Type.Boolean(),
          ca: Type.Boolean(),
          pathLength: nullable(Type.Integer()),
          keyUsage: Type.Array(Type.String()),
          nameConstraints: nullable(closed({ permitted: Type.Array(Type.String()), excluded: Type.Array(Type.String()) })),
          uris: Type.Array(Type.String()),
          dnsNames: Type.Array(Type.String()),
          chain: Type.Array(Type.String()),
          chainValid: Type.Boolean(),
        }),
      ),
      mesh: Type.Optional(closed({ name: Type.String(), trustDomain: Type.String(), agrees: Type.Boolean() })),
      diagnostics: Type.Array(DiagnosticSchema),
    },
    "meshfed ca inspect PATH... -o json",
  ),
  diff: closed(
    {
      mesh: Type.String(),
      inSync: Type.Boolean(),
      objects: Type.Array(
        closed({
          ref: Type.String({ description: "`Kind namespace/name`" }),
          status: Type.Union([Type.Literal("created"), Type.Literal("changed"), Type.Literal("pruned")]),
          fields: Type.Array(closed({ path: Type.String(), live: Type.Optional(Type.Unknown()), desired: Type.Optional(Type.Unknown()) })),
        }),
      ),
    },
    "meshfed diff FILE --mesh NAME -o json",
  ),
  apply: closed(
    {
      mesh: Type.String(),
      cluster: Type.String({ description: "The API server's URL." }),
      dryRun: Type.Boolean(),
      applied: Type.Array(Type.String()),
      pruned: Type.Array(Type.String()),
      notDone: Type.Array(Type.Unknown({ description: "What was not applied, when a step failed." })),
      failures: Type.Array(Type.Unknown({ description: "The requests that failed, with the API server's answer." })),
    },
    "meshfed apply FILE --mesh NAME -o json",
  ),
  doctor: closed(
    {
      federation: Type.String(),
      checks: Type.Array(
        closed({
          mesh: Type.String(),
          category: Type.String(),
          check: Type.String({ description: "The fact checked, e.g. 'can reach the Kubernetes API'." }),
          status: Type.Union([Type.Literal("ok"), Type.Literal("warning"), Type.Literal("fail"), Type.Literal("skipped")]),
          code: Type.String(),
          detail: Type.Optional(Type.String()),
          hint: Type.Optional(Type.String()),
          docs: Type.Optional(Type.String()),
        }),
      ),
      ok: Type.Boolean(),
    },
    "meshfed doctor FILE --mesh ... -o json",
  ),
  rbac: closed(
    {
      apiVersion: Type.Literal("v1"),
      kind: Type.Literal("List"),
      items: Type.Array(
        Type.Union([
          closed({
            apiVersion: Type.Literal("rbac.authorization.k8s.io/v1"),
            kind: Type.Union([Type.Literal("Role"), Type.Literal("ClusterRole")]),
            metadata: openObject("name (and namespace for a Role), meshfed's labels"),
            rules: Type.Array(
              Type.Object(
                {
                  apiGroups: Type.Array(Type.String()),
                  resources: Type.Array(Type.String()),
                  verbs: Type.Array(Type.String()),
                  resourceNames: Type.Optional(Type.Array(Type.String())),
                },
                { additionalProperties: false },
              ),
            ),
          }),
          closed({
            apiVersion: Type.Literal("rbac.authorization.k8s.io/v1"),
            kind: Type.Union([Type.Literal("RoleBinding"), Type.Literal("ClusterRoleBinding")]),
            metadata: openObject("name (and namespace for a RoleBinding), meshfed's labels"),
            roleRef: closed({ apiGroup: Type.String(), kind: Type.String(), name: Type.String() }),
            subjects: Type.Array(openObject("the ServiceAccount that runs meshfed")),
          }),
        ]),
      ),
    },
    "meshfed rbac FILE --mesh NAME -o json: a Kubernetes List of the Roles, ClusterRoles and their bindings",
  ),
  version: closed(
    {
      meshfed: Type.String(),
      istio: closed({
        release: Type.String({ description: "The Istio release line the analysis models." }),
        module: Type.String({ description: "istio.io/istio@<version> as the conformance oracle pins it." }),
        api: Type.String(),
        commit: nullable(Type.String()),
        date: nullable(Type.String()),
      }),
    },
    "meshfed version -o json",
  ),
} as const satisfies Record<string, TSchema>;

/** Every output schema by name (`docs/schemas/<name>.schema.json`). */
export const outputSchemas: Readonly<Record<keyof typeof schemas, TSchema>> = schemas;

/** The schema as the JSON file under docs/schemas/ holds it. */
export function schemaFile(name: keyof typeof schemas): string {
  const schema = outputSchemas[name];
  return `${JSON.stringify({ $schema: "https://json-schema.org/draft/2020-12/schema", $id: `https://meshfed.dev/schemas/output/${name}.schema.json`, ...schema }, null, 2)}\n`;
}
