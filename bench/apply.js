#!/usr/bin/env node
/**
 * `meshfed apply` against `kubectl apply --server-side` of the same rendered files (issue 13,
 * item 9), on the test rig's three real API servers (test/rig/README.md).
 *
 *   npm run build && npm run bench:apply            # 3 meshes, about 3,000 resources
 *   node bench/apply.js --exports 200 --runs 1       # smaller, one run each
 *
 * A federation of 3 meshes is generated (generate-federation.js, one consumer per export: 5
 * objects per export), mesh-0/1/2 mapped to the rig's operations/staging/production. For each
 * run, each tool starts from a cluster without the federation's objects and applies every mesh
 * in turn; its time is the sum over the meshes, each in a child process:
 *
 *   meshfed: node bin/meshfed.js apply FILE --mesh M --kubeconfig K   (audit, compile, apply)
 *   kubectl: kubectl apply --server-side -f M.yaml --kubeconfig K     (the `meshfed render --mesh M` output)
 *
 * The runs alternate (kubectl, meshfed, kubectl, ...) and each tool's median is reported with
 * the ratio. Target: meshfed no slower. A benchmark reports, it does not assert.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateFederation } from "./generate-federation.js";
import { adminRequest, kubeconfigPath, rigUp } from "../test/rig/rig.mjs";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const exportsCount = opt("--exports", 600);
const runs = opt("--runs", 3);
const kubectl = process.env.KUBECTL ?? "/usr/bin/kubectl";
const CLUSTERS = ["operations", "staging", "production"];
const FEDERATION = "benchapply";
const KINDS = [
  "networking.istio.io/v1/gateways",
  "networking.istio.io/v1/serviceentries",
  "networking.istio.io/v1/destinationrules",
  "security.istio.io/v1/peerauthentications",
  "security.istio.io/v1/authorizationpolicies",
];

function run(cmd, argv, what) {
  const r = spawnSync(cmd, argv, { cwd: root, encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}): ${(r.stderr || r.stdout).slice(0, 2000)}`);
  return r.stdout;
}

function timed(cmd, argv, what) {
  const start = process.hrtime.bigint();
  run(cmd, argv, what);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const work = mkdtempSync(join(tmpdir(), "meshfed-bench-apply-"));
  const text = generateFederation({ meshes: 3, exports: exportsCount, consumers: 1, seed: 1, name: FEDERATION });
  const file = join(work, "federation.yaml");
  writeFileSync(file, text);
  await rigUp({ log: () => {} });
  const { parseFederation, compileFederation } = await import("../dist/index.js");
  const compiled = compileFederation(parseFederation(text, file).federation).compiled;
  const meshes = compiled.meshes.map((m) => m.mesh);
  const clusterOf = new Map(meshes.map((m, i) => [m, CLUSTERS[i]]));
  let total = 0;
  for (const out of compiled.meshes) {
    total += out.resources.length;
    const cluster = clusterOf.get(out.mesh);
    for (const ns of new Set(out.resources.map((r) => r.metadata.namespace))) {
      const r = await adminRequest(
        cluster,
        "PATCH",
        `/api/v1/namespaces/${ns}?fieldManager=bench`,
        { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
        { contentType: "application/apply-patch+yaml" },
      );
      if (r.status >= 300) throw new Error(`namespace ${ns}: ${r.body}`);
    }
    writeFileSync(join(work, `${out.mesh}.yaml`), run("node", ["bin/meshfed.js", "render", file, "--mesh", out.mesh], "render"));
  }
  process.stderr.write(`bench:apply: ${meshes.length} meshes, ${total} resources, ${runs} run(s) each\n`);
  // One delete-collection request per namespace and kind (kubectl delete -l deletes and waits
  // object by object, minutes for 3,000 objects), then wait until the lists are empty.
  const namespacesOf = new Map(compiled.meshes.map((o) => [o.mesh, [...new Set(o.resources.map((r) => r.metadata.namespace))]]));
  const selector = encodeURIComponent(`meshfed.dev/federation=${FEDERATION}`);
  const clean = async () => {
    for (const m of meshes) {
      const cluster = clusterOf.get(m);
      for (const ns of namespacesOf.get(m)) {
        for (const kind of KINDS) {
          const gv = kind.slice(0, kind.lastIndexOf("/"));
          const plural = kind.slice(kind.lastIndexOf("/") + 1);
          const r = await adminRequest(cluster, "DELETE", `/apis/${gv}/namespaces/${ns}/${plural}?labelSelector=${selector}`, undefined, { timeoutMs: 60_000 });
          if (r.status >= 300) throw new Error(`clean ${cluster} ${ns} ${kind}: ${r.status} ${r.body.slice(0, 300)}`);
        }
      }
      for (const kind of KINDS) {
        for (;;) {
          const r = await adminRequest(cluster, "GET", `/apis/${kind}?labelSelector=${selector}&limit=1`);
          if (JSON.parse(r.body).items.length === 0) break;
          await new Promise((res) => setTimeout(res, 100));
        }
      }
    }
  };
  const times = { kubectl: [], meshfed: [] };
  for (let i = 0; i < runs; i++) {
    for (const tool of ["kubectl", "meshfed"]) {
      await clean();
      let ms = 0;
      for (const m of meshes) {
        const kc = kubeconfigPath(clusterOf.get(m));
        ms +=
          tool === "kubectl"
            ? timed(kubectl, ["apply", "--server-side", "--field-manager=bench-kubectl", "-f", join(work, `${m}.yaml`), "--kubeconfig", kc], "kubectl apply")
            : timed("node", ["bin/meshfed.js", "apply", file, "--mesh", m, "--kubeconfig", kc], "meshfed apply");
      }
      times[tool].push(ms);
      process.stderr.write(`  run ${i + 1} ${tool}: ${(ms / 1000).toFixed(2)} s\n`);
    }
  }
  await clean();
  const k = median(times.kubectl);
  const f = median(times.meshfed);
  const result = { meshes: meshes.length, resources: total, runs, kubectlMs: Math.round(k), meshfedMs: Math.round(f), ratio: Number((k / f).toFixed(2)) };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.stderr.write(
    `kubectl apply --server-side ${(k / 1000).toFixed(2)} s, meshfed apply ${(f / 1000).toFixed(2)} s: meshfed is ${(k / f).toFixed(2)}x kubectl's speed (target: at least 1.0)\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`bench:apply: ${err.message}\n`);
  process.exit(1);
});
