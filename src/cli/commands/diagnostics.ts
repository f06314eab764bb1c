import type { Command } from "commander";
import { allCodes } from "../../diagnostics/codes.js";
import { diagnosticsMarkdown } from "../../diagnostics/markdown.js";
import { ExitCode, parseFormat, type CliIo } from "../io.js";
import type { SetExit } from "../main.js";

export function registerDiagnostics(program: Command, io: CliIo, setExit: SetExit): void {
  program
    .command("diagnostics")
    .description("List every diagnostic code meshfed can report.")
    .option("--markdown", "print docs/diagnostics.md")
    .option("-o, --output <format>", "text or json", "text")
    .action((opts: { markdown?: boolean; output: string }) => {
      const format = parseFormat(opts.output, ["text", "json"]);
      if (opts.markdown) io.stdout.write(diagnosticsMarkdown());
      else if (format === "json") io.stdout.write(`${JSON.stringify(allCodes(), null, 2)}\n`);
      else for (const c of allCodes()) io.stdout.write(`${c.code}  ${c.severity.padEnd(7)}  ${c.name.padEnd(28)}  ${c.title}\n`);
      setExit(ExitCode.ok);
    });
}
