// The test rig: Kubernetes clusters on loopback, each a real kube-apiserver with its own real
// etcd, CA, client-certificate authentication and RBAC (test/rig/cmd/meshfed-rig), with the
// pinned Istio's CRDs and the objects istiod keeps in istio-system. See test/rig/README.md.
//
//   node test/rig/rig.mjs up     start operations, staging and production (build once)
//   node test/rig/rig.mjs down   stop everything `up` started
//   node test/rig/rig.mjs build  only build (and cache) the binary
//
// Plain JavaScript so npm scripts and CI run it without a build step.
import { spawn, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from "node:fs";
import { request } from "node:https";
import { createServer } from "node:net";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root. */
export const ROOT = resolve(here, "../..");
/** The clusters `rig up` starts. */
export const RIG_CLUSTERS = ["operations", "staging", "production"];
const CMD_DIR = join(here, "cmd");

/** Where state (.rig/<name>/, <name>.kubeconfig, <name>.json, <name>.log) lives. */
export function rigDir(root = ROOT) {
  return join(root, ".rig");
}

/** The admin kubeconfig `up` writes for a cluster. */
export function kubeconfigPath(name, root = ROOT) {
  return join(rigDir(root), `${name}.kubeconfig`);
}

function goModVersion(file, module) {
  const m = readFileSync(file, "utf8").match(new RegExp(`^\\s*${module.replace(/[.]/g, "\\.")} (v\\S+)`, "m"));
  if (!m) throw new Error(`${file}: no ${module} requirement`);
  return m[1];
}

/**
 * The binary's cache path: keyed by the Kubernetes and etcd versions and a hash of the rig's
 * own source, so a change to either builds a new one and old ones stay usable side by side.
 */
export function binaryPath() {
  const gomod = join(CMD_DIR, "go.mod");
  const k8s = goModVersion(gomod, "k8s.io/kubernetes");
  const etcd = goModVersion(gomod, "go.etcd.io/etcd/server/v3");
  const hash = createHash("sha256");
  for (const f of ["go.mod", "go.sum", "meshfed-rig/main.go"]) hash.update(readFileSync(join(CMD_DIR, f)));
  const base = process.env.MESHFED_RIG_CACHE ?? join(homedir(), ".cache", "meshfed", "rig");
  return join(base, `k8s-${k8s}-etcd-${etcd}-${hash.digest("hex").slice(0, 12)}`, "meshfed-rig");
}

/** Builds the rig binary unless it is cached; returns its path. */
export function ensureBinary(log = (s) => process.stderr.write(s)) {
  const bin = binaryPath();
  if (existsSync(bin)) return bin;
  mkdirSync(dirname(bin), { recursive: true });
  log(`rig: building ${bin} (kube-apiserver and etcd from Go modules; minutes on a cold cache)\n`);
  const start = Date.now();
  execFileSync("go", ["build", "-trimpath", "-ldflags=-s -w", "-o", `${bin}.tmp`, "./meshfed-rig"], { cwd: CMD_DIR, stdio: ["ignore", "inherit", "inherit"] });
  execFileSync("mv", [`${bin}.tmp`, bin]);
  log(`rig: built in ${Math.round((Date.now() - start) / 1000)}s\n`);
  return bin;
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

async function portFree(port) {
  return new Promise((res) => {
    const s = createServer();
    s.once("error", () => res(false));
    s.listen(port, "127.0.0.1", () => s.close(() => res(true)));
  });
}

/** An etcd client port whose successor (the peer port) is free too. */
async function freePortPair() {
  for (;;) {
    const p = await freePort();
    if (p < 65535 && (await portFree(p + 1))) return p;
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readState(name, root) {
  const f = join(rigDir(root), `${name}.json`);
  return existsSync(f) ? JSON.parse(readFileSync(f, "utf8")) : undefined;
}

/** A cluster's port and its admin's TLS material (for streaming requests such as watches). */
export function adminTls(name, root = ROOT) {
  const state = readState(name, root);
  if (!state) throw new Error(`rig: no cluster ${name}`);
  return { host: "127.0.0.1", port: state.port, ...tlsOf(name, root) };
}

function tlsOf(name, root) {
  const pki = join(rigDir(root), name, "pki");
  return { ca: readFileSync(join(pki, "ca.crt")), cert: readFileSync(join(pki, "admin.crt")), key: readFileSync(join(pki, "admin.key")) };
}

/** One HTTPS request to a rig cluster as its admin; resolves to { status, body }. */
export function adminRequest(name, method, path, body, { root = ROOT, contentType = "application/json", timeoutMs = 10_000 } = {}) {
  const state = readState(name, root);
  if (!state) return Promise.reject(new Error(`rig: no cluster ${name}`));
  return new Promise((res, rej) => {
    const req = request(
      // A fresh connection per request: a pooled keep-alive socket the server has closed gives "socket hang up".
      {
        host: "127.0.0.1",
        port: state.port,
        method,
        path,
        ...tlsOf(name, root),
        agent: false,
        headers: { accept: "application/json", ...(body !== undefined ? { "content-type": contentType } : {}) },
        timeout: timeoutMs,
      },
      (r) => {
        let data = "";
        r.setEncoding("utf8");
        r.on("data", (c) => (data += c));
        r.on("end", () => res({ status: r.statusCode ?? 0, body: data }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", rej);
    if (body !== undefined) req.write(typeof body === "string" ? body : JSON.stringify(body));
    req.end();
  });
}

async function waitReady(name, root, pid, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    if (!alive(pid)) throw new Error(`rig: ${name} exited during start-up; see ${join(rigDir(root), `${name}.log`)}`);
    try {
      const r = await adminRequest(name, "GET", "/readyz", undefined, { root, timeoutMs: 5000 });
      if (r.status === 200) return;
      last = `${r.status} ${r.body.slice(0, 200)}`;
    } catch (err) {
      last = err.message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`rig: ${name} not ready after ${timeoutMs / 1000}s (${last}); see ${join(rigDir(root), `${name}.log`)}`);
}

/** Whether a cluster of the rig is running and ready. */
export async function isUp(name, root = ROOT) {
  const state = readState(name, root);
  if (!state || !alive(state.pid)) return false;
  try {
    return (await adminRequest(name, "GET", "/readyz", undefined, { root, timeoutMs: 3000 })).status === 200;
  } catch {
    return false;
  }
}

/**
 * Starts one cluster (or restarts it on its old ports and data after a stop) and installs the
 * Istio objects; returns its state. Safe to call when it is already up.
 */
export async function startCluster(name, { root = ROOT, log = (s) => process.stderr.write(s) } = {}) {
  if (await isUp(name, root)) return readState(name, root);
  const bin = ensureBinary(log);
  const dir = rigDir(root);
  mkdirSync(join(dir, name), { recursive: true });
  const old = readState(name, root);
  const port = old?.port ?? (await freePort());
  const etcdPort = old?.etcdPort ?? (await freePortPair());
  const logFile = join(dir, `${name}.log`);
  const fd = openSync(logFile, "a");
  const child = spawn(
    bin,
    ["--name", name, "--dir", join(dir, name), "--port", String(port), "--etcd-port", String(etcdPort), "--kubeconfig", kubeconfigPath(name, root)],
    {
      detached: true,
      stdio: ["ignore", fd, fd],
    },
  );
  closeSync(fd);
  child.unref();
  const state = { name, port, etcdPort, pid: child.pid, kubeconfig: kubeconfigPath(name, root) };
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(state, null, 2)}\n`);
  const started = Date.now();
  await waitReady(name, root, child.pid);
  await bootstrapIstio(name, root);
  log(`rig: ${name} up on https://127.0.0.1:${port} in ${((Date.now() - started) / 1000).toFixed(1)}s (kubeconfig ${state.kubeconfig})\n`);
  return state;
}

/** Stops one cluster's process (SIGKILL for a fault, SIGTERM otherwise); its data stays. */
export async function stopCluster(name, { root = ROOT, signal = "SIGTERM" } = {}) {
  const state = readState(name, root);
  if (!state || !alive(state.pid)) return;
  try {
    process.kill(-state.pid, signal);
  } catch {
    process.kill(state.pid, signal);
  }
  const deadline = Date.now() + 30_000;
  while (alive(state.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive(state.pid)) process.kill(-state.pid, "SIGKILL");
}

/** Stops a cluster and removes its data, ports and kubeconfig. */
export async function destroyCluster(name, { root = ROOT } = {}) {
  await stopCluster(name, { root });
  const dir = rigDir(root);
  for (const f of [join(dir, name), join(dir, `${name}.json`), kubeconfigPath(name, root), join(dir, `${name}.log`)])
    rmSync(f, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------
// What an Istio install leaves in a cluster, as far as meshfed reads it.

/** The pinned Istio: istio.io/istio from conformance/go.mod, its version from istio.io/api. */
export function pinnedIstio() {
  const gomod = join(ROOT, "conformance", "go.mod");
  const istio = goModVersion(gomod, "istio.io/istio");
  const api = goModVersion(gomod, "istio.io/api");
  const [, major, minor] = api.match(/^v(\d+)\.(\d+)/);
  const commit = istio.split("-").pop();
  return { module: istio, version: `${major}.${minor}`, tag: `${major}.${minor}-alpha.${commit}` };
}

let crdCache;
/** The pinned Istio's CRDs (manifests/charts/base/files/crd-all.gen.yaml of its Go module). */
export function istioCrds() {
  if (crdCache) return crdCache;
  const { module } = pinnedIstio();
  const out = execFileSync("go", ["mod", "download", "-json", `istio.io/istio@${module}`], {
    cwd: join(ROOT, "conformance"),
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
  const dir = JSON.parse(out).Dir;
  const text = readFileSync(join(dir, "manifests", "charts", "base", "files", "crd-all.gen.yaml"), "utf8");
  crdCache = parseAllDocuments(text)
    .map((d) => d.toJSON())
    .filter((d) => d && d.kind === "CustomResourceDefinition");
  return crdCache;
}

/** The shared Istio root CA of the rig's meshes (PEM), created once. */
export function meshRoot(root = ROOT) {
  const dir = join(rigDir(root), "mesh-root");
  execFileSync(ensureBinary(), ["mesh-root", dir]);
  return readFileSync(join(dir, "root-cert.pem"), "utf8");
}

/** The objects Istio keeps in istio-system that meshfed reads, as a default install has them. */
export function istioSystemObjects(name, rootCert) {
  const { tag } = pinnedIstio();
  const labels = { "app.kubernetes.io/part-of": "istio", "install.operator.istio.io/owning-resource": "rig" };
  const mesh = ["defaultConfig:", "  discoveryAddress: istiod.istio-system.svc:15012", "rootNamespace: istio-system", "trustDomain: cluster.local", ""].join(
    "\n",
  );
  return [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "istio-system", labels } },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "istio", namespace: "istio-system", labels: { ...labels, "istio.io/rev": "default" } },
      data: { mesh, meshNetworks: "networks: {}\n" },
    },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "istio-ca-root-cert", namespace: "istio-system", labels: { "istio.io/config": "true" } },
      data: { "root-cert.pem": rootCert },
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "istiod", namespace: "istio-system", labels: { ...labels, app: "istiod", istio: "pilot", "istio.io/rev": "default" } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { istio: "pilot" } },
        template: {
          metadata: { labels: { app: "istiod", istio: "pilot" } },
          spec: {
            serviceAccountName: "istiod",
            containers: [
              {
                name: "discovery",
                image: `gcr.io/istio-testing/pilot:${tag}`,
                args: [
                  "discovery",
                  "--monitoringAddr=:15014",
                  "--log_output_level=default:info",
                  "--domain",
                  "cluster.local",
                  "--keepaliveMaxServerConnectionAge",
                  "30m",
                ],
                env: [
                  { name: "REVISION", value: "default" },
                  { name: "PILOT_CERT_PROVIDER", value: "istiod" },
                  { name: "CLUSTER_ID", value: name },
                  { name: "PILOT_ENABLE_AMBIENT", value: "false" },
                ],
                ports: [{ containerPort: 15010 }, { containerPort: 15012 }, { containerPort: 15014 }],
              },
            ],
          },
        },
      },
    },
  ];
}

function pathOf(obj, plural) {
  const [group, version] = obj.apiVersion.includes("/") ? obj.apiVersion.split("/") : ["", obj.apiVersion];
  const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
  return `${base}${obj.metadata.namespace ? `/namespaces/${obj.metadata.namespace}` : ""}/${plural}/${obj.metadata.name}`;
}

const plurals = { Namespace: "namespaces", ConfigMap: "configmaps", Deployment: "deployments", CustomResourceDefinition: "customresourcedefinitions" };

async function rigApply(name, root, obj) {
  const r = await adminRequest(name, "PATCH", `${pathOf(obj, plurals[obj.kind])}?fieldManager=meshfed-rig&force=true`, obj, {
    root,
    contentType: "application/apply-patch+yaml",
  });
  if (r.status >= 300) throw new Error(`rig: ${name}: applying ${obj.kind} ${obj.metadata.name}: ${r.status} ${r.body.slice(0, 500)}`);
}

/** Installs the CRDs and istio-system objects (server-side apply, so reruns are no-ops). */
export async function bootstrapIstio(name, root = ROOT) {
  for (const crd of istioCrds()) await rigApply(name, root, crd);
  // Custom resources can be created once each CRD is Established.
  for (const crd of istioCrds()) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await adminRequest(name, "GET", `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`, undefined, { root });
      const conds = r.status === 200 ? (JSON.parse(r.body).status?.conditions ?? []) : [];
      if (conds.some((c) => c.type === "Established" && c.status === "True")) break;
      if (Date.now() > deadline) throw new Error(`rig: ${name}: CRD ${crd.metadata.name} not established`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const rootCert = meshRoot(root);
  for (const obj of istioSystemObjects(name, rootCert)) await rigApply(name, root, obj);
}

/** Starts the three clusters (in parallel). */
export async function rigUp({ root = ROOT, log } = {}) {
  ensureBinary(log);
  meshRoot(root);
  istioCrds();
  return Promise.all(RIG_CLUSTERS.map((n) => startCluster(n, { root, log })));
}

/** Stops the three clusters; their data stays for the next `up` unless `clean`. */
export async function rigDown({ root = ROOT, clean = false } = {}) {
  for (const n of RIG_CLUSTERS) await (clean ? destroyCluster(n, { root }) : stopCluster(n, { root }));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const cmd = process.argv[2];
  const run = async () => {
    if (cmd === "up") await rigUp();
    else if (cmd === "down") await rigDown({ clean: process.argv.includes("--clean") });
    else if (cmd === "build") ensureBinary();
    else {
      process.stderr.write("usage: node test/rig/rig.mjs up|down [--clean]|build\n");
      process.exit(2);
    }
  };
  run().catch((err) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  });
}
