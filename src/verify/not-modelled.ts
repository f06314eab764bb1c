import { customPoliciesFor, isDryRun, policiesFor } from "./authz.js";
import { parseCidrRange } from "./ip-cidr.js";
import { configsOf, type MeshIndex, type Workload } from "./mesh-index.js";
import { gatewayIp, httpInboundPorts } from "./server-hop.js";
import { unmodelledSidecarFields } from "./sidecar-scope.js";
import type { ProbeSpec, Resource } from "./types.js";
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

/**
 * The first path of a rule field matching on the source address, or undefined. A `/0` range
 * matches every IPv4 peer and needs no address, unless `anyRange` (at the gateway, the peer may
 * not even be an IPv4 address the policy's family covers: every range is declared there).
 */
function sourceAddressField(p: Resource, anyRange = false): string | undefined {
  const needsAddress = (values: unknown) => Array.isArray(values) && values.some((v) => anyRange || parseCidrRange(String(v))?.prefix !== 0);
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

type Note = (mesh: MeshIndex, resource: Resource, field: string, why: string, w: Workload) => void;

/** What verify does not model about one workload's inbound side. */
function workloadGaps(mesh: MeshIndex, w: Workload, unknownSource: boolean, note: Note): void {
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
  if (!w.sidecar) return;
  const httpPorts = httpInboundPorts(mesh, w);
  if (httpPorts.length > 0)
    for (const p of policiesFor(mesh, w)) {
      const field = isDryRun(p) ? undefined : requestAttributeField(p);
      if (field)
        note(
          mesh,
          p,
          field,
          `on the HTTP inbound chain of port ${httpPorts.join(", ")} the rule matches request attributes (method, path, host, headers) a probe does not have`,
          w,
        );
    }
  for (const p of customPoliciesFor(mesh, w).external) {
    note(
      mesh,
      p,
      "spec.provider.name",
      `CUSTOM action: extension provider "${String(p.spec.provider?.name)}" (an external authorizer) decides the calls its rules match, and verify cannot know its answer`,
      w,
    );
  }
  if (!unknownSource) return;
  for (const p of policiesFor(mesh, w)) {
    const field = sourceAddressField(p);
    if (field) note(mesh, p, field, "the rule matches on the source address, which is the east-west gateway pod's IP, and the input has no gateway pod", w);
  }
}

/**
 * What verify does not model of the AuthorizationPolicies on the east-west gateway. Istio builds
 * no RBAC filter into AUTO_PASSTHROUGH chains (gateway.go builtAutoPassthroughFilterChains: "We
 * do not want any authz here"); the other chains (a terminating server, a PASSTHROUGH server's
 * VirtualService `tls` routes, an opaque TCP server) go through buildCompleteNetworkFilters
 * (networkfilter.go), which adds the gateway's RBAC filters, and verify evaluates them there
 * (verify-scenario.ts gatewayAuthz) with the client's identity on ISTIO_MUTUAL chains and none on
 * the others. Declared: rules on the source address (the address a gateway sees across networks
 * is not known), `destination.ip` when the input has no gateway pod, CUSTOM policies sent to an
 * external authorizer, and any policy when a SIMPLE or MUTUAL server terminates a chain (whose
 * client certificates verify does not follow).
 */
function gatewayRbacGaps(world: World, mesh: MeshIndex, gaps: Map<Resource, Gap>): void {
  const gl = world.listener(mesh);
  if (!gl) return;
  const routed = gl.chains.filter((c) => !c.passthrough);
  if (routed.length === 0) return;
  const names = [...new Set(routed.flatMap((c) => (c.serverNames.length > 0 ? c.serverNames : ["any SNI"])))].sort();
  const proxy = gl.proxy;
  const otherTermination = routed.find((c) => c.terminates && c.serverMode !== "ISTIO_MUTUAL");
  const noPod = gatewayIp(mesh) === "";
  const external = new Set(customPoliciesFor(mesh, proxy).external);
  const declare = (p: Resource, field: string, why: string) => {
    if (gaps.has(p)) return;
    gaps.set(p, { mesh, resource: p, field, why, workloads: new Set(names.map((n) => `calls through the east-west gateway chain for ${n}`)) });
  };
  for (const p of policiesFor(mesh, proxy)) {
    if (isDryRun(p)) continue;
    const address = sourceAddressField(p, true);
    const destinationIp = noPod ? destinationIpField(p) : undefined;
    if (external.has(p))
      declare(
        p,
        "spec.provider.name",
        "CUSTOM action on the east-west gateway: an external authorizer decides the calls its rules match, and verify cannot know its answer",
      );
    else if (address)
      declare(
        p,
        address,
        "the rule matches on the source address the east-west gateway sees, which a load balancer of another network may rewrite and verify does not know",
      );
    else if (destinationIp) declare(p, destinationIp, "the rule matches on the east-west gateway pod's address, and the input has no gateway pod");
    else if (otherTermination)
      declare(
        p,
        p.spec.selector ? "spec.selector" : "metadata.namespace",
        `the east-west gateway terminates a chain with a ${otherTermination.serverMode} server, whose client certificates verify does not follow into the gateway's RBAC filter`,
      );
  }
}

/** The first field of a policy matching HTTP request attributes (methods, paths, hosts and their `not*`, `request.headers` conditions), or undefined. */
function requestAttributeField(p: Resource): string | undefined {
  const rules: any[] = Array.isArray(p.spec.rules) ? p.spec.rules : [];
  for (let i = 0; i < rules.length; i++) {
    const tos: any[] = Array.isArray(rules[i]?.to) ? rules[i].to : [];
    for (let t = 0; t < tos.length; t++)
      for (const k of ["methods", "paths", "hosts", "notMethods", "notPaths", "notHosts"])
        if (Array.isArray(tos[t]?.operation?.[k]) && tos[t].operation[k].length > 0) return `spec.rules[${i}].to[${t}].operation.${k}`;
    const whens: any[] = Array.isArray(rules[i]?.when) ? rules[i].when : [];
    for (let j = 0; j < whens.length; j++) if (String(whens[j]?.key ?? "").startsWith("request.headers")) return `spec.rules[${i}].when[${j}]`;
  }
  return undefined;
}

/** The first `when` condition on `destination.ip` of a policy, or undefined. */
function destinationIpField(p: Resource): string | undefined {
  const rules: any[] = Array.isArray(p.spec.rules) ? p.spec.rules : [];
  for (let i = 0; i < rules.length; i++) {
    const whens: any[] = Array.isArray(rules[i]?.when) ? rules[i].when : [];
    for (let j = 0; j < whens.length; j++) if (String(whens[j]?.key ?? "") === "destination.ip") return `spec.rules[${i}].when[${j}]`;
  }
  return undefined;
}

/**
 * EndpointSlices (label `kubernetes.io/service-name`) and v1 Endpoints (which Kubernetes mirrors
 * into EndpointSlices) written for a Service without selector: istiod takes that Service's
 * endpoints from them, and looks up the pod of each address (by `targetRef`, else by IP in the
 * namespace: pilot/pkg/serviceregistry/kube/controller/endpointslice.go getPod) for its labels
 * and identity. verify takes a Service's endpoints from its selector only, so it would see none.
 */
function endpointGaps(world: World, mesh: MeshIndex, gaps: Map<Resource, Gap>): void {
  const resources = world.scenario.resources.get(mesh.spec.name) ?? [];
  // The loop's body is a function of its own: V8 optimizes a long loop together with its whole function.
  for (let i = 0; i < resources.length; i++) endpointGap(mesh, resources[i]!, gaps);
}

function endpointGap(mesh: MeshIndex, r: Resource, gaps: Map<Resource, Gap>): void {
  const slice = r.kind === "EndpointSlice" && r.apiVersion.startsWith("discovery.k8s.io/");
  if (!slice && !(r.kind === "Endpoints" && r.apiVersion === "v1")) return;
  const name = slice ? r.metadata.labels?.["kubernetes.io/service-name"] : r.name;
  if (typeof name !== "string" || gaps.has(r)) return;
  const host = `${name}.${r.namespace}.svc.${mesh.spec.clusterDomain}`;
  const svc = mesh.services.find((x) => x.source === "kubernetes" && x.hostname === host);
  if (!svc || Object.keys(svc.selector).length > 0) return;
  gaps.set(r, {
    mesh,
    resource: r,
    field: slice ? "endpoints" : "subsets",
    why: `the endpoints of ${host}, a Service without selector, come from this ${r.kind}; verify takes endpoints from a Service's selector only`,
    workloads: new Set([`callers of ${host}`]),
  });
}

/** VirtualService rules on a probe's client route that verify does not model. */
function probeGaps(world: World, p: ProbeSpec, gaps: Map<Resource, Gap>): void {
  const mesh = world.meshes.find((m) => m.spec.name === p.from.mesh);
  if (!mesh) return;
  for (const [r, field] of world.clientRoute(mesh, p.from.namespace, p.from.labels, p.to).notModelled ?? []) {
    let g = gaps.get(r);
    if (!g) {
      g = { mesh, resource: r, field, why: "the client sidecar routes by this VirtualService rule, which verify does not reproduce", workloads: new Set() };
      gaps.set(r, g);
    }
    g.workloads.add(`client ${p.from.namespace}/${p.from.serviceAccount} (probe ${p.name})`);
  }
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
 *   `gateway.networking.k8s.io/gateway-name`), which attaches them by targetRefs;
 * - on the east-west gateway's chains other than AUTO_PASSTHROUGH ones, which run its
 *   AuthorizationPolicies: rules on the source address, and the rest of gatewayRbacGaps;
 * - every resource of a kind that rewrites what istiod generates (EnvoyFilter, WasmPlugin) and
 *   selects a proxy on a judged path, and every Gateway API resource that routes or listens
 *   (see {@link declaredKinds}).
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
    // Loop bodies are functions of their own: V8 optimizes a long loop together with its whole function.
    for (const w of mesh.workloads) workloadGaps(mesh, w, unknownSource, note);
  }
  for (const mesh of world.meshes) {
    declaredKindGaps(world, mesh, gaps);
    gatewayRbacGaps(world, mesh, gaps);
    // A ServiceEntry naming a Kubernetes Service's host in the Service's namespace: istiod
    // merges both registries' endpoints for that host (one EDS key per hostname and namespace),
    // with the ServiceEntry's ports, in an order verify does not reproduce.
    const k8sHosts = new Set(mesh.services.filter((x) => x.source === "kubernetes").map((x) => `${x.namespace}/${x.hostname}`));
    for (const svc of mesh.services) {
      if (svc.source !== "serviceentry" || !k8sHosts.has(`${svc.namespace}/${svc.hostname}`) || gaps.has(svc.resource)) continue;
      gaps.set(svc.resource, {
        mesh,
        resource: svc.resource,
        field: "spec.hosts",
        why: `${svc.hostname} is also a Kubernetes Service of namespace ${svc.namespace}: istiod merges the endpoints of both, which verify does not model`,
        workloads: new Set([`callers of ${svc.hostname}`]),
      });
    }
  }
  for (const mesh of world.meshes) endpointGaps(world, mesh, gaps);
  // VirtualService rules on a probe's client route that verify does not model.
  for (const p of world.scenario.probes) probeGaps(world, p, gaps);
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

/**
 * Kinds verify reads as a whole resource and does not model. EnvoyFilter patches the Envoy
 * configuration istiod generates (a REMOVE of `envoy.filters.network.rbac` on the inbound
 * listener turns a deny into an allow); a WasmPlugin inserts a filter that may deny or allow.
 */
const rewritingKinds: Readonly<Record<string, string>> = {
  "networking.istio.io/EnvoyFilter":
    "an EnvoyFilter patches the Envoy configuration istiod generates (it can remove the RBAC filter, add routes or change TLS)",
  "extensions.istio.io/WasmPlugin": "a WasmPlugin inserts a filter into the proxy, which may deny, allow or change the call",
};

/** Gateway API kinds that create no listener or route (configuration about others). */
const inertGatewayApiKinds = new Set(["GatewayClass", "ReferenceGrant"]);

/**
 * The kind key of a resource in {@link rewritingKinds}, or "gateway-api" for a Gateway API
 * resource that routes or listens: istiod turns a Gateway into a gateway deployment and
 * routes into listeners and routes on gateways and, for a Service parent (GAMMA), on every
 * client sidecar.
 */
export function declaredKind(r: Resource): string | undefined {
  const group = r.apiVersion.split("/")[0]!;
  if (group === "gateway.networking.k8s.io" || group === "gateway.networking.x-k8s.io") return inertGatewayApiKinds.has(r.kind) ? undefined : "gateway-api";
  const key = `${group}/${r.kind}`;
  return rewritingKinds[key] === undefined ? undefined : key;
}

/**
 * Proxies of this mesh a resource with `workloadSelector` / `selector` / `targetRefs` applies
 * to, among the workloads of the input, the east-west gateway and the probes' clients: its own
 * namespace, every namespace from the root namespace, all of them without a selector.
 */
function selectedProxies(world: World, mesh: MeshIndex, r: Resource): string[] {
  const sel = r.spec.workloadSelector?.labels ?? r.spec.selector?.matchLabels;
  const selector: Record<string, string> = sel && typeof sel === "object" ? (sel as Record<string, string>) : {};
  const targeted = Array.isArray(r.spec.targetRefs) || (r.spec.targetRef !== undefined && r.spec.targetRef !== null);
  const everywhere = r.namespace === mesh.rootNamespace;
  const inScope = (ns: string, labels: Readonly<Record<string, string>>) =>
    (everywhere || ns === r.namespace) && (targeted || Object.keys(selector).every((k) => labels[k] === String(selector[k])));
  const out = new Set<string>();
  for (const w of mesh.workloads) if (inScope(w.namespace, w.labels)) out.add(w.name);
  const g = mesh.spec.eastWestGateway;
  if (g && inScope(g.namespace, g.selector))
    out.add(
      `east-west gateway ${g.namespace}/${Object.entries(g.selector)
        .map(([k, v]) => `${k}=${v}`)
        .join(",")}`,
    );
  for (const p of world.scenario.probes)
    if (p.from.mesh === mesh.spec.name && inScope(p.from.namespace, p.from.labels))
      out.add(`client ${p.from.namespace}/${p.from.serviceAccount} (probe ${p.name})`);
  return [...out];
}

function declaredKindGaps(world: World, mesh: MeshIndex, gaps: Map<Resource, Gap>): void {
  // The loop's body is a function of its own: V8 optimizes a long loop together with its whole function.
  for (let i = 0; i < mesh.configs.length; i++) declaredKindGap(world, mesh, mesh.configs[i]!, gaps);
}

function declaredKindGap(world: World, mesh: MeshIndex, r: Resource, gaps: Map<Resource, Gap>): void {
  if (r.kind === "Sidecar" && r.apiVersion.startsWith("networking.istio.io/") && !gaps.has(r)) {
    const fields = unmodelledSidecarFields(r);
    const proxies = fields.length > 0 ? selectedProxies(world, mesh, r) : [];
    if (proxies.length > 0)
      gaps.set(r, { mesh, resource: r, field: fields.map(([f]) => f).join(", "), why: fields.map(([, w]) => w).join("; "), workloads: new Set(proxies) });
    return;
  }
  const kind = declaredKind(r);
  if (kind === undefined || gaps.has(r)) return;
  if (kind === "gateway-api") {
    gaps.set(r, {
      mesh,
      resource: r,
      field: r.apiVersion.split("/")[0]!,
      why: "Gateway API resources are not modelled: istiod deploys gateways for a Gateway and applies routes on gateways and, for a Service parent, on every client sidecar",
      workloads: new Set([`every proxy of mesh ${mesh.spec.name}`]),
    });
    return;
  }
  const proxies = selectedProxies(world, mesh, r);
  if (proxies.length === 0) return;
  gaps.set(r, {
    mesh,
    resource: r,
    field: kind === "networking.istio.io/EnvoyFilter" ? "spec.configPatches" : "spec",
    why: rewritingKinds[kind]!,
    workloads: new Set(proxies),
  });
}
