import { expect, it } from "vitest";
import { formatInspect } from "../../src/ca/format-inspect.js";
import type { CertificateReport } from "../../src/ca/inspect-ca.js";

const base: CertificateReport = {
  source: "prod/ca-cert.pem:1",
  subject: "O=meshfed, OU=production, CN=production.nrc.internal intermediate CA",
  issuer: "O=meshfed, CN=meshfed root CA",
  serialNumber: "40",
  sha256Fingerprint: "AA:BB",
  notBefore: "2026-12-06T00:00:00.000Z",
  notAfter: "2027-12-06T00:00:00.000Z",
  daysLeft: 365,
  keyAlgorithm: "ECDSA P-256",
  selfSigned: false,
  ca: true,
  pathLength: 0,
  keyUsage: ["digitalSignature", "keyCertSign", "cRLSign"],
  nameConstraints: { permitted: ["uri:production.nrc.internal", "dns:istio-system.svc"], excluded: ["ip:0.0.0.0/0", "ip:::/0"] },
  uris: [],
  dnsNames: [],
  chain: ["O=meshfed, CN=meshfed root CA"],
  chainValid: true,
};

it("formats an inspect report as text", () => {
  const text = formatInspect({
    roots: [{ subject: "O=meshfed, CN=meshfed root CA", sha256Fingerprint: "CC:DD" }],
    certificates: [base, { ...base, source: "open.pem:1", nameConstraints: null, pathLength: null, chain: [], chainValid: false }],
    mesh: { name: "production", trustDomain: "production.nrc.internal", agrees: false },
  });
  expect(text).toBe(`prod/ca-cert.pem:1  O=meshfed, OU=production, CN=production.nrc.internal intermediate CA
  SHA-256 fingerprint  AA:BB
  valid                2026-12-06T00:00:00.000Z to 2027-12-06T00:00:00.000Z (365 days left)
  key                  ECDSA P-256
  basic constraints    CA, pathLen 0
  key usage            digitalSignature, keyCertSign, cRLSign
  name constraints     permitted uri:production.nrc.internal, dns:istio-system.svc; excluded ip:0.0.0.0/0, ip:::/0
  chain                valid: O=meshfed, CN=meshfed root CA
open.pem:1  O=meshfed, OU=production, CN=production.nrc.internal intermediate CA
  SHA-256 fingerprint  AA:BB
  valid                2026-12-06T00:00:00.000Z to 2027-12-06T00:00:00.000Z (365 days left)
  key                  ECDSA P-256
  basic constraints    CA, pathLen unlimited
  key usage            digitalSignature, keyCertSign, cRLSign
  name constraints     none: can sign any trust domain
  chain                broken
root O=meshfed, CN=meshfed root CA  SHA-256 CC:DD
mesh production (trust domain production.nrc.internal): does NOT agree (see below)
`);
});
