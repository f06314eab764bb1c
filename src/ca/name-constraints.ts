import { AsnConvert } from "@peculiar/asn1-schema";
import { GeneralName, GeneralSubtree, GeneralSubtrees, id_ce_nameConstraints, NameConstraints } from "@peculiar/asn1-x509";
import { Extension } from "./x509.js";

/** One subtree of a name constraint, in the notation `openssl x509 -text` prints. */
export interface Subtree {
  readonly type: "uri" | "dns" | "ip" | "email" | "dn";
  /** A host or domain for `uri`/`dns`, `address/prefix` for `ip`. */
  readonly value: string;
}

/** The name constraints of a CA certificate. */
export interface NameConstraintsSpec {
  readonly permitted: readonly Subtree[];
  readonly excluded: readonly Subtree[];
}

/**
 * The name constraints of a mesh's intermediate CA.
 *
 * - URI: only `spiffe://<trust domain>/...`. RFC 5280 section 4.2.1.10 says a URI constraint is a
 *   host (matched exactly) or `.domain` (subdomains only), compared with the URI's host; OpenSSL,
 *   BoringSSL and Go compare the host of `spiffe://td/ns/x/sa/y` with it, so the bare trust domain
 *   permits exactly that trust domain's identities (and not `sub.td`).
 * - DNS: istiod's own serving certificate is signed by this CA (`istiod.<ns>.svc`,
 *   `istiod-remote.<ns>.svc`, `istio-pilot.<ns>.svc`), so DNS names cannot be excluded
 *   altogether without breaking the control plane; they are confined to `<ns>.svc` and any names
 *   given (ISTIOD_CUSTOM_HOST).
 * - IP: excluded entirely (IPv4 and IPv6): Istio issues no IP SANs.
 *
 * Email and directory names are left open: no Istio or Envoy check derives an identity from them.
 */
export function intermediateNameConstraints(trustDomain: string, istioNamespace: string, extraDnsNames: readonly string[] = []): NameConstraintsSpec {
  const dns = [...new Set([`${istioNamespace}.svc`, ...extraDnsNames])];
  return {
    permitted: [{ type: "uri", value: trustDomain }, ...dns.map((value) => ({ type: "dns" as const, value }))],
    excluded: [
      { type: "ip", value: "0.0.0.0/0" },
      { type: "ip", value: "::/0" },
    ],
  };
}

function generalName(subtree: Subtree): GeneralName {
  switch (subtree.type) {
    case "uri":
      return new GeneralName({ uniformResourceIdentifier: subtree.value });
    case "dns":
      return new GeneralName({ dNSName: subtree.value });
    case "ip":
      return new GeneralName({ iPAddress: subtree.value });
    case "email":
      return new GeneralName({ rfc822Name: subtree.value });
    case "dn":
      throw new Error("directoryName subtrees are not issued by meshfed");
  }
}

/** The critical nameConstraints extension (RFC 5280: conforming CAs MUST mark it critical). */
export function nameConstraintsExtension(spec: NameConstraintsSpec): Extension {
  const subtrees = (list: readonly Subtree[]) => (list.length ? new GeneralSubtrees(list.map((s) => new GeneralSubtree({ base: generalName(s) }))) : undefined);
  const permittedSubtrees = subtrees(spec.permitted);
  const excludedSubtrees = subtrees(spec.excluded);
  const value = new NameConstraints({
    ...(permittedSubtrees ? { permittedSubtrees } : {}),
    ...(excludedSubtrees ? { excludedSubtrees } : {}),
  });
  return new Extension(id_ce_nameConstraints, true, AsnConvert.serialize(value));
}

/** Reads the name constraints of a certificate extension; undefined when there is none. */
export function readNameConstraints(extension: Extension | null | undefined): NameConstraintsSpec | undefined {
  if (!extension) return undefined;
  const parsed = AsnConvert.parse(extension.value, NameConstraints);
  const read = (subtrees: GeneralSubtrees | undefined): Subtree[] =>
    [...(subtrees ?? [])].map(({ base }) => {
      if (base.uniformResourceIdentifier !== undefined) return { type: "uri", value: base.uniformResourceIdentifier };
      if (base.dNSName !== undefined) return { type: "dns", value: base.dNSName };
      if (base.iPAddress !== undefined) return { type: "ip", value: base.iPAddress };
      if (base.rfc822Name !== undefined) return { type: "email", value: base.rfc822Name };
      return { type: "dn", value: "(directory name)" };
    });
  return { permitted: read(parsed.permittedSubtrees), excluded: read(parsed.excludedSubtrees) };
}

export { id_ce_nameConstraints as NAME_CONSTRAINTS_OID };

/** `uri:production.nrc.internal` style text for one subtree. */
export function formatSubtree(subtree: Subtree): string {
  return `${subtree.type}:${subtree.value}`;
}

/**
 * Whether a trust domain can be a URI name constraint that every verifier matches: BoringSSL
 * (Envoy) rejects a constraint or URI host that is not a DNS name of letters, digits and hyphens
 * (crypto/x509/v3_ncons.cc nc_uri_is_fqdn), so a trust domain with `_` would make every workload
 * certificate fail verification in the sidecars.
 */
export function isConstrainableTrustDomain(trustDomain: string): boolean {
  if (trustDomain.length === 0 || trustDomain.length > 253) return false;
  const labels = trustDomain.split(".");
  const ok = labels.every((label) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label));
  // An all-numeric last label reads as an IP address to BoringSSL and the WHATWG URL parser.
  return ok && !/^[0-9]+$/.test(labels[labels.length - 1]!) && !/^0x[0-9a-f]*$/i.test(labels[labels.length - 1]!);
}
