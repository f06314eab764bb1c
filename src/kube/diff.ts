import { objectRef, type KubeClient, type KubeObject } from "./client.js";
import { findStale } from "./apply.js";
import { FIELD_MANAGER, type ManagedKind } from "./desired.js";

/** One field that differs: its path, the live value and the value meshfed would set (absent = unset). */
export interface FieldChange {
  readonly path: string;
  readonly live?: unknown;
  readonly desired?: unknown;
}

/** One object that is not as rendered. */
export interface ObjectDiff {
  readonly ref: string;
  readonly status: "created" | "changed" | "pruned";
  readonly fields: readonly FieldChange[];
}

/** Metadata the server owns: never drift. */
const serverMetadata = ["managedFields", "resourceVersion", "generation", "creationTimestamp", "uid", "selfLink"];

/**
 * Compares one mesh's render with its cluster: what apply would create, change (field by
 * field) and, with prune, delete. "Changed" is decided like `kubectl diff`: a server-side dry
 * run of meshfed's apply, compared with the live object, so defaults, fields other managers
 * own and fields meshfed would remove are all judged by the API server itself.
 */
export async function diffMesh(
  client: KubeClient,
  desired: readonly KubeObject[],
  opts: { federation: string; mesh: string; concurrency?: number; kinds?: readonly ManagedKind[] },
): Promise<ObjectDiff[]> {
  const out: ObjectDiff[] = [];
  await mapBounded(desired, opts.concurrency ?? 8, async (o) => {
    const live = await client.get(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name);
    if (!live) {
      out.push({ ref: objectRef(o), status: "created", fields: leaves(strip(o), "").map(([path, value]) => ({ path, desired: value })) });
      return;
    }
    const after = await client.apply(o, { fieldManager: FIELD_MANAGER, force: true, dryRun: true });
    const fields = diffValues(strip(live), strip(after), "");
    if (fields.length > 0) out.push({ ref: objectRef(o), status: "changed", fields });
  });
  for (const o of await findStale(client, desired, opts.federation, opts.mesh, opts.kinds)) {
    out.push({ ref: objectRef(o), status: "pruned", fields: [] });
  }
  return out.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
}

function strip(o: KubeObject): Record<string, unknown> {
  const { status: _status, ...rest } = o as KubeObject & { status?: unknown };
  const metadata = { ...o.metadata } as Record<string, unknown>;
  for (const k of serverMetadata) delete metadata[k];
  return { ...rest, metadata };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A path segment as shown: `.key`, or `["key"]` when the key has dots or slashes (label keys). */
function segment(k: string): string {
  return /^[A-Za-z0-9_-]+$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
}

/** Leaf paths (segments) of a value; lists count as one value (Istio's CRD lists are atomic). */
function leafSegments(v: unknown, path: readonly string[]): [string[], unknown][] {
  if (!isRecord(v)) return [[[...path], v]];
  return Object.keys(v)
    .sort()
    .flatMap((k) => leafSegments(v[k], [...path, k]));
}

function leaves(v: unknown, _root: string): [string, unknown][] {
  return leafSegments(v, []).map(([p, value]) => [p.map(segment).join(""), value]);
}

function diffValues(live: unknown, desired: unknown, path: string): FieldChange[] {
  if (isRecord(live) && isRecord(desired)) {
    const keys = [...new Set([...Object.keys(live), ...Object.keys(desired)])].sort();
    return keys.flatMap((k) => diffValues(live[k], desired[k], `${path}${segment(k)}`));
  }
  if (canonical(live) === canonical(desired)) return [];
  return [{ path, ...(live !== undefined ? { live } : {}), ...(desired !== undefined ? { desired } : {}) }];
}

/** Runs `work` over `items` with at most `limit` in flight; the first error rejects. */
export async function mapBounded<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** The diff as text: `+` created, `~` changed with one line per field, `-` pruned. */
export function formatDiff(mesh: string, diffs: readonly ObjectDiff[]): string {
  if (diffs.length === 0) return `${mesh}: in sync\n`;
  const show = (v: unknown) => (v === undefined ? "(unset)" : JSON.stringify(v));
  const lines: string[] = [];
  for (const d of diffs) {
    const mark = d.status === "created" ? "+" : d.status === "changed" ? "~" : "-";
    lines.push(`${mark} ${d.ref} (${d.status === "pruned" ? "no longer rendered; apply --prune deletes it" : d.status})`);
    if (d.status === "changed") for (const f of d.fields) lines.push(`    ${f.path}: ${show(f.live)} -> ${show(f.desired)}`);
  }
  const count = (s: ObjectDiff["status"]) => diffs.filter((d) => d.status === s).length;
  lines.push(`${mesh}: drifted: ${count("created")} to create, ${count("changed")} changed, ${count("pruned")} to prune`);
  return `${lines.join("\n")}\n`;
}

/**
 * Drift without writing anything (for doctor, which only reads): each rendered field compared
 * with the live object's value at the same path (lists whole), plus objects to prune.
 */
export async function driftReadOnly(
  client: KubeClient,
  desired: readonly KubeObject[],
  opts: { federation: string; mesh: string; concurrency?: number; kinds?: readonly ManagedKind[] },
): Promise<ObjectDiff[]> {
  const out: ObjectDiff[] = [];
  await mapBounded(desired, opts.concurrency ?? 8, async (o) => {
    const live = await client.get(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name);
    const want = leafSegments(strip(o), []);
    if (!live) {
      out.push({ ref: objectRef(o), status: "created", fields: want.map(([path, value]) => ({ path: path.map(segment).join(""), desired: value })) });
      return;
    }
    const fields: FieldChange[] = [];
    for (const [path, value] of want) {
      const got = at(live, path);
      if (canonical(got) !== canonical(value)) fields.push({ path: path.map(segment).join(""), ...(got !== undefined ? { live: got } : {}), desired: value });
    }
    if (fields.length > 0) out.push({ ref: objectRef(o), status: "changed", fields });
  });
  for (const o of await findStale(client, desired, opts.federation, opts.mesh, opts.kinds)) out.push({ ref: objectRef(o), status: "pruned", fields: [] });
  return out.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
}

/** JSON with object keys sorted: the API server does not keep the order keys were sent in. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    isRecord(x)
      ? Object.fromEntries(
          Object.keys(x)
            .sort()
            .map((k) => [k, x[k]]),
        )
      : x,
  );
}

function at(v: unknown, path: readonly string[]): unknown {
  let cur: unknown = v;
  for (const k of path) {
    if (!isRecord(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}
