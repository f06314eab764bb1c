import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { diagnostic, type Diagnostic, type SourcePosition } from "../diagnostics/diagnostic.js";
import { PemConverter, X509Certificate } from "./x509.js";

/** A certificate read from a file, with where it came from. */
export interface SourcedCertificate {
  readonly cert: X509Certificate;
  readonly position: SourcePosition;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** The PEM blocks of a text, each with its label and the line it starts on. */
export function pemBlocks(text: string): { label: string; pem: string; line: number }[] {
  return [...text.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1]!, pem: m[0], line: lineAt(text, m.index) }));
}

/**
 * Reads every `CERTIFICATE` block of a PEM text. Private key blocks are skipped (inspect reads
 * whole directories, keys included, and never looks inside a key). A text with no certificate,
 * or a block that does not parse, is a diagnostic.
 */
export function parseCertificates(text: string, file: string): { certificates: SourcedCertificate[]; diagnostics: Diagnostic[] } {
  const certificates: SourcedCertificate[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const block of pemBlocks(text)) {
    if (block.label !== "CERTIFICATE") continue;
    const position = { file, line: block.line, column: 1 };
    try {
      certificates.push({ cert: new X509Certificate(block.pem), position });
    } catch (err) {
      diagnostics.push(diagnostic("MF5002", { file, problem: "certificate-unparsable", line: block.line, reason: (err as Error).message }, { position }));
    }
  }
  return { certificates, diagnostics };
}

/** The first certificate of a PEM text, or a diagnostic. */
export function parseCertificate(text: string, file: string): { certificate?: SourcedCertificate; diagnostics: Diagnostic[] } {
  const { certificates, diagnostics } = parseCertificates(text, file);
  if (certificates.length > 0) return { certificate: certificates[0]!, diagnostics };
  if (diagnostics.length > 0) return { diagnostics };
  return {
    diagnostics: [diagnostic("MF5002", { file, problem: "no-certificate-block" }, { position: { file, line: 1, column: 1 } })],
  };
}

/**
 * Reads a PEM private key (PKCS#8, SEC1 `EC PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`) as a
 * WebCrypto signing key for the certificate it belongs to; a key that is not the certificate's
 * key is a diagnostic, as it would sign certificates that do not chain.
 */
export async function importSigningKey(
  crypto: Crypto,
  text: string,
  file: string,
  cert: X509Certificate,
): Promise<{ privateKey?: CryptoKey; diagnostics: Diagnostic[] }> {
  const position = { file, line: 1, column: 1 };
  const block = pemBlocks(text).find((b) => b.label.endsWith("PRIVATE KEY"));
  if (!block) {
    return { diagnostics: [diagnostic("MF5002", { file, problem: "no-private-key" }, { position })] };
  }
  if (block.label === "ENCRYPTED PRIVATE KEY") {
    return {
      diagnostics: [diagnostic("MF5002", { file, problem: "private-key-encrypted" }, { position: { ...position, line: block.line } })],
    };
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(block.pem);
  } catch (err) {
    return {
      diagnostics: [
        diagnostic("MF5002", { file, problem: "private-key-unparsable", reason: (err as Error).message }, { position: { ...position, line: block.line } }),
      ],
    };
  }
  const spki = createPublicKey(key).export({ type: "spki", format: "der" });
  if (!Buffer.from(cert.publicKey.rawData).equals(spki)) {
    return {
      diagnostics: [diagnostic("MF5003", { file, subject: cert.subject }, { position: { ...position, line: block.line } })],
    };
  }
  const pkcs8 = key.export({ type: "pkcs8", format: "der" });
  const algorithm = cert.publicKey.algorithm as Algorithm & { namedCurve?: string; hash?: unknown };
  const importParams = algorithm.name === "ECDSA" ? { name: "ECDSA", namedCurve: algorithm.namedCurve } : { name: algorithm.name, hash: "SHA-256" };
  const privateKey = await crypto.subtle.importKey("pkcs8", pkcs8, importParams as EcKeyImportParams | RsaHashedImportParams, true, ["sign"]);
  return { privateKey, diagnostics: [] };
}

/** A private key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), which Istio reads. */
export async function privateKeyPem(crypto: Crypto, key: CryptoKey): Promise<string> {
  return `${PemConverter.encode(await crypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY")}\n`;
}

/** A certificate as PEM with a final newline. */
export function certificatePem(cert: X509Certificate): string {
  return `${cert.toString("pem")}\n`;
}
