import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { loadScenario } from "../../src/cli/read-files.js";
import { repoRoot } from "../helpers/fixtures.js";

/**
 * Invalid is invalid: an Istio resource the API server (its CRD schema and CEL rules) or istiod's
 * validation refuses is refused by the oracle (exit 3) and by verify (MF3104), and a valid edit
 * of the same field is refused by neither. Each case edits one resource of corpus scenario 01.
 * Run by `npm run test:conformance` with MESHFED_ORACLE naming the built oracle.
 */
const oracle = process.env.MESHFED_ORACLE;
if (!oracle || !existsSync(oracle)) throw new Error("MESHFED_ORACLE must name the oracle binary (bash conformance/run-oracle.sh builds it)");

const base = join(repoRoot, "conformance/scenarios/01-canonical-vault-postgres");
type Doc = Record<string, any>;
const EXPORT = "production/meshfed-export.yaml";
const IMPORT = "operations/meshfed-import.yaml";

/** [name, file, kind, edit, refused] */
const cases: [string, string, string, (d: Doc) => void, boolean][] = [
  ["Gateway port number quoted (a string to the API server)", EXPORT, "Gateway", (d) => (d.spec.servers[0].port.number = "15443"), true],
  ["Gateway server with an unknown field", EXPORT, "Gateway", (d) => (d.spec.servers[0].sniHosts = ["x.example"]), true],
  ["Gateway tls mode outside the enum", EXPORT, "Gateway", (d) => (d.spec.servers[0].tls.mode = "PASSTHRU"), true],
  ["Gateway port without a name", EXPORT, "Gateway", (d) => delete d.spec.servers[0].port.name, true],
  ["Gateway bind set to null (the API server drops it: as if absent)", EXPORT, "Gateway", (d) => (d.spec.servers[0].bind = null), false],
  [
    "PeerAuthentication portLevelMtls without a selector",
    EXPORT,
    "PeerAuthentication",
    (d) => {
      delete d.spec.selector;
      d.spec.portLevelMtls = { "5432": { mode: "STRICT" } };
    },
    true,
  ],
  ["PeerAuthentication portLevelMtls on port 0", EXPORT, "PeerAuthentication", (d) => (d.spec.portLevelMtls = { "0": { mode: "STRICT" } }), true],
  [
    "PeerAuthentication portLevelMtls on 5432 with a selector",
    EXPORT,
    "PeerAuthentication",
    (d) => (d.spec.portLevelMtls = { "5432": { mode: "STRICT" } }),
    false,
  ],
  ["AuthorizationPolicy action outside the enum", EXPORT, "AuthorizationPolicy", (d) => (d.spec.action = "DENIED"), true],
  ["ServiceEntry resolution outside the enum", IMPORT, "ServiceEntry", (d) => (d.spec.resolution = "STATICAL"), true],
  ["ServiceEntry endpoint port 0 (a CEL rule)", IMPORT, "ServiceEntry", (d) => (d.spec.endpoints[0].ports = { "tcp-5432": 0 }), true],
  ["ServiceEntry host *", IMPORT, "ServiceEntry", (d) => (d.spec.hosts = ["*"]), true],
  ["ServiceEntry with a workloadSelector and endpoints", IMPORT, "ServiceEntry", (d) => (d.spec.workloadSelector = { labels: { app: "x" } }), true],
  [
    "DestinationRule connectTimeout that is no duration",
    IMPORT,
    "DestinationRule",
    (d) => (d.spec.trafficPolicy.connectionPool = { tcp: { connectTimeout: "1x" } }),
    true,
  ],
  ["DestinationRule connectTimeout of 2s", IMPORT, "DestinationRule", (d) => (d.spec.trafficPolicy.connectionPool = { tcp: { connectTimeout: "2s" } }), false],
  ["DestinationRule subset label value y (a YAML 1.1 boolean)", IMPORT, "DestinationRule", (d) => (d.spec.subsets = [{ name: "a", labels: { v: "y" } }]), true],
];

function edited(file: string, kind: string, edit: (d: Doc) => void): string {
  const dir = mkdtempSync(join(tmpdir(), "meshfed-invalid-"));
  cpSync(base, dir, { recursive: true });
  const docs = parseAllDocuments(readFileSync(join(base, file), "utf8")).map((d) => d.toJS() as Doc);
  const target = docs.find((d) => d?.kind === kind);
  if (!target) throw new Error(`${file} has no ${kind}`);
  edit(target);
  // `y` must stay the plain scalar `y` (a boolean to Kubernetes), not the quoted string.
  writeFileSync(join(dir, file), docs.map((d) => stringify(d, { defaultStringType: "PLAIN" }).replace(/v: "y"/g, "v: y")).join("---\n"));
  return dir;
}

describe("what Istio refuses, both tools refuse", () => {
  it.each(cases)(
    "%s",
    async (_name, file, kind, edit, refused) => {
      const dir = edited(file, kind, edit);
      const o = spawnSync(oracle, [dir], { encoding: "utf8" });
      const loaded = await loadScenario(dir, repoRoot);
      const codes = loaded.diagnostics.filter((d) => d.severity === "error").map((d) => d.code);
      if (refused) {
        expect(o.status, o.stderr).toBe(3);
        expect(codes).toContain("MF3104");
      } else {
        expect(o.status === 0 || o.status === 4, o.stderr).toBe(true);
        expect(codes).toEqual([]);
      }
    },
    120_000,
  );

  it("the oracle names the API server's reason", () => {
    const dir = edited(EXPORT, "Gateway", (d) => (d.spec.servers[0].port.number = "15443"));
    let stderr = "";
    try {
      execFileSync(oracle, [dir], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (err) {
      stderr = String((err as { stderr?: string }).stderr);
    }
    expect(stderr).toMatch(
      /the API server refuses it: spec\.servers\[0\]\.port\.number: Invalid value: "string": spec\.servers\[0\]\.port\.number in body must be of type integer/,
    );
  });
});
