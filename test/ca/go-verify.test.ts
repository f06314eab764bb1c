// Go's crypto/x509 verifies for Istio's control plane (istio-agent dialing istiod, istiod reading
// cacerts) and for the Kubernetes API server calling istiod's webhooks: the constrained
// intermediate must keep istiod working there, and refuse there what OpenSSL refuses.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { ISTIOD_NAMES, makeIntermediate, makeRoot, makeServing, makeWorkload } from "./helpers.js";

const program = fileURLToPath(new URL("./go-verify/main.go", import.meta.url));

it("Go's crypto/x509 accepts istiod's names and the mesh's SPIFFE IDs, and refuses other trust domains, DNS names and IPs", async () => {
  const dir = mkdtempSync(join(tmpdir(), "meshfed-ca-go-"));
  try {
    const root = await makeRoot();
    const production = await makeIntermediate(root, "production", "production.nrc.internal");
    const leaves: Record<string, string> = {
      istiod: await makeServing(production, ISTIOD_NAMES),
      workload: (await makeWorkload(production, "spiffe://production.nrc.internal/ns/db/sa/postgres")).cert,
      forged: (await makeWorkload(production, "spiffe://operations.nrc.internal/ns/vault/sa/vault")).cert,
      dns: await makeServing(production, [{ type: "dns", value: "bank.example.com" }]),
      ip: await makeServing(production, [{ type: "ip", value: "10.0.0.1" }]),
    };
    writeFileSync(join(dir, "root.pem"), root.pem);
    writeFileSync(join(dir, "inter.pem"), production.pem);
    for (const [name, pem] of Object.entries(leaves)) writeFileSync(join(dir, `${name}.pem`), pem);
    const run = spawnSync("go", ["run", program, "root.pem", "inter.pem", ...Object.keys(leaves).map((n) => `${n}.pem`)], { cwd: dir, encoding: "utf8" });
    if (run.error) throw run.error;
    expect(run.stderr).toBe("");
    const verdicts = Object.fromEntries(
      run.stdout
        .trim()
        .split("\n")
        .map((line) => [line.slice(0, line.indexOf(".pem")), line.slice(line.indexOf(": ") + 2)]),
    );
    expect(verdicts.istiod).toBe("OK");
    expect(verdicts.workload).toBe("OK");
    expect(verdicts.forged).toMatch(/URI "spiffe:\/\/operations\.nrc\.internal\/ns\/vault\/sa\/vault" is not permitted/);
    expect(verdicts.dns).toMatch(/DNS name "bank\.example\.com" is not permitted/);
    expect(verdicts.ip).toMatch(/IP address "10\.0\.0\.1" is excluded/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
