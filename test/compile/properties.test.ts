import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileFederation } from "../../src/compile/compile-federation.js";
import { normalize } from "../../src/model/parse-federation.js";
import { runRules } from "../../src/model/rules/index.js";
import type { FederationDocument } from "../../src/model/schema.js";

const label = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);

/** Federations that pass validation: distinct meshes, each exporter with a gateway, consumers elsewhere. */
const federationArb = fc
  .uniqueArray(label, { minLength: 2, maxLength: 5 })
  .chain((meshNames) =>
    fc.record({
      meshes: fc.constant(meshNames),
      exports: fc.uniqueArray(
        fc.record({
          mesh: fc.constantFrom(...meshNames),
          namespace: label,
          name: label,
          ports: fc.uniqueArray(fc.integer({ min: 1, max: 65535 }), { minLength: 1, maxLength: 3 }),
          consumers: fc.uniqueArray(fc.record({ mesh: fc.constantFrom(...meshNames), namespace: label, sa: label }), {
            minLength: 1,
            maxLength: 4,
            selector: (c) => `${c.mesh}/${c.namespace}/${c.sa}`,
          }),
        }),
        { maxLength: 8, selector: (e) => `${e.mesh}/${e.namespace}/${e.name}` },
      ),
    }),
  )
  .map(
    ({ meshes, exports }): FederationDocument => ({
      apiVersion: "meshfed.dev/v1alpha1",
      kind: "MeshFederation",
      metadata: { name: "prop" },
      spec: {
        meshes: meshes.map((name, i) => ({
          name,
          trustDomain: `${name}.prop.internal`,
          eastWestGateway: { address: i % 2 === 0 ? `10.0.${i}.10` : `ew.${name}.example` },
        })),
        exports: exports.map((e) => ({
          service: `${e.mesh}/${e.namespace}/${e.name}`,
          ports: e.ports.map((number) => ({ number })),
          consumers: e.consumers.filter((c) => c.mesh !== e.mesh).map((c) => ({ principal: `${c.mesh}/${c.namespace}/${c.sa}` })),
        })),
      },
    }),
  );

describe("compile invariants (property-based)", () => {
  it("admits exactly the named principals, imports only into consumer namespaces, never wildcards", () => {
    fc.assert(
      fc.property(federationArb, (doc) => {
        const federation = normalize(doc);
        fc.pre(runRules(federation).every((d) => d.severity !== "error"));
        const { compiled } = compileFederation(federation);
        expect(compiled).toBeDefined();
        for (const e of federation.exports) {
          const consumers = e.consumers.map((c) => `${c.principal.mesh}.prop.internal/ns/${c.principal.namespace}/sa/${c.principal.serviceAccount}`).sort();
          const exporter = compiled!.meshes.find((m) => m.mesh === e.mesh)!;
          const guard = exporter.resources.find(
            (r) =>
              r.kind === "AuthorizationPolicy" &&
              r.metadata.namespace === e.namespace &&
              r.metadata.labels["meshfed.dev/export"] === `${e.mesh}.${e.namespace}.${e.name}`,
          );
          if (consumers.length === 0) {
            expect(guard).toBeUndefined();
            continue;
          }
          const rules = guard!.spec.rules as { from: { source: { principals?: string[]; notPrincipals?: string[] } }[] }[];
          expect([...new Set(rules[1]!.from[0]!.source.principals)].sort()).toEqual([...new Set(consumers)]);
          expect(rules[0]!.from[0]!.source.notPrincipals).toEqual([`${e.mesh}.prop.internal/*`, ...new Set(consumers)]);
        }
        for (const m of compiled!.meshes) {
          for (const r of m.resources) {
            expect(JSON.stringify(r.spec)).not.toContain("*.");
            if (r.kind === "ServiceEntry" || r.kind === "DestinationRule") {
              expect(r.spec.exportTo).toEqual(["."]);
              const importedHere = federation.exports.some((e) =>
                e.consumers.some((c) => c.principal.mesh === m.mesh && c.principal.namespace === r.metadata.namespace),
              );
              expect(importedHere).toBe(true);
            }
          }
        }
        // Deterministic: compiling again gives the same structure.
        expect(compileFederation(normalize(doc)).compiled).toEqual(compiled);
      }),
      { numRuns: 200, seed: 7 },
    );
  });
});
