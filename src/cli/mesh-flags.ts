import { UsageError } from "./io.js";

/** Collects a repeatable option's values (commander's `collect` idiom). */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * `--mesh NAME=PATH` values: each mesh's files or directories, in the order given. A mesh may
 * be named more than once (rendered files plus a dump of its workloads).
 */
export function parseMeshPaths(values: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const v of values) {
    const eq = v.indexOf("=");
    if (eq <= 0 || eq === v.length - 1) throw new UsageError(`--mesh ${v}: expected NAME=PATH (a file or a directory of YAML files)`);
    const name = v.slice(0, eq);
    out.set(name, [...(out.get(name) ?? []), v.slice(eq + 1)]);
  }
  return out;
}
