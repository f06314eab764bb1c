/**
 * meshfed's library API: parse and validate a federation, compile it to per-mesh Istio
 * configuration, render it, plan it, and build proof scenarios. The CLI is a thin layer over
 * these functions.
 */
export { parseFederation, normalize, type ParseResult } from "./model/parse-federation.js";
export type { Federation, Mesh, Export, ExportPort, Consumer, Principal, EastWestGateway, PortProtocol } from "./model/types.js";
export { FederationSchema, API_VERSION, KIND, type FederationDocument } from "./model/schema.js";
export { federationJsonSchema } from "./model/json-schema.js";
export { rules, runRules, type Rule } from "./model/rules/index.js";
export {
  releaseProfile,
  parseIstioRelease,
  formatIstioRelease,
  DEFAULT_ISTIO_RELEASE,
  MIN_ISTIO_RELEASE,
  type IstioRelease,
  type IstioReleaseProfile,
  type TrustDomainMechanism,
} from "./model/istio-release.js";
export { compileFederation, compileExporter, compileImporter, type CompileResult } from "./compile/compile-federation.js";
export { compileInstall, acceptedTrustDomains } from "./compile/compile-install.js";
export { allocateVips } from "./compile/allocate-vips.js";
export { outboundSni, serviceFqdn, spiffeId, istioPrincipal, exportKey } from "./compile/keys.js";
export type { CompiledFederation, MeshOutput, Resource, InstallSettings, Exposure, Import } from "./compile/types.js";
export type { DnsCaptureSettings } from "./compile/types.js";
export type { EgressGateway } from "./model/types.js";
export { gatewaySources, type GatewaySources } from "./model/network-sources.js";
export { compileGatewayNetworkPolicy, gatewayServiceSettings, INTERNAL_LOAD_BALANCER_ANNOTATIONS } from "./compile/compile-network.js";
export { compileEgress, egressGatewayInstall } from "./compile/compile-egress.js";
export type { NetworkLayerPlan } from "./plan/plan.js";
export { renderYamlStream, renderJson, layoutFiles, resourceFileName, toYaml } from "./render/render.js";
export { planFederation, formatPlan, type Plan, type MeshPlan } from "./plan/plan.js";
export {
  buildFederationGraph,
  graphToDot,
  graphToMermaid,
  renderSvg,
  inlineSvg,
  type FederationGraph,
  type GraphMesh,
  type GraphService,
  type GraphPrincipal,
  type GraphEdge,
  type GraphNetworkAllowance,
  type OptionalGraphInput,
} from "./graph/index.js";
export { renderReportHtml, escapeHtml, type ReportInput, type InputDigest } from "./report/render-html.js";
export { auditHeadline, type AuditHeadline, type AuditStatus, type ReportVerification } from "./report/audit-headline.js";
export { reachabilityMatrix, type ReachabilityMatrix, type MatrixCell } from "./report/reachability.js";
export {
  accessGrants,
  diffExposure,
  formatDiffText,
  formatDiffMarkdown,
  type AccessGrant,
  type ChangedGrant,
  type ExposureDiff,
} from "./report/exposure-diff.js";
export { buildScenario, type ScenarioOptions } from "./scenario/build-scenario.js";
export { allCodes, codeInfo, type CodeInfo, type Severity } from "./diagnostics/codes.js";
export { diagnostic, formatDiagnostic, hasErrors, sortDiagnostics, type Diagnostic, type SourcePosition } from "./diagnostics/diagnostic.js";
export { diagnosticsMarkdown } from "./diagnostics/markdown.js";
export { writeFileTree, type WriteConflict, type WriteReport } from "./output/write-files.js";
export {
  parseScenario,
  verifyScenario,
  verdictJson,
  compareExpectations,
  formatVerdictText,
  World,
  type Scenario,
  type Verdict,
  type ProbeVerdict,
  type Hop,
  type ExposureEntry,
  type VerifyResult,
} from "./verify/index.js";
export { runVerify, type RunVerifyOptions, type VerifyReport } from "./verify/run-verify.js";
export { notModelledFindings } from "./verify/not-modelled.js";
export { scenarioFromModel, meshSpecsFromModel } from "./verify/scenario-from-model.js";
export { loadScenario, readYamlFiles, type LoadedScenario } from "./cli/read-files.js";
export { loadMeshFiles } from "./cli/read-mesh-files.js";
export { readYamlStream, type YamlDocument, type YamlProblem, type YamlStream } from "./verify/yaml/read-yaml.js";
export { plainScalarValue } from "./verify/yaml/plain-scalar.js";
export { main, VERSION } from "./cli/main.js";
export { ExitCode, type CliIo } from "./cli/io.js";
export { analyzers, analyzeWorld, type Analyzer } from "./analyze/analyzers.js";
export { auditAgainstModel, deriveProbes, intendedGrants, type Grant } from "./analyze/audit.js";
export { checkSelectorCoverage } from "./analyze/selector-coverage.js";
export { explainProbe, formatExplanation, type Explanation } from "./explain/explain-probe.js";
