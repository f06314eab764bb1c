import { request as httpsRequest, type RequestOptions } from "node:https";
import { request as httpRequest } from "node:http";
import { loadOnFirstUse } from "../util/load-on-first-use.js";

/** A Kubernetes object as read from or sent to the API: plain JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    managedFields?: ManagedFieldsEntry[];
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
}

/** Where an API call failed: the HTTP status (0 when the server was not reached) and the API's own words. */
export class KubeApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly reason: string,
    /** The `Status` object's `details.causes`, e.g. a CRD schema's field errors or SSA conflicts. */
    readonly causes: readonly { reason?: string; message?: string; field?: string }[] = [],
  ) {
    super(message);
  }
}

/** How a cluster is reached: a kubeconfig path and context, as the user named them. */
export interface ClusterTarget {
  /** The kubeconfig file; undefined means $KUBECONFIG or ~/.kube/config. */
  readonly kubeconfig?: string;
  readonly context?: string;
}

export interface RetryPolicy {
  /** Attempts per request, first included. */
  readonly attempts: number;
  /** First backoff in ms; doubles each retry, with jitter. */
  readonly baseDelayMs: number;
}

const defaultRetry: RetryPolicy = { attempts: 4, baseDelayMs: 200 };

interface ResourceInfo {
  readonly plural: string;
  readonly namespaced: boolean;
}

/** @kubernetes/client-node (for kubeconfig handling only): large, and only the commands that talk to clusters need it. */
const clientNode = loadOnFirstUse<typeof import("@kubernetes/client-node")>("@kubernetes/client-node");

const retryableNetwork = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EAI_AGAIN", "ENOTFOUND", "EHOSTUNREACH"]);

/**
 * A client for one cluster, with that cluster's credentials only. Built on
 * `@kubernetes/client-node`'s kubeconfig handling (certificates, tokens, exec plugins); the
 * requests themselves are plain HTTPS so responses stay plain JSON and every status code and
 * `Status` message reaches the user unchanged.
 */
export class KubeClient {
  private readonly discovery = new Map<string, Promise<Map<string, ResourceInfo>>>();

  private constructor(
    /** The API server URL. */
    readonly server: string,
    /** A short name for messages: the context name. */
    readonly name: string,
    private readonly options: RequestOptions,
    private readonly retry: RetryPolicy,
    /** Called before each retry, e.g. to print progress. */
    private readonly onRetry?: (what: string) => void,
  ) {}

  /** Loads a kubeconfig (and context) and prepares TLS and credentials. */
  static async connect(
    target: ClusterTarget,
    env: Readonly<Record<string, string | undefined>> = {},
    opts: { retry?: RetryPolicy; onRetry?: (what: string) => void } = {},
  ): Promise<KubeClient> {
    const { KubeConfig } = clientNode();
    const kc = new KubeConfig();
    const file = target.kubeconfig ?? env.KUBECONFIG?.split(":")[0] ?? (env.HOME ? `${env.HOME}/.kube/config` : undefined);
    if (!file) throw new KubeConfigError("no kubeconfig: pass --kubeconfig or set KUBECONFIG");
    try {
      kc.loadFromFile(file);
    } catch (err) {
      throw new KubeConfigError(`cannot load kubeconfig ${file}: ${(err as Error).message.split("\n")[0]}`);
    }
    if (target.context !== undefined) {
      if (!kc.getContextObject(target.context)) {
        throw new KubeConfigError(
          `kubeconfig ${file} has no context "${target.context}"; contexts: ${
            kc
              .getContexts()
              .map((c) => c.name)
              .join(", ") || "none"
          }`,
        );
      }
      kc.setCurrentContext(target.context);
    }
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new KubeConfigError(`kubeconfig ${file}: the current context names no cluster`);
    const options: RequestOptions = {};
    try {
      await kc.applyToHTTPSOptions(options);
    } catch (err) {
      throw new KubeConfigError(`kubeconfig ${file}: cannot prepare credentials: ${(err as Error).message.split("\n")[0]}`);
    }
    return new KubeClient(cluster.server.replace(/\/+$/, ""), kc.getCurrentContext(), options, opts.retry ?? defaultRetry, opts.onRetry);
  }

  /**
   * One API request with retries on 429, 5xx and unreachable servers (exponential backoff,
   * Retry-After honoured). Resolves with the parsed body for 2xx, throws KubeApiError otherwise.
   */
  async request<T = unknown>(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<T> {
    let lastError: KubeApiError | undefined;
    for (let attempt = 1; attempt <= this.retry.attempts; attempt++) {
      let retryAfterMs: number | undefined;
      try {
        const r = await this.once(method, path, body, contentType);
        if (r.status >= 200 && r.status < 300) return (r.body ? JSON.parse(r.body) : {}) as T;
        lastError = apiError(method, path, r.status, r.body);
        if (r.status !== 429 && r.status < 500) throw lastError;
        const ra = Number(r.retryAfter);
        if (Number.isFinite(ra) && ra > 0) retryAfterMs = Math.min(ra, 10) * 1000;
      } catch (err) {
        if (err instanceof KubeApiError) {
          if (err !== lastError || (err.status !== 429 && err.status < 500)) throw err;
        } else {
          const code = (err as NodeJS.ErrnoException).code ?? "";
          lastError = new KubeApiError(`${this.server} unreachable (${code || (err as Error).message})`, 0, code || "Unreachable");
          if (!retryableNetwork.has(code) && code !== "") throw lastError;
        }
      }
      if (attempt < this.retry.attempts) {
        const delay = retryAfterMs ?? this.retry.baseDelayMs * 2 ** (attempt - 1) * (0.75 + Math.random() / 2);
        this.onRetry?.(`${method} ${path}: ${lastError!.message}; retry ${attempt}/${this.retry.attempts - 1} in ${Math.round(delay)}ms`);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    throw lastError!;
  }

  private once(method: string, path: string, body: unknown, contentType: string): Promise<{ status: number; body: string; retryAfter?: string }> {
    const url = new URL(this.server + path);
    const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    const headers: Record<string, string | number> = { ...(this.options.headers as Record<string, string>), accept: "application/json" };
    if (payload !== undefined) {
      headers["content-type"] = contentType;
      headers["content-length"] = Buffer.byteLength(payload);
    }
    const send = url.protocol === "http:" ? httpRequest : httpsRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        { ...this.options, protocol: url.protocol, hostname: url.hostname, port: url.port, path: url.pathname + url.search, method, headers, timeout: 30_000 },
        (res) => {
          let data = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => (data += c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: data, retryAfter: res.headers["retry-after"] as string | undefined }));
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(Object.assign(new Error("request timed out"), { code: "ETIMEDOUT" })));
      req.on("error", reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** The plural name and scope of a kind, from the server's discovery (cached per group/version). */
  async resource(apiVersion: string, kind: string): Promise<ResourceInfo> {
    let p = this.discovery.get(apiVersion);
    if (!p) {
      p = this.request<{ resources: { name: string; kind: string; namespaced: boolean }[] }>("GET", groupVersionPath(apiVersion)).then(
        (list) => new Map(list.resources.filter((r) => !r.name.includes("/")).map((r) => [r.kind, { plural: r.name, namespaced: r.namespaced }])),
      );
      this.discovery.set(apiVersion, p);
      p.catch(() => this.discovery.delete(apiVersion));
    }
    let info: ResourceInfo | undefined;
    try {
      info = (await p).get(kind);
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) info = undefined;
      else throw err;
    }
    if (!info) throw new KubeApiError(`the server does not serve ${kind} in ${apiVersion} (are the CRDs installed?)`, 404, "NotFound");
    return info;
  }

  /** The URL path of an object (or, without a name, of its collection). */
  async path(apiVersion: string, kind: string, namespace: string | undefined, name?: string): Promise<string> {
    const info = await this.resource(apiVersion, kind);
    const ns = info.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : "";
    return `${groupVersionPath(apiVersion)}${ns}/${info.plural}${name !== undefined ? `/${encodeURIComponent(name)}` : ""}`;
  }

  /** Reads an object; undefined when it does not exist. */
  async get(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    try {
      return await this.request<KubeObject>("GET", await this.path(apiVersion, kind, namespace, name));
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404 && err.reason !== "Unreachable") {
        if (/does not serve/.test(err.message)) throw err;
        return undefined;
      }
      throw err;
    }
  }

  /** Lists objects of a kind (all namespaces unless one is given), following continue tokens. */
  async list(apiVersion: string, kind: string, opts: { namespace?: string; labelSelector?: string } = {}): Promise<KubeObject[]> {
    const base = await this.path(apiVersion, kind, opts.namespace);
    const out: KubeObject[] = [];
    let cont: string | undefined;
    do {
      const q = new URLSearchParams({ limit: "500" });
      if (opts.labelSelector) q.set("labelSelector", opts.labelSelector);
      if (cont) q.set("continue", cont);
      const page = await this.request<{ items: KubeObject[]; metadata: { continue?: string } }>("GET", `${base}?${q}`);
      // List items carry no apiVersion/kind; put them back so objects are self-describing.
      for (const item of page.items) out.push({ ...item, apiVersion, kind });
      cont = page.metadata.continue || undefined;
    } while (cont);
    return out;
  }

  /** Server-side apply of one object as `fieldManager`. */
  async apply(obj: KubeObject, opts: { fieldManager: string; force?: boolean; dryRun?: boolean }): Promise<KubeObject> {
    const q = new URLSearchParams({ fieldManager: opts.fieldManager });
    if (opts.force) q.set("force", "true");
    if (opts.dryRun) q.set("dryRun", "All");
    const path = await this.path(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
    return this.request<KubeObject>("PATCH", `${path}?${q}`, obj, "application/apply-patch+yaml");
  }

  /** Deletes an object; true when it was there. Preconditions keep a re-created object safe. */
  async delete(obj: KubeObject, opts: { dryRun?: boolean } = {}): Promise<boolean> {
    const q = new URLSearchParams();
    if (opts.dryRun) q.set("dryRun", "All");
    const path = await this.path(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
    const body = { apiVersion: "v1", kind: "DeleteOptions", ...(obj.metadata.uid ? { preconditions: { uid: obj.metadata.uid } } : {}) };
    try {
      await this.request("DELETE", `${path}${q.size > 0 ? `?${q}` : ""}`, body);
      return true;
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return false;
      throw err;
    }
  }
}

/** A kubeconfig that cannot be used (a usage problem, not an API error). */
export class KubeConfigError extends Error {}

function groupVersionPath(apiVersion: string): string {
  return apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

function apiError(_method: string, _path: string, status: number, body: string): KubeApiError {
  let parsed: { message?: string; reason?: string; details?: { causes?: { reason?: string; message?: string; field?: string }[] } } = {};
  try {
    parsed = JSON.parse(body);
  } catch {
    // Not a Status object (e.g. a proxy's HTML); keep the start of the text.
  }
  const message = parsed.message ?? (body.trim().slice(0, 300) || `HTTP ${status}`);
  return new KubeApiError(message, status, parsed.reason ?? `HTTP${status}`, parsed.details?.causes ?? []);
}

/** `<Kind> <namespace>/<name>` for messages. */
export function objectRef(obj: { kind: string; metadata: { name: string; namespace?: string } }): string {
  return `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ""}${obj.metadata.name}`;
}
