import { compileFederation } from "../compile/compile-federation.js";
import type { CompiledFederation } from "../compile/types.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { parseFederation } from "../model/parse-federation.js";
import type { Federation } from "../model/types.js";
import { readInput, type CliIo } from "./io.js";

export interface Loaded {
  readonly federation?: Federation;
  readonly compiled?: CompiledFederation;
  readonly diagnostics: readonly Diagnostic[];
  readonly sources: ReadonlyMap<string, string>;
}

/** Reads, validates and (when valid) compiles a federation file. */
export async function loadFederation(io: CliIo, file: string, compile = true): Promise<Loaded> {
  const text = await readInput(io, file);
  const sources = new Map([[file, text]]);
  const parsed = parseFederation(text, file);
  if (!parsed.federation) return { diagnostics: parsed.diagnostics, sources };
  if (!compile) return { federation: parsed.federation, diagnostics: parsed.diagnostics, sources };
  const result = compileFederation(parsed.federation);
  const diagnostics = [...parsed.diagnostics, ...result.diagnostics];
  return result.compiled
    ? { federation: parsed.federation, compiled: result.compiled, diagnostics, sources }
    : { federation: parsed.federation, diagnostics, sources };
}
