import { diagnostic } from "../diagnostics/diagnostic.js";
import type { WriteReport } from "../output/write-files.js";
import { printDiagnostics, type CliIo } from "./io.js";

/**
 * Prints what a `--out` write did: conflicts as MF2004 errors (then nothing was written), and
 * otherwise the files it left alone, so a user sees that meshfed kept them. Returns whether
 * the write happened.
 */
export function reportWrite(io: CliIo, out: string, report: WriteReport): boolean {
  if (report.conflicts.length > 0) {
    printDiagnostics(
      io,
      report.conflicts.map((c) =>
        diagnostic("MF2004", { file: `${out}/${c.path}`, edited: c.reason === "edited-since-written" }, { value: `${out}/${c.path}` }),
      ),
      new Map(),
    );
    io.stderr.write(`${out}: nothing written (${report.conflicts.length} file${report.conflicts.length === 1 ? "" : "s"} not meshfed's)\n`);
    return false;
  }
  if (report.removed.length > 0)
    io.stderr.write(`removed ${report.removed.length} file(s) meshfed wrote earlier and no longer generates: ${report.removed.join(", ")}\n`);
  if (report.leftAlone.length > 0) {
    io.stderr.write(`left alone ${report.leftAlone.length} file(s) meshfed did not write: ${report.leftAlone.map((f) => `${out}/${f}`).join(", ")}\n`);
  }
  return true;
}
