import { customPoliciesFor, policiesFor } from "./authz.js";
import { parseCidrRange } from "./ip-cidr.js";
import { configsOf, type MeshIndex, type Workload } from "./mesh-index.js";
import { gatewayIp } from "./server-hop.js";
import type { Resource } from "./types.js";
import type { World } from "./verify-scenario.js";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";

/** One declared gap: a resource's field that decides calls to these workloads in a way verify does not reproduce. */
interface Gap {
  readonly mesh: MeshIndex;
  readonly resource: Resource;
  readonly field: string;
  readonly why: string;
  readonly workloads: Set<string>;
}

const sourceIpKeys = ["ipBlocks", "notIpBlocks", "remoteIpBlocks", "notRemoteIpBlocks"];

/** The first path of a rule field matching on the source address, or undefined (a `/0` range matches every IPv4 peer and needs no address). */
function sourceAddressField(p: Resource): string | undefined {
  const needsAddress = (values: unknown) => Array.isArray(values) && values.some((v) => parseCidrRange(String(v))?.prefix !== 0);
  const rules: any[] = Array.isArray(p.spec.rules) ? p.spec.rules : [];
  for (let i = 0; i < rules.length; i++) {
    const froms: any[] = Array.isArray(rules[i]?.from) ? rules[i].from : [];
    for (let f = 0; f < froms.length; f++)
      for (const k of sourceIpKeys) if (needsAddress(froms[f]?.source?.[k])) return `spec.rules[${i}].from[${f}].source.${k}`;
    const whens: any[] = Array.isArray(rules[i]?.when) ? rules[i].when : [];
    for (let j = 0; j < whens.length; j++) {
      const key = String(whens[j]?.key ?? "");
      if ((key === "source.ip" || key === "remote.ip") && (needsAddress(whens[j]?.values) || needsAddress(whens[j]?.notValues)))
        return `spec.rules[${i}].when[${j}]`;
    }
  }
  return undefined;
}

/**
 * MF3299 findings: configuration Istio acts on that verify does not model, so the verdicts and
 * exposure entries of the workloads it applies to could be wrong. Declared today:
 *
 * - a CUSTOM AuthorizationPolicy whose provider istiod resolves: the external authorizer decides;
 * - a rule on the source address (`ipBlocks`, `remoteIpBlocks`, their `not*` forms, `when`
 *   `source.ip` / `remote.ip`) of a mesh whose east-west gateway pod is not in the input: the
 *   server sidecar sees the gateway pod's address, which verify then does not know;
 * - AuthorizationPolicies in the namespace of a Gateway API gateway workload (label
 *   `gateway.networking.k8s.io/gateway-name`), which attaches them by targetRefs.
 */
export function notModelledFindings(world: World): Diagnostic[] {
  const gaps = new Map<Resource, Gap>();
  const note = (mesh: MeshIndex, resource: Resource, field: string, why: string, w: Workload) => {
    let g = gaps.get(resource);
    if (!g) {
      g = { mesh, resource, field, why, workloads: new Set() };
      gaps.set(resource, g);
    }
    g.workloads.add(w.name);
  };
  for (const mesh of world.meshes) {
    const unknownSource = gatewayIp(mesh) === "";
    for (const w of mesh.workloads) {
      // A Gateway API gateway (policyattachment.go workloadGatewayName) ignores selector policies
      // and takes targetRefs ones; verify models sidecars only.
      if (
        w.labels["gateway.networking.k8s.io/gateway-name"] !== undefined &&
        configsOf(mesh, "AuthorizationPolicy").some((p) => p.namespace === w.namespace || p.namespace === mesh.rootNamespace)
      ) {
        note(
          mesh,
          w.resource,
          "metadata.labels.gateway.networking.k8s.io/gateway-name",
          "a Gateway API gateway attaches AuthorizationPolicies by targetRefs, not by selector",
          w,
        );
      }
      if (!w.sidecar) continue;
      for (const p of customPoliciesFor(mesh, w).external) {
        note(
          mesh,
          p,
          "spec.provider.name",
          `CUSTOM action: extension provider "${String(p.spec.provider?.name)}" (an external authorizer) decides the calls its rules match, and verify cannot know its answer`,
          w,
        );
      }
      if (!unknownSource) continue;
      for (const p of policiesFor(mesh, w)) {
        const field = sourceAddressField(p);
        if (field) note(mesh, p, field, "the rule matches on the source address, which is the east-west gateway pod's IP, and the input has no gateway pod", w);
      }
    }
  }
  const out: Diagnostic[] = [];
  for (const g of gaps.values()) {
    const r = g.resource;
    const names = [...g.workloads].sort();
    out.push(
      diagnostic(
        "MF3299",
        {
          resource: { file: r.file, line: r.line, kind: r.kind, namespace: r.namespace, name: r.name },
          field: g.field,
          why: g.why,
          mesh: g.mesh.spec.name,
          workloads: names,
        },
        { path: g.field, position: { file: r.file, line: r.line, column: 1 }, resource: `${g.mesh.spec.name}: ${r.kind} ${r.namespace}/${r.name}` },
      ),
    );
  }
  return out;
}
