import { isIP } from "node:net";
import { parseCidr } from "../formats.js";
import type { Export, Federation, Mesh } from "../types.js";
import type { ArgsOf, TemplatedCode } from "../../diagnostics/codes.js";
import type { Rule, RuleWhere } from "./index.js";

/*
 * Refusals of federations whose compiled configuration would not do what the file says, in
 * ways the conformance oracle cannot see (DNS, kube-proxy, a shared address), or in ways
 * Istio's own code shows. Each rule names the Istio source it was decided from (istio.io/istio
 * at the commit conformance/go.mod pins, v0.0.0-20260827124520-eed52ebb66ad).
 */

const exportPath = (i: number) => `spec.exports[${i}]`;
const key = (e: Pick<Export, "mesh" | "namespace" | "name">) => `${e.mesh}/${e.namespace}/${e.name}`;

/** Istio's root namespace (meshConfig.rootNamespace), which meshfed's install values keep at its default. */
export const ROOT_NAMESPACE = "istio-system";

/**
 * Ports of the sidecar itself, never an application's. Traffic to 15006 is the inbound
 * capture port: a chain matching it goes to the BlackHoleCluster
 * (pilot/pkg/networking/core/listener_inbound.go:800-812); 15001 likewise for outbound
 * (listener_builder.go:365). 15020, 15021 and 15090 are excluded from inbound capture, so
 * calls reach the application without mTLS or authorization (cni/pkg/plugin/sidecar_redirect.go:272);
 * 15021 and 15090 are Envoy's static listeners, which a service port on them conflicts with
 * (pilot/pkg/model/context.go:883-907, listener_inbound.go:381). 15000 (admin, loopback),
 * 15004 (debug), 15008 (HBONE), 15009, 15053 (DNS proxy) are bound by the proxy or agent.
 */
export const PROXY_PORTS: ReadonlyMap<number, string> = new Map([
  [15000, "Envoy's admin port"],
  [15001, "the sidecar's outbound capture port"],
  [15004, "the agent's debug port"],
  [15006, "the sidecar's inbound capture port (Istio blackholes traffic addressed to it)"],
  [15008, "the HBONE tunnel port"],
  [15009, "the HBONE port of gateways"],
  [15020, "the agent's merged metrics and health port (not captured: calls bypass mTLS and policy)"],
  [15021, "the sidecar's health check port (not captured: calls bypass mTLS and policy)"],
  [15053, "the DNS proxy port"],
  [15090, "Envoy's Prometheus port (not captured: calls bypass mTLS and policy)"],
]);

/** IPv4 ranges a vipRange may not overlap, each with the reason. */
const RESERVED_RANGES: readonly { cidr: string; why: string }[] = [
  // pilot/pkg/features/pilot.go:190-192 (PILOT_IP_AUTOALLOCATE_IPV4_PREFIX) and
  // pilot/pkg/serviceregistry/serviceentry/auto_allocation.go:40,144: Istio gives
  // ServiceEntries without addresses VIPs from here, so a meshfed VIP could equal another
  // ServiceEntry's and its listener would take both services' traffic.
  { cidr: "240.240.0.0/16", why: "Istio's own VIP auto-allocation range (240.240.0.0/16)" },
  { cidr: "0.0.0.0/8", why: '"this network" (0.0.0.0/8): a listener on such an address is a wildcard' },
  { cidr: "127.0.0.0/8", why: "loopback (127.0.0.0/8): the sidecar binds its own listeners there and calls never leave the pod" },
  { cidr: "169.254.0.0/16", why: "link-local (169.254.0.0/16): cloud metadata and node-local DNS live there" },
  { cidr: "224.0.0.0/4", why: "multicast (224.0.0.0/4): not a unicast destination" },
  { cidr: "255.255.255.255/32", why: "the broadcast address" },
];

function ipToNumber(ip: string): number {
  return ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

function rangeOf(cidr: string): { lo: number; hi: number } | undefined {
  const [ip = "", bitsText = "32"] = cidr.split("/");
  if (isIP(ip) !== 4) return undefined;
  const size = 2 ** (32 - Number(bitsText));
  const base = ipToNumber(ip) - (ipToNumber(ip) % size);
  return { lo: base, hi: base + size - 1 };
}

/** Whether two label selectors can both match one pod: no key on which they want different values. */
export function selectorsOverlap(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  for (const k of Object.keys(a)) if (k in b && b[k] !== a[k]) return false;
  return true;
}

function aliasPath(federation: Federation, e: Export, consumerIndex: number): string {
  const explicit = `${exportPath(e.index)}.consumers[${consumerIndex}].alias`;
  const sm = federation.sourceMap;
  if (!sm || sm.values.has(explicit)) return explicit;
  // A default alias is built from importDomain: point there when it is the one written.
  return sm.values.has("spec.importDomain") ? "spec.importDomain" : `${exportPath(e.index)}.service`;
}

const meshOf = (federation: Federation, name: string): Mesh | undefined => federation.meshes.find((m) => m.name === name);

export const safetyRules: readonly Rule[] = [
  {
    name: "alias-is-fully-qualified",
    description: "Aliases are fully qualified names outside the consuming mesh's cluster domain, not IP literals, at most 253 characters.",
    check({ federation, report: reportEach }) {
      // Default aliases are all built from importDomain: a problem it causes is said once, there.
      const said = new Set<string>();
      const report = <C extends TemplatedCode>(code: C, path: string, args: ArgsOf<C>, where?: RuleWhere) => {
        if (path === "spec.importDomain") {
          if (said.has(code)) return;
          said.add(code);
        }
        reportEach(code, path, args, where);
      };
      for (const e of federation.exports) {
        const defaultAlias = `${e.name}.${e.namespace}.${e.mesh}.${federation.importDomain}`;
        for (const c of e.consumers) {
          const alias = c.alias;
          const path = aliasPath(federation, e, c.index);
          const labels = alias.split(".");
          const consumerMesh = meshOf(federation, c.principal.mesh);
          const domain = consumerMesh?.clusterDomain ?? "cluster.local";
          const exportRef = key(e);
          if (alias.length > 253) {
            // DNS names are at most 253 characters (RFC 1035); Istio refuses hosts over 255
            // (pkg/config/validation/agent/validation.go:187) and resolvers refuse the query.
            report("MF1043", path, { alias, exportRef, viaImportDomain: path === "spec.importDomain" }, { value: alias });
          } else if (/^[0-9]+$/.test(labels[labels.length - 1] ?? "")) {
            // An all-numeric last label (an IP literal among them): Istio's ServiceEntry
            // validation refuses it (pkg/config/validation/agent/validation.go:196-201), and
            // a DestinationRule host that is an IP is never expanded to a service
            // (pilot/pkg/model/config.go:221-224).
            report("MF1042", path, { alias, exportRef, isAddress: isIP(alias) !== 0, defaultAlias }, { value: alias });
          } else if (labels.length < 3) {
            // One label: Istio expands a short DestinationRule host to
            // <host>.<namespace>.svc.<domain> (pilot/pkg/model/config.go:226-237, applied at
            // push_context.go:2078), so the import's TLS settings land on a local Service.
            // Two labels (name.ns, kubernetes.default): the sidecar DNS proxy answers
            // <name>.<namespace> for every Kubernetes Service (pkg/dns/server/name_table.go:153-161),
            // and the Pod's DNS search path does the same without it.
            report(
              "MF1040",
              path,
              { alias, exportRef, mesh: c.principal.mesh, namespace: c.principal.namespace, clusterDomain: domain, defaultAlias },
              { value: alias },
            );
          } else if (alias === domain || alias.endsWith(`.${domain}`) || alias.endsWith(".svc")) {
            if (alias.endsWith(`.svc.${domain}`)) continue; // MF2002 says it, in the existing rule.
            // name.ns.svc is a Kubernetes short form the DNS search path and the DNS proxy
            // expand to a local Service (pkg/dns/server/name_table.go:153-161); names under the
            // cluster domain belong to the cluster's DNS.
            report("MF1041", path, { alias, exportRef, mesh: c.principal.mesh, clusterDomain: domain, defaultAlias }, { value: alias });
          }
        }
      }
    },
  },
  {
    name: "export-not-in-root-namespace",
    description: "No export from Istio's root namespace.",
    check({ federation, report }) {
      for (const e of federation.exports) {
        if (e.namespace !== ROOT_NAMESPACE) continue;
        // An AuthorizationPolicy in the root namespace applies to matching workloads of every
        // namespace (pilot/pkg/model/authorization.go:97), so the guard would deny other
        // exports' consumers; a PeerAuthentication with a selector there is ignored
        // (pilot/pkg/security/authn/policy_applier.go:408-421).
        report("MF1044", `${exportPath(e.index)}.service`, { exportRef: key(e), rootNamespace: ROOT_NAMESPACE }, { value: key(e) });
      }
    },
  },
  {
    name: "workload-selector-not-empty",
    description: "An export's workloadSelector names at least one label.",
    check({ federation, report }) {
      for (const e of federation.exports) {
        if (Object.keys(e.workloadSelector).length > 0) continue;
        // An empty selector selects every workload of the namespace
        // (pilot/pkg/model/policyattachment.go:109-112; for PeerAuthentication,
        // pilot/pkg/security/authn/policy_applier.go:408): the DENY guard and STRICT mTLS
        // would cover the whole namespace.
        report("MF1045", `${exportPath(e.index)}.workloadSelector`, { exportRef: key(e), namespace: e.namespace, service: e.name });
      }
    },
  },
  {
    name: "workload-selectors-disjoint",
    description: "Two exports of one namespace never select the same pod.",
    check({ federation, report }) {
      const byNamespace = new Map<string, Export[]>();
      for (const e of federation.exports) {
        const k = `${e.mesh}/${e.namespace}`;
        byNamespace.set(k, [...(byNamespace.get(k) ?? []), e]);
      }
      for (const list of byNamespace.values()) {
        list.forEach((b, j) => {
          const a = list.slice(0, j).find((x) => key(x) !== key(b) && selectorsOverlap(x.workloadSelector, b.workloadSelector));
          if (!a) return;
          // Both guards apply to a pod both select (pilot/pkg/model/authorization.go:97-107
          // collects every matching policy; a DENY of either denies): each export's guard
          // denies the other's consumers.
          const show = (s: Readonly<Record<string, string>>) =>
            `{${Object.entries(s)
              .map(([k, v]) => `${k}: ${v}`)
              .join(", ")}}`;
          report("MF1046", `${exportPath(b.index)}.workloadSelector`, {
            exportRef: key(b),
            selector: show(b.workloadSelector),
            otherRef: key(a),
            otherSelector: show(a.workloadSelector),
          });
        });
      }
    },
  },
  {
    name: "ports-not-proxy-ports",
    description: "Exported ports and target ports are not the sidecar's own ports.",
    check({ federation, report }) {
      for (const e of federation.exports) {
        e.ports.forEach((p, i) => {
          for (const [field, n] of [
            ["number", p.number],
            ["targetPort", p.targetPort],
          ] as const) {
            if (field === "targetPort" && p.targetPort === p.number) continue;
            const what = PROXY_PORTS.get(n);
            if (what === undefined) continue;
            report("MF1047", `${exportPath(e.index)}.ports[${i}].${field}`, { port: n, exportRef: key(e), use: what }, { value: n });
          }
        });
      }
    },
  },
  {
    name: "target-port-one-protocol",
    description: "Exported ports sharing a targetPort share a protocol.",
    check({ federation, report }) {
      for (const e of federation.exports) {
        const first = new Map<number, { protocol: string; number: number }>();
        e.ports.forEach((p, i) => {
          const seen = first.get(p.targetPort);
          if (!seen) {
            first.set(p.targetPort, p);
            return;
          }
          if (seen.protocol === p.protocol) return;
          // A sidecar builds one inbound chain per target port, from the oldest Service port
          // (pilot/pkg/networking/core/listener_inbound.go:418-425): the other protocol's calls
          // are handled as the first's, and HTTP policies deny TCP bytes and the reverse.
          report(
            "MF1048",
            `${exportPath(e.index)}.ports[${i}].protocol`,
            { exportRef: key(e), first: seen, second: p, targetPort: p.targetPort },
            { value: p.protocol },
          );
        });
      }
    },
  },
  {
    name: "unique-gateway-addresses",
    description: "Every mesh's east-west gateway has its own address.",
    check({ federation, report }) {
      const seen = new Map<string, string>();
      federation.meshes.forEach((m, i) => {
        const gw = m.eastWestGateway;
        if (!gw) return;
        const address = gw.address.toLowerCase();
        const other = seen.get(address);
        if (other === undefined) {
          seen.set(address, m.name);
          return;
        }
        // Imports of either mesh dial this address: calls for one mesh's services land in
        // the other's gateway, which routes them by SNI to whatever it serves under that name.
        report("MF1049", `spec.meshes[${i}].eastWestGateway.address`, { mesh: m.name, other, address: gw.address }, { value: gw.address });
      });
    },
  },
  {
    name: "vip-range-usable",
    description: "The VIP range avoids Istio's auto-allocation range, special-purpose ranges and gateway addresses.",
    check({ federation, report }) {
      const range = parseCidr(federation.vipRange) ? rangeOf(federation.vipRange) : undefined;
      if (!range) return;
      for (const r of RESERVED_RANGES) {
        const reserved = rangeOf(r.cidr);
        if (!reserved || reserved.hi < range.lo || reserved.lo > range.hi) continue;
        report("MF1050", "spec.vipRange", { vipRange: federation.vipRange, reserved: r.why }, { value: federation.vipRange });
      }
      for (const m of federation.meshes) {
        const gw = m.eastWestGateway;
        if (!gw || isIP(gw.address) !== 4) continue;
        const n = ipToNumber(gw.address);
        if (n < range.lo || n > range.hi) continue;
        // An import's VIP equal to a gateway's address would catch the calls the sidecar
        // sends to that gateway for every other import.
        report("MF1051", "spec.vipRange", { vipRange: federation.vipRange, mesh: m.name, address: gw.address }, { value: federation.vipRange });
      }
    },
  },
  {
    name: "consumer-trust-domain-not-default",
    description: "No consumer is in a mesh whose trust domain is cluster.local.",
    check({ federation, report }) {
      for (const e of federation.exports) {
        for (const c of e.consumers) {
          const consumer = meshOf(federation, c.principal.mesh);
          if (consumer?.trustDomain !== "cluster.local") continue;
          // Istio reads "cluster.local" in a policy principal as "this mesh's own trust
          // domain" and rewrites it (pilot/pkg/security/trustdomain/bundle.go:69-74): the
          // exporter's guard would name its own workloads, not the consumer.
          const principal = `${c.principal.mesh}/${c.principal.namespace}/${c.principal.serviceAccount}`;
          report(
            "MF1052",
            `${exportPath(e.index)}.consumers[${c.index}].principal`,
            { consumer: principal, consumerMesh: consumer.name, exporterMesh: e.mesh, federation: federation.name },
            { value: principal },
          );
        }
      }
    },
  },
];
