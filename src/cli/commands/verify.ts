import type { Command } from "commander";
import { parseSuppression, type Suppression } from "../../analyze/filter-findings.js";
import type { Severity } from "../../diagnostics/codes.js";
import { formatDiagnostic, hasErrors } from "../../diagnostics/diagnostic.js";
import type { CompiledFederation } from "../../compile/types.js";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Federation } from "../../model/types.js";
import type { Scenario } from "../../verify/types.js";
import { formatVerdictText, goJson, orderedVerdict, probeWhy, verifyResultLine } from "../../verify/format-verdict.js";
import { formatMatrix } from "../../verify/reachability-matrix.js";
import { runVerify } from "../../verify/run-verify.js";
import { displayName, ExitCode, parseFormat, reportInvalidInput, UsageError, type CliIo } from "../io.js";
import { loadFederation } from "../load-federation.js";
import type { SetExit } from "../main.js";
import { parseMeshTargets } from "../kube-common.js";
import { collect, parseMeshPaths } from "../mesh-flags.js";
import { loadScenario } from "../read-files.js";
import { selectMeshes } from "../select-meshes.js";
interface VerifyOptions {
  output: string;
  model?: string;
  mesh: string[];
  live: string[];
  suppress: string[];
  failureThreshold: string;
}

export function registerVerify(program: Command, io: CliIo, setExit: SetExit): void {
  program
    .command("verify")
    .description(
      "Follow every probe through the client sidecar, the east-west gateway and the server sidecar, compute each mesh's exposure (the verdict JSON of the conformance oracle), and report findings. With --model, audit least privilege: every reachable cross-mesh call must be intended by the federation file, and every intended one reachable.",
    )
    .argument("[dir]", "scenario directory (scenario.yaml and <mesh>/*.yaml); omit it with --mesh, or with --model alone to prove the model's own render")
    .option("-o, --output <format>", "text or json", "text")
    .option("--model <file>", "federation file to audit against (and the mesh settings for --mesh)")
    .option(
      "--mesh <name[=path]>",
      "NAME=PATH: a mesh's resources from a file or directory (repeatable; needs --model); NAME: show only the probes from or into that mesh and its exposure (findings and the exit code still cover every mesh)",
      collect,
      [],
    )
    .option(
      "--live <name=kubeconfig[#context]>",
      "read a mesh's resources from its cluster, with that cluster's own credentials (repeatable; needs --model)",
      collect,
      [],
    )
    .option("--suppress <code=mesh/Kind/namespace/name>", "hide a finding (repeatable; * matches any part)", collect, [])
    .option("--failure-threshold <severity>", "lowest finding severity that makes verify exit 4: error, warning or info", "error")
    .addHelpText(
      "after",
      `
Examples:
  meshfed verify ./scenario
  meshfed verify --model federation.yaml                  (proves the model's own render)
  meshfed verify --model federation.yaml --mesh production (its calls and exposure only)
  meshfed verify ./scenario --model federation.yaml -o json
  meshfed verify --model federation.yaml --mesh production=./prod/ --mesh operations=ops.yaml
  meshfed verify --model federation.yaml --live production=prod.kubeconfig --live operations=ops.kubeconfig#ops-admin
  meshfed verify ./scenario --suppress 'MF3209=production/AuthorizationPolicy/istio-system/*'`,
    )
    .action(async (dir: string | undefined, opts: VerifyOptions) => {
      const format = parseFormat(opts.output, ["text", "json"]);
      const threshold = opts.failureThreshold as Severity;
      if (!["error", "warning", "info"].includes(threshold)) throw new UsageError(`--failure-threshold ${opts.failureThreshold}: use error, warning or info`);
      const suppressions: Suppression[] = opts.suppress.map((s) => {
        const parsed = parseSuppression(s);
        if (typeof parsed === "string") throw new UsageError(parsed);
        return parsed;
      });
      // --mesh NAME selects what is shown; --mesh NAME=PATH gives a mesh's files.
      const selected = new Set(opts.mesh.filter((m) => !m.includes("=")));
      const meshPaths = parseMeshPaths(opts.mesh.filter((m) => m.includes("=")));
      const liveTargets = parseMeshTargets(opts.live, "--live");
      if (liveTargets.size > 0 && (meshPaths.size > 0 || dir !== undefined))
        throw new UsageError("give --live clusters, --mesh files or a scenario directory, not several");
      if (liveTargets.size > 0 && opts.model === undefined)
        throw new UsageError("--live needs --model: the mesh settings (trust domains, gateways) come from the federation file");
      if (meshPaths.size > 0 && dir !== undefined) throw new UsageError("give either a scenario directory or --mesh files, not both");
      if (meshPaths.size === 0 && dir === undefined && opts.model === undefined)
        throw new UsageError("missing scenario directory (or --model FILE, with --mesh NAME=PATH to verify files)");
      if (meshPaths.size > 0 && opts.model === undefined)
        throw new UsageError("--mesh needs --model: the mesh settings (trust domains, gateways) come from the federation file");

      let federation: Federation | undefined;
      let compiled: CompiledFederation | undefined;
      const sources = new Map<string, string>();
      if (opts.model !== undefined) {
        // Alone, --model proves the model's own render (compiled here).
        const model = await loadFederation(io, opts.model, meshPaths.size === 0 && liveTargets.size === 0 && dir === undefined);
        for (const [k, v] of model.sources) sources.set(k, v);
        if (!model.federation) {
          reportInvalidInput(io, format, `${displayName(opts.model)}: not audited`, model.diagnostics, sources);
          setExit(ExitCode.invalidInput);
          return;
        }
        federation = model.federation;
        compiled = model.compiled;
        for (const name of [...meshPaths.keys(), ...liveTargets.keys()]) {
          if (!federation.meshes.some((m) => m.name === name))
            throw new UsageError(`--mesh ${name}=...: the model has no mesh "${name}"; meshes: ${federation.meshes.map((m) => m.name).join(", ")}`);
        }
      }
      // Each source's modules are loaded only when used: a scenario directory needs none of the
      // compiler, the Kubernetes client or the YAML writer.
      const loaded: { scenario?: Scenario; diagnostics: readonly Diagnostic[]; sources?: ReadonlyMap<string, string> } | undefined =
        dir !== undefined
          ? loadScenario(dir, io.cwd)
          : meshPaths.size > 0
            ? (await import("../read-mesh-files.js")).loadMeshFiles(federation!, meshPaths, io.cwd)
            : liveTargets.size > 0
              ? await (await import("../live-scenario.js")).readLiveScenario(io, federation!, liveTargets, setExit)
              : (await import("../../scenario/build-scenario.js")).modelScenario(federation!, compiled!);
      if (loaded === undefined) return;
      for (const [k, v] of loaded.sources ?? []) sources.set(k, v);
      const label = dir ?? (meshPaths.size > 0 ? "--mesh files" : liveTargets.size > 0 ? "--live clusters" : `the render of ${opts.model}`);
      if (!loaded.scenario || hasErrors(loaded.diagnostics)) {
        reportInvalidInput(io, format, `${label}: not verified`, loaded.diagnostics, sources);
        setExit(ExitCode.invalidInput);
        return;
      }
      const options = { ...(federation ? { model: federation } : {}), suppress: suppressions, failureThreshold: threshold };
      const meshNames = loaded.scenario.meshes.map((m) => m.name);
      for (const name of selected) {
        if (!meshNames.includes(name)) throw new UsageError(`--mesh ${name}: no such mesh; meshes: ${meshNames.join(", ")}`);
      }
      const whole = runVerify(loaded.scenario, options);
      const report = selected.size > 0 ? selectMeshes(whole, selected, (s) => runVerify(s, options)) : whole;
      const { scenario, verdict, findings, mismatches } = report;
      if (format === "json") {
        io.stdout.write(goJson({ ...orderedVerdict(verdict), findings }));
        for (const m of mismatches) io.stderr.write(`${label}: ${m.probe ? `${m.probe}: ` : ""}${m.message}\n`);
      } else {
        io.stdout.write(formatVerdictText(scenario, verdict, report.results.map(probeWhy), mismatches));
        io.stdout.write(`\n${formatMatrix(report.world, scenario, verdict)}`);
        io.stdout.write(`\nFindings${federation ? ` (audited against ${opts.model})` : ""}\n`);
        if (findings.length === 0) io.stdout.write("  none\n");
        for (const f of findings) io.stdout.write(`${formatDiagnostic(f, f.position ? sources.get(f.position.file) : undefined).replace(/^/gm, "  ")}\n`);
        const count = (s: string) => findings.filter((f) => f.severity === s).length;
        const expectations = scenario.probes.filter((p) => p.expect).length + (scenario.expectExposure ? 1 : 0);
        io.stdout.write(
          `\n${verifyResultLine({ errors: count("error"), warnings: count("warning"), suppressed: report.suppressed }, { total: expectations, missed: mismatches.length }, report.failed)}`,
        );
      }
      setExit(report.failed ? ExitCode.findings : ExitCode.ok);
    });
}
