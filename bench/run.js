#!/usr/bin/env node
/**
 * meshfed's benchmark: generate a federation, then parse, compile, render the YAML stream
 * and lay out the files, in one process, as `meshfed render` and `meshfed build` do.
 *
 *   npm run build && npm run bench            # all sizes, pinned to one core when taskset exists
 *   node --expose-gc bench/run.js --no-pin    # let the process use every core
 *   node --expose-gc bench/run.js --runs 9    # more measured runs per size (--seed S, --json too)
 *
 * Each size runs in its own child process so that `process.resourceUsage().maxRSS` (a
 * high-water mark for the whole process lifetime) is the peak of that size alone. The child
 * does one warm-up run, then the measured runs, and reports the median. Times are wall
 * times of the main thread (Node runs this code on one thread; the CPU column adds the
 * garbage collector's helper threads, which is what a single core would also have to do).
 *
 * A benchmark reports, it does not assert: a missed target still exits 0. Only a broken
 * pipeline (the generated federation does not parse or compile) exits 1.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { availableParallelism, cpus } from "node:os";
import { generateFederation } from "./generate-federation.js";
import { fmtMiB, fmtMs, hasTaskset, median, MiB, table } from "./report.js";

const TARGET_SECONDS = 2;
const TARGET_MIB = 500;
const SIZES = [
  { meshes: 5, exports: 200, consumers: 5 },
  { meshes: 20, exports: 800, consumers: 5 },
  { meshes: 50, exports: 2000, consumers: 5 },
];
const STAGES = ["parse", "compile", "render", "layout"];

// ---------------------------------------------------------------- child: one size

async function measureSize({ meshes, exports, consumers, seed, runs }) {
  const { parseFederation, compileFederation, renderYamlStream, layoutFiles } = await import("../dist/index.js");
  const collect = () => globalThis.gc?.();
  const text = generateFederation({ meshes, exports, consumers, seed });

  const runOnce = () => {
    const baseRss = process.memoryUsage().rss;
    let peakRss = baseRss;
    const sample = () => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    };
    const ms = {};
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();

    let t = performance.now();
    const parsed = parseFederation(text, "bench.yaml");
    ms.parse = performance.now() - t;
    sample();
    const errors = parsed.diagnostics.filter((d) => d.severity === "error");
    if (!parsed.federation || errors.length > 0) {
      throw new Error(
        `generated federation does not validate: ${parsed.diagnostics
          .slice(0, 3)
          .map((d) => `${d.code} ${d.message}`)
          .join("; ")}`,
      );
    }

    t = performance.now();
    const compiled = compileFederation(parsed.federation);
    ms.compile = performance.now() - t;
    sample();
    if (!compiled.compiled) throw new Error(`compile failed: ${compiled.diagnostics.map((d) => `${d.code} ${d.message}`).join("; ")}`);

    t = performance.now();
    const stream = renderYamlStream(compiled.compiled);
    ms.render = performance.now() - t;
    sample();

    t = performance.now();
    const files = layoutFiles(compiled.compiled);
    ms.layout = performance.now() - t;
    sample();

    ms.total = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const resources = compiled.compiled.meshes.reduce((n, m) => n + m.resources.length, 0);
    return {
      ms,
      cpuMs: (cpu.user + cpu.system) / 1000,
      peakRss,
      baseRss,
      warnings: parsed.diagnostics.length - errors.length,
      resources,
      streamBytes: Buffer.byteLength(stream),
      files: files.size,
    };
  };

  // Collect once, before anything is compiled: a forced gc() is a memory-reducing GC that
  // also throws away V8's optimized code and type feedback, which made the next parse 3-4x
  // slower when it ran between measured runs.
  collect();
  const cold = runOnce(); // warm-up: JIT, inline caches; also what one `meshfed` invocation costs
  // Linux reports maxRSS in KiB. Taken now, it is the peak of one pipeline in a fresh process;
  // at the end it also holds whatever garbage the measured runs left for a lazy GC.
  const coldMaxRssBytes = process.resourceUsage().maxRSS * 1024;
  const results = [];
  for (let i = 0; i < runs; i++) results.push(runOnce());
  return {
    meshes,
    exports,
    consumers,
    inputBytes: Buffer.byteLength(text),
    cold,
    runs: results,
    coldMaxRssBytes,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

// ---------------------------------------------------------------- parent: orchestrate and report

function runChild(size, { seed, runs, pin }) {
  const self = fileURLToPath(import.meta.url);
  const nodeArgs = ["--expose-gc", self, "--child", JSON.stringify({ ...size, seed, runs })];
  const [command, args] = pin ? ["taskset", ["-c", "0", process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const child = spawnSync(command, args, { encoding: "utf8", maxBuffer: 16 * MiB });
  if (child.status !== 0) {
    throw new Error(`measuring ${size.meshes} meshes / ${size.exports} exports failed (exit ${child.status}):\n${child.stderr}`);
  }
  return JSON.parse(child.stdout);
}

function summarize(result) {
  const stage = Object.fromEntries([...STAGES, "total"].map((s) => [s, median(result.runs.map((r) => r.ms[s]))]));
  return {
    ...result,
    stage,
    cpuMs: median(result.runs.map((r) => r.cpuMs)),
    minTotal: Math.min(...result.runs.map((r) => r.ms.total)),
    maxTotal: Math.max(...result.runs.map((r) => r.ms.total)),
    sampledPeak: Math.max(...result.runs.map((r) => r.peakRss)),
    first: result.runs[0],
  };
}

function parentMain(argv) {
  const flag = (name, fallback) => {
    const i = argv.indexOf(name);
    const value = i === -1 ? fallback : Number(argv[i + 1]);
    if (!Number.isInteger(value) || value < (name === "--runs" ? 1 : 0)) throw new Error(`${name} needs a non-negative integer (--runs at least 1)`);
    return value;
  };
  const runs = flag("--runs", 5);
  const seed = flag("--seed", 1);
  const pin = !argv.includes("--no-pin") && hasTaskset();
  const json = argv.includes("--json");

  const cores = typeof availableParallelism === "function" ? availableParallelism() : cpus().length;
  const out = (line = "") => process.stdout.write(`${line}\n`);
  if (!json) {
    out(`meshfed benchmark: node ${process.version}, ${cpus()[0]?.model ?? "unknown CPU"}, ${cores} cores available`);
    out(
      `${pin ? "each size pinned to core 0 (taskset -c 0)" : "not pinned: the GC's helper threads may use other cores"}; 1 warm-up + median of ${runs} runs; seed ${seed}`,
    );
    out();
  }

  const summaries = [];
  for (const size of SIZES) {
    try {
      summaries.push(summarize(runChild(size, { seed, runs, pin })));
    } catch (error) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 1;
      return;
    }
  }
  if (json) {
    out(
      JSON.stringify(
        summaries.map(({ first: _, ...s }) => s),
        null,
        2,
      ),
    );
    return;
  }

  out(
    table([
      [
        "size (meshes/exports/consumers)",
        "input",
        "resources",
        "files",
        "stream",
        "parse",
        "compile",
        "render",
        "layout",
        "total",
        "cold",
        "cpu",
        "rss peak",
        "maxRSS 1 run",
        "maxRSS all",
      ],
      ...summaries.map((s) => [
        `${s.meshes}/${s.exports}/${s.consumers}`,
        `${(s.inputBytes / 1024).toFixed(0)} KiB`,
        String(s.first.resources),
        String(s.first.files),
        `${(s.first.streamBytes / MiB).toFixed(1)} MiB`,
        ...STAGES.map((st) => fmtMs(s.stage[st])),
        fmtMs(s.stage.total),
        fmtMs(s.cold.ms.total),
        fmtMs(s.cpuMs),
        fmtMiB(s.sampledPeak),
        fmtMiB(s.coldMaxRssBytes),
        fmtMiB(s.maxRssBytes),
      ]),
    ]),
  );
  out();
  out("  total = median wall time of parse + compile + render + layout (main thread); cold = the warm-up run (a fresh process, like one CLI call);");
  out("  cpu = median user+sys CPU of the measured runs (all threads, GC helpers included);");
  out("  rss peak = highest process.memoryUsage().rss sampled after each stage of the measured runs;");
  out("  maxRSS = process.resourceUsage().maxRSS after the first (cold) pipeline, and after all 1 + N runs (includes garbage a lazy GC kept).");
  const busy = summaries.filter((s) => s.stage.total > 1.15 * s.cpuMs);
  if (busy.length > 0) {
    out(`  note: wall time exceeds CPU time by more than 15% at ${busy.map((s) => `${s.meshes}/${s.exports}`).join(", ")}: the core was shared with other`);
    out("  processes during the run, so those wall times include waiting; the cpu column is the steadier number.");
  }
  out();

  const base = summaries[0];
  const perExport = (s) => s.stage.total / s.exports;
  out("growth (time per export, relative to the smallest size):");
  out(
    table([
      ["size", "total", "per export", "ratio", "cpu ratio", "parse/export", "compile/export", "render/export", "layout/export"],
      ...summaries.map((s) => [
        `${s.meshes}/${s.exports}`,
        fmtMs(s.stage.total),
        `${(perExport(s) * 1000).toFixed(0)} µs`,
        `${(perExport(s) / perExport(base)).toFixed(2)}x`,
        `${(s.cpuMs / s.exports / (base.cpuMs / base.exports)).toFixed(2)}x`,
        ...STAGES.map((st) => `${(s.stage[st] / s.exports / (base.stage[st] / base.exports)).toFixed(2)}x`),
      ]),
    ]),
  );
  out("  a ratio near 1.00x is linear growth; a ratio that grows with size means a stage is super-linear.");
  out();

  const big = summaries[summaries.length - 1];
  const peak = big.coldMaxRssBytes;
  const timeOk = big.stage.total < TARGET_SECONDS * 1000;
  const memOk = peak < TARGET_MIB * MiB;
  out(
    `target (${big.meshes} meshes, ${big.exports} exports, ${big.consumers} consumers each, ${pin ? "one core" : "unpinned"}): ` +
      `time ${fmtMs(big.stage.total)} vs < ${TARGET_SECONDS} s ${timeOk ? "MET" : "MISSED"} ` +
      `(runs ${fmtMs(big.minTotal)}..${fmtMs(big.maxTotal)}, cpu ${fmtMs(big.cpuMs)}); ` +
      `memory ${fmtMiB(peak)} (maxRSS of one pipeline) vs < ${TARGET_MIB} MiB ${memOk ? "MET" : "MISSED"}`,
  );
}

const argv = process.argv.slice(2);
if (argv[0] === "--child") {
  measureSize(JSON.parse(argv[1])).then(
    (result) => process.stdout.write(JSON.stringify(result)),
    (error) => {
      process.stderr.write(`${error.stack ?? error}\n`);
      process.exitCode = 1;
    },
  );
} else {
  try {
    parentMain(argv);
  } catch (error) {
    process.stderr.write(`bench: ${error.message}\nusage: node --expose-gc bench/run.js [--runs N] [--seed S] [--no-pin] [--json]\n`);
    process.exitCode = 2;
  }
}
