import { diagnostic, type Diagnostic, type SourcePosition } from "../diagnostics/diagnostic.js";
import { describeKeyAlgorithm } from "./key-type.js";
import { formatSubtree, NAME_CONSTRAINTS_OID, readNameConstraints, type NameConstraintsSpec } from "./name-constraints.js";
import type { SourcedCertificate } from "./pem.js";
import { BasicConstraintsExtension, KeyUsageFlags, KeyUsagesExtension, SubjectAlternativeNameExtension, type X509Certificate } from "./x509.js";

/** Days before expiry from which a certificate is reported (MF5012). */
export const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_DEPTH = 8;

/** One certificate as `meshfed ca inspect` reports it. */
export interface CertificateReport {
  /** `file:line` of the PEM block. */
  readonly source: string;
  readonly subject: string;
  readonly issuer: string;
  readonly serialNumber: string;
  /** SHA-256 over the DER certificate, as `openssl x509 -fingerprint -sha256` prints it. */
  readonly sha256Fingerprint: string;
  readonly notBefore: string;
  readonly notAfter: string;
  /** Whole days until notAfter (negative when expired). */
  readonly daysLeft: number;
  readonly keyAlgorithm: string;
  readonly selfSigned: boolean;
  readonly ca: boolean;
  readonly pathLength: number | null;
  readonly keyUsage: readonly string[];
  readonly nameConstraints: { readonly permitted: readonly string[]; readonly excluded: readonly string[] } | null;
  readonly uris: readonly string[];
  readonly dnsNames: readonly string[];
  /** Subjects from this certificate's issuer up to the root, as far as the chain could be built. */
  readonly chain: readonly string[];
  /** Every signature up to a self-signed root verifies, and the root is among the input. */
  readonly chainValid: boolean;
}

export interface InspectReport {
  readonly roots: readonly { readonly subject: string; readonly sha256Fingerprint: string }[];
  readonly certificates: readonly CertificateReport[];
  /** Present with `--model/--mesh`: the mesh and whether its intermediates are confined to its trust domain. */
  readonly mesh?: { readonly name: string; readonly trustDomain: string; readonly agrees: boolean };
}

export interface InspectInput {
  readonly certificates: readonly SourcedCertificate[];
  /** Files named `cert-chain.pem`, with their certificates in file order. */
  readonly chainFiles?: readonly { readonly file: string; readonly certificates: readonly X509Certificate[] }[];
  readonly expect?: { readonly mesh: string; readonly trustDomain: string };
  readonly now: Date;
  readonly crypto: Crypto;
}

function hexFingerprint(buffer: ArrayBuffer): string {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).toUpperCase().padStart(2, "0")).join(":");
}

/** The SHA-256 fingerprint of a certificate, as `openssl x509 -noout -fingerprint -sha256` prints it. */
export async function sha256Fingerprint(cert: X509Certificate, crypto: Crypto): Promise<string> {
  return hexFingerprint(await cert.getThumbprint("SHA-256", crypto));
}

function keyUsageNames(cert: X509Certificate): string[] {
  const ku = cert.getExtension(KeyUsagesExtension);
  if (!ku) return [];
  const names: string[] = [];
  for (const [name, flag] of Object.entries(KeyUsageFlags)) {
    if (typeof flag === "number" && (ku.usages & flag) !== 0) names.push(name);
  }
  return names;
}

function sans(cert: X509Certificate): { uris: string[]; dnsNames: string[] } {
  const san = cert.getExtension(SubjectAlternativeNameExtension);
  const names = san ? san.names.toJSON() : [];
  return { uris: names.filter((n) => n.type === "url").map((n) => n.value), dnsNames: names.filter((n) => n.type === "dns").map((n) => n.value) };
}

function where(position: SourcePosition): string {
  return `${position.file}:${position.line}`;
}

interface Node {
  readonly source: SourcedCertificate;
  readonly fingerprint: string;
  readonly selfSigned: boolean;
  issuer?: Node;
}

async function signedBy(child: X509Certificate, parent: X509Certificate, crypto: Crypto): Promise<boolean> {
  if (child.issuer !== parent.subject) return false;
  try {
    return await child.verify({ publicKey: parent.publicKey, signatureOnly: true }, crypto);
  } catch {
    return false;
  }
}

/**
 * Inspects CA material: builds each certificate's chain from the certificates given (signatures
 * verified, not matched by name alone), reports validity, key usage, basic and name constraints,
 * and finds what would hurt a mesh (MF5010-MF5017). Pure: the clock and WebCrypto are inputs.
 */
export async function inspectCertificates(input: InspectInput): Promise<{ report: InspectReport; diagnostics: Diagnostic[] }> {
  const { crypto, now } = input;
  const diagnostics: Diagnostic[] = [];
  const nodes: Node[] = [];
  const seen = new Set<string>();
  for (const source of input.certificates) {
    const fingerprint = await sha256Fingerprint(source.cert, crypto);
    if (seen.has(fingerprint)) continue;
    seen.add(fingerprint);
    nodes.push({ source, fingerprint, selfSigned: await signedBy(source.cert, source.cert, crypto) });
  }
  if (nodes.length === 0) {
    diagnostics.push(diagnostic("MF5017", {}));
  }
  for (const node of nodes) {
    if (node.selfSigned) continue;
    for (const candidate of nodes) {
      if (candidate !== node && (await signedBy(node.source.cert, candidate.source.cert, crypto))) {
        node.issuer = candidate;
        break;
      }
    }
  }

  const reports: CertificateReport[] = [];
  for (const node of nodes) {
    const { cert, position } = node.source;
    const chain: string[] = [];
    let cursor: Node | undefined = node;
    let chainValid = node.selfSigned;
    for (let depth = 0; cursor && !cursor.selfSigned && depth < MAX_DEPTH; depth++) {
      cursor = cursor.issuer;
      if (cursor) chain.push(cursor.source.cert.subject);
      chainValid = !!cursor?.selfSigned;
    }
    const bc = cert.getExtension(BasicConstraintsExtension);
    const nc = readNameConstraints(cert.getExtension(NAME_CONSTRAINTS_OID));
    const daysLeft = Math.floor((cert.notAfter.getTime() - now.getTime()) / DAY_MS);
    reports.push({
      source: where(position),
      subject: cert.subject,
      issuer: cert.issuer,
      serialNumber: cert.serialNumber,
      sha256Fingerprint: node.fingerprint,
      notBefore: cert.notBefore.toISOString(),
      notAfter: cert.notAfter.toISOString(),
      daysLeft,
      keyAlgorithm: describeKeyAlgorithm(cert.publicKey.algorithm),
      selfSigned: node.selfSigned,
      ca: !!bc?.ca,
      pathLength: bc?.pathLength ?? null,
      keyUsage: keyUsageNames(cert),
      nameConstraints: nc ? { permitted: nc.permitted.map(formatSubtree), excluded: nc.excluded.map(formatSubtree) } : null,
      ...sans(cert),
      chain,
      chainValid,
    });
    diagnostics.push(...certificateFindings(node, nc, daysLeft, chainValid, now));
  }

  for (const chainFile of input.chainFiles ?? []) diagnostics.push(...(await chainFileFindings(chainFile, crypto)));

  let mesh: InspectReport["mesh"];
  if (input.expect) {
    const intermediates = nodes.filter((n) => !n.selfSigned && n.source.cert.getExtension(BasicConstraintsExtension)?.ca);
    const findings = intermediates.flatMap((n) => trustDomainFindings(n, input.expect!));
    if (intermediates.length === 0) {
      findings.push(diagnostic("MF5017", { mesh: input.expect.mesh }));
    }
    diagnostics.push(...findings);
    mesh = { name: input.expect.mesh, trustDomain: input.expect.trustDomain, agrees: findings.length === 0 };
  }

  const roots = nodes.filter((n) => n.selfSigned).map((n) => ({ subject: n.source.cert.subject, sha256Fingerprint: n.fingerprint }));
  return { report: { roots, certificates: reports, ...(mesh ? { mesh } : {}) }, diagnostics };
}

function certificateFindings(node: Node, nc: NameConstraintsSpec | undefined, daysLeft: number, chainValid: boolean, now: Date): Diagnostic[] {
  const { cert, position } = node.source;
  const out: Diagnostic[] = [];
  const label = `"${cert.subject || "(empty subject)"}"`;
  if (cert.notAfter.getTime() <= now.getTime() || cert.notBefore.getTime() > now.getTime()) {
    out.push(
      diagnostic(
        "MF5011",
        {
          label,
          notBefore: cert.notBefore.toISOString(),
          notAfter: cert.notAfter.toISOString(),
          now: now.toISOString(),
          role: node.selfSigned ? "root" : "intermediate",
        },
        { position },
      ),
    );
  } else if (daysLeft < EXPIRY_WARNING_DAYS) {
    out.push(diagnostic("MF5012", { label, notAfter: cert.notAfter.toISOString(), daysLeft, root: node.selfSigned }, { position }));
  }
  if (!node.selfSigned && !chainValid) {
    out.push(diagnostic("MF5010", { label, issuer: cert.issuer }, { position }));
  }
  const bc = cert.getExtension(BasicConstraintsExtension);
  if (!node.selfSigned && bc?.ca) {
    if (!nc?.permitted.some((s) => s.type === "uri")) {
      out.push(diagnostic("MF5013", { label }, { position }));
    }
    if (bc.pathLength !== 0) {
      out.push(diagnostic("MF5014", { label, pathLength: bc.pathLength }, { position }));
    }
    const usages = cert.getExtension(KeyUsagesExtension)?.usages;
    if (usages !== undefined && (usages & KeyUsageFlags.keyCertSign) === 0) {
      out.push(diagnostic("MF5004", { label }, { position }));
    }
  }
  return out;
}

function trustDomainFindings(node: Node, expect: { mesh: string; trustDomain: string }): Diagnostic[] {
  const { cert, position } = node.source;
  const nc = readNameConstraints(cert.getExtension(NAME_CONSTRAINTS_OID));
  const uris = (nc?.permitted ?? []).filter((s) => s.type === "uri").map((s) => s.value);
  if (uris.length === 1 && uris[0]!.toLowerCase() === expect.trustDomain.toLowerCase()) return [];
  return [diagnostic("MF5015", { subject: cert.subject, permitted: uris, mesh: expect.mesh, trustDomain: expect.trustDomain }, { value: uris, position })];
}

async function chainFileFindings(chainFile: { file: string; certificates: readonly X509Certificate[] }, crypto: Crypto): Promise<Diagnostic[]> {
  const certs = chainFile.certificates;
  const position = { file: chainFile.file, line: 1, column: 1 };
  const file = chainFile.file;
  if (certs.length < 2) return [diagnostic("MF5016", { file, problem: "count", count: certs.length }, { position })];
  for (let i = 0; i + 1 < certs.length; i++) {
    if (!(await signedBy(certs[i]!, certs[i + 1]!, crypto))) {
      return [
        diagnostic("MF5016", { file, problem: "not-signed", index: i + 1, subject: certs[i]!.subject, nextSubject: certs[i + 1]!.subject }, { position }),
      ];
    }
  }
  const last = certs[certs.length - 1]!;
  if (!(await signedBy(last, last, crypto))) return [diagnostic("MF5016", { file, problem: "last-not-root", subject: last.subject }, { position })];
  return [];
}
