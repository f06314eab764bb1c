import { describe, expect, it } from "vitest";
import { parseFederation } from "../../src/model/parse-federation.js";
import { selectorsOverlap } from "../../src/model/rules/safety-rules.js";
import { minimal } from "../helpers/fixtures.js";

const withConsumerAlias = (alias: string) =>
  minimal.replace("        - principal: operations/vault/vault\n", `        - principal: operations/vault/vault\n          alias: ${JSON.stringify(alias)}\n`);

const twoExports = (first: string, second: string) =>
  minimal.replace(
    "    - service: production/db/postgres\n",
    `    - service: production/db/pgbouncer\n${second}      ports: [{number: 6432}]\n      consumers: [{principal: operations/vault/vault}]\n    - service: production/db/postgres\n${first}`,
  );

const refusals: [string, string, number | undefined, string][] = [
  ["one-label alias", "MF1040", 19, withConsumerAlias("web")],
  ["name.ns alias", "MF1040", 19, withConsumerAlias("postgres.db")],
  ["kubernetes.default alias", "MF1040", 19, withConsumerAlias("kubernetes.default")],
  ["name.ns.svc alias", "MF1041", 19, withConsumerAlias("postgres.db.svc")],
  ["alias under the cluster domain", "MF1041", 19, withConsumerAlias("postgres.db.cluster.local")],
  ["IP literal alias", "MF1042", 19, withConsumerAlias("10.1.2.3")],
  ["numeric top-level label", "MF1042", 19, withConsumerAlias("postgres.db.123")],
  [
    "alias over 253 characters from importDomain",
    "MF1043",
    6,
    minimal.replace("spec:\n", `spec:\n  importDomain: ${Array.from({ length: 4 }, () => "a".repeat(59)).join(".")}\n`),
  ],
  ["export from istio-system", "MF1044", 14, minimal.replace("production/db/postgres", "production/istio-system/postgres")],
  ["empty workloadSelector", "MF1045", 15, minimal.replace("      ports:\n", "      workloadSelector: {}\n      ports:\n")],
  ["overlapping selectors", "MF1046", 19, twoExports("      workloadSelector: {tier: db}\n", "      workloadSelector: {app: pgbouncer, tier: db}\n")],
  ["port 15006", "MF1047", 16, minimal.replace("number: 5432", "number: 15006")],
  [
    "targetPort 15021",
    "MF1047",
    16,
    minimal.replace("number: 5432", "{number: 5432, targetPort: 15021}").replace("- {", "{").replace("        {number", "        - {number"),
  ],
  [
    "one targetPort, two protocols",
    "MF1048",
    17,
    minimal.replace("        - number: 5432\n", "        - {number: 5432, protocol: TCP}\n        - {number: 80, targetPort: 5432, protocol: HTTP}\n"),
  ],
  [
    "two meshes, one gateway address",
    "MF1049",
    13,
    minimal.replace(
      "      trustDomain: operations.nrc.internal\n",
      "      trustDomain: operations.nrc.internal\n      eastWestGateway: {address: 10.20.0.10}\n",
    ),
  ],
  ["vipRange in Istio's auto-allocation range", "MF1050", 6, minimal.replace("spec:\n", "spec:\n  vipRange: 240.240.0.0/16\n")],
  ["vipRange over loopback", "MF1050", 6, minimal.replace("spec:\n", "spec:\n  vipRange: 127.0.0.0/16\n")],
  ["vipRange over multicast", "MF1050", 6, minimal.replace("spec:\n", "spec:\n  vipRange: 239.0.0.0/16\n")],
  ["vipRange over 0/8", "MF1050", 6, minimal.replace("spec:\n", "spec:\n  vipRange: 0.0.0.0/8\n")],
  ["vipRange holding a gateway", "MF1051", 6, minimal.replace("spec:\n", "spec:\n  vipRange: 10.20.0.0/24\n")],
];

describe("refusals read from Istio's source", () => {
  it.each(refusals)("%s: %s at line %s", (_what, code, line, text) => {
    const result = parseFederation(text, "f.yaml");
    expect(result.federation).toBeUndefined();
    const found = result.diagnostics.find((d) => d.code === code);
    expect(found, JSON.stringify(result.diagnostics.map((d) => d.code))).toBeDefined();
    expect(found?.severity).toBe("error");
    expect(found?.position?.line).toBe(line);
    expect(found?.fix.length).toBeGreaterThan(0);
  });

  it.each([
    ["a three-label alias", withConsumerAlias("pg.db.example")],
    ["two disjoint selectors", twoExports("      workloadSelector: {app: postgres, tier: db}\n", "      workloadSelector: {app: pgbouncer, tier: db}\n")],
    ["one targetPort, one protocol", minimal.replace("        - number: 5432\n", "        - {number: 5432}\n        - {number: 5433, targetPort: 5432}\n")],
    ["a custom vipRange clear of special ranges", minimal.replace("spec:\n", "spec:\n  vipRange: 100.64.0.0/16\n")],
  ])("accepts %s", (_what, text) => {
    const result = parseFederation(text, "f.yaml");
    expect(result.diagnostics).toEqual([]);
    expect(result.federation).toBeDefined();
  });

  it("selectors overlap unless a key has two different values", () => {
    expect(selectorsOverlap({ app: "a" }, { tier: "b" })).toBe(true);
    expect(selectorsOverlap({ app: "a" }, { app: "a", tier: "b" })).toBe(true);
    expect(selectorsOverlap({ app: "a", tier: "b" }, { app: "c", tier: "b" })).toBe(false);
  });
});

describe("a long importDomain", () => {
  it("is reported once, at spec.importDomain, however many default aliases it makes too long", () => {
    const text = minimal
      .replace("spec:\n", `spec:\n  importDomain: ${Array.from({ length: 4 }, () => "a".repeat(59)).join(".")}\n`)
      .replace(
        "        - principal: operations/vault/vault\n",
        "        - principal: operations/vault/vault\n        - principal: operations/vault/agent\n        - principal: operations/batch/agent\n",
      );
    const codes = parseFederation(text, "f.yaml").diagnostics.filter((d) => d.code === "MF1043");
    expect(codes).toHaveLength(1);
    expect(codes[0]?.path).toBe("spec.importDomain");
  });
});
