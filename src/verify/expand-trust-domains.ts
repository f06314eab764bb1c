/**
 * The identities a client verifies by default for a service, expanded with the client mesh's
 * trust-domain aliases, as istiod does when it indexes a service's accounts
 * (pilot/pkg/model/push_context.go:1640-1652 `addServiceAccounts` calls
 * pkg/spiffe/spiffe.go:132-155 `ExpandWithTrustDomains`). A DestinationRule's own
 * `subjectAltNames` are used as written and are not expanded (cluster_tls.go:455-458).
 */
export function expandWithTrustDomains(ids: readonly string[], trustDomainAliases: readonly string[]): string[] {
  if (trustDomainAliases.length === 0) return [...ids];
  const out = new Set<string>();
  for (const id of ids) {
    out.add(id);
    // Istio skips identities that are not SPIFFE IDs (e.g. DNS names in subjectAltNames), and
    // ParseIdentity accepts only spiffe://<td>/ns/<ns>/sa/<sa>.
    const m = /^spiffe:\/\/[^/]+(\/ns\/[^/]+\/sa\/[^/]+)$/.exec(id);
    if (!m) continue;
    for (const td of trustDomainAliases) out.add(`spiffe://${td}${m[1]}`);
  }
  return [...out];
}
