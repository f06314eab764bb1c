/**
 * Istio host matching (pkg/config/host/name.go): `*` matches anything, `*.suffix` any host
 * ending in `.suffix`; a wildcard host is covered only by a wildcard at least as wide.
 */
export function hostMatches(hostname: string, pattern: string): boolean {
  if (pattern === "*") return true;
  if (pattern.startsWith("*")) {
    const suffix = pattern.slice(1);
    if (hostname.startsWith("*")) return hostname.slice(1).endsWith(suffix);
    return hostname.endsWith(suffix);
  }
  return hostname === pattern;
}
