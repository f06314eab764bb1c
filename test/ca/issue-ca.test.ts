import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { inspectCertificates } from "../../src/ca/inspect-ca.js";
import { KEY_TYPES } from "../../src/ca/key-type.js";
import { intermediateNameConstraints, isConstrainableTrustDomain } from "../../src/ca/name-constraints.js";
import { parseCertificate } from "../../src/ca/pem.js";
import { checkIssuer } from "../../src/ca/plan-ca-files.js";
import { env, makeIntermediate, makeRoot, makeWorkload } from "./helpers.js";

const DAY = 86_400_000;
const at = (file: string) => ({ file, line: 1, column: 1 });

describe("trust domains as URI name constraints", () => {
  it.each([
    ["production.nrc.internal", true],
    ["cluster.local", true],
    ["a-b.c1", true],
    ["production_eu.internal", false], // BoringSSL nc_uri_is_fqdn: letters, digits, hyphens only
    ["-lead.internal", false],
    ["trail-.internal", false],
    ["10.0.0.1", false], // an all-numeric last label reads as an IP address
    ["host.0x1f", false],
    ["", false],
    [`${"a".repeat(64)}.internal`, false],
  ])("%s constrainable: %s", (trustDomain, ok) => {
    expect(isConstrainableTrustDomain(trustDomain)).toBe(ok);
  });

  it("permits exactly the trust domain and istiod's namespace, and excludes every IP", () => {
    expect(intermediateNameConstraints("production.nrc.internal", "istio-system", ["istio-system.svc", "istiod.example"])).toEqual({
      permitted: [
        { type: "uri", value: "production.nrc.internal" },
        { type: "dns", value: "istio-system.svc" },
        { type: "dns", value: "istiod.example" },
      ],
      excluded: [
        { type: "ip", value: "0.0.0.0/0" },
        { type: "ip", value: "::/0" },
      ],
    });
  });
});

describe("issuing with every key type", () => {
  it.each(KEY_TYPES.map((k) => [k]))("%s: openssl verifies root, intermediate and a workload; the constraint holds", async (keyType) => {
    const dir = mkdtempSync(join(tmpdir(), "meshfed-ca-keys-"));
    try {
      const root = await makeRoot("root", keyType);
      const intermediate = await makeIntermediate(root, "production", "production.nrc.internal", keyType);
      const ok = await makeWorkload(intermediate, "spiffe://production.nrc.internal/ns/db/sa/postgres");
      const forged = await makeWorkload(intermediate, "spiffe://operations.nrc.internal/ns/vault/sa/vault");
      const files = { root: root.pem, inter: intermediate.pem, ok: ok.cert, forged: forged.cert };
      for (const [name, pem] of Object.entries(files)) writeFileSync(join(dir, `${name}.pem`), pem);
      const verify = (leaf: string) =>
        spawnSync("openssl", ["verify", "-CAfile", "root.pem", "-untrusted", "inter.pem", `${leaf}.pem`], { cwd: dir, encoding: "utf8" });
      expect(verify("inter").status).toBe(0);
      expect(verify("ok").status).toBe(0);
      const refused = verify("forged");
      expect(refused.status).not.toBe(0);
      expect(refused.stdout + refused.stderr).toContain("permitted subtree violation");
      const { report } = await inspectCertificates({
        certificates: [
          { cert: intermediate.cert, position: at("ca-cert.pem") },
          { cert: root.cert, position: at("root-cert.pem") },
        ],
        now: new Date(),
        crypto: globalThis.crypto,
      });
      const expected = { "ecdsa-p256": "ECDSA P-256", "ecdsa-p384": "ECDSA P-384", "rsa-2048": "RSA 2048", "rsa-4096": "RSA 4096" }[keyType];
      expect(report.certificates.map((c) => c.keyAlgorithm)).toEqual([expected, expected]);
      expect(report.certificates[0]!.chainValid).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("checkIssuer", () => {
  it("refuses a root that has expired (MF5011) and an intermediate that would outlive it (MF5006)", async () => {
    const root = await makeRoot("short", "ecdsa-p256", env(), 100);
    expect(checkIssuer(root.cert, true, at("root.pem"), new Date(), 99).map((d) => d.code)).toEqual([]);
    expect(checkIssuer(root.cert, true, at("root.pem"), new Date(), 101).map((d) => d.code)).toEqual(["MF5006"]);
    expect(checkIssuer(root.cert, true, at("root.pem"), new Date(Date.now() + 200 * DAY), 1).map((d) => d.code)).toEqual(["MF5011"]);
  });
});

describe("inspectCertificates", () => {
  it("reports an expired intermediate (MF5011), judged at the clock it is given", async () => {
    const past = env(new Date(Date.now() - 400 * DAY));
    const root = await makeRoot("old root", "ecdsa-p256", past);
    const old = await makeIntermediate(root, "production", "production.nrc.internal", "ecdsa-p256", past, 365);
    const input = {
      certificates: [
        { cert: old.cert, position: at("ca-cert.pem") },
        { cert: root.cert, position: at("root-cert.pem") },
      ],
      crypto: globalThis.crypto,
    };
    const now = await inspectCertificates({ ...input, now: new Date() });
    expect(now.diagnostics.map((d) => d.code)).toEqual(["MF5011"]);
    expect(now.report.certificates[0]!.daysLeft).toBeLessThan(0);
    const then = await inspectCertificates({ ...input, now: new Date(Date.now() - 300 * DAY) });
    expect(then.diagnostics).toEqual([]);
  });

  it("does not chain by name alone: a look-alike root with another key breaks the chain (MF5010)", async () => {
    const root = await makeRoot("nrc root");
    const impostor = await makeRoot("nrc root");
    const intermediate = await makeIntermediate(root, "production", "production.nrc.internal");
    const { report, diagnostics } = await inspectCertificates({
      certificates: [
        { cert: intermediate.cert, position: at("ca-cert.pem") },
        { cert: impostor.cert, position: at("root-cert.pem") },
      ],
      now: new Date(),
      crypto: globalThis.crypto,
    });
    expect(report.certificates[0]!.chainValid).toBe(false);
    expect(diagnostics.map((d) => d.code)).toEqual(["MF5010"]);
  });

  it("reads PEM with the line of each block", async () => {
    const root = await makeRoot();
    const text = `# comment\n\n${root.pem}`;
    const { certificate } = parseCertificate(text, "root.pem");
    expect(certificate?.position).toEqual({ file: "root.pem", line: 3, column: 1 });
    expect(parseCertificate("nothing here\n", "x.pem").diagnostics.map((d) => d.code)).toEqual(["MF5002"]);
  });
});
