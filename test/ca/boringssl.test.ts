// BoringSSL is the TLS library of Envoy, so of every Istio sidecar and gateway. gRPC's Python
// wheels embed it (scripts/grpc-python.sh provides one), so this is mutual TLS verified by
// BoringSSL's X509_verify_cert, the call Envoy's default certificate validator makes.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { repoRoot } from "../helpers/fixtures.js";
import { ISTIOD_NAMES, makeIntermediate, makeRoot, makeServingPair, makeUnconstrainedIntermediate, makeWorkload } from "./helpers.js";

const script = fileURLToPath(new URL("./boringssl-mtls/mtls.py", import.meta.url));
const OPS = "spiffe://operations.nrc.internal/ns/vault/sa/vault";
const PROD = "spiffe://production.nrc.internal/ns/db/sa/postgres";

it("BoringSSL (gRPC) completes mTLS across two meshes and refuses a foreign root and a forged SPIFFE ID", async () => {
  const python = execFileSync("bash", [join(repoRoot, "scripts", "grpc-python.sh")], { encoding: "utf8" }).trim();
  const dir = mkdtempSync(join(tmpdir(), "meshfed-ca-boringssl-"));
  try {
    const root = await makeRoot();
    const production = await makeIntermediate(root, "production", "production.nrc.internal");
    const operations = await makeIntermediate(root, "operations", "operations.nrc.internal");
    const foreign = await makeIntermediate(await makeRoot("foreign root"), "operations", "operations.nrc.internal");
    const unconstrained = await makeUnconstrainedIntermediate(root, "production.nrc.internal");
    // gRPC clients check a DNS name on the server: the server is postgres with istiod's name added
    // (a DNS name the production intermediate may sign).
    const server = await makeServingPair(production, [{ type: "url", value: PROD }, ...ISTIOD_NAMES]);
    const clients = {
      vault: await makeWorkload(operations, OPS),
      foreign: await makeWorkload(foreign, OPS),
      forged: await makeWorkload(production, OPS),
      control: await makeWorkload(unconstrained, OPS),
    };
    const file = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return name;
    };
    const args = [
      script,
      file("root.pem", root.pem),
      file("server.pem", `${server.cert}${production.pem}`),
      file("server-key.pem", server.key),
      "istiod.istio-system.svc",
    ];
    for (const [name, c] of Object.entries(clients)) args.push(file(`${name}.pem`, c.chain), file(`${name}-key.pem`, c.key));
    const run = spawnSync(python, args, { cwd: dir, encoding: "utf8", timeout: 60_000 });
    if (run.error) throw run.error;
    expect(run.status, run.stderr).toBe(0);
    const [vault, foreignRoot, forged, control] = run.stdout.trim().split("\n");
    expect(vault).toBe(`OK ${OPS}`);
    expect(foreignRoot).toBe("REFUSED UNAVAILABLE");
    expect(forged).toBe("REFUSED UNAVAILABLE");
    // The control: the same forged identity under an intermediate without name constraints passes.
    expect(control).toBe(`OK ${OPS}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
