import type { Rule } from "./index.js";

/**
 * Rules about `clusterName`, Istio's cluster ID. meshfed emits it only into each mesh's install
 * values (`values.global.multiCluster.clusterName`); no resource name, file name, SAN or graph id
 * is built from it, so capitals and shared names are safe for everything meshfed writes.
 */
export const clusterNameRules: readonly Rule[] = [
  {
    name: "shared-cluster-name",
    description: "Notes meshes that share a clusterName (fine without discovery; multi-cluster discovery would need unique ones).",
    check({ federation, report }) {
      const seen = new Map<string, string>();
      federation.meshes.forEach((m, i) => {
        const other = seen.get(m.clusterName);
        // A mesh declared twice (MF1012) defaults to the same clusterName: no second finding.
        if (other === m.name) return;
        if (other === undefined) {
          seen.set(m.clusterName, m.name);
          return;
        }
        report("MF1061", `spec.meshes[${i}].clusterName`, { mesh: m.name, other, clusterName: m.clusterName }, { value: m.clusterName });
      });
    },
  },
];
