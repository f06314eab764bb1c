import { describe, expect, it } from "vitest";
import { tlsForPort } from "../../src/verify/destination-rule.js";
import type { Resource } from "../../src/verify/types.js";
import { verifyScenario } from "../../src/verify/verify-scenario.js";
import { baseMeshes, exportYaml, importYaml, inlineScenario, vaultProbe } from "./helpers.js";

const rule = (trafficPolicy: Record<string, unknown>): Resource => ({
  apiVersion: "networking.istio.io/v1",
  kind: "DestinationRule",
  name: "pg",
  namespace: "vault",
  metadata: {},
  spec: { host: "postgres.db.production.mesh", trafficPolicy },
  status: {},
  raw: {},
  file: "f.yaml",
  line: 1,
  text: "",
});

describe("DestinationRule TLS for a port (util.go GetPortLevelTrafficPolicy)", () => {
  const top = { mode: "ISTIO_MUTUAL", sni: "outbound_.5432_._.postgres.db.svc.cluster.local" };

  it("a port-level entry for the port replaces the top-level tls, even without tls of its own", () => {
    expect(tlsForPort(rule({ tls: top, portLevelSettings: [{ port: { number: 5432 }, connectionPool: { tcp: { maxConnections: 1 } } }] }), 5432)).toBe(
      undefined,
    );
  });

  it("a port-level entry for another port leaves the top-level tls", () => {
    expect(tlsForPort(rule({ tls: top, portLevelSettings: [{ port: { number: 9999 }, connectionPool: {} }] }), 5432)).toEqual(top);
  });

  it("the first entry for the port wins", () => {
    const pls = [
      { port: { number: 5432 }, tls: { mode: "DISABLE" } },
      { port: { number: 5432 }, tls: top },
    ];
    expect(tlsForPort(rule({ portLevelSettings: pls }), 5432)).toEqual({ mode: "DISABLE" });
  });

  it("verify: top-level ISTIO_MUTUAL with a tls-less port-level entry sends plaintext (scenario 90)", () => {
    const imp = importYaml({}).replace(
      / {2}trafficPolicy:\n {4}portLevelSettings:\n {4}- port: \{number: 5432\}\n {6}tls:/,
      "  trafficPolicy:\n    portLevelSettings:\n    - port: {number: 5432}\n      connectionPool: {tcp: {maxConnections: 10}}\n    tls:",
    );
    const s = inlineScenario(`${baseMeshes}${vaultProbe()}`, { operations: imp, production: exportYaml({}) });
    const probe = verifyScenario(s).verdict.probes[0]!;
    expect({ verdict: probe.verdict, deniedAt: probe.deniedAt, reason: probe.reason, tls: probe.hops[0]?.at === "client" && probe.hops[0].tls }).toEqual({
      verdict: "deny",
      deniedAt: "gateway",
      reason: "MF3003",
      tls: "DISABLE",
    });
  });
});
