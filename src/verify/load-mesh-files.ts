import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { compileInstall } from "../compile/compile-install.js";
import type { Federation } from "../model/types.js";
import { writeYaml } from "../render/yaml-writer.js";
import { parseScenario, type SourceFile } from "./parse-scenario.js";
import { utf8, type LoadedScenario } from "./load-scenario.js";


function yamlFilesUnder(path: string): string[] {
  const s = statSync(path);
  if (s.isFile()) return [path];
  const out: string[] = [];
  for (const e of readdirSync(path, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(path, e.name);
    if (e.isDirectory()) out.push(...yamlFilesUnder(p));
    else if (e.isFile() && /\.(ya?ml|json)$/.test(e.name)) out.push(p);
  }
  return out;
}

/**
 * A scenario from plain per-mesh files (rendered output, hand-written YAML, `kubectl get -o
 * yaml` dumps) and the federation model: mesh settings come from the model — its trust
 * domains, east-west gateways and the trust settings meshfed's install values give each mesh
 * — one shared root of trust, and no probes (verify derives them).
 */
export async function loadMeshFiles(federation: Federation, meshPaths: ReadonlyMap<string, string>, cwd: string): Promise<LoadedScenario> {
  const sources = new Map<string, string>();
  const meshFiles = new Map<string, SourceFile[]>();
  for (const [mesh, path] of meshPaths) {
    const files: SourceFile[] = [];
    for (const p of yamlFilesUnder(resolve(cwd, path))) {
      const text = readFileSync(p, utf8);
      const file = relative(cwd, p) || p;
      sources.set(file, text);
      files.push({ file, text });
    }
    meshFiles.set(mesh, files);
  }
  const meshes = federation.meshes
    .filter((m) => meshPaths.has(m.name))
    .map((m) => {
      const accepted = compileInstall(federation, m).acceptedTrustDomains;
      return {
        name: m.name,
        trustDomain: m.trustDomain,
        trustDomainAliases: [],
        rootCA: "federation-root",
        network: m.network,
        clusterDomain: m.clusterDomain,
        ...(accepted.length > 0 ? { meshConfig: { caCertificates: [{ trustDomains: accepted }] } } : {}),
        ...(m.eastWestGateway
          ? { eastWestGateway: { address: m.eastWestGateway.address, port: m.eastWestGateway.port, selector: m.eastWestGateway.selector, namespace: m.eastWestGateway.namespace } }
          : {}),
      };
    });
  const scenario = { file: "(from --model and --mesh)", text: writeYaml({ meshes, probes: [] }) };
  return { ...parseScenario({ scenario, meshFiles }), sources };
}
