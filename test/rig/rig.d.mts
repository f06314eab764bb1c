// Types of rig.mjs for the TypeScript tests.
export declare const ROOT: string;
export declare const RIG_CLUSTERS: readonly string[];
export interface ClusterState {
  readonly name: string;
  readonly port: number;
  readonly etcdPort: number;
  readonly pid: number;
  readonly kubeconfig: string;
}
type Log = (s: string) => void;
export declare function rigDir(root?: string): string;
export declare function kubeconfigPath(name: string, root?: string): string;
export declare function binaryPath(): string;
export declare function ensureBinary(log?: Log): string;
export declare function adminRequest(
  name: string,
  method: string,
  path: string,
  body?: unknown,
  opts?: { root?: string; contentType?: string; timeoutMs?: number },
): Promise<{ status: number; body: string }>;
export declare function isUp(name: string, root?: string): Promise<boolean>;
export declare function startCluster(name: string, opts?: { root?: string; log?: Log }): Promise<ClusterState>;
export declare function stopCluster(name: string, opts?: { root?: string; signal?: NodeJS.Signals }): Promise<void>;
export declare function destroyCluster(name: string, opts?: { root?: string }): Promise<void>;
export declare function pinnedIstio(): { module: string; version: string; tag: string };
export declare function istioCrds(): Record<string, any>[];
export declare function meshRoot(root?: string): string;
export declare function istioSystemObjects(name: string, rootCert: string): any[];
export declare function bootstrapIstio(name: string, root?: string): Promise<void>;
export declare function rigUp(opts?: { root?: string; log?: Log }): Promise<ClusterState[]>;
export declare function rigDown(opts?: { root?: string; clean?: boolean }): Promise<void>;
export declare function adminTls(name: string, root?: string): { host: string; port: number; ca: Buffer; cert: Buffer; key: Buffer };
