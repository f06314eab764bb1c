#!/usr/bin/env node
/**
 * The last step of `npm run build`: writes the CLI as one CommonJS file, dist/meshfed.cjs, and
 * V8's code cache for it, dist/meshfed.cjs.cache (bin/load-cli.js explains why and how they
 * are loaded).
 *
 *   node scripts/bundle.mjs            bundle dist/cli/main.js (tsc's output), then make the cache
 *   node scripts/bundle.mjs --cache    only make the cache (run by the first form in a clean child)
 *
 * The cache is made in a child process started without NODE_OPTIONS or other flags, so that
 * V8's flags when it is made are those of a plain `meshfed` run (V8 rejects a cache made under
 * other flags). The child runs a few commands on the repository's example and corpus so that
 * the functions a run needs are compiled, then serializes them. Last, a second child loads the
 * bundle as bin/meshfed.js does and checks that V8 accepted the cache.
 */
import { spawnSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const loaderUrl = new URL("../bin/load-cli.js", import.meta.url).href;

/** Commands run before the cache is made: each compiles the functions its kind of run needs. */
const WARM_UP = [
  ["verify", "conformance/scenarios/01-canonical-vault-postgres", "-o", "json"],
  ["verify", "conformance/scenarios/04-several-consumers-staging-untrusted"],
  ["verify", "--model", "examples/nrc/federation.yaml", "--mesh", "operations=conformance/scenarios/01-canonical-vault-postgres/operations", "--mesh", "production=conformance/scenarios/01-canonical-vault-postgres/production", "-o", "json"],
  ["explain", "conformance/scenarios/01-canonical-vault-postgres", "--from", "operations/vault/vault", "--to", "postgres.db.production.mesh:5432"],
];

function cleanEnv() {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
}

function fail(message) {
  process.stderr.write(`bundle: ${message}\n`);
  process.exit(1);
}

/**
 * commander requires node:child_process at load time, for executable subcommands meshfed does
 * not have; loading it (with net, dgram and the rest) costs a few milliseconds per run. In the
 * bundle, commander gets an object that requires the module on first property access.
 */
const lazyChildProcess = {
  name: "lazy-child-process",
  setup(build) {
    build.onResolve({ filter: /^(node:)?child_process$/ }, (args) => (/[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: "child_process", namespace: "lazy-builtin" } : undefined));
    build.onLoad({ filter: /.*/, namespace: "lazy-builtin" }, () => ({
      loader: "js",
      contents: 'let m; module.exports = new Proxy({}, { get: (_, key) => (m ??= require("node:child_process"))[key] });',
    }));
  },
};

async function bundle() {
  const { bundleFile, cacheFile, stampBuild } = await import(loaderUrl);
  const entry = join(root, "dist", "cli", "main.js");
  if (!existsSync(entry)) fail(`${entry} is missing: run tsc -p tsconfig.build.json first`);
  let esbuild;
  try {
    esbuild = await import("esbuild");
  } catch {
    // Without esbuild (installed without dev dependencies) the CLI runs from dist/'s ES modules.
    rmSync(bundleFile, { force: true });
    rmSync(cacheFile, { force: true });
    process.stderr.write("bundle: esbuild is not installed; the CLI will load dist/'s ES modules\n");
    return;
  }
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    write: false,
    logLevel: "warning",
    // import.meta.url (parse-scenario.ts loads `yaml` with createRequire, fast-yaml.ts finds
    // dist/wasm/ from it) stands for dist/cli/main.js, the module the bundle is made from.
    define: { "import.meta.url": "__meshfedBundleUrl" },
    plugins: [lazyChildProcess],
    banner: { js: 'const __meshfedBundleUrl = require("node:url").pathToFileURL(require("node:path").join(__dirname, "cli", "main.js")).href;' },
  });
  const text = result.outputFiles[0].text;
  rmSync(cacheFile, { force: true });
  writeFileSync(bundleFile, stampBuild(text).text);

  const made = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--cache"], { cwd: root, env: cleanEnv(), stdio: ["ignore", "inherit", "inherit"] });
  if (made.status !== 0) fail(`making the code cache failed (exit ${made.status})`);
  const check = spawnSync(process.execPath, ["--input-type=module", "-e", `import { setCliFlags, loadBundle } from ${JSON.stringify(loaderUrl)}; setCliFlags(); process.stdout.write(String(loadBundle().cached));`], { cwd: root, env: cleanEnv(), encoding: "utf8" });
  if (check.stdout !== "true") fail(`V8 did not accept the code cache it just made (${check.stdout || check.stderr})`);
  process.stderr.write(`bundle: wrote ${bundleFile} and its code cache\n`);
}

/** In a clean child: run the warm-up commands from the bundle, then serialize what V8 compiled. */
async function makeCache() {
  const { setCliFlags, loadBundle, cacheFile, cacheFileContents } = await import(loaderUrl);
  setCliFlags();
  const { exports, script, id } = loadBundle({ useCache: false });
  if (!id) fail("the bundle has no build line");
  const sink = { write: () => true };
  for (const argv of WARM_UP) {
    const code = await exports.main(argv, { stdout: sink, stderr: sink, cwd: root, env: process.env });
    // verify and explain exit 4 when they report findings; a usage (2) or input (3) error means the warm-up is stale.
    if (code === 2 || code === 3) fail(`warm-up \`meshfed ${argv.join(" ")}\` exited ${code}`);
  }
  const data = script.createCachedData();
  writeFileSync(cacheFile, cacheFileContents(id, data));
}

if (process.argv.includes("--cache")) await makeCache();
else await bundle();
