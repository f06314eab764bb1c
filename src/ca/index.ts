/**
 * meshfed's CA API (`import ... from "meshfed/ca"`): a shared root, per-mesh intermediates
 * confined to their trust domains, Istio's plug-in CA files, and inspection. A separate entry
 * point because the X.509 library needs the Reflect metadata polyfill, which the main entry point
 * should not install as a side effect.
 */
export {
  createRootCa,
  generateKeyPair,
  issueIntermediateCa,
  issueWorkloadCertificate,
  randomSerial,
  DEFAULT_INTERMEDIATE_DAYS,
  DEFAULT_ROOT_DAYS,
} from "./issue-ca.js";
export type { CaEnvironment, IntermediateOptions, Issued, RootOptions, Signer, WorkloadOptions } from "./issue-ca.js";
export { inspectCertificates, sha256Fingerprint, EXPIRY_WARNING_DAYS } from "./inspect-ca.js";
export { formatInspect } from "./format-inspect.js";
export type { CertificateReport, InspectInput, InspectReport } from "./inspect-ca.js";
export { DEFAULT_KEY_TYPE, KEY_TYPES, describeKeyAlgorithm } from "./key-type.js";
export type { KeyType } from "./key-type.js";
export { formatSubtree, intermediateNameConstraints, isConstrainableTrustDomain, nameConstraintsExtension, readNameConstraints } from "./name-constraints.js";
export type { NameConstraintsSpec, Subtree } from "./name-constraints.js";
export { certificatePem, importSigningKey, parseCertificate, parseCertificates, privateKeyPem } from "./pem.js";
export type { SourcedCertificate } from "./pem.js";
export { cacertsSecret, checkIssuer, checkMeshTrustDomain, isCaCertificate, pluginCaFiles, rootFiles } from "./plan-ca-files.js";
export type { CaFile, PluginCaInput } from "./plan-ca-files.js";
export { secretPems } from "./secret-pems.js";
export { X509Certificate } from "./x509.js";
