export { parseScenario, parseMeshFiles, type ScenarioInput, type SourceFile, type ParseScenarioResult } from "./parse-scenario.js";
export { verifyScenario, runProbe, exposure, World, type VerifyResult, type ProbeResult } from "./verify-scenario.js";
export { verdictJson, compareExpectations, formatVerdictText, type Mismatch } from "./format-verdict.js";
export type { Scenario, MeshSpec, ProbeSpec, Verdict, ProbeVerdict, Hop, ClientHop, GatewayHop, ServerHop, ExposureEntry, Resource, Denial } from "./types.js";
