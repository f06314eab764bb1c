import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Value } from "@sinclair/typebox/value";
import { beforeAll, describe, expect, it } from "vitest";
import { outputSchemas, schemaFile } from "../../src/cli/output-schemas.js";
import { minimal, repoRoot } from "../helpers/fixtures.js";
import { runCli } from "../helpers/run-cli.js";

type Name = keyof typeof outputSchemas;
const example = "examples/nrc/federation.yaml";
const schemasDir = join(repoRoot, "docs/schemas");
let dir = "";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "meshfed-schemas-"));
  writeFileSync(join(dir, "bad.yaml"), minimal.replace("number: 5432", "number: 0"));
  writeFileSync(join(dir, "v1.yaml"), minimal);
  expect((await runCli(["render", "v1.yaml", "--out", "old"], dir)).code).toBe(0);
  expect((await runCli(["ca", "init", "--out", "ca"], dir)).code).toBe(0);
});

/** Every -o json output, with the schema it must satisfy. */
const cases: readonly (readonly [Name, readonly string[]])[] = [
  ["validate", ["validate", join(repoRoot, example), "-o", "json"]],
  ["validate", ["validate", "bad.yaml", "-o", "json"]],
  ["plan", ["plan", join(repoRoot, example), "-o", "json"]],
  ["plan-against", ["plan", join(repoRoot, example), "--against", "old", "-o", "json"]],
  ["render", ["render", join(repoRoot, example), "-o", "json"]],
  ["verify", ["verify", "--model", join(repoRoot, example), "-o", "json"]],
  ["verify", ["verify", join(repoRoot, "conformance/scenarios/01-canonical-vault-postgres"), "-o", "json"]],
  [
    "explain",
    ["explain", "--model", join(repoRoot, example), "--from", "operations/vault/neighbour", "--to", "postgres.db.production.mesh:5432", "-o", "json"],
  ],
  ["explain", ["explain", "--model", join(repoRoot, example), "--from", "operations/vault/vault", "--to", "postgres.db.production.mesh:5432", "-o", "json"]],
  ["graph", ["graph", join(repoRoot, example), "-o", "json"]],
  ["diagnostics", ["diagnostics", "-o", "json"]],
  ["diagnostics-entry", ["diagnostics", "MF3008", "-o", "json"]],
  ["version", ["version", "-o", "json"]],
  ["rbac", ["rbac", join(repoRoot, example), "--mesh", "production", "-o", "json"]],
  ["report-diff", ["report", "--diff", "v1.yaml", join(repoRoot, example), "-o", "json"]],
  ["ca-inspect", ["ca", "inspect", "ca", "-o", "json"]],
  ["ca-init", ["ca", "init", "--out", "ca2", "-o", "json"]],
  [
    "ca-issue",
    [
      "ca",
      "issue",
      join(repoRoot, example),
      "--mesh",
      "production",
      "--root-cert",
      "ca/root-cert.pem",
      "--root-key",
      "ca/root-key.pem",
      "--out",
      "prod",
      "-o",
      "json",
    ],
  ],
  ["error", ["plan", "bad.yaml", "-o", "json"]],
  ["error", ["render", "v1.yaml", "--out", "x", "-o", "json"]],
  ["error", ["validate", "nowhere.yaml", "-o", "json"]],
];

describe("JSON Schemas of the -o json outputs (docs/schemas/)", () => {
  it.each(cases)("%s: %j validates", async (name, argv) => {
    const r = await runCli([...argv], dir);
    const out: unknown = JSON.parse(r.stdout);
    const errors = [...Value.Errors(outputSchemas[name], out)].slice(0, 5).map((e) => `${e.path}: ${e.message}`);
    expect(errors).toEqual([]);
  });

  it("every shape has a case above, and the files are generated from the definitions (npm run docs:schemas)", () => {
    // diff, apply and doctor need a cluster: test/kube/mesh-forms.test.ts checks them on the rig.
    expect(new Set([...cases.map(([n]) => n), "diff", "apply", "doctor"])).toEqual(new Set(Object.keys(outputSchemas)));
    const files = readdirSync(schemasDir).filter((f) => f.endsWith(".schema.json"));
    expect(files.sort()).toEqual(
      Object.keys(outputSchemas)
        .map((n) => `${n}.schema.json`)
        .sort(),
    );
    for (const name of Object.keys(outputSchemas) as Name[]) {
      expect(readFileSync(join(schemasDir, `${name}.schema.json`), "utf8"), `docs/schemas/${name}.schema.json is stale: run npm run docs:schemas`).toBe(
        schemaFile(name),
      );
    }
  });

  it("the schemas are closed: a field meshfed does not write fails them", async () => {
    const r = await runCli(["version", "-o", "json"], dir);
    expect(Value.Check(outputSchemas.version, { ...JSON.parse(r.stdout), extra: 1 })).toBe(false);
    const v = JSON.parse((await runCli(["validate", "bad.yaml", "-o", "json"], dir)).stdout);
    v.diagnostics[0].severity = "fatal";
    expect(Value.Check(outputSchemas.validate, v)).toBe(false);
  });
});
