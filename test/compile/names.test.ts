import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileFederation } from "../../src/compile/compile-federation.js";
import { resourceName } from "../../src/compile/names.js";
import { isDns1123Label } from "../../src/model/formats.js";
import { normalize } from "../../src/model/parse-federation.js";
import { runRules } from "../../src/model/rules/index.js";
import type { FederationDocument } from "../../src/model/schema.js";
import { layoutFiles, resourceFileName } from "../../src/render/render.js";

/**
 * DNS-1123 labels built to collide when joined with "-": a few short pieces glued by hyphens
 * (payments-api/gateway vs payments/api-gateway), and long ones that must be truncated.
 */
const piece = fc.constantFrom("a", "b", "api", "gw", "x1", "meshfed", "guard", "a".repeat(30), "b".repeat(61));
const collidingLabel = fc
  .array(piece, { minLength: 1, maxLength: 4 })
  .map((parts) => parts.join("-").slice(0, 63).replace(/-+$/, ""))
  .filter((s) => s.length > 0 && isDns1123Label(s));

describe("generated names are injective", () => {
  it("the issue's example: payments-api/gateway and payments/api-gateway differ", () => {
    const a = resourceName("meshfed", ["payments-api", "gateway"]);
    const b = resourceName("meshfed", ["payments", "api-gateway"]);
    expect(a).not.toBe(b);
    expect(resourceName("meshfed", ["db", "postgres"])).toBe("meshfed-db-postgres");
    expect(resourceName("meshfed", ["db", "my-postgres"])).toBe("meshfed-db-my-postgres");
  });

  it("file names keep namespace and name apart (a-meshfed/b and a/meshfed-b)", () => {
    const file = (namespace: string, service: string) =>
      resourceFileName({
        apiVersion: "security.istio.io/v1",
        kind: "PeerAuthentication",
        metadata: { name: resourceName("meshfed", [service]), namespace, labels: {} },
        spec: {},
      });
    expect(file("a-meshfed", "b")).not.toBe(file("a", "meshfed-b"));
  });

  it("resourceName is injective over tuples of colliding labels, and always a DNS-1123 label", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(collidingLabel, collidingLabel, collidingLabel), { minLength: 2, maxLength: 40, selector: (t) => t.join("/") }),
        fc.constantFrom(undefined, "guard"),
        (tuples, suffix) => {
          for (const width of [1, 2, 3]) {
            const names = new Map<string, string>();
            for (const t of tuples) {
              const parts = t.slice(0, width);
              const name = resourceName("meshfed", parts, suffix);
              expect(isDns1123Label(name), name).toBe(true);
              const before = names.get(name);
              if (before !== undefined) expect(before).toBe(parts.join("/"));
              names.set(name, parts.join("/"));
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("compiled resources and their files never collide, whatever the mesh, namespace and service names", () => {
    const arb = fc
      .uniqueArray(collidingLabel, { minLength: 2, maxLength: 4 })
      .chain((meshes) =>
        fc.record({
          meshes: fc.constant(meshes),
          exports: fc.uniqueArray(fc.record({ mesh: fc.constantFrom(...meshes), namespace: collidingLabel, name: collidingLabel }), {
            minLength: 1,
            maxLength: 12,
            selector: (e) => `${e.mesh}/${e.namespace}/${e.name}`,
          }),
          consumerNamespace: collidingLabel,
        }),
      )
      .map(
        ({ meshes, exports, consumerNamespace }): FederationDocument => ({
          apiVersion: "meshfed.dev/v1alpha1",
          kind: "MeshFederation",
          metadata: { name: "names" },
          spec: {
            importDomain: "m",
            meshes: meshes.map((name, i) => ({ name, trustDomain: `t${i}.names.internal`, eastWestGateway: { address: `10.9.${i}.10` } })),
            exports: exports.map((e, i) => {
              const other = meshes.find((m) => m !== e.mesh)!;
              return {
                service: `${e.mesh}/${e.namespace}/${e.name}`,
                // Distinct app labels: the selectors of one namespace's exports must not overlap.
                workloadSelector: { app: `w${i}` },
                ports: [{ number: 8080 }],
                // Each import gets its own short alias, so long generated names stay the only long thing.
                consumers: [{ principal: `${other}/${consumerNamespace}/client`, alias: `s${i}.n.m` }],
              };
            }),
          },
        }),
      );
    fc.assert(
      fc.property(arb, (doc) => {
        const federation = normalize(doc);
        const errors = runRules(federation).filter((d) => d.severity === "error");
        fc.pre(errors.length === 0);
        const { compiled, diagnostics } = compileFederation(federation);
        expect(diagnostics.filter((d) => d.code === "MF2003")).toEqual([]);
        for (const m of compiled!.meshes) {
          const keys = m.resources.map((r) => `${r.kind}/${r.metadata.namespace}/${r.metadata.name}`);
          expect(new Set(keys).size).toBe(keys.length);
          const files = m.resources.map(resourceFileName);
          expect(new Set(files).size).toBe(files.length);
          for (const r of m.resources) expect(isDns1123Label(r.metadata.name), r.metadata.name).toBe(true);
        }
        const layout = layoutFiles(compiled!);
        for (const [path, text] of layout) {
          if (!path.endsWith("/kustomization.yaml")) continue;
          const listed = text.split("\n").filter((l) => l.startsWith("- ") || l.startsWith("  - "));
          expect(new Set(listed).size).toBe(listed.length);
        }
      }),
      { numRuns: 150 },
    );
  });
});
