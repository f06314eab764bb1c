import type { CompiledFederation } from "../compile/types.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Federation } from "../model/types.js";
import { displayName, readInput, type CliIo } from "./io.js";

export interface Loaded {
  readonly federation?: Federation;
  readonly compiled?: CompiledFederation;
  readonly diagnostics: readonly Diagnostic[];
  readonly sources: ReadonlyMap<string, string>;
}

/** Reads, validates and (when valid) compiles a federation file. */
export async function loadFederation(io: CliIo, file: string, compile = true): Promise<Loaded> {
  // Loaded on first use: the parser's schema and YAML libraries take longer to import than
  // most commands that do not read a federation take to run.
  const [{ parseFederation }, { compileFederation }] = await Promise.all([import("../model/parse-federation.js"), import("../compile/compile-federation.js")]);
  const text = await readInput(io, file);
  const name = displayName(file);
  const sources = new Map([[name, text]]);
  const parsed = parseFederation(text, name);
  if (!parsed.federation) return { diagnostics: parsed.diagnostics, sources };
  if (!compile) return { federation: parsed.federation, diagnostics: parsed.diagnostics, sources };
  const result = compileFederation(parsed.federation);
  const diagnostics = [...parsed.diagnostics, ...result.diagnostics];
  return result.compiled
    ? { federation: parsed.federation, compiled: result.compiled, diagnostics, sources }
    : { federation: parsed.federation, diagnostics, sources };
}
