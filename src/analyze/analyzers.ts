import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { ArgsOf, Code, TemplatedCode, UntemplatedCode } from "../diagnostics/codes.js";
import { destinationRuleFor, outboundSniFor, tlsForPort } from "../verify/destination-rule.js";
import { configsOf, lookups, selects, spiffeId, type MeshIndex, type MeshService } from "../verify/mesh-index.js";
import { mtlsModeFor, trustDomainsForValidation } from "../verify/server-hop.js";
import type { Resource } from "../verify/types.js";
import type { GatewayListener } from "../verify/gateway-chains.js";
import type { World } from "../verify/verify-scenario.js";

/**
 * Static analyzers over a scenario's configuration, one per finding, in the style of
 * `istioctl analyze`: each has a name, the code it reports, a description, and a pure check.
 * They complement the probes: a probe says what happens to one call, a finding says which
 * resource makes a class of calls go wrong, and how to fix it.
 */
export interface Analyzer {
  readonly name: string;
  readonly code: string;
  readonly description: string;
  analyze(world: World, report: Reporter): void;
}

/** Codes whose templates open with the finding's subject (`<mesh>: <Kind> <namespace>/<name>`, or `mesh <name>`). */
export type AnalyzerCode = { [C in TemplatedCode]: ArgsOf<C> extends { subject: string } ? C : never }[TemplatedCode];

/** A code's template arguments but for the subject, which the reporter fills in from the mesh and resource. */
type WithoutSubject<A> = A extends unknown ? Omit<A, "subject"> : never;

/** How an analyzer reports a finding: the code, where, and the code's template arguments but the subject. */
export interface Reporter {
  <C extends AnalyzerCode>(code: C, mesh: MeshIndex, resource: Resource | undefined, args: WithoutSubject<ArgsOf<C>>): void;
  /** The hand-written form, for a code merged before its templates. */
  (code: UntemplatedCode, mesh: MeshIndex, resource: Resource | undefined, message: string, fix: string): void;
}

function ref(mesh: MeshIndex, r: Resource): string {
  return `${mesh.spec.name}: ${r.kind} ${r.namespace}/${r.name}`;
}

/** An AUTO_PASSTHROUGH Gateway server with its hosts. */
interface PassthroughServer {
  readonly gateway: Resource;
  readonly hosts: string[];
}

const passthroughCache = new WeakMap<GatewayListener, PassthroughServer[]>();

/**
 * Gateway servers in AUTO_PASSTHROUGH mode that listen where the east-west gateway's port
 * arrives, with their hosts: a server may give the gateway Service's port or its targetPort
 * (model/gateway.go resolvePorts), so it is matched as the listener is, not by its number.
 * Found once per listener: three analyzers ask.
 */
function passthroughServers(world: World, mesh: MeshIndex): readonly PassthroughServer[] {
  const gl = world.listener(mesh);
  if (!gl) return [];
  let out = passthroughCache.get(gl);
  if (!out) {
    out = [];
    for (const gw of gl.gateways) {
      for (const s of Array.isArray(gw.spec.servers) ? gw.spec.servers : []) {
        if (gl.listensOnArrival(Number(s?.port?.number)) && String(s?.tls?.mode ?? "") === "AUTO_PASSTHROUGH") {
          out.push({ gateway: gw, hosts: Array.isArray(s.hosts) ? s.hosts.map(String) : [] });
        }
      }
    }
    passthroughCache.set(gl, out);
  }
  return out;
}

/** A ServiceEntry whose endpoint is another mesh's east-west gateway, with the DestinationRule its own namespace gets. */
interface CrossMeshImport {
  readonly mesh: MeshIndex;
  readonly svc: MeshService;
  readonly target: MeshIndex;
  readonly dr: Resource | undefined;
  /** The rule's TLS block for each port, in `svc.ports` order (tlsForPort), looked up once for the analyzers that read it. */
  readonly tls: readonly (Record<string, any> | undefined)[];
}

const importCache = new WeakMap<World, CrossMeshImport[]>();

/** The cross-mesh imports of every mesh, found once per scenario and shared by the analyzers. */
function imports(world: World): CrossMeshImport[] {
  const hit = importCache.get(world);
  if (hit) return hit;
  const out: CrossMeshImport[] = [];
  const gateways = meshesByGatewayAddress(world);
  for (const mesh of world.meshes) {
    const seen = new Set<Resource>();
    // The loop's body is a function of its own: V8 optimizes a long loop together with its whole function.
    for (const svc of mesh.services) if (svc.source === "serviceentry" && !seen.has(svc.resource)) addImport(gateways, mesh, svc, seen, out);
  }
  importCache.set(world, out);
  return out;
}

/** The meshes with an east-west gateway at each address, in world order. */
function meshesByGatewayAddress(world: World): Map<string, MeshIndex[]> {
  const out = new Map<string, MeshIndex[]>();
  for (const m of world.meshes) {
    const address = m.spec.eastWestGateway?.address;
    if (address === undefined) continue;
    const list = out.get(address);
    if (list) list.push(m);
    else out.set(address, [m]);
  }
  return out;
}

/** A ServiceEntry's service as a cross-mesh import, when an endpoint is another mesh's east-west gateway (each ServiceEntry once). */
function addImport(gateways: Map<string, MeshIndex[]>, mesh: MeshIndex, svc: MeshService, seen: Set<Resource>, out: CrossMeshImport[]): void {
  let target: MeshIndex | undefined;
  for (const ep of svc.endpoints) target ??= otherMeshAt(gateways, ep.address, mesh);
  if (!target) return;
  seen.add(svc.resource);
  const dr = destinationRuleFor(mesh, svc.namespace, svc);
  out.push({ mesh, svc, target, dr, tls: svc.ports.map((p) => tlsForPort(dr, p.port)) });
}

/** The first mesh other than `mesh` whose east-west gateway is at `address`. */
function otherMeshAt(gateways: Map<string, MeshIndex[]>, address: string, mesh: MeshIndex): MeshIndex | undefined {
  for (const m of gateways.get(address) ?? []) if (m !== mesh) return m;
  return undefined;
}

const exposedCache = new WeakMap<World, ExposedPort[]>();

/** Kubernetes Service ports an AUTO_PASSTHROUGH chain of some mesh's east-west gateway routes to (found once per scenario). */
function exposedServicePorts(world: World): ExposedPort[] {
  const hit = exposedCache.get(world);
  if (hit) return hit;
  const out: ExposedPort[] = [];
  for (const mesh of world.meshes) {
    for (const c of world.listener(mesh)?.chains ?? []) {
      if (c.passthrough && c.service && c.port && c.service.source === "kubernetes") out.push({ mesh, svc: c.service, port: c.port });
    }
  }
  exposedCache.set(world, out);
  return out;
}

/** Namespaces that can see a resource with this exportTo (for a consumer-side import). */
function exportedBeyondNamespace(exportTo: readonly string[], own: string): boolean {
  return !(exportTo.length > 0 && exportTo.every((e) => e === "." || e === own));
}

/*
 * The checks of one item for the analyzers below. The analyzers run once, each over thousands
 * of imports or exposed ports: their loops are one function, `each`, which V8 compiles once for
 * all of them, and each per-item check is a small function it optimizes as it gets hot. A loop
 * of its own in each analyzer was compiled on the stack, analyzer after analyzer, which on a
 * short run costs more than the loops it speeds up.
 */

/** Calls `check` on every item (the analyzers' shared loop, see above). */
function each<T>(items: readonly T[], check: (item: T) => void): void {
  for (let i = 0; i < items.length; i++) check(items[i]!);
}

/** MF3203: the first port of an import that does not originate ISTIO_MUTUAL. */
function plaintextImport({ mesh, svc, target, dr, tls }: CrossMeshImport, report: Reporter): void {
  for (let i = 0; i < svc.ports.length; i++) {
    const mode = String(tls[i]?.mode ?? "");
    if (mode !== "ISTIO_MUTUAL") {
      report("MF3203", mesh, svc.resource, {
        host: svc.hostname,
        port: svc.ports[i]!.port,
        target: target.spec.name,
        namespace: svc.namespace,
        ...(dr ? { destinationRule: `${dr.namespace}/${dr.name}` } : {}),
        mode,
      });
      return;
    }
  }
}

const servedCache = new WeakMap<GatewayListener, Set<string>>();

/** The server names of a listener's chains (found once per listener). */
function servedNames(gl: GatewayListener): Set<string> {
  let served = servedCache.get(gl);
  if (!served) {
    served = new Set(gl.chains.flatMap((c) => c.serverNames));
    servedCache.set(gl, served);
  }
  return served;
}

/** MF3204: the ISTIO_MUTUAL ports of an import whose SNI the target's gateway does not serve. */
function sniMismatch(world: World, { mesh, svc, target, dr, tls: portTls }: CrossMeshImport, report: Reporter): void {
  const gl = world.listener(target);
  if (!gl) return;
  const served = servedNames(gl);
  for (let i = 0; i < svc.ports.length; i++) {
    const p = svc.ports[i]!;
    const tls = portTls[i];
    if (String(tls?.mode ?? "") !== "ISTIO_MUTUAL") continue;
    const sni = typeof tls?.sni === "string" && tls.sni ? tls.sni : outboundSniFor(p.port, svc.hostname);
    if (!served.has(sni)) {
      const expected = [...served].filter((n) => n.startsWith(`outbound_.${p.port}_.`));
      report("MF3204", mesh, dr ?? svc.resource, { host: svc.hostname, port: p.port, sni, target: target.spec.name, expected });
    }
  }
}

/** MF3212: the first ISTIO_MUTUAL port of an import whose DestinationRule names no SANs. */
function importWithoutSan({ mesh, svc, target, dr, tls: portTls }: CrossMeshImport, report: Reporter): void {
  // Both hold for every port or for none: the finding is about a rule, and a ServiceEntry's own subjectAltNames are verified anyway.
  if (!dr || svc.subjectAltNames.length > 0) return;
  for (let i = 0; i < svc.ports.length; i++) {
    const tls = portTls[i];
    if (String(tls?.mode ?? "") === "ISTIO_MUTUAL" && !(Array.isArray(tls?.subjectAltNames) && tls.subjectAltNames.length > 0)) {
      report("MF3212", mesh, dr, { host: svc.hostname, port: svc.ports[i]!.port, target: target.spec.name, trustDomain: target.spec.trustDomain });
      return;
    }
  }
}

/** MF3214: an import, or its DestinationRule, visible beyond the consumer namespace. */
function importVisibleBeyondNamespace({ mesh, svc, dr }: CrossMeshImport, report: Reporter): void {
  if (exportedBeyondNamespace(svc.exportTo, svc.namespace)) {
    report("MF3214", mesh, svc.resource, { what: "import", host: svc.hostname, exportTo: svc.exportTo, namespace: svc.namespace });
  }
  if (dr) {
    const exportTo = Array.isArray(dr.spec.exportTo) ? dr.spec.exportTo.map(String) : ["*"];
    if (exportedBeyondNamespace(exportTo, dr.namespace)) {
      report("MF3214", mesh, dr, { what: "destination-rule", host: svc.hostname, namespace: dr.namespace });
    }
  }
}

/** MF3205: an import whose target mesh (of the same root) does not accept the importer's trust domain. */
function trustDomainNotAccepted({ mesh, svc, target }: CrossMeshImport, report: Reporter): void {
  const accepted = trustDomainsForValidation(target);
  if (accepted.length > 0 && !accepted.includes(mesh.spec.trustDomain) && mesh.spec.rootCA === target.spec.rootCA) {
    report("MF3205", target, undefined, {
      mesh: target.spec.name,
      accepted,
      importer: mesh.spec.name,
      importerTrustDomain: mesh.spec.trustDomain,
      host: svc.hostname,
    });
  }
}

/** A Kubernetes Service port an AUTO_PASSTHROUGH chain routes to. */
interface ExposedPort {
  readonly mesh: MeshIndex;
  readonly svc: MeshService;
  readonly port: number;
}

/** MF3211: the sidecar pods behind an exposed port whose mTLS is PERMISSIVE or DISABLE (each pod and target port once). */
function exportedWorkloadPermissive({ mesh, svc, port: exposed }: ExposedPort, done: Set<string>, report: Reporter): void {
  const port = svc.ports.find((p) => p.port === exposed);
  const inNamespace = Object.keys(svc.selector).length > 0 ? (lookups(mesh).workloadsByNamespace.get(svc.namespace) ?? []) : [];
  for (const w of inNamespace.filter((x) => selects(svc.selector, x.labels) && x.sidecar)) {
    const target = typeof port?.targetPort === "number" ? port.targetPort : exposed;
    const key = `${mesh.spec.name}/${w.name}:${target}`;
    if (done.has(key)) continue;
    done.add(key);
    const { mode, policy } = mtlsModeFor(mesh, w, target);
    if (mode === "PERMISSIVE" || mode === "DISABLE") {
      report("MF3211", mesh, policy ?? w.resource, {
        workload: w.name,
        targetPort: target,
        host: svc.hostname,
        port: exposed,
        mode,
        defaulted: !policy,
      });
    }
  }
}

/** MF3215: an exposed port whose protocol Istio cannot tell from its name (each once). */
function exportedPortWithoutProtocol({ mesh, svc, port }: ExposedPort, done: Set<string>, report: Reporter): void {
  const p = svc.ports.find((x) => x.port === port);
  const key = `${mesh.spec.name}/${svc.hostname}:${port}`;
  if (!p || done.has(key)) return;
  done.add(key);
  if (p.protocol === "UNSUPPORTED") {
    report("MF3215", mesh, svc.resource, { port: p.port, portName: p.name, host: svc.hostname });
  }
}

/** Protocols a sidecar routes by name (Host header or SNI) rather than by address. */
const namedProtocols = new Set(["HTTP", "HTTP2", "GRPC", "HTTPS", "TLS"]);

export const analyzers: readonly Analyzer[] = [
  {
    name: "wildcard-passthrough-host",
    code: "MF3201",
    description: "AUTO_PASSTHROUGH servers list exact hosts, never wildcards.",
    analyze(world, report) {
      for (const mesh of world.meshes) {
        for (const { gateway, hosts } of passthroughServers(world, mesh)) {
          for (const h of hosts) {
            const bare = h.includes("/") ? h.slice(h.indexOf("/") + 1) : h;
            if (bare.includes("*")) {
              report("MF3201", mesh, gateway, { host: h });
            }
          }
        }
      }
    },
  },
  {
    name: "namespace-wildcard-host",
    code: "MF3202",
    description: "AUTO_PASSTHROUGH hosts carry no namespace prefix.",
    analyze(world, report) {
      for (const mesh of world.meshes) {
        for (const { gateway, hosts } of passthroughServers(world, mesh)) {
          for (const h of hosts) {
            if (h.includes("/") && !h.startsWith("./") && !h.startsWith("*/")) {
              report("MF3202", mesh, gateway, { host: h, clusterDomain: mesh.spec.clusterDomain });
            }
          }
        }
      }
    },
  },
  {
    name: "overlapping-passthrough-servers",
    code: "MF3210",
    description: "No two AUTO_PASSTHROUGH chains on one port share an SNI.",
    analyze(world, report) {
      for (const mesh of world.meshes) {
        const gl = world.listener(mesh);
        if (!gl) continue;
        for (const sk of gl.skipped) {
          if (sk.holder !== undefined)
            report("MF3210", mesh, sk.gateway, {
              problem: "protocol-conflict",
              server: sk.serverIndex,
              holder: sk.holder,
              port: mesh.spec.eastWestGateway?.port,
            });
          else
            report("MF3210", mesh, sk.gateway, { problem: "repeated-hosts", server: sk.serverIndex, hosts: sk.hosts, port: mesh.spec.eastWestGateway?.port });
        }
        if (gl.conflicts.length === 0) continue;
        const culprits = gl.chains.filter((c) => c.passthrough && c.serverNames.some((n) => gl.conflicts.includes(n)));
        for (const gw of [...new Set(culprits.map((c) => c.gateway))]) {
          report("MF3210", mesh, gw, { problem: "overlapping-sni", port: mesh.spec.eastWestGateway?.port, conflicts: gl.conflicts });
        }
      }
    },
  },
  {
    name: "authz-on-passthrough-gateway",
    code: "MF3209",
    description: "Authorization for cross-mesh calls sits on the destination, not the AUTO_PASSTHROUGH gateway.",
    analyze(world, report) {
      for (const mesh of world.meshes) {
        const gl = world.listener(mesh);
        if (!gl || passthroughServers(world, mesh).length === 0) continue;
        for (const ap of configsOf(mesh, "AuthorizationPolicy")) {
          const sel = ap.spec.selector?.matchLabels as Record<string, string> | undefined;
          const applies =
            ap.namespace === gl.proxy.namespace
              ? !sel || selects(sel, gl.proxy.labels)
              : ap.namespace === mesh.rootNamespace && (!sel || selects(sel, gl.proxy.labels));
          if (applies && sel) {
            report("MF3209", mesh, ap, {});
          }
        }
      }
    },
  },
  {
    name: "plaintext-import",
    code: "MF3203",
    description: "Every cross-mesh import originates ISTIO_MUTUAL.",
    analyze(world, report) {
      each(imports(world), (imp) => plaintextImport(imp, report));
    },
  },
  {
    name: "sni-mismatch",
    code: "MF3204",
    description: "Cross-mesh imports send an SNI the exporting gateway serves.",
    analyze(world, report) {
      each(imports(world), (imp) => sniMismatch(world, imp, report));
    },
  },
  {
    name: "import-without-san",
    code: "MF3212",
    description: "Cross-mesh DestinationRules verify the server's SPIFFE ID.",
    analyze(world, report) {
      each(imports(world), (imp) => importWithoutSan(imp, report));
    },
  },
  {
    name: "import-visible-beyond-namespace",
    code: "MF3214",
    description: "Cross-mesh ServiceEntries and DestinationRules are visible only in the consumer namespace.",
    analyze(world, report) {
      each(imports(world), (imp) => importVisibleBeyondNamespace(imp, report));
    },
  },
  {
    name: "tcp-serviceentry-without-addresses",
    code: "MF3208",
    description: "TCP ServiceEntries have addresses.",
    analyze(world, report) {
      for (const mesh of world.meshes) {
        const seen = new Set<Resource>();
        for (const svc of mesh.services) {
          if (svc.source !== "serviceentry" || seen.has(svc.resource)) continue;
          seen.add(svc.resource);
          const addresses = Array.isArray(svc.resource.spec.addresses) ? svc.resource.spec.addresses : [];
          if (addresses.length > 0 || svc.resolution === "NONE" || svc.meshExternal) continue;
          const tcp = svc.ports.filter((p) => !namedProtocols.has(p.protocol));
          if (tcp.length > 0) report("MF3208", mesh, svc.resource, { ports: tcp.map((p) => p.port) });
        }
      }
    },
  },
  {
    name: "duplicate-service-host",
    code: "MF3217",
    description: "One ServiceEntry per host in a namespace.",
    analyze(world, report) {
      for (const mesh of world.meshes) {
        const seen = new Map<string, Resource>();
        for (const svc of mesh.services) {
          if (svc.source !== "serviceentry") continue;
          const key = `${svc.namespace}\u0000${svc.hostname}`;
          const first = seen.get(key);
          if (first && first !== svc.resource) {
            report("MF3217", mesh, svc.resource, { host: svc.hostname, other: `${first.namespace}/${first.name}` });
          } else if (!first) seen.set(key, svc.resource);
        }
      }
    },
  },
  {
    name: "trust-domain-not-accepted",
    code: "MF3205",
    description: "Exporting meshes accept their consumers' trust domains.",
    analyze(world, report) {
      each(imports(world), (imp) => trustDomainNotAccepted(imp, report));
    },
  },
  {
    name: "trust-domain-aliases-widen",
    code: "MF3206",
    description: "Meshes accept other trust domains without trustDomainAliases.",
    analyze(world, report) {
      for (const mesh of world.meshes) {
        if (mesh.spec.trustDomainAliases.length > 0) {
          report("MF3206", mesh, undefined, { mesh: mesh.spec.name, aliases: mesh.spec.trustDomainAliases });
        }
      }
    },
  },
  {
    name: "shared-trust-domain",
    code: "MF3207",
    description: "Meshes that share a root have distinct trust domains.",
    analyze(world, report) {
      const seen = new Map<string, MeshIndex>();
      for (const mesh of world.meshes) {
        const key = `${mesh.spec.rootCA}\u0000${mesh.spec.trustDomain}`;
        const other = seen.get(key);
        if (other) {
          report("MF3207", mesh, undefined, { mesh: mesh.spec.name, other: other.spec.name, trustDomain: mesh.spec.trustDomain });
        } else seen.set(key, mesh);
      }
    },
  },
  {
    name: "identity-collision",
    code: "MF3213",
    description: "No SPIFFE identity exists in two meshes.",
    analyze(world, report) {
      const owners = new Map<string, { mesh: MeshIndex; resource: Resource }>();
      for (const mesh of world.meshes) {
        for (const w of mesh.workloads) {
          const id = spiffeId(mesh.spec.trustDomain, w.namespace, w.serviceAccount);
          const first = owners.get(id);
          if (first && first.mesh !== mesh && first.mesh.spec.rootCA === mesh.spec.rootCA) {
            report("MF3213", mesh, w.resource, {
              identity: id,
              other: `${first.resource.kind} ${first.resource.namespace}/${first.resource.name}`,
              otherMesh: first.mesh.spec.name,
            });
          } else if (!first) owners.set(id, { mesh, resource: w.resource });
        }
      }
    },
  },
  {
    name: "exported-workload-permissive",
    code: "MF3211",
    description: "Workloads behind AUTO_PASSTHROUGH chains run STRICT mTLS.",
    analyze(world, report) {
      const done = new Set<string>();
      each(exposedServicePorts(world), (e) => exportedWorkloadPermissive(e, done, report));
    },
  },
  {
    name: "exported-port-without-protocol",
    code: "MF3215",
    description: "Service ports behind AUTO_PASSTHROUGH chains name their protocol.",
    analyze(world, report) {
      const done = new Set<string>();
      each(exposedServicePorts(world), (e) => exportedPortWithoutProtocol(e, done, report));
    },
  },
  {
    name: "unknown-trust-domain-principal",
    code: "MF3216",
    description: "AuthorizationPolicy principals name trust domains of the federation.",
    analyze(world, report) {
      const domains = new Set(world.meshes.flatMap((m) => [m.spec.trustDomain, ...m.spec.trustDomainAliases]));
      for (const mesh of world.meshes) {
        for (const ap of configsOf(mesh, "AuthorizationPolicy")) {
          const rules: any[] = Array.isArray(ap.spec.rules) ? ap.spec.rules : [];
          const principals = rules
            .flatMap((r) => (Array.isArray(r?.from) ? r.from : []))
            .flatMap((f: any) => [...(f?.source?.principals ?? []), ...(f?.source?.notPrincipals ?? [])].map(String));
          const unknown = [...new Set(principals.map((p) => p.split("/")[0] ?? "").filter((td) => td && !td.includes("*") && !domains.has(td)))];
          if (unknown.length > 0) {
            report("MF3216", mesh, ap, { trustDomains: unknown, known: [...domains].sort() });
          }
        }
      }
    },
  },
];

/** Runs every analyzer over a scenario. Findings are sorted by file, line and code. */
export function analyzeWorld(world: World): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report = ((code: Code, mesh: MeshIndex, resource: Resource | undefined, args: object | string, fix?: string) => {
    const subject = resource ? ref(mesh, resource) : `mesh ${mesh.spec.name}`;
    const where = {
      resource: resource ? ref(mesh, resource) : `${mesh.spec.name}: mesh`,
      ...(resource ? { position: { file: resource.file, line: resource.line, column: 1 } } : {}),
    };
    if (typeof args === "string") {
      out.push(diagnostic(code as UntemplatedCode, { message: `${subject}: ${args}`, fix: fix ?? "", ...where }));
      return;
    }
    // The analyzer passes every argument but the subject; TypeScript cannot see that adding it
    // back gives the code's own argument type.
    out.push(diagnostic(code as "MF3209", { ...args, subject } as ArgsOf<"MF3209">, where));
  }) as Reporter;
  for (const a of analyzers) a.analyze(world, report);
  const seen = new Set<string>();
  return out.filter((d) => {
    const key = `${d.code}\u0000${d.resource}\u0000${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
