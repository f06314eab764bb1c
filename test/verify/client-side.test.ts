import { describe, expect, it } from "vitest";
import { tlsForPort } from "../../src/verify/destination-rule.js";
import { verifyScenario } from "../../src/verify/verify-scenario.js";
import { baseMeshes, destinationRule as rule, exportYaml, importYaml, inlineScenario, vaultProbe } from "./helpers.js";

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

describe("ServiceEntry addresses (conversion.go convertServices, listener.go buildSidecarOutboundListener)", () => {
  const probe = (name: string, host: string) => `- name: ${name}
  from: {mesh: operations, namespace: vault, serviceAccount: vault, labels: {app: vault}}
  to: {host: ${host}, port: 5432}
`;
  const run = (addresses: string, hosts: readonly string[]) => {
    const imp = importYaml({}).replace("addresses: [240.241.2.10]", `addresses: [${addresses}]`);
    const s = inlineScenario(`${baseMeshes}probes:\n${hosts.map((h, i) => probe(`p${i}`, h)).join("")}`, {
      operations: imp,
      production: exportYaml({}),
    });
    return verifyScenario(s).verdict.probes.map((p) => `${p.verdict}${p.reason ? ` ${p.reason}` : ""} ${p.hops[0]?.at === "client" ? p.hops[0].cluster : ""}`);
  };
  const routed = "allow outbound|5432||postgres.db.production.mesh";

  it("every address of the entry has a listener routing to its cluster", () => {
    expect(run("240.241.2.12, 240.241.2.10", ["240.241.2.12", "240.241.2.10", "postgres.db.production.mesh"])).toEqual([routed, routed, routed]);
  });

  it("a range listens on 0.0.0.0 with a prefix match; a /32 is the bare address", () => {
    expect(run("240.241.2.10/32, 240.241.3.0/24", ["240.241.2.10", "240.241.3.200", "240.241.4.1"])).toEqual([
      routed,
      routed,
      "deny MF3001 PassthroughCluster",
    ]);
  });

  it("a name whose only address is a range resolves to nothing", () => {
    expect(run("240.241.3.0/24", ["postgres.db.production.mesh", "240.241.3.9"])).toEqual(["deny MF3001 PassthroughCluster", routed]);
  });
});

describe("DestinationRule credentialName on a sidecar (cluster_tls.go buildUpstreamClusterTLSContext)", () => {
  const run = (tls: string, selector = "") => {
    const imp = importYaml({}).replace(/tls:\n {8}mode: ISTIO_MUTUAL\n {8}sni: (\S+)\n {8}subjectAltNames: \[[^\]]*\]/, `tls: {${tls}, sni: $1}`);
    const withSelector = selector
      ? imp.replace('  exportTo: ["."]\n  trafficPolicy:', `  workloadSelector: {matchLabels: ${selector}}\n  trafficPolicy:`)
      : imp;
    const s = inlineScenario(`${baseMeshes}${vaultProbe()}`, { operations: withSelector, production: exportYaml({}) });
    const p = verifyScenario(s).verdict.probes[0]!;
    return `${p.hops[0]?.at === "client" ? p.hops[0].tls : ""} ${p.deniedAt} ${p.reason}`;
  };

  it("a Secret credential in a rule without workloadSelector gives the sidecar no TLS: plaintext", () => {
    expect(run("mode: MUTUAL, credentialName: vault-cert")).toBe("DISABLE gateway MF3003");
    expect(run("mode: SIMPLE, credentialName: kubernetes://vault-cert")).toBe("DISABLE gateway MF3003");
  });

  it("with a workloadSelector, or a configmap:// credential, the sidecar originates that TLS", () => {
    expect(run("mode: MUTUAL, credentialName: vault-cert", "{app: vault}")).toBe("MUTUAL gateway MF3004");
    expect(run("mode: SIMPLE, credentialName: configmap://vault/ca")).toBe("SIMPLE gateway MF3004");
  });
});

describe("the client sidecar's catch-all (listener_builder.go buildOutboundCatchAllNetworkFiltersOnly)", () => {
  const ipProbe = `probes:
- name: p
  from: {mesh: operations, namespace: vault, serviceAccount: vault, labels: {app: vault}}
  to: {host: 192.0.2.7, port: 8080}
`;
  const run = (meshConfig: string, sidecar: string) => {
    const meshes = meshConfig
      ? baseMeshes.replace("  eastWestGateway: {address: 10.10.0.10", `  meshConfig: ${meshConfig}\n  eastWestGateway: {address: 10.10.0.10`)
      : baseMeshes;
    const sc = sidecar
      ? `---\napiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: vault}\nspec:\n  outboundTrafficPolicy: ${sidecar}\n`
      : "";
    const s = inlineScenario(`${meshes}${ipProbe}`, { operations: `${importYaml({})}${sc}`, production: exportYaml({}) });
    const p = verifyScenario(s).verdict.probes[0]!;
    return p.hops[0]?.at === "client" ? `${p.hops[0].cluster} ${p.hops[0].endpoint} ${p.deniedAt ?? "allow"}` : "";
  };

  it("ALLOW_ANY (the mesh default) passes through, REGISTRY_ONLY goes to the black hole", () => {
    expect(run("", "")).toBe("PassthroughCluster 192.0.2.7:8080 client");
    expect(run("{outboundTrafficPolicy: {mode: REGISTRY_ONLY}}", "")).toBe("BlackHoleCluster null client");
  });

  it("a Sidecar's policy replaces the mesh's; written without mode it is REGISTRY_ONLY", () => {
    expect(run("{outboundTrafficPolicy: {mode: REGISTRY_ONLY}}", "{mode: ALLOW_ANY}")).toBe("PassthroughCluster 192.0.2.7:8080 client");
    expect(run("", "{}")).toBe("BlackHoleCluster null client");
  });

  it("an egressProxy takes what no listener takes", () => {
    expect(run("", "{mode: ALLOW_ANY, egressProxy: {host: postgres.db.production.mesh, port: {number: 5432}}}")).toBe(
      "outbound|5432||postgres.db.production.mesh 10.20.0.10:15443 allow",
    );
  });
});

describe("SIMPLE / MUTUAL SANs (cluster_tls.go constructUpstreamTLS)", () => {
  const sans = (tls: string) => {
    const imp = importYaml({})
      .replace("  location: MESH_INTERNAL", "  location: MESH_INTERNAL\n  subjectAltNames: [spiffe://production.nrc.internal/ns/db/sa/postgres]")
      .replace(/tls:\n {8}mode: ISTIO_MUTUAL\n {8}sni: (\S+)\n {8}subjectAltNames: \[[^\]]*\]/, `tls: {${tls}, sni: $1}`);
    const s = inlineScenario(`${baseMeshes}${vaultProbe()}`, { operations: imp, production: exportYaml({}) });
    const hop = verifyScenario(s).verdict.probes[0]!.hops[0]!;
    return hop.at === "client" ? hop.sans : [];
  };

  it("without SANs of its own the rule verifies the ServiceEntry's; insecureSkipVerify verifies none", () => {
    expect(sans("mode: SIMPLE")).toEqual(["spiffe://production.nrc.internal/ns/db/sa/postgres"]);
    expect(sans("mode: SIMPLE, subjectAltNames: [x.example]")).toEqual(["x.example"]);
    expect(sans("mode: SIMPLE, insecureSkipVerify: true")).toEqual([]);
  });
});

describe("headless and ExternalName Services of the client's namespace (listener.go buildSidecarOutboundListeners)", () => {
  const local = `---
apiVersion: v1
kind: Service
metadata: {name: replica, namespace: vault}
spec:
  clusterIP: None
  selector: {app: replica}
  ports: [{name: tcp-pg, port: 5432, protocol: TCP}]
---
apiVersion: v1
kind: Pod
metadata: {name: replica-0, namespace: vault, labels: {app: replica}}
spec: {serviceAccountName: replica}
status: {podIP: 10.1.1.20}
---
apiVersion: v1
kind: Service
metadata: {name: alias, namespace: vault}
spec:
  type: ExternalName
  externalName: postgres.db.production.mesh
  ports: [{name: tcp-pg, port: 5432, protocol: TCP}]
`;
  const run = (host: string) => {
    const imp = `${importYaml({}).replace("  addresses: [240.241.2.10]\n", "")}${local}`;
    const s = inlineScenario(
      `${baseMeshes}probes:\n- name: p\n  from: {mesh: operations, namespace: vault, serviceAccount: vault, labels: {app: vault}}\n  to: {host: ${host}, port: 5432}\n`,
      {
        operations: imp,
        production: exportYaml({}),
      },
    );
    const p = verifyScenario(s).verdict.probes[0]!;
    return p.hops[0]?.at === "client" ? `${p.verdict} ${p.hops[0].cluster} ${p.hops[0].tls} ${p.hops[0].endpoint}` : "";
  };

  it("neither takes 0.0.0.0:5432 from an address-less ServiceEntry", () => {
    expect(run("postgres.db.production.mesh")).toBe("allow outbound|5432||postgres.db.production.mesh ISTIO_MUTUAL 10.20.0.10:15443");
    expect(run("alias.vault.svc.cluster.local")).toBe("allow outbound|5432||postgres.db.production.mesh ISTIO_MUTUAL 10.20.0.10:15443");
  });

  it("a headless Service listens on its pods; its original-destination cluster names no endpoint", () => {
    expect(run("10.1.1.20")).toBe("deny outbound|5432||replica.vault.svc.cluster.local ISTIO_MUTUAL null");
  });
});

describe("ServiceEntry location (conversion.go convertServices: MESH_EXTERNAL is the zero value)", () => {
  const tls = (location: string) => {
    const imp = importYaml({ dr: false })
      .replace("  location: MESH_INTERNAL\n", location ? `  location: ${location}\n` : "")
      .replace("endpoints: [{address: 10.20.0.10,", "endpoints: [{address: 10.20.0.10, labels: {security.istio.io/tlsMode: istio},");
    const s = inlineScenario(`${baseMeshes}${vaultProbe()}`, { operations: imp, production: exportYaml({}) });
    const hop = verifyScenario(s).verdict.probes[0]!.hops[0]!;
    return hop.at === "client" ? hop.tls : "";
  };

  it("an entry without location gets no auto mTLS, as a MESH_EXTERNAL one", () => {
    expect(tls("MESH_INTERNAL")).toBe("ISTIO_MUTUAL");
    expect(tls("")).toBe("DISABLE");
    expect(tls("MESH_EXTERNAL")).toBe("DISABLE");
  });
});

describe("ServiceEntry endpoints by locality (endpoint_builder.go generate)", () => {
  const endpoint = (first: string, second: string) => {
    const imp = importYaml({}).replace(
      "endpoints: [{address: 10.20.0.10, ports: {tcp-5432: 15443}}]",
      `endpoints: [{address: 10.2.1.10, locality: ${first}, ports: {tcp-5432: 5432}}, {address: 10.20.0.10, locality: ${second}, ports: {tcp-5432: 15443}}]`,
    );
    const s = inlineScenario(`${baseMeshes}${vaultProbe()}`, { operations: imp, production: exportYaml({}) });
    const hop = verifyScenario(s).verdict.probes[0]!.hops[0]!;
    return hop.at === "client" ? hop.endpoint : "";
  };

  it("the first endpoint is the first of the lowest locality, not the first written", () => {
    expect(endpoint("us-east/b", "eu-west/a")).toBe("10.20.0.10:15443");
    expect(endpoint("eu-west/a", "us-east/b")).toBe("10.2.1.10:5432");
    expect(endpoint("eu-west/a", "eu-west/a")).toBe("10.2.1.10:5432");
  });
});

describe("a NONE ServiceEntry with workloadSelector (listener.go buildSidecarOutboundListeners)", () => {
  const run = (selector: string) => {
    const none = `---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: local-db, namespace: vault}
spec:
  hosts: [local-db.vault.internal]
  ports: [{number: 5432, name: tcp-5432, protocol: TCP}]
  location: MESH_INTERNAL
  resolution: NONE
  workloadSelector: {labels: ${selector}}
---
apiVersion: v1
kind: Pod
metadata: {name: db-0, namespace: vault, labels: {app: db}}
spec: {serviceAccountName: db}
status: {podIP: 10.1.1.30}
`;
    const s = inlineScenario(
      `${baseMeshes}probes:\n- name: p\n  from: {mesh: operations, namespace: vault, serviceAccount: vault, labels: {app: vault}}\n  to: {host: 10.1.1.30, port: 5432}\n`,
      { operations: `${importYaml({})}${none}`, production: exportYaml({}) },
    );
    const hop = verifyScenario(s).verdict.probes[0]!.hops[0]!;
    return hop.at === "client" ? `${hop.cluster} ${hop.tls} ${hop.sans.join(",")}` : "";
  };

  it("listens on the pods it selects, with auto mTLS when all carry a sidecar, not on 0.0.0.0", () => {
    expect(run("{app: db}")).toBe("outbound|5432||local-db.vault.internal ISTIO_MUTUAL spiffe://operations.nrc.internal/ns/vault/sa/db");
    expect(run("{app: nothing}")).toBe("PassthroughCluster DISABLE ");
  });
});

describe("a DestinationRule load balancer PASSTHROUGH (cluster_builder.go: ORIGINAL_DST)", () => {
  const run = (where: "port" | "top") => {
    const imp =
      where === "port"
        ? importYaml({}).replace("    - port: {number: 5432}\n", "    - port: {number: 5432}\n      loadBalancer: {simple: PASSTHROUGH}\n")
        : importYaml({}).replace("  trafficPolicy:\n", "  trafficPolicy:\n    loadBalancer: {simple: PASSTHROUGH}\n");
    const s = inlineScenario(`${baseMeshes}${vaultProbe()}`, { operations: imp, production: exportYaml({}) });
    const p = verifyScenario(s).verdict.probes[0]!;
    return `${p.verdict} ${p.reason} ${p.hops[0]?.at === "client" ? p.hops[0].endpoint : ""}`;
  };

  it("on the called port the cluster dials the original destination: no gateway endpoint", () => {
    expect(run("port")).toBe("deny MF3002 null");
  });

  it("at the top of a rule whose port-level entry replaces it, it does not apply", () => {
    expect(run("top")).toBe("allow null 10.20.0.10:15443");
  });
});
