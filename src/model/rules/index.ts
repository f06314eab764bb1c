import { diagnostic, type Diagnostic, type DiagnosticInput } from "../../diagnostics/diagnostic.js";
import type { Code } from "../../diagnostics/codes.js";
import type { Federation } from "../types.js";
import { safetyRules } from "./safety-rules.js";

/** What a rule reports through: builds diagnostics positioned by JSON path. */
export interface RuleContext {
  readonly federation: Federation;
  report(code: Code, path: string, input: Omit<DiagnosticInput, "path" | "position">): void;
}

/** A named semantic check over a schema-valid federation. */
export interface Rule {
  readonly name: string;
  readonly description: string;
  check(ctx: RuleContext): void;
}

const meshPath = (i: number) => `spec.meshes[${i}]`;
const exportPath = (i: number) => `spec.exports[${i}]`;
const consumerPath = (e: number, c: number) => `${exportPath(e)}.consumers[${c}].principal`;
const principalString = (p: { mesh: string; namespace: string; serviceAccount: string }) =>
  `${p.mesh}/${p.namespace}/${p.serviceAccount}`;

const coreRules: readonly Rule[] = [
  {
    name: "unique-mesh-names",
    description: "Mesh names are unique.",
    check({ federation, report }) {
      const seen = new Map<string, number>();
      federation.meshes.forEach((m, i) => {
        const first = seen.get(m.name);
        if (first !== undefined) {
          report("MF1012", `${meshPath(i)}.name`, {
            message: `mesh "${m.name}" is declared twice (first at spec.meshes[${first}])`,
            fix: "rename one of them or merge the two entries",
            value: m.name,
          });
        } else seen.set(m.name, i);
      });
    },
  },
  {
    name: "known-meshes",
    description: "Every exported service and every consumer names a declared mesh.",
    check({ federation, report }) {
      const names = federation.meshes.map((m) => m.name);
      const known = new Set(names);
      const fix = (mesh: string) => `declare mesh "${mesh}" under spec.meshes, or use one of: ${names.join(", ")}`;
      for (const e of federation.exports) {
        if (!known.has(e.mesh)) {
          report("MF1013", `${exportPath(e.index)}.service`, {
            message: `export "${e.mesh}/${e.namespace}/${e.name}" names mesh "${e.mesh}", which is not declared`,
            fix: fix(e.mesh),
            value: e.mesh,
          });
        }
        for (const c of e.consumers) {
          if (!known.has(c.principal.mesh)) {
            report("MF1013", consumerPath(e.index, c.index), {
              message: `consumer "${principalString(c.principal)}" names mesh "${c.principal.mesh}", which is not declared`,
              fix: fix(c.principal.mesh),
              value: principalString(c.principal),
            });
          }
        }
      }
    },
  },
  {
    name: "consumer-not-in-exporting-mesh",
    description: "Consumers are in other meshes than the exporter.",
    check({ federation, report }) {
      for (const e of federation.exports) {
        for (const c of e.consumers) {
          if (c.principal.mesh === e.mesh) {
            report("MF1014", consumerPath(e.index, c.index), {
              message: `consumer "${principalString(c.principal)}" is in mesh "${e.mesh}", which exports the service`,
              fix: "remove it: callers in the same mesh reach the service directly",
              value: principalString(c.principal),
            });
          }
        }
      }
    },
  },
  {
    name: "exporter-has-gateway",
    description: "Every mesh that exports to a consumer has an east-west gateway address.",
    check({ federation, report }) {
      const reported = new Set<string>();
      for (const e of federation.exports) {
        const mesh = federation.meshes.find((m) => m.name === e.mesh);
        if (!mesh || mesh.eastWestGateway || e.consumers.length === 0 || reported.has(mesh.name)) continue;
        reported.add(mesh.name);
        const i = federation.meshes.indexOf(mesh);
        report("MF1015", `${meshPath(i)}.name`, {
          message: `mesh "${mesh.name}" exports ${e.mesh}/${e.namespace}/${e.name} but has no eastWestGateway.address`,
          fix: `add "eastWestGateway: {address: <IP or DNS name of ${mesh.name}'s east-west gateway>}" to mesh "${mesh.name}"`,
          value: mesh.name,
        });
      }
    },
  },
  {
    name: "unique-exports",
    description: "A service is exported once.",
    check({ federation, report }) {
      const seen = new Map<string, number>();
      for (const e of federation.exports) {
        const key = `${e.mesh}/${e.namespace}/${e.name}`;
        const first = seen.get(key);
        if (first !== undefined) {
          report("MF1016", `${exportPath(e.index)}.service`, {
            message: `service "${key}" is exported twice (first at spec.exports[${first}])`,
            fix: "merge the two exports into one, with all their ports and consumers",
            value: key,
          });
        } else seen.set(key, e.index);
      }
    },
  },
  {
    name: "unique-ports",
    description: "An export lists each port once.",
    check({ federation, report }) {
      for (const e of federation.exports) {
        const seen = new Set<number>();
        e.ports.forEach((p, i) => {
          if (seen.has(p.number)) {
            report("MF1020", `${exportPath(e.index)}.ports[${i}].number`, {
              message: `port ${p.number} is listed twice in export "${e.mesh}/${e.namespace}/${e.name}"`,
              fix: "remove the second entry",
              value: p.number,
            });
          }
          seen.add(p.number);
        });
      }
    },
  },
  {
    name: "unique-consumers",
    description: "An export lists each consumer once.",
    check({ federation, report }) {
      for (const e of federation.exports) {
        const seen = new Set<string>();
        for (const c of e.consumers) {
          const key = principalString(c.principal);
          if (seen.has(key)) {
            report("MF1021", consumerPath(e.index, c.index), {
              message: `consumer "${key}" is listed twice in export "${e.mesh}/${e.namespace}/${e.name}"`,
              fix: "remove the second entry",
              value: key,
            });
          }
          seen.add(key);
        }
      }
    },
  },
  {
    name: "export-has-consumers",
    description: "An export names at least one consumer.",
    check({ federation, report }) {
      for (const e of federation.exports) {
        if (e.consumers.length === 0) {
          report("MF1026", `${exportPath(e.index)}.consumers`, {
            message: `export "${e.mesh}/${e.namespace}/${e.name}" has no consumers; nothing is emitted for it`,
            fix: "add consumers (mesh/namespace/serviceAccount) or remove the export",
          });
        }
      }
    },
  },
  {
    name: "unique-aliases",
    description: "No two imports share an alias host in one consumer namespace, and no alias shadows a local Service.",
    check({ federation, report }) {
      const seen = new Map<string, string>();
      for (const e of federation.exports) {
        const exported = `${e.mesh}/${e.namespace}/${e.name}`;
        const aliasByNamespace = new Map<string, string>();
        for (const c of e.consumers) {
          const path = `${exportPath(e.index)}.consumers[${c.index}].alias`;
          const nsKey = `${c.principal.mesh}/${c.principal.namespace}`;
          const earlier = aliasByNamespace.get(nsKey);
          if (earlier !== undefined && earlier !== c.alias) {
            report("MF1030", path, {
              message: `${nsKey} imports ${exported} as both "${earlier}" and "${c.alias}"`,
              fix: `use "${earlier}" for every consumer in ${nsKey}`,
              value: c.alias,
            });
          }
          aliasByNamespace.set(nsKey, earlier ?? c.alias);
          const consumerMesh = federation.meshes.find((m) => m.name === c.principal.mesh);
          if (consumerMesh && c.alias.endsWith(`.svc.${consumerMesh.clusterDomain}`)) {
            report("MF2002", path, {
              message: `alias "${c.alias}" is a Service host of mesh "${consumerMesh.name}" and would shadow its own Service`,
              fix: `use the default alias "${e.name}.${e.namespace}.${e.mesh}.${federation.importDomain}" or another name outside .svc.${consumerMesh.clusterDomain}`,
              value: c.alias,
            });
          }
          const key = `${c.principal.mesh}/${c.principal.namespace}/${c.alias}`;
          const owner = seen.get(key);
          if (owner !== undefined && owner !== exported) {
            report("MF1017", path, {
              message: `alias "${c.alias}" in ${c.principal.mesh}/${c.principal.namespace} is used by both ${owner} and ${exported}`,
              fix: "give one of the consumers a different alias",
              value: c.alias,
            });
          } else seen.set(key, exported);
        }
      }
    },
  },
  {
    name: "distinct-trust-domains",
    description: "Every mesh has its own trust domain, not the default cluster.local.",
    check({ federation, report }) {
      const seen = new Map<string, string>();
      federation.meshes.forEach((m, i) => {
        const path = `${meshPath(i)}.trustDomain`;
        const other = seen.get(m.trustDomain);
        if (other !== undefined) {
          report("MF1018", path, {
            message: `meshes "${other}" and "${m.name}" share trust domain "${m.trustDomain}": their identities collide (${other}/ns/vault/sa/vault and ${m.name}/ns/vault/sa/vault are the same principal), so no policy can admit one without the other`,
            fix: `give mesh "${m.name}" a trust domain of its own, e.g. "${m.name}.${federation.name}.internal"`,
            value: m.trustDomain,
          });
        } else seen.set(m.trustDomain, m.name);
        if (m.trustDomain === "cluster.local") {
          report("MF1023", path, {
            message: `mesh "${m.name}" keeps Istio's default trust domain "cluster.local"`,
            fix: `set a trust domain of its own, e.g. "${m.name}.${federation.name}.internal"`,
            value: m.trustDomain,
          });
        }
      });
    },
  },
  {
    name: "consumer-trust-domain-differs",
    description: "No consumer is in a mesh with the exporter's trust domain.",
    check({ federation, report }) {
      for (const e of federation.exports) {
        const exporter = federation.meshes.find((m) => m.name === e.mesh);
        for (const c of e.consumers) {
          const consumer = federation.meshes.find((m) => m.name === c.principal.mesh);
          if (!exporter || !consumer || consumer === exporter || consumer.trustDomain !== exporter.trustDomain) continue;
          report("MF1031", consumerPath(e.index, c.index), {
            message: `consumer "${principalString(c.principal)}" is in mesh "${consumer.name}", which shares trust domain "${exporter.trustDomain}" with exporter "${exporter.name}": every workload of "${consumer.name}" would pass the guard as a local caller`,
            fix: `give mesh "${consumer.name}" or "${exporter.name}" a trust domain of its own`,
            value: principalString(c.principal),
          });
        }
      }
    },
  },
  {
    name: "gateway-port",
    description: "East-west gateways use Istio's AUTO_PASSTHROUGH port 15443.",
    check({ federation, report }) {
      federation.meshes.forEach((m, i) => {
        if (m.eastWestGateway && m.eastWestGateway.port !== 15443) {
          report("MF1029", `${meshPath(i)}.eastWestGateway.port`, {
            message: `mesh "${m.name}" uses east-west gateway port ${m.eastWestGateway.port}, not 15443`,
            fix: "make sure the gateway's Service publishes this port (meshfed's install values do), or use 15443",
            value: m.eastWestGateway.port,
          });
        }
      });
    },
  },
];

/** Every rule, in the order they run: the core checks, then the refusals read from Istio's source. */
export const rules: readonly Rule[] = [...coreRules, ...safetyRules];

/** Runs every rule and returns their diagnostics, positioned through the source map. */
export function runRules(federation: Federation): Diagnostic[] {
  const out: Diagnostic[] = [];
  const ctx: RuleContext = {
    federation,
    report(code, path, input) {
      const sm = federation.sourceMap;
      // A defaulted field has no position of its own: point at the nearest enclosing one written.
      let position;
      for (let p = path; p && !position; p = p.replace(/(\.[^.[\]]+|\[\d+\])$/, "")) {
        position = sm?.values.get(p) ?? sm?.keys.get(p);
        if (p.replace(/(\.[^.[\]]+|\[\d+\])$/, "") === p) break;
      }
      out.push(diagnostic(code, { ...input, path, ...(position ? { position } : {}) }));
    },
  };
  for (const rule of rules) rule.check(ctx);
  return out;
}
