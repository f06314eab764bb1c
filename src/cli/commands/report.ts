import { createHash } from "node:crypto";
import { resolve } from "node:path";
import type { Command } from "commander";
import { hasErrors } from "../../diagnostics/diagnostic.js";
import { buildFederationGraph } from "../../graph/build-graph.js";
import { graphOfMesh } from "../../graph/select-mesh.js";
import { inlineSvg, renderSvg } from "../../graph/render-svg.js";
import { graphToDot } from "../../graph/to-dot.js";
import type { Federation } from "../../model/types.js";
import { writeFileAtomic } from "../../output/write-file.js";
import { planFederation } from "../../plan/plan.js";
import { auditHeadline } from "../../report/audit-headline.js";
import { diffExposure, formatDiffMarkdown, formatDiffText } from "../../report/exposure-diff.js";
import { renderReportHtml, type InputDigest } from "../../report/render-html.js";
import { compareStrings } from "../../util/compare.js";
import { ExitCode, printDiagnostics, summarize, UsageError, type CliIo } from "../io.js";
import { loadFederation, type Loaded } from "../load-federation.js";
import { VERSION, type SetExit } from "../main.js";
import type { ReportVerification } from "../../report/audit-headline.js";
import { parseMeshTargets } from "../kube-common.js";
import { collect, parseMeshPaths } from "../mesh-flags.js";
import { verifyForReport, type ResourceSource } from "../report-verify.js";

interface ReportOptions {
  out?: string;
  scenario?: string;
  mesh: string[];
  live: string[];
  diff?: boolean;
  output?: string;
}

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/** Loads and compiles a federation file; prints its diagnostics; undefined when it has errors. */
async function loadValid(io: CliIo, file: string, setExit: SetExit, what: string): Promise<(Loaded & { federation: Federation }) | undefined> {
  const loaded = await loadFederation(io, file);
  printDiagnostics(io, loaded.diagnostics, loaded.sources);
  if (!loaded.federation || !loaded.compiled || hasErrors(loaded.diagnostics)) {
    io.stderr.write(`${file}: ${what} (${summarize(loaded.diagnostics)})\n`);
    setExit(ExitCode.invalidInput);
    return undefined;
  }
  return loaded as Loaded & { federation: Federation };
}

async function runDiff(io: CliIo, files: readonly string[], format: string, setExit: SetExit): Promise<void> {
  const [oldFile, newFile] = files as [string, string];
  const before = await loadValid(io, oldFile, setExit, "no diff");
  const after = await loadValid(io, newFile, setExit, "no diff");
  if (!before || !after) return;
  const diff = diffExposure(before.federation, after.federation, { old: oldFile, new: newFile });
  io.stdout.write(format === "json" ? `${JSON.stringify(diff, null, 2)}\n` : format === "markdown" ? formatDiffMarkdown(diff) : formatDiffText(diff));
  setExit(ExitCode.ok);
}

async function runReport(io: CliIo, file: string, opts: ReportOptions, setExit: SetExit): Promise<void> {
  // --mesh NAME shows one mesh's part of the page; --mesh NAME=PATH gives a mesh's files.
  const selected = opts.mesh.filter((m) => !m.includes("="));
  const meshPaths = parseMeshPaths(opts.mesh.filter((m) => m.includes("=")));
  if (opts.out === undefined) throw new UsageError("missing --out FILE (the HTML page to write; - for standard output)");
  if (opts.scenario !== undefined && meshPaths.size > 0) throw new UsageError("give either --scenario DIR or --mesh NAME=PATH files, not both");
  const loaded = await loadValid(io, file, setExit, "no report");
  if (!loaded) return;
  const { federation } = loaded;
  for (const name of selected) {
    if (!federation.meshes.some((m) => m.name === name))
      throw new UsageError(`--mesh ${name}: the federation has no mesh "${name}"; meshes: ${federation.meshes.map((m) => m.name).join(", ")}`);
  }
  if (selected.length > 1) throw new UsageError(`--mesh ${selected.join(", --mesh ")}: select one mesh (or none, for all)`);
  for (const name of meshPaths.keys()) {
    if (!federation.meshes.some((m) => m.name === name))
      throw new UsageError(`--mesh ${name}=...: the federation has no mesh "${name}"; meshes: ${federation.meshes.map((m) => m.name).join(", ")}`);
  }
  const liveTargets = parseMeshTargets(opts.live, "--live");
  if ([opts.scenario !== undefined, meshPaths.size > 0, liveTargets.size > 0].filter(Boolean).length > 1)
    throw new UsageError("give one of --scenario DIR, --mesh NAME=PATH files or --live clusters");
  for (const name of liveTargets.keys()) {
    if (!federation.meshes.some((m) => m.name === name))
      throw new UsageError(`--live ${name}=...: the federation has no mesh "${name}"; meshes: ${federation.meshes.map((m) => m.name).join(", ")}`);
  }
  const source: ResourceSource | undefined =
    opts.scenario !== undefined
      ? { scenario: opts.scenario }
      : meshPaths.size > 0
        ? { meshes: meshPaths }
        : liveTargets.size > 0
          ? { live: liveTargets }
          : undefined;
  const inputs: InputDigest[] = [{ role: "federation", file, sha256: sha256(loaded.sources.get(file) ?? "") }];
  let verification: ReportVerification | undefined;
  if (source) {
    const verified = await verifyForReport(io, federation, source, setExit);
    if (!verified) return;
    if (!verified.verification) {
      printDiagnostics(io, verified.diagnostics, verified.sources);
      io.stderr.write(
        `${"scenario" in source ? source.scenario : "meshes" in source ? "--mesh files" : "--live clusters"}: no report (${summarize(verified.diagnostics)})\n`,
      );
      setExit(ExitCode.invalidInput);
      return;
    }
    verification = verified.verification;
    for (const [f, text] of [...verified.sources].sort(([a], [b]) => compareStrings(a, b))) inputs.push({ role: "resources", file: f, sha256: sha256(text) });
  }
  // One mesh selected: its part of the graph and of the plan; the audit stays that of every mesh.
  const one = selected[0];
  const fullGraph = buildFederationGraph(federation);
  const graphSvg = inlineSvg(await renderSvg(graphToDot(one === undefined ? fullGraph : graphOfMesh(fullGraph, one))));
  const fullPlan = planFederation(federation, loaded.compiled!);
  const html = renderReportHtml({
    plan: one === undefined ? fullPlan : { ...fullPlan, meshes: fullPlan.meshes.filter((m) => m.mesh === one) },
    graphSvg,
    version: VERSION,
    inputs,
    ...(verification ? { verification } : {}),
  });
  if (opts.out === "-") io.stdout.write(html);
  else {
    await writeFileAtomic(resolve(io.cwd, opts.out), html).catch((err: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot write ${opts.out}: ${err.code === "ENOENT" ? "no such directory" : (err.code ?? err.message)}`);
    });
  }
  const headline = auditHeadline(federation.name, verification);
  io.stderr.write(`${opts.out === "-" ? "report" : `wrote ${opts.out}`}: ${headline.text}\n`);
  setExit(headline.status === "fail" ? ExitCode.findings : ExitCode.ok);
}

export function registerReport(program: Command, io: CliIo, setExit: SetExit): void {
  program
    .command("report")
    .description(
      "Write one self-contained HTML page for review and sign-off: the audit's verdict, the federation graph, what each mesh exposes and imports, the reachability matrix and findings (when resources are given), the plan, and digests of the inputs. With --diff, list who gains or loses cross-mesh access between two versions of a federation file.",
    )
    .argument("<files...>", "federation file; with --diff, the old and the new federation file")
    .option("--out <file>", "HTML file to write (- for standard output)")
    .option("--scenario <dir>", "verify a scenario directory's resources against the federation")
    .option(
      "--mesh <name[=path]>",
      "NAME=PATH: verify a mesh's resources from a file or directory (repeatable); NAME: show that mesh's part of the graph and plan (the audit still covers every mesh)",
      collect,
      [],
    )
    .option("--live <name=kubeconfig[#context]>", "verify a mesh's resources read from its cluster with its own credentials (repeatable)", collect, [])
    .option("--diff", "compare two federation files: exposure gained and lost")
    .option("-o, --output <format>", "with --diff: text, markdown (for a pull-request comment) or json")
    .addHelpText(
      "after",
      `
Examples:
  meshfed report federation.yaml --out report.html
  meshfed report federation.yaml --mesh production=./rendered/production --mesh operations=./rendered/operations --out report.html
  meshfed report federation.yaml --scenario ./scenario --out report.html
  meshfed report federation.yaml --live production=prod.kubeconfig --live operations=ops.kubeconfig --out report.html
  meshfed report --diff old/federation.yaml federation.yaml -o markdown

Exit 4 when the audit fails (an error finding or an unmet expectation); the page is written
all the same.`,
    )
    .action(async (files: string[], opts: ReportOptions) => {
      if (opts.diff) {
        if (files.length !== 2) throw new UsageError(`--diff needs two federation files, OLD and NEW; got ${files.length}`);
        if (opts.out !== undefined || opts.scenario !== undefined || opts.mesh.length > 0)
          throw new UsageError("--diff compares two federation files; it takes no --out, --scenario or --mesh");
        const format = opts.output ?? "text";
        if (!["text", "markdown", "json"].includes(format)) throw new UsageError(`-o ${format} is not supported with --diff; use text, markdown or json`);
        await runDiff(io, files, format, setExit);
        return;
      }
      if (files.length !== 1) throw new UsageError(`report takes one federation file (two only with --diff); got ${files.length}`);
      if (opts.output !== undefined) throw new UsageError("-o applies to --diff; the report is HTML, written to --out");
      await runReport(io, files[0]!, opts, setExit);
    });
}
