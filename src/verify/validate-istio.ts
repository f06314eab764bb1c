import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Resource } from "./types.js";

function tlsSettings(dr: Resource): { path: string; tls: any }[] {
  const out: { path: string; tls: any }[] = [];
  const add = (path: string, tp: any) => {
    if (tp?.tls) out.push({ path: `${path}.tls`, tls: tp.tls });
    (Array.isArray(tp?.portLevelSettings) ? tp.portLevelSettings : []).forEach((p: any, i: number) => {
      if (p?.tls) out.push({ path: `${path}.portLevelSettings[${i}].tls`, tls: p.tls });
    });
  };
  add("spec.trafficPolicy", dr.spec.trafficPolicy);
  (Array.isArray(dr.spec.subsets) ? dr.spec.subsets : []).forEach((s: any, i: number) => add(`spec.subsets[${i}].trafficPolicy`, s?.trafficPolicy));
  return out;
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
    if (r.kind === "ServiceEntry" && r.apiVersion.startsWith("networking.istio.io/")) {
      const names = new Set((Array.isArray(r.spec.ports) ? r.spec.ports : []).map((p: any) => String(p?.name ?? "")));
      (Array.isArray(r.spec.endpoints) ? r.spec.endpoints : []).forEach((e: any, i: number) => {
        for (const [name, port] of Object.entries(e?.ports ?? {})) {
          if (!names.has(name)) report(r, `spec.endpoints[${i}].ports.${name}`, `endpoint port ${String(port)} is mapped from "${name}", which is not a port name of the ServiceEntry`, `Key the endpoint's ports by a name from spec.ports (${[...names].join(", ")}).`);
        }
      });
    }
    if (r.kind === "AuthorizationPolicy" && r.apiVersion.startsWith("security.istio.io/")) {
      const action = String(r.spec.action ?? "ALLOW");
      if (r.spec.provider && action !== "CUSTOM") report(r, "spec.provider", `provider must not be set with action ${action}`, "Remove provider or use action CUSTOM.");
      (Array.isArray(r.spec.rules) ? r.spec.rules : []).forEach((rule: any, i: number) => {
        for (const from of Array.isArray(rule?.from) ? rule.from : []) {
          const src = from?.source ?? {};
          const n = (k: string) => (Array.isArray(src[k]) ? src[k].length : 0);
          if (n("principals") + n("notPrincipals") + n("namespaces") + n("notNamespaces") > 0 && n("serviceAccounts") + n("notServiceAccounts") > 0) {
            report(r, `spec.rules[${i}].from.source`, "serviceAccounts cannot be set with namespaces or principals", "Use either serviceAccounts or principals/namespaces in one source.");
          }
          if (Object.keys(src).every((k) => n(k) === 0)) report(r, `spec.rules[${i}].from.source`, "from.source must not be empty", "Name principals, namespaces, serviceAccounts, trustDomains or ipBlocks, or drop the from.");
        }
      });
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
    if (r.kind === "Gateway" && r.apiVersion.startsWith("networking.istio.io/")) {
      (Array.isArray(r.spec.servers) ? r.spec.servers : []).forEach((srv: any, i: number) => {
        const mode = srv?.tls?.mode;
        if ((mode === "SIMPLE" || mode === "MUTUAL" || mode === "OPTIONAL_MUTUAL") && !srv.tls.credentialName && !srv.tls.credentialNames && (!srv.tls.serverCertificate || !srv.tls.privateKey)) {
          report(r, `spec.servers[${i}].tls`, `${mode} TLS needs credentialName or serverCertificate and privateKey`, "Use AUTO_PASSTHROUGH (or ISTIO_MUTUAL) for east-west traffic, or give the server certificate.");
        }
      });
    }
    if (r.kind === "DestinationRule" && r.apiVersion.startsWith("networking.istio.io/")) {
      for (const { path, tls } of tlsSettings(r)) {
        if (tls?.mode === "MUTUAL" && !tls.credentialName && (!tls.clientCertificate || !tls.privateKey)) {
          report(r, path, "tls.mode MUTUAL needs clientCertificate and privateKey (or credentialName)", "Use ISTIO_MUTUAL for Istio mTLS between meshes, or give the certificate files.");
        }
      }
    }
  }
  return out;
}
