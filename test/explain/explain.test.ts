import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compileFederation } from "../../src/compile/compile-federation.js";
import { parseFederation } from "../../src/model/parse-federation.js";
import { writeFileTree } from "../../src/output/write-files.js";
import { buildScenario } from "../../src/scenario/build-scenario.js";
import { exampleText, repoRoot } from "../helpers/fixtures.js";
import { runCli } from "../helpers/run-cli.js";

let dir = "";
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "meshfed-explain-"));
  const federation = parseFederation(exampleText).federation!;
  await writeFileTree(dir, buildScenario(federation, compileFederation(federation).compiled!));
});

describe("meshfed explain", () => {
  it("walks an allowed call hop by hop, citing each deciding resource with file:line", async () => {
    const r = await runCli(["explain", dir, "--from", "operations/vault/vault", "--to", "postgres.db.production.mesh:5432"], repoRoot);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("ALLOWED");
    expect(r.stdout).toMatch(/1\. client \(operations\): .*SNI outbound_\.5432_\._\.postgres\.db\.svc\.cluster\.local/);
    expect(r.stdout).toMatch(/decided by DestinationRule vault\/meshfed-production-db-postgres \(.+\.yaml:1\)/);
    expect(r.stdout).toMatch(/2\. gateway \(production\)/);
    expect(r.stdout).toMatch(/3\. server \(production\): .*spiffe:\/\/operations\.nrc\.internal\/ns\/vault\/sa\/vault/);
  });

  it("says where and why a call is denied, and what to do, exiting 4", async () => {
    const r = await runCli(["explain", dir, "--from", "operations/vault/neighbour", "--to", "postgres.db.production.mesh:5432", "-o", "json"], repoRoot);
    expect(r.code).toBe(4);
    const e = JSON.parse(r.stdout);
    expect(e.verdict).toBe("deny");
    expect(e.denied).toMatchObject({ at: "server", code: "MF3008" });
    expect(e.hops.map((h: { at: string }) => h.at)).toEqual(["client", "gateway", "server"]);
    expect(e.hops[2].decidedBy[0]).toMatch(/^AuthorizationPolicy db\/meshfed-postgres-guard \(.+:1\)$/);
  });

  it("denies at the client a namespace that imports nothing", async () => {
    const r = await runCli(["explain", dir, "--from", "operations/observability/grafana", "--to", "postgres.db.production.mesh:5432", "-o", "json"], repoRoot);
    expect(JSON.parse(r.stdout).denied).toMatchObject({ at: "client", code: "MF3001" });
  });

  it.each([
    [["--from", "operations/vault", "--to", "x:1"], /MESH\/NAMESPACE\/SERVICEACCOUNT/],
    [["--from", "operations/vault/vault", "--to", "x"], /HOST:PORT/],
    [["--from", "nowhere/vault/vault", "--to", "x:1"], /no mesh "nowhere"/],
  ])("usage error %j", async (args, message) => {
    const r = await runCli(["explain", dir, ...(args as string[])], repoRoot);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message as RegExp);
  });
});
