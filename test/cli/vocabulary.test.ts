import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ISTIO_API_VERSION, ISTIO_COMMIT, ISTIO_MODULE_VERSION, ISTIO_RELEASE } from "../../src/cli/istio-release.js";
import { minimal, repoRoot } from "../helpers/fixtures.js";
import { runCli } from "../helpers/run-cli.js";

const example = "examples/nrc/federation.yaml";
const tempDir = () => mkdtempSync(join(tmpdir(), "meshfed-vocab-"));

describe("errors: always 'meshfed: error: ...' on stderr, and JSON on stdout under -o json", () => {
  it.each([
    [["frobnicate"], /^meshfed: error: unknown command 'frobnicate'/],
    [["validate", example, "--frobnicate"], /^meshfed: error: unknown option '--frobnicate'/],
    [["validate"], /^meshfed: error: missing required argument 'file'/],
    [["validate", "does-not-exist.yaml"], /^meshfed: error: cannot read does-not-exist.yaml: no such file/],
    [["render", example, "--out", "x", "-o", "json"], /^meshfed: error: -o json applies to stdout; render --out writes YAML files/],
    [["diagnostics", "--markdown", "-o", "json"], /^meshfed: error: --markdown and -o json ask for two formats/],
  ])("%j exits 2", async (argv, message) => {
    const r = await runCli(argv as string[], repoRoot);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it.each([
    [["render", example, "--out", "x", "-o", "json"], "usage"],
    [["validate", example, "--frobnicate", "-o", "json"], "usage"],
    [["plan", example, "--mesh", "moon", "-o", "json"], "usage"],
  ])("%j: a JSON error object on stdout", async (argv, kind) => {
    const r = await runCli(argv as string[], repoRoot);
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout);
    expect(out.error).toMatchObject({ kind, exitCode: 2 });
    expect(r.stderr).toContain(`meshfed: error: ${out.error.message}`);
  });

  it.each(["plan", "render", "graph"])("%s of an invalid file -o json: the diagnostics as JSON on stdout, exit 3", async (command) => {
    const dir = tempDir();
    writeFileSync(join(dir, "bad.yaml"), minimal.replace("number: 5432", "number: 0"));
    const r = await runCli([command, "bad.yaml", "-o", "json"], dir);
    expect(r.code).toBe(3);
    const out = JSON.parse(r.stdout);
    expect(out.error).toMatchObject({ kind: "invalid-input", exitCode: 3 });
    expect(out.diagnostics.map((d: { code: string }) => d.code)).toEqual(["MF1009"]);
    expect(r.stderr).toContain("bad.yaml:16:19: error MF1009");
  });

  it("explain --model and verify --model of an invalid file -o json: the same", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "bad.yaml"), minimal.replace("number: 5432", "number: 0"));
    for (const argv of [
      ["explain", "--model", "bad.yaml", "--from", "operations/vault/vault", "--to", "x:1", "-o", "json"],
      ["verify", "--model", "bad.yaml", "-o", "json"],
    ]) {
      const r = await runCli(argv, dir);
      expect(r.code).toBe(3);
      expect(JSON.parse(r.stdout).error.kind).toBe("invalid-input");
    }
  });
});

describe("- reads standard input", () => {
  it("validate -, with positions named <stdin>", async () => {
    const ok = await runCli(["validate", "-"], repoRoot, { stdin: minimal });
    expect(ok.code).toBe(0);
    const bad = await runCli(["validate", "-"], repoRoot, { stdin: minimal.replace("- name: operations", "- name: Operations") });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain("<stdin>:7:13: error MF1007");
  });

  it("plan - and render - read it too", async () => {
    expect((await runCli(["plan", "-", "-o", "json"], repoRoot, { stdin: minimal })).code).toBe(0);
    const r = await runCli(["render", "-", "--mesh", "production"], repoRoot, { stdin: minimal });
    expect(r.stdout).toContain("kind: AuthorizationPolicy");
  });

  it("without a readable stdin (a terminal): a usage error, never a wait", async () => {
    const r = await runCli(["validate", "-"], repoRoot);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^meshfed: error: cannot read standard input/);
  });

  it("the real binary reads a pipe", () => {
    const out = execFileSync(process.execPath, [join(repoRoot, "bin/meshfed.js"), "validate", "-", "-o", "json"], { input: minimal, cwd: repoRoot }).toString();
    expect(JSON.parse(out)).toMatchObject({ file: "-", valid: true });
  });
});

describe("meshfed diagnostics CODE", () => {
  it("prints one entry", async () => {
    const r = await runCli(["diagnostics", "MF3008"], repoRoot);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toMatch(/^MF3008 {2}error {2}\S+$/);
    expect(r.stdout).toContain("see: docs/diagnostics.md#mf3008");
    expect(r.stdout).not.toContain("MF3009");
  });

  it("as JSON and as Markdown (its section of docs/diagnostics.md)", async () => {
    const json = JSON.parse((await runCli(["diagnostics", "mf1060", "-o", "json"], repoRoot)).stdout);
    expect(json).toMatchObject({ code: "MF1060", name: "invalid-cluster-name", severity: "error" });
    const md = (await runCli(["diagnostics", "MF1061", "-o", "markdown"], repoRoot)).stdout;
    expect(md.startsWith("### MF1061\n")).toBe(true);
    expect(readFileSync(join(repoRoot, "docs/diagnostics.md"), "utf8")).toContain(md.trimEnd());
  });

  it("an unknown code: a usage error with the nearest one", async () => {
    const r = await runCli(["diagnostics", "MF3O08"], repoRoot);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("did you mean MF3008?");
  });
});

describe("meshfed version", () => {
  it("says meshfed's version and the Istio the analysis models, the same as --version", async () => {
    const r = await runCli(["version"], repoRoot);
    expect(r.stdout).toMatch(/^meshfed 0\.1\.0\nmodels Istio 1\.\d+ \(istio\.io\/istio v/);
    expect((await runCli(["--version"], repoRoot)).stdout).toBe(r.stdout);
    const json = JSON.parse((await runCli(["version", "-o", "json"], repoRoot)).stdout);
    expect(json).toEqual({
      meshfed: JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")).version,
      istio: {
        release: ISTIO_RELEASE,
        module: `istio.io/istio@${ISTIO_MODULE_VERSION}`,
        api: `istio.io/api@${ISTIO_API_VERSION}`,
        commit: ISTIO_COMMIT?.commit ?? null,
        date: ISTIO_COMMIT?.date ?? null,
      },
    });
  });

  it("the build-time Istio constants equal conformance/go.mod's pin", () => {
    const gomod = readFileSync(join(repoRoot, "conformance/go.mod"), "utf8");
    expect(gomod).toMatch(new RegExp(`^\\s*istio\\.io/istio ${ISTIO_MODULE_VERSION}$`, "m"));
    expect(gomod).toMatch(new RegExp(`^\\s*istio\\.io/api ${ISTIO_API_VERSION.replace(/\./g, "\\.")}$`, "m"));
    expect(ISTIO_API_VERSION.startsWith(`v${ISTIO_RELEASE}.`)).toBe(true);
    if (ISTIO_COMMIT) expect(ISTIO_MODULE_VERSION.endsWith(ISTIO_COMMIT.commit)).toBe(true);
  });
});

describe("meshfed init", () => {
  it("writes a commented starter file that validates, and never overwrites", async () => {
    const dir = tempDir();
    const r = await runCli(["init"], dir);
    expect(r.code).toBe(0);
    const text = readFileSync(join(dir, "federation.yaml"), "utf8");
    expect(text.split("\n").filter((l) => l.trim().startsWith("#")).length).toBeGreaterThan(5);
    const v = await runCli(["validate", "federation.yaml", "--failure-threshold", "warning"], dir);
    expect(v.code, v.stderr).toBe(0);
    writeFileSync(join(dir, "federation.yaml"), "mine\n");
    const again = await runCli(["init"], dir);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^meshfed: error: federation\.yaml exists; meshfed init never overwrites/);
    expect(readFileSync(join(dir, "federation.yaml"), "utf8")).toBe("mine\n");
  });

  it("init FILE and init - (stdout)", async () => {
    const dir = tempDir();
    expect((await runCli(["init", "nrc.yaml"], dir)).code).toBe(0);
    expect(existsSync(join(dir, "nrc.yaml"))).toBe(true);
    const r = await runCli(["init", "-"], dir);
    expect(r.stdout).toBe(readFileSync(join(dir, "nrc.yaml"), "utf8"));
  });
});

describe("colour and symbols", () => {
  const bad = minimal.replace("- name: operations", "- name: Operations");
  const withFile = () => {
    const dir = tempDir();
    writeFileSync(join(dir, "f.yaml"), bad);
    return dir;
  };

  it("colour on a terminal only", async () => {
    const tty = await runCli(["validate", "f.yaml"], withFile(), { tty: true });
    expect(tty.stderr).toContain("\u001b[31merror\u001b[0m MF1007");
    const pipe = await runCli(["validate", "f.yaml"], withFile());
    expect(pipe.stderr).not.toContain("\u001b[");
  });

  it.each([[{ NO_COLOR: "1" }, []] as const, [{}, ["--no-color"]] as const, [{ TERM: "dumb" }, []] as const])("no colour with %j %j", async (env, flags) => {
    const r = await runCli(["validate", "f.yaml", ...flags], withFile(), { tty: true, env: { ...env } });
    expect(r.code).toBe(3);
    expect(r.stderr).not.toContain("\u001b[");
  });

  it("-o json is never coloured", async () => {
    const r = await runCli(["validate", "f.yaml", "-o", "json"], withFile(), { tty: true });
    expect(r.stdout).not.toContain("\u001b[");
    expect(JSON.parse(r.stdout).valid).toBe(false);
  });

  it.each([[["--ascii"], {}] as const, [[], { LANG: "C" }] as const, [[], { LC_ALL: "en_US.ISO-8859-1" }] as const])(
    "ASCII symbols with %j %j",
    async (flags, env) => {
      const unicode = await runCli(["plan", example], repoRoot);
      expect(unicode.stdout).toContain("→");
      const r = await runCli(["plan", example, ...flags], repoRoot, { env: { ...env } });
      expect(r.code).toBe(0);
      expect(r.stdout).not.toMatch(/[→←✓×‼]/);
      expect(r.stdout).toContain("->");
      expect(r.stdout.replaceAll("->", "→").replaceAll("<-", "←")).toBe(unicode.stdout);
    },
  );

  it("a UTF-8 locale keeps the symbols", async () => {
    const r = await runCli(["plan", example], repoRoot, { env: { LANG: "en_US.UTF-8" } });
    expect(r.stdout).toContain("→");
  });
});

describe("verify --mesh NAME (the selecting form)", () => {
  it("shows the probes from or into the mesh and its exposure; the same verdicts as the whole run", async () => {
    const whole = JSON.parse((await runCli(["verify", "--model", example, "-o", "json"], repoRoot)).stdout);
    const r = await runCli(["verify", "--model", example, "--mesh", "staging", "-o", "json"], repoRoot);
    expect(r.code).toBe(0);
    const part = JSON.parse(r.stdout);
    type P = { name: string; hops: { mesh: string }[] };
    const touching = (p: P) => p.name.startsWith("staging/") || p.hops.some((h) => h.mesh === "staging");
    expect(part.probes.length).toBeGreaterThan(0);
    expect(part.probes).toEqual(whole.probes.filter(touching));
    expect(part.exposure).toEqual(whole.exposure.filter((e: { mesh: string }) => e.mesh === "staging"));
    expect(part.findings).toEqual(whole.findings);
  });

  it("an unknown mesh is a usage error", async () => {
    const r = await runCli(["verify", "--model", example, "--mesh", "moon"], repoRoot);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--mesh moon: no such mesh; meshes: operations, staging, production");
  });
});

describe("Markdown and data are never rewritten for the terminal", () => {
  it("-o markdown under a non-UTF-8 locale on a terminal: the same bytes as elsewhere", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "old.yaml"), minimal);
    writeFileSync(join(dir, "new.yaml"), minimal.replace("number: 5432", "number: 5432\n          protocol: HTTP"));
    const argv = ["report", "--diff", "old.yaml", "new.yaml", "-o", "markdown"];
    const plain = await runCli(argv, dir);
    expect(plain.stdout).toContain("protocol TCP → HTTP");
    const terminal = await runCli(argv, dir, { env: { LANG: "C" }, tty: true });
    expect(terminal.stdout).toBe(plain.stdout);
    const docs = await runCli(["diagnostics", "--markdown"], repoRoot, { env: { LANG: "C" }, tty: true });
    expect(docs.stdout).toBe(readFileSync(join(repoRoot, "docs/diagnostics.md"), "utf8"));
  });
});

describe("plan -o json: install settings as data too", () => {
  it("each setting with its path, value and reason, next to the words", async () => {
    const plan = JSON.parse((await runCli(["plan", example, "-o", "json"], repoRoot)).stdout);
    const production = plan.meshes.find((m: { mesh: string }) => m.mesh === "production");
    expect(production.installSettings).toContainEqual({
      path: "meshConfig.caCertificates[].trustDomains",
      value: ["operations.nrc.internal"],
      why: "accept consumers' identities without widening principals",
    });
    expect(production.installSettings).toContainEqual({
      path: "eastWestGateway",
      value: { namespace: "istio-system", labels: { istio: "eastwestgateway" }, port: 15443 },
      why: "publishing only the AUTO_PASSTHROUGH port",
    });
    expect(production.installSettings.length).toBe(production.install.length);
  });
});

describe("scenario --mesh", () => {
  it("keeps only the probes from or into the mesh, and refuses a mesh that does not exist", async () => {
    const dir = tempDir();
    const all = await runCli(["scenario", example, "--out", join(dir, "all")], repoRoot);
    const one = await runCli(["scenario", example, "--out", join(dir, "staging"), "--mesh", "staging"], repoRoot);
    expect([all.code, one.code]).toEqual([0, 0]);
    const probes = (p: string) => [...readFileSync(join(dir, p, "scenario.yaml"), "utf8").matchAll(/^ {2}- name: "(.+ -> .+)"$/gm)].map((m) => m[1]!);
    const kept = probes("staging");
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(probes("all").length);
    // Staging imports nothing in the example: every kept probe calls an alias of a staging export.
    for (const name of kept) expect(name).toMatch(/metrics-api\.monitoring\.staging/);
    const bad = await runCli(["scenario", example, "--out", join(dir, "x"), "--mesh", "nowhere"], repoRoot);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("meshfed: error: --mesh nowhere: no such mesh (meshes: operations, staging, production)");
  });
});
