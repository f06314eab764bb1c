import { KubeApiError, objectRef, type KubeClient, type KubeObject } from "./client.js";
import { FIELD_MANAGER, keyOf, MANAGED_KINDS, ownedBy, ownershipSelector, PHASES, phaseOf, type ManagedKind, type Phase } from "./desired.js";

/** What happened to one object. */
export interface ObjectResult {
  readonly ref: string;
  readonly phase: Phase;
  readonly action: "applied" | "pruned";
}

/** Another field manager owns a field meshfed would change. */
export interface Conflict {
  readonly ref: string;
  /** The other manager, as the API server names it. */
  readonly manager: string;
  readonly field: string;
}

/** Why an apply stopped. */
export interface ApplyFailure {
  /** MF4002 conflict, MF4003 rejected, MF4004 unreachable. */
  readonly code: "MF4002" | "MF4003" | "MF4004";
  readonly ref: string;
  readonly status: number;
  readonly reason: string;
  /** The API server's message (a CRD schema's or webhook's own words for rejections). */
  readonly message: string;
  readonly conflicts: readonly Conflict[];
}

export interface ApplyOutcome {
  readonly done: readonly ObjectResult[];
  /** Objects that were to be written or deleted but were not, in order. */
  readonly notDone: readonly { ref: string; action: "apply" | "prune" }[];
  readonly failures: readonly ApplyFailure[];
}

export type ApplyEvent =
  | { readonly type: "phase"; readonly phase: Phase; readonly action: "apply" | "prune"; readonly count: number }
  | { readonly type: "done"; readonly result: ObjectResult }
  | { readonly type: "retry"; readonly message: string };

export interface ApplyOptions {
  readonly federation: string;
  readonly mesh: string;
  readonly dryRun?: boolean;
  readonly prune?: boolean;
  /** Take fields other managers own (`--force-conflicts`); off by default. */
  readonly forceConflicts?: boolean;
  /** Requests in flight at once within a phase. */
  readonly concurrency?: number;
  readonly onEvent?: (e: ApplyEvent) => void;
  /** The kinds to list for pruning, at the mesh's API versions (`managedKindsFor`); default: v1. */
  readonly kinds?: readonly ManagedKind[];
}

/**
 * Server-side applies one mesh's objects in safe order (policy, consumer, exposure), then,
 * with `prune`, deletes this federation's and mesh's objects that are no longer rendered
 * (exposure, consumer, policy). A failure stops everything after it: no later phase starts, so
 * a Gateway is never written when its policy was not.
 */
export async function applyMesh(client: KubeClient, desired: readonly KubeObject[], opts: ApplyOptions): Promise<ApplyOutcome> {
  const done: ObjectResult[] = [];
  const failures: ApplyFailure[] = [];
  const notDone: { ref: string; action: "apply" | "prune" }[] = [];
  const emit = opts.onEvent ?? (() => {});
  const limit = Math.max(1, opts.concurrency ?? 8);

  for (const phase of PHASES) {
    const batch = desired.filter((o) => phaseOf(o.kind) === phase);
    if (failures.length > 0) {
      for (const o of batch) notDone.push({ ref: objectRef(o), action: "apply" });
      continue;
    }
    if (batch.length === 0) continue;
    emit({ type: "phase", phase, action: "apply", count: batch.length });
    await runBounded(batch, limit, failures, notDone, "apply", async (o) => {
      await client.apply(o, { fieldManager: FIELD_MANAGER, force: opts.forceConflicts ?? false, dryRun: opts.dryRun ?? false });
      const result: ObjectResult = { ref: objectRef(o), phase, action: "applied" };
      done.push(result);
      emit({ type: "done", result });
    });
  }

  if (opts.prune) {
    let stale: KubeObject[] = [];
    if (failures.length === 0) {
      try {
        stale = await findStale(client, desired, opts.federation, opts.mesh, opts.kinds);
      } catch (err) {
        failures.push(failureOf("(listing objects to prune)", err));
      }
    }
    for (const phase of [...PHASES].reverse()) {
      const batch = stale.filter((o) => phaseOf(o.kind) === phase);
      if (failures.length > 0) {
        for (const o of batch) notDone.push({ ref: objectRef(o), action: "prune" });
        continue;
      }
      if (batch.length === 0) continue;
      emit({ type: "phase", phase, action: "prune", count: batch.length });
      await runBounded(batch, limit, failures, notDone, "prune", async (o) => {
        await client.delete(o, { dryRun: opts.dryRun ?? false });
        const result: ObjectResult = { ref: objectRef(o), phase, action: "pruned" };
        done.push(result);
        emit({ type: "done", result });
      });
    }
  }
  return { done, notDone, failures };
}

/** Live objects labelled as this federation's and mesh's that the render no longer has. */
export async function findStale(
  client: KubeClient,
  desired: readonly KubeObject[],
  federation: string,
  mesh: string,
  kinds: readonly ManagedKind[] = MANAGED_KINDS,
): Promise<KubeObject[]> {
  const wanted = new Set(desired.map(keyOf));
  const selector = ownershipSelector(federation, mesh);
  const lists = await Promise.all(kinds.map((k) => client.list(k.apiVersion, k.kind, { labelSelector: selector })));
  return lists
    .flat()
    .filter((o) => ownedBy(o, federation, mesh) && !wanted.has(keyOf(o)))
    .sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
}

/** Runs `work` over `items`, at most `limit` at a time; after the first failure starts no more. */
async function runBounded(
  items: readonly KubeObject[],
  limit: number,
  failures: ApplyFailure[],
  notDone: { ref: string; action: "apply" | "prune" }[],
  action: "apply" | "prune",
  work: (o: KubeObject) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && failures.length === 0) {
      const o = items[next++]!;
      try {
        await work(o);
      } catch (err) {
        failures.push(failureOf(objectRef(o), err));
        notDone.push({ ref: objectRef(o), action });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  for (const o of items.slice(next)) notDone.push({ ref: objectRef(o), action });
}

function failureOf(ref: string, err: unknown): ApplyFailure {
  if (!(err instanceof KubeApiError)) throw err;
  const conflicts = err.status === 409 ? parseConflicts(ref, err) : [];
  const code = conflicts.length > 0 ? "MF4002" : err.status === 0 ? "MF4004" : "MF4003";
  return { code, ref, status: err.status, reason: err.reason, message: err.message, conflicts };
}

/**
 * Server-side apply conflicts name the other manager in each cause's message, e.g.
 * `conflict with "kubectl-edit" using networking.istio.io/v1` with the field in `field`.
 */
function parseConflicts(ref: string, err: KubeApiError): Conflict[] {
  const out: Conflict[] = [];
  for (const c of err.causes) {
    if (c.reason !== "FieldManagerConflict") continue;
    const m = /conflict with "([^"]+)"/.exec(c.message ?? "");
    out.push({ ref, manager: m?.[1] ?? "another manager", field: c.field ?? "" });
  }
  return out;
}

/** One line per failure: what, where, the API's own words, and for conflicts both managers. */
export function describeFailure(f: ApplyFailure): string {
  if (f.conflicts.length > 0) {
    const fields = f.conflicts.map((c) => `${c.field} (owned by field manager "${c.manager}")`).join(", ");
    return `${f.code}: ${f.ref}: conflict: field manager "${FIELD_MANAGER}" would change ${fields}; not applied`;
  }
  if (f.status === 0) return `${f.code}: ${f.ref}: API server unreachable: ${f.message}`;
  const hint = /^namespaces? "[^"]+" not found/.test(f.message) ? " (create the namespace first)" : "";
  return `${f.code}: ${f.ref}: rejected by the API server (${f.status} ${f.reason}): ${f.message}${hint}`;
}
