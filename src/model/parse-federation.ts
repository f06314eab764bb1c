import { isIP } from "node:net";
import { LineCounter, parseAllDocuments } from "yaml";
import { diagnostic, hasErrors, sortDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";
import { checkSchema, type SourceMap } from "./check-schema.js";
import { runRules } from "./rules/index.js";
import { rulesOnWellFormedParts } from "./rules/well-formed-parts.js";
import { FederationSchema, type FederationDocument } from "./schema.js";
import type { Consumer, Export, Federation, Mesh, PortProtocol } from "./types.js";

export interface ParseResult {
  /** Present when there are no errors (warnings allowed). */
  readonly federation?: Federation;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Parses and validates a federation file. Never throws on bad input: every problem is a
 * diagnostic with a code and a position.
 *
 * @param text the file's contents
 * @param file the name used in positions
 */
export function parseFederation(text: string, file = "federation.yaml"): ParseResult {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const diagnostics: Diagnostic[] = [];
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  if (!Array.isArray(docs)) {
    return { diagnostics: [diagnostic("MF1027", { file, blank: true }, { position: position(0) })] };
  }
  const real = docs.filter((d) => d.contents !== null || d.errors.length > 0);
  if (real.length === 0) {
    return { diagnostics: [diagnostic("MF1027", { file, blank: false }, { position: position(0) })] };
  }
  for (const doc of real) {
    for (const err of doc.errors) {
      diagnostics.push(diagnostic("MF1001", { parser: err.message.split("\n")[0] ?? "" }, { position: position(err.pos[0]) }));
    }
  }
  if (diagnostics.length > 0) return { diagnostics: sortDiagnostics(diagnostics) };
  if (real.length > 1) {
    const second = real[1]?.contents?.range?.[0] ?? 0;
    return {
      diagnostics: [diagnostic("MF1028", { file, documents: real.length }, { position: position(second) })],
    };
  }
  const doc = real[0]!;
  const checked = checkSchema(FederationSchema, doc.contents, file, lineCounter);
  diagnostics.push(...checked.diagnostics);
  // One pass: the semantic rules still check whatever parts of the file are well-formed.
  if (hasErrors(diagnostics))
    return { diagnostics: sortDiagnostics([...diagnostics, ...rulesOnWellFormedParts(checked.value, checked.sourceMap, diagnostics)]) };

  const federation = normalize(checked.value as FederationDocument, checked.sourceMap);
  diagnostics.push(...runRules(federation));
  const sorted = sortDiagnostics(diagnostics);
  return hasErrors(sorted) ? { diagnostics: sorted } : { federation, diagnostics: sorted };
}

/** Applies defaults. The input passed the schema walk, so every present field is well-typed. */
export function normalize(doc: FederationDocument, sourceMap?: SourceMap): Federation {
  const importDomain = doc.spec.importDomain ?? "mesh";
  const meshes: Mesh[] = doc.spec.meshes.map((m) => {
    const gw = m.eastWestGateway;
    const mesh: Mesh = {
      name: m.name,
      clusterName: m.clusterName ?? m.name,
      network: m.network ?? m.name,
      trustDomain: m.trustDomain,
      clusterDomain: m.clusterDomain ?? "cluster.local",
      ...(gw?.address !== undefined
        ? {
            eastWestGateway: {
              address: gw.address,
              addressKind: isIP(gw.address) !== 0 ? ("ip" as const) : ("dns" as const),
              port: gw.port ?? 15443,
              selector: gw.selector ?? { istio: "eastwestgateway" },
              namespace: gw.namespace ?? "istio-system",
              ...(gw.internal ? { internal: true } : {}),
              ...(gw.serviceAnnotations && Object.keys(gw.serviceAnnotations).length > 0 ? { serviceAnnotations: { ...gw.serviceAnnotations } } : {}),
            },
          }
        : {}),
      ...(m.egressCIDRs !== undefined ? { egressCIDRs: [...m.egressCIDRs] } : {}),
      dnsCapture: m.dnsCapture ?? "namespaces",
      ...(m.egressGateway !== undefined
        ? {
            egressGateway: {
              selector: m.egressGateway.selector ?? { istio: "egressgateway" },
              namespace: m.egressGateway.namespace ?? "istio-system",
              service: m.egressGateway.service ?? "istio-egressgateway",
            },
          }
        : {}),
      ...(m.istioVersion !== undefined ? { istioVersion: m.istioVersion } : {}),
    };
    return mesh;
  });
  const exports: Export[] = (doc.spec.exports ?? []).map((e, index) => {
    const [mesh = "", namespace = "", name = ""] = e.service.split("/");
    const consumers: Consumer[] = e.consumers.map((c, ci) => {
      const [cm = "", cns = "", csa = ""] = c.principal.split("/");
      return {
        principal: { mesh: cm, namespace: cns, serviceAccount: csa },
        alias: c.alias ?? `${name}.${namespace}.${mesh}.${importDomain}`,
        index: ci,
      };
    });
    return {
      mesh,
      namespace,
      name,
      serviceAccount: e.serviceAccount ?? name,
      workloadSelector: e.workloadSelector ?? { app: name },
      ports: e.ports.map((p) => ({ number: p.number, targetPort: p.targetPort ?? p.number, protocol: (p.protocol ?? "TCP") as PortProtocol })),
      consumers,
      index,
    };
  });
  return {
    name: doc.metadata.name,
    importDomain,
    vipRange: doc.spec.vipRange ?? "240.241.0.0/16",
    meshes,
    exports,
    ...(sourceMap ? { sourceMap } : {}),
  };
}
