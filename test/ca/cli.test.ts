import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { exampleFile, minimal } from "../helpers/fixtures.js";
import { runCli } from "../helpers/run-cli.js";
import { makeRoot, makeUnconstrainedIntermediate, makeWorkload } from "./helpers.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "meshfed-ca-cli-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const mode = (path: string) => statSync(join(dir, path)).mode & 0o777;
const read = (path: string) => readFileSync(join(dir, path), "utf8");
const codes = (stderr: string) => [...stderr.matchAll(/\b(MF\d{4})\b/g)].map((m) => m[1]);

function openssl(args: string[]): { ok: boolean; output: string } {
  const run = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
  if (run.error) throw run.error;
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

async function initRoot(out = "root") {
  const run = await runCli(["ca", "init", "--out", out], dir);
  expect(run.code).toBe(0);
  return run;
}

async function issue(mesh = "production", out = "prod", extra: string[] = []) {
  return runCli(
    ["ca", "issue", exampleFile, "--mesh", mesh, "--root-cert", "root/root-cert.pem", "--root-key", "root/root-key.pem", "--out", out, ...extra],
    dir,
  );
}

function expectNoKeyMaterial(run: { stdout: string; stderr: string }, keyFiles: string[]) {
  const printed = run.stdout + run.stderr;
  expect(printed).not.toContain("PRIVATE KEY");
  for (const file of keyFiles) {
    const body = read(file)
      .split("\n")
      .filter((l) => l && !l.startsWith("-----"));
    for (const line of body) expect(printed).not.toContain(line);
  }
}

describe("meshfed ca init", () => {
  it("creates a root with its key at 0600, prints openssl's fingerprint and never the key", async () => {
    const run = await initRoot();
    expect(mode("root/root-key.pem")).toBe(0o600);
    expect(mode("root/root-cert.pem")).toBe(0o644);
    const fingerprint = openssl(["x509", "-in", "root/root-cert.pem", "-noout", "-fingerprint", "-sha256"]).output.trim().split("=")[1];
    expect(run.stdout).toContain(`root SHA-256 fingerprint ${fingerprint}`);
    expect(openssl(["verify", "-CAfile", "root/root-cert.pem", "root/root-cert.pem"]).ok).toBe(true);
    expectNoKeyMaterial(run, ["root/root-key.pem"]);
  });

  it("refuses to overwrite without --force (exit 3, files unchanged) and replaces them with it", async () => {
    await initRoot();
    const before = read("root/root-key.pem");
    const again = await runCli(["ca", "init", "--out", "root"], dir);
    expect(again.code).toBe(3);
    expect(codes(again.stderr)).toEqual(["MF5001", "MF5001"]);
    expect(again.stderr).toContain("root/root-key.pem already exists");
    expect(read("root/root-key.pem")).toBe(before);
    const forced = await runCli(["ca", "init", "--out", "root", "--force"], dir);
    expect(forced.code).toBe(0);
    expect(read("root/root-key.pem")).not.toBe(before);
    expect(mode("root/root-key.pem")).toBe(0o600);
  });

  it("records an existing root given with --root-cert and --root-key", async () => {
    await initRoot("first");
    const run = await runCli(["ca", "init", "--out", "copy", "--root-cert", "first/root-cert.pem", "--root-key", "first/root-key.pem", "-o", "json"], dir);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.recorded).toBe(true);
    expect(read("copy/root-cert.pem")).toBe(read("first/root-cert.pem"));
    expect(mode("copy/root-key.pem")).toBe(0o600);
    expect(out.files).toEqual([
      { path: "copy/root-cert.pem", mode: "0644" },
      { path: "copy/root-key.pem", mode: "0600" },
    ]);
  });

  it("refuses a key that is not the certificate's (MF5003) and a certificate that is not a CA (MF5004)", async () => {
    await initRoot("a");
    await initRoot("b");
    const mismatch = await runCli(["ca", "init", "--out", "c", "--root-cert", "a/root-cert.pem", "--root-key", "b/root-key.pem"], dir);
    expect(mismatch.code).toBe(3);
    expect(codes(mismatch.stderr)).toContain("MF5003");
    const root = await makeRoot();
    const leaf = await makeWorkload(root, "spiffe://production.nrc.internal/ns/a/sa/b");
    writeFileSync(join(dir, "leaf.pem"), leaf.cert);
    writeFileSync(join(dir, "leaf-key.pem"), leaf.key);
    const notCa = await runCli(["ca", "init", "--out", "d", "--root-cert", "leaf.pem", "--root-key", "leaf-key.pem"], dir);
    expect(notCa.code).toBe(3);
    expect(codes(notCa.stderr)).toEqual(expect.arrayContaining(["MF5004", "MF5007"]));
    expect(() => statSync(join(dir, "d", "root-key.pem"))).toThrow();
  });

  it("reports an --out that cannot be a directory as a usage error (exit 2), not a crash", async () => {
    writeFileSync(join(dir, "taken"), "a file\n");
    const run = await runCli(["ca", "init", "--out", "taken"], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cannot write to --out taken: EEXIST/);
    expect(read("taken")).toBe("a file\n");
  });

  it.each([
    [["ca", "init", "--out", "x", "--key-type", "dsa"], /--key-type dsa/],
    [["ca", "init", "--out", "x", "--days", "0"], /--days 0/],
    [["ca", "init", "--out", "x", "--root-cert", "a.pem"], /go together/],
    [["ca", "inspect", "x", "--mesh", "production"], /go together/],
  ])("%j is a usage error (exit 2)", async (argv, message) => {
    const run = await runCli(argv as string[], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});

describe("meshfed ca issue", () => {
  it("writes Istio's plug-in CA files and the cacerts Secret, keys and Secret at 0600", async () => {
    await initRoot();
    const run = await issue();
    expect(run.code).toBe(0);
    expect(mode("prod/ca-key.pem")).toBe(0o600);
    expect(mode("prod/cacerts.yaml")).toBe(0o600);
    expect(mode("prod/ca-cert.pem")).toBe(0o644);
    expect(read("prod/root-cert.pem")).toBe(read("root/root-cert.pem"));
    // Istio's tools/certs/Makefile.selfsigned.mk: cert-chain.pem = ca-cert.pem + root-cert.pem.
    expect(read("prod/cert-chain.pem")).toBe(read("prod/ca-cert.pem") + read("root/root-cert.pem"));
    const secret = parse(read("prod/cacerts.yaml"));
    expect(secret).toMatchObject({ apiVersion: "v1", kind: "Secret", type: "Opaque", metadata: { name: "cacerts", namespace: "istio-system" } });
    expect(Object.keys(secret.data).sort()).toEqual(["ca-cert.pem", "ca-key.pem", "cert-chain.pem", "root-cert.pem"]);
    for (const name of Object.keys(secret.data)) expect(Buffer.from(secret.data[name], "base64").toString()).toBe(read(`prod/${name}`));
    expect(openssl(["verify", "-CAfile", "root/root-cert.pem", "prod/ca-cert.pem"]).ok).toBe(true);
    const text = openssl(["x509", "-in", "prod/ca-cert.pem", "-noout", "-text"]).output;
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(text).toMatch(
      /Name Constraints: critical\s+Permitted:\s+URI:production\.nrc\.internal\s+DNS:istio-system\.svc\s+Excluded:\s+IP:0\.0\.0\.0\/0\.0\.0\.0/,
    );
    expectNoKeyMaterial(run, ["prod/ca-key.pem", "root/root-key.pem"]);
  });

  it("writes nothing when any one file exists, and names it (exit 3)", async () => {
    await initRoot();
    mkdirSync(join(dir, "prod"));
    writeFileSync(join(dir, "prod", "cert-chain.pem"), "keep me\n");
    const run = await issue();
    expect(run.code).toBe(3);
    expect(codes(run.stderr)).toEqual(["MF5001"]);
    expect(run.stderr).toContain("prod/cert-chain.pem already exists");
    expect(read("prod/cert-chain.pem")).toBe("keep me\n");
    for (const name of ["ca-cert.pem", "ca-key.pem", "root-cert.pem", "cacerts.yaml"]) expect(() => statSync(join(dir, "prod", name))).toThrow();
    expect(await issue("production", "prod", ["--force"])).toMatchObject({ code: 0 });
  });

  it("uses the namespace and istiod names given", async () => {
    await initRoot();
    expect((await issue("operations", "ops", ["--istio-namespace", "istio-ops", "--istiod-dns", "istiod.ops.example", "--key-type", "ecdsa-p384"])).code).toBe(
      0,
    );
    expect(parse(read("ops/cacerts.yaml")).metadata.namespace).toBe("istio-ops");
    const text = openssl(["x509", "-in", "ops/ca-cert.pem", "-noout", "-text"]).output;
    expect(text).toMatch(/URI:operations\.nrc\.internal\s+DNS:istio-ops\.svc\s+DNS:istiod\.ops\.example/);
    expect(text).toContain("NIST CURVE: P-384");
    expect(text).toMatch(/Signature Algorithm: ecdsa-with-SHA256/); // signed by the P-256 root
  });

  it("refuses an unknown mesh (exit 2), a trust domain no URI constraint can hold (MF5005) and an intermediate that would outlive the root (MF5006)", async () => {
    await initRoot();
    const unknown = await issue("billing");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--mesh billing: no such mesh.*meshes: operations, staging, production/);

    writeFileSync(join(dir, "fed.yaml"), minimal.replace("trustDomain: production.nrc.internal", "trustDomain: production_eu.nrc.internal"));
    const underscore = await runCli(
      ["ca", "issue", "fed.yaml", "--mesh", "production", "--root-cert", "root/root-cert.pem", "--root-key", "root/root-key.pem", "--out", "p"],
      dir,
    );
    expect(underscore.code).toBe(3);
    expect(codes(underscore.stderr)).toEqual(["MF5005"]);
    expect(underscore.stderr).toMatch(/fed\.yaml:\d+:\d+: error MF5005/);
    expect(() => statSync(join(dir, "p"))).toThrow();

    const long = await issue("production", "prod", ["--days", "4000"]);
    expect(long.code).toBe(3);
    expect(codes(long.stderr)).toEqual(["MF5006"]);
  });
});

describe("meshfed ca issue under a root made with openssl", () => {
  it("reads a PKCS#1 RSA root key and signs with it (RSA root, ECDSA intermediate)", async () => {
    expect(openssl(["genrsa", "-traditional", "-out", "legacy-key.pem", "2048"]).ok).toBe(true);
    expect(read("legacy-key.pem")).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    const req = openssl([
      "req",
      "-x509",
      "-new",
      "-key",
      "legacy-key.pem",
      "-subj",
      "/O=corp/CN=corp root",
      "-days",
      "3650",
      "-out",
      "legacy.pem",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    expect(req.ok).toBe(true);
    const run = await runCli(
      ["ca", "issue", exampleFile, "--mesh", "staging", "--root-cert", "legacy.pem", "--root-key", "legacy-key.pem", "--out", "stg"],
      dir,
    );
    expect(run.code).toBe(0);
    expect(openssl(["verify", "-CAfile", "legacy.pem", "stg/ca-cert.pem"]).ok).toBe(true);
    expect(openssl(["x509", "-in", "stg/ca-cert.pem", "-noout", "-text"]).output).toMatch(/Signature Algorithm: sha256WithRSAEncryption[\s\S]*id-ecPublicKey/);
  });

  it.each([
    [["--istio-namespace", "Istio_System"], /--istio-namespace Istio_System/],
    [["--istiod-dns", "bad name"], /--istiod-dns bad name/],
  ])("refuses %j (exit 2) before writing anything", async (extra, message) => {
    await initRoot();
    const run = await issue("production", "prod", extra as string[]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(() => statSync(join(dir, "prod"))).toThrow();
  });
});

describe("meshfed ca inspect", () => {
  it("reads the cacerts Secret manifest, as written or as kubectl prints it", async () => {
    await initRoot();
    await issue();
    const run = await runCli(["ca", "inspect", "prod/cacerts.yaml", "--model", exampleFile, "--mesh", "production", "-o", "json"], dir);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.mesh.agrees).toBe(true);
    expect(report.certificates.map((c: { source: string }) => c.source)).toEqual(["prod/cacerts.yaml:11", "prod/cacerts.yaml:13"]);
    expectNoKeyMaterial(run, ["prod/ca-key.pem"]);
    // A Secret whose cert-chain.pem is reversed is found like the file.
    const secret = parse(read("prod/cacerts.yaml"));
    secret.data["cert-chain.pem"] = Buffer.from(read("root/root-cert.pem") + read("prod/ca-cert.pem")).toString("base64");
    writeFileSync(join(dir, "live.yaml"), JSON.stringify(secret));
    const reversed = await runCli(["ca", "inspect", "live.yaml"], dir);
    expect(reversed.code).toBe(4);
    expect(codes(reversed.stderr)).toEqual(["MF5016"]);
  });

  it("reports chain, fingerprint, expiry, key usage and constraints as JSON, and agreement with the model", async () => {
    await initRoot();
    await issue();
    const run = await runCli(["ca", "inspect", "prod", "--model", exampleFile, "--mesh", "production", "-o", "json"], dir);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    const fingerprint = openssl(["x509", "-in", "root/root-cert.pem", "-noout", "-fingerprint", "-sha256"]).output.trim().split("=")[1];
    expect(report.roots).toEqual([{ subject: "O=meshfed, CN=meshfed root CA", sha256Fingerprint: fingerprint }]);
    const intermediate = report.certificates.find((c: { ca: boolean; selfSigned: boolean }) => c.ca && !c.selfSigned);
    expect(intermediate).toMatchObject({
      source: "prod/ca-cert.pem:1",
      pathLength: 0,
      chainValid: true,
      keyAlgorithm: "ECDSA P-256",
      keyUsage: ["digitalSignature", "keyCertSign", "cRLSign"],
      nameConstraints: { permitted: ["uri:production.nrc.internal", "dns:istio-system.svc"], excluded: ["ip:0.0.0.0/0", "ip:::/0"] },
    });
    expect(intermediate.daysLeft).toBeGreaterThanOrEqual(364);
    expect(report.mesh).toEqual({ name: "production", trustDomain: "production.nrc.internal", agrees: true });
    expect(report.diagnostics).toEqual([]);
    expectNoKeyMaterial(run, ["prod/ca-key.pem"]);
  });

  it("finds another mesh's files (MF5015, exit 4)", async () => {
    await initRoot();
    await issue();
    const run = await runCli(["ca", "inspect", "prod", "--model", exampleFile, "--mesh", "operations"], dir);
    expect(run.code).toBe(4);
    expect(codes(run.stderr)).toEqual(["MF5015"]);
    expect(run.stdout).toContain("does NOT agree");
  });

  it("warns 30 days before expiry (MF5012, exit 4)", async () => {
    await initRoot();
    await issue("production", "prod", ["--days", "20"]);
    const run = await runCli(["ca", "inspect", "prod/ca-cert.pem", "prod/root-cert.pem"], dir);
    expect(run.code).toBe(4);
    expect(codes(run.stderr)).toEqual(["MF5012"]);
    expect(run.stderr).toMatch(/warning MF5012: .* in 19 days/);
  });

  it("finds an unconstrained intermediate (MF5013), a missing root (MF5010) and a reversed cert-chain.pem (MF5016)", async () => {
    const root = await makeRoot();
    const open = await makeUnconstrainedIntermediate(root, "production.nrc.internal", undefined, 365, null);
    writeFileSync(join(dir, "open.pem"), open.pem);
    writeFileSync(join(dir, "root.pem"), root.pem);
    const unconstrained = await runCli(["ca", "inspect", "open.pem", "root.pem"], dir);
    expect(unconstrained.code).toBe(4);
    expect(codes(unconstrained.stderr).sort()).toEqual(["MF5013", "MF5014"]);
    expect(unconstrained.stdout).toContain("none: can sign any trust domain");

    const orphan = await runCli(["ca", "inspect", "open.pem"], dir);
    expect(codes(orphan.stderr)).toContain("MF5010");

    await initRoot();
    await issue();
    writeFileSync(join(dir, "prod", "cert-chain.pem"), read("root/root-cert.pem") + read("prod/ca-cert.pem"));
    const reversed = await runCli(["ca", "inspect", "prod"], dir);
    expect(reversed.code).toBe(4);
    expect(codes(reversed.stderr)).toEqual(["MF5016"]);
  });

  it("refuses a file that is not a certificate (MF5002, exit 3)", async () => {
    writeFileSync(join(dir, "junk.pem"), "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n");
    writeFileSync(join(dir, "notes.txt"), "hello\n");
    const junk = await runCli(["ca", "inspect", "junk.pem"], dir);
    expect(junk.code).toBe(3);
    expect(codes(junk.stderr)).toEqual(["MF5002"]);
    expect(junk.stderr).toContain("junk.pem:1:1: error MF5002");
    const text = await runCli(["ca", "inspect", "notes.txt"], dir);
    expect(text.code).toBe(3);
    const missing = await runCli(["ca", "inspect", "nope.pem"], dir);
    expect(missing.code).toBe(2);
  });
});
