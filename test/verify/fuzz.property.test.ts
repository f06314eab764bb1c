import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { stringify } from "yaml";
import { afterAll, expect, it } from "vitest";
import { repoRoot } from "../helpers/fixtures.js";
import { runCli } from "../helpers/run-cli.js";

/**
 * Random resource trees thrown at `meshfed verify`: the canonical corpus scenario plus documents
 * of every kind verify reads (and some it does not), whose fields are random values of random
 * types, sometimes near-valid. Whatever arrives, verify answers with exit 0, 3 or 4 — never a
 * crash (exit 1, a stack trace), never a hang (the test's timeout).
 */
const base = join(repoRoot, "conformance/scenarios/01-canonical-vault-postgres");
const baseFiles = new Map<string, string>();
for (const e of readdirSync(base, { withFileTypes: true })) {
  if (e.isFile()) baseFiles.set(e.name, readFileSync(join(base, e.name), "utf8"));
  else for (const f of readdirSync(join(base, e.name))) baseFiles.set(`${e.name}/${f}`, readFileSync(join(base, e.name, f), "utf8"));
}

const kinds: [string, string][] = [
  ["v1", "Service"],
  ["v1", "Pod"],
  ["apps/v1", "Deployment"],
  ["networking.istio.io/v1", "ServiceEntry"],
  ["networking.istio.io/v1", "DestinationRule"],
  ["networking.istio.io/v1", "Gateway"],
  ["networking.istio.io/v1", "VirtualService"],
  ["networking.istio.io/v1", "Sidecar"],
  ["networking.istio.io/v1", "WorkloadEntry"],
  ["networking.istio.io/v1alpha3", "EnvoyFilter"],
  ["security.istio.io/v1", "AuthorizationPolicy"],
  ["security.istio.io/v1", "PeerAuthentication"],
  ["gateway.networking.k8s.io/v1", "HTTPRoute"],
  ["v1", "List"],
  ["example.com/v1", "Widget"],
];

/** Values a field may take: the right type, the wrong type, or nothing. */
const scalar = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom("*", ".", "db/*", "postgres.db.svc.cluster.local", "10.20.0.10", "0.0.0.0/0", "ISTIO_MUTUAL", "AUTO_PASSTHROUGH", "DENY", "STRICT", "-1"),
  fc.integer({ min: -2, max: 70000 }),
  fc.boolean(),
  fc.constant(null),
);
const fieldName = fc.constantFrom(
  "hosts",
  "host",
  "ports",
  "port",
  "number",
  "name",
  "protocol",
  "targetPort",
  "endpoints",
  "address",
  "addresses",
  "resolution",
  "location",
  "exportTo",
  "selector",
  "workloadSelector",
  "labels",
  "matchLabels",
  "servers",
  "tls",
  "mode",
  "sni",
  "subjectAltNames",
  "trafficPolicy",
  "portLevelSettings",
  "subsets",
  "rules",
  "from",
  "to",
  "source",
  "operation",
  "principals",
  "notPorts",
  "when",
  "key",
  "values",
  "action",
  "mtls",
  "egress",
  "tcp",
  "tls",
  "route",
  "destination",
  "gateways",
  "containers",
  "serviceAccountName",
  "status",
  "podIP",
);

const value = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: "small" }, scalar, fc.array(tie("tree"), { maxLength: 3 }), fc.dictionary(fieldName, tie("tree"), { maxKeys: 4 })),
})).tree;
const document = fc.record({
  kind: fc.constantFrom(...kinds),
  name: fc.oneof(fc.constantFrom("x", "postgres", "meshfed-eastwest", "default"), fc.string({ maxLength: 8 })),
  namespace: fc.oneof(fc.constantFrom("db", "vault", "istio-system", "cache"), fc.constant(undefined)),
  labels: fc.option(
    fc.dictionary(
      fc.constantFrom("app", "istio", "security.istio.io/tlsMode"),
      fc.oneof(fc.constantFrom("postgres", "vault", "eastwestgateway", "istio"), scalar),
    ),
    {
      nil: undefined,
    },
  ),
  spec: fc.oneof(fc.dictionary(fieldName, value, { maxKeys: 6 }), value),
});

const scenarioCase = fc.record({
  mesh: fc.constantFrom("operations", "production"),
  docs: fc.array(document, { minLength: 1, maxLength: 4 }),
  raw: fc.option(fc.constantFrom("kind: [\n", "---\n---\n", "\u00ef\u00bb\u00bfapiVersion: v1\n", "a: &x [*x]\n", "port: 0x1538\n"), { nil: undefined }),
});

const root = mkdtempSync(join(tmpdir(), "meshfed-fuzz-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

it("verify never crashes or hangs on random resource trees (exit 0, 3 or 4)", async () => {
  await fc.assert(
    fc.asyncProperty(scenarioCase, async (c) => {
      const dir = join(root, `case-${n++}`);
      for (const [path, text] of baseFiles) {
        mkdirSync(join(dir, path, ".."), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      const docs = c.docs.map((d) => {
        const metadata: Record<string, unknown> = { name: d.name };
        if (d.namespace !== undefined) metadata["namespace"] = d.namespace;
        if (d.labels !== undefined) metadata["labels"] = d.labels;
        return { apiVersion: d.kind[0], kind: d.kind[1], metadata, spec: d.spec };
      });
      const text = docs.map((d) => stringify(d)).join("---\n") + (c.raw ?? "");
      writeFileSync(join(dir, c.mesh, "zz-fuzz.yaml"), text);
      const run = await runCli(["verify", dir], repoRoot);
      expect([0, 3, 4], `exit ${run.code}: ${run.stderr.slice(0, 500)}\n${text}`).toContain(run.code);
      expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
    }),
    { numRuns: Number(process.env.MESHFED_FUZZ_RUNS ?? 150), seed: Number(process.env.MESHFED_FUZZ_SEED ?? 20261206) },
  );
}, 600_000);
