import { promises as fsp } from "node:fs";
import { resolve } from "node:path";
import { formatDiagnostic, sortDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";

/** The process surface the CLI uses, injected so tests run it in-process. */
export interface CliIo {
  readonly stdout: { write(chunk: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(chunk: string): unknown; readonly isTTY?: boolean };
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads all of standard input, for a file argument `-`; absent where there is none. */
  readonly readStdin?: () => Promise<string>;
}

/** How a file argument is named in messages and positions: `-` is standard input. */
export function displayName(file: string): string {
  return file === "-" ? "<stdin>" : file;
}

/** Exit codes of every command (documented in the README). */
export const ExitCode = {
  ok: 0,
  usage: 2,
  invalidInput: 3,
  findings: 4,
  cluster: 5,
} as const;

/** Thrown for usage errors (bad flags, unreadable files); the CLI prints it and exits 2. */
export class UsageError extends Error {}

/** A file's text; anything but a regular file (a FIFO would hang, a directory cannot be read) is refused at once. */
export async function readInput(io: CliIo, file: string): Promise<string> {
  if (file === "-") {
    if (!io.readStdin) throw new UsageError("cannot read standard input (-): it is a terminal or closed; pipe the file in or name it");
    return io.readStdin();
  }
  const path = resolve(io.cwd, file);
  try {
    if (!(await fsp.stat(path)).isFile()) throw new UsageError(`cannot read ${file}: not a regular file`);
    return await fsp.readFile(path, "utf8");
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw new UsageError(`cannot read ${file}: ${code === "ENOENT" ? "no such file" : code}`);
  }
}

export type OutputFormat = "text" | "json" | "yaml" | "markdown";

export function parseFormat(value: string, allowed: readonly OutputFormat[]): OutputFormat {
  if ((allowed as readonly string[]).includes(value)) return value as OutputFormat;
  throw new UsageError(`-o ${value} is not supported here; use ${allowed.join(" or ")}`);
}

/** Prints diagnostics to stderr with source excerpts and a summary line. */
export function printDiagnostics(io: CliIo, diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>): void {
  for (const d of sortDiagnostics(diagnostics)) {
    io.stderr.write(`${formatDiagnostic(d, d.position ? sources.get(d.position.file) : undefined)}\n\n`);
  }
}

export function summarize(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.filter((d) => d.severity === "warning").length;
  return `${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}`;
}

/**
 * Reports input that cannot be processed (exit 3): the diagnostics on stderr as text, and under
 * `-o json` also a JSON error object on stdout, so a script reading stdout always gets JSON.
 */
export function reportInvalidInput(io: CliIo, format: string, message: string, diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>): void {
  printDiagnostics(io, diagnostics, sources);
  io.stderr.write(`${message} (${summarize(diagnostics)})\n`);
  if (format === "json") io.stdout.write(jsonError("invalid-input", ExitCode.invalidInput, message, diagnostics));
}

/** The JSON error object written on stdout under `-o json` (schema: docs/schemas/error.schema.json). */
export function jsonError(kind: "usage" | "invalid-input" | "internal", exitCode: number, message: string, diagnostics?: readonly Diagnostic[]): string {
  return `${JSON.stringify({ error: { kind, exitCode, message }, ...(diagnostics ? { diagnostics: sortDiagnostics(diagnostics) } : {}) }, null, 2)}\n`;
}
