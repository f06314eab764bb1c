import { serviceFqdn } from "../compile/keys.js";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Federation } from "../model/types.js";
import { selects } from "../verify/mesh-index.js";
import type { World } from "../verify/verify-scenario.js";

/**
 * Analyzer `selector-coverage`: the export's workloadSelector (which meshfed's guard
 * AuthorizationPolicy and STRICT PeerAuthentication use) must select exactly the pods behind
 * the exported Service.
 *
 * The east-west gateway routes to the Service's endpoints, whatever the guard selects; a
 * pod behind the Service that the guard does not select has no guard, so every holder of a
 * certificate from the shared root reaches it (the exposure is `*`). A pod the guard selects
 * that is not behind the Service gets a DENY policy and STRICT mTLS it was never meant to
 * have. Runs only when the resources are given (a Service and its pods in the export's mesh).
 *
 * Inputs: the federation model; each mesh's Services and Pods/Deployments.
 */
export function checkSelectorCoverage(federation: Federation, world: World): Diagnostic[] {
  const findings: Diagnostic[] = [];
  for (const e of federation.exports) {
    if (e.consumers.length === 0) continue;
    const mesh = world.meshes.find((m) => m.spec.name === e.mesh);
    const spec = federation.meshes.find((m) => m.name === e.mesh);
    if (!mesh || !spec) continue;
    const host = serviceFqdn(e, spec);
    const service = mesh.services.find((s) => s.source === "kubernetes" && s.hostname === host);
    if (!service) continue;
    const inNamespace = mesh.workloads.filter((w) => w.namespace === e.namespace);
    // A Service without a selector has endpoints managed by hand: which pods they are is not known here.
    if (Object.keys(service.selector).length === 0) continue;
    const behind = inNamespace.filter((w) => selects(service.selector, w.labels));
    const guarded = inNamespace.filter((w) => selects(e.workloadSelector, w.labels));
    const selector = Object.entries(e.workloadSelector)
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    const unguarded = behind.filter((w) => !guarded.includes(w));
    if (unguarded.length > 0) {
      findings.push(
        diagnostic(
          "MF3230",
          {
            exportRef: `${e.mesh}/${e.namespace}/${e.name}`,
            selector,
            unselected: unguarded.map((w) => w.podName),
            noneSelected: guarded.length === 0,
            service: `${e.namespace}/${e.name}`,
            serviceSelector: Object.entries(service.selector)
              .map(([k, v]) => `${k}=${v}`)
              .join(","),
          },
          { resource: `${e.mesh}: Service ${e.namespace}/${e.name}` },
        ),
      );
    }
    const extra = guarded.filter((w) => !behind.includes(w));
    if (extra.length > 0) {
      findings.push(
        diagnostic(
          "MF3231",
          { exportRef: `${e.mesh}/${e.namespace}/${e.name}`, selector, pods: extra.map((w) => w.podName), service: `${e.namespace}/${e.name}` },
          { resource: `${e.mesh}: Service ${e.namespace}/${e.name}` },
        ),
      );
    }
  }
  return findings;
}
