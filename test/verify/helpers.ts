import { parseScenario } from "../../src/verify/parse-scenario.js";
import type { Resource, Scenario } from "../../src/verify/types.js";

/** Builds a scenario from inline YAML: scenario.yaml text and each mesh's resource text. */
export function inlineScenario(scenarioYaml: string, meshes: Record<string, string>): Scenario {
  const meshFiles = new Map(Object.entries(meshes).map(([m, text]) => [m, [{ file: `${m}/resources.yaml`, text }]]));
  const r = parseScenario({ scenario: { file: "scenario.yaml", text: scenarioYaml }, meshFiles });
  if (!r.scenario) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return r.scenario;
}

export const baseMeshes = `meshes:
- name: operations
  trustDomain: operations.nrc.internal
  rootCA: nrc-root
  eastWestGateway: {address: 10.10.0.10, port: 15443}
- name: production
  trustDomain: production.nrc.internal
  rootCA: nrc-root
  meshConfig:
    caCertificates:
    - trustDomains: [operations.nrc.internal]
  eastWestGateway: {address: 10.20.0.10, port: 15443}
`;

export const vaultProbe = (name = "p", extra = "") => `probes:
- name: ${name}
  from: {mesh: operations, namespace: vault, serviceAccount: vault, labels: {app: vault}}
  to: {host: postgres.db.production.mesh, port: 5432}
${extra}`;

export const importYaml = (
  opts: { sni?: string; sans?: readonly string[]; mode?: string; endpoint?: string; exportTo?: string; dr?: boolean } = {},
) => `apiVersion: v1
kind: Pod
metadata: {name: vault-0, namespace: vault, labels: {app: vault}}
spec: {serviceAccountName: vault}
status: {podIP: 10.1.1.10}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: pg, namespace: vault}
spec:
  hosts: [postgres.db.production.mesh]
  addresses: [240.241.2.10]
  ports: [{number: 5432, name: tcp-5432, protocol: TCP}]
  location: MESH_INTERNAL
  resolution: STATIC
  endpoints: [{address: ${opts.endpoint ?? "10.20.0.10"}, ports: {tcp-5432: 15443}}]
  exportTo: ["${opts.exportTo ?? "."}"]
${
  opts.dr === false
    ? ""
    : `---
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: {name: pg, namespace: vault}
spec:
  host: postgres.db.production.mesh
  exportTo: ["."]
  trafficPolicy:
    portLevelSettings:
    - port: {number: 5432}
      tls:
        mode: ${opts.mode ?? "ISTIO_MUTUAL"}
${opts.sni === "" ? "" : `        sni: ${opts.sni ?? "outbound_.5432_._.postgres.db.svc.cluster.local"}`}
        subjectAltNames: [${(opts.sans ?? ["spiffe://production.nrc.internal/ns/db/sa/postgres"]).map((s) => `"${s}"`).join(", ")}]
`
}`;

export const exportYaml = (opts: { hosts?: readonly string[]; mtls?: string; guard?: string; gatewayMode?: string; selector?: string } = {}) => `apiVersion: v1
kind: Pod
metadata: {name: istio-eastwestgateway-0, namespace: istio-system, labels: {istio: eastwestgateway}}
spec: {serviceAccountName: istio-eastwestgateway}
status: {podIP: 10.2.0.5}
---
apiVersion: v1
kind: Service
metadata: {name: postgres, namespace: db}
spec:
  selector: {app: postgres}
  clusterIP: 10.102.1.10
  ports: [{name: tcp-postgres, port: 5432, targetPort: 5432}]
---
apiVersion: v1
kind: Pod
metadata: {name: postgres-0, namespace: db, labels: {app: postgres}}
spec: {serviceAccountName: postgres}
status: {podIP: 10.2.1.10}
---
apiVersion: v1
kind: Service
metadata: {name: redis, namespace: cache}
spec:
  selector: {app: redis}
  clusterIP: 10.102.1.11
  ports: [{name: tcp-redis, port: 6379}]
---
apiVersion: v1
kind: Pod
metadata: {name: redis-0, namespace: cache, labels: {app: redis}}
spec: {serviceAccountName: redis}
status: {podIP: 10.2.1.11}
---
apiVersion: networking.istio.io/v1alpha3
kind: Gateway
metadata: {name: ew, namespace: istio-system}
spec:
  selector: {istio: ${opts.selector ?? "eastwestgateway"}}
  servers:
  - port: {number: 15443, name: tls, protocol: TLS}
    tls: {mode: ${opts.gatewayMode ?? "AUTO_PASSTHROUGH"}}
    hosts: [${(opts.hosts ?? ["postgres.db.svc.cluster.local"]).map((h) => `"${h}"`).join(", ")}]
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: pg, namespace: db}
spec:
  selector: {matchLabels: {app: postgres}}
  mtls: {mode: ${opts.mtls ?? "STRICT"}}
${
  opts.guard === ""
    ? ""
    : `---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: guard, namespace: db}
spec:
  selector: {matchLabels: {app: postgres}}
  action: DENY
  rules:
  - from:
    - source:
        notPrincipals: [${opts.guard ?? "production.nrc.internal/*, operations.nrc.internal/ns/vault/sa/vault"}]
  - from:
    - source:
        principals: [operations.nrc.internal/ns/vault/sa/vault]
    to:
    - operation:
        notPorts: ["5432"]
`
}`;

/** A DestinationRule vault/pg for postgres.db.production.mesh with a traffic policy, as a resource (no file text). */
export const destinationRule = (trafficPolicy: Record<string, unknown>): Resource => ({
  apiVersion: "networking.istio.io/v1",
  kind: "DestinationRule",
  name: "pg",
  namespace: "vault",
  metadata: {},
  spec: { host: "postgres.db.production.mesh", trafficPolicy },
  status: {},
  raw: {},
  file: "f.yaml",
  line: 1,
  text: "",
});
