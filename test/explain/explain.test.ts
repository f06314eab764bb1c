import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compileFederation } from "../../src/compile/compile-federation.js";
import { parseFederation } from "../../src/model/parse-federation.js";
import { writeFileTree } from "../../src/output/write-files.js";
import { buildScenario } from "../../src/scenario/build-scenario.js";
import { suggestChange } from "../../src/explain/suggest-change.js";
import { exampleText, minimal, repoRoot } from "../helpers/fixtures.js";
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
    // The same as data, and the call named as verify names its probes.
    expect(e.hops[2].resources[0]).toMatchObject({ kind: "AuthorizationPolicy", namespace: "db", name: "meshfed-postgres-guard", line: 1 });
    expect(e.name).toBe("operations/vault/neighbour -> postgres.db.production.mesh:5432");
    expect(e.probe).toBe(e.name);
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

describe("meshfed explain --model: the change that turns the verdict", () => {
  const model = "examples/nrc/federation.yaml";
  const explain = (...args: string[]) => runCli(["explain", "--model", model, ...args], repoRoot);

  it("a caller that is not a consumer: the consumer to add, as YAML lines placed in the file", async () => {
    const r = await explain("--from", "operations/vault/neighbour", "--to", "postgres.db.production.mesh:5432");
    expect(r.code).toBe(4);
    expect(r.stdout).toContain("Denied at server: MF3008");
    expect(r.stdout).not.toContain("What to do:");
    const tail = r.stdout.trimEnd().split("\n").slice(-3);
    expect(tail).toEqual([
      "To allow this call: add vault/neighbour as a consumer of production/db/postgres",
      `   add to ${model} after line 41 (spec.exports[0].consumers):`,
      "           - principal: operations/vault/neighbour",
    ]);
    // The lines fit where they say: inserted there, the file is valid and admits the caller.
    const lines = readFileSync(join(repoRoot, model), "utf8").split("\n");
    lines.splice(41, 0, tail[2]!.slice(3));
    const parsed = parseFederation(lines.join("\n"), "f.yaml");
    expect(parsed.diagnostics).toEqual([]);
    expect(parsed.federation?.exports[0]?.consumers.map((c) => c.principal.serviceAccount)).toEqual(["vault", "neighbour"]);
  });

  it("-o json carries the change as data", async () => {
    const r = await explain("--from", "operations/vault/neighbour", "--to", "postgres.db.production.mesh:5432", "-o", "json");
    expect(JSON.parse(r.stdout).change).toEqual({
      kind: "add-consumer",
      summary: "add vault/neighbour as a consumer of production/db/postgres",
      at: { file: model, line: 41, path: "spec.exports[0].consumers" },
      yaml: ["        - principal: operations/vault/neighbour"],
    });
  });

  it.each([
    ["the remote Service's own name", "postgres.db.svc.cluster.local:5432", "did you mean postgres.db.production.mesh:5432?"],
    ["a misspelt alias", "postgres.db.prodution.mesh:5432", "did you mean postgres.db.production.mesh:5432?"],
    ["a port the export does not have", "postgres.db.production.mesh:5433", "did you mean postgres.db.production.mesh:5432?"],
    [
      "a host nothing exports",
      "redis.cache.example:6379",
      "vault in operations imports postgres.db.production.mesh:5432, metrics-api.monitoring.staging.mesh:8080,9090; redis.cache.example is none of them",
    ],
  ])("a host not imported under that name (%s): %s", async (_name, to, summary) => {
    const r = await explain("--from", "operations/vault/vault", "--to", to, "-o", "json");
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout).change.summary).toBe(summary);
  });

  it("a new consumer in a namespace that imports under its own alias repeats that alias (one alias per namespace)", () => {
    const text = minimal.replace("principal: operations/vault/vault", "principal: operations/vault/vault\n          alias: pg.db.prod.internal");
    const f = parseFederation(text, "f.yaml").federation!;
    const probe = {
      name: "p",
      from: { mesh: "operations", namespace: "vault", serviceAccount: "other", labels: {} },
      to: { host: "pg.db.prod.internal", port: 5432 },
    };
    expect(suggestChange(f, probe, "deny")).toEqual({
      kind: "add-consumer",
      summary: "add vault/other as a consumer of production/db/postgres",
      at: { file: "f.yaml", line: 19, path: "spec.exports[0].consumers" },
      yaml: ["        - principal: operations/vault/other", "          alias: pg.db.prod.internal"],
    });
    // Dialling the default name instead, it is told which name it will have.
    expect(suggestChange(f, { ...probe, to: { host: "postgres.db.production.mesh", port: 5432 } }, "deny")?.summary).toBe(
      "add vault/other as a consumer of production/db/postgres, then dial pg.db.prod.internal:5432",
    );
    // The consumer itself, dialling the default name: the alias it has.
    expect(
      suggestChange(f, { ...probe, from: { ...probe.from, serviceAccount: "vault" }, to: { host: "postgres.db.production.mesh", port: 5432 } }, "deny"),
    ).toMatchObject({
      kind: "use-host",
      summary: "did you mean pg.db.prod.internal:5432?",
    });
  });

  it("a flow-style consumers list: the entry to put inside it", () => {
    const text = minimal.replace("      consumers:\n        - principal: operations/vault/vault\n", "      consumers: [{principal: operations/vault/vault}]\n");
    const f = parseFederation(text, "f.yaml").federation!;
    const probe = {
      name: "p",
      from: { mesh: "operations", namespace: "vault", serviceAccount: "other", labels: {} },
      to: { host: "postgres.db.production.mesh", port: 5432 },
    };
    expect(suggestChange(f, probe, "deny")).toMatchObject({ at: { line: 17 }, yaml: ["{principal: operations/vault/other}"] });
  });

  it("an allowed call: the consumer to remove to deny it", async () => {
    const r = await explain("--from", "operations/observability/grafana", "--to", "metrics-api.monitoring.production.mesh:8080");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      "To deny this call: remove observability/grafana from the consumers of production/monitoring/metrics-api (its only consumer: remove the export)",
    );
    expect(r.stdout).toContain(`delete from ${model}, line 55 (spec.exports[2].consumers[0]):`);
  });

  it("a scenario directory and the model together: the scenario decides, the model suggests", async () => {
    const r = await runCli(
      ["explain", dir, "--model", model, "--from", "operations/vault/neighbour", "--to", "postgres.db.production.mesh:5432", "-o", "json"],
      repoRoot,
    );
    expect(JSON.parse(r.stdout)).toMatchObject({ verdict: "deny", denied: { code: "MF3008" }, change: { kind: "add-consumer" } });
  });

  it("without the model: the registry's remedy and a pointer to --model", async () => {
    const r = await runCli(["explain", dir, "--from", "operations/vault/neighbour", "--to", "postgres.db.production.mesh:5432"], repoRoot);
    expect(r.stdout).toContain("What to do:");
    expect(r.stdout).toContain("--model");
  });

  it("no directory and no model is a usage error", async () => {
    const r = await runCli(["explain", "--from", "operations/vault/vault", "--to", "x:1"], repoRoot);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--model");
  });
});
