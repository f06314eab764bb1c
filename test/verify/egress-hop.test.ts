import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { minimal, repoRoot } from "../helpers/fixtures.js";
import { runCli } from "../helpers/run-cli.js";

/** `minimal` with operations' imports leaving through its egress gateway. */
const withEgress = minimal.replace("      trustDomain: operations.nrc.internal\n", "      trustDomain: operations.nrc.internal\n      egressGateway: {}\n");

function write(text: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "meshfed-egress-"));
  const file = join(dir, "federation.yaml");
  writeFileSync(file, text);
  return { dir, file };
}

describe("verify follows the consumer mesh's egress gateway", () => {
  it("verify --model passes on meshfed's own egress output: client, egress, gateway, server, the consumer's own identity", async () => {
    const { file } = write(withEgress);
    const r = await runCli(["verify", "--model", file, "-o", "json"], repoRoot);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const v = JSON.parse(r.stdout);
    expect(v.findings).toEqual([]);
    const vault = v.probes.find((p: { name: string }) => p.name.startsWith("operations/vault/vault ->"));
    expect(vault.verdict).toBe("allow");
    expect(vault.hops.map((h: { at: string; mesh: string }) => `${h.at} ${h.mesh}`)).toEqual([
      "client operations",
      "egress operations",
      "gateway production",
      "server production",
    ]);
    expect(vault.hops[0].endpoint).toBe("istio-egressgateway.istio-system.svc.cluster.local:15443");
    expect(vault.hops[1].matched).toBe("outbound_.5432_._.postgres.db.svc.cluster.local");
    expect(vault.hops[3].peer).toBe("spiffe://operations.nrc.internal/ns/vault/sa/vault");
    const neighbour = v.probes.find((p: { name: string }) => p.name.startsWith("operations/vault/neighbour ->"));
    expect([neighbour.verdict, neighbour.deniedAt, neighbour.reason, neighbour.hops.length]).toEqual(["deny", "server", "MF3008", 4]);
  });

  it("without the egress Gateway the call stops at the egress gateway (MF3004), as the oracle says", async () => {
    const { dir, file } = write(withEgress);
    const out = join(dir, "scenario");
    expect((await runCli(["scenario", file, "--out", out], repoRoot)).code).toBe(0);
    rmSync(join(out, "operations/gateway.istio-system.meshfed-production-db-postgres-egress.yaml"));
    const r = await runCli(["verify", out, "-o", "json"], repoRoot);
    const vault = JSON.parse(r.stdout).probes.find((p: { name: string }) => p.name.startsWith("operations/vault/vault ->"));
    expect([vault.verdict, vault.deniedAt, vault.reason]).toEqual(["deny", "gateway", "MF3004"]);
    expect(vault.hops.map((h: { at: string }) => h.at)).toEqual(["client", "egress"]);
    expect(r.code).toBe(4);
  });

  it("explain names the egress hop", async () => {
    const { dir, file } = write(withEgress);
    const out = join(dir, "scenario");
    expect((await runCli(["scenario", file, "--out", out], repoRoot)).code).toBe(0);
    const r = await runCli(["explain", out, "--from", "operations/vault/vault", "--to", "postgres.db.production.mesh:5432"], repoRoot);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("2. egress (operations): The egress gateway of operations reads the SNI");
  });
});
