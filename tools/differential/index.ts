/**
 * The differential proof of `meshfed verify` against the Istio conformance oracle: seeded
 * mutations of scenarios and a field-by-field comparison of the two verdicts. Pure; the
 * runner is tools/differential.mjs.
 */
export { createPrng, type Prng } from "./prng.js";
export {
  parseScenarioFiles,
  serializeScenarioFiles,
  cloneScenarioDocs,
  stripExpectations,
  expectationsOf,
  type ScenarioDocs,
  type MeshFile,
  type Node,
} from "./scenario-files.js";
export {
  mutateScenario,
  applyMutation,
  withoutExpectations,
  mutators,
  mutationKinds,
  declaredMutationKinds,
  type Mutation,
  type MutationKind,
  type MutatedScenario,
  type MutateOptions,
} from "./mutate.js";
export {
  compareVerdicts,
  hopDifferences,
  hopFieldDifferences,
  differsFromExpectations,
  canonicalJson,
  type SourceExpectations,
  type VerdictJson,
  type ProbeVerdictJson,
  type ExposureJson,
  type Disagreement,
} from "./compare-verdicts.js";
