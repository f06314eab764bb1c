import { describe, expect, it } from "vitest";
import { compileFederation } from "../../src/compile/compile-federation.js";
import { buildFederationGraph } from "../../src/graph/build-graph.js";
import { graphToDot } from "../../src/graph/to-dot.js";
import { parseFederation } from "../../src/model/parse-federation.js";
import { layoutFiles, renderJson } from "../../src/render/render.js";
import { meshSpecsFromModel } from "../../src/verify/scenario-from-model.js";
import { exampleText } from "../helpers/fixtures.js";

/** The example with every mesh left at Istio's default clusterName (one shared, capitalised name). */
const allKubernetes = exampleText.replace(/^(\s+)clusterName: .*$/gm, "$1clusterName: Kubernetes");
const withoutClusterNames = exampleText.replace(/^\s+clusterName: .*\n/gm, "");

function compiled(text: string) {
  const parsed = parseFederation(text, "federation.yaml");
  if (!parsed.federation) throw new Error(JSON.stringify(parsed.diagnostics));
  const result = compileFederation(parsed.federation);
  if (!result.compiled) throw new Error(JSON.stringify(result.diagnostics));
  return { federation: parsed.federation, compiled: result.compiled, diagnostics: parsed.diagnostics };
}

describe("a shared, capitalised clusterName changes nothing meshfed keys on", () => {
  const shared = compiled(allKubernetes);
  const own = compiled(withoutClusterNames);

  it("the example really sets clusterNames, and the shared one is noted once per repeat", () => {
    expect(exampleText).toMatch(/clusterName: /);
    expect(shared.federation.meshes.every((m) => m.clusterName === "Kubernetes")).toBe(true);
    expect(shared.diagnostics.map((d) => d.code)).toEqual(shared.federation.meshes.slice(1).map(() => "MF1061"));
  });

  it("render --out: the same files, and the same contents outside install/ (where only the clusterName differs)", () => {
    const a = layoutFiles(shared.compiled);
    const b = layoutFiles(own.compiled);
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const [path, text] of a) {
      const other = b.get(path)!;
      if (!path.includes("/install/")) expect(text, path).toBe(other);
      else {
        const mesh = path.split("/")[0]!;
        expect(text.replaceAll("Kubernetes", mesh), path).toBe(other);
      }
    }
  });

  it("resources, SANs and SNIs: no trace of the clusterName", () => {
    const json = JSON.parse(renderJson(shared.compiled)) as { meshes: { resources: unknown[] }[] };
    for (const m of json.meshes) expect(JSON.stringify(m.resources)).not.toContain("Kubernetes");
  });

  it("graph ids and the verify scenario built from the model are the same", () => {
    expect(graphToDot(buildFederationGraph(shared.federation))).toBe(graphToDot(buildFederationGraph(own.federation)));
    const names = new Set(shared.federation.meshes.map((m) => m.name));
    expect(meshSpecsFromModel(shared.federation, names)).toEqual(meshSpecsFromModel(own.federation, names));
  });
});
