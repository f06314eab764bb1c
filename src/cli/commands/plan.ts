import type { Command } from "commander";
import { hasErrors } from "../../diagnostics/diagnostic.js";
import { formatPlan, planFederation } from "../../plan/plan.js";
import { formatPlanChange, formatPlanChangeMarkdown, planChange } from "../../plan/plan-change.js";
import { layoutFiles } from "../../render/render.js";
import { displayName, ExitCode, parseFormat, printDiagnostics, reportInvalidInput, UsageError, type CliIo } from "../io.js";
import { loadFederation } from "../load-federation.js";
import type { SetExit } from "../main.js";
import { readRenderTree } from "../read-render-tree.js";

export function registerPlan(program: Command, io: CliIo, setExit: SetExit): void {
  program
    .command("plan")
    .description(
      "Summarize, per mesh, what it exposes to whom, what it imports, its resources and install-time settings; with --against DIR (a previous render --out), what applying this version changes and in which order to roll it out.",
    )
    .argument("<file>", "federation file (YAML)")
    .option(
      "--against <dir>",
      "a previous `meshfed render --out` tree: show resources and install settings added, changed and removed, the rollout order and the restarts it needs",
    )
    .option("--mesh <name>", "only this mesh")
    .option("-o, --output <format>", "text or json (or markdown with --against, for a pull-request comment)", "text")
    .addHelpText(
      "after",
      `
Examples:
  meshfed plan federation.yaml
  git show main:federation.yaml > /tmp/old.yaml && meshfed render /tmp/old.yaml --out /tmp/old
  meshfed plan federation.yaml --against /tmp/old -o markdown`,
    )
    .action(async (file: string, opts: { output: string; against?: string; mesh?: string }) => {
      const format = parseFormat(opts.output, opts.against !== undefined ? ["text", "json", "markdown"] : ["text", "json"]);
      const previous = opts.against !== undefined ? readRenderTree(opts.against, io.cwd) : undefined;
      const loaded = await loadFederation(io, file);
      if (!loaded.federation || !loaded.compiled || hasErrors(loaded.diagnostics)) {
        reportInvalidInput(io, format, `${displayName(file)}: no plan`, loaded.diagnostics, loaded.sources);
        setExit(ExitCode.invalidInput);
        return;
      }
      printDiagnostics(io, loaded.diagnostics, loaded.sources);
      const compiled = loaded.compiled;
      if (
        opts.mesh !== undefined &&
        !compiled.meshes.some((m) => m.mesh === opts.mesh) &&
        !(previous && [...previous.keys()].some((p) => p.startsWith(`${opts.mesh}/`)))
      ) {
        throw new UsageError(`--mesh ${opts.mesh}: no such mesh; meshes: ${compiled.meshes.map((m) => m.mesh).join(", ")}`);
      }
      if (previous === undefined) {
        const full = planFederation(loaded.federation, compiled);
        const plan = opts.mesh === undefined ? full : { ...full, meshes: full.meshes.filter((m) => m.mesh === opts.mesh) };
        io.stdout.write(format === "json" ? `${JSON.stringify(plan, null, 2)}\n` : formatPlan(plan, full.meshes.length));
        setExit(ExitCode.ok);
        return;
      }
      const inMesh = (path: string) => opts.mesh === undefined || path.startsWith(`${opts.mesh}/`);
      const imports = new Map(compiled.meshes.map((m) => [m.mesh, [...new Set(m.imports.map((i) => i.namespace))].sort()]));
      const result = planChange(
        compiled.federation,
        new Map([...layoutFiles(compiled, opts.mesh)].filter(([p]) => inMesh(p))),
        new Map([...previous].filter(([p]) => inMesh(p))),
        opts.against!,
        imports,
      );
      if (!result.plan) {
        reportInvalidInput(io, format, `${opts.against}: no plan`, result.diagnostics, new Map());
        setExit(ExitCode.invalidInput);
        return;
      }
      const plan = result.plan;
      io.stdout.write(
        format === "json" ? `${JSON.stringify(plan, null, 2)}\n` : format === "markdown" ? formatPlanChangeMarkdown(plan) : formatPlanChange(plan),
      );
      setExit(ExitCode.ok);
    });
}
