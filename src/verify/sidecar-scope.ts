import { configsOf, selects, strMap, type MeshIndex, type MeshService } from "./mesh-index.js";
import type { Resource } from "./types.js";
import { mapIn } from "../util/maps.js";

/**
 * The Sidecar resource that scopes a sidecar proxy (push_context.go doGetSidecarScope): in the
 * proxy's namespace, the oldest Sidecar whose `workloadSelector` matches the pod's labels, else
 * the oldest one without a selector; else the oldest selector-less Sidecar of the root
 * namespace (initSidecarScopes keeps only that one there). Undefined: the default scope, which
 * imports every service exported to the namespace.
 */
export function sidecarFor(mesh: MeshIndex, namespace: string, labels: Readonly<Record<string, string>>): Resource | undefined {
  const all = configsOf(mesh, "Sidecar");
  if (all.length === 0) return undefined;
  const own = all.filter((s) => s.namespace === namespace);
  const selectorOf = (s: Resource) => s.spec.workloadSelector as { labels?: Record<string, string> } | undefined | null;
  const withSelector = own.find((s) => selectorOf(s) && selects(strMap(selectorOf(s)!.labels), labels));
  if (withSelector) return withSelector;
  const plain = own.find((s) => !selectorOf(s));
  if (plain) return plain;
  return all.find((s) => s.namespace === mesh.rootNamespace && !selectorOf(s));
}

/** One namespace's imported hosts of an egress listener (sidecar.go hostClassification). */
interface HostClass {
  readonly exact: Set<string>;
  readonly wildcards: string[];
  readonly excluded: string[];
}

/** Whether host h falls under pattern p (host.Name SubsetOf for a non-wildcard h). */
function under(h: string, p: string): boolean {
  if (p === "*") return true;
  if (p.startsWith("*")) return h.endsWith(p.slice(1)) || (h.startsWith("*") && h.slice(1).endsWith(p.slice(1)));
  return h === p;
}

function matches(c: HostClass, h: string): boolean {
  return c.exact.has(h) || c.wildcards.some((p) => under(h, p));
}

function excluded(c: HostClass | undefined, h: string): boolean {
  return c?.excluded.some((p) => under(h, p)) ?? false;
}

/**
 * The egress hosts of a Sidecar by namespace, for a proxy of `proxyNs`
 * (sidecar.go convertIstioListenerToWrapper): `./x` is the proxy's namespace, `~ns/x` excludes,
 * no egress listener means `*\/*`. Hosts not of the form `namespace/dnsName` are skipped, as
 * istiod skips them.
 */
function hostsByNamespace(sidecar: Resource, proxyNs: string): Map<string, HostClass> {
  const egress: any[] = Array.isArray(sidecar.spec.egress) && sidecar.spec.egress.length > 0 ? sidecar.spec.egress : [{ hosts: ["*/*"] }];
  const out = new Map<string, HostClass>();
  const classOf = (ns: string) => {
    let c = out.get(ns);
    if (!c) {
      c = { exact: new Set(), wildcards: [], excluded: [] };
      out.set(ns, c);
    }
    return c;
  };
  for (const listener of egress) {
    const hosts: unknown[] = Array.isArray(listener?.hosts) ? listener.hosts : [];
    for (const raw of hosts) {
      const h = String(raw);
      if (h.split("/").length !== 2) continue;
      let [ns, name] = h.split("/") as [string, string];
      const isExcluded = ns.startsWith("~");
      if (isExcluded) ns = ns.slice(1) || "*";
      if (ns === ".") ns = proxyNs;
      const c = classOf(ns);
      if (isExcluded) c.excluded.push(name);
      else if (name.startsWith("*")) c.wildcards.push(name);
      else c.exact.add(name);
    }
  }
  return out;
}

const scopeCache = new WeakMap<Resource, Map<string, (s: MeshService) => boolean>>();

/**
 * Whether a Sidecar's egress listeners import a service for a proxy of `proxyNs`
 * (sidecar.go selectServices): excluded by a `~` host of its namespace or of `*`, else
 * imported by a host of its namespace or of `*`. Services are matched on their hostname;
 * exportTo is checked by the caller.
 */
export function sidecarImports(sidecar: Resource, proxyNs: string): (s: MeshService) => boolean {
  const byNs = mapIn(scopeCache, sidecar);
  let hit = byNs.get(proxyNs);
  if (!hit) {
    const classes = hostsByNamespace(sidecar, proxyNs);
    const wildcard = classes.get("*");
    hit = (s: MeshService) => {
      const own = classes.get(s.namespace);
      if (excluded(own, s.hostname) || excluded(wildcard, s.hostname)) return false;
      return (own !== undefined && matches(own, s.hostname)) || (wildcard !== undefined && matches(wildcard, s.hostname));
    };
    byNs.set(proxyNs, hit);
  }
  return hit;
}

/**
 * Fields of a Sidecar that verify does not model, as `[field, why]`: an egress listener bound
 * to a port (its services are imported on that port only, with its own bind and capture mode),
 * `ingress` listeners (they replace the inbound listeners of the server sidecar).
 */
export function unmodelledSidecarFields(sidecar: Resource): [string, string][] {
  const out: [string, string][] = [];
  const egress: any[] = Array.isArray(sidecar.spec.egress) ? sidecar.spec.egress : [];
  egress.forEach((e, i) => {
    if (e?.port !== undefined && e?.port !== null)
      out.push([
        `spec.egress[${i}].port`,
        "an egress listener bound to a port imports its hosts on that port only, with its own bind address and capture mode",
      ]);
    else if (e?.bind !== undefined || e?.captureMode !== undefined)
      out.push([`spec.egress[${i}]`, "an egress listener's bind address or capture mode changes which calls the client sidecar captures"]);
  });
  if (Array.isArray(sidecar.spec.ingress) && sidecar.spec.ingress.length > 0)
    out.push(["spec.ingress", "ingress listeners replace the server sidecar's inbound listeners (ports, TLS, default endpoint)"]);
  return out;
}
