/** Key types `meshfed ca` issues. ECDSA P-256 is Istio's own default for workload keys. */
export const KEY_TYPES = ["ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-4096"] as const;

export type KeyType = (typeof KEY_TYPES)[number];

export const DEFAULT_KEY_TYPE: KeyType = "ecdsa-p256";

/** The WebCrypto parameters to generate a key of a type. */
export function keyGenParams(type: KeyType): EcKeyGenParams | RsaHashedKeyGenParams {
  switch (type) {
    case "ecdsa-p256":
      return { name: "ECDSA", namedCurve: "P-256" };
    case "ecdsa-p384":
      return { name: "ECDSA", namedCurve: "P-384" };
    case "rsa-2048":
    case "rsa-4096":
      return {
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: type === "rsa-2048" ? 2048 : 4096,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: "SHA-256",
      };
  }
}

/**
 * The signature algorithm a CA key signs with: SHA-384 for P-384 (matching the curve's strength,
 * as RFC 5480 section 4 recommends), SHA-256 otherwise.
 */
export function signingAlgorithm(key: CryptoKey): Algorithm | EcdsaParams {
  const algorithm = key.algorithm as EcKeyAlgorithm | RsaHashedKeyAlgorithm;
  if (algorithm.name === "ECDSA") {
    return { name: "ECDSA", hash: (algorithm as EcKeyAlgorithm).namedCurve === "P-384" ? "SHA-384" : "SHA-256" } as EcdsaParams;
  }
  return { name: algorithm.name, hash: "SHA-256" } as Algorithm;
}

/** A short human name for a key algorithm, e.g. `ECDSA P-256` or `RSA 2048`. */
export function describeKeyAlgorithm(algorithm: Algorithm): string {
  const a = algorithm as Partial<EcKeyAlgorithm & RsaHashedKeyAlgorithm>;
  if (a.namedCurve) return `ECDSA ${a.namedCurve}`;
  if (a.modulusLength) return `RSA ${a.modulusLength}`;
  return algorithm.name;
}

/** The key type of a generated or imported key, when it is one meshfed issues. */
export function keyTypeOf(algorithm: Algorithm): KeyType | undefined {
  const described = describeKeyAlgorithm(algorithm);
  const byDescription: Record<string, KeyType> = {
    "ECDSA P-256": "ecdsa-p256",
    "ECDSA P-384": "ecdsa-p384",
    "RSA 2048": "rsa-2048",
    "RSA 4096": "rsa-4096",
  };
  return byDescription[described];
}
