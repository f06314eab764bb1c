import type { JsonName } from "@peculiar/x509";
import { keyGenParams, signingAlgorithm, type KeyType } from "./key-type.js";
import { intermediateNameConstraints, nameConstraintsExtension, type NameConstraintsSpec } from "./name-constraints.js";
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  type X509Certificate,
  X509CertificateGenerator,
} from "./x509.js";

/**
 * What issuing depends on, passed in so the core stays free of ambient state: WebCrypto (key
 * generation, signatures and the serial numbers' randomness) and the issuing time.
 */
export interface CaEnvironment {
  readonly crypto: Crypto;
  readonly now: Date;
}

/** A CA certificate with the private key that signs under it. */
export interface Signer {
  readonly cert: X509Certificate;
  readonly privateKey: CryptoKey;
}

/** A certificate and its freshly generated key pair. */
export interface Issued {
  readonly cert: X509Certificate;
  readonly keys: CryptoKeyPair;
}

/** How far notBefore is backdated, so that a verifier whose clock lags a little still accepts. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Default validity: the root outlives many intermediates; an intermediate is rolled yearly. */
export const DEFAULT_ROOT_DAYS = 3650;
export const DEFAULT_INTERMEDIATE_DAYS = 365;

export async function generateKeyPair(env: CaEnvironment, type: KeyType): Promise<CryptoKeyPair> {
  // Extractable: the key is written to ca-key.pem / root-key.pem once, then only read back.
  return (await env.crypto.subtle.generateKey(keyGenParams(type), true, ["sign", "verify"])) as CryptoKeyPair;
}

/**
 * A random positive 127-bit serial number (RFC 5280 4.1.2.2: at most 20 octets; CA/B Forum asks
 * for at least 64 random bits), hex. The top bits are fixed so the DER integer never needs a
 * leading zero and always has the same length.
 */
export function randomSerial(env: CaEnvironment): string {
  const bytes = env.crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x3f) | 0x40;
  return Buffer.from(bytes).toString("hex");
}

function validity(env: CaEnvironment, days: number): { notBefore: Date; notAfter: Date } {
  return { notBefore: new Date(env.now.getTime() - CLOCK_SKEW_MS), notAfter: new Date(env.now.getTime() + days * DAY_MS) };
}

export interface RootOptions {
  readonly keys: CryptoKeyPair;
  readonly commonName: string;
  readonly organization: string;
  readonly days: number;
}

/** A self-signed root CA: basic constraints CA (critical), keyCertSign and cRLSign. */
export async function createRootCa(env: CaEnvironment, options: RootOptions): Promise<X509Certificate> {
  const name: JsonName = [{ O: [options.organization] }, { CN: [options.commonName] }];
  return X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(env),
      subject: name,
      issuer: name,
      ...validity(env, options.days),
      publicKey: options.keys.publicKey,
      signingKey: options.keys.privateKey,
      signingAlgorithm: signingAlgorithm(options.keys.privateKey),
      extensions: [
        new BasicConstraintsExtension(true, undefined, true),
        new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign | KeyUsageFlags.digitalSignature, true),
        await SubjectKeyIdentifierExtension.create(options.keys.publicKey, false, env.crypto),
      ],
    },
    env.crypto,
  );
}

export interface IntermediateOptions {
  readonly root: Signer;
  readonly keys: CryptoKeyPair;
  readonly mesh: string;
  readonly trustDomain: string;
  readonly days: number;
  /** The namespace istiod runs in: its serving names `*.<ns>.svc` stay permitted. */
  readonly istioNamespace: string;
  /** More DNS names or domains istiod serves (ISTIOD_CUSTOM_HOST). */
  readonly extraDnsNames?: readonly string[];
  readonly organization: string;
}

/** The subject of a mesh's intermediate CA. */
export function intermediateSubject(organization: string, mesh: string, trustDomain: string): JsonName {
  return [{ O: [organization] }, { OU: [mesh] }, { CN: [`${trustDomain} intermediate CA`] }];
}

/**
 * A mesh's intermediate CA for Istio's plug-in CA: CA with path length 0 (it signs workloads,
 * never another CA), keyCertSign/cRLSign/digitalSignature, and name constraints confining it to
 * the mesh's trust domain (see {@link intermediateNameConstraints}).
 */
export async function issueIntermediateCa(
  env: CaEnvironment,
  options: IntermediateOptions,
): Promise<{ cert: X509Certificate; constraints: NameConstraintsSpec }> {
  const constraints = intermediateNameConstraints(options.trustDomain, options.istioNamespace, options.extraDnsNames);
  const cert = await X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(env),
      subject: intermediateSubject(options.organization, options.mesh, options.trustDomain),
      issuer: options.root.cert.subjectName,
      ...validity(env, options.days),
      publicKey: options.keys.publicKey,
      signingKey: options.root.privateKey,
      signingAlgorithm: signingAlgorithm(options.root.privateKey),
      extensions: [
        new BasicConstraintsExtension(true, 0, true),
        new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign | KeyUsageFlags.digitalSignature, true),
        await SubjectKeyIdentifierExtension.create(options.keys.publicKey, false, env.crypto),
        await AuthorityKeyIdentifierExtension.create(options.root.cert.publicKey, false, env.crypto),
        nameConstraintsExtension(constraints),
      ],
    },
    env.crypto,
  );
  return { cert, constraints };
}

export interface WorkloadOptions {
  readonly issuer: Signer;
  readonly keys: CryptoKeyPair;
  /** `spiffe://<trust domain>/ns/<namespace>/sa/<service account>`. */
  readonly spiffeId: string;
  readonly hours: number;
}

/**
 * A workload certificate shaped like the ones istiod issues: empty subject, the SPIFFE ID as the
 * only (critical) URI SAN, digitalSignature/keyEncipherment, serverAuth and clientAuth. meshfed
 * does not issue these for production use (istiod does); they prove what the intermediate admits.
 */
export async function issueWorkloadCertificate(env: CaEnvironment, options: WorkloadOptions): Promise<X509Certificate> {
  return X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(env),
      subject: [],
      issuer: options.issuer.cert.subjectName,
      notBefore: new Date(env.now.getTime() - CLOCK_SKEW_MS),
      notAfter: new Date(env.now.getTime() + options.hours * 60 * 60 * 1000),
      publicKey: options.keys.publicKey,
      signingKey: options.issuer.privateKey,
      signingAlgorithm: signingAlgorithm(options.issuer.privateKey),
      extensions: [
        new BasicConstraintsExtension(false, undefined, true),
        new KeyUsagesExtension(KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment, true),
        new ExtendedKeyUsageExtension([ExtendedKeyUsage.serverAuth, ExtendedKeyUsage.clientAuth]),
        await AuthorityKeyIdentifierExtension.create(options.issuer.cert.publicKey, false, env.crypto),
        // RFC 5280 4.2.1.6: with an empty subject the SAN extension is critical.
        new SubjectAlternativeNameExtension([{ type: "url", value: options.spiffeId }], true),
      ],
    },
    env.crypto,
  );
}
