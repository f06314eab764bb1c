import fc from "fast-check";
import { stringify } from "yaml";

/*
 * Random federation files for the property "validate → scenario → proof: refused or proven".
 * Built mostly from the shapes that broke meshfed (names that collide when joined with "-",
 * 63-character names, shared service accounts, meshes exporting to each other, consumers in
 * several meshes, consumers that are exported workloads, every port protocol, custom
 * aliases), with a few things validate must refuse mixed in (short aliases, proxy ports,
 * istio-system, empty or overlapping selectors, shared trust domains and gateway addresses).
 */

const MESHES = ["east", "east-eu", "west", "west-eu"];
const NAMESPACES = ["pay", "eu-pay", "pay-api", "api", `ns-${"n".repeat(56)}-x`];
const SERVICES = ["api", "api-gateway", "gateway", "pay-api", `svc-${"s".repeat(55)}-x`];
const ACCOUNTS = ["client", "api", "gateway", "shared"];
const PROTOCOLS = ["TCP", "HTTP", "HTTP2", "GRPC"] as const;

const port = fc.record({
  number: fc.oneof({ weight: 20, arbitrary: fc.constantFrom(80, 443, 5432, 8080, 9090) }, { weight: 1, arbitrary: fc.constantFrom(15006, 15021) }),
  protocol: fc.constantFrom(...PROTOCOLS),
  target: fc.option(fc.constantFrom(8000, 9000, 5432), { freq: 3 }),
});

const exportArb = fc.record({
  mesh: fc.nat(3),
  namespace: fc.oneof({ weight: 30, arbitrary: fc.constantFrom(...NAMESPACES) }, { weight: 1, arbitrary: fc.constant("istio-system") }),
  service: fc.constantFrom(...SERVICES),
  account: fc.option(fc.constantFrom("shared", "api"), { freq: 2 }),
  selector: fc.oneof(
    { weight: 10, arbitrary: fc.constant<"default" | "tier" | "empty" | "tier-only">("default") },
    { weight: 3, arbitrary: fc.constant<"default" | "tier" | "empty" | "tier-only">("tier") },
    { weight: 1, arbitrary: fc.constantFrom<"default" | "tier" | "empty" | "tier-only">("empty", "tier-only") },
  ),
  ports: fc.array(port, { minLength: 1, maxLength: 3 }),
  consumers: fc.array(fc.record({ mesh: fc.nat(3), namespace: fc.constantFrom(...NAMESPACES), account: fc.constantFrom(...ACCOUNTS) }), { minLength: 1, maxLength: 3 }),
  alias: fc.oneof(
    { weight: 12, arbitrary: fc.constant<string | undefined>(undefined) },
    { weight: 3, arbitrary: fc.constant<string | undefined>("custom") },
    { weight: 1, arbitrary: fc.constantFrom<string | undefined>("web", "api.pay", "api.pay.svc") },
  ),
});

/** A federation file (YAML text), and how many meshes it has. */
export const federationTextArb = fc
  .record({
    meshCount: fc.integer({ min: 2, max: 4 }),
    ipGateways: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    oddity: fc.oneof({ weight: 20, arbitrary: fc.constant("none") }, { weight: 1, arbitrary: fc.constantFrom("shared-trust-domain", "shared-gateway", "vip-range") }),
    exports: fc.array(exportArb, { minLength: 1, maxLength: 6 }),
  })
  .map(({ meshCount, ipGateways, oddity, exports }) => {
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
          trustDomain: oddity === "shared-trust-domain" && i === 1 ? `${meshes[0]}.prop.internal` : `${name}.prop.internal`,
          eastWestGateway: { address: oddity === "shared-gateway" && i === 1 ? "10.60.0.10" : ipGateways[i] ? `10.${60 + i}.0.10` : `ew.${name}.prop.example` },
        })),
        exports: exports.flatMap((e) => {
          const mesh = meshes[e.mesh % meshes.length]!;
          const key = `${mesh}/${e.namespace}/${e.service}`;
          if (seen.has(key)) return [];
          seen.add(key);
          const consumers = e.consumers
            .map((c) => ({ principal: `${meshes[(e.mesh + 1 + (c.mesh % (meshes.length - 1))) % meshes.length]}/${c.namespace}/${c.account}` }))
            .filter((c, i, all) => all.findIndex((x) => x.principal === c.principal) === i)
            .map((c) => ({
              ...c,
              ...(e.alias === "custom" ? { alias: `${e.service}.${e.namespace}.${mesh}.alias.example` } : e.alias !== undefined ? { alias: e.alias } : {}),
            }));
          const ports = e.ports
            .filter((p, i, all) => all.findIndex((x) => x.number === p.number) === i)
            .map((p) => ({ number: p.number, protocol: p.protocol, ...(p.target !== null ? { targetPort: p.target } : {}) }));
          const selector =
            e.selector === "tier" ? { app: e.service, tier: "backend" } : e.selector === "empty" ? {} : e.selector === "tier-only" ? { tier: "backend" } : undefined;
          return [
            {
              service: key,
              ...(e.account !== null ? { serviceAccount: e.account } : {}),
              ...(selector !== undefined ? { workloadSelector: selector } : {}),
              ports,
              consumers,
            },
          ];
        }),
      },
    };
    return stringify(doc);
  });
