import { compileInstall } from "../compile/compile-install.js";
import type { Federation } from "../model/types.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { parseMeshResources, type ParseScenarioResult, type SourceFile } from "./parse-scenario.js";
import type { MeshSpec } from "./types.js";

/**
 * Mesh settings as meshfed's install values give them: the model's trust domain, network and
 * east-west gateway, the trust domains meshfed's install accepts from other meshes, no
 * trust-domain aliases, and one shared root of trust.
 */
export function meshSpecsFromModel(federation: Federation, meshNames: ReadonlySet<string>): MeshSpec[] {
  return federation.meshes
    .filter((m) => meshNames.has(m.name))
    .map((m) => {
      const install = compileInstall(federation, m);
      const accepted = install.acceptedTrustDomains;
      // istioVersion: a release without caCertificates trust-domain validation skips it instead (compile-install.ts).
      const skip = install.skipValidateTrustDomain === true;
      const gw = m.eastWestGateway;
      return {
        name: m.name,
        trustDomain: m.trustDomain,
        trustDomainAliases: [],
        rootCA: "federation-root",
        network: m.network,
        clusterDomain: m.clusterDomain,
        skipValidateTrustDomain: skip,
        meshConfig: accepted.length > 0 && !skip ? { caCertificates: [{ trustDomains: accepted }] } : {},
        ...(gw
          ? { eastWestGateway: { address: gw.address, port: gw.port, selector: gw.selector, namespace: gw.namespace, serviceAccount: "istio-eastwestgateway" } }
          : {}),
      };
    });
}

/**
 * A scenario from plain per-mesh files (rendered output, hand-written YAML, `kubectl get -o
 * yaml` dumps) and the federation model, which gives the mesh settings. It has no probes:
 * runVerify derives them.
 */
export function scenarioFromModel(federation: Federation, meshFiles: ReadonlyMap<string, readonly SourceFile[]>): ParseScenarioResult {
  const diagnostics: Diagnostic[] = [];
  const meshes = meshSpecsFromModel(federation, new Set(meshFiles.keys()));
  const resources = parseMeshResources(meshes, meshFiles, diagnostics);
  if (diagnostics.length > 0) return { diagnostics };
  return { scenario: { meshes, probes: [], resources }, diagnostics };
}
