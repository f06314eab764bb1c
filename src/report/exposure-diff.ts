import type { Federation } from "../model/types.js";
import { compareStrings } from "../util/compare.js";

/** One cross-mesh permission the federation file grants: a consumer may call a service port. */
export interface AccessGrant {
  /** `mesh/namespace/serviceAccount`. */
  readonly consumer: string;
  /** `mesh/namespace/name` of the exported Service. */
  readonly service: string;
  readonly port: number;
  readonly protocol: string;
  /** The host the consumer dials. */
  readonly alias: string;
}

/** A grant present in both files whose details differ. */
export interface ChangedGrant {
  readonly before: AccessGrant;
  readonly after: AccessGrant;
  /** What changed, in words: `protocol TCP → HTTP`. */
  readonly changes: readonly string[];
}

/** What a change to the federation file adds and removes in cross-mesh access. */
export interface ExposureDiff {
  readonly old: string;
  readonly new: string;
  readonly gained: readonly AccessGrant[];
  readonly lost: readonly AccessGrant[];
  readonly changed: readonly ChangedGrant[];
  /** Mesh-level changes that alter who is who or where calls go: trust domains, gateways, meshes added or removed. */
  readonly meshChanges: readonly string[];
}

const key = (g: AccessGrant) => `${g.consumer}\u0000${g.service}\u0000${g.port}`;

function byKey(a: AccessGrant, b: AccessGrant): number {
  return compareStrings(a.consumer, b.consumer) || compareStrings(a.service, b.service) || a.port - b.port;
}

/** Every (consumer, service, port) a federation grants, sorted. */
export function accessGrants(federation: Federation): AccessGrant[] {
  const out: AccessGrant[] = [];
  for (const e of federation.exports) {
    for (const c of e.consumers) {
      for (const p of e.ports) {
        out.push({
          consumer: `${c.principal.mesh}/${c.principal.namespace}/${c.principal.serviceAccount}`,
          service: `${e.mesh}/${e.namespace}/${e.name}`,
          port: p.number,
          protocol: p.protocol,
          alias: c.alias,
        });
      }
    }
  }
  return out.sort(byKey);
}

function meshChanges(before: Federation, after: Federation): string[] {
  const out: string[] = [];
  const old = new Map(before.meshes.map((m) => [m.name, m]));
  const now = new Map(after.meshes.map((m) => [m.name, m]));
  for (const m of after.meshes) if (!old.has(m.name)) out.push(`mesh ${m.name} added (trust domain ${m.trustDomain})`);
  for (const m of before.meshes) if (!now.has(m.name)) out.push(`mesh ${m.name} removed`);
  for (const m of after.meshes) {
    const was = old.get(m.name);
    if (!was) continue;
    // A new trust domain is a new identity for every workload of the mesh: whoever held a
    // certificate of that domain elsewhere may now be taken for this mesh's callers.
    if (was.trustDomain !== m.trustDomain) out.push(`mesh ${m.name}: trust domain ${was.trustDomain} → ${m.trustDomain}`);
    const gw = (x: typeof m) => (x.eastWestGateway ? `${x.eastWestGateway.address}:${x.eastWestGateway.port}` : "none");
    if (gw(was) !== gw(m)) out.push(`mesh ${m.name}: east-west gateway ${gw(was)} → ${gw(m)}`);
  }
  return out;
}

/** Compares the access two versions of a federation file grant. Pure; same inputs, same diff. */
export function diffExposure(before: Federation, after: Federation, labels: { old: string; new: string }): ExposureDiff {
  const old = new Map(accessGrants(before).map((g) => [key(g), g]));
  const now = new Map(accessGrants(after).map((g) => [key(g), g]));
  const changed: ChangedGrant[] = [];
  for (const [k, g] of now) {
    const was = old.get(k);
    if (!was) continue;
    const changes: string[] = [];
    if (was.protocol !== g.protocol) changes.push(`protocol ${was.protocol} → ${g.protocol}`);
    if (was.alias !== g.alias) changes.push(`alias ${was.alias} → ${g.alias}`);
    if (changes.length > 0) changed.push({ before: was, after: g, changes });
  }
  return {
    old: labels.old,
    new: labels.new,
    gained: [...now.values()].filter((g) => !old.has(key(g))),
    lost: [...old.values()].filter((g) => !now.has(key(g))),
    changed,
    meshChanges: meshChanges(before, after),
  };
}

const grantText = (g: AccessGrant) => `${g.consumer} → ${g.service}:${g.port}/${g.protocol} (dials ${g.alias})`;

function summaryLine(d: ExposureDiff): string {
  if (d.gained.length + d.lost.length + d.changed.length + d.meshChanges.length === 0) return "no change in cross-mesh access";
  return `${d.gained.length} gained, ${d.lost.length} lost, ${d.changed.length} changed, ${d.meshChanges.length} mesh change${d.meshChanges.length === 1 ? "" : "s"}`;
}

/** The diff for a terminal. */
export function formatDiffText(d: ExposureDiff): string {
  const lines = [`Cross-mesh access, ${d.old} → ${d.new}: ${summaryLine(d)}`];
  const section = (title: string, items: readonly string[]) => {
    if (items.length === 0) return;
    lines.push("", `${title} (${items.length}):`, ...items);
  };
  section(
    "gained",
    d.gained.map((g) => `  + ${grantText(g)}`),
  );
  section(
    "lost",
    d.lost.map((g) => `  - ${grantText(g)}`),
  );
  section(
    "changed",
    d.changed.map((c) => `  ~ ${c.after.consumer} → ${c.after.service}:${c.after.port}: ${c.changes.join("; ")}`),
  );
  section(
    "mesh changes",
    d.meshChanges.map((m) => `  ! ${m}`),
  );
  return `${lines.join("\n")}\n`;
}

/** Markdown cell text: pipes and backslashes escaped, so a value cannot break the table. */
const cell = (s: string) => s.replace(/\\/g, "\\\\").replace(/\|/g, "\\|");

/** The diff as a pull-request comment. */
export function formatDiffMarkdown(d: ExposureDiff): string {
  const lines = [`### Cross-mesh access: ${summaryLine(d)}`, "", `\`${cell(d.old)}\` → \`${cell(d.new)}\``];
  const table = (rows: readonly AccessGrant[], sign: string, title: string) => {
    if (rows.length === 0) return;
    lines.push("", `**${title}**`, "", "| | consumer | service | port | dials |", "|---|---|---|---|---|");
    for (const g of rows) lines.push(`| ${sign} | \`${cell(g.consumer)}\` | \`${cell(g.service)}\` | ${g.port}/${g.protocol} | \`${cell(g.alias)}\` |`);
  };
  table(d.gained, "➕", "Gained access");
  table(d.lost, "➖", "Lost access");
  if (d.changed.length > 0) {
    lines.push("", "**Changed**", "", "| consumer | service | port | change |", "|---|---|---|---|");
    for (const c of d.changed) lines.push(`| \`${cell(c.after.consumer)}\` | \`${cell(c.after.service)}\` | ${c.after.port} | ${cell(c.changes.join("; "))} |`);
  }
  if (d.meshChanges.length > 0) {
    lines.push("", "**Mesh changes**", "");
    for (const m of d.meshChanges) lines.push(`- ${m}`);
  }
  return `${lines.join("\n")}\n`;
}
