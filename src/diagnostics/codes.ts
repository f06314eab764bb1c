/**
 * The one registry of diagnostic codes. Codes are stable: a retired code is marked `retired`
 * and never reused. `docs/diagnostics.md` is generated from this table.
 *
 * Ranges: MF1xxx model, MF2xxx compile, MF3xxx verify findings and verdict reasons,
 * MF4xxx kube/doctor, MF5xxx CA.
 */

import { compareStrings } from "../util/compare.js";

export type Severity = "error" | "warning" | "info";

export interface CodeInfo {
  /** Stable code, e.g. `MF1005`. */
  readonly code: string;
  /** Short kebab-case name, stable like the code. */
  readonly name: string;
  readonly severity: Severity;
  /** One line: what is wrong. */
  readonly title: string;
  /** Why it matters and how to fix it (Markdown). */
  readonly explanation: string;
  readonly retired?: boolean;
}

const table = [
  // ── MF1xxx: the federation model ────────────────────────────────────────────────
  {
    code: "MF1001",
    name: "yaml-syntax",
    severity: "error",
    title: "The file is not valid YAML",
    explanation:
      "The YAML parser could not read the file. The message names the parser's complaint; fix the indentation or quoting at the position shown.",
  },
  {
    code: "MF1002",
    name: "wrong-type",
    severity: "error",
    title: "A field has the wrong type",
    explanation:
      "A field holds a value of the wrong shape (for example a string where a list is expected). The message says what was expected; `meshfed schema` prints the full schema.",
  },
  {
    code: "MF1003",
    name: "api-version",
    severity: "error",
    title: "Unsupported apiVersion",
    explanation: "meshfed reads `apiVersion: meshfed.dev/v1alpha1`. Set it exactly.",
  },
  {
    code: "MF1004",
    name: "kind",
    severity: "error",
    title: "Unsupported kind",
    explanation: "A federation file has `kind: MeshFederation`.",
  },
  {
    code: "MF1005",
    name: "unknown-field",
    severity: "error",
    title: "Unknown field",
    explanation:
      "The field is not part of the model; meshfed refuses it rather than ignore it, because a misspelt security setting silently ignored is worse than an error. The message suggests the closest known field.",
  },
  {
    code: "MF1006",
    name: "missing-field",
    severity: "error",
    title: "A required field is missing",
    explanation: "Add the field named in the message.",
  },
  {
    code: "MF1007",
    name: "invalid-name",
    severity: "error",
    title: "Not a valid DNS-1123 label",
    explanation:
      "Mesh names, namespaces, service and service-account names become Kubernetes names and DNS labels: lower-case letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters.",
  },
  {
    code: "MF1008",
    name: "invalid-host",
    severity: "error",
    title: "Not a valid host name or address",
    explanation:
      "Host names (aliases, the import domain, east-west gateway addresses) must be DNS-1123 subdomains (lower-case labels separated by dots, at most 253 characters) or, where an address is expected, an IPv4 or IPv6 address. Wildcards are never accepted: a wildcard host is how whole meshes get exposed.",
  },
  {
    code: "MF1009",
    name: "port-out-of-range",
    severity: "error",
    title: "Port out of range",
    explanation: "Ports are integers from 1 to 65535.",
  },
  {
    code: "MF1010",
    name: "invalid-service-ref",
    severity: "error",
    title: "Malformed service reference",
    explanation:
      "An exported service is written `mesh/namespace/name`, for example `production/db/postgres`: three DNS-1123 labels separated by `/`.",
  },
  {
    code: "MF1011",
    name: "invalid-principal",
    severity: "error",
    title: "Malformed consumer principal",
    explanation:
      "A consumer is written `mesh/namespace/serviceAccount`, for example `operations/vault/vault`. meshfed derives the SPIFFE identity `spiffe://<trustDomain of mesh>/ns/<namespace>/sa/<serviceAccount>` from it; wildcards are not accepted because least privilege names each caller.",
  },
  {
    code: "MF1012",
    name: "duplicate-mesh",
    severity: "error",
    title: "Two meshes have the same name",
    explanation: "Mesh names identify meshes in service references and principals; each must be unique.",
  },
  {
    code: "MF1013",
    name: "unknown-mesh",
    severity: "error",
    title: "Reference to a mesh that is not declared",
    explanation: "Every mesh named by an export or a consumer must be declared under `spec.meshes`.",
  },
  {
    code: "MF1014",
    name: "consumer-in-exporting-mesh",
    severity: "error",
    title: "A consumer is in the exporting mesh",
    explanation:
      "Callers in the same mesh reach the service directly through the mesh; federating it to them would route local traffic out through the east-west gateway. Remove the consumer, or name a principal of another mesh.",
  },
  {
    code: "MF1015",
    name: "exporter-without-gateway",
    severity: "error",
    title: "An exporting mesh has no east-west gateway address",
    explanation:
      "Consumers reach an exported service through the exporting mesh's east-west gateway; meshfed needs its address (an IP or DNS name other meshes can dial) to write their ServiceEntries. Set `eastWestGateway.address` on the mesh.",
  },
  {
    code: "MF1016",
    name: "duplicate-export",
    severity: "error",
    title: "The same service is exported twice",
    explanation: "Merge the two exports into one with all their consumers and ports.",
  },
  {
    code: "MF1017",
    name: "alias-collision",
    severity: "error",
    title: "Two imports would use the same alias host in one namespace",
    explanation:
      "Each imported service gets a host name in the consumer's namespace; two imports with the same host would shadow each other. Give one of them a different `alias`.",
  },
  {
    code: "MF1018",
    name: "shared-trust-domain",
    severity: "error",
    title: "Two meshes use the same trust domain",
    explanation:
      "Identities are `spiffe://<trustDomain>/ns/<namespace>/sa/<serviceAccount>`. When two meshes share a trust domain, `vault/vault` in operations and `vault/vault` in production are the same principal: an AuthorizationPolicy admitting one admits both, so least privilege cannot be expressed. A bystander mesh that shares an exporter's trust domain passes the exporter's guard as a local caller, so the export is open to all of it. Refused: give every mesh its own trust domain.",
  },
  {
    code: "MF1019",
    name: "invalid-value",
    severity: "error",
    title: "Value not among the allowed ones",
    explanation: "The field accepts only the values listed in the message.",
  },
  {
    code: "MF1020",
    name: "duplicate-port",
    severity: "error",
    title: "A port is listed twice in one export",
    explanation: "List each port number once.",
  },
  {
    code: "MF1021",
    name: "duplicate-consumer",
    severity: "warning",
    title: "A consumer is listed twice in one export",
    explanation: "The second entry has no effect; remove it.",
  },
  {
    code: "MF1022",
    name: "invalid-trust-domain",
    severity: "error",
    title: "Not a valid trust domain",
    explanation:
      "A SPIFFE trust domain is lower-case letters, digits, `.`, `-` and `_`, at most 255 characters, with no scheme or path.",
  },
  {
    code: "MF1023",
    name: "default-trust-domain",
    severity: "warning",
    title: "A mesh keeps the default trust domain cluster.local",
    explanation:
      "Every Istio install defaults to `cluster.local`; meshes that keep it cannot tell their identities apart once they trust the same root. Give the mesh a trust domain of its own (changing it on a running mesh re-issues workload certificates: plan the migration).",
  },
  {
    code: "MF1024",
    name: "invalid-selector",
    severity: "error",
    title: "Invalid label selector",
    explanation:
      "Label keys are an optional DNS-1123 prefix and `/`, then a name of at most 63 alphanumerics, `-`, `_` or `.`; values at most 63 of the same characters.",
  },
  {
    code: "MF1025",
    name: "invalid-cidr",
    severity: "error",
    title: "Invalid VIP range",
    explanation:
      "`spec.vipRange` is an IPv4 CIDR (for example `240.241.0.0/16`) from which meshfed assigns the stable virtual IPs of imported services. Use a range no workload or Service uses; the Class E range 240.0.0.0/4 is reserved and never routed.",
  },
  {
    code: "MF1026",
    name: "no-consumers",
    severity: "warning",
    title: "An export has no consumers",
    explanation:
      "An export with no consumers opens nothing; meshfed emits no configuration for it. Add consumers or remove the export.",
  },
  {
    code: "MF1027",
    name: "empty-document",
    severity: "error",
    title: "The file is empty",
    explanation: "Write a MeshFederation document; `meshfed schema` prints its schema.",
  },
  {
    code: "MF1028",
    name: "multiple-documents",
    severity: "error",
    title: "The file holds more than one YAML document",
    explanation: "A federation is one document; split other documents into their own files.",
  },
  {
    code: "MF1029",
    name: "gateway-port-reserved",
    severity: "warning",
    title: "The east-west gateway port is not 15443",
    explanation:
      "Istio's sidecars and the multicluster samples use 15443 for AUTO_PASSTHROUGH; another port works only if the east-west gateway's Service and Deployment publish it. meshfed's install values publish the port set here.",
  },
  {
    code: "MF1030",
    name: "conflicting-aliases",
    severity: "error",
    title: "One namespace imports the same service under two aliases",
    explanation:
      "Consumers in the same namespace share one ServiceEntry and DestinationRule per imported service, so they must use the same alias. Give them the same `alias` (or none).",
  },
  {
    code: "MF1031",
    name: "consumer-shares-exporter-trust-domain",
    severity: "error",
    title: "A consumer's mesh has the exporting mesh's trust domain",
    explanation:
      "The exporter's guard admits its own trust domain (`<trustDomain>/*`) to keep local callers working; when a consumer's mesh has the same trust domain, every workload of that mesh matches it, so the export would be open to the whole consuming mesh instead of the named principals. Give every mesh its own trust domain.",
  },
  {
    code: "MF1040",
    name: "alias-short-name",
    severity: "error",
    title: "An alias is a short name (one or two labels) that reads as a local Service",
    explanation:
      "Istio expands a one-label DestinationRule host such as `web` to `web.<namespace>.svc.cluster.local` (pilot/pkg/model/config.go:226-237), so the import's TLS settings would land on a local Service; a two-label name such as `postgres.db` or `kubernetes.default` is what Kubernetes DNS and Istio's DNS proxy answer for the local Service `postgres` in namespace `db` (pkg/dns/server/name_table.go:153-161). Use a fully qualified alias, e.g. the default `<service>.<namespace>.<mesh>.<importDomain>`.",
  },
  {
    code: "MF1041",
    name: "alias-in-cluster-domain",
    severity: "error",
    title: "An alias is in the consuming cluster's own DNS space (.svc, *.cluster.local)",
    explanation:
      "`<name>.<namespace>.svc` and names under the cluster domain (`cluster.local`) belong to the consuming cluster's DNS; an import under such a name can shadow a local Service. Use a name outside the cluster domain, e.g. the default alias.",
  },
  {
    code: "MF1042",
    name: "alias-ip-literal",
    severity: "error",
    title: "An alias is an IP address or ends in an all-numeric label",
    explanation:
      "A ServiceEntry host whose last label is all digits is rejected by Istio's validation (pkg/config/validation/agent/validation.go:196-201), and an IP is never a service name. Use a host name; meshfed gives each import its own virtual IP.",
  },
  {
    code: "MF1043",
    name: "alias-too-long",
    severity: "error",
    title: "An alias is longer than 253 characters",
    explanation:
      "DNS names are at most 253 characters; Istio refuses longer hosts (pkg/config/validation/agent/validation.go:187). A long `importDomain` makes every default alias long: shorten it or give the consumers shorter aliases.",
  },
  {
    code: "MF1044",
    name: "export-from-root-namespace",
    severity: "error",
    title: "A service is exported from istio-system, Istio's root namespace",
    explanation:
      "Policies in the root namespace are mesh-wide: the export's DENY guard would apply to matching pods in every namespace (pilot/pkg/model/authorization.go:97) and deny other exports' consumers, and a PeerAuthentication with a selector there is ignored (pilot/pkg/security/authn/policy_applier.go:408-421), so STRICT mTLS would not apply. Run the exported workload in its own namespace.",
  },
  {
    code: "MF1045",
    name: "empty-workload-selector",
    severity: "error",
    title: "An export's workloadSelector is empty ({})",
    explanation:
      "An empty selector selects every pod of the namespace (pilot/pkg/model/policyattachment.go:109-112): the export's DENY guard and STRICT mTLS would apply namespace-wide. Name the exported pods' labels, or leave `workloadSelector` out for the default `{app: <name>}`.",
  },
  {
    code: "MF1046",
    name: "overlapping-workload-selectors",
    severity: "error",
    title: "Two exports in one namespace can select the same pods",
    explanation:
      "Every AuthorizationPolicy whose selector matches a pod applies to it, and any DENY denies (pilot/pkg/model/authorization.go:97-107): a pod selected by two exports' guards denies each export's consumers on the other. Give each export a selector with a label only its own pods carry.",
  },
  {
    code: "MF1047",
    name: "proxy-port",
    severity: "error",
    title: "An exported port is one of the sidecar's own ports (15000-15090)",
    explanation:
      "15006 is the sidecar's inbound capture port: Istio blackholes traffic addressed to it (pilot/pkg/networking/core/listener_inbound.go:800-812); 15001 is the outbound capture port; 15020, 15021 and 15090 are not captured, so calls bypass mTLS and authorization (cni/pkg/plugin/sidecar_redirect.go:272); 15000, 15004, 15008, 15009 and 15053 belong to the proxy and agent. Export the port the application listens on.",
  },
  {
    code: "MF1048",
    name: "target-port-protocol-conflict",
    severity: "error",
    title: "Two exported ports forward to one targetPort with different protocols",
    explanation:
      "A sidecar builds one inbound filter chain per target port, from the first Service port (pilot/pkg/networking/core/listener_inbound.go:418-425): calls on the other port are handled with the wrong protocol and denied. Give both ports the protocol the application speaks.",
  },
  {
    code: "MF1049",
    name: "shared-gateway-address",
    severity: "error",
    title: "Two meshes give the same east-west gateway address",
    explanation:
      "Every import dials its exporter's gateway address: with one address for two meshes, calls meant for one land in the other. Give each mesh the address of its own east-west gateway (its LoadBalancer IP or DNS name).",
  },
  {
    code: "MF1050",
    name: "vip-range-reserved",
    severity: "error",
    title: "The VIP range overlaps Istio's auto-allocation range or a special-purpose range",
    explanation:
      "Istio auto-allocates ServiceEntry VIPs from 240.240.0.0/16 (pilot/pkg/features/pilot.go:190-192), so a meshfed VIP there could equal another ServiceEntry's; loopback (127.0.0.0/8), 0.0.0.0/8, link-local (169.254.0.0/16) and multicast (224.0.0.0/4) are not addresses a call can be routed to. Use a range nothing else uses, such as the default 240.241.0.0/16.",
  },
  {
    code: "MF1051",
    name: "vip-range-holds-gateway",
    severity: "error",
    title: "The VIP range holds an east-west gateway address",
    explanation:
      "An import's virtual IP could equal a gateway's address, and its listener would catch calls meant for that gateway. Use a range that holds no gateway, Pod or Service address.",
  },
  {
    code: "MF1052",
    name: "consumer-default-trust-domain",
    severity: "error",
    title: "A consumer's mesh keeps the trust domain cluster.local",
    explanation:
      "Istio reads `cluster.local` in a policy principal as \"this mesh's own trust domain\" and rewrites it (pilot/pkg/security/trustdomain/bundle.go:69-74), so the exporter's policy would name its own workloads instead of the consumer, and the intended call is denied. Give the consumer's mesh a trust domain of its own.",
  },
  // ── MF2xxx: compilation ────────────────────────────────────────────────────────
  {
    code: "MF2001",
    name: "vip-range-exhausted",
    severity: "error",
    title: "The VIP range has no free address left",
    explanation:
      "Every import gets a stable virtual IP from `spec.vipRange`. Use a larger range (a /16 holds 65,534).",
  },
  {
    code: "MF2002",
    name: "alias-equals-service-host",
    severity: "error",
    title: "An alias equals a Kubernetes Service host of the consuming mesh",
    explanation:
      "The alias `<name>.<namespace>.svc.<clusterDomain>` would shadow the consuming mesh's own Service of that name. Use the default alias (`<service>.<namespace>.<mesh>.<importDomain>`) or another name.",
  },
  {
    code: "MF2003",
    name: "generated-name-collision",
    severity: "error",
    title: "Two generated resources would get the same name",
    explanation:
      "meshfed builds resource names that are unique by construction (readable when unambiguous, otherwise with a hash suffix); this error means two hashes collided. Rename one of the services or namespaces, and report it.",
  },
  {
    code: "MF2004",
    name: "output-file-not-ours",
    severity: "error",
    title: "render --out would overwrite a file meshfed did not write",
    explanation:
      "`render --out DIR` keeps a manifest (`DIR/<mesh>/.meshfed-manifest`) of the files it wrote and never overwrites or deletes any other file. A file it would write already exists and is not in the manifest, or was edited since meshfed wrote it. Move or delete that file, or render into another directory; nothing was written.",
  },
  // ── MF3xxx: verify — verdict reasons (deniedAt) ────────────────────────────────
  {
    code: "MF3001",
    name: "client-no-route",
    severity: "error",
    title: "The client sidecar has no route for the host and port",
    explanation:
      "The call falls through to PassthroughCluster or BlackHoleCluster: no ServiceEntry visible to the client's namespace declares the host and port (or its VIP). Import the service into the client's namespace.",
  },
  {
    code: "MF3002",
    name: "endpoint-not-gateway",
    severity: "error",
    title: "The endpoint dialled is not an east-west gateway",
    explanation:
      "A cross-mesh call must go to the exporting mesh's east-west gateway on its AUTO_PASSTHROUGH port. Point the ServiceEntry endpoint at the gateway address and port.",
  },
  {
    code: "MF3003",
    name: "plaintext-to-gateway",
    severity: "error",
    title: "The client sends plaintext to the east-west gateway",
    explanation:
      "Without an ISTIO_MUTUAL DestinationRule for the imported host, the client sidecar does not originate Istio mTLS (auto mTLS only applies to endpoints it knows are in the mesh). The gateway's AUTO_PASSTHROUGH listener matches on TLS SNI, finds no filter chain, and closes the connection (`filter_chain_not_found`). Add a DestinationRule with `tls.mode: ISTIO_MUTUAL` and the exporter's SNI.",
  },
  {
    code: "MF3004",
    name: "sni-not-served",
    severity: "error",
    title: "The east-west gateway serves no chain for the SNI",
    explanation:
      "AUTO_PASSTHROUGH routes by SNI `outbound_.<port>_._.<service FQDN in the exporting mesh>`; the client sent an SNI the gateway does not serve (wrong port, host, subset or the service is not in the Gateway's hosts or not visible to the gateway). Fix the DestinationRule `sni` or the exporter's Gateway hosts.",
  },
  {
    code: "MF3005",
    name: "untrusted-root",
    severity: "error",
    title: "Client and server certificates do not share a root of trust",
    explanation:
      "The meshes' CAs do not chain to a common root, so the TLS handshake fails. Issue each mesh's intermediate CA from the shared root.",
  },
  {
    code: "MF3006",
    name: "trust-domain-rejected",
    severity: "error",
    title: "The server sidecar does not accept the client's trust domain",
    explanation:
      "Istio sidecars accept peers only from the trust domains returned by `TrustDomainsForValidation`: the mesh's trust domain, its `trustDomainAliases` and every `caCertificates[].trustDomains`. Add the consumer's trust domain to `meshConfig.caCertificates[].trustDomains` of the exporting mesh (meshfed's install values do), not to `trustDomainAliases`, which also widens every authorization principal.",
  },
  {
    code: "MF3007",
    name: "server-san-mismatch",
    severity: "error",
    title: "The client rejects the server's identity",
    explanation:
      "The DestinationRule's `subjectAltNames` do not include the SPIFFE ID of the workload that answered. Set them to `spiffe://<exporter trust domain>/ns/<namespace>/sa/<serviceAccount>`.",
  },
  {
    code: "MF3008",
    name: "rbac-denied",
    severity: "error",
    title: "The server's authorization policy denies the caller",
    explanation: "The RBAC filter Istio generated for the destination workload rejects this principal on this port.",
  },
  {
    code: "MF3009",
    name: "no-server-workload",
    severity: "error",
    title: "No workload serves the port the gateway forwards to",
    explanation:
      "The service has no endpoint (no Pod matches its selector) or no inbound listener for the target port in the exporting mesh.",
  },
  // ── MF31xx: verify — scenario input ───────────────────────────────────────────
  {
    code: "MF3101",
    name: "scenario-invalid",
    severity: "error",
    title: "The scenario file does not follow the scenario format",
    explanation:
      "`scenario.yaml` must list `meshes` (name, trustDomain, rootCA, optional eastWestGateway with address and port) and `probes` (name, from.mesh/namespace/serviceAccount, to.host/port, optional expect). The message names the field; see conformance/README.md for the format.",
  },
  {
    code: "MF3102",
    name: "scenario-yaml-syntax",
    severity: "error",
    title: "A scenario file is not valid YAML",
    explanation: "The YAML parser could not read `scenario.yaml` or a mesh resource file. Fix the indentation or quoting at the position shown.",
  },
  {
    code: "MF3103",
    name: "scenario-resource-invalid",
    severity: "error",
    title: "A mesh resource is not a Kubernetes object",
    explanation:
      "Every document of `<mesh>/*.yaml` must be a Kubernetes or Istio object with `apiVersion`, `kind` and `metadata.name` (or a `List` of them). Fix or remove the document at the position shown.",
  },
  {
    code: "MF3104",
    name: "istio-config-invalid",
    severity: "error",
    title: "Istio would reject this resource",
    explanation:
      "istiod's configuration validation rejects the resource (for example a ServiceEntry endpoint port keyed by a name the ServiceEntry does not declare, or a DestinationRule `MUTUAL` without client certificate), so it never takes effect. Fix it as the message says; verifying it as if applied would mislead.",
  },
  {
    code: "MF3105",
    name: "input-not-utf8",
    severity: "error",
    title: "An input file is not UTF-8",
    explanation:
      "Kubernetes and Istio read YAML only as UTF-8, and a file in another encoding would be read with replacement characters where its bytes are not UTF-8. Save the file as UTF-8 (a byte order mark is allowed).",
  },
  {
    code: "MF3106",
    name: "input-symlink-loop",
    severity: "error",
    title: "Symbolic links make a loop",
    explanation:
      "verify follows symbolic links below the directories it reads; a link that leads back to a directory it is already reading would be read forever. Remove the link that makes the loop.",
  },
  // ── MF32xx: verify — findings about configuration ──────────────────────────────
  {
    code: "MF3201",
    name: "wildcard-passthrough-host",
    severity: "error",
    title: "An AUTO_PASSTHROUGH Gateway server has a wildcard host",
    explanation:
      "AUTO_PASSTHROUGH serves an SNI chain for every service its hosts match. `*.local` (the multicluster samples' expose-services.yaml) or `*` exposes every service of the mesh, istiod included, to any holder of a certificate from a trusted root; the gateway applies no authorization to these chains. List the exported services' exact FQDNs.",
  },
  {
    code: "MF3202",
    name: "namespace-wildcard-host",
    severity: "error",
    title: "An AUTO_PASSTHROUGH Gateway host uses a namespace prefix",
    explanation:
      "For Gateway servers Istio drops the `ns/` prefix when it computes SNI hosts (GetSNIHostsForServer), so `db/*` matches every service in every namespace, and `db/postgres.db.svc.cluster.local` is no narrower than the bare FQDN. List exact FQDNs without prefix.",
  },
  {
    code: "MF3203",
    name: "plaintext-import",
    severity: "error",
    title: "A cross-mesh import has no ISTIO_MUTUAL DestinationRule",
    explanation:
      "A ServiceEntry whose endpoint is another mesh's east-west gateway needs a DestinationRule with `tls.mode: ISTIO_MUTUAL` for each port; without it the sidecar sends plaintext (auto mTLS does not apply to such endpoints) and the gateway closes the connection (`filter_chain_not_found`).",
  },
  {
    code: "MF3204",
    name: "sni-mismatch",
    severity: "error",
    title: "An import's SNI is not the one the exporting gateway routes",
    explanation:
      "AUTO_PASSTHROUGH routes on `outbound_.<service port>_._.<FQDN in the exporting mesh>`. Without an explicit `sni` Istio sends the local alias's SNI, which the exporting gateway does not serve. Set the DestinationRule's `sni` to the exporting mesh's name of the service and port.",
  },
  {
    code: "MF3205",
    name: "trust-domain-not-accepted",
    severity: "error",
    title: "An exporting mesh does not accept a consumer's trust domain",
    explanation:
      "The server sidecar accepts peers only from `TrustDomainsForValidation`: the mesh's trust domain, its `trustDomainAliases` and every `meshConfig.caCertificates[].trustDomains`. Add the consumer's trust domain to `caCertificates[].trustDomains` of the exporting mesh.",
  },
  {
    code: "MF3206",
    name: "trust-domain-aliases-widen",
    severity: "warning",
    title: "trustDomainAliases widen every authorization principal",
    explanation:
      "With `trustDomainAliases`, Istio's authorization builder expands every principal to all aliased domains: an ALLOW for `ops.example/ns/vault/sa/vault` also admits `prod.example/ns/vault/sa/vault`, and every local policy starts admitting the aliased mesh's workloads of the same namespace and service account. To accept another mesh's certificates, use `meshConfig.caCertificates[].trustDomains` instead.",
  },
  {
    code: "MF3207",
    name: "meshes-share-trust-domain",
    severity: "error",
    title: "Two meshes that trust the same root share a trust domain",
    explanation:
      "Identities are `spiffe://<trustDomain>/ns/<namespace>/sa/<serviceAccount>`; meshes that share a trust domain (typically all keeping `cluster.local`) cannot be told apart by any policy. Give every mesh its own trust domain.",
  },
  {
    code: "MF3208",
    name: "tcp-serviceentry-without-addresses",
    severity: "error",
    title: "A TCP ServiceEntry has no addresses",
    explanation:
      "Without `addresses`, a TCP ServiceEntry gets a `0.0.0.0:<port>` listener in every sidecar that sees it: every TCP destination on that port is captured and sent to its endpoints. Give it a VIP in `addresses`.",
  },
  {
    code: "MF3209",
    name: "authz-on-passthrough-gateway",
    severity: "warning",
    title: "An AuthorizationPolicy on the east-west gateway does not apply to AUTO_PASSTHROUGH",
    explanation:
      "Istio builds AUTO_PASSTHROUGH filter chains without authorization filters, and the gateway cannot see the client identity in a connection it does not terminate. Put the policy on the destination workload.",
  },
  {
    code: "MF3210",
    name: "overlapping-passthrough-servers",
    severity: "error",
    title: "Two AUTO_PASSTHROUGH servers on one port serve the same SNI",
    explanation:
      "Overlapping hosts (for example `*.local` next to an exact FQDN) produce two filter chains with the same match; Envoy rejects the whole listener and every cross-mesh call through the gateway fails. Keep one server per host.",
  },
  {
    code: "MF3211",
    name: "exported-workload-permissive",
    severity: "warning",
    title: "An exported workload accepts plaintext (PERMISSIVE or DISABLE mTLS)",
    explanation:
      "A workload reachable through the east-west gateway should run STRICT mTLS: PERMISSIVE also accepts plaintext from anything that reaches it, and DISABLE takes it out of the gateway's mTLS endpoints. Add a STRICT PeerAuthentication selecting it.",
  },
  {
    code: "MF3212",
    name: "import-without-san",
    severity: "warning",
    title: "A cross-mesh DestinationRule does not verify the server's identity",
    explanation:
      "Without `subjectAltNames` the client accepts any certificate from the shared root, so a misrouted or hostile endpoint with any mesh identity is trusted. Set them to the exported workload's SPIFFE ID.",
  },
  {
    code: "MF3213",
    name: "identity-collision",
    severity: "error",
    title: "The same SPIFFE identity exists in two meshes",
    explanation:
      "Two workloads in different meshes present the same SPIFFE ID, so a policy admitting one admits the other. Give the meshes distinct trust domains.",
  },
  {
    code: "MF3214",
    name: "import-visible-beyond-namespace",
    severity: "warning",
    title: "A cross-mesh ServiceEntry or DestinationRule is visible beyond its namespace",
    explanation:
      "Without `exportTo: [\".\"]` every namespace (or the listed ones) gets a route to the remote service, not just the consumer's. Set `exportTo: [\".\"]` and import into each consumer namespace.",
  },
  {
    code: "MF3215",
    name: "exported-port-without-protocol",
    severity: "warning",
    title: "An exported Service port has no protocol",
    explanation:
      "A port named without a protocol prefix (`tcp-`, `http-`, `grpc-`...) and without `appProtocol` is sniffed; name it so the server sidecar builds the right chain.",
  },
  {
    code: "MF3216",
    name: "unknown-trust-domain-principal",
    severity: "warning",
    title: "An AuthorizationPolicy names a trust domain no mesh has",
    explanation:
      "A principal in a trust domain that none of the meshes has matches nobody (a typo) or somebody unexpected (a mesh outside the federation trusting the same root). Check the trust domain.",
  },
  {
    code: "MF3217",
    name: "duplicate-service-host",
    severity: "warning",
    title: "Two ServiceEntries declare the same host in one namespace",
    explanation:
      "A sidecar keeps one service per host name: the oldest (pilot/pkg/model/sidecar.go appendSidecarServices), ignoring the other's addresses and endpoints entirely. Resources created in the same second tie, and which one wins is then not something to rely on. Give each import its own alias.",
  },
  {
    code: "MF3220",
    name: "unintended-reachability",
    severity: "error",
    title: "A cross-mesh call is allowed that the model does not intend",
    explanation:
      "Least privilege: every reachable cross-mesh (principal, service, port) must be an export's consumer in the federation file. Remove the configuration that allows it, or add the consumer to the model.",
  },
  {
    code: "MF3221",
    name: "intended-unreachable",
    severity: "error",
    title: "A consumer the model intends cannot reach its export",
    explanation: "The configuration denies a call the federation file intends. The probe's hops say where and why.",
  },
  {
    code: "MF3223",
    name: "export-not-judged",
    severity: "error",
    title: "An export's Service or pods are missing from the resources, so its reachability is not judged",
    explanation:
      "verify follows a call into the exporting mesh only to a Service and the pods behind it. Given the rendered configuration alone (`render --out`), or a dump without the exported Service and its pods, it cannot say whether the export's consumers reach it, and says so once per export instead of guessing. Add the Service and its pods from the cluster (`kubectl get service,pod -n NAMESPACE -o yaml`) as another `--mesh MESH=FILE`, or run `meshfed verify --model FILE` alone to prove the model's own render with the workloads it implies.",
  },
  {
    code: "MF3222",
    name: "unintended-exposure",
    severity: "error",
    title: "An east-west gateway exposes more than the model exports",
    explanation:
      "A service:port is routed through the east-west gateway, or admits principals, beyond the exports and consumers of the federation file.",
  },
  {
    code: "MF3230",
    name: "guard-selects-no-backing-pod",
    severity: "error",
    title: "An export's workloadSelector misses pods behind its Service: the guard fails open",
    explanation:
      "meshfed's guard AuthorizationPolicy and STRICT PeerAuthentication select the export's pods by `workloadSelector` (default `{app: <name>}`); the east-west gateway routes to every pod behind the Service. A pod the selector misses has no guard, so any workload holding a certificate from the shared root reaches it. Set `workloadSelector` to labels every pod of the Service carries.",
  },
  {
    code: "MF3231",
    name: "guard-selects-other-pods",
    severity: "warning",
    title: "An export's workloadSelector also selects pods that are not behind its Service",
    explanation:
      "Pods outside the exported Service get the export's DENY guard and STRICT mTLS: their cross-mesh callers are denied, and callers without a sidecar are refused. Narrow `workloadSelector` to the Service's pods.",
  },
  {
    code: "MF3299",
    name: "not-modelled",
    severity: "error",
    title: "verify does not model a field or resource that can change a verdict",
    explanation:
      "Istio acts on this configuration in a way `meshfed verify` does not reproduce (for example a CUSTOM AuthorizationPolicy sent to an external authorizer, whose answer verify cannot know). The verdicts and exposure entries named in the message may be wrong, so the run fails instead of giving a confident answer. Judge those calls another way (the conformance oracle, a live test), or remove the configuration if it is not needed.",
  },
  // ── MF4xxx: kube/doctor — live clusters (apply, diff, doctor) ──────────────────
  {
    code: "MF4001",
    name: "apply-audit-refused",
    severity: "error",
    title: "apply refused: the least-privilege audit of the render has findings",
    explanation:
      "`meshfed apply` runs verify's least-privilege audit on exactly what it is about to write and writes nothing when it finds a problem. Fix the federation file (the findings say how); `--force` applies anyway and says so loudly.",
  },
  {
    code: "MF4002",
    name: "apply-conflict",
    severity: "error",
    title: "Another field manager owns a field meshfed applies",
    explanation:
      "Server-side apply refused to change a field that another tool (named in the message, e.g. `kubectl-edit`) set. meshfed never takes fields over silently: reconcile the other tool, or rerun with `--force-conflicts` to make meshfed the owner. Nothing after the failed step was written.",
  },
  {
    code: "MF4003",
    name: "apply-rejected",
    severity: "error",
    title: "The API server rejected an object",
    explanation:
      "The API server (a CRD's OpenAPI schema, a validating webhook such as istiod's, or admission) refused the object; the message is its own. Nothing after the failed step was written; fix the cause and rerun (apply converges).",
  },
  {
    code: "MF4004",
    name: "api-unreachable",
    severity: "error",
    title: "The cluster's API server could not be reached",
    explanation:
      "Requests were retried with backoff and still failed. The message names what was applied and what was not; rerun once the API server is back (apply converges).",
  },
  {
    code: "MF4101",
    name: "doctor-api-unreachable",
    severity: "error",
    title: "can reach the Kubernetes API",
    explanation:
      "The API server did not answer `/version` with the given kubeconfig. Check the kubeconfig, context, network and credentials. The mesh's other checks are skipped.",
  },
  {
    code: "MF4102",
    name: "doctor-istio-crds",
    severity: "error",
    title: "Istio's CRDs that meshfed writes are installed and serve v1",
    explanation:
      "meshfed writes Gateway, ServiceEntry, DestinationRule (networking.istio.io/v1), PeerAuthentication and AuthorizationPolicy (security.istio.io/v1). Install Istio 1.22 or later (its base chart installs the CRDs).",
  },
  {
    code: "MF4103",
    name: "doctor-istiod-version",
    severity: "error",
    title: "istiod is installed and recent enough",
    explanation:
      "The `istiod` Deployment in the Istio namespace is missing, or its image tag names an Istio older than 1.22 (the first with the v1 APIs meshfed writes). Install or upgrade Istio.",
  },
  {
    code: "MF4104",
    name: "doctor-trust-domain",
    severity: "error",
    title: "The mesh config's trust domain is the model's",
    explanation:
      "The `istio` ConfigMap's `mesh` sets `trustDomain` (default `cluster.local`); it must be the mesh's trust domain in the federation file, or identities will not be what the policies name. Reinstall with meshfed's install values (`render --out`, install/).",
  },
  {
    code: "MF4105",
    name: "doctor-accepted-trust-domains",
    severity: "error",
    title: "The mesh accepts exactly the consumers' trust domains",
    explanation:
      "`caCertificates[].trustDomains` in the mesh config must list exactly the trust domains of the meshes consuming this mesh's exports: fewer rejects intended consumers, more accepts peers nobody intended. Use meshfed's install values.",
  },
  {
    code: "MF4106",
    name: "doctor-trust-domain-aliases",
    severity: "error",
    title: "The mesh config has no trustDomainAliases",
    explanation:
      "`trustDomainAliases` make every local principal also match in the aliased trust domains, so another mesh's workloads with the same namespace and ServiceAccount pass this mesh's policies. meshfed uses `caCertificates[].trustDomains` instead; remove the aliases.",
  },
  {
    code: "MF4107",
    name: "doctor-skip-validate-trust-domain",
    severity: "error",
    title: "istiod does not skip trust-domain validation",
    explanation:
      "`PILOT_SKIP_VALIDATE_TRUST_DOMAIN=true` on istiod makes sidecars accept certificates of any trust domain signed by the shared root. Remove the variable from the istiod Deployment.",
  },
  {
    code: "MF4108",
    name: "doctor-root-certificate",
    severity: "error",
    title: "Every mesh publishes the same root certificate",
    explanation:
      "The `istio-ca-root-cert` ConfigMap's `root-cert.pem` must have the same SHA-256 fingerprint in every mesh, or mTLS between meshes fails. Only fingerprints are compared; no credential is copied between clusters. Plug in intermediates of one root (Istio's `cacerts`).",
  },
  {
    code: "MF4109",
    name: "doctor-east-west-service",
    severity: "error",
    title: "The east-west gateway Service exists, publishes only its AUTO_PASSTHROUGH port and has the model's address",
    explanation:
      "The Service selecting the mesh's east-west gateway must exist, publish only the gateway port (15443 by default; the samples also publish istiod's 15012 and 15017), and carry the address the federation file gives (load balancer ingress, external IP or loadBalancerIP). Install the gateway with meshfed's values.",
  },
  {
    code: "MF4110",
    name: "doctor-auto-passthrough-hosts",
    severity: "error",
    title: "No AUTO_PASSTHROUGH Gateway serves more than the model exports",
    explanation:
      "An AUTO_PASSTHROUGH server routes by SNI to any matching Service; a host like the samples' `*.local` exposes every Service of the mesh to every mesh sharing the root. Delete that Gateway; meshfed's Gateways list exact hosts.",
  },
  {
    code: "MF4111",
    name: "doctor-exported-service",
    severity: "error",
    title: "Every exported Service exists with its ports and a workload with a sidecar",
    explanation:
      "The federation exports a Service that is missing, lacks an exported port, or has no Pod with an `istio-proxy` sidecar behind it; consumers would fail. Deploy the service, or fix the export.",
  },
  {
    code: "MF4112",
    name: "doctor-consumer-injection",
    severity: "error",
    title: "Consumer namespaces are injected",
    explanation:
      "A consumer's workloads need a sidecar to present their identity: label the namespace `istio-injection=enabled` (or `istio.io/rev=<revision>`).",
  },
  {
    code: "MF4113",
    name: "doctor-drift",
    severity: "error",
    title: "Live resources equal the render",
    explanation:
      "Objects meshfed applies are missing or differ from the render, or objects no longer rendered are still there. `meshfed diff` shows the fields; `meshfed apply` (with `--prune`) converges.",
  },
  // ── MF5xxx: CA ─────────────────────────────────────────────────────────────────
  {
    code: "MF5001",
    name: "ca-output-exists",
    severity: "error",
    title: "An output file already exists",
    explanation:
      "`meshfed ca` never overwrites a CA file or private key by accident: nothing was written. Pass `--force` to replace the files (keep a copy of the old key first if anything still chains to it), or choose another `--out` directory.",
  },
  {
    code: "MF5002",
    name: "ca-unreadable-pem",
    severity: "error",
    title: "A file holds no certificate or key meshfed can read",
    explanation:
      "The file is not PEM, or a PEM block does not parse as an X.509 certificate or a private key. Pass the PEM files `meshfed ca init` or `openssl` wrote (`-----BEGIN CERTIFICATE-----`, `-----BEGIN PRIVATE KEY-----`). Encrypted keys are not read: decrypt with `openssl pkey -in KEY -out PLAIN`.",
  },
  {
    code: "MF5003",
    name: "ca-key-mismatch",
    severity: "error",
    title: "The private key does not belong to the certificate",
    explanation:
      "The public key in the certificate is not the public half of the private key given with it, so nothing signed with the key would chain to the certificate. Pass the key that was generated with the certificate.",
  },
  {
    code: "MF5004",
    name: "ca-not-a-ca",
    severity: "error",
    title: "The certificate is not a CA certificate",
    explanation:
      "A root or intermediate must carry basic constraints `CA:TRUE` (critical) and key usage `keyCertSign`; verifiers refuse anything it signs otherwise. Pass the CA certificate, not a workload or server certificate, or create a root with `meshfed ca init`.",
  },
  {
    code: "MF5005",
    name: "ca-trust-domain-not-constrainable",
    severity: "error",
    title: "The trust domain cannot be expressed as a URI name constraint",
    explanation:
      "A URI name constraint is a DNS host name (RFC 5280 section 4.2.1.10). BoringSSL, which Envoy uses, rejects a constraint or a SPIFFE ID host that is not letters, digits and hyphens in dot-separated labels (crypto/x509/v3_ncons.cc, nc_uri_is_fqdn), so every workload certificate would fail in the sidecars. Rename the trust domain, e.g. `production_eu` to `production-eu`.",
  },
  {
    code: "MF5006",
    name: "ca-outlives-issuer",
    severity: "error",
    title: "The intermediate would be valid after its root expires",
    explanation:
      "A certificate is only usable while every certificate above it is valid. Shorten `--days` so the intermediate ends before the root, or roll a new root first (see the guide's rotation section).",
  },
  {
    code: "MF5007",
    name: "ca-root-not-self-signed",
    severity: "error",
    title: "The root certificate is not self-signed",
    explanation:
      "`--root-cert` must be the self-signed root the meshes trust (its `root-cert.pem`). Issuing under a second-level CA would make the mesh's intermediate a third level with pathLen constraints the issuer may forbid. Pass the root, or issue from the CA that is the trust anchor.",
  },
  {
    code: "MF5010",
    name: "ca-chain-broken",
    severity: "error",
    title: "A certificate does not chain to a root",
    explanation:
      "The certificate's issuer is not among the certificates given, or its signature does not verify with the issuer's key. Pass the root too (its `root-cert.pem`, or the directory that holds it), and check that `cert-chain.pem` is the intermediate followed by the root.",
  },
  {
    code: "MF5011",
    name: "ca-expired",
    severity: "error",
    title: "A certificate is expired or not yet valid",
    explanation:
      "Verifiers refuse a chain with a certificate outside its validity period: workloads in the mesh cannot get or verify certificates. Issue a new intermediate (`meshfed ca issue ... --force`) or, for the root, follow the guide's root rotation.",
  },
  {
    code: "MF5012",
    name: "ca-expires-soon",
    severity: "warning",
    title: "A certificate expires within 30 days",
    explanation:
      "Roll it now: a new intermediate under the same root can be plugged in without dropping connections (see the guide's rotation section); a root needs the longer migration described there.",
  },
  {
    code: "MF5013",
    name: "ca-intermediate-unconstrained",
    severity: "warning",
    title: "An intermediate CA can sign identities of any trust domain",
    explanation:
      "Without a URI name constraint, whoever holds this mesh's CA key can mint `spiffe://<another mesh>/ns/.../sa/...` and pass every authorization policy of every mesh that trusts the shared root. Reissue it with `meshfed ca issue`, which confines it to the mesh's trust domain.",
  },
  {
    code: "MF5014",
    name: "ca-path-length",
    severity: "warning",
    title: "An intermediate CA may sign further CAs",
    explanation:
      "An Istio plug-in CA signs workload certificates only; without `pathLen:0` its key could mint a sub-CA that escapes review. Reissue it with `meshfed ca issue` (pathLen 0).",
  },
  {
    code: "MF5015",
    name: "ca-trust-domain-mismatch",
    severity: "error",
    title: "The intermediate is not confined to the mesh's trust domain",
    explanation:
      "The URI name constraint of the mesh's intermediate must permit exactly `spiffe://<trustDomain>` of that mesh in the federation file: otherwise the mesh's workloads get certificates verifiers refuse, or the CA can sign another mesh's identities. Reissue it with `meshfed ca issue FILE --mesh NAME`.",
  },
  {
    code: "MF5016",
    name: "ca-chain-file-order",
    severity: "error",
    title: "cert-chain.pem is not the intermediate followed by the root",
    explanation:
      "Istio's plug-in CA reads `cert-chain.pem` as the chain from `ca-cert.pem` up to the root (istio tools/certs/Makefile.selfsigned.mk: `cat ca-cert.pem root-cert.pem`). Regenerate the files with `meshfed ca issue`.",
  },
  {
    code: "MF5017",
    name: "ca-no-ca-certificate",
    severity: "error",
    title: "No CA certificate found to inspect",
    explanation:
      "`meshfed ca inspect` needs at least one certificate; with `--mesh` it needs the mesh's intermediate (a CA certificate that is not self-signed). Pass the directory `meshfed ca issue` wrote, or its `ca-cert.pem` and `root-cert.pem`.",
  },
] as const satisfies readonly CodeInfo[];

/** Every registered code: diagnostics take only these. */
export type Code = (typeof table)[number]["code"];

const byCode = new Map<string, CodeInfo>(table.map((c) => [c.code, c]));

/** Where a code is explained: its entry in docs/diagnostics.md. */
export function docsLink(code: string): string {
  return `docs/diagnostics.md#${code.toLowerCase()}`;
}

/** Every registered code, sorted by code. */
export function allCodes(): readonly CodeInfo[] {
  return [...table].sort((a, b) => compareStrings(a.code, b.code));
}

/** Look a code up; throws for an unregistered code (a programming error, caught by tests). */
export function codeInfo(code: string): CodeInfo {
  const info = byCode.get(code);
  if (!info) throw new Error(`unregistered diagnostic code ${code}`);
  return info;
}
