export {
  buildFederationGraph,
  type FederationGraph,
  type GraphMesh,
  type GraphService,
  type GraphPrincipal,
  type GraphEdge,
  type GraphNetworkAllowance,
  type OptionalGraphInput,
} from "./build-graph.js";
export { graphToDot } from "./to-dot.js";
export { graphToMermaid } from "./to-mermaid.js";
export { renderSvg, inlineSvg } from "./render-svg.js";
