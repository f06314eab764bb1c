import { Option, type Command } from "commander";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import { ExitCode, parseFormat, printDiagnostics, summarize, type CliIo } from "../io.js";
import { loadFederation } from "../load-federation.js";
import type { SetExit } from "../main.js";

/** The severities `--failure-threshold` takes, most severe first. */
const thresholds = ["error", "warning"] as const;
type Threshold = (typeof thresholds)[number];

/** Whether a finding is at or above the threshold (info never fails a run). */
export function failsAt(d: Diagnostic, threshold: Threshold): boolean {
  return d.severity === "error" || (threshold === "warning" && d.severity === "warning");
}

export function registerValidate(program: Command, io: CliIo, setExit: SetExit): void {
  program
    .command("validate")
    .description("Check a federation file and report every problem (schema and semantic, in one pass) with its code, position and fix.")
    .argument("<file>", "federation file (YAML)")
    .option("-o, --output <format>", "text or json", "text")
    .addOption(new Option("--failure-threshold <severity>", "exit 3 when a finding at or above this severity exists").choices(thresholds).default("error"))
    .action(async (file: string, opts: { output: string; failureThreshold: Threshold }) => {
      const format = parseFormat(opts.output, ["text", "json"]);
      const loaded = await loadFederation(io, file);
      const failed = loaded.diagnostics.some((d) => failsAt(d, opts.failureThreshold));
      if (format === "json") {
        io.stdout.write(`${JSON.stringify({ file, valid: !failed, failureThreshold: opts.failureThreshold, diagnostics: loaded.diagnostics }, null, 2)}\n`);
      } else {
        printDiagnostics(io, loaded.diagnostics, loaded.sources);
        io.stderr.write(`${file}: ${failed ? "invalid" : "valid"} (${summarize(loaded.diagnostics)})\n`);
      }
      setExit(failed ? ExitCode.invalidInput : ExitCode.ok);
    });
}
