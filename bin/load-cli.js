// Loads meshfed's CLI (its `main` function) the fastest way the build allows.
//
// `npm run build` compiles src/ to ES modules under dist/, then scripts/bundle.mjs writes the
// CLI as one CommonJS file, dist/meshfed.cjs, and V8's code cache for it,
// dist/meshfed.cjs.cache, made after running a few commands. Loading the bundle with its cache
// skips resolving ~50 modules and compiling the functions a run needs: a short command starts
// about 20 ms sooner (bench/README.md). Without the bundle, or when it is older than dist/
// (tsc was run alone), the ES modules are loaded as before. A cache that does not belong to
// the bundle, or that V8 rejects (another Node version, other V8 flags), is not used.
//
// bin/ is CommonJS (bin/package.json): Node starts a CommonJS entry point without setting up
// its ES module loader, a few milliseconds sooner.
"use strict";
const { readFileSync, statSync } = require("node:fs");
const { createRequire } = require("node:module");
const { dirname, join } = require("node:path");
const { setFlagsFromString } = require("node:v8");
const { Script } = require("node:vm");

const dist = join(dirname(__dirname), "dist");
const bundleFile = join(dist, "meshfed.cjs");
const cacheFile = `${bundleFile}.cache`;

/** The last line of a bundle names its build: `//# meshfed-build <sha256 of the rest>`. */
const BUILD_LINE = "\n//# meshfed-build ";
/** A cache file starts with the build it was made for, then a line feed, then V8's data. */
const BUILD_ID_LENGTH = 64;

/**
 * V8 flags for every CLI run. A meshfed run lasts about a second. With V8's default budget
 * the optimizing compiler takes up hundreds of functions that each run briefly, and on one
 * core compiling them costs more than it saves; a larger budget (about 150 times the default)
 * optimizes only code that stays hot over a longer run. This is a tuning flag (it changes no
 * result); bench/README.md has the numbers. The code cache is only accepted under the same
 * flags, so it is made after setting them too.
 */
function setCliFlags() {
  setFlagsFromString("--interrupt-budget=10000000");
}

/** A bundle's text with its build line, and the build id (written by scripts/bundle.mjs). */
function stampBuild(text) {
  const id = require("node:crypto").createHash("sha256").update(text).digest("hex");
  return { text: `${text}${BUILD_LINE}${id}\n`, id };
}

/** What the code cache file holds: the build it was made for, a line feed, then V8's data. */
function cacheFileContents(id, data) {
  return Buffer.concat([Buffer.from(`${id}\n`, "latin1"), data]);
}

/** The build id of a bundle's text, or undefined when it has none. */
function buildIdOf(source) {
  const at = source.lastIndexOf(BUILD_LINE);
  if (at < 0) return undefined;
  const id = source.slice(at + BUILD_LINE.length).trim();
  return id.length === BUILD_ID_LENGTH ? id : undefined;
}

/**
 * Whether dist/meshfed.cjs exists and is not older than the ES modules it was made from. A
 * copy of dist/ (cp -r) gives its files new times in copy order, a few milliseconds apart, so
 * two seconds are allowed; tsc run alone after a build writes dist/ later than that.
 */
function bundleIsCurrent() {
  try {
    return statSync(bundleFile).mtimeMs + 2000 >= statSync(join(dist, "cli", "main.js")).mtimeMs;
  } catch {
    return false;
  }
}

/** A file's bytes, or undefined when it does not exist. */
function readIfExists(file) {
  try {
    return readFileSync(file);
  } catch (err) {
    if (err.code === "ENOENT") return undefined;
    throw err;
  }
}

/**
 * Compiles the bundle, with the code cache when it was made for this bundle. Returns the
 * module's exports, the Script (for createCachedData) and whether a cache was used.
 */
function loadBundle({ useCache = true } = {}) {
  const source = readFileSync(bundleFile, "utf8");
  const id = buildIdOf(source);
  let cachedData;
  if (useCache && id !== undefined) {
    const data = readIfExists(cacheFile);
    if (data !== undefined && data.length > BUILD_ID_LENGTH + 1 && data.toString("latin1", 0, BUILD_ID_LENGTH) === id) cachedData = data.subarray(BUILD_ID_LENGTH + 1);
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundleFile, cachedData });
  const bundle = { exports: {} };
  script.runInThisContext()(bundle.exports, createRequire(bundleFile), bundle, bundleFile, dist);
  return { exports: bundle.exports, script, id, cached: cachedData !== undefined && !script.cachedDataRejected };
}

/** meshfed's `main(argv, io)`: from the bundle when it is current, else from the ES modules. */
async function loadMain() {
  if (bundleIsCurrent()) return loadBundle().exports.main;
  return (await import("../dist/cli/main.js")).main;
}

module.exports = { bundleFile, cacheFile, setCliFlags, stampBuild, cacheFileContents, bundleIsCurrent, loadBundle, loadMain };
