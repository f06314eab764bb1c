import type { Command } from "commander";
import { allCodes, docsLink, type CodeInfo } from "../../diagnostics/codes.js";
import { diagnosticsMarkdown } from "../../diagnostics/markdown.js";
import { didYouMean } from "../../model/suggest.js";
import { ExitCode, parseFormat, UsageError, type CliIo } from "../io.js";
import type { SetExit } from "../main.js";

/** A code's registry entry as data: functions (the templates) left out. */
const entryJson = (c: CodeInfo) => ({
  code: c.code,
  name: c.name,
  severity: c.severity,
  title: c.title,
  explanation: c.explanation,
  ...(c.retired ? { retired: true } : {}),
});

function entryText(c: CodeInfo): string {
  return `${c.code}  ${c.severity}  ${c.name}${c.retired ? "  (retired)" : ""}\n${c.title}.\n\n${c.explanation}\n\nsee: ${docsLink(c.code)}\n`;
}

export function registerDiagnostics(program: Command, io: CliIo, setExit: SetExit): void {
  program
    .command("diagnostics")
    .description("List every diagnostic code meshfed can report, or explain one (meshfed diagnostics MF3008).")
    .argument("[code]", "one code to explain, e.g. MF3008")
    .option("--markdown", "print docs/diagnostics.md (the same as -o markdown)")
    .option("-o, --output <format>", "text, json or markdown")
    .action((code: string | undefined, opts: { markdown?: boolean; output?: string }) => {
      if (opts.markdown && opts.output !== undefined && opts.output !== "markdown") {
        throw new UsageError(`--markdown and -o ${opts.output} ask for two formats; use one (-o markdown is the same as --markdown)`);
      }
      const format = opts.markdown ? "markdown" : parseFormat(opts.output ?? "text", ["text", "json", "markdown"]);
      if (code !== undefined) {
        const wanted = code.toUpperCase();
        const entry = allCodes().find((c) => c.code === wanted || c.name === code);
        if (!entry) {
          const guess = didYouMean(
            wanted,
            allCodes().map((c) => c.code),
          );
          throw new UsageError(`no diagnostic ${code}${guess ? `; did you mean ${guess}?` : ""} (meshfed diagnostics lists them all)`);
        }
        if (format === "json") io.stdout.write(`${JSON.stringify(entryJson(entry), null, 2)}\n`);
        else if (format === "markdown") {
          const md = diagnosticsMarkdown();
          const start = md.indexOf(`### ${entry.code}\n`);
          const end = md.indexOf("\n#", start + 1);
          io.stdout.write(`${md.slice(start, end < 0 ? undefined : end).trimEnd()}\n`);
        } else io.stdout.write(entryText(entry));
        setExit(ExitCode.ok);
        return;
      }
      if (format === "markdown") io.stdout.write(diagnosticsMarkdown());
      else if (format === "json") io.stdout.write(`${JSON.stringify(allCodes().map(entryJson), null, 2)}\n`);
      else for (const c of allCodes()) io.stdout.write(`${c.code}  ${c.severity.padEnd(7)}  ${c.name.padEnd(28)}  ${c.title}\n`);
      setExit(ExitCode.ok);
    });
}
