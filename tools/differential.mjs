#!/usr/bin/env node
/**
 * The differential proof (issue 4, item 6): `meshfed verify` against the Istio conformance
 * oracle on the whole corpus (expectations stripped) and on seeded mutated scenarios.
 *
 *   npm run build && npm run build:tools && node tools/differential.mjs --count 500 --seed 1 --out .tmp/differential
 *
 * Every generated case is a scenario from bench/generate-federation.js + meshfed's compiler
 * + buildScenario, or a corpus scenario, with one (sometimes two) mutations from
 * tools/differential/mutate.ts. Scenarios Istio itself rejects (oracle exit 3/5) are skipped
 * and replaced until --count compared cases remain. Prints one block per disagreement, the
 * mix of mutation kinds, and `differential: N agreed, M disagreed` last; exit 4 on any
 * disagreement, 2 on usage errors, 1 when something else breaks.
 *
 * --oracle-only runs the oracle alone (to test the generator before verify exists).
 * --hops also counts hop-list differences as disagreements (they are always summarised).
 */
import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const toolsDist = join(root, "dist-tools");
const usage = `usage: node tools/differential.mjs [--count N] [--seed S] [--out DIR] [--corpus DIR] [--oracle-only] [--hops] [--batch N] [--jobs N] [--max-disagreements N] [--kinds K,K]
  --kinds K,K    only these mutation kinds (default: all)
  --count N      compared generated scenarios to reach (default 500)
  --seed S       master seed (default 1)
  --out DIR      where scenarios and results go (default .tmp/differential; emptied first)
  --corpus DIR   corpus root (default conformance/scenarios)
  --oracle-only  run only the oracle (no meshfed verify)
  --hops         count hop-list differences as disagreements
  --batch N      at most N scenarios per oracle process (default 250)
  --jobs N       oracle processes in parallel (default 2)
  --max-disagreements N  print at most N probe disagreements per scenario (default 5)
`;

function parseArgs(argv) {
  const o = {
    count: 500,
    seed: 1,
    out: ".tmp/differential",
    corpus: "conformance/scenarios",
    oracleOnly: false,
    hops: false,
    batch: 250,
    jobs: 2,
    maxPerScenario: 5,
  };
  const numeric = { "--count": "count", "--seed": "seed", "--batch": "batch", "--jobs": "jobs", "--max-disagreements": "maxPerScenario" };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split("=", 2);
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === "-h" || flag === "--help") return { help: true };
    else if (flag === "--oracle-only") o.oracleOnly = true;
    else if (flag === "--hops") o.hops = true;
    else if (flag === "--out") o.out = value();
    else if (flag === "--corpus") o.corpus = value();
    else if (flag === "--kinds") o.kinds = value().split(",").filter(Boolean);
    else if (numeric[flag]) {
      const v = value();
      if (!/^\d+$/.test(v)) throw new UsageError(`${flag} must be a non-negative integer, got "${v}"`);
      o[numeric[flag]] = Number(v);
    } else throw new UsageError(`unknown option ${argv[i]}`);
  }
  return o;
}

class UsageError extends Error {}

async function importDist(path) {
  const file = join(root, "dist", path);
  if (!existsSync(file)) throw new UsageError(`${relative(root, file)} is missing: run \`npm run build\` first`);
  return import(pathToFileURL(file).href);
}

/** path → text of a scenario directory (scenario.yaml, README.md, <mesh>/*.yaml). */
function readScenarioDir(dir) {
  const files = new Map();
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isFile()) files.set(e.name, readFileSync(join(dir, e.name), "utf8"));
    else if (e.isDirectory()) {
      for (const f of readdirSync(join(dir, e.name), { withFileTypes: true })) {
        if (f.isFile()) files.set(`${e.name}/${f.name}`, readFileSync(join(dir, e.name, f.name), "utf8"));
      }
    }
  }
  return files;
}

function writeScenarioDir(dir, files) {
  for (const [path, text] of files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

function corpusDirs(corpus) {
  const out = [];
  const walk = (d) => {
    if (existsSync(join(d, "scenario.yaml"))) return void out.push(d);
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (e.isDirectory()) walk(join(d, e.name));
    }
  };
  walk(corpus);
  return out;
}

/**
 * Runs the oracle over many directories in one process. stdout and stderr share one file
 * descriptor so their lines stay in order: each directory ends with either a verdict line
 * (JSON) or an error line (`oracle: ...`, not a warning). When the count does not add up
 * (a crash), the rest is run one directory per process.
 */
async function runOracle(dirs) {
  const results = new Map();
  const tmp = join(root, ".tmp", `differential-oracle-${process.pid}-${++oracleRuns}.log`);
  mkdirSync(dirname(tmp), { recursive: true });
  const fd = openSync(tmp, "w");
  const child = spawn("bash", [join(root, "conformance/run-oracle.sh"), ...dirs], { cwd: root, stdio: ["ignore", fd, fd] });
  const status = await new Promise((done) => child.on("close", (code, signal) => done(code ?? signal)));
  closeSync(fd);
  const lines = readFileSync(tmp, "utf8").split("\n");
  rmSync(tmp, { force: true });
  let i = 0;
  let error = null;
  const finish = (result) => {
    if (i < dirs.length) results.set(dirs[i], result);
    i++;
  };
  const warnings = [];
  for (const line of lines) {
    if (line.startsWith("{")) {
      if (error) {
        finish(error);
        error = null;
      }
      try {
        finish({ verdict: JSON.parse(line), warnings: warnings.splice(0) });
      } catch {
        finish({ error: `unparsable verdict line: ${line.slice(0, 200)}` });
      }
    } else if (line.startsWith("oracle: warning: ")) {
      if (error) {
        finish(error);
        error = null;
      }
      warnings.push(line.slice("oracle: warning: ".length));
    } else if (line.startsWith("oracle: ")) {
      if (error) finish(error);
      error = { error: line.slice("oracle: ".length), warnings: warnings.splice(0) };
    } else if (line.trim() !== "" && error) error.error += `\n${line}`;
  }
  if (error) finish(error);
  if (i !== dirs.length || ![0, 3, 4, 5].includes(status)) {
    if (dirs.length === 1)
      return new Map([
        [
          dirs[0],
          {
            error: `oracle exit ${status}: ${lines
              .filter((l) => l.trim())
              .slice(-3)
              .join(" | ")}`,
          },
        ],
      ]);
    // Ambiguous: the process crashed or printed something unexpected. Redo one by one.
    const out = new Map();
    for (const d of dirs) out.set(d, (await runOracle([d])).get(d));
    return out;
  }
  return results;
}
let oracleRuns = 0;

/** The oracle's exit code on one scenario alone (3: Istio refuses the input; 5: Istio cannot decide it). */
function oracleStatus(dir) {
  return spawnSync("bash", [join(root, "conformance/run-oracle.sh"), dir], { cwd: root, stdio: "ignore" }).status;
}

/** meshfed verify, in-process through the built library (same code path as the CLI). */
function verifier(lib, declaredKinds) {
  if (typeof lib.loadScenario === "function" && typeof lib.verifyScenario === "function" && typeof lib.verdictJson === "function") {
    return async (dir, kinds = []) => {
      try {
        const loaded = await lib.loadScenario(dir, root);
        if (!loaded.scenario || lib.hasErrors(loaded.diagnostics)) {
          const errors = loaded.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.message}`);
          return { rejected: true, error: `verify rejected the input: ${errors.slice(0, 3).join(" | ")}` };
        }
        // Inputs on which Istio's own choice is arbitrary are not a comparison: two
        // ServiceEntries for one host in one namespace tie on creation time, host and
        // namespace, and the oracle's pick varies from run to run (MF3217).
        if (typeof lib.analyzeWorld === "function" && lib.analyzeWorld(new lib.World(loaded.scenario)).some((f) => f.code === "MF3217")) {
          return { ambiguous: "two ServiceEntries declare one host in one namespace (MF3217): Istio keeps an arbitrary one" };
        }
        // Mutation kinds are features verify models, except the declared kinds (EnvoyFilter, ...),
        // on which verify must say MF3299 whenever the resource reaches a judged proxy. Declaring
        // on a scenario without a declared kind is a disagreement, so declaring is not a way to pass.
        const declared = typeof lib.notModelledFindings === "function" ? lib.notModelledFindings(new lib.World(loaded.scenario)) : [];
        if (declared.length > 0 && kinds.some((k) => declaredKinds.has(k))) return { declared: declared.map((d) => d.message) };
        if (declared.length > 0)
          return {
            error: `verify declared MF3299 (not modelled) on a scenario of modelled features: ${declared
              .slice(0, 2)
              .map((d) => d.message)
              .join(" | ")}`,
          };
        const { verdict } = lib.verifyScenario(loaded.scenario);
        return { verdict: JSON.parse(lib.verdictJson(verdict)) };
      } catch (err) {
        return { error: `verify threw: ${err?.stack?.split("\n").slice(0, 3).join(" ") ?? err}` };
      }
    };
  }
  return async (dir) => {
    const r = spawnSync(process.execPath, [join(root, "bin/meshfed.js"), "verify", dir, "-o", "json"], { cwd: root, encoding: "utf8", maxBuffer: 1 << 30 });
    if (r.status !== 0 && r.status !== 4) return { error: `verify exit ${r.status}: ${r.stderr.trim().split("\n").slice(-2).join(" | ")}` };
    return { verdict: JSON.parse(r.stdout) };
  };
}

function federationScenario(lib, gen, rng) {
  const meshes = 2 + rng.int(3);
  const exportsCount = 1 + rng.int(6);
  const consumers = 1 + rng.int(2);
  const seed = 1 + rng.int(1_000_000);
  const text = gen.generateFederation({ meshes, exports: exportsCount, consumers, seed, name: `diff${seed}` });
  const parsed = lib.parseFederation(text, "federation.yaml");
  if (!parsed.federation) return undefined;
  const compiled = lib.compileFederation(parsed.federation);
  if (!compiled.compiled) return undefined;
  return {
    files: lib.buildScenario(parsed.federation, compiled.compiled),
    source: `generated --meshes ${meshes} --exports ${exportsCount} --consumers ${consumers} --seed ${seed}`,
  };
}

const hopsText = (hops) => JSON.stringify(hops ?? []);

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`differential: ${err.message}\n${usage}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(usage);
    return 0;
  }
  const lib = await importDist("index.js");
  const diffFile = join(toolsDist, "tools", "differential", "index.js");
  if (!existsSync(diffFile)) throw new UsageError("dist-tools/differential is missing: run `npm run build:tools` first");
  const diff = await import(pathToFileURL(diffFile).href);
  const unknownKinds = (options.kinds ?? []).filter((k) => !diff.mutationKinds.includes(k));
  if (unknownKinds.length > 0) throw new UsageError(`unknown mutation kind ${unknownKinds.join(", ")} (kinds: ${diff.mutationKinds.join(", ")})`);
  const gen = await import(pathToFileURL(join(root, "bench/generate-federation.js")).href);

  const out = resolve(root, options.out);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });

  // The corpus as is (expectations stripped), and as sources for mutation.
  const corpus = corpusDirs(resolve(root, options.corpus)).map((d) => ({
    name: relative(resolve(root, options.corpus), d) || "corpus",
    files: readScenarioDir(d),
  }));
  const cases = [];
  for (const c of corpus) {
    const dir = join(out, "corpus", c.name);
    writeScenarioDir(dir, diff.withoutExpectations(c.files));
    cases.push({ dir, id: `corpus/${c.name}`, source: `corpus ${c.name}`, mutations: [], corpus: true });
  }

  const master = diff.createPrng(options.seed);
  let generated = 0;
  const generate = (n) => {
    const made = [];
    while (made.length < n) {
      const caseSeed = master.int(2 ** 31);
      const rng = diff.createPrng(caseSeed);
      const base = rng.chance(0.3) ? { files: rng.pick(corpus).files, source: "" } : federationScenario(lib, gen, rng);
      if (!base) continue;
      if (!base.source) base.source = `corpus ${corpus.find((c) => c.files === base.files).name}`;
      const mutated = diff.mutateScenario(base.files, rng, options.kinds ? { kinds: options.kinds } : {});
      if (!mutated) continue;
      generated++;
      const id = `generated/case-${String(generated).padStart(5, "0")}`;
      const dir = join(out, id);
      writeScenarioDir(dir, mutated.files);
      writeFileSync(
        join(dir, "README.md"),
        `# ${id}\n\nSource: ${base.source} (case seed ${caseSeed}).\n\n${mutated.mutations.map((m) => `- ${m.kind}: ${m.description}`).join("\n")}\n`,
      );
      const expected = diff.expectationsOf(diff.parseScenarioFiles(base.files));
      made.push({ dir, id, source: base.source, caseSeed, mutations: mutated.mutations, expected, corpus: false });
    }
    return made;
  };

  // The oracle starts fast but evaluates one scenario at a time: a few processes in parallel.
  const oracleAll = async (list) => {
    const size = Math.max(1, Math.min(options.batch, Math.ceil(list.length / options.jobs)));
    const chunks = [];
    for (let i = 0; i < list.length; i += size) chunks.push(list.slice(i, i + size));
    let done = 0;
    const worker = async () => {
      for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) {
        const res = await runOracle(chunk.map((c) => c.dir));
        for (const c of chunk) c.oracle = res.get(c.dir) ?? { error: "no oracle result" };
        done += chunk.length;
        process.stderr.write(`differential: oracle ${done}/${list.length}\n`);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.jobs) }, worker));
  };

  const t0 = Date.now();
  cases.push(...generate(Math.ceil(options.count * 1.15)));
  await oracleAll(cases);
  for (let round = 0; round < 6; round++) {
    const compared = cases.filter((c) => !c.corpus && c.oracle.verdict).length;
    if (compared >= options.count) break;
    const more = generate(Math.ceil((options.count - compared) * 1.5) + 5);
    await oracleAll(more);
    cases.push(...more);
  }
  const tOracle = Date.now();

  // Skipped: Istio itself rejects or cannot decide the mutated scenario.
  const skipped = cases.filter((c) => !c.oracle.verdict);
  for (const c of skipped) {
    const m = c.mutations.map((x) => `${x.kind}: ${x.description}`).join("; ") || "unmutated";
    console.log(`skipped ${c.id} [${m}]: oracle: ${c.oracle.error.split("\n")[0]}`);
  }
  const comparable = cases.filter((c) => c.oracle.verdict);
  const generatedCompared = comparable.filter((c) => !c.corpus).length;

  // A mutation that changes nothing proves little: count those that changed a verdict or the exposure.
  const effective = new Map();
  let changedTruth = 0;
  for (const c of comparable.filter((x) => !x.corpus)) {
    const changed = diff.differsFromExpectations(c.expected, c.oracle.verdict);
    if (changed) changedTruth++;
    for (const x of c.mutations) {
      const e = effective.get(x.kind) ?? [0, 0];
      e[1]++;
      if (changed) e[0]++;
      effective.set(x.kind, e);
    }
  }

  let agreed = 0;
  let ambiguous = 0;
  let probeDisagreements = 0;
  const hopFields = new Map();
  let disagreed = 0;
  let hopOnly = 0;
  const disagreeByKind = new Map();
  let declaredCount = 0;
  let refusedByBoth = 0;
  const declaredByKind = new Map();
  if (!options.oracleOnly) {
    const verify = verifier(lib, new Set(diff.declaredMutationKinds));
    for (const c of comparable) {
      c.verify = await verify(
        c.dir,
        c.mutations.map((x) => x.kind),
      );
    }
    for (const c of comparable) {
      const mut = c.mutations.map((x) => `${x.kind}: ${x.description}`).join("; ") || "unmutated";
      if (c.verify.ambiguous) {
        ambiguous++;
        console.log(`excluded ${c.id} [${mut}]: ${c.verify.ambiguous}`);
        continue;
      }
      if (c.verify.declared) {
        declaredCount++;
        for (const x of c.mutations) declaredByKind.set(x.kind, (declaredByKind.get(x.kind) ?? 0) + 1);
        continue;
      }
      if (c.verify.error) {
        disagreed++;
        console.log(`DISAGREE ${c.id} [${mut}]\n  oracle: verdict for ${c.oracle.verdict.probes.length} probes\n  verify: ${c.verify.error}`);
        for (const x of c.mutations) disagreeByKind.set(x.kind, (disagreeByKind.get(x.kind) ?? 0) + 1);
        continue;
      }
      const ds = diff.compareVerdicts(c.oracle.verdict, c.verify.verdict, { hops: options.hops });
      const hopDiffs = diff.hopDifferences(c.oracle.verdict, c.verify.verdict);
      if (hopDiffs.length > 0) hopOnly++;
      for (const f of diff.hopFieldDifferences(c.oracle.verdict, c.verify.verdict)) hopFields.set(f, (hopFields.get(f) ?? 0) + 1);
      if (ds.length === 0) {
        agreed++;
        continue;
      }
      disagreed++;
      for (const x of c.mutations) disagreeByKind.set(x.kind, (disagreeByKind.get(x.kind) ?? 0) + 1);
      console.log(`DISAGREE ${c.id} [${mut}] (${c.source})`);
      const probeDs = ds.filter((d) => d.probe !== undefined);
      probeDisagreements += probeDs.length;
      for (const d of ds.filter((x) => x.probe === undefined)) console.log(`  ${d.field}: oracle ${d.oracle} | verify ${d.verify}`);
      for (const d of probeDs.slice(0, options.maxPerScenario)) {
        console.log(`  probe "${d.probe}": oracle ${d.oracle} | verify ${d.verify}`);
        console.log(`    oracle hops ${hopsText(d.oracleHops)}`);
        console.log(`    verify hops ${hopsText(d.verifyHops)}`);
      }
      if (probeDs.length > options.maxPerScenario) console.log(`  ... and ${probeDs.length - options.maxPerScenario} more probes`);
    }
    // Invalid is invalid: where Istio refuses the input (the oracle alone exits 3: a resource
    // the API server or istiod's validation refuses), verify must refuse it too, never judge it.
    for (const c of skipped) {
      if (oracleStatus(c.dir) !== 3) continue;
      const mut = c.mutations.map((x) => `${x.kind}: ${x.description}`).join("; ") || "unmutated";
      c.verify = await verify(
        c.dir,
        c.mutations.map((x) => x.kind),
      );
      if (c.verify.rejected) {
        refusedByBoth++;
        continue;
      }
      disagreed++;
      for (const x of c.mutations) disagreeByKind.set(x.kind, (disagreeByKind.get(x.kind) ?? 0) + 1);
      console.log(
        `DISAGREE ${c.id} [${mut}]\n  oracle: refuses the input: ${c.oracle.error.split("\n")[0]}\n  verify: ${c.verify.error ?? (c.verify.declared ? "declared MF3299 instead of refusing" : "judged it as if valid")}`,
      );
    }
  }

  const tEnd = Date.now();
  const mix = new Map();
  for (const c of comparable) for (const x of c.mutations) mix.set(x.kind, (mix.get(x.kind) ?? 0) + 1);
  const skippedMix = new Map();
  for (const c of skipped) for (const x of c.mutations) skippedMix.set(x.kind, (skippedMix.get(x.kind) ?? 0) + 1);
  const fmt = (m) =>
    [...m.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, n]) => `${k} ${n}`)
      .join(", ") || "none";
  const probes = comparable.reduce((n, c) => n + c.oracle.verdict.probes.length, 0);
  writeFileSync(
    join(out, "results.json"),
    JSON.stringify(
      cases.map((c) => ({
        id: c.id,
        source: c.source,
        caseSeed: c.caseSeed,
        mutations: c.mutations,
        oracle: c.oracle.verdict ? "ok" : c.oracle.error,
        verify: c.verify ? (c.verify.error ?? (c.verify.declared ? "declared" : "ok")) : null,
      })),
      null,
      1,
    ),
  );
  console.log(`mutations compared: ${fmt(mix)}`);
  console.log(`mutations skipped (oracle rejected): ${fmt(skippedMix)}`);
  console.log(
    `mutations that changed a verdict or the exposure (per Istio): ${changedTruth} of ${generatedCompared}; by kind: ${[...effective.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, [x, n]]) => `${k} ${x}/${n}`)
      .join(", ")}`,
  );
  if (!options.oracleOnly) {
    console.log(`disagreements by mutation kind: ${fmt(disagreeByKind)}; ${probeDisagreements} probe disagreements in all`);
    console.log(
      `scenarios whose hop lists differ where verdicts agree: ${hopOnly}${options.hops ? " (counted)" : " (not counted; --hops to count)"}; fields (scenarios): ${fmt(hopFields)}`,
    );
  }
  console.log(
    `compared ${comparable.length} scenarios (${corpus.length} corpus, ${generatedCompared} generated), ${probes} probes; skipped ${skipped.length}; oracle ${((tOracle - t0) / 1000).toFixed(1)} s, verify ${((tEnd - tOracle) / 1000).toFixed(1)} s; scenarios in ${relative(root, out) || out}`,
  );
  if (generatedCompared < options.count) console.log(`differential: only ${generatedCompared} generated scenarios could be compared (wanted ${options.count})`);
  if (options.oracleOnly) {
    console.log(`differential: oracle-only, ${comparable.length} loaded, ${skipped.length} skipped`);
    return generatedCompared < options.count ? 1 : 0;
  }
  if (ambiguous > 0) console.log(`excluded ${ambiguous} scenario${ambiguous === 1 ? "" : "s"} whose outcome Istio leaves to chance (see the "excluded" lines)`);
  if (!options.oracleOnly) console.log(`declared not modelled (MF3299) where a declared kind was added: ${declaredCount}; by kind: ${fmt(declaredByKind)}`);
  console.log(`refused by both (Istio and verify refuse the input): ${refusedByBoth}`);
  console.log(`differential: ${agreed} agreed, ${declaredCount} declared, ${refusedByBoth} refused by both, ${disagreed} disagreed`);
  return disagreed > 0 ? 4 : generatedCompared - ambiguous < options.count ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (err) => {
    process.stderr.write(`differential: ${err instanceof UsageError ? err.message : err.stack}\n`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  },
);
