import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { minimal, repoRoot } from "../helpers/fixtures.js";
import { runCli } from "../helpers/run-cli.js";

/**
 * `plan --against`: golden output for adding a consumer in a third mesh (and the reverse), with
 * the order and restarts asserted as behaviour. Regenerate the golden files with
 * `npm run golden:update` (UPDATE_GOLDEN=1) and read the diff.
 */
const goldenDir = join(repoRoot, "test/golden/plan-against");
const update = process.env.UPDATE_GOLDEN === "1";

function golden(name: string, actual: string): void {
  const file = join(goldenDir, name);
  if (update) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  expect(actual, `${relative(repoRoot, file)} differs: if intended, run npm run golden:update and review the diff`).toBe(readFileSync(file, "utf8"));
}

/** Three meshes; production exports postgres to operations. */
const v1 = minimal.replace("  exports:\n", "    - name: staging\n      trustDomain: staging.nrc.internal\n  exports:\n");
/** The same, and staging's backup job becomes a consumer too. */
const v2 = v1.replace("        - principal: operations/vault/vault\n", "        - principal: operations/vault/vault\n        - principal: staging/backup/backup\n");

let dir = "";
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "meshfed-plan-against-"));
  writeFileSync(join(dir, "v1.yaml"), v1);
  writeFileSync(join(dir, "v2.yaml"), v2);
  for (const v of ["v1", "v2"]) expect((await runCli(["render", `${v}.yaml`, "--out", v], dir)).code).toBe(0);
});

const plan = (file: string, against: string, ...flags: string[]) => runCli(["plan", file, "--against", against, ...flags], dir);

describe("meshfed plan --against a previous render", () => {
  it("adding a consumer: install first, exporter before consumer, then the restart DNS capture needs", async () => {
    const r = await plan("v2.yaml", "v1");
    expect(r.code).toBe(0);
    golden("add.txt", r.stdout);
    const json = await plan("v2.yaml", "v1", "-o", "json");
    golden("add.json", json.stdout);
    const p = JSON.parse(json.stdout);
    expect(p.rollout.map((s: { mesh: string; action: string }) => `${s.mesh}:${s.action}`)).toEqual([
      "production:install",
      "production:apply",
      "staging:apply",
      "staging:restart",
    ]);
    const staging = p.meshes.find((m: { mesh: string }) => m.mesh === "staging");
    // dnsCapture: namespaces (the default): the new consumer's pods get the annotation, then a restart.
    expect(staging.restarts).toEqual([
      {
        namespace: "backup",
        serviceAccounts: ["backup"],
        annotation: `proxy.istio.io/config: '{"proxyMetadata":{"ISTIO_META_DNS_CAPTURE":"true"}}'`,
        reason: expect.stringContaining("DNS capture for imported hosts"),
      },
    ]);
    const production = p.meshes.find((m: { mesh: string }) => m.mesh === "production");
    expect(production.install.added).toEqual([{ file: "istiod-values.yaml", path: "meshConfig.caCertificates[].trustDomains[]", value: "staging.nrc.internal" }]);
    expect(production.resources.changed).toEqual([
      { kind: "AuthorizationPolicy", namespace: "db", name: "meshfed-postgres-guard", fields: ["spec.rules"], direction: "widens" },
    ]);
  });

  it("-o markdown for a pull-request comment", async () => {
    const r = await plan("v2.yaml", "v1", "-o", "markdown");
    golden("add.md", r.stdout);
    expect(r.stdout).toMatch(/^### meshfed plan: `nrc` against `v1`\n/);
    expect(r.stdout).toContain("| staging | changed | 2 / 0 / 0 | 0 / 0 / 0 | backup |");
  });

  it("removing it: consumer before exporter, and the install settings to remove by hand last", async () => {
    const r = await plan("v1.yaml", "v2");
    golden("remove.txt", r.stdout);
    const p = JSON.parse((await plan("v1.yaml", "v2", "-o", "json")).stdout);
    expect(p.rollout.map((s: { mesh: string; action: string }) => `${s.mesh}:${s.action}`)).toEqual([
      "staging:delete",
      "production:delete",
      "production:remove-install-settings",
    ]);
    expect(p.rollout[1].items).toEqual(["~ AuthorizationPolicy db/meshfed-postgres-guard (spec.rules, narrowed)"]);
    expect(p.rollout[2].items).toEqual(["- istiod-values.yaml: meshConfig.caCertificates[].trustDomains[] = staging.nrc.internal"]);
  });

  it("no change against its own render", async () => {
    const r = await plan("v2.yaml", "v2", "-o", "json");
    const p = JSON.parse(r.stdout);
    expect(p.changed).toBe(false);
    expect(p.rollout).toEqual([]);
    expect(p.meshes.every((m: { status: string }) => m.status === "unchanged")).toBe(true);
  });

  it("--mesh keeps one mesh", async () => {
    const p = JSON.parse((await plan("v2.yaml", "v1", "--mesh", "staging", "-o", "json")).stdout);
    expect(p.meshes.map((m: { mesh: string }) => m.mesh)).toEqual(["staging"]);
    expect(p.rollout.map((s: { action: string }) => s.action)).toEqual(["apply", "restart"]);
  });

  it("a mesh that leaves the federation: all of it removed", async () => {
    const two = v2.replace("        - principal: staging/backup/backup\n", "").replace("    - name: staging\n      trustDomain: staging.nrc.internal\n", "");
    writeFileSync(join(dir, "two.yaml"), two);
    const p = JSON.parse((await plan("two.yaml", "v2", "-o", "json")).stdout);
    const staging = p.meshes.find((m: { mesh: string }) => m.mesh === "staging");
    expect(staging.status).toBe("removed");
    expect(staging.resources.removed.map((r: { kind: string }) => r.kind)).toEqual(["ServiceEntry", "DestinationRule"]);
  });

  it.each([
    [["--against", "nowhere"], 2, /--against nowhere: no such directory/],
    [["--against", "v1.yaml"], 2, /not a directory/],
    [["--against", "."], 3, /MF2011/],
    [["-o", "markdown"], 2, /-o markdown is not supported here/],
  ])("%j exits %i", async (flags, code, message) => {
    const r = await runCli(["plan", "v2.yaml", ...(flags as string[])], dir);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message as RegExp);
  });

  it("a previous tree with a broken file is refused with its place (MF2010)", async () => {
    const broken = mkdtempSync(join(tmpdir(), "meshfed-plan-broken-"));
    expect((await runCli(["render", join(dir, "v1.yaml"), "--out", broken], dir)).code).toBe(0);
    writeFileSync(join(broken, "production", "gateway.istio-system.extra.yaml"), "kind: Gateway\nmetadata: [oops\n");
    const r = await runCli(["plan", "v2.yaml", "--against", broken], dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/error MF2010: .*production\/gateway\.istio-system\.extra\.yaml:\d+/);
  });
});
