import type { ArgsOf } from "../diagnostics/codes.js";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { crdSchemaViolations } from "./crd-schema.js";
import type { Resource } from "./types.js";
import {
  validateDestinationRule,
  validateGateway,
  validateServiceEntry,
  validateSidecar,
  validateVirtualService,
  validateWorkloadEntry,
} from "./validate-networking.js";
import { validateAuthorizationPolicy, validatePeerAuthentication } from "./validate-security.js";

/** The strings Go's strconv.ParseBool accepts. */
const parseBoolValues = ["1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"];

/** How a check reports a field istiod refuses. */
export type Report = (r: Resource, path: string, refused: ArgsOf<"MF3104">["refused"]) => void;

/**
 * The checks of Istio's config validation (pkg/config/validation) that change what a mesh
 * accepts: istiod rejects such a resource, so verifying it as if applied would mislead.
 */
export function validateIstioResources(resources: readonly Resource[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report: Report = (r, path, refused) =>
    out.push(
      diagnostic(
        "MF3104",
        { resource: { file: r.file, line: r.line, kind: r.kind, namespace: r.namespace, name: r.name }, field: path, refused },
        { path, position: { file: r.file, line: r.line, column: 1 } },
      ),
    );
  // One small function per resource and kind: V8 optimizes a long loop together with its whole
  // function, which in a run this short costs more than the optimized code saves.
  for (const r of resources) validateResource(r, report);
  return out;
}

function validateResource(r: Resource, report: Report): void {
  const kind = r.kind;
  // The API server checks the CRD schema first: a resource it refuses never reaches istiod.
  const violations = crdSchemaViolations(r);
  if (violations.length > 0) {
    for (const v of violations) report(r, v.path, { rule: "schema", reason: v.reason });
    return;
  }
  // validation.go checkDryRunAnnotation: every Istio config kind is checked for istio.io/dry-run.
  const dryRun = r.metadata.annotations?.["istio.io/dry-run"];
  if (dryRun !== undefined && /\.istio\.io\//.test(r.apiVersion)) {
    const action = String(r.spec.action ?? "ALLOW");
    if (kind !== "AuthorizationPolicy") report(r, "metadata.annotations.istio.io/dry-run", { rule: "dry-run-kind" });
    else if (action !== "ALLOW" && action !== "DENY") report(r, "metadata.annotations.istio.io/dry-run", { rule: "dry-run-action", action });
    else if (!parseBoolValues.includes(String(dryRun))) report(r, "metadata.annotations.istio.io/dry-run", { rule: "dry-run-value", value: String(dryRun) });
  }
  const checks = r.apiVersion.startsWith("networking.istio.io/")
    ? networkingChecks
    : r.apiVersion.startsWith("security.istio.io/")
      ? securityChecks
      : undefined;
  checks?.get(kind)?.(r, report);
}

/** The checks per kind of each Istio group (validate-networking.ts, validate-security.ts). */
const networkingChecks = new Map<string, (r: Resource, report: Report) => void>([
  ["Gateway", validateGateway],
  ["ServiceEntry", validateServiceEntry],
  ["DestinationRule", validateDestinationRule],
  ["VirtualService", validateVirtualService],
  ["Sidecar", validateSidecar],
  ["WorkloadEntry", validateWorkloadEntry],
]);
const securityChecks = new Map<string, (r: Resource, report: Report) => void>([
  ["PeerAuthentication", validatePeerAuthentication],
  ["AuthorizationPolicy", validateAuthorizationPolicy],
]);
