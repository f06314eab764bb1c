import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request as httpsRequest } from "node:https";
import { adminRequest, adminTls, isUp, kubeconfigPath, startCluster, destroyCluster } from "../rig/rig.mjs";

/** A cluster of the test rig: its name (for adminRequest) and its admin kubeconfig. */
export interface RigCluster {
  readonly name: string;
  readonly kubeconfig: string;
}

/**
 * One of the rig's shared clusters (operations, staging, production). Fails, never skips,
 * when the rig is not running: vitest's global setup starts it (test/rig/global-setup.ts).
 */
export async function rigCluster(name: string): Promise<RigCluster> {
  if (!(await isUp(name))) {
    throw new Error(
      `the test rig's "${name}" cluster is not running: start it with \`npm run rig:up\` (vitest's global setup starts it unless only tests outside test/kube were selected)`,
    );
  }
  return { name, kubeconfig: kubeconfigPath(name) };
}

/**
 * A cluster of the test's own, for tests that stop a server or change istio-system: started
 * (with Istio's objects) on first use; `dispose` removes it with its data.
 */
export async function privateCluster(name: string): Promise<RigCluster & { dispose(): Promise<void> }> {
  await startCluster(name, { log: () => {} });
  return { name, kubeconfig: kubeconfigPath(name), dispose: () => destroyCluster(name) };
}

/** An API call as the cluster's admin; throws unless the status is one of `ok`. */
export async function admin(
  cluster: RigCluster,
  method: string,
  path: string,
  body?: unknown,
  ok: readonly number[] = [200, 201],
  contentType?: string,
): Promise<any> {
  let r = await adminRequest(cluster.name, method, path, body, contentType ? { contentType } : {});
  // A server just (re)started answers 429 "storage is (re)initializing" for a while, with a
  // Retry-After: wait as a client should (at most 30 tries) rather than fail the test's own setup.
  for (let tries = 0; r.status === 429 && tries < 30; tries++) {
    await new Promise((done) => setTimeout(done, 1000));
    r = await adminRequest(cluster.name, method, path, body, contentType ? { contentType } : {});
  }
  if (!ok.includes(r.status)) throw new Error(`${cluster.name}: ${method} ${path}: ${r.status} ${r.body.slice(0, 400)}`);
  return r.body ? JSON.parse(r.body) : undefined;
}

/** Server-side applies an object as the admin with field manager `manager` (setting up a state to test against). */
export async function adminApply(
  cluster: RigCluster,
  obj: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } },
  plural: string,
  manager = "test-setup",
): Promise<any> {
  const [group, version] = obj.apiVersion.includes("/") ? obj.apiVersion.split("/") : ["", obj.apiVersion];
  const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const path = `${base}${obj.metadata.namespace ? `/namespaces/${obj.metadata.namespace}` : ""}/${plural}/${obj.metadata.name}?fieldManager=${manager}&force=true`;
  return admin(cluster, "PATCH", path, obj, [200, 201], "application/apply-patch+yaml");
}

/** Creates namespaces (idempotent), optionally labelled for sidecar injection. */
export async function ensureNamespaces(cluster: RigCluster, names: readonly string[], labels: Record<string, string> = {}): Promise<void> {
  for (const name of names) await adminApply(cluster, { apiVersion: "v1", kind: "Namespace", metadata: { name, labels } as never }, "namespaces");
}

/** Istio objects of a kind in a namespace, as the admin sees them. */
export async function listIstio(cluster: RigCluster, groupVersion: string, plural: string, namespace?: string, labelSelector?: string): Promise<any[]> {
  const q = labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : "";
  const body = await admin(cluster, "GET", `/apis/${groupVersion}${namespace ? `/namespaces/${namespace}` : ""}/${plural}${q}`);
  return body.items;
}

/**
 * The NRC example federation with every application namespace prefixed, so test files can
 * share a cluster without touching each other's objects.
 */
export function liveFederation(name: string, prefix: string, opts: { exportStagingMetrics?: boolean } = {}): string {
  const ns = (n: string) => `${prefix}-${n}`;
  return `apiVersion: meshfed.dev/v1alpha1
kind: MeshFederation
metadata:
  name: ${name}
spec:
  importDomain: mesh
  meshes:
    - name: operations
      network: net-operations
      trustDomain: operations.nrc.internal
      eastWestGateway:
        address: 10.10.0.10
    - name: staging
      network: net-staging
      trustDomain: staging.nrc.internal
      eastWestGateway:
        address: 10.30.0.10
    - name: production
      network: net-production
      trustDomain: production.nrc.internal
      eastWestGateway:
        address: ew.production.nrc.example
  exports:
    - service: production/${ns("db")}/postgres
      serviceAccount: postgres
      workloadSelector: {app: postgres}
      ports:
        - {number: 5432, protocol: TCP}
      consumers:
        - principal: operations/${ns("vault")}/vault
          alias: postgres.db.production.mesh
${
  opts.exportStagingMetrics === false
    ? ""
    : `    - service: staging/${ns("monitoring")}/metrics-api
      serviceAccount: metrics-api
      ports:
        - {number: 8080, protocol: HTTP}
      consumers:
        - principal: operations/${ns("vault")}/vault
`
}    - service: production/${ns("monitoring")}/metrics-api
      serviceAccount: metrics-api
      ports:
        - {number: 8080, protocol: HTTP}
      consumers:
        - principal: operations/${ns("observability")}/grafana
`;
}

/** Writes a federation file into a fresh temporary directory; returns its path. */
export function writeFederation(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "meshfed-live-"));
  const file = join(dir, "federation.yaml");
  writeFileSync(file, text);
  return file;
}

/** One watch event as the API server sent it. */
export interface WatchEvent {
  readonly type: string;
  readonly object: any;
}

/**
 * Watches a collection on a rig cluster and records every event until `stop()`: the API
 * server's own sequence of states, ordered by resourceVersion (etcd's revision).
 */
export function watchCollection(cluster: RigCluster, path: string): { events: WatchEvent[]; ready: Promise<void>; stop(): void } {
  const events: WatchEvent[] = [];
  let buffer = "";
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));
  const req = httpsRequest(
    {
      ...adminTls(cluster.name),
      method: "GET",
      path: `${path}${path.includes("?") ? "&" : "?"}watch=1&allowWatchBookmarks=false`,
      headers: { accept: "application/json" },
    },
    (res) => {
      resolveReady();
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffer += chunk;
        for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (line) events.push(JSON.parse(line));
        }
      });
      res.on("error", () => {});
    },
  );
  req.on("error", () => {});
  req.end();
  return { events, ready, stop: () => req.destroy() };
}
