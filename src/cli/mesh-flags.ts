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

/**
 * `--mesh` for a command on one cluster: `NAME` (credentials from --kubeconfig and --context, or
 * their defaults) or `NAME=KUBECONFIG[#CONTEXT]`, the form doctor and verify --live take.
 */
export function meshWithTarget(
  value: string,
  flags: { readonly kubeconfig?: string; readonly context?: string },
): { mesh: string; kubeconfig?: string; context?: string } {
  const eq = value.indexOf("=");
  if (eq < 0)
    return {
      mesh: value,
      ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}),
      ...(flags.context !== undefined ? { context: flags.context } : {}),
    };
  if (eq === 0 || eq === value.length - 1) throw new UsageError(`--mesh ${value}: expected NAME or NAME=KUBECONFIG[#CONTEXT]`);
  if (flags.kubeconfig !== undefined || flags.context !== undefined) {
    throw new UsageError(`--mesh ${value} names the kubeconfig already; leave out --kubeconfig and --context`);
  }
  const rest = value.slice(eq + 1);
  const hash = rest.lastIndexOf("#");
  return { mesh: value.slice(0, eq), ...(hash > 0 ? { kubeconfig: rest.slice(0, hash), context: rest.slice(hash + 1) } : { kubeconfig: rest }) };
}
