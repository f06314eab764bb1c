#!/usr/bin/env node
/**
 * `meshfed verify` against `istioctl analyze --use-kube=false` on the same generated scenarios
 * (issue 4, item 7): wall time, peak memory, the ratio and the growth per size.
 *
 *   npm run build && node bench/verify.js          # 5, 10 and 20 meshes, up to ~30,000 resources
 *   node bench/verify.js --runs 5 --sizes 5,10     # more runs, fewer sizes
 *   node bench/verify.js --scale 0.1 --runs 1      # a quick run: a tenth of the exports per size
 *   node bench/verify.js --budget 60               # no further run once a tool spent 60 s on a size (default 300)
 *   node bench/verify.js --node lts                # meshfed on the current Node LTS (scripts/node-lts.sh)
 *   node bench/verify.js --node /opt/node22/bin/node  # meshfed on another Node binary
 *   (also --seed S, --json, --keep, --work DIR, --no-pin, --no-istioctl, --no-build)
 *
 * For each size it generates a federation (generate-federation.js), compiles it and writes a
 * scenario directory with the library's `buildScenario` (the same files `meshfed scenario`
 * writes), then times, each in a child process:
 *
 *   meshfed:  node bin/meshfed.js verify DIR -o json                 (one process, every mesh)
 *   istioctl: istioctl analyze --use-kube=false -A --color=false -o json DIR/<mesh>
 *             once per mesh, summed: each mesh is a separate cluster with its own config, and
 *             istioctl analyze has no notion of several meshes (loading every mesh at once would
 *             merge 20 clusters' istio-system, Namespaces and Pods into one).
 *
 * Every measurement is repeated (3 runs by default, the two tools taking turns) and the median reported. Peak memory is
 * GNU time's %M (max RSS) when /usr/bin/time supports -f, else the last VmHWM read from
 * /proc/PID/status while the child runs (Node cannot report a child's rusage). Both tools are
 * pinned to core 0 with `taskset -c 0` when it exists, as bench/run.js does.
 *
 * conformance/bin/istioctl is built by bench/build-istioctl.sh when missing (several minutes the
 * first time); when the Go toolchain is absent or the build fails, the istioctl half is skipped
 * with a message. A benchmark reports, it does not assert: a missed target still exits 0. It
 * exits 1 when a scenario cannot be generated or meshfed verify fails (exit 2, 3, 5 or no
 * JSON), and 2 on a bad option.
 */
import { spawn, spawnSync } from "node:child_process";
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateFederation } from "./generate-federation.js";
import { fmtMiB, fmtMs, hasTaskset, median, MiB, table } from "./report.js";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
/** bin/meshfed.js of the snapshot taken at start (see snapshotMeshfed). */
let MESHFED = join(root, "bin", "meshfed.js");
const ISTIOCTL = join(root, "conformance", "bin", "istioctl");
/** The Node binary that runs meshfed (--node); the benchmark's own by default. */
let NODE = process.execPath;
const BUILD_ISTIOCTL = join(root, "bench", "build-istioctl.sh");
/** The speed target: meshfed verify at least this many times faster than istioctl analyze, at every size. */
const TARGET_RATIO = 3;
/** Exports scale with meshes so that 20 meshes reach about 30,000 resources. */
const SIZES = {
  5: { meshes: 5, exports: 550, consumers: 3 },
  10: { meshes: 10, exports: 1100, consumers: 3 },
  20: { meshes: 20, exports: 2200, consumers: 3 },
};

// ---------------------------------------------------------------- scenarios

/**
 * The probes of a bench scenario: every intended call (each consumer principal to each port of
 * each alias it imports, expect allow) and, for each (namespace, alias, port), the consumer's
 * `neighbour` workload (same namespace, another identity, expect deny). `meshfed scenario`
 * probes every workload against every import of its mesh, which grows with the square of the
 * federation (33,000 probes at 1,800 resources, millions at 30,000); this set grows linearly and
 * still sends each verdict (allow, RBAC deny) through the client, gateway and server hops.
 */
function benchProbes(federation, compiled) {
  const probes = [];
  const names = new Set();
  const push = (mesh, namespace, serviceAccount, host, port, expect) => {
    const name = `${mesh}/${namespace}/${serviceAccount} -> ${host}:${port}`;
    if (names.has(name)) return;
    names.add(name);
    probes.push({ name, from: { mesh, namespace, serviceAccount, labels: { app: serviceAccount } }, to: { host, port }, expect });
  };
  for (const out of compiled.meshes) {
    const mesh = federation.meshes.find((m) => m.name === out.mesh);
    const allowed = new Set(out.imports.flatMap((i) => i.principals.map((p) => `${i.namespace} ${i.alias} ${p}`)));
    for (const imp of out.imports) {
      for (const principal of imp.principals) {
        const [, namespace, serviceAccount] = /\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(principal) ?? [];
        if (!namespace || namespace !== imp.namespace) continue;
        for (const port of imp.ports) push(out.mesh, namespace, serviceAccount, imp.alias, port, "allow");
      }
      const neighbour = `${mesh.trustDomain}/ns/${imp.namespace}/sa/neighbour`;
      const expect = allowed.has(`${imp.namespace} ${imp.alias} ${neighbour}`) ? "allow" : "deny";
      for (const port of imp.ports) push(out.mesh, imp.namespace, "neighbour", imp.alias, port, expect);
    }
  }
  return probes;
}

async function writeScenario(size, seed, dir) {
  const lib = await import("../dist/index.js");
  const text = generateFederation({ ...size, seed, name: `bench-${size.meshes}` });
  const parsed = lib.parseFederation(text, "bench.yaml");
  const errors = parsed.diagnostics.filter((d) => d.severity === "error");
  if (!parsed.federation || errors.length > 0)
    throw new Error(
      `generated federation does not validate: ${errors
        .slice(0, 3)
        .map((d) => `${d.code} ${d.message}`)
        .join("; ")}`,
    );
  const compiled = lib.compileFederation(parsed.federation).compiled;
  if (!compiled) throw new Error("generated federation does not compile");
  // buildScenario without imports writes everything but the quadratic probe list; the bench probes replace it.
  const files = lib.buildScenario(parsed.federation, { ...compiled, meshes: compiled.meshes.map((m) => ({ ...m, imports: [] })) });
  const probes = benchProbes(parsed.federation, compiled);
  const scenario = lib.toYaml({ ...(await import("yaml")).parse(files.get("scenario.yaml")), probes });
  files.set(
    "scenario.yaml",
    `# Generated by bench/verify.js: ${size.meshes} meshes, ${size.exports} exports, ${size.consumers} consumers, seed ${seed}.\n${scenario}`,
  );
  let resources = 0;
  let bytes = 0;
  for (const [path, content] of files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
    bytes += Buffer.byteLength(content);
    if (path !== "scenario.yaml") resources += content.split(/^---$/m).filter((doc) => /^kind:/m.test(doc)).length;
  }
  return {
    dir,
    resources,
    files: files.size - 1,
    bytes,
    probes: probes.length,
    allowProbes: probes.filter((p) => p.expect === "allow").length,
    meshNames: parsed.federation.meshes.map((m) => m.name),
  };
}

/**
 * Copies bin/, dist/ and package.json into the work directory (node_modules linked) and returns
 * the copy's bin/meshfed.js: a size takes minutes, and `npm run build` during the run must not
 * change the code being measured halfway through.
 */
function snapshotMeshfed(work) {
  const dir = join(work, "meshfed");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const entry of ["bin", "dist", "package.json"]) cpSync(join(root, entry), join(dir, entry), { recursive: true, preserveTimestamps: true });
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
  return join(dir, "bin", "meshfed.js");
}

// ---------------------------------------------------------------- measuring child processes

function detectGnuTime() {
  if (process.env.MESHFED_BENCH_NO_GNU_TIME === "1") return false; // to exercise the fallback
  const out = join(tmpdir(), `meshfed-bench-time-${process.pid}`);
  const r = spawnSync("/usr/bin/time", ["-f", "%M %U %S", "-o", out, "true"], { stdio: "ignore" });
  let ok = false;
  try {
    ok = r.status === 0 && /^\d+ [\d.]+ [\d.]+\s*$/.test(readFileSync(out, "utf8").trim().split("\n").pop());
  } catch {}
  rmSync(out, { force: true });
  return ok;
}

function readHwmKiB(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Runs one command to completion; stdout goes to a file. Returns wall ms (from spawn to exit),
 * peak RSS bytes, CPU ms (GNU time only), the exit code and stderr.
 */
function measure(command, args, { env, stdoutFile, gnuTime, pin }) {
  return new Promise((resolve, reject) => {
    const timeFile = `${stdoutFile}.time`;
    let argv = [command, ...args];
    if (pin) argv = ["taskset", "-c", "0", ...argv];
    if (gnuTime) argv = ["/usr/bin/time", "-f", "%M %U %S", "-o", timeFile, ...argv];
    const fd = openSync(stdoutFile, "w");
    const t0 = performance.now();
    const child = spawn(argv[0], argv.slice(1), { env: { ...process.env, ...env }, stdio: ["ignore", fd, "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => {
      if (stderr.length < 64 * 1024) stderr += d;
    });
    // Fallback peak memory: the process's own high-water mark, sampled until it exits (taskset
    // execs the command, so the pid is the command's).
    let hwm = 0;
    const poll = gnuTime ? undefined : setInterval(() => (hwm = Math.max(hwm, readHwmKiB(child.pid))), 10);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const wallMs = performance.now() - t0;
      if (poll) clearInterval(poll);
      closeSync(fd);
      let peakBytes = hwm * 1024;
      let cpuMs;
      const status = code;
      if (gnuTime) {
        try {
          const lines = readFileSync(timeFile, "utf8").trim().split("\n");
          // GNU time prints "Command exited with non-zero status N" before the format line.
          const [kib, user, sys] = lines.pop().trim().split(/\s+/).map(Number);
          peakBytes = kib * 1024;
          cpuMs = (user + sys) * 1000;
        } catch {}
        rmSync(timeFile, { force: true });
      }
      resolve({ wallMs, peakBytes, cpuMs, status: signal ? `signal ${signal}` : status, stderr });
    });
  });
}

// ---------------------------------------------------------------- the two tools

function meshfedHasVerify() {
  const r = spawnSync(NODE, [MESHFED, "verify", "--help"], { encoding: "utf8" });
  return r.status === 0 && /verify/.test(r.stdout);
}

async function runMeshfed(scenario, opts) {
  const out = join(opts.work, "meshfed.json");
  const r = await measure(NODE, [MESHFED, "verify", scenario.dir, "-o", "json"], { ...opts, stdoutFile: out });
  // 0: every expectation holds; 4: some probe or the exposure differs from the scenario's expect (still a full verdict).
  if (r.status !== 0 && r.status !== 4) throw new Error(`meshfed verify ${scenario.dir} exited ${r.status}:\n${r.stderr.slice(0, 2000)}`);
  let verdict;
  try {
    verdict = JSON.parse(readFileSync(out, "utf8"));
  } catch (error) {
    throw new Error(`meshfed verify ${scenario.dir} printed no verdict JSON (${error.message}):\n${r.stderr.slice(0, 2000)}`);
  }
  const probes = verdict.probes ?? [];
  const expected = new Map(JSON.parse(readFileSync(join(opts.work, "expect.json"), "utf8")));
  const agree = probes.filter((p) => expected.get(p.name) === p.verdict).length;
  return { ...r, probes: probes.length, allow: probes.filter((p) => p.verdict === "allow").length, agree, exposure: (verdict.exposure ?? []).length };
}

async function runIstioctl(scenario, opts) {
  let wallMs = 0;
  let cpuMs = 0;
  let peakBytes = 0;
  const messages = {};
  for (const mesh of scenario.meshNames) {
    const out = join(opts.work, `istioctl-${mesh}.json`);
    const r = await measure(ISTIOCTL, ["analyze", "--use-kube=false", "-A", "--color=false", "-o", "json", join(scenario.dir, mesh)], {
      ...opts,
      stdoutFile: out,
    });
    // 0: no error-level message; 79: analyze found issues (still a full analysis).
    if (r.status !== 0 && r.status !== 79) throw new Error(`istioctl analyze ${join(scenario.dir, mesh)} exited ${r.status}:\n${r.stderr.slice(0, 2000)}`);
    wallMs += r.wallMs;
    cpuMs = r.cpuMs === undefined || cpuMs === undefined ? undefined : cpuMs + r.cpuMs;
    peakBytes = Math.max(peakBytes, r.peakBytes);
    try {
      for (const m of JSON.parse(readFileSync(out, "utf8"))) messages[`${m.level} ${m.code}`] = (messages[`${m.level} ${m.code}`] ?? 0) + 1;
    } catch {}
  }
  return { wallMs, cpuMs, peakBytes, messages };
}

function ensureIstioctl(allowBuild) {
  if (existsSync(ISTIOCTL)) return { ok: true };
  if (!allowBuild) return { ok: false, why: `${ISTIOCTL} is missing (--no-build)` };
  if (spawnSync("go", ["version"], { stdio: "ignore" }).status !== 0) {
    return { ok: false, why: `${ISTIOCTL} is missing and there is no Go toolchain to build it (bench/build-istioctl.sh)` };
  }
  process.stderr.write(`bench: ${ISTIOCTL} is missing; building it with bench/build-istioctl.sh (several minutes the first time)\n`);
  const r = spawnSync("bash", [BUILD_ISTIOCTL], { stdio: ["ignore", "inherit", "inherit"] });
  return r.status === 0 && existsSync(ISTIOCTL) ? { ok: true } : { ok: false, why: `bench/build-istioctl.sh failed (exit ${r.status})` };
}

// ---------------------------------------------------------------- report

/** 12.3x, or two significant digits below 1 (0.029x: istioctl took 2.9% of meshfed's time). */
const fmtRatio = (x) => (x === undefined || !Number.isFinite(x) ? "n/a" : `${x >= 1 ? x.toFixed(1) : x.toPrecision(2)}x`);

class UsageError extends Error {}

/** `--node`: a Node binary's path, or `lts` for the current LTS that CI also tests on (scripts/node-lts.sh fetches it once). */
function resolveNode(spec) {
  if (spec === "lts") {
    const r = spawnSync("bash", [join(root, "scripts", "node-lts.sh")], { encoding: "utf8" });
    if (r.status !== 0) throw new UsageError(`--node lts: scripts/node-lts.sh failed: ${(r.stderr || "").trim()}`);
    return join(r.stdout.trim(), "node");
  }
  const r = spawnSync(spec, ["--version"], { encoding: "utf8" });
  if (r.status !== 0 || !/^v\d+\./.test(r.stdout ?? "")) throw new UsageError(`--node ${spec}: not a Node binary (\`${spec} --version\` failed)`);
  return spec;
}

function parseArgs(argv) {
  const value = (name, fallback) => {
    const i = argv.indexOf(name);
    return i === -1 ? fallback : argv[i + 1];
  };
  const valued = ["--runs", "--budget", "--seed", "--sizes", "--scale", "--work", "--node"];
  const known = new Set([...valued, "--keep", "--json", "--no-pin", "--no-istioctl", "--no-build"]);
  argv.forEach((a, i) => {
    if (a.startsWith("--") && !known.has(a)) throw new UsageError(`unknown option ${a}`);
    if (!a.startsWith("--") && !valued.includes(argv[i - 1])) throw new UsageError(`unexpected argument ${a}`);
  });
  const int = (name, fallback, min) => {
    const n = Number(value(name, fallback));
    if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} needs an integer of at least ${min}`);
    return n;
  };
  const scale = Number(value("--scale", 1));
  if (!(scale > 0 && scale <= 10)) throw new UsageError("--scale needs a number in (0, 10]");
  const sizes = String(value("--sizes", "5,10,20"))
    .split(",")
    .map((s) => {
      if (!SIZES[s]) throw new UsageError(`--sizes takes a comma-separated list of ${Object.keys(SIZES).join(", ")}`);
      return { ...SIZES[s], exports: Math.max(1, Math.round(SIZES[s].exports * scale)) };
    });
  return {
    runs: int("--runs", 3, 1),
    budget: int("--budget", 300, 0),
    seed: int("--seed", 1, 0),
    sizes,
    work: value("--work", undefined),
    node: value("--node", undefined),
    keep: argv.includes("--keep"),
    json: argv.includes("--json"),
    pin: !argv.includes("--no-pin") && hasTaskset(),
    istioctl: !argv.includes("--no-istioctl"),
    build: !argv.includes("--no-build"),
  };
}

async function main(argv) {
  const options = parseArgs(argv);
  const out = (line = "") => {
    if (!options.json) process.stdout.write(`${line}\n`);
  };
  const note = (line) => process.stderr.write(`${line}\n`);

  if (!existsSync(join(root, "dist", "index.js"))) throw new Error("dist/ is missing: run `npm run build` first");
  if (options.node !== undefined) NODE = resolveNode(options.node);
  const nodeVersion = spawnSync(NODE, ["--version"], { encoding: "utf8" }).stdout.trim();
  if (!meshfedHasVerify()) {
    note(
      "bench verify: `meshfed verify` does not exist in this build (node bin/meshfed.js verify --help failed); run `npm run build` once src/verify lands. Skipped.",
    );
    return;
  }
  let istioctl = { ok: false, why: "--no-istioctl" };
  if (options.istioctl) istioctl = ensureIstioctl(options.build);
  if (!istioctl.ok) note(`bench verify: skipping istioctl analyze: ${istioctl.why}`);
  const gnuTime = detectGnuTime();
  const work = options.work ?? mkdtempSync(join(tmpdir(), "meshfed-bench-verify-"));
  mkdirSync(work, { recursive: true });
  MESHFED = snapshotMeshfed(work);

  const cores = typeof availableParallelism === "function" ? availableParallelism() : cpus().length;
  const istioVersion = istioctl.ok
    ? (spawnSync(ISTIOCTL, ["version", "--remote=false", "--short"], { encoding: "utf8" }).stdout ?? "").replace("client version:", "").trim()
    : "";
  out(`meshfed verify vs istioctl analyze: meshfed on node ${nodeVersion}, ${cpus()[0]?.model ?? "unknown CPU"}, ${cores} cores available`);
  out(
    `${options.pin ? "each command pinned to core 0 (taskset -c 0)" : "not pinned"}; median of up to ${options.runs} runs (no further run once a tool has spent ${options.budget} s on a size); seed ${options.seed}; ` +
      `peak memory from ${gnuTime ? "GNU time %M" : "/proc/PID/status VmHWM sampled every 10 ms (no GNU time)"}` +
      (istioctl.ok ? `; istioctl ${istioVersion || "(version unknown)"}` : ""),
  );
  out();

  const results = [];
  try {
    for (const size of options.sizes) {
      const dir = join(work, `scenario-${size.meshes}`);
      rmSync(dir, { recursive: true, force: true });
      const t = performance.now();
      const scenario = await writeScenario(size, options.seed, dir);
      note(
        `bench verify: ${size.meshes} meshes: ${scenario.resources} resources in ${scenario.files} files, ${scenario.probes} probes ` +
          `(generated in ${fmtMs(performance.now() - t)}); measuring...`,
      );
      const scenarioDoc = (await import("yaml")).parse(readFileSync(join(dir, "scenario.yaml"), "utf8"));
      writeFileSync(join(work, "expect.json"), JSON.stringify(scenarioDoc.probes.map((p) => [p.name, p.expect])));
      const runOpts = { work, gnuTime, pin: options.pin };
      const progress = (tool, i, r) =>
        note(
          `bench verify: ${size.meshes} meshes: ${tool} run ${i + 1}/${options.runs}: ${fmtMs(r.wallMs)} wall, ${fmtMs(r.cpuMs)} cpu, ${fmtMiB(r.peakBytes)} peak`,
        );
      // Like hyperfine's --runs with a time limit: repeat up to --runs times, but start no further
      // run of a tool once it has spent --budget seconds on this size (at least one run always).
      // The two tools take turns, so that both are measured under the same machine conditions: a
      // VM's speed drifts over minutes, and measuring one tool's runs after the other's moved the
      // ratio by a tenth between otherwise equal benchmarks.
      const tools = [
        { name: "meshfed verify", runs: [], spentMs: 0, once: () => runMeshfed(scenario, runOpts) },
        ...(istioctl.ok ? [{ name: "istioctl analyze", runs: [], spentMs: 0, once: () => runIstioctl(scenario, runOpts) }] : []),
      ];
      const due = (t) => t.runs.length < options.runs && (t.runs.length === 0 || t.spentMs < options.budget * 1000);
      while (tools.some(due)) {
        for (const t of tools.filter(due)) {
          const r = await t.once();
          t.runs.push(r);
          t.spentMs += r.wallMs;
          progress(t.name, t.runs.length - 1, r);
        }
      }
      const [meshfedRuns, istioctlRuns = []] = [tools[0].runs, tools[1]?.runs];
      const summary = (runs) =>
        runs.length === 0
          ? undefined
          : {
              runs: runs.length,
              wallMs: median(runs.map((r) => r.wallMs)),
              minMs: Math.min(...runs.map((r) => r.wallMs)),
              maxMs: Math.max(...runs.map((r) => r.wallMs)),
              cpuMs: runs.some((r) => r.cpuMs === undefined) ? undefined : median(runs.map((r) => r.cpuMs)),
              peakBytes: median(runs.map((r) => r.peakBytes)),
            };
      results.push({
        ...size,
        resources: scenario.resources,
        files: scenario.files,
        bytes: scenario.bytes,
        probes: scenario.probes,
        verdicts: { allow: meshfedRuns[0].allow, agree: meshfedRuns[0].agree, exposure: meshfedRuns[0].exposure },
        meshfed: summary(meshfedRuns),
        istioctl: summary(istioctlRuns),
        istioctlMessages: istioctlRuns[0]?.messages,
      });
      if (!options.keep) rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    if (!options.keep && !options.work) rmSync(work, { recursive: true, force: true });
  }

  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ node: nodeVersion, istioctl: istioctl.ok ? istioVersion : null, pinned: options.pin, gnuTime, runs: options.runs, results }, null, 2)}\n`,
    );
    return;
  }
  const ratio = (r) => (r.istioctl ? r.istioctl.wallMs / r.meshfed.wallMs : undefined);
  out(
    table([
      [
        "size (meshes/exports/consumers)",
        "resources",
        "input",
        "probes",
        "runs",
        "meshfed wall",
        "cpu",
        "peak mem",
        "istioctl wall",
        "cpu",
        "peak mem",
        "ratio",
        "cpu ratio",
      ],
      ...results.map((r) => [
        `${r.meshes}/${r.exports}/${r.consumers}`,
        String(r.resources),
        `${(r.bytes / MiB).toFixed(1)} MiB`,
        String(r.probes),
        `${r.meshfed.runs}/${r.istioctl?.runs ?? 0}`,
        fmtMs(r.meshfed.wallMs),
        fmtMs(r.meshfed.cpuMs),
        fmtMiB(r.meshfed.peakBytes),
        fmtMs(r.istioctl?.wallMs),
        fmtMs(r.istioctl?.cpuMs),
        fmtMiB(r.istioctl?.peakBytes),
        fmtRatio(ratio(r)),
        fmtRatio(r.istioctl?.cpuMs && r.meshfed.cpuMs ? r.istioctl.cpuMs / r.meshfed.cpuMs : undefined),
      ]),
    ]),
  );
  out();
  out(
    "  runs = measured runs of meshfed/istioctl; wall = median of the runs, from spawn to exit; cpu = median user+sys (GNU time); peak mem = max RSS of the process",
  );
  out("  (istioctl: one `analyze --use-kube=false -A` per mesh directory, wall and cpu summed over the meshes, peak = the largest mesh's);");
  out(`  ratio = istioctl wall / meshfed wall (target: at least ${TARGET_RATIO}x).`);
  for (const r of results) {
    const spread = (s) => (s ? `${fmtMs(s.minMs)}..${fmtMs(s.maxMs)}` : "n/a");
    const msgs = r.istioctlMessages
      ? Object.entries(r.istioctlMessages)
          .map(([k, n]) => `${n} ${k}`)
          .join(", ") || "none"
      : "n/a";
    out(
      `  ${r.meshes} meshes: meshfed runs ${spread(r.meshfed)}, istioctl runs ${spread(r.istioctl)}; ` +
        `verify: ${r.verdicts.allow} of ${r.probes} probes allowed, ${r.verdicts.agree} agree with the scenario's expect, ${r.verdicts.exposure} exposure entries; istioctl messages: ${msgs}`,
    );
  }
  const busy = results.filter((r) => [r.meshfed, r.istioctl].some((s) => s?.cpuMs && s.wallMs > 1.15 * s.cpuMs));
  if (busy.length > 0) {
    out(
      `  note: wall time exceeds CPU time by more than 15% at ${busy.map((r) => `${r.meshes} meshes`).join(", ")}: the core was shared with other processes (or, for istioctl, the process waited on startup and I/O); compare the cpu columns.`,
    );
  }
  out();

  const base = results[0];
  const perResource = (r, tool, key = "wallMs") => (r[tool]?.[key] === undefined ? undefined : r[tool][key] / r.resources);
  const rel = (r, tool, key) => {
    const a = perResource(r, tool, key);
    const b = perResource(base, tool, key);
    return a === undefined || b === undefined ? "n/a" : `${(a / b).toFixed(2)}x`;
  };
  out("growth (time per resource, relative to the smallest size):");
  out(
    table([
      ["size", "resources", "meshfed per resource", "meshfed growth", "cpu growth", "istioctl per resource", "istioctl growth", "cpu growth"],
      ...results.map((r) => [
        `${r.meshes} meshes`,
        String(r.resources),
        `${(perResource(r, "meshfed") * 1000).toFixed(0)} µs`,
        rel(r, "meshfed", "wallMs"),
        rel(r, "meshfed", "cpuMs"),
        r.istioctl ? `${(perResource(r, "istioctl") * 1000).toFixed(0)} µs` : "n/a",
        rel(r, "istioctl", "wallMs"),
        rel(r, "istioctl", "cpuMs"),
      ]),
    ]),
  );
  out("  near 1.00x is linear growth; a ratio that grows with size means super-linear work.");
  out();

  const big = results[results.length - 1];
  const growth = perResource(big, "meshfed") / perResource(base, "meshfed");
  // The speed target holds at every size, not only the largest: a fixed start-up cost weighs
  // most on the smallest.
  const speeds = results.map((r) => ({ r, speed: ratio(r) }));
  const measured = speeds.filter((x) => x.speed !== undefined);
  const speedText =
    measured.length === 0
      ? "NOT MEASURED (no istioctl)"
      : `${measured.every((x) => x.speed >= TARGET_RATIO) ? "MET" : "MISSED"} (${measured
          .map(
            ({ r, speed }) =>
              `${r.meshes} meshes ${fmtRatio(speed)}${speed >= TARGET_RATIO ? "" : speed < 1 ? `, meshfed ${(1 / speed).toFixed(1)}x slower` : ", missed"}`,
          )
          .join("; ")})`;
  out(
    `target: meshfed verify at least ${TARGET_RATIO}x faster than istioctl analyze at every size: ${speedText}` +
      (results.length > 1
        ? `; near-linear growth: ${growth.toFixed(2)}x per resource from ${base.resources} to ${big.resources} resources ${growth <= 1.5 ? "MET" : "MISSED"} (limit 1.5x)`
        : ""),
  );
}

main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`bench verify: ${error.message}\n`);
  if (error instanceof UsageError) {
    process.stderr.write(
      "usage: node bench/verify.js [--runs N] [--budget SECONDS] [--seed S] [--sizes 5,10,20] [--scale F] [--work DIR] [--node PATH|lts] [--keep] [--json] [--no-pin] [--no-istioctl] [--no-build]\n",
    );
    process.exitCode = 2;
  } else process.exitCode = 1;
});
