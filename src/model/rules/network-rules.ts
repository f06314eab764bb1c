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
];
