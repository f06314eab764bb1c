import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compare, type KubeFile, kubernetesRead, kubeRefuses, requireYamljson } from "./yaml-kubernetes-oracle.js";
import { yamlStreamText } from "./yaml-structure-arbitrary.js";

/**
 * meshfed's YAML reader against Kubernetes' (conformance/cmd/yamljson) on random document
 * structure: nested block and flow collections at varied indentation, quoted, plain and block
 * scalars, anchors, aliases and merge keys, tags, comments and markers in odd places, other line
 * ends, and near misses of all of these (yaml-structure-arbitrary.ts). Every text must be read
 * to Kubernetes' values or refused; and refusing must stay the exception, or the comparison
 * would pass by refusing everything.
 *
 * MESHFED_YAML_FUZZ_RUNS sets the number of texts (default sized for CI), MESHFED_YAML_FUZZ_SEED
 * the seed, e.g. `MESHFED_YAML_FUZZ_RUNS=20000 npx vitest run --config vitest.oracle.config.ts
 * test/verify/yaml-structure.oracle.test.ts`.
 */
requireYamljson();

const runs = Number(process.env.MESHFED_YAML_FUZZ_RUNS ?? 1500);
const seed = Number(process.env.MESHFED_YAML_FUZZ_SEED ?? 20261206);
/** Texts per yamljson run. */
const BATCH = 500;

describe("the YAML reader reads document structure as Kubernetes does", () => {
  it(`reads ${runs} random streams to Kubernetes' values or refuses them (seed ${seed})`, () => {
    const texts = fc.sample(yamlStreamText, { numRuns: runs, seed });
    const wrong: { text: string; result: string }[] = [];
    let kubeReads = 0;
    let same = 0;
    let refusedAlone = 0;
    for (let from = 0; from < texts.length; from += BATCH) {
      const batch = texts.slice(from, from + BATCH);
      const kube: KubeFile[] = kubernetesRead(batch);
      batch.forEach((text, i) => {
        const result = compare(text, kube[i]!);
        const reads = !kubeRefuses(kube[i]!);
        if (reads) kubeReads++;
        if (result === "same") same++;
        else if (result === "refused") {
          if (reads) refusedAlone++;
        } else wrong.push({ text, result });
      });
    }
    const share = (n: number) => `${((100 * n) / Math.max(1, kubeReads)).toFixed(1)}%`;
    console.log(
      `YAML structure: ${texts.length} texts, Kubernetes reads ${kubeReads}; of those meshfed reads ${same} the same (${share(same)}) and refuses ${refusedAlone} (${share(refusedAlone)}); ${wrong.length} disagreements`,
    );
    expect(wrong.slice(0, 10)).toEqual([]);
    // Enough valid YAML is generated for the comparison to mean something, and meshfed does
    // not pass by refusing it.
    expect(kubeReads).toBeGreaterThan(texts.length * 0.4);
    expect(same / kubeReads).toBeGreaterThan(0.7);
  });
});
