import { createRootCa, generateKeyPair, issueIntermediateCa, issueWorkloadCertificate, type CaEnvironment, type Signer } from "../../src/ca/issue-ca.js";
import type { KeyType } from "../../src/ca/key-type.js";
import { certificatePem, privateKeyPem } from "../../src/ca/pem.js";
import { signingAlgorithm } from "../../src/ca/key-type.js";
import {
  BasicConstraintsExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectAlternativeNameExtension,
  X509CertificateGenerator,
  type X509Certificate,
} from "../../src/ca/x509.js";

export const env = (now = new Date()): CaEnvironment => ({ crypto: globalThis.crypto, now });

export interface TestCa extends Signer {
  readonly pem: string;
  readonly keyPem: string;
}

async function withPems(e: CaEnvironment, cert: X509Certificate, keys: CryptoKeyPair): Promise<TestCa> {
  return { cert, privateKey: keys.privateKey, pem: certificatePem(cert), keyPem: await privateKeyPem(e.crypto, keys.privateKey) };
}

/** A fresh root CA. */
export async function makeRoot(name = "test root", keyType: KeyType = "ecdsa-p256", e = env(), days = 3650): Promise<TestCa> {
  const keys = await generateKeyPair(e, keyType);
  return withPems(e, await createRootCa(e, { keys, commonName: name, organization: "meshfed test", days }), keys);
}

/** A mesh's constrained intermediate under a root, as `meshfed ca issue` makes it. */
export async function makeIntermediate(
  root: TestCa,
  mesh: string,
  trustDomain: string,
  keyType: KeyType = "ecdsa-p256",
  e = env(),
  days = 365,
): Promise<TestCa> {
  const keys = await generateKeyPair(e, keyType);
  const { cert } = await issueIntermediateCa(e, { root, keys, mesh, trustDomain, days, istioNamespace: "istio-system", organization: "meshfed test" });
  return withPems(e, cert, keys);
}

/** A workload certificate and key, PEM, with the issuer's chain appended (leaf first), as Envoy sends it. */
export async function makeWorkload(issuer: TestCa, spiffeId: string, e = env()): Promise<{ cert: string; key: string; chain: string }> {
  const keys = await generateKeyPair(e, "ecdsa-p256");
  const cert = certificatePem(await issueWorkloadCertificate(e, { issuer, keys, spiffeId, hours: 1 }));
  return { cert, key: await privateKeyPem(e.crypto, keys.privateKey), chain: `${cert}${issuer.pem}` };
}

/**
 * An intermediate as the usual openssl recipe makes it: CA, pathLen 0, no name constraints.
 * Tests use it to show what the constraint prevents.
 */
export async function makeUnconstrainedIntermediate(root: TestCa, trustDomain: string, e = env(), days = 365, pathLength: number | null = 0): Promise<TestCa> {
  const keys = await generateKeyPair(e, "ecdsa-p256");
  const cert = await X509CertificateGenerator.create(
    {
      subject: [{ CN: [`${trustDomain} unconstrained CA`] }],
      issuer: root.cert.subjectName,
      notBefore: new Date(e.now.getTime() - 60_000),
      notAfter: new Date(e.now.getTime() + days * 86_400_000),
      publicKey: keys.publicKey,
      signingKey: root.privateKey,
      signingAlgorithm: signingAlgorithm(root.privateKey),
      extensions: [
        new BasicConstraintsExtension(true, pathLength ?? undefined, true),
        new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
      ],
    },
    e.crypto,
  );
  return withPems(e, cert, keys);
}

/** A serving certificate and key with DNS, IP or URI SANs under an issuer, like istiod's own (initDNSCerts). */
export async function makeServingPair(
  issuer: TestCa,
  names: { type: "dns" | "ip" | "url"; value: string }[],
  e = env(),
): Promise<{ cert: string; key: string }> {
  const keys = await generateKeyPair(e, "ecdsa-p256");
  const cert = await X509CertificateGenerator.create(
    {
      subject: [],
      issuer: issuer.cert.subjectName,
      notBefore: new Date(e.now.getTime() - 60_000),
      notAfter: new Date(e.now.getTime() + 3_600_000),
      publicKey: keys.publicKey,
      signingKey: issuer.privateKey,
      signingAlgorithm: signingAlgorithm(issuer.privateKey),
      extensions: [new BasicConstraintsExtension(false, undefined, true), new SubjectAlternativeNameExtension(names, true)],
    },
    e.crypto,
  );
  return { cert: certificatePem(cert), key: await privateKeyPem(e.crypto, keys.privateKey) };
}

/** The certificate of {@link makeServingPair}. */
export async function makeServing(issuer: TestCa, names: { type: "dns" | "ip" | "url"; value: string }[], e = env()): Promise<string> {
  return (await makeServingPair(issuer, names, e)).cert;
}

/** istiod's serving names in istio-system (pilot/pkg/bootstrap certcontroller.go initDNSCerts). */
export const ISTIOD_NAMES = ["istiod", "istiod-remote", "istio-pilot"].map((n) => ({ type: "dns" as const, value: `${n}.istio-system.svc` }));
