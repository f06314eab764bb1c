import type { InspectReport } from "./inspect-ca.js";

/** The text form of an inspect report: one block per certificate, then the roots. */
export function formatInspect(report: InspectReport): string {
  const lines: string[] = [];
  for (const c of report.certificates) {
    lines.push(`${c.source}  ${c.subject || "(empty subject)"}`);
    lines.push(`  SHA-256 fingerprint  ${c.sha256Fingerprint}`);
    lines.push(`  valid                ${c.notBefore} to ${c.notAfter} (${c.daysLeft} days left)`);
    lines.push(`  key                  ${c.keyAlgorithm}`);
    lines.push(`  basic constraints    ${c.ca ? `CA, pathLen ${c.pathLength ?? "unlimited"}` : "not a CA"}`);
    lines.push(`  key usage            ${c.keyUsage.join(", ") || "(none)"}`);
    if (c.nameConstraints) {
      lines.push(
        `  name constraints     permitted ${c.nameConstraints.permitted.join(", ") || "(none)"}; excluded ${c.nameConstraints.excluded.join(", ") || "(none)"}`,
      );
    } else if (c.ca && !c.selfSigned) {
      lines.push(`  name constraints     none: can sign any trust domain`);
    }
    if (c.uris.length || c.dnsNames.length) lines.push(`  subject alt names    ${[...c.uris, ...c.dnsNames].join(", ")}`);
    lines.push(
      `  chain                ${c.selfSigned ? "self-signed root" : c.chainValid ? `valid: ${c.chain.join(" <- ")}` : `broken${c.chain.length ? ` after ${c.chain.join(" <- ")}` : ""}`}`,
    );
  }
  for (const r of report.roots) lines.push(`root ${r.subject}  SHA-256 ${r.sha256Fingerprint}`);
  if (report.mesh) {
    lines.push(
      `mesh ${report.mesh.name} (trust domain ${report.mesh.trustDomain}): ${report.mesh.agrees ? "the intermediate is confined to this trust domain" : "does NOT agree (see below)"}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
