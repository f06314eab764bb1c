import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Resource } from "./types.js";

/** A MUTUAL TLS setting without a client certificate, which istiod rejects. */
function mutualWithoutCertificate(tls: any): boolean {
  return tls?.mode === "MUTUAL" && !tls.credentialName && (!tls.clientCertificate || !tls.privateKey);
}

/**
 * The paths of a DestinationRule's TLS settings that are MUTUAL without a client certificate,
 * in document order (traffic policy, its port levels, then each subset's).
 */
function mutualWithoutCertificatePaths(dr: Resource): string[] {
  const out: string[] = [];
  const visit = (tp: any, path: string) => {
    if (mutualWithoutCertificate(tp?.tls)) out.push(`${path}.tls`);
    const levels = tp?.portLevelSettings;
    if (Array.isArray(levels)) for (let i = 0; i < levels.length; i++) if (mutualWithoutCertificate(levels[i]?.tls)) out.push(`${path}.portLevelSettings[${i}].tls`);
  };
  visit(dr.spec.trafficPolicy, "spec.trafficPolicy");
  const subsets = dr.spec.subsets;
  if (Array.isArray(subsets)) for (let i = 0; i < subsets.length; i++) visit(subsets[i]?.trafficPolicy, `spec.subsets[${i}].trafficPolicy`);
  return out;
}

/** The strings Go's strconv.ParseBool accepts. */
const parseBoolValues = ["1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"];

/** The length of a source field that is a list, else 0. */
function listLength(src: any, key: string): number {
  const v = src[key];
  return Array.isArray(v) ? v.length : 0;
}

/**
 * The checks of Istio's config validation (pkg/config/validation) that change what a mesh
 * accepts: istiod rejects such a resource, so verifying it as if applied would mislead.
 */
export function validateIstioResources(resources: readonly Resource[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report = (r: Resource, path: string, message: string, fix: string) =>
    out.push(diagnostic("MF3104", { message: `${r.file}:${r.line}: ${r.kind} ${r.namespace}/${r.name}: ${path}: ${message}`, fix, path, position: { file: r.file, line: r.line, column: 1 } }));
  for (const r of resources) {
    const kind = r.kind;
    // validation.go checkDryRunAnnotation: every Istio config kind is checked for istio.io/dry-run.
    const dryRun = r.metadata.annotations?.["istio.io/dry-run"];
    if (dryRun !== undefined && /\.istio\.io\//.test(r.apiVersion)) {
      const action = String(r.spec.action ?? "ALLOW");
      if (kind !== "AuthorizationPolicy") report(r, "metadata.annotations.istio.io/dry-run", "unsupported annotation istio.io/dry-run (only AuthorizationPolicy supports it)", "Remove the annotation.");
      else if (action !== "ALLOW" && action !== "DENY") report(r, "metadata.annotations.istio.io/dry-run", `the annotation istio.io/dry-run currently only supports action ALLOW/DENY, found action ${action}`, "Remove the annotation, or test the policy as ALLOW/DENY.");
      else if (!parseBoolValues.includes(String(dryRun))) report(r, "metadata.annotations.istio.io/dry-run", `invalid value ${JSON.stringify(dryRun)}: Go's strconv.ParseBool accepts only 1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False`, 'Write "true" or "false" (quoted).');
    }
    if (kind === "ServiceEntry" && r.apiVersion.startsWith("networking.istio.io/")) {
      const endpoints: any[] = Array.isArray(r.spec.endpoints) ? r.spec.endpoints : [];
      const ports: any[] = Array.isArray(r.spec.ports) ? r.spec.ports : [];
      const names: string[] = [];
      for (let i = 0; i < ports.length; i++) names.push(String(ports[i]?.name ?? ""));
      for (let i = 0; i < endpoints.length; i++) {
        const mapped = endpoints[i]?.ports ?? {};
        const keys = Object.keys(mapped);
        for (let j = 0; j < keys.length; j++) {
          const name = keys[j]!;
          if (!names.includes(name)) report(r, `spec.endpoints[${i}].ports.${name}`, `endpoint port ${String(mapped[name])} is mapped from "${name}", which is not a port name of the ServiceEntry`, `Key the endpoint's ports by a name from spec.ports (${[...new Set(names)].join(", ")}).`);
        }
      }
    }
    if (kind === "AuthorizationPolicy" && r.apiVersion.startsWith("security.istio.io/")) {
      const action = String(r.spec.action ?? "ALLOW");
      if (r.spec.provider && action !== "CUSTOM") report(r, "spec.provider", `provider must not be set with action ${action}`, "Remove provider or use action CUSTOM.");
      // validation.go ValidateAuthorizationPolicy: a DENY or CUSTOM policy without rules would never
      // trigger, so istiod rejects it (an empty list is the same as none once read into the proto).
      if ((action === "DENY" || action === "CUSTOM") && !(Array.isArray(r.spec.rules) && r.spec.rules.length > 0)) {
        report(r, "spec.rules", `${action} action without \`rules\` is meaningless as it will never be triggered`, "Add an empty rule `{}` to match every request, or the rules it should match.");
      }
      if (action === "CUSTOM" && Array.isArray(r.spec.rules) && r.spec.rules.length > 0 && !r.spec.provider?.name) {
        report(r, "spec.provider.name", "`provider.name` must not be empty", "Name an extension provider of meshConfig.extensionProviders.");
      }
      const rules: any[] = Array.isArray(r.spec.rules) ? r.spec.rules : [];
      for (let i = 0; i < rules.length; i++) {
        const froms: any[] = Array.isArray(rules[i]?.from) ? rules[i].from : [];
        for (let f = 0; f < froms.length; f++) {
          const src = froms[f]?.source ?? {};
          if (listLength(src, "principals") + listLength(src, "notPrincipals") + listLength(src, "namespaces") + listLength(src, "notNamespaces") > 0 && listLength(src, "serviceAccounts") + listLength(src, "notServiceAccounts") > 0) {
            report(r, `spec.rules[${i}].from.source`, "serviceAccounts cannot be set with namespaces or principals", "Use either serviceAccounts or principals/namespaces in one source.");
          }
          const keys = Object.keys(src);
          let empty = true;
          for (let k = 0; k < keys.length && empty; k++) if (listLength(src, keys[k]!) > 0) empty = false;
          if (empty) report(r, `spec.rules[${i}].from.source`, "from.source must not be empty", "Name principals, namespaces, serviceAccounts, trustDomains or ipBlocks, or drop the from.");
        }
      }
      if (action === "CUSTOM") {
        const unsupported = ["namespaces", "notNamespaces", "serviceAccounts", "notServiceAccounts", "trustDomains", "notTrustDomains", "principals", "notPrincipals", "requestPrincipals", "notRequestPrincipals"];
        (Array.isArray(r.spec.rules) ? r.spec.rules : []).forEach((rule: any, i: number) => {
          for (const from of Array.isArray(rule?.from) ? rule.from : []) {
            for (const k of unsupported) if (Array.isArray(from?.source?.[k]) && from.source[k].length > 0) report(r, `spec.rules[${i}].from.source.${k}`, `${k} is not supported with action CUSTOM`, "Move identity checks to an ALLOW or DENY policy.");
          }
          for (const w of Array.isArray(rule?.when) ? rule.when : []) {
            const key = String(w?.key ?? "");
            if (["source.namespace", "source.serviceAccount", "source.trustDomain", "source.principal"].includes(key) || key.startsWith("request.auth.")) report(r, `spec.rules[${i}].when`, `${key} is not supported with action CUSTOM`, "Move identity checks to an ALLOW or DENY policy.");
          }
        });
      }
    }
    if (kind === "Gateway" && r.apiVersion.startsWith("networking.istio.io/")) {
      (Array.isArray(r.spec.servers) ? r.spec.servers : []).forEach((srv: any, i: number) => {
        const mode = srv?.tls?.mode;
        if ((mode === "SIMPLE" || mode === "MUTUAL" || mode === "OPTIONAL_MUTUAL") && !srv.tls.credentialName && !srv.tls.credentialNames && (!srv.tls.serverCertificate || !srv.tls.privateKey)) {
          report(r, `spec.servers[${i}].tls`, `${mode} TLS needs credentialName or serverCertificate and privateKey`, "Use AUTO_PASSTHROUGH (or ISTIO_MUTUAL) for east-west traffic, or give the server certificate.");
        }
      });
    }
    if (kind === "DestinationRule" && r.apiVersion.startsWith("networking.istio.io/")) {
      for (const path of mutualWithoutCertificatePaths(r)) {
        report(r, path, "tls.mode MUTUAL needs clientCertificate and privateKey (or credentialName)", "Use ISTIO_MUTUAL for Istio mTLS between meshes, or give the certificate files.");
      }
    }
  }
  return out;
}
