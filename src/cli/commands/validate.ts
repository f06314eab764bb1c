import type { Command } from "commander";
import { hasErrors } from "../../diagnostics/diagnostic.js";
import { ExitCode, parseFormat, printDiagnostics, summarize, type CliIo } from "../io.js";
import { loadFederation } from "../load-federation.js";
import type { SetExit } from "../main.js";

export function registerValidate(program: Command, io: CliIo, setExit: SetExit): void {
  program
    .command("validate")
    .description("Check a federation file and report every problem with its code, position and fix.")
    .argument("<file>", "federation file (YAML)")
    .option("-o, --output <format>", "text or json", "text")
    .action(async (file: string, opts: { output: string }) => {
      const format = parseFormat(opts.output, ["text", "json"]);
      const loaded = await loadFederation(io, file);
      const failed = hasErrors(loaded.diagnostics);
      if (format === "json") {
        io.stdout.write(`${JSON.stringify({ file, valid: !failed, diagnostics: loaded.diagnostics }, null, 2)}\n`);
      } else {
        printDiagnostics(io, loaded.diagnostics, loaded.sources);
        io.stderr.write(`${file}: ${failed ? "invalid" : "valid"} (${summarize(loaded.diagnostics)})\n`);
      }
      setExit(failed ? ExitCode.invalidInput : ExitCode.ok);
    });
}
