import fc from "fast-check";
import { stringify } from "yaml";

/*
 * Random federation files for the property "validate → scenario → proof: refused or proven".
 * Built mostly from the shapes that broke meshfed (names that collide when joined with "-",
 * 63-character names, shared service accounts, meshes exporting to each other, consumers in
 * several meshes, consumers that are exported workloads, every port protocol, custom
 * aliases), with a few things validate must refuse mixed in (short aliases, proxy ports,
 * istio-system, empty or overlapping selectors, shared trust domains and gateway addresses).
 * Meshes run mixed Istio releases (`istioVersion`): v1beta1 output, and on exporters before
 * 1.18 the PILOT_SKIP_VALIDATE_TRUST_DOMAIN mechanism; a release before 1.8 must be refused.
 */

const MESHES = ["east", "east-eu", "west", "west-eu"];
const NAMESPACES = ["pay", "eu-pay", "pay-api", "api", `ns-${"n".repeat(56)}-x`];
const SERVICES = ["api", "api-gateway", "gateway", "pay-api", `svc-${"s".repeat(55)}-x`];
const ACCOUNTS = ["client", "api", "gateway", "shared"];
const PROTOCOLS = ["TCP", "HTTP", "HTTP2", "GRPC"] as const;

const port = fc.record({
  number: fc.constantFrom(80, 443, 5432, 8080, 9090),
  protocol: fc.constantFrom(...PROTOCOLS),
  // A targetPort of its own (number + 10000), or a second Service port to the same targetPort.
  target: fc.constantFrom<"same" | "own" | "twin">("same", "same", "own", "twin"),
});

const exportArb = fc.record({
  mesh: fc.nat(3),
  namespace: fc.constantFrom(...NAMESPACES),
  service: fc.constantFrom(...SERVICES),
  account: fc.option(fc.constantFrom("shared", "api"), { freq: 2 }),
  selector: fc.constantFrom<"default" | "tier">("default", "default", "default", "tier"),
  ports: fc.array(port, { minLength: 1, maxLength: 3 }),
  consumers: fc.array(fc.record({ mesh: fc.nat(3), namespace: fc.constantFrom(...NAMESPACES), account: fc.constantFrom(...ACCOUNTS) }), {
    minLength: 1,
    maxLength: 3,
  }),
  alias: fc.constantFrom<"default" | "custom">("default", "default", "default", "custom"),
});

/** One thing validate must refuse, put into about one model in four. */
const ODDITIES = [
  "proxy-port",
  "istio-system",
  "empty-selector",
  "overlapping-selector",
  "short-alias",
  "svc-alias",
  "ip-alias",
  "target-protocol-conflict",
  "shared-trust-domain",
  "shared-gateway",
  "vip-range",
  "consumer-cluster-local",
  "istio-too-old",
] as const;
type Oddity = (typeof ODDITIES)[number] | "none";

/** A federation file (YAML text), and how many meshes it has. */
export const federationTextArb = fc
  .record({
    meshCount: fc.integer({ min: 2, max: 4 }),
    ipGateways: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    // "default": no istioVersion line (the oracle's release).
    istioVersions: fc.array(fc.constantFrom("default", "default", "1.8", "1.9.1", "1.16.3", "1.16.4", "1.17", "1.18", "1.21.6", "1.22"), {
      minLength: 4,
      maxLength: 4,
    }),
    oddity: fc.oneof(
      { weight: 3 * ODDITIES.length, arbitrary: fc.constant<Oddity>("none") },
      { weight: ODDITIES.length, arbitrary: fc.constantFrom<Oddity>(...ODDITIES) },
    ),
    exports: fc.array(exportArb, { minLength: 1, maxLength: 6 }),
  })
  .map(({ meshCount, ipGateways, istioVersions, oddity, exports }) => {
    const meshes = MESHES.slice(0, meshCount);
    const seen = new Set<string>();
    const doc = {
      apiVersion: "meshfed.dev/v1alpha1",
      kind: "MeshFederation",
      metadata: { name: "prop" },
      spec: {
        ...(oddity === "vip-range" ? { vipRange: "240.240.0.0/16" } : {}),
        meshes: meshes.map((name, i) => ({
          name,
          trustDomain:
            oddity === "shared-trust-domain" && i === 1
              ? `${meshes[0]}.prop.internal`
              : oddity === "consumer-cluster-local" && i === 1
                ? "cluster.local"
                : `${name}.prop.internal`,
          ...(oddity === "istio-too-old" && i === 0 ? { istioVersion: "1.7.8" } : istioVersions[i] !== "default" ? { istioVersion: istioVersions[i] } : {}),
          eastWestGateway: { address: oddity === "shared-gateway" && i === 1 ? "10.60.0.10" : ipGateways[i] ? `10.${60 + i}.0.10` : `ew.${name}.prop.example` },
        })),
        exports: exports.flatMap((e, index) => {
          const odd = index === 0 ? oddity : "none";
          const mesh = meshes[e.mesh % meshes.length]!;
          const namespace = odd === "istio-system" ? "istio-system" : e.namespace;
          const key = `${mesh}/${namespace}/${e.service}`;
          if (seen.has(key)) return [];
          seen.add(key);
          const alias =
            odd === "short-alias"
              ? "web"
              : odd === "svc-alias"
                ? "api.pay.svc"
                : odd === "ip-alias"
                  ? "10.1.2.3"
                  : e.alias === "custom"
                    ? `${e.service}.${namespace}.${mesh}.alias.example`
                    : undefined;
          // consumer-cluster-local: the first export's consumers come from the mesh with trust domain cluster.local.
          const consumerMesh = (c: { mesh: number }) =>
            odd === "consumer-cluster-local" && mesh !== meshes[1] ? meshes[1]! : meshes[(e.mesh + 1 + (c.mesh % (meshes.length - 1))) % meshes.length]!;
          const consumers = e.consumers
            .map((c) => ({ principal: `${consumerMesh(c)}/${c.namespace}/${c.account}` }))
            .filter((c, i, all) => all.findIndex((x) => x.principal === c.principal) === i)
            .map((c) => ({ ...c, ...(alias !== undefined ? { alias } : {}) }));
          const unique = e.ports.filter((p, i, all) => all.findIndex((x) => x.number === p.number) === i);
          const ports: { number: number; protocol: string; targetPort?: number }[] = unique.flatMap((p) => {
            const own = { number: p.number, protocol: p.protocol, ...(p.target === "own" ? { targetPort: p.number + 10000 } : {}) };
            return p.target === "twin" ? [own, { number: p.number + 1, protocol: p.protocol, targetPort: p.number }] : [own];
          });
          if (odd === "proxy-port") ports.push({ number: 15006, protocol: "TCP" });
          if (odd === "target-protocol-conflict") ports.push({ number: 7070, protocol: "TCP" }, { number: 7071, protocol: "HTTP", targetPort: 7070 });
          const selector =
            odd === "empty-selector"
              ? {}
              : odd === "overlapping-selector"
                ? { tier: "backend" }
                : e.selector === "tier"
                  ? { app: e.service, tier: "backend" }
                  : undefined;
          const extra =
            odd === "overlapping-selector"
              ? [
                  {
                    service: `${mesh}/${namespace}/overlap`,
                    workloadSelector: { app: "overlap", tier: "backend" },
                    ports: [{ number: 80 }],
                    consumers: consumers.map((c) => ({ principal: c.principal })),
                  },
                ]
              : [];
          return [
            {
              service: key,
              ...(e.account !== null ? { serviceAccount: e.account } : {}),
              ...(selector !== undefined ? { workloadSelector: selector } : {}),
              ports,
              consumers,
            },
            ...extra,
          ];
        }),
      },
    };
    return stringify(doc);
  });
