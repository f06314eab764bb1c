import type { Prng } from "./prng.js";
import {
  cloneScenarioDocs,
  parseScenarioFiles,
  serializeScenarioFiles,
  stripExpectations,
  type MeshFile,
  type Node,
  type ScenarioDocs,
} from "./scenario-files.js";

/** One applied change, e.g. `{kind: "sni", description: "mesh-1 DestinationRule frontend/x: sni ... -> ..."}`. */
export interface Mutation {
  readonly kind: MutationKind;
  readonly description: string;
}

export interface MutatedScenario {
  /** path → text, expectations stripped. */
  readonly files: Map<string, string>;
  readonly mutations: readonly Mutation[];
}

/** A resource found in a mesh file. */
interface Ref {
  readonly file: MeshFile;
  readonly mesh: string;
  readonly doc: Node;
}

type Mutator = (s: ScenarioDocs, rng: Prng) => string | undefined;

const asArray = (v: unknown): Node[] => (Array.isArray(v) ? (v as Node[]) : []);
const isObject = (v: unknown): v is Node => v !== null && typeof v === "object" && !Array.isArray(v);
const nsOf = (doc: Node): string => (isObject(doc["metadata"]) && typeof doc["metadata"]["namespace"] === "string" ? doc["metadata"]["namespace"] : "default");
const nameOf = (doc: Node): string => (isObject(doc["metadata"]) && typeof doc["metadata"]["name"] === "string" ? doc["metadata"]["name"] : "?");
const label = (r: Ref): string => `${r.mesh} ${String(r.doc["kind"])} ${nsOf(r.doc)}/${nameOf(r.doc)}`;
const show = (v: unknown): string => JSON.stringify(v) ?? "undefined";

function resources(s: ScenarioDocs, kind?: string): Ref[] {
  const out: Ref[] = [];
  for (const file of s.files) for (const doc of file.docs) if (kind === undefined || doc["kind"] === kind) out.push({ file, mesh: file.mesh, doc });
  return out;
}

function meshes(s: ScenarioDocs): Node[] {
  return asArray(s.scenario["meshes"]).filter(isObject);
}

function spec(doc: Node): Node {
  if (!isObject(doc["spec"])) doc["spec"] = {};
  return doc["spec"] as Node;
}

/** `name.ns.svc.cluster.local` of every Service, optionally of one mesh. */
function serviceHosts(s: ScenarioDocs, mesh?: string): string[] {
  return resources(s, "Service")
    .filter((r) => mesh === undefined || r.mesh === mesh)
    .map((r) => `${nameOf(r.doc)}.${nsOf(r.doc)}.svc.cluster.local`);
}

function serviceEntryHosts(s: ScenarioDocs): string[] {
  return resources(s, "ServiceEntry").flatMap((r) => asArray(spec(r.doc)["hosts"]).map(String));
}

/** Every port number written in Services, ServiceEntries and probes. */
function knownPorts(s: ScenarioDocs): number[] {
  const ports = new Set<number>([15443, 15012, 8080, 5432, 443]);
  for (const r of resources(s, "Service")) for (const p of asArray(spec(r.doc)["ports"])) if (typeof p["port"] === "number") ports.add(p["port"]);
  for (const r of resources(s, "ServiceEntry")) for (const p of asArray(spec(r.doc)["ports"])) if (typeof p["number"] === "number") ports.add(p["number"]);
  for (const p of asArray(s.scenario["probes"])) if (isObject(p["to"]) && typeof p["to"]["port"] === "number") ports.add(p["to"]["port"]);
  return [...ports].sort((a, b) => a - b);
}

function otherPort(s: ScenarioDocs, rng: Prng, current: unknown): number {
  const candidates = knownPorts(s).filter((p) => p !== current);
  return rng.chance(0.3) && typeof current === "number" ? current + 1 : rng.pick(candidates);
}

function trustDomains(s: ScenarioDocs): string[] {
  return meshes(s).map((m) => String(m["trustDomain"] ?? "cluster.local"));
}

/** SPIFFE identities (without `spiffe://`) of the pods of every mesh. */
function identities(s: ScenarioDocs): string[] {
  const td = new Map(meshes(s).map((m) => [String(m["name"]), String(m["trustDomain"] ?? "cluster.local")]));
  const pods = [...resources(s, "Pod"), ...resources(s, "Deployment")];
  const out = pods.map((r) => {
    const podSpec = r.doc["kind"] === "Deployment" ? (spec(r.doc)["template"]?.["spec"] ?? {}) : spec(r.doc);
    return `${td.get(r.mesh) ?? "cluster.local"}/ns/${nsOf(r.doc)}/sa/${String(podSpec["serviceAccountName"] ?? "default")}`;
  });
  return [...new Set(out)].sort();
}

/** DestinationRule TLS settings: the top-level one and every port-level one. */
function drTlsSettings(doc: Node): { where: string; tls: Node }[] {
  const out: { where: string; tls: Node }[] = [];
  const tp = spec(doc)["trafficPolicy"];
  if (!isObject(tp)) return out;
  if (isObject(tp["tls"])) out.push({ where: "trafficPolicy.tls", tls: tp["tls"] });
  for (const pl of asArray(tp["portLevelSettings"])) {
    if (isObject(pl["tls"])) out.push({ where: `port ${show(pl["port"]?.["number"])} tls`, tls: pl["tls"] });
  }
  return out;
}

function gatewayServers(s: ScenarioDocs): { ref: Ref; server: Node; index: number }[] {
  return resources(s, "Gateway").flatMap((ref) => asArray(spec(ref.doc)["servers"]).map((server, index) => ({ ref, server, index })));
}

/** AuthorizationPolicy sources (`rules[].from[].source`). */
function policySources(s: ScenarioDocs): { ref: Ref; source: Node }[] {
  return resources(s, "AuthorizationPolicy").flatMap((ref) =>
    asArray(spec(ref.doc)["rules"]).flatMap((rule) =>
      asArray(rule["from"]).flatMap((f) => (isObject(f["source"]) ? [{ ref, source: f["source"] as Node }] : [])),
    ),
  );
}

function addedFile(s: ScenarioDocs, mesh: string): MeshFile {
  const path = `${mesh}/zz-differential-added.yaml`;
  let file = s.files.find((f) => f.path === path);
  if (!file) {
    file = { path, mesh, docs: [] };
    s.files.push(file);
  }
  return file;
}

const dropResource: Mutator = (s, rng) => {
  // Namespaces are synthesised by the oracle anyway; dropping one says nothing.
  const refs = resources(s).filter((r) => r.doc["kind"] !== "Namespace");
  if (refs.length === 0) return undefined;
  // Istio resources are what the traps are about: prefer them.
  const istio = refs.filter((r) => String(r.doc["apiVersion"] ?? "").includes("istio.io"));
  const ref = istio.length > 0 && rng.chance(0.75) ? rng.pick(istio) : rng.pick(refs);
  ref.file.docs = ref.file.docs.filter((d) => d !== ref.doc);
  return `drop ${label(ref)}`;
};

const serviceEntryHost: Mutator = (s, rng) => {
  const refs = resources(s, "ServiceEntry").filter((r) => asArray(spec(r.doc)["hosts"]).length > 0);
  if (refs.length === 0) return undefined;
  const ref = rng.pick(refs);
  const hosts = spec(ref.doc)["hosts"] as string[];
  const i = rng.int(hosts.length);
  const old = hosts[i]!;
  const candidates = [...serviceEntryHosts(s), ...serviceHosts(s), `typo-${old}`].filter((h) => h !== old);
  hosts[i] = rng.pick(candidates);
  return `${label(ref)}: host ${old} -> ${hosts[i]}`;
};

const gatewayHost: Mutator = (s, rng) => {
  const servers = gatewayServers(s).filter((g) => asArray(g.server["hosts"]).length > 0);
  if (servers.length === 0) return undefined;
  const { ref, server, index } = rng.pick(servers);
  const hosts = server["hosts"] as string[];
  const old = [...hosts];
  const mine = serviceHosts(s, ref.mesh);
  const namespaces = [
    ...new Set(
      resources(s, "Service")
        .filter((r) => r.mesh === ref.mesh)
        .map((r) => nsOf(r.doc)),
    ),
  ];
  const choice = rng.int(5);
  const replaceOne = (candidates: string[]) => {
    const i = rng.int(hosts.length);
    const fresh = candidates.filter((h) => !hosts.includes(h));
    hosts[i] = fresh.length > 0 ? rng.pick(fresh) : "*.local";
  };
  if (choice === 0) hosts.splice(0, hosts.length, "*.local");
  else if (choice === 1 && namespaces.length > 0) hosts.splice(0, hosts.length, `${rng.pick(namespaces)}/*`);
  else if (choice === 2) hosts.push(rng.pick(["*.local", "*/*.svc.cluster.local", "*.cluster.local"]));
  else if (choice === 3 && mine.length > 0) replaceOne(mine);
  else replaceOne([...mine, "missing.nowhere.svc.cluster.local"]);
  if (show(hosts) === show(old)) hosts.splice(0, hosts.length, "*.local");
  return `${label(ref)} server ${index}: hosts ${show(old)} -> ${show(hosts)}`;
};

const destinationRuleHost: Mutator = (s, rng) => {
  const refs = resources(s, "DestinationRule");
  if (refs.length === 0) return undefined;
  const ref = rng.pick(refs);
  const old = String(spec(ref.doc)["host"]);
  const candidates = [...serviceEntryHosts(s), ...serviceHosts(s, ref.mesh), `typo-${old}`, "*.mesh"].filter((h) => h !== old);
  spec(ref.doc)["host"] = rng.pick(candidates);
  return `${label(ref)}: host ${old} -> ${String(spec(ref.doc)["host"])}`;
};

const sni: Mutator = (s, rng) => {
  const targets = resources(s, "DestinationRule").flatMap((ref) => drTlsSettings(ref.doc).map((t) => ({ ref, ...t })));
  if (targets.length === 0) return undefined;
  const { ref, where, tls } = rng.pick(targets);
  const old = tls["sni"] as unknown;
  const m = typeof old === "string" ? /^outbound_\.(\d+)_\.([^_]*)_\.(.+)$/.exec(old) : null;
  const hosts = serviceHosts(s);
  const choice = rng.int(5);
  if (choice === 0 || !m) {
    if (old === undefined) tls["sni"] = `outbound_.${rng.pick(knownPorts(s))}_._.${rng.pick([...hosts, "x.y.svc.cluster.local"])}`;
    else delete tls["sni"];
  } else if (choice === 1) tls["sni"] = `outbound_.${otherPort(s, rng, Number(m[1]))}_._.${m[3]}`;
  else if (choice === 2) tls["sni"] = `outbound_.${m[1]}_._.${rng.pick([...hosts.filter((h) => h !== m[3]), `other.${m[3]}`])}`;
  else if (choice === 3) tls["sni"] = `outbound_.${m[1]}_.v1_.${m[3]}`;
  else tls["sni"] = rng.pick([m[3]!, `${m[3]}:${m[1]}`, "postgres.example.com"]);
  return `${label(ref)} ${where}: sni ${show(old)} -> ${show(tls["sni"])}`;
};

const serviceEntryPort: Mutator = (s, rng) => {
  const targets = resources(s, "ServiceEntry").flatMap((ref) => asArray(spec(ref.doc)["ports"]).map((port) => ({ ref, port })));
  if (targets.length === 0) return undefined;
  const { ref, port } = rng.pick(targets);
  const old = port["number"] as unknown;
  // A port the ServiceEntry already has is invalid input (Istio rejects "port already defined").
  const taken = new Set(asArray(spec(ref.doc)["ports"]).map((p) => p["number"] as unknown));
  const fresh = knownPorts(s).filter((p) => !taken.has(p));
  port["number"] = typeof old === "number" && !taken.has(old + 1) && rng.chance(0.3) ? old + 1 : fresh.length > 0 ? rng.pick(fresh) : 40000 + rng.int(1000);
  return `${label(ref)}: port ${show(old)} -> ${show(port["number"])}`;
};

const endpointPort: Mutator = (s, rng) => {
  const targets = resources(s, "ServiceEntry").flatMap((ref) => asArray(spec(ref.doc)["endpoints"]).map((endpoint) => ({ ref, endpoint })));
  if (targets.length === 0) return undefined;
  const { ref, endpoint } = rng.pick(targets);
  const names = asArray(spec(ref.doc)["ports"]).map((p) => String(p["name"]));
  if (!isObject(endpoint["ports"])) endpoint["ports"] = {};
  const ports = endpoint["ports"] as Node;
  const name = rng.pick(names.length > 0 ? names : Object.keys(ports).length > 0 ? Object.keys(ports) : ["tcp"]);
  const old = ports[name] as unknown;
  if (old !== undefined && rng.chance(0.25)) delete ports[name];
  else ports[name] = rng.pick([15444, 15012, 443, 15443, 5432, 8080].filter((p) => p !== old));
  return `${label(ref)} endpoint ${String(endpoint["address"])}: port ${name} -> ${show(old)} -> ${show(ports[name])}`;
};

const destinationRulePort: Mutator = (s, rng) => {
  const targets = resources(s, "DestinationRule").flatMap((ref) =>
    asArray(spec(ref.doc)["trafficPolicy"]?.["portLevelSettings"])
      .filter((pl) => isObject(pl["port"]))
      .map((pl) => ({ ref, pl })),
  );
  if (targets.length === 0) return undefined;
  const { ref, pl } = rng.pick(targets);
  const old = pl["port"]["number"] as unknown;
  pl["port"]["number"] = otherPort(s, rng, old);
  return `${label(ref)}: portLevelSettings port ${show(old)} -> ${show(pl["port"]["number"])}`;
};

const gatewayPort: Mutator = (s, rng) => {
  const servers = gatewayServers(s).filter((g) => isObject(g.server["port"]));
  if (servers.length === 0) return undefined;
  const { ref, server, index } = rng.pick(servers);
  const old = server["port"]["number"] as unknown;
  server["port"]["number"] = rng.pick([15444, 443, 15012, 15443, 8443].filter((p) => p !== old));
  return `${label(ref)} server ${index}: port ${show(old)} -> ${show(server["port"]["number"])}`;
};

const servicePort: Mutator = (s, rng) => {
  const targets = resources(s, "Service")
    .filter((r) => !(isObject(spec(r.doc)["selector"]) && Object.keys(spec(r.doc)["selector"]).includes("istio")))
    .flatMap((ref) => asArray(spec(ref.doc)["ports"]).map((port) => ({ ref, port })));
  if (targets.length === 0) return undefined;
  const { ref, port } = rng.pick(targets);
  const field = rng.chance(0.5) ? "port" : "targetPort";
  const old = (port[field] ?? port["port"]) as unknown;
  port[field] = otherPort(s, rng, old);
  return `${label(ref)} port ${show(port["name"])}: ${field} ${show(old)} -> ${show(port[field])}`;
};

/**
 * How Istio reads a Service port's protocol: an `appProtocol` (Kubernetes' own names, a protocol
 * name, one Istio does not know) or a port name prefix; or a second Service selecting the same
 * pods with another protocol on the same target port (the older Service, by creation time then
 * hostname, decides the inbound chain).
 */
const servicePortProtocol: Mutator = (s, rng) => {
  const targets = resources(s, "Service")
    .filter((r) => nsOf(r.doc) !== "istio-system" && isObject(spec(r.doc)["selector"]))
    .flatMap((ref) => asArray(spec(ref.doc)["ports"]).map((port) => ({ ref, port })));
  if (targets.length === 0) return undefined;
  const { ref, port } = rng.pick(targets);
  const choice = rng.int(3);
  if (choice === 0) {
    const old = port["appProtocol"] as unknown;
    port["appProtocol"] = rng.pick(["kubernetes.io/h2c", "kubernetes.io/ws", "kubernetes.io/wss", "http", "HTTP2", "grpc", "tcp", "prometheus", "postgresql"]);
    return `${label(ref)} port ${show(port["name"])}: appProtocol ${show(old ?? null)} -> ${show(port["appProtocol"])}`;
  }
  if (choice === 1) {
    const old = port["name"] as unknown;
    port["name"] = rng.pick(["http_proxy", "grpc-web-x", "GRPC-Web", "HTTP-x", "mongo", "x-http", "tcp"]);
    return `${label(ref)} port: name ${show(old ?? null)} -> ${show(port["name"])}`;
  }
  const name = rng.pick(["a-differential-twin", "zz-differential-twin"]);
  const protocolName = rng.pick(["http-twin", "grpc-twin", "tcp-twin"]);
  addedFile(s, ref.mesh).docs.push({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: nsOf(ref.doc) },
    spec: {
      selector: spec(ref.doc)["selector"],
      ports: [{ name: protocolName, port: 18080, targetPort: port["targetPort"] ?? port["port"], protocol: "TCP" }],
    },
  });
  return `${label(ref)}: add Service ${name} (${protocolName}) on target port ${show(port["targetPort"] ?? port["port"])}`;
};

const trustDomain: Mutator = (s, rng) => {
  const all = meshes(s);
  if (all.length === 0) return undefined;
  const mesh = rng.pick(all);
  const old = String(mesh["trustDomain"] ?? "cluster.local");
  const others = trustDomains(s).filter((t) => t !== old);
  mesh["trustDomain"] = rng.pick([...others, `renamed.${old}`, "cluster.local"].filter((t) => t !== old));
  return `mesh ${String(mesh["name"])}: trustDomain ${old} -> ${String(mesh["trustDomain"])}`;
};

const trustDomainAliases: Mutator = (s, rng) => {
  const all = meshes(s);
  if (all.length === 0) return undefined;
  const mesh = rng.pick(all);
  const own = String(mesh["trustDomain"] ?? "cluster.local");
  const aliases = asArray(mesh["trustDomainAliases"]) as unknown as string[];
  const candidates = [...trustDomains(s), "cluster.local", "legacy.example.internal"].filter((t) => t !== own && !aliases.includes(t));
  if (candidates.length === 0) return undefined;
  const added = rng.pick(candidates);
  mesh["trustDomainAliases"] = [...aliases, added];
  return `mesh ${String(mesh["name"])}: trustDomainAliases += ${added}`;
};

const caCertificates: Mutator = (s, rng) => {
  const withCa = meshes(s).filter((m) => isObject(m["meshConfig"]) && Array.isArray(m["meshConfig"]["caCertificates"]));
  if (withCa.length === 0) return undefined;
  const mesh = rng.pick(withCa);
  const ca = mesh["meshConfig"]["caCertificates"] as Node[];
  const domains = ca.flatMap((c) => asArray(c["trustDomains"]) as unknown as string[]);
  if (domains.length > 1 && rng.chance(0.5)) {
    const dropped = rng.pick(domains);
    for (const c of ca) if (Array.isArray(c["trustDomains"])) c["trustDomains"] = (c["trustDomains"] as string[]).filter((t) => t !== dropped);
    return `mesh ${String(mesh["name"])}: caCertificates no longer accepts ${dropped}`;
  }
  delete mesh["meshConfig"]["caCertificates"];
  if (Object.keys(mesh["meshConfig"]).length === 0) delete mesh["meshConfig"];
  return `mesh ${String(mesh["name"])}: drop caCertificates (accepted ${show(domains)})`;
};

const skipValidateTrustDomain: Mutator = (s, rng) => {
  const candidates = meshes(s).filter((m) => m["skipValidateTrustDomain"] !== true);
  if (candidates.length === 0) return undefined;
  const mesh = rng.pick(candidates);
  mesh["skipValidateTrustDomain"] = true;
  return `mesh ${String(mesh["name"])}: skipValidateTrustDomain true`;
};

const alias: Mutator = (s, rng) => {
  const refs = resources(s, "ServiceEntry").filter((r) => asArray(spec(r.doc)["hosts"]).length > 0);
  if (refs.length === 0) return undefined;
  const ref = rng.pick(refs);
  const hosts = spec(ref.doc)["hosts"] as string[];
  const old = hosts[0]!;
  const renamed = rng.pick([
    `renamed.${old}`,
    `${old.split(".")[0]}.${rng.pick(["imports", "remote"])}.example`,
    ...serviceEntryHosts(s).filter((h) => h !== old),
  ]);
  hosts[0] = renamed;
  const changed = [label(ref)];
  // The alias is the SE host, the DR host and what clients dial: rename it consistently in
  // the same namespace, and sometimes in the probes too.
  for (const dr of resources(s, "DestinationRule")) {
    if (dr.mesh === ref.mesh && nsOf(dr.doc) === nsOf(ref.doc) && spec(dr.doc)["host"] === old) {
      spec(dr.doc)["host"] = renamed;
      changed.push(label(dr));
    }
  }
  if (rng.chance(0.5)) {
    let n = 0;
    for (const p of asArray(s.scenario["probes"])) {
      if (p["from"]?.["mesh"] === ref.mesh && p["from"]?.["namespace"] === nsOf(ref.doc) && p["to"]?.["host"] === old) {
        p["to"]["host"] = renamed;
        n++;
      }
    }
    if (n > 0) changed.push(`${n} probes`);
  }
  return `alias ${old} -> ${renamed} in ${changed.join(", ")}`;
};

const authzAction: Mutator = (s, rng) => {
  const refs = resources(s, "AuthorizationPolicy");
  if (refs.length === 0) return undefined;
  const ref = rng.pick(refs);
  const old = String(spec(ref.doc)["action"] ?? "ALLOW");
  spec(ref.doc)["action"] = old === "DENY" ? "ALLOW" : "DENY";
  return `${label(ref)}: action ${old} -> ${String(spec(ref.doc)["action"])}`;
};

const authzPrincipals: Mutator = (s, rng) => {
  const sources = policySources(s).filter((x) => Array.isArray(x.source["principals"]) || Array.isArray(x.source["notPrincipals"]));
  if (sources.length === 0) return undefined;
  const { ref, source } = rng.pick(sources);
  const field = Array.isArray(source["principals"]) && (!Array.isArray(source["notPrincipals"]) || rng.chance(0.5)) ? "principals" : "notPrincipals";
  const list = source[field] as string[];
  const old = [...list];
  const ids = identities(s);
  const tds = trustDomains(s);
  const choice = rng.int(5);
  if (choice === 0 && list.length > 0) list.splice(rng.int(list.length), 1);
  else if (choice === 1 && ids.length > 0) list.push(rng.pick(ids.filter((i) => !list.includes(i)).concat("unknown.invalid/ns/x/sa/y")));
  else if (choice === 2 && list.length > 0) list[rng.int(list.length)] = rng.pick([...ids, "unknown.invalid/ns/x/sa/y"]);
  else if (choice === 3) list.push(`${rng.pick(tds)}/*`);
  else list.splice(0, list.length, "*");
  if (list.length === 0) delete source[field];
  if (source["principals"] === undefined && source["notPrincipals"] === undefined && Object.keys(source).length === 0) source["principals"] = ["*"];
  return `${label(ref)}: ${field} ${show(old)} -> ${show(source[field] ?? null)}`;
};

/**
 * A namespace value with `*` anywhere (inside, twice, leading, trailing), built from a namespace
 * of a workload: in `from.source.namespaces`/`notNamespaces` of a policy, or a `when`
 * `source.namespace` condition of a new rule.
 */
const authzNamespaceWildcard: Mutator = (s, rng) => {
  const refs = resources(s, "AuthorizationPolicy").filter((r) => asArray(spec(r.doc)["rules"]).length > 0);
  if (refs.length === 0) return undefined;
  const ref = rng.pick(refs);
  const names = [...new Set(identities(s).map((i) => i.split("/")[2]!))].filter((n) => n.length >= 3);
  if (names.length === 0) return undefined;
  const ns = rng.pick(names);
  const cut = 1 + rng.int(ns.length - 2);
  const value = rng.pick([
    `${ns.slice(0, cut)}*${ns.slice(cut + 1)}`,
    `*${ns.slice(1, cut)}*${ns.slice(cut + 1)}`,
    `${ns.slice(0, cut)}*`,
    `*${ns.slice(cut)}`,
    `${ns.slice(0, cut)}*x`,
  ]);
  const rules = spec(ref.doc)["rules"] as Node[];
  const choice = rng.int(3);
  if (choice === 2) {
    rules.push({ when: [{ key: "source.namespace", values: [value] }] });
    return `${label(ref)}: add rule when source.namespace [${value}]`;
  }
  const field = choice === 0 ? "namespaces" : "notNamespaces";
  rules.push({ from: [{ source: { [field]: [value] } }] });
  return `${label(ref)}: add rule from ${field} [${value}]`;
};

const authzNotPorts: Mutator = (s, rng) => {
  const refs = resources(s, "AuthorizationPolicy").filter((r) => asArray(spec(r.doc)["rules"]).length > 0);
  if (refs.length === 0) return undefined;
  const ref = rng.pick(refs);
  const rules = spec(ref.doc)["rules"] as Node[];
  const i = rng.int(rules.length);
  const rule = rules[i]!;
  const ops = asArray(rule["to"]).filter((t) => isObject(t["operation"]));
  const port = String(rng.pick(knownPorts(s)));
  if (ops.length > 0) {
    const op = rng.pick(ops)["operation"] as Node;
    const before = show(op);
    const choice = rng.int(3);
    if (choice === 0) delete rule["to"];
    else if (choice === 1 && Array.isArray(op["notPorts"])) {
      op["ports"] = op["notPorts"];
      delete op["notPorts"];
    } else op["notPorts"] = [...(asArray(op["notPorts"]) as unknown as string[]), port];
    return `${label(ref)} rule ${i}: to.operation ${before} -> ${show(rule["to"] ?? null)}`;
  }
  rule["to"] = [{ operation: rng.chance(0.5) ? { notPorts: [port] } : { ports: [port] } }];
  return `${label(ref)} rule ${i}: to ${show(rule["to"])}`;
};

const gatewayPolicy: Mutator = (s, rng) => {
  const withGw = meshes(s).filter((m) => isObject(m["eastWestGateway"]));
  if (withGw.length === 0) return undefined;
  const mesh = rng.pick(withGw);
  const gw = mesh["eastWestGateway"] as Node;
  const selector = isObject(gw["selector"]) ? gw["selector"] : { istio: "eastwestgateway" };
  const namespace = typeof gw["namespace"] === "string" ? gw["namespace"] : "istio-system";
  // A caller of some probe, by its SPIFFE principal: allowing or denying one identity at the
  // gateway shows whether its RBAC filter sees the client's certificate (terminating chains) or
  // none (passed-through ones).
  const callers = asArray(s.scenario["probes"])
    .filter((p) => isObject(p["from"]))
    .map((p) => p["from"] as Node)
    .map((f) => {
      const td = meshes(s).find((m) => m["name"] === f["mesh"])?.["trustDomain"];
      return typeof td === "string" ? `${td}/ns/${String(f["namespace"])}/sa/${String(f["serviceAccount"])}` : undefined;
    })
    .filter((x): x is string => x !== undefined);
  const variant = rng.pick(["DENY-all", "ALLOW-nobody", ...(callers.length > 0 ? ["ALLOW-one-caller", "DENY-one-caller"] : [])]);
  const caller = callers.length > 0 ? rng.pick(callers) : "";
  const spec =
    variant === "DENY-all"
      ? { selector: { matchLabels: selector }, action: "DENY", rules: [{}] }
      : variant === "ALLOW-nobody"
        ? { selector: { matchLabels: selector }, action: "ALLOW", rules: [{ from: [{ source: { principals: ["nobody.invalid/ns/x/sa/y"] } }] }] }
        : {
            selector: { matchLabels: selector },
            action: variant.startsWith("ALLOW") ? "ALLOW" : "DENY",
            rules: [{ from: [{ source: { principals: [caller] } }] }],
          };
  const policy = { apiVersion: "security.istio.io/v1", kind: "AuthorizationPolicy", metadata: { name: "differential-gateway-policy", namespace }, spec };
  addedFile(s, String(mesh["name"])).docs.push(policy);
  return `mesh ${String(mesh["name"])}: add ${variant}${variant.endsWith("caller") ? ` (${caller})` : ""} AuthorizationPolicy on the east-west gateway`;
};

// ParseBool strings only (invalid values make istiod reject the policy: a CLI test covers that).
// No yes/no/on/off: YAML 1.1 readers such as Kubernetes' take them unquoted as booleans.
const dryRunValues = ["true", "True", "1", "false", "0", "F"];

/** Annotates an AuthorizationPolicy `istio.io/dry-run` (ParseBool values, and ones it rejects) or removes it. */
const authzDryRun: Mutator = (s, rng) => {
  const refs = resources(s, "AuthorizationPolicy");
  if (refs.length === 0) return undefined;
  const ref = rng.pick(refs);
  if (!isObject(ref.doc["metadata"])) ref.doc["metadata"] = {};
  const meta = ref.doc["metadata"] as Node;
  if (!isObject(meta["annotations"])) meta["annotations"] = {};
  const ann = meta["annotations"] as Node;
  const old = ann["istio.io/dry-run"] as unknown;
  const next = rng.pick([...dryRunValues.filter((v) => v !== old), ...(old === undefined ? [] : ["(removed)"])]);
  if (next === "(removed)") delete ann["istio.io/dry-run"];
  else ann["istio.io/dry-run"] = next;
  if (Object.keys(ann).length === 0) delete meta["annotations"];
  return `${label(ref)}: istio.io/dry-run ${show(old ?? null)} -> ${next}`;
};

/** The east-west gateway pod's IP of a mesh, when the input writes it. */
function gatewayPodIp(s: ScenarioDocs, mesh: string): string | undefined {
  const m = meshes(s).find((x) => x["name"] === mesh);
  const gw = m && isObject(m["eastWestGateway"]) ? (m["eastWestGateway"] as Node) : undefined;
  if (!gw) return undefined;
  const selector = isObject(gw["selector"]) ? (gw["selector"] as Node) : { istio: "eastwestgateway" };
  const ns = typeof gw["namespace"] === "string" ? gw["namespace"] : "istio-system";
  const pod = resources(s, "Pod").find((r) => {
    const labels = isObject(r.doc["metadata"]) && isObject(r.doc["metadata"]["labels"]) ? (r.doc["metadata"]["labels"] as Node) : {};
    return r.mesh === mesh && nsOf(r.doc) === ns && Object.entries(selector).every(([k, v]) => labels[k] === v);
  });
  const ip = pod && isObject(pod.doc["status"]) ? pod.doc["status"]["podIP"] : undefined;
  return typeof ip === "string" && ip !== "" ? ip : undefined;
}

/**
 * Adds a condition on the connection's addresses or SNI to an AuthorizationPolicy rule: a source
 * address key (ipBlocks, remoteIpBlocks, their not* forms) or a `when` on source.ip, remote.ip,
 * destination.ip or connection.sni. Source ranges name the gateway pod (the peer servers see) or
 * not; without a gateway pod in the input only `/0` (verify declares narrower ones).
 */
const authzSourceAddress: Mutator = (s, rng) => {
  const refs = resources(s, "AuthorizationPolicy").filter(
    (r) => String(spec(r.doc)["action"] ?? "ALLOW") !== "CUSTOM" && asArray(spec(r.doc)["rules"]).length > 0,
  );
  if (refs.length === 0) return undefined;
  const ref = rng.pick(refs);
  const rules = spec(ref.doc)["rules"] as Node[];
  const i = rng.int(rules.length);
  const rule = rules[i]!;
  const gwIp = gatewayPodIp(s, ref.mesh);
  const podIps = resources(s, "Pod")
    .filter((r) => r.mesh === ref.mesh && isObject(r.doc["status"]) && typeof r.doc["status"]["podIP"] === "string")
    .map((r) => String((r.doc["status"] as Node)["podIP"]));
  const sourceValues = gwIp ? ["0.0.0.0/0", gwIp, `${gwIp.split(".").slice(0, 3).join(".")}.0/24`, "10.99.0.0/16", "192.168.7.7"] : ["0.0.0.0/0"];
  const sources = asArray(rule["from"]).filter((f) => isObject(f["source"]));
  if (sources.length > 0 && rng.chance(0.5)) {
    const src = rng.pick(sources)["source"] as Node;
    const key = rng.pick(["ipBlocks", "notIpBlocks", "remoteIpBlocks", "notRemoteIpBlocks"]);
    src[key] = [rng.pick(sourceValues)];
    return `${label(ref)} rule ${i}: source.${key} ${show(src[key])}`;
  }
  const key = rng.pick(["source.ip", "remote.ip", "destination.ip", "connection.sni"]);
  const values =
    key === "destination.ip"
      ? ["0.0.0.0/0", ...podIps, "10.99.0.0/16"]
      : key === "connection.sni"
        ? ["*", "outbound_.*", `outbound_.${rng.pick(knownPorts(s))}_*`, "*.svc.cluster.local", "nothing.invalid"]
        : sourceValues;
  const cond: Node = { key, [rng.chance(0.7) ? "values" : "notValues"]: [rng.pick(values)] };
  rule["when"] = [...asArray(rule["when"]), cond];
  return `${label(ref)} rule ${i}: when ${show(cond)}`;
};

/** Moves an AuthorizationPolicy into the root namespace (istio-system), keeping its selector. */
const authzRootNamespace: Mutator = (s, rng) => {
  const refs = resources(s, "AuthorizationPolicy").filter((r) => nsOf(r.doc) !== "istio-system");
  if (refs.length === 0) return undefined;
  const ref = rng.pick(refs);
  const before = label(ref);
  (ref.doc["metadata"] as Node)["namespace"] = "istio-system";
  return `${before}: moved to the root namespace istio-system`;
};

/**
 * Adds a CUSTOM AuthorizationPolicy naming a provider istiod cannot build: not in the mesh config,
 * or defined with a service in no registry (istiod denies what its rules match either way).
 */
const authzCustom: Mutator = (s, rng) => {
  const targets = resources(s, "Service").filter((r) => nsOf(r.doc) !== "istio-system" && isObject(spec(r.doc)["selector"]));
  if (targets.length === 0) return undefined;
  const target = rng.pick(targets);
  const rule = rng.chance(0.5) ? {} : { to: [{ operation: { ports: [String(rng.pick(knownPorts(s)))] } }] };
  // Sometimes the provider is defined, with a service in no registry: istiod still cannot build it.
  const mesh = meshes(s).find((m) => m["name"] === target.mesh);
  const defined = mesh !== undefined && rng.chance(0.4);
  if (defined) {
    if (!isObject(mesh["meshConfig"])) mesh["meshConfig"] = {};
    const mc = mesh["meshConfig"] as Node;
    mc["extensionProviders"] = [
      ...asArray(mc["extensionProviders"]),
      { name: "differential-missing-provider", envoyExtAuthzGrpc: { service: "differential-authz.nowhere.svc.cluster.local", port: 9000 } },
    ];
  }
  addedFile(s, target.mesh).docs.push({
    apiVersion: "security.istio.io/v1",
    kind: "AuthorizationPolicy",
    metadata: { name: "differential-custom-policy", namespace: nsOf(target.doc) },
    spec: { selector: { matchLabels: spec(target.doc)["selector"] }, action: "CUSTOM", provider: { name: "differential-missing-provider" }, rules: [rule] },
  });
  return `${target.mesh}: add CUSTOM AuthorizationPolicy with an ${defined ? "unbuildable (service in no registry)" : "unknown"} provider on ${label(target)}, rule ${show(rule)}`;
};

/** Replaces an AuthorizationPolicy's selector by targetRefs to a Service of its namespace (sidecars then ignore it). */
const authzTargetRefs: Mutator = (s, rng) => {
  const refs = resources(s, "AuthorizationPolicy");
  if (refs.length === 0) return undefined;
  const ref = rng.pick(refs);
  const services = resources(s, "Service")
    .filter((r) => r.mesh === ref.mesh && nsOf(r.doc) === nsOf(ref.doc))
    .map((r) => nameOf(r.doc));
  const target = rng.pick([...services, "differential-no-such-service"]);
  delete spec(ref.doc)["selector"];
  spec(ref.doc)["targetRefs"] = [{ group: "", kind: "Service", name: target }];
  return `${label(ref)}: selector -> targetRefs Service ${target}`;
};

const peerAuthentication: Mutator = (s, rng) => {
  const refs = resources(s, "PeerAuthentication");
  const mode = rng.pick(["PERMISSIVE", "DISABLE", "STRICT"]);
  if (refs.length > 0 && rng.chance(0.7)) {
    const ref = rng.pick(refs);
    const old = spec(ref.doc)["mtls"]?.["mode"] as unknown;
    const next = rng.pick(["PERMISSIVE", "DISABLE", "STRICT"].filter((m) => m !== old));
    spec(ref.doc)["mtls"] = { mode: next };
    return `${label(ref)}: mtls.mode ${show(old ?? null)} -> ${next}`;
  }
  const targets = resources(s, "Service").filter((r) => nsOf(r.doc) !== "istio-system");
  if (targets.length === 0) return undefined;
  const target = rng.pick(targets);
  addedFile(s, target.mesh).docs.push({
    apiVersion: "security.istio.io/v1",
    kind: "PeerAuthentication",
    metadata: { name: "differential-namespace-mtls", namespace: nsOf(target.doc) },
    spec: { mtls: { mode } },
  });
  return `${target.mesh}: add namespace-wide PeerAuthentication ${mode} in ${nsOf(target.doc)}`;
};

const destinationRuleTlsMode: Mutator = (s, rng) => {
  const targets = resources(s, "DestinationRule").flatMap((ref) => drTlsSettings(ref.doc).map((t) => ({ ref, ...t })));
  if (targets.length === 0) return undefined;
  const { ref, where, tls } = rng.pick(targets);
  const old = tls["mode"] as unknown;
  const next = rng.pick(["DISABLE", "SIMPLE", "ISTIO_MUTUAL", "none"].filter((m) => m !== old));
  if (next === "none") {
    for (const k of Object.keys(tls)) delete tls[k];
  } else tls["mode"] = next;
  return `${label(ref)} ${where}: mode ${show(old ?? null)} -> ${next === "none" ? "(tls removed)" : next}`;
};

const destinationRuleSans: Mutator = (s, rng) => {
  const targets = resources(s, "DestinationRule").flatMap((ref) => drTlsSettings(ref.doc).map((t) => ({ ref, ...t })));
  if (targets.length === 0) return undefined;
  const { ref, where, tls } = rng.pick(targets);
  const old = tls["subjectAltNames"] as unknown;
  const ids = identities(s).map((i) => `spiffe://${i}`);
  const choice = rng.int(3);
  if (choice === 0 && old !== undefined) delete tls["subjectAltNames"];
  else if (choice === 1) tls["subjectAltNames"] = [rng.pick([...ids, "spiffe://unknown.invalid/ns/x/sa/y"])];
  else tls["subjectAltNames"] = [...(asArray(old) as unknown as string[]), rng.pick([...ids, "spiffe://unknown.invalid/ns/x/sa/y"])];
  return `${label(ref)} ${where}: subjectAltNames ${show(old ?? null)} -> ${show(tls["subjectAltNames"] ?? null)}`;
};

/**
 * A DestinationRule's port-level TLS moved to the top of its traffic policy, the port-level entry
 * kept with a connection pool only (or moved to another port); or a top-level TLS given a
 * tls-less port-level entry for one of the ports the scenario knows. A port-level entry replaces
 * the whole policy of its port, TLS included (util.go GetPortLevelTrafficPolicy).
 */
const destinationRulePortLevel: Mutator = (s, rng) => {
  const rules = resources(s, "DestinationRule").filter((r) => isObject(spec(r.doc)["trafficPolicy"]));
  if (rules.length === 0) return undefined;
  const ref = rng.pick(rules);
  const tp = spec(ref.doc)["trafficPolicy"] as Node;
  const withTls = asArray(tp["portLevelSettings"]).filter((pl) => isObject(pl["tls"]));
  const pool = { tcp: { maxConnections: 100 } };
  if (withTls.length > 0 && !isObject(tp["tls"])) {
    const pl = rng.pick(withTls);
    tp["tls"] = pl["tls"];
    delete pl["tls"];
    pl["connectionPool"] = pool;
    const old = pl["port"]?.["number"];
    if (rng.chance(0.3)) pl["port"] = { number: otherPort(s, rng, old) };
    return `${label(ref)}: port ${show(old)} tls moved to trafficPolicy.tls, port-level entry now ${show(pl)}`;
  }
  const port = rng.pick(knownPorts(s));
  tp["portLevelSettings"] = [...asArray(tp["portLevelSettings"]), { port: { number: port }, connectionPool: pool }];
  return `${label(ref)}: add a tls-less port-level entry for port ${port}`;
};

const rootCa: Mutator = (s, rng) => {
  const all = meshes(s);
  if (all.length === 0) return undefined;
  const mesh = rng.pick(all);
  const old = String(mesh["rootCA"] ?? "");
  const labels = [...new Set(all.map((m) => String(m["rootCA"] ?? "")))].filter((l) => l !== old && l !== "");
  mesh["rootCA"] = rng.pick([...labels, "other-root"]);
  return `mesh ${String(mesh["name"])}: rootCA ${old} -> ${String(mesh["rootCA"])}`;
};

const exportTo: Mutator = (s, rng) => {
  const refs = [...resources(s, "ServiceEntry"), ...resources(s, "DestinationRule")];
  if (refs.length === 0) return undefined;
  const ref = rng.pick(refs);
  const old = spec(ref.doc)["exportTo"] as unknown;
  const namespaces = [
    ...new Set(
      resources(s, "Namespace")
        .filter((r) => r.mesh === ref.mesh)
        .map((r) => nameOf(r.doc)),
    ),
  ].filter((n) => n !== nsOf(ref.doc));
  const options: (string[] | undefined)[] = [["*"], ["."], ...namespaces.map((n) => [n]), undefined];
  const fresh = options.filter((o) => show(o ?? null) !== show(old ?? null) && !(o === undefined && old === undefined));
  const next = rng.pick(fresh);
  if (next === undefined) delete spec(ref.doc)["exportTo"];
  else spec(ref.doc)["exportTo"] = next;
  return `${label(ref)}: exportTo ${show(old ?? null)} -> ${show(spec(ref.doc)["exportTo"] ?? null)}`;
};

const gatewayTlsMode: Mutator = (s, rng) => {
  const servers = gatewayServers(s).filter((g) => isObject(g.server["tls"]));
  if (servers.length === 0) return undefined;
  const { ref, server, index } = rng.pick(servers);
  const old = server["tls"]["mode"] as unknown;
  server["tls"]["mode"] = rng.pick(["AUTO_PASSTHROUGH", "ISTIO_MUTUAL", "PASSTHROUGH"].filter((m) => m !== old));
  return `${label(ref)} server ${index}: tls.mode ${show(old)} -> ${String(server["tls"]["mode"])}`;
};

/** The `from` of every probe: mesh, namespace, service account, labels. */
function probeClients(s: ScenarioDocs): Node[] {
  return asArray(s.scenario["probes"])
    .map((p) => p["from"])
    .filter(isObject);
}

function rootNamespaceOf(s: ScenarioDocs, mesh: string): string {
  const m = meshes(s).find((x) => x["name"] === mesh);
  const root = isObject(m?.["meshConfig"]) ? m["meshConfig"]["rootNamespace"] : undefined;
  return typeof root === "string" ? root : "istio-system";
}

/** Labels of the pods (and Deployment templates) of one mesh, with their namespace. */
function podLabels(s: ScenarioDocs, mesh: string): { ns: string; labels: Node }[] {
  return [...resources(s, "Pod"), ...resources(s, "Deployment")]
    .filter((r) => r.mesh === mesh)
    .map((r) => {
      const meta = r.doc["kind"] === "Deployment" ? (spec(r.doc)["template"]?.["metadata"] ?? {}) : (r.doc["metadata"] ?? {});
      return { ns: nsOf(r.doc), labels: isObject(meta["labels"]) ? meta["labels"] : {} };
    })
    .filter((p) => Object.keys(p.labels).length > 0);
}

/**
 * A Sidecar scoping a probe client's egress: in its namespace (with or without a matching
 * workloadSelector, or one that misses) or in the root namespace, importing `./*`, another
 * namespace, one host, a wildcard, or everything but one host (`~ns/host`).
 */
const sidecarEgress: Mutator = (s, rng) => {
  const clients = probeClients(s);
  if (clients.length === 0) return undefined;
  const c = rng.pick(clients);
  const mesh = String(c["mesh"]);
  const ns = String(c["namespace"]);
  const entries = resources(s, "ServiceEntry").filter((r) => r.mesh === mesh);
  const hosted = entries.flatMap((r) => asArray(spec(r.doc)["hosts"]).map((h) => ({ ns: nsOf(r.doc), host: String(h) })));
  const target = hosted.length > 0 ? rng.pick(hosted) : { ns, host: "nothing.example.invalid" };
  const tail = target.host.includes(".") ? target.host.slice(target.host.indexOf(".")) : ".mesh";
  const hosts = rng.pick([
    ["./*"],
    ["istio-system/*"],
    ["*/*"],
    [`./${target.host}`],
    [`*/${target.host}`],
    [`${target.ns}/${target.host}`],
    [`~./${target.host}`, "*/*"],
    [`*/*${tail}`],
    ["./*.svc.cluster.local"],
    [`${target.ns}/*`, `~*/${target.host}`],
  ]);
  const placement = rng.pick(["namespace", "selector", "selector-miss", "root"]);
  const labels = isObject(c["labels"]) ? (c["labels"] as Node) : {};
  const key = Object.keys(labels)[0];
  const doc: Node = {
    apiVersion: "networking.istio.io/v1",
    kind: "Sidecar",
    metadata: { name: "differential-sidecar", namespace: placement === "root" ? rootNamespaceOf(s, mesh) : ns },
    spec: { egress: [{ hosts }] },
  };
  if (placement === "selector" && key !== undefined) spec(doc)["workloadSelector"] = { labels: { [key]: String(labels[key]) } };
  if (placement === "selector-miss") spec(doc)["workloadSelector"] = { labels: { differential: "nobody" } };
  addedFile(s, mesh).docs.push(doc);
  return `${mesh}: add Sidecar in ${String(doc["metadata"]["namespace"])} (${placement}) egress hosts ${show(hosts)}`;
};

/**
 * The client sidecar's catch-all: the mesh's outboundTrafficPolicy set to REGISTRY_ONLY (or
 * written without mode), or a Sidecar in a probe client's namespace with a policy of its own
 * (REGISTRY_ONLY, no mode, ALLOW_ANY, ALLOW_ANY with an egressProxy to a ServiceEntry of the
 * mesh); plus a probe from that client to an address no service owns.
 */
const outboundTrafficPolicy: Mutator = (s, rng) => {
  const clients = probeClients(s);
  if (clients.length === 0) return undefined;
  const c = rng.pick(clients);
  const mesh = String(c["mesh"]);
  const ns = String(c["namespace"]);
  asArray(s.scenario["probes"]).push({ name: "differential-unknown-address", from: c, to: { host: "192.0.2.7", port: 8080 } });
  if (rng.chance(0.3)) {
    const m = meshes(s).find((x) => x["name"] === mesh)!;
    if (!isObject(m["meshConfig"])) m["meshConfig"] = {};
    const policy = rng.pick([{ mode: "REGISTRY_ONLY" }, {}, { mode: "ALLOW_ANY" }]);
    (m["meshConfig"] as Node)["outboundTrafficPolicy"] = policy;
    return `mesh ${mesh}: meshConfig.outboundTrafficPolicy ${show(policy)}; probe from ${ns} to 192.0.2.7:8080`;
  }
  const entries = resources(s, "ServiceEntry").filter((r) => r.mesh === mesh);
  const targets = entries.flatMap((r) =>
    asArray(spec(r.doc)["hosts"]).flatMap((h) => {
      const port = asArray(spec(r.doc)["ports"])[0]?.["number"];
      return typeof port === "number" ? [{ host: String(h), port }] : [];
    }),
  );
  const policies: Node[] = [{ mode: "REGISTRY_ONLY" }, {}, { mode: "ALLOW_ANY" }];
  if (targets.length > 0) {
    const t = rng.pick(targets);
    policies.push({ mode: "ALLOW_ANY", egressProxy: { host: t.host, port: { number: t.port } } });
  }
  const policy = rng.pick(policies);
  addedFile(s, mesh).docs.push({
    apiVersion: "networking.istio.io/v1",
    kind: "Sidecar",
    metadata: { name: "differential-outbound-policy", namespace: ns },
    spec: { outboundTrafficPolicy: policy },
  });
  return `${mesh}: add Sidecar ${ns}/differential-outbound-policy with outboundTrafficPolicy ${show(policy)}; probe from ${ns} to 192.0.2.7:8080`;
};

/**
 * A Service of a probe client's namespace on the probe's port: headless (with a pod, which it
 * listens on instead of 0.0.0.0) or an ExternalName alias of the probe's host (which listens
 * nowhere); plus a probe to the headless Service's pod (listener.go buildSidecarOutboundListeners).
 */
const clientLocalService: Mutator = (s, rng) => {
  const probes = asArray(s.scenario["probes"]).filter((p) => isObject(p["from"]) && isObject(p["to"]) && typeof p["to"]["port"] === "number");
  if (probes.length === 0) return undefined;
  const probe = rng.pick(probes);
  const from = probe["from"] as Node;
  const mesh = String(from["mesh"]);
  const ns = String(from["namespace"]);
  const port = Number(probe["to"]["port"]);
  const host = String(probe["to"]["host"]);
  const ports = [{ name: `tcp-${port}`, port, protocol: "TCP" }];
  if (rng.chance(0.5) && !/^[0-9.]+$/.test(host)) {
    addedFile(s, mesh).docs.push({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "differential-alias", namespace: ns },
      spec: { type: "ExternalName", externalName: host, ports },
    });
    asArray(s.scenario["probes"]).push({ name: "differential-alias-name", from, to: { host: `differential-alias.${ns}.svc.cluster.local`, port } });
    return `${mesh}: add ExternalName Service ${ns}/differential-alias for ${host} on ${port}`;
  }
  const file = addedFile(s, mesh);
  file.docs.push({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "differential-headless", namespace: ns },
    spec: { clusterIP: "None", selector: { app: "differential-headless" }, ports },
  });
  file.docs.push({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "differential-headless-0", namespace: ns, labels: { app: "differential-headless" } },
    spec: { containers: [{ name: "app", image: "example.invalid/app", ports: [{ containerPort: port }] }] },
    status: { phase: "Running", podIP: "10.199.0.7", podIPs: [{ ip: "10.199.0.7" }], conditions: [{ type: "Ready", status: "True" }] },
  });
  asArray(s.scenario["probes"]).push({ name: "differential-headless-pod", from, to: { host: "10.199.0.7", port } });
  return `${mesh}: add headless Service ${ns}/differential-headless (pod 10.199.0.7) on ${port}`;
};

/** A server-side workload's selector labels: a pod of a mesh that serves something. */
function pickPod(s: ScenarioDocs, rng: Prng): { mesh: string; ns: string; labels: Node } | undefined {
  const all = meshes(s).flatMap((m) => podLabels(s, String(m["name"])).map((p) => ({ mesh: String(m["name"]), ...p })));
  return all.length === 0 ? undefined : rng.pick(all);
}

/** Declared: an EnvoyFilter removing the inbound RBAC filter of a pod (or of every proxy of a namespace). */
const envoyFilter: Mutator = (s, rng) => {
  const pod = pickPod(s, rng);
  if (!pod) return undefined;
  const selected = rng.chance(0.7);
  const key = Object.keys(pod.labels)[0]!;
  addedFile(s, pod.mesh).docs.push({
    apiVersion: "networking.istio.io/v1alpha3",
    kind: "EnvoyFilter",
    metadata: { name: "differential-envoyfilter", namespace: pod.ns },
    spec: {
      ...(selected ? { workloadSelector: { labels: { [key]: String(pod.labels[key]) } } } : {}),
      configPatches: [
        {
          applyTo: "NETWORK_FILTER",
          match: { context: "SIDECAR_INBOUND", listener: { filterChain: { filter: { name: "envoy.filters.network.rbac" } } } },
          patch: { operation: "REMOVE" },
        },
      ],
    },
  });
  return `${pod.mesh}: add EnvoyFilter in ${pod.ns} removing the inbound RBAC filter${selected ? ` of ${key}=${String(pod.labels[key])}` : ""}`;
};

/** Declared: a WasmPlugin on a pod. */
const wasmPlugin: Mutator = (s, rng) => {
  const pod = pickPod(s, rng);
  if (!pod) return undefined;
  const key = Object.keys(pod.labels)[0]!;
  addedFile(s, pod.mesh).docs.push({
    apiVersion: "extensions.istio.io/v1alpha1",
    kind: "WasmPlugin",
    metadata: { name: "differential-wasm", namespace: pod.ns },
    spec: { selector: { matchLabels: { [key]: String(pod.labels[key]) } }, url: "oci://registry.example.invalid/filter:1", phase: "AUTHZ" },
  });
  return `${pod.mesh}: add WasmPlugin in ${pod.ns} on ${key}=${String(pod.labels[key])}`;
};

/** Declared: a Gateway API route with a Service parent (GAMMA), applied by every client sidecar. */
const gatewayApiRoute: Mutator = (s, rng) => {
  const services = resources(s, "Service");
  if (services.length === 0) return undefined;
  const ref = rng.pick(services);
  const port = asArray(spec(ref.doc)["ports"])[0]?.["port"];
  addedFile(s, ref.mesh).docs.push({
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: "differential-route", namespace: nsOf(ref.doc) },
    spec: {
      parentRefs: [{ group: "", kind: "Service", name: nameOf(ref.doc), ...(typeof port === "number" ? { port } : {}) }],
      rules: [{ backendRefs: [{ name: nameOf(ref.doc), ...(typeof port === "number" ? { port } : {}) }] }],
    },
  });
  return `${ref.mesh}: add HTTPRoute ${nsOf(ref.doc)}/differential-route with parent Service ${nameOf(ref.doc)}`;
};

/** Declared: a Sidecar egress listener bound to one port, or ingress listeners on a server. */
const sidecarListeners: Mutator = (s, rng) => {
  const clients = probeClients(s);
  if (clients.length === 0 || rng.chance(0.4)) {
    const pod = pickPod(s, rng);
    if (!pod) return undefined;
    addedFile(s, pod.mesh).docs.push({
      apiVersion: "networking.istio.io/v1",
      kind: "Sidecar",
      metadata: { name: "differential-sidecar-ingress", namespace: pod.ns },
      spec: { ingress: [{ port: { number: 9999, protocol: "TCP", name: "tcp-differential" }, defaultEndpoint: "127.0.0.1:9999" }] },
    });
    return `${pod.mesh}: add Sidecar in ${pod.ns} with an ingress listener`;
  }
  const c = rng.pick(clients);
  const port = rng.pick(knownPorts(s));
  addedFile(s, String(c["mesh"])).docs.push({
    apiVersion: "networking.istio.io/v1",
    kind: "Sidecar",
    metadata: { name: "differential-sidecar-port", namespace: String(c["namespace"]) },
    spec: { egress: [{ port: { number: port, protocol: "TCP", name: `tcp-${port}` }, hosts: ["*/*"] }, { hosts: ["./*"] }] },
  });
  return `${String(c["mesh"])}: add Sidecar in ${String(c["namespace"])} with an egress listener on port ${port}`;
};

/** Meshes with an east-west gateway: name, namespace, selector, port. */
function eastWestGateways(s: ScenarioDocs): { mesh: string; namespace: string; selector: Node; port: number; spec: Node }[] {
  return meshes(s)
    .filter((m) => isObject(m["eastWestGateway"]))
    .map((m) => {
      const g = m["eastWestGateway"] as Node;
      return {
        mesh: String(m["name"]),
        namespace: String(g["namespace"] ?? "istio-system"),
        selector: isObject(g["selector"]) ? g["selector"] : {},
        port: Number(g["port"] ?? 15443),
        spec: g,
      };
    });
}

/** The SNIs the scenario's clients send (DestinationRule tls.sni), plus each Service's default one. */
function sniCandidates(s: ScenarioDocs, mesh: string): string[] {
  const out = new Set<string>();
  for (const r of resources(s, "DestinationRule")) for (const t of drTlsSettings(r.doc)) if (typeof t.tls["sni"] === "string") out.add(t.tls["sni"]);
  for (const r of resources(s, "Service").filter((x) => x.mesh === mesh)) {
    const port = asArray(spec(r.doc)["ports"])[0]?.["port"];
    if (typeof port === "number") out.add(`outbound_.${port}_._.${nameOf(r.doc)}.${nsOf(r.doc)}.svc.cluster.local`);
  }
  return [...out].sort();
}

/** A Service of the mesh other than the gateway's, with its host and first port. */
function pickBackend(s: ScenarioDocs, rng: Prng, mesh: string): { host: string; ns: string; port: number } | undefined {
  const services = resources(s, "Service")
    .filter((r) => r.mesh === mesh && !(isObject(spec(r.doc)["selector"]) && Object.keys(spec(r.doc)["selector"]).includes("istio")))
    .flatMap((r) => {
      const port = asArray(spec(r.doc)["ports"])[0]?.["port"];
      return typeof port === "number" ? [{ host: `${nameOf(r.doc)}.${nsOf(r.doc)}.svc.cluster.local`, ns: nsOf(r.doc), port }] : [];
    });
  return services.length === 0 ? undefined : rng.pick(services);
}

/**
 * A Gateway with one TLS server on the east-west gateway's port and a VirtualService bound to it
 * (its `hosts` and routes in `routes`), both added to the gateway's mesh.
 */
function addGatewayRoute(
  s: ScenarioDocs,
  g: ReturnType<typeof eastWestGateways>[number],
  server: { name: string; mode: string; hosts: string[] },
  vsName: string,
  vsNamespace: string,
  routes: Node,
): void {
  const file = addedFile(s, g.mesh);
  const portName = server.mode === "PASSTHROUGH" ? "tls-passthrough" : "tls-terminating";
  file.docs.push({
    apiVersion: "networking.istio.io/v1",
    kind: "Gateway",
    metadata: { name: server.name, namespace: g.namespace },
    spec: { selector: g.selector, servers: [{ port: { number: g.port, name: portName, protocol: "TLS" }, tls: { mode: server.mode }, hosts: server.hosts }] },
  });
  file.docs.push({
    apiVersion: "networking.istio.io/v1",
    kind: "VirtualService",
    metadata: { name: vsName, namespace: vsNamespace },
    spec: { hosts: routes["hosts"], gateways: [`${g.namespace}/${server.name}`], ...Object.fromEntries(Object.entries(routes).filter(([k]) => k !== "hosts")) },
  });
}

/**
 * A PASSTHROUGH server on the east-west gateway's port with a VirtualService `tls` route: the
 * gateway forwards a chosen SNI to a service without terminating, through an ordinary cluster.
 */
const gatewayPassthroughRoute: Mutator = (s, rng) => {
  const gws = eastWestGateways(s);
  if (gws.length === 0) return undefined;
  const g = rng.pick(gws);
  const backend = pickBackend(s, rng, g.mesh);
  if (!backend) return undefined;
  const sni = rng.pick([...sniCandidates(s, g.mesh), `outbound_.${backend.port}_._.${backend.host}`]);
  const serverHosts = rng.pick([["*"], [`${backend.ns}/*`], [sni], ["*.svc.cluster.local"]]);
  const vsNs = rng.pick([g.namespace, backend.ns]);
  addGatewayRoute(s, g, { name: "differential-passthrough", mode: "PASSTHROUGH", hosts: serverHosts }, "differential-tls-route", vsNs, {
    hosts: rng.pick([["*"], [sni]]),
    tls: [
      {
        match: [{ sniHosts: [sni], ...(rng.chance(0.3) ? { port: g.port } : {}) }],
        route: [{ destination: { host: backend.host, port: { number: backend.port } } }],
      },
    ],
  });
  return `${g.mesh}: add PASSTHROUGH server ${show(serverHosts)} and VirtualService ${vsNs}/differential-tls-route routing SNI ${sni} to ${backend.host}:${backend.port}`;
};

/** A terminating ISTIO_MUTUAL server on the east-west gateway's port with a catch-all `tcp` route. */
const gatewayTerminatingRoute: Mutator = (s, rng) => {
  const gws = eastWestGateways(s);
  if (gws.length === 0) return undefined;
  const g = rng.pick(gws);
  const backend = pickBackend(s, rng, g.mesh);
  if (!backend) return undefined;
  const serverHosts = rng.pick([["*"], [`${backend.ns}/*`], [backend.host], ["*.svc.cluster.local"]]);
  const vsNs = serverHosts[0]!.includes("/") ? backend.ns : rng.pick([g.namespace, backend.ns]);
  addGatewayRoute(s, g, { name: "differential-terminating", mode: "ISTIO_MUTUAL", hosts: serverHosts }, "differential-tcp-route", vsNs, {
    hosts: rng.pick([["*"], [backend.host]]),
    tcp: [{ route: [{ destination: { host: backend.host, port: { number: backend.port } } }] }],
  });
  return `${g.mesh}: add ISTIO_MUTUAL server ${show(serverHosts)} and VirtualService ${vsNs}/differential-tcp-route sending TCP to ${backend.host}:${backend.port}`;
};

/**
 * The east-west gateway Service's port becomes 443 with targetPort the old port (clients dial
 * 443); its Gateway servers keep the targetPort, take the Service port, or the Service opts out
 * of port translation.
 */
const gatewayServicePort: Mutator = (s, rng) => {
  const gws = eastWestGateways(s);
  if (gws.length === 0) return undefined;
  const g = rng.pick(gws);
  const svc = resources(s, "Service").find(
    (r) =>
      r.mesh === g.mesh &&
      nsOf(r.doc) === g.namespace &&
      isObject(spec(r.doc)["selector"]) &&
      Object.entries(g.selector).every(([k, v]) => spec(r.doc)["selector"][k] === v),
  );
  const port = svc ? asArray(spec(svc.doc)["ports"]).find((p) => p["port"] === g.port) : undefined;
  if (!svc || !port) return undefined;
  const old = g.port;
  port["port"] = 443;
  port["targetPort"] = old;
  g.spec["port"] = 443;
  for (const r of resources(s, "ServiceEntry"))
    for (const e of asArray(spec(r.doc)["endpoints"]))
      if (isObject(e["ports"])) for (const k of Object.keys(e["ports"])) if (e["ports"][k] === old) e["ports"][k] = 443;
  const servers = gatewayServers(s).filter((x) => x.ref.mesh === g.mesh && x.server["port"]?.["number"] === old);
  const choice = rng.pick(["keep", "service-port", "no-translation"]);
  if (choice === "service-port") for (const x of servers) x.server["port"]["number"] = 443;
  if (choice === "no-translation") {
    const meta = svc.doc["metadata"] as Node;
    meta["labels"] = { ...(isObject(meta["labels"]) ? meta["labels"] : {}), "experimental.istio.io/disable-gateway-port-translation": "true" };
  }
  return `${g.mesh}: gateway Service port ${old} -> 443 (targetPort ${old}), clients dial 443, Gateway servers ${choice}`;
};

/**
 * A DestinationRule with a workloadSelector beside an existing one: in the client's namespace,
 * selecting the probe's client (or nobody), with another TLS mode or SNI.
 */
const destinationRuleSelector: Mutator = (s, rng) => {
  const rules = resources(s, "DestinationRule");
  if (rules.length === 0) return undefined;
  const base = rng.pick(rules);
  const clients = probeClients(s).filter((c) => String(c["mesh"]) === base.mesh && String(c["namespace"]) === nsOf(base.doc));
  const labels = clients.length > 0 && isObject(clients[0]!["labels"]) ? (clients[0]!["labels"] as Node) : {};
  const key = Object.keys(labels)[0];
  const selector = key !== undefined && rng.chance(0.7) ? { [key]: String(labels[key]) } : { differential: "nobody" };
  const tls = rng.pick([{ mode: "DISABLE" }, { mode: "ISTIO_MUTUAL" }, { mode: "ISTIO_MUTUAL", sni: "outbound_.1_._.differential.invalid" }]);
  addedFile(s, base.mesh).docs.push({
    apiVersion: "networking.istio.io/v1",
    kind: "DestinationRule",
    metadata: { name: "differential-selector-rule", namespace: nsOf(base.doc) },
    spec: { host: spec(base.doc)["host"], workloadSelector: { matchLabels: selector }, trafficPolicy: { tls } },
  });
  return `${base.mesh}: add DestinationRule ${nsOf(base.doc)}/differential-selector-rule for ${show(spec(base.doc)["host"])} selecting ${show(selector)} with tls ${show(tls)}`;
};

/**
 * A second DestinationRule for an existing rule's host in its namespace, older or newer, with
 * or without a traffic policy, the same or another exportTo: istiod merges some and not others.
 */
const destinationRuleDuplicate: Mutator = (s, rng) => {
  const rules = resources(s, "DestinationRule");
  if (rules.length === 0) return undefined;
  const base = rng.pick(rules);
  const older = rng.chance(0.5);
  const meta = base.doc["metadata"] as Node;
  if (older) meta["creationTimestamp"] = "2026-02-01T00:00:00Z";
  const exportTo = rng.pick([undefined, ["."], ["*"], spec(base.doc)["exportTo"]]);
  const policy = rng.pick([undefined, { tls: { mode: "DISABLE" } }, { tls: { mode: "ISTIO_MUTUAL" } }]);
  addedFile(s, base.mesh).docs.push({
    apiVersion: "networking.istio.io/v1",
    kind: "DestinationRule",
    metadata: { name: "differential-duplicate-rule", namespace: nsOf(base.doc), creationTimestamp: older ? "2026-01-01T00:00:00Z" : "2026-03-01T00:00:00Z" },
    spec: {
      host: spec(base.doc)["host"],
      ...(exportTo !== undefined ? { exportTo } : {}),
      ...(policy !== undefined ? { trafficPolicy: policy } : {}),
      subsets: [{ name: "differential", labels: { differential: "subset" } }],
    },
  });
  return `${base.mesh}: add ${older ? "an older" : "a newer"} DestinationRule ${nsOf(base.doc)}/differential-duplicate-rule for ${show(spec(base.doc)["host"])}, exportTo ${show(exportTo ?? null)}, trafficPolicy ${show(policy ?? null)}`;
};

/**
 * A client VirtualService `tcp` rule for a probe's host: to another host the scenario knows (or
 * none), sometimes restricted by sourceLabels, port or gateways, sometimes from another
 * namespace or exported nowhere.
 */
const clientTcpRoute: Mutator = (s, rng) => {
  const probes = asArray(s.scenario["probes"]).filter((p) => isObject(p["from"]) && isObject(p["to"]) && typeof p["to"]["host"] === "string");
  if (probes.length === 0) return undefined;
  const probe = rng.pick(probes);
  const from = probe["from"] as Node;
  const mesh = String(from["mesh"]);
  const host = String(probe["to"]["host"]);
  if (/^[0-9.]+$/.test(host)) return undefined;
  const targets = [...serviceEntryHosts(s), ...serviceHosts(s, mesh), "nothing.example.invalid"].filter((h) => h !== host);
  const target = rng.pick(targets);
  const labels = isObject(from["labels"]) ? (from["labels"] as Node) : {};
  const key = Object.keys(labels)[0];
  const match = rng.pick([
    undefined,
    key !== undefined ? { sourceLabels: { [key]: String(labels[key]) } } : undefined,
    { sourceLabels: { differential: "nobody" } },
    { port: Number(probe["to"]["port"]) },
    { port: 1 },
    { gateways: ["mesh"] },
  ]);
  const ns = rng.pick([String(from["namespace"]), rootNamespaceOf(s, mesh)]);
  const exportTo = rng.pick([undefined, ["."], ["*"]]);
  const port = rng.pick([undefined, ...knownPorts(s).slice(0, 3)]);
  addedFile(s, mesh).docs.push({
    apiVersion: "networking.istio.io/v1",
    kind: "VirtualService",
    metadata: { name: "differential-client-route", namespace: ns },
    spec: {
      hosts: [host],
      ...(exportTo ? { exportTo } : {}),
      tcp: [{ ...(match ? { match: [match] } : {}), route: [{ destination: { host: target, ...(port ? { port: { number: port } } : {}) } }] }],
    },
  });
  return `${mesh}: add VirtualService ${ns}/differential-client-route for ${host}: tcp ${show(match ?? null)} -> ${target}${port ? `:${port}` : ""}, exportTo ${show(exportTo ?? null)}`;
};

/** A WorkloadEntry carrying a pod's labels, so the Services and ServiceEntries selecting the pod select it too. */
const workloadEntry: Mutator = (s, rng) => {
  const pod = pickPod(s, rng);
  if (!pod) return undefined;
  addedFile(s, pod.mesh).docs.push({
    apiVersion: "networking.istio.io/v1",
    kind: "WorkloadEntry",
    metadata: { name: "differential-vm", namespace: pod.ns },
    spec: { address: rng.pick(["10.250.0.9", "vm.example.invalid"]), labels: { ...pod.labels }, serviceAccount: rng.pick(["default", "differential-vm"]) },
  });
  return `${pod.mesh}: add WorkloadEntry ${pod.ns}/differential-vm with labels ${show(pod.labels)}`;
};

/**
 * A ServiceEntry's addresses: a second VIP (before or after the first), the first written as a
 * `/32`, or replaced by the `/24` range around it. Each address is a listener of its own; a range
 * listens on 0.0.0.0 with a prefix match, and a name whose addresses are all ranges resolves to
 * nothing (conversion.go convertServices, listener.go buildSidecarOutboundListener).
 */
const serviceEntryAddresses: Mutator = (s, rng) => {
  const entries = resources(s, "ServiceEntry").filter((r) => asArray(spec(r.doc)["addresses"]).length > 0);
  if (entries.length === 0) return undefined;
  const ref = rng.pick(entries);
  const old = asArray(spec(ref.doc)["addresses"]).map(String);
  const first = old[0]!;
  const octets = first.split("/")[0]!.split(".");
  const extra = `240.241.250.${2 + rng.int(200)}`;
  const choice = rng.int(4);
  let next: string[];
  if (choice === 0) next = [...old, extra];
  else if (choice === 1) next = [extra, ...old];
  else if (choice === 2 && !first.includes("/")) next = [`${first}/32`, ...old.slice(1)];
  else if (octets.length === 4) next = [`${octets.slice(0, 3).join(".")}.0/24`, ...old.slice(1)];
  else next = [...old, extra];
  spec(ref.doc)["addresses"] = next;
  return `${label(ref)}: addresses ${show(old)} -> ${show(next)}`;
};

/** A ServiceEntry's `location` removed (MESH_EXTERNAL, the enum's zero value) or switched. */
const serviceEntryLocation: Mutator = (s, rng) => {
  const entries = resources(s, "ServiceEntry");
  if (entries.length === 0) return undefined;
  const ref = rng.pick(entries);
  const old = spec(ref.doc)["location"];
  const next = rng.pick([undefined, "MESH_EXTERNAL", "MESH_INTERNAL"].filter((l) => l !== old));
  if (next === undefined) delete spec(ref.doc)["location"];
  else spec(ref.doc)["location"] = next;
  return `${label(ref)}: location ${show(old ?? null)} -> ${show(next ?? null)}`;
};

/**
 * A second endpoint for a ServiceEntry with endpoints, a pod address of no gateway, before or
 * after the first, each with a locality: EDS lists endpoints by locality in string order
 * (endpoint_builder.go generate), so which one a client dials depends on the localities.
 */
const serviceEntryEndpointLocality: Mutator = (s, rng) => {
  const entries = resources(s, "ServiceEntry").filter((r) => asArray(spec(r.doc)["endpoints"]).length > 0 && spec(r.doc)["resolution"] !== "DNS");
  if (entries.length === 0) return undefined;
  const ref = rng.pick(entries);
  const eps = asArray(spec(ref.doc)["endpoints"]);
  const first = eps[0]!;
  const localities = ["eu-west/zone-a", "us-east/zone-b", ""];
  const mine = rng.pick(localities);
  const other = rng.pick(localities);
  if (mine) first["locality"] = mine;
  const extra: Node = {
    address: "10.199.0.9",
    ...(isObject(first["ports"]) ? { ports: { ...(first["ports"] as Node) } } : {}),
    ...(other ? { locality: other } : {}),
  };
  if (rng.chance(0.5)) eps.unshift(extra);
  else eps.push(extra);
  return `${label(ref)}: endpoint locality ${show(mine)}, add endpoint 10.199.0.9 with locality ${show(other)}`;
};

/** Declared: a ServiceEntry with the host of a Kubernetes Service of its namespace, selecting its pods. */
const serviceEntrySameHost: Mutator = (s, rng) => {
  const pod = pickPod(s, rng);
  if (!pod) return undefined;
  const svc = resources(s, "Service").find((r) => r.mesh === pod.mesh && nsOf(r.doc) === pod.ns);
  if (!svc) return undefined;
  const ports = asArray(spec(svc.doc)["ports"]).map((p) => ({ number: p["port"], name: String(p["name"] ?? `tcp-${String(p["port"])}`), protocol: "TCP" }));
  const key = Object.keys(pod.labels)[0]!;
  addedFile(s, pod.mesh).docs.push({
    apiVersion: "networking.istio.io/v1",
    kind: "ServiceEntry",
    metadata: { name: "differential-same-host", namespace: pod.ns },
    spec: {
      hosts: [`${nameOf(svc.doc)}.${pod.ns}.svc.cluster.local`],
      ports,
      location: "MESH_INTERNAL",
      resolution: "STATIC",
      workloadSelector: { labels: { [key]: String(pod.labels[key]) } },
    },
  });
  return `${pod.mesh}: add ServiceEntry ${pod.ns}/differential-same-host for Service ${nameOf(svc.doc)}'s host, selecting ${key}=${String(pod.labels[key])}`;
};

/**
 * Edits real users make that Istio may refuse: the API server's CRD schema (unknown fields,
 * types, enums) or istiod's validation (pkg/config/validation). Each returns what it changed, or
 * undefined where the resource has nothing it applies to. The oracle says whether Istio refuses
 * the result; the differential then requires verify to refuse it too (or agree when it is valid).
 */
type Edit = (spec: Node, rng: Prng) => string | undefined;
const first = (v: unknown): Node | undefined => asArray(v).find(isObject);
const onServer =
  (f: (server: Node) => string | undefined): Edit =>
  (sp) => {
    const server = first(sp["servers"]);
    return server ? f(server) : undefined;
  };
const onPort = (f: (port: Node) => string | undefined): Edit => onServer((server) => (isObject(server["port"]) ? f(server["port"]) : undefined));
const onTls = (f: (tls: Node) => string | undefined): Edit => onServer((server) => (isObject(server["tls"]) ? f(server["tls"]) : undefined));
const setField = (node: Node, key: string, value: unknown, what: string): string => {
  const old = node[key];
  node[key] = value;
  return `${what} ${show(old)} -> ${show(value)}`;
};
const seEndpoint =
  (f: (e: Node) => string | undefined): Edit =>
  (sp) => {
    const e = first(sp["endpoints"]);
    return e ? f(e) : undefined;
  };
const drPortLevel =
  (f: (pl: Node) => string | undefined): Edit =>
  (sp) => {
    const pl = isObject(sp["trafficPolicy"]) ? first(sp["trafficPolicy"]["portLevelSettings"]) : undefined;
    return pl ? f(pl) : undefined;
  };
const apSource =
  (f: (source: Node) => string | undefined): Edit =>
  (sp) => {
    const from = first(first(sp["rules"])?.["from"]);
    return from && isObject(from["source"]) ? f(from["source"]) : undefined;
  };
const apRule =
  (f: (rule: Node) => string | undefined): Edit =>
  (sp) => {
    const rule = first(sp["rules"]);
    return rule ? f(rule) : undefined;
  };

const invalidEdits: Readonly<Record<string, readonly Edit[]>> = {
  Gateway: [
    onServer((s) => setField(s, "hosts", ["outbound_.5432_._.postgres.db.svc.cluster.local"], "server hosts")),
    onServer((s) => setField(s, "hosts", [], "server hosts")),
    onServer((s) => setField(s, "hosts", ["a/b/postgres.db.svc.cluster.local"], "server hosts")),
    onServer((s) => setField(s, "hosts", ["postgres.*.svc.cluster.local"], "server hosts")),
    onServer((s) => setField(s, "hosts", ["./postgres.db.svc.cluster.local"], "server hosts")),
    onServer((s) => setField(s, "bind", "not-an-ip", "server bind")),
    onServer((s) => setField(s, "sniHosts", ["x.example.com"], "server field")),
    onPort((p) => setField(p, "name", "", "port name")),
    onPort((p) => setField(p, "protocol", "TLSv2", "port protocol")),
    onPort((p) => setField(p, "number", 0, "port number")),
    onPort((p) => setField(p, "number", 70000, "port number")),
    onPort((p) => setField(p, "number", "15443", "port number")),
    onPort((p) => setField(p, "targetPort", 15443, "port targetPort")),
    onTls((tls) => setField(tls, "mode", "PASSTHRU", "tls mode")),
    onTls((tls) => setField(tls, "credentialName", "eastwest-cert", "tls credentialName")),
    onServer((s) => (s["tls"] === undefined ? undefined : setField(s, "tls", undefined, "server tls"))),
    (sp) => {
      const servers = asArray(sp["servers"]);
      const server = first(servers);
      if (!server) return undefined;
      const copy = JSON.parse(JSON.stringify(server)) as Node;
      if (isObject(copy["port"])) copy["port"]["number"] = 15444;
      servers.push(copy);
      return "a second server with the same port name on port 15444";
    },
  ],
  ServiceEntry: [
    (sp) => setField(sp, "hosts", [], "hosts"),
    (sp) => setField(sp, "hosts", ["*"], "hosts"),
    (sp) => setField(sp, "hosts", ["bad_host.example"], "hosts"),
    (sp) => setField(sp, "addresses", ["999.1.1.1"], "addresses"),
    (sp) => setField(sp, "location", "MESH_INTERNALL", "location"),
    (sp) => setField(sp, "resolution", "STATICAL", "resolution"),
    (sp) => setField(sp, "exportTo", [".", "*"], "exportTo"),
    (sp) => setField(sp, "exportTo", ["Bad_Namespace"], "exportTo"),
    (sp) => setField(sp, "workloadSelector", { labels: { app: "x" } }, "workloadSelector"),
    (sp) => {
      const port = first(sp["ports"]);
      return port ? setField(port, "number", 0, "port number") : undefined;
    },
    (sp) => {
      const port = first(sp["ports"]);
      return port ? setField(port, "protocol", "TCPP", "port protocol") : undefined;
    },
    (sp) => {
      const ports = asArray(sp["ports"]);
      const port = first(ports);
      if (!port) return undefined;
      ports.push({ ...port, name: `${String(port["name"])}-again` });
      return `a second port ${show(port["number"])}`;
    },
    seEndpoint((e) => setField(e, "address", "gateway.example.com", "endpoint address")),
    seEndpoint((e) =>
      isObject(e["ports"]) ? setField(e, "ports", Object.fromEntries(Object.keys(e["ports"]).map((k) => [k, 70000])), "endpoint ports") : undefined,
    ),
    seEndpoint((e) => setField(e, "labels", { "bad key!": "x" }, "endpoint labels")),
  ],
  DestinationRule: [
    (sp) => setField(sp, "host", "", "host"),
    (sp) => setField(sp, "host", "bad_host.example", "host"),
    (sp) => setField(sp, "exportTo", ["~bad"], "exportTo"),
    (sp) => setField(sp, "subsets", [{ labels: { version: "v1" } }], "subsets"),
    (sp) => setField(sp, "subsets", [{ name: "a", labels: { version: "y" } }], "subsets"),
    (sp) =>
      setField(
        sp,
        "trafficPolicy",
        { ...(isObject(sp["trafficPolicy"]) ? sp["trafficPolicy"] : {}), connectionPool: { tcp: { maxConnections: -1 } } },
        "trafficPolicy",
      ),
    (sp) =>
      setField(
        sp,
        "trafficPolicy",
        { ...(isObject(sp["trafficPolicy"]) ? sp["trafficPolicy"] : {}), loadBalancer: { simple: "ROUND_ROBINN" } },
        "trafficPolicy",
      ),
    drPortLevel((pl) => setField(pl, "port", undefined, "portLevelSettings port")),
    drPortLevel((pl) => (isObject(pl["tls"]) ? setField(pl["tls"], "mode", "ISTIO", "tls mode") : undefined)),
    drPortLevel((pl) => (isObject(pl["tls"]) ? setField(pl["tls"], "sni", 5432, "tls sni") : undefined)),
  ],
  PeerAuthentication: [
    (sp) => setField(sp, "mtls", { mode: "STRICTT" }, "mtls"),
    (sp) => setField(sp, "portLevelMtls", { "0": { mode: "STRICT" } }, "portLevelMtls"),
    (sp) => {
      const old = sp["selector"];
      delete sp["selector"];
      sp["portLevelMtls"] = { "5432": { mode: "DISABLE" } };
      return `selector ${show(old)} removed, portLevelMtls {"5432": DISABLE}`;
    },
  ],
  AuthorizationPolicy: [
    (sp) => setField(sp, "action", "DENIED", "action"),
    apSource((s) => setField(s, "ipBlocks", ["10.0.0.0/33"], "source ipBlocks")),
    apSource((s) => setField(s, "remoteIpBlocks", ["not-an-ip"], "source remoteIpBlocks")),
    apSource((s) => setField(s, "principals", [""], "source principals")),
    apSource((s) => setField(s, "namespaces", [""], "source namespaces")),
    apRule((r) => setField(r, "when", [{ key: "foo.bar", values: ["x"] }], "when")),
    apRule((r) => setField(r, "when", [{ key: "source.ip" }], "when")),
    apRule((r) => setField(r, "when", [{ key: "destination.ip", values: ["999.0.0.1"] }], "when")),
  ],
};

const invalidValue: Mutator = (s, rng) => {
  const refs = resources(s).filter((r) => String(r.doc["apiVersion"] ?? "").includes(".istio.io/") && invalidEdits[String(r.doc["kind"])] !== undefined);
  for (const ref of rng.shuffle(refs)) {
    for (const edit of rng.shuffle([...invalidEdits[String(ref.doc["kind"])]!])) {
      const description = edit(spec(ref.doc), rng);
      if (description !== undefined) return `${label(ref)}: ${description}`;
    }
  }
  return undefined;
};

/** Every mutation kind, by name. */
export const mutators = {
  "drop-resource": dropResource,
  "serviceentry-host": serviceEntryHost,
  "gateway-host": gatewayHost,
  "destinationrule-host": destinationRuleHost,
  sni,
  "serviceentry-port": serviceEntryPort,
  "endpoint-port": endpointPort,
  "destinationrule-port": destinationRulePort,
  "gateway-port": gatewayPort,
  "service-port": servicePort,
  "service-port-protocol": servicePortProtocol,
  "trust-domain": trustDomain,
  "trust-domain-aliases": trustDomainAliases,
  "ca-certificates": caCertificates,
  "skip-validate-trust-domain": skipValidateTrustDomain,
  alias,
  "authz-action": authzAction,
  "authz-principals": authzPrincipals,
  "authz-ports": authzNotPorts,
  "authz-namespace-wildcard": authzNamespaceWildcard,
  "gateway-authz-policy": gatewayPolicy,
  "peer-authentication": peerAuthentication,
  "destinationrule-tls-mode": destinationRuleTlsMode,
  "destinationrule-sans": destinationRuleSans,
  "destinationrule-port-level": destinationRulePortLevel,
  "gateway-tls-mode": gatewayTlsMode,
  "root-ca": rootCa,
  "export-to": exportTo,
  "authz-dry-run": authzDryRun,
  "authz-source-address": authzSourceAddress,
  "authz-root-namespace": authzRootNamespace,
  "authz-custom-unknown-provider": authzCustom,
  "authz-target-refs": authzTargetRefs,
  "sidecar-egress": sidecarEgress,
  "envoy-filter": envoyFilter,
  "wasm-plugin": wasmPlugin,
  "gateway-api-route": gatewayApiRoute,
  "sidecar-listeners": sidecarListeners,
  "gateway-passthrough-route": gatewayPassthroughRoute,
  "gateway-terminating-route": gatewayTerminatingRoute,
  "gateway-service-port": gatewayServicePort,
  "destinationrule-selector": destinationRuleSelector,
  "destinationrule-duplicate": destinationRuleDuplicate,
  "client-tcp-route": clientTcpRoute,
  "workload-entry": workloadEntry,
  "serviceentry-same-host": serviceEntrySameHost,
  "invalid-value": invalidValue,
  "serviceentry-addresses": serviceEntryAddresses,
  "outbound-traffic-policy": outboundTrafficPolicy,
  "client-local-service": clientLocalService,
  "serviceentry-location": serviceEntryLocation,
  "serviceentry-endpoint-locality": serviceEntryEndpointLocality,
} satisfies Record<string, Mutator>;

export type MutationKind = keyof typeof mutators;
export const mutationKinds = Object.keys(mutators) as MutationKind[];

/**
 * Kinds adding configuration verify does not model: on these, verify must report MF3299 for
 * every proxy the resource reaches (or agree with the oracle where it reaches none).
 */
export const declaredMutationKinds: readonly MutationKind[] = [
  "envoy-filter",
  "wasm-plugin",
  "gateway-api-route",
  "sidecar-listeners",
  "serviceentry-same-host",
];

/**
 * Applies one mutation of the given kind to a copy of the scenario, or returns undefined when
 * the scenario has nothing that kind can change.
 */
export function applyMutation(docs: ScenarioDocs, kind: MutationKind, rng: Prng): { docs: ScenarioDocs; mutation: Mutation } | undefined {
  const copy = cloneScenarioDocs(docs);
  const description = mutators[kind](copy, rng);
  return description === undefined ? undefined : { docs: copy, mutation: { kind, description } };
}

export interface MutateOptions {
  /** Restrict to these kinds (default: all). */
  readonly kinds?: readonly MutationKind[];
  /** Probability of a second mutation of another kind on top of the first (default 0.2). */
  readonly secondMutation?: number;
}

/**
 * A mutated copy of a scenario (path → text): one mutation of a kind picked at random among
 * those that apply (sometimes two), with every expectation stripped and the probes kept.
 * Deterministic for a given PRNG state. Undefined when no kind applies.
 */
export function mutateScenario(files: ReadonlyMap<string, string>, rng: Prng, options: MutateOptions = {}): MutatedScenario | undefined {
  let docs = parseScenarioFiles(files);
  stripExpectations(docs);
  const kinds = options.kinds ?? mutationKinds;
  const applied: Mutation[] = [];
  const rounds = rng.chance(options.secondMutation ?? 0.2) ? 2 : 1;
  for (let round = 0; round < rounds; round++) {
    for (const kind of rng.shuffle(kinds.filter((k) => !applied.some((m) => m.kind === k)))) {
      const result = applyMutation(docs, kind, rng);
      if (result) {
        docs = result.docs;
        applied.push(result.mutation);
        break;
      }
    }
  }
  if (applied.length === 0) return undefined;
  return { files: serializeScenarioFiles(docs), mutations: applied };
}

/** The scenario with expectations stripped and nothing else changed (for the corpus as is). */
export function withoutExpectations(files: ReadonlyMap<string, string>): Map<string, string> {
  const docs = parseScenarioFiles(files);
  stripExpectations(docs);
  return serializeScenarioFiles(docs);
}
