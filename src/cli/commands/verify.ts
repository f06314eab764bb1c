import { resolve } from "node:path";
import type { Command } from "commander";
import { hasErrors } from "../../diagnostics/diagnostic.js";
import { loadScenario } from "../../verify/load-scenario.js";
import { compareExpectations, formatVerdictText, verdictJson } from "../../verify/format-verdict.js";
import { verifyScenario } from "../../verify/verify-scenario.js";
import { ExitCode, parseFormat, printDiagnostics, summarize, UsageError, type CliIo } from "../io.js";
import type { SetExit } from "../main.js";

export function registerVerify(program: Command, io: CliIo, setExit: SetExit): void {
  program
    .command("verify")
    .description("Follow every probe of a scenario directory through the client sidecar, the east-west gateway and the server sidecar, and compute each mesh's exposure (same verdict JSON as the conformance oracle).")
    .argument("<dir>", "scenario directory (scenario.yaml and <mesh>/*.yaml)")
    .option("-o, --output <format>", "text or json", "text")
    .action(async (dir: string, opts: { output: string }) => {
      const format = parseFormat(opts.output, ["text", "json"]);
      let loaded;
      try {
        loaded = await loadScenario(resolve(io.cwd, dir), io.cwd);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === undefined) throw err;
        throw new UsageError(`cannot read scenario ${dir}: ${code === "ENOENT" ? "no such file or directory (scenario.yaml)" : code}`);
      }
      printDiagnostics(io, loaded.diagnostics, loaded.sources);
      if (!loaded.scenario || hasErrors(loaded.diagnostics)) {
        io.stderr.write(`${dir}: not verified (${summarize(loaded.diagnostics)})\n`);
        setExit(ExitCode.invalidInput);
        return;
      }
      const { verdict, results } = verifyScenario(loaded.scenario);
      const mismatches = compareExpectations(loaded.scenario, verdict);
      io.stdout.write(format === "json" ? verdictJson(verdict) : formatVerdictText(loaded.scenario, verdict, results.map((r) => {
              const last = r.decidedBy[r.decidedBy.length - 1];
              return r.why && last && r.verdict.deniedAt !== "trust" ? `${r.why} (${last.kind} ${last.namespace}/${last.name}, ${last.file}:${last.line})` : r.why;
            }), mismatches));
      if (format === "json") for (const m of mismatches) io.stderr.write(`${dir}: ${m.probe ? `${m.probe}: ` : ""}${m.message}\n`);
      setExit(mismatches.length > 0 ? ExitCode.findings : ExitCode.ok);
    });
}
