import { stringify } from "yaml";
import { MANAGED_BY } from "../compile/names.js";
import { diagnostic, type Diagnostic, type SourcePosition } from "../diagnostics/diagnostic.js";
import type { Federation, Mesh } from "../model/types.js";
import { isConstrainableTrustDomain } from "./name-constraints.js";
import { BasicConstraintsExtension, KeyUsageFlags, KeyUsagesExtension, type X509Certificate } from "./x509.js";

/** One file `meshfed ca` writes. Keys and the Secret are 0600; certificates are public. */
export interface CaFile {
  readonly name: string;
  readonly contents: string;
  readonly mode: 0o600 | 0o644;
}

/** The files of a root CA. */
export function rootFiles(rootCertPem: string, rootKeyPem: string): CaFile[] {
  return [
    { name: "root-cert.pem", contents: rootCertPem, mode: 0o644 },
    { name: "root-key.pem", contents: rootKeyPem, mode: 0o600 },
  ];
}

export interface PluginCaInput {
  readonly mesh: string;
  readonly istioNamespace: string;
  readonly caCertPem: string;
  readonly caKeyPem: string;
  readonly rootCertPem: string;
}

/**
 * Istio's plug-in CA files (istio.io "Plug in CA Certificates"; istio tools/certs/
 * Makefile.selfsigned.mk): `ca-cert.pem` the intermediate, `ca-key.pem` its key, `root-cert.pem`
 * the shared root, `cert-chain.pem` the intermediate followed by the root; and the `cacerts`
 * Secret istiod reads them from.
 */
export function pluginCaFiles(input: PluginCaInput): CaFile[] {
  const certChain = `${input.caCertPem}${input.rootCertPem}`;
  return [
    { name: "ca-cert.pem", contents: input.caCertPem, mode: 0o644 },
    { name: "ca-key.pem", contents: input.caKeyPem, mode: 0o600 },
    { name: "root-cert.pem", contents: input.rootCertPem, mode: 0o644 },
    { name: "cert-chain.pem", contents: certChain, mode: 0o644 },
    { name: "cacerts.yaml", contents: cacertsSecret(input, certChain), mode: 0o600 },
  ];
}

/**
 * The `cacerts` Secret, as `kubectl create secret generic cacerts -n istio-system --from-file=...`
 * would make it (Opaque, base64 `data`), with keys in a fixed order so the same files give the
 * same manifest.
 */
export function cacertsSecret(input: PluginCaInput, certChain: string): string {
  const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
  const secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: "cacerts",
      namespace: input.istioNamespace,
      labels: { [MANAGED_BY]: "meshfed", "meshfed.dev/mesh": input.mesh },
    },
    type: "Opaque",
    data: {
      "ca-cert.pem": b64(input.caCertPem),
      "ca-key.pem": b64(input.caKeyPem),
      "cert-chain.pem": b64(certChain),
      "root-cert.pem": b64(input.rootCertPem),
    },
  };
  return stringify(secret, { lineWidth: 0 });
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Whether a certificate is a CA: basic constraints CA:TRUE and (when present) keyCertSign. */
export function isCaCertificate(cert: X509Certificate): boolean {
  const bc = cert.getExtension(BasicConstraintsExtension);
  const ku = cert.getExtension(KeyUsagesExtension);
  return !!bc?.ca && (!ku || (ku.usages & KeyUsageFlags.keyCertSign) !== 0);
}

/** Checks the root a mesh's intermediate is to be issued under, before anything is generated. */
export function checkIssuer(root: X509Certificate, selfSigned: boolean, position: SourcePosition, now: Date, days: number): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  if (!isCaCertificate(root)) {
    diagnostics.push(diagnostic("MF5004", { file: position.file, subject: root.subject }, { position }));
  }
  if (!selfSigned) {
    diagnostics.push(diagnostic("MF5007", { file: position.file, subject: root.subject, issuer: root.issuer }, { position }));
  }
  if (root.notAfter.getTime() <= now.getTime() || root.notBefore.getTime() > now.getTime()) {
    diagnostics.push(
      diagnostic(
        "MF5011",
        {
          label: `${position.file}: the root`,
          notBefore: root.notBefore.toISOString(),
          notAfter: root.notAfter.toISOString(),
          now: now.toISOString(),
          role: "issuing-root",
        },
        { position },
      ),
    );
  } else if (now.getTime() + days * DAY_MS > root.notAfter.getTime()) {
    const left = Math.floor((root.notAfter.getTime() - now.getTime()) / DAY_MS);
    diagnostics.push(diagnostic("MF5006", { days, rootNotAfter: root.notAfter.toISOString(), daysLeft: left }, { value: days, position }));
  }
  return diagnostics;
}

/** Finds the mesh and checks its trust domain can be a URI name constraint. */
export function checkMeshTrustDomain(federation: Federation, meshName: string): { mesh?: Mesh; diagnostics: Diagnostic[] } {
  const index = federation.meshes.findIndex((m) => m.name === meshName);
  const mesh = federation.meshes[index];
  if (!mesh) return { diagnostics: [] };
  if (isConstrainableTrustDomain(mesh.trustDomain)) return { mesh, diagnostics: [] };
  const path = `spec.meshes[${index}].trustDomain`;
  const position = federation.sourceMap?.values.get(path);
  return {
    mesh,
    diagnostics: [
      diagnostic("MF5005", { mesh: mesh.name, trustDomain: mesh.trustDomain }, { path, value: mesh.trustDomain, ...(position ? { position } : {}) }),
    ],
  };
}
