// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect
// metadata API before it loads; importing the polyfill first (ES modules evaluate their imports in
// order) is what its README asks of every entry point. Everything in src/ca imports x509 from here.
import "reflect-metadata";

export {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  Extension,
  KeyUsageFlags,
  KeyUsagesExtension,
  PemConverter,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
} from "@peculiar/x509";
