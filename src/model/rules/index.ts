import { diagnostic, type Diagnostic, type SourcePosition } from "../../diagnostics/diagnostic.js";
import type { ArgsOf, Code, Severity, TemplatedCode, UntemplatedCode } from "../../diagnostics/codes.js";
import type { Federation } from "../types.js";
import { clusterNameRules } from "./cluster-name-rules.js";
import { releaseRules } from "./release-rules.js";
import { safetyRules } from "./safety-rules.js";
import { networkRules } from "./network-rules.js";

/** What a rule reports through: builds diagnostics positioned by JSON path. */
export interface RuleContext {
  readonly federation: Federation;
  /** Reports `code` at a JSON path, its message and fix from the code's templates. */
  report<C extends TemplatedCode>(code: C, path: string, args: ArgsOf<C>, where?: RuleWhere): void;
  /** The hand-written form, for a code merged before its templates. */
  report(code: UntemplatedCode, path: string, input: RuleWhere & { readonly message: string; readonly fix: string }): void;
}

/** What a rule may add to a finding besides its path: the offending value, a severity override. */
export interface RuleWhere {
  readonly value?: unknown;
  readonly severity?: Severity;
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
const principalString = (p: { mesh: string; namespace: string; serviceAccount: string }) => `${p.mesh}/${p.namespace}/${p.serviceAccount}`;

const coreRules: readonly Rule[] = [
  {
    name: "unique-mesh-names",
    description: "Mesh names are unique.",
    check({ federation, report }) {
      const seen = new Map<string, number>();
      federation.meshes.forEach((m, i) => {
        const first = seen.get(m.name);
        if (first !== undefined) {
          report("MF1012", `${meshPath(i)}.name`, { mesh: m.name, first }, { value: m.name });
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
      for (const e of federation.exports) {
        if (!known.has(e.mesh)) {
          const exportRef = `${e.mesh}/${e.namespace}/${e.name}`;
          report("MF1013", `${exportPath(e.index)}.service`, { subject: "export", ref: exportRef, mesh: e.mesh, declared: names }, { value: e.mesh });
        }
        for (const c of e.consumers) {
          if (!known.has(c.principal.mesh)) {
            const consumer = principalString(c.principal);
            report(
              "MF1013",
              consumerPath(e.index, c.index),
              { subject: "consumer", ref: consumer, mesh: c.principal.mesh, declared: names },
              { value: consumer },
            );
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
            const consumer = principalString(c.principal);
            report("MF1014", consumerPath(e.index, c.index), { consumer, mesh: e.mesh }, { value: consumer });
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
        report("MF1015", `${meshPath(i)}.name`, { mesh: mesh.name, exportRef: `${e.mesh}/${e.namespace}/${e.name}` }, { value: mesh.name });
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
          report("MF1016", `${exportPath(e.index)}.service`, { exportRef: key, first }, { value: key });
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
            report(
              "MF1020",
              `${exportPath(e.index)}.ports[${i}].number`,
              { port: p.number, exportRef: `${e.mesh}/${e.namespace}/${e.name}` },
              { value: p.number },
            );
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
            report("MF1021", consumerPath(e.index, c.index), { consumer: key, exportRef: `${e.mesh}/${e.namespace}/${e.name}` }, { value: key });
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
          report("MF1026", `${exportPath(e.index)}.consumers`, { exportRef: `${e.mesh}/${e.namespace}/${e.name}` });
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
            report("MF1030", path, { namespace: nsKey, exportRef: exported, earlier, alias: c.alias }, { value: c.alias });
          }
          aliasByNamespace.set(nsKey, earlier ?? c.alias);
          const consumerMesh = federation.meshes.find((m) => m.name === c.principal.mesh);
          if (consumerMesh && c.alias.endsWith(`.svc.${consumerMesh.clusterDomain}`)) {
            const defaultAlias = `${e.name}.${e.namespace}.${e.mesh}.${federation.importDomain}`;
            report("MF2002", path, { alias: c.alias, mesh: consumerMesh.name, defaultAlias, clusterDomain: consumerMesh.clusterDomain }, { value: c.alias });
          }
          const key = `${c.principal.mesh}/${c.principal.namespace}/${c.alias}`;
          const owner = seen.get(key);
          if (owner !== undefined && owner !== exported) {
            report("MF1017", path, { alias: c.alias, namespace: nsKey, owner, exportRef: exported }, { value: c.alias });
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
          report("MF1018", path, { mesh: m.name, other, trustDomain: m.trustDomain, federation: federation.name }, { value: m.trustDomain });
        } else seen.set(m.trustDomain, m.name);
        if (m.trustDomain === "cluster.local") {
          report("MF1023", path, { mesh: m.name, federation: federation.name }, { value: m.trustDomain });
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
          const principal = principalString(c.principal);
          report(
            "MF1031",
            consumerPath(e.index, c.index),
            { consumer: principal, consumerMesh: consumer.name, exporterMesh: exporter.name, trustDomain: exporter.trustDomain },
            { value: principal },
          );
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
          report("MF1029", `${meshPath(i)}.eastWestGateway.port`, { mesh: m.name, port: m.eastWestGateway.port }, { value: m.eastWestGateway.port });
        }
      });
    },
  },
];

/** Every rule, in the order they run: the core checks, then the refusals read from Istio's source. */
export const rules: readonly Rule[] = [...coreRules, ...safetyRules, ...releaseRules, ...clusterNameRules, ...networkRules];

/** Runs every rule and returns their diagnostics, positioned through the source map. */
export function runRules(federation: Federation): Diagnostic[] {
  const out: Diagnostic[] = [];
  const ctx: RuleContext = {
    federation,
    report(code: Code, path: string, args: unknown, where?: RuleWhere) {
      const sm = federation.sourceMap;
      // A defaulted field has no position of its own: point at the nearest enclosing one written.
      let position: SourcePosition | undefined;
      for (let p = path; p && !position; p = p.replace(/(\.[^.[\]]+|\[\d+\])$/, "")) {
        position = sm?.values.get(p) ?? sm?.keys.get(p);
        if (p.replace(/(\.[^.[\]]+|\[\d+\])$/, "") === p) break;
      }
      // One of the two forms above; diagnostic() tells them apart by whether the code has templates.
      out.push(diagnostic(code as "MF1020", args as ArgsOf<"MF1020">, { ...where, path, ...(position ? { position } : {}) }));
    },
  };
  for (const rule of rules) rule.check(ctx);
  return out;
}
