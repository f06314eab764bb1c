import type { Command } from "commander";
import { hasErrors } from "../../diagnostics/diagnostic.js";
import { formatPlan, planFederation } from "../../plan/plan.js";
import { ExitCode, parseFormat, printDiagnostics, summarize, type CliIo } from "../io.js";
import { loadFederation } from "../load-federation.js";
import type { SetExit } from "../main.js";

export function registerPlan(program: Command, io: CliIo, setExit: SetExit): void {
  program
    .command("plan")
    .description("Summarize, per mesh, what it exposes to whom, what it imports, its resources and install-time settings.")
    .argument("<file>", "federation file (YAML)")
    .option("-o, --output <format>", "text or json", "text")
    .action(async (file: string, opts: { output: string }) => {
      const format = parseFormat(opts.output, ["text", "json"]);
      const loaded = await loadFederation(io, file);
      printDiagnostics(io, loaded.diagnostics, loaded.sources);
      if (!loaded.federation || !loaded.compiled || hasErrors(loaded.diagnostics)) {
        io.stderr.write(`${file}: no plan (${summarize(loaded.diagnostics)})\n`);
        setExit(ExitCode.invalidInput);
        return;
      }
      const plan = planFederation(loaded.federation, loaded.compiled);
      io.stdout.write(format === "json" ? `${JSON.stringify(plan, null, 2)}\n` : formatPlan(plan));
      setExit(ExitCode.ok);
    });
}
