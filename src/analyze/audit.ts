import { istioPrincipal, serviceFqdn } from "../compile/keys.js";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Federation } from "../model/types.js";
import type { ProbeSpec, Verdict } from "../verify/types.js";
import { selects } from "../verify/mesh-index.js";
import type { World } from "../verify/verify-scenario.js";
import { checkSelectorCoverage } from "./selector-coverage.js";

/** One cross-mesh permission: a principal may call host:port in a mesh. */
export interface Grant {
  readonly principal: string;
  readonly mesh: string;
  readonly host: string;
  readonly port: number;
}

const grantKey = (g: Grant) => `${g.principal} -> ${g.mesh}/${g.host}:${g.port}`;

/** Every (principal, service, port) the federation file intends. */
export function intendedGrants(federation: Federation): Grant[] {
  const out: Grant[] = [];
  for (const e of federation.exports) {
    const exporter = federation.meshes.find((m) => m.name === e.mesh);
    if (!exporter) continue;
    for (const c of e.consumers) {
      const consumer = federation.meshes.find((m) => m.name === c.principal.mesh);
      if (!consumer) continue;
      for (const p of e.ports) {
        out.push({ principal: istioPrincipal(consumer.trustDomain, c.principal), mesh: e.mesh, host: serviceFqdn(e, exporter), port: p.number });
      }
    }
  }
  return out;
}

/**
 * Probes for a scenario that lists none: every workload (with a sidecar) of every mesh calls
 * every host of every ServiceEntry visible to its namespace that leads to another mesh's
 * east-west gateway, on every port. Services of other meshes that nobody imports have no name
 * a client could dial; they are covered by the exposure.
 */
export function deriveProbes(world: World): ProbeSpec[] {
  const probes: ProbeSpec[] = [];
  const gatewayOwner = new Map(world.meshes.flatMap((m) => (m.spec.eastWestGateway ? [[m.spec.eastWestGateway.address, m.spec.name] as const] : [])));
  for (const mesh of world.meshes) {
    const leadsElsewhere = (address: string) => gatewayOwner.has(address) && gatewayOwner.get(address) !== mesh.spec.name;
    const imports = mesh.services.filter((s) => s.source === "serviceentry" && s.endpoints.some((e) => leadsElsewhere(e.address)));
    for (const w of mesh.workloads.filter((x) => x.sidecar)) {
      for (const svc of imports) {
        const visible = svc.exportTo.some((e) => e === "*" || e === w.namespace || (e === "." && svc.namespace === w.namespace));
        if (!visible) continue;
        for (const p of svc.ports) {
          probes.push({
            name: `${mesh.spec.name}/${w.name} -> ${svc.hostname}:${p.port}`,
            from: { mesh: mesh.spec.name, namespace: w.namespace, serviceAccount: w.serviceAccount, labels: w.labels },
            to: { host: svc.hostname, port: p.port },
          });
        }
      }
    }
  }
  return probes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** `outbound_.<port>_.<subset>_.<host>` → host and port. */
function parseSni(sni: string): { host: string; port: number } | undefined {
  const m = /^outbound_\.(\d+)_\.[^_]*_\.(.+)$/.exec(sni);
  return m ? { port: Number(m[1]), host: m[2] as string } : undefined;
}

/**
 * Exports whose Service or pods are not among the given resources (rendered files alone, a
 * partial dump): verify cannot follow calls to them, so it says so once per export (MF3223)
 * instead of reporting every intended call as unreachable. Returns their `mesh/host` keys.
 */
function unjudgedExports(federation: Federation, world: World, findings: Diagnostic[]): Set<string> {
  const out = new Set<string>();
  for (const e of federation.exports) {
    const exporter = federation.meshes.find((m) => m.name === e.mesh);
    if (!exporter) continue;
    const host = serviceFqdn(e, exporter);
    const mesh = world.meshes.find((m) => m.spec.name === e.mesh);
    const svc = mesh?.services.find((s) => s.source === "kubernetes" && s.hostname === host);
    const pods =
      svc && mesh ? mesh.workloads.filter((w) => w.namespace === e.namespace && Object.keys(svc.selector).length > 0 && selects(svc.selector, w.labels)) : [];
    if (pods.length > 0) continue;
    out.add(`${e.mesh}/${host}`);
    const missing = !mesh ? "mesh" : !svc ? "service" : "pod";
    findings.push(
      diagnostic("MF3223", { mesh: e.mesh, namespace: e.namespace, name: e.name, missing }, { resource: `${e.mesh}: Service ${e.namespace}/${e.name}` }),
    );
  }
  return out;
}

/**
 * The least-privilege audit: every reachable cross-mesh (principal, service, port) must be
 * intended by the model, and every intended one reachable.
 */
export function auditAgainstModel(federation: Federation, world: World, probes: readonly ProbeSpec[], verdict: Verdict): Diagnostic[] {
  const findings: Diagnostic[] = [];
  const intended = new Map(intendedGrants(federation).map((g) => [grantKey(g), g]));
  const reached = new Map<string, string>();
  const tried = new Map<string, string[]>();
  verdict.probes.forEach((pv, i) => {
    const probe = probes[i];
    if (!probe) return;
    const src = world.meshes.find((m) => m.spec.name === probe.from.mesh);
    if (!src) return;
    const principal = `${src.spec.trustDomain}/ns/${probe.from.namespace}/sa/${probe.from.serviceAccount}`;
    const gw = pv.hops.find((h) => h.at === "gateway");
    const target = gw && gw.at === "gateway" && gw.matched ? parseSni(gw.matched) : undefined;
    // A call denied before the gateway names no exported service; intended grants it was
    // meant to exercise are reported below as unreachable.
    if (gw?.at !== "gateway" || !target) return;
    const grant: Grant = { principal, mesh: gw.mesh, host: target.host, port: target.port };
    const key = grantKey(grant);
    if (pv.verdict === "allow") {
      reached.set(key, pv.name);
      if (!intended.has(key) && src.spec.name !== gw.mesh) {
        findings.push(
          diagnostic(
            "MF3220",
            { principal, mesh: gw.mesh, host: target.host, port: target.port, probe: pv.name, fromMesh: probe.from.mesh, fromNamespace: probe.from.namespace },
            { resource: `${gw.mesh}: Service ${target.host}:${target.port}` },
          ),
        );
      }
    } else {
      tried.set(key, [...(tried.get(key) ?? []), `${pv.name}: denied at ${pv.deniedAt} (${pv.reason})`]);
    }
  });
  const unjudged = unjudgedExports(federation, world, findings);
  const principalsWithWorkloads = new Set(
    world.meshes.flatMap((m) => m.workloads.map((w) => `${m.spec.trustDomain}/ns/${w.namespace}/sa/${w.serviceAccount}`)),
  );
  for (const [key, g] of intended) {
    if (reached.has(key) || unjudged.has(`${g.mesh}/${g.host}`)) continue;
    const exposed = verdict.exposure.find((x) => x.mesh === g.mesh && x.host === g.host && x.port === g.port);
    const admitted = exposed && (exposed.admits.includes("*") || exposed.admits.includes(g.principal));
    // Without a workload of that identity in the scenario no probe can show the call; the
    // exposure still says whether the gateway routes it and the destination admits it.
    if (!principalsWithWorkloads.has(g.principal) && admitted) continue;
    const why =
      tried.get(key)?.[0] ??
      (exposed ? (admitted ? "no probe reached it" : "the destination does not admit it") : `${g.mesh}'s east-west gateway does not route ${g.host}:${g.port}`);
    findings.push(
      diagnostic("MF3221", { principal: g.principal, mesh: g.mesh, host: g.host, port: g.port, why }, { resource: `${g.mesh}: Service ${g.host}:${g.port}` }),
    );
  }
  const exported = new Set([...intended.values()].map((g) => `${g.mesh}/${g.host}:${g.port}`));
  for (const x of verdict.exposure) {
    const where = `${x.mesh}/${x.host}:${x.port}`;
    const extra = x.admits.filter((p) => p === "*" || !intended.has(grantKey({ principal: p, mesh: x.mesh, host: x.host, port: x.port })));
    if (!exported.has(where) || extra.length > 0) {
      findings.push(
        diagnostic(
          "MF3222",
          !exported.has(where)
            ? { problem: "not-exported", mesh: x.mesh, host: x.host, port: x.port, admits: x.admits }
            : { problem: "extra-consumers", mesh: x.mesh, host: x.host, port: x.port, extra },
          { resource: `${x.mesh}: Service ${x.host}:${x.port}` },
        ),
      );
    }
  }
  return [...findings, ...checkSelectorCoverage(federation, world)];
}
