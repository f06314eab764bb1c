import { codeInfo, docsLink, type ArgsOf, type Code, type Severity, type TemplatedCode, type UntemplatedCode } from "./codes.js";
import { compareStrings } from "../util/compare.js";

/** A position in a source file, 1-based line and column. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** One problem found in user input, with a stable code. */
export interface Diagnostic {
  readonly code: Code;
  readonly severity: Severity;
  /** Where, then what: quotes the bad value. */
  readonly message: string;
  /** What to do about it. */
  readonly fix: string;
  /** JSON path of the offending field, e.g. `spec.meshes[1].name`. */
  readonly path?: string;
  /** The offending value, when there is one. */
  readonly value?: unknown;
  readonly position?: SourcePosition;
  /** The resource a finding is about, `<mesh>: <Kind> <namespace>/<name>`. */
  readonly resource?: string;
}

/** Where a finding is, and anything else about it that is not part of its message. */
export interface DiagnosticWhere {
  /** JSON path of the offending field. */
  readonly path?: string;
  /** The offending value. */
  readonly value?: unknown;
  readonly position?: SourcePosition;
  readonly resource?: string;
  /** Overrides the code's default severity. */
  readonly severity?: Severity;
}

/** The hand-written form, for codes that have no message template yet. */
export interface DiagnosticInput extends DiagnosticWhere {
  readonly message: string;
  readonly fix: string;
}

/**
 * Builds a diagnostic from the code's message and fix templates in the registry, taking the
 * severity from the registry unless `where` overrides it. A missing or mistyped argument is a
 * compile error.
 */
export function diagnostic<C extends TemplatedCode>(code: C, args: ArgsOf<C>, where?: DiagnosticWhere): Diagnostic;
/** Builds a diagnostic from a hand-written message, for a code that has no template yet. */
export function diagnostic(code: UntemplatedCode, input: DiagnosticInput): Diagnostic;
export function diagnostic(code: Code, args: unknown, where?: DiagnosticWhere): Diagnostic {
  const info = codeInfo(code);
  const message = info.message as ((a: unknown) => string) | undefined;
  const fix = info.fix as ((a: unknown) => string) | undefined;
  const text = message && fix ? { message: message(args), fix: fix(args) } : { message: (args as DiagnosticInput).message, fix: (args as DiagnosticInput).fix };
  // A hand-written input carries its own place; a reporter may still add one through `where`.
  const at: DiagnosticWhere = message && fix ? (where ?? {}) : { ...(args as DiagnosticInput), ...where };
  const d: Diagnostic = {
    code,
    severity: at.severity ?? info.severity,
    message: text.message,
    fix: text.fix,
    ...(at.path !== undefined ? { path: at.path } : {}),
    ...(at.value !== undefined ? { value: at.value } : {}),
    ...(at.position !== undefined ? { position: at.position } : {}),
    ...(at.resource !== undefined ? { resource: at.resource } : {}),
  };
  return d;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

const severityRank: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Sorts diagnostics by file, line, column, then code, so output is deterministic. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => {
    const pa = a.position;
    const pb = b.position;
    return (
      compareStrings(pa?.file ?? "", pb?.file ?? "") ||
      (pa?.line ?? 0) - (pb?.line ?? 0) ||
      (pa?.column ?? 0) - (pb?.column ?? 0) ||
      compareStrings(a.code, b.code) ||
      severityRank[a.severity] - severityRank[b.severity] ||
      compareStrings(a.message, b.message)
    );
  });
}

/**
 * Formats a diagnostic for a terminal: `file:line:col: severity MFxxxx: message`, the source
 * line with a caret under the column, then the fix.
 */
export function formatDiagnostic(d: Diagnostic, source?: string): string {
  const where = d.position ? `${d.position.file}:${d.position.line}:${d.position.column}: ` : "";
  const lines = [`${where}${d.severity} ${d.code}: ${d.message}`];
  if (d.position && source !== undefined) {
    const text = source.split(/\r?\n/)[d.position.line - 1];
    if (text !== undefined) {
      const gutter = `${d.position.line} | `;
      lines.push(`  ${gutter}${text}`);
      lines.push(`  ${" ".repeat(gutter.length + Math.max(0, d.position.column - 1))}^`);
    }
  }
  lines.push(`  fix: ${d.fix}`, `  see: ${docsLink(d.code)}`);
  return lines.join("\n");
}
