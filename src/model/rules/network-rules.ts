import { gatewaySources } from "../network-sources.js";
import { parseSourceCidr } from "../formats.js";
import type { Rule } from "./index.js";

/**
 * Network least privilege: an exporter's east-west gateway admits its consumers' meshes'
 * `egressCIDRs` only. When a consuming mesh declares none, its exporters stay open at the
 * network layer: said with a warning, never silently.
 */
export const networkRules: readonly Rule[] = [
  {
    name: "consumer-mesh-egress-cidrs",
    description: "Every mesh that consumes an export declares the source addresses its calls come from.",
    check({ federation, report }) {
      // A federation where no mesh declares egressCIDRs does not use the network layer at all
      // (plan says so for every exporter); once one does, every consumer mesh must.
      if (!federation.meshes.some((m) => m.egressCIDRs !== undefined)) return;
      const open = new Map<string, string[]>();
      for (const mesh of federation.meshes) {
        for (const name of gatewaySources(federation, mesh).undeclared) open.set(name, [...(open.get(name) ?? []), mesh.name]);
      }
      federation.meshes.forEach((m, i) => {
        const exporters = open.get(m.name);
        if (exporters) report("MF1091", `spec.meshes[${i}].name`, { mesh: m.name, exporters }, { value: m.name });
      });
    },
  },
  {
    name: "egress-cidrs-not-everything",
    description: "No egressCIDRs entry admits every address.",
    check({ federation, report }) {
      federation.meshes.forEach((m, i) => {
        (m.egressCIDRs ?? []).forEach((c, j) => {
          if (parseSourceCidr(c)?.prefix === 0) report("MF1092", `spec.meshes[${i}].egressCIDRs[${j}]`, { mesh: m.name, value: c }, { value: c });
        });
      });
    },
  },
  {
    name: "egress-gateway-namespace",
    description: "No consumer runs in its mesh's egress gateway namespace.",
    check({ federation, report }) {
      for (const e of federation.exports) {
        for (const c of e.consumers) {
          const eg = federation.meshes.find((m) => m.name === c.principal.mesh)?.egressGateway;
          if (!eg || eg.namespace !== c.principal.namespace) continue;
          const consumer = `${c.principal.mesh}/${c.principal.namespace}/${c.principal.serviceAccount}`;
          report(
            "MF1100",
            `spec.exports[${e.index}].consumers[${c.index}].principal`,
            { consumer, mesh: c.principal.mesh, namespace: eg.namespace },
            { value: consumer },
          );
        }
      }
    },
  },
  {
    name: "egress-gateway-distinct-sni",
    description: "Imports through one egress gateway have distinct remote service names.",
    check({ federation, report }) {
      federation.meshes.forEach((m, i) => {
        if (!m.egressGateway) return;
        const byHost = new Map<string, string[]>();
        for (const e of federation.exports) {
          if (!e.consumers.some((c) => c.principal.mesh === m.name)) continue;
          const exporter = federation.meshes.find((x) => x.name === e.mesh);
          if (!exporter) continue;
          const host = `${e.name}.${e.namespace}.svc.${exporter.clusterDomain}`;
          byHost.set(host, [...(byHost.get(host) ?? []), `${e.mesh}/${e.namespace}/${e.name}`]);
        }
        for (const [host, exports] of byHost) {
          if (exports.length > 1) report("MF1101", `spec.meshes[${i}].egressGateway`, { mesh: m.name, host, exports }, { value: host });
        }
      });
    },
  },
  {
    name: "egress-import-not-shadowed",
    description: "A mesh with an egress gateway imports no service whose FQDN one of its own exported Services has.",
    check({ federation, report }) {
      federation.meshes.forEach((m, i) => {
        if (!m.egressGateway) return;
        const own = new Map(
          federation.exports
            .filter((e) => e.mesh === m.name)
            .map((e) => [`${e.name}.${e.namespace}.svc.${m.clusterDomain}`, `${e.mesh}/${e.namespace}/${e.name}`]),
        );
        for (const e of federation.exports) {
          if (e.mesh === m.name || !e.consumers.some((c) => c.principal.mesh === m.name)) continue;
          const exporter = federation.meshes.find((x) => x.name === e.mesh);
          if (!exporter) continue;
          const host = `${e.name}.${e.namespace}.svc.${exporter.clusterDomain}`;
          const localRef = own.get(host);
          if (localRef)
            report(
              "MF1102",
              `spec.meshes[${i}].egressGateway`,
              { mesh: m.name, host, exportRef: `${e.mesh}/${e.namespace}/${e.name}`, localRef },
              { value: host },
            );
        }
      });
    },
  },
];
