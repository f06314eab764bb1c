import type { Command } from "commander";
import type { CompiledFederation, MeshOutput } from "../compile/types.js";
import type { KubeClient } from "../kube/client.js";
import { UsageError, type CliIo } from "./io.js";

/** The flags that name one cluster. */
export interface KubeTargetFlags {
  kubeconfig?: string;
  context?: string;
}

/** Adds --kubeconfig and --context to a command. */
export function kubeTargetOptions(cmd: Command): Command {
  return cmd
    .option("--kubeconfig <path>", "kubeconfig of the mesh's cluster (default: $KUBECONFIG, then ~/.kube/config)")
    .option("--context <name>", "kubeconfig context (default: its current context)");
}

/** The compiled output of one mesh, or a usage error naming the meshes there are. */
export function meshOutputOf(compiled: CompiledFederation, mesh: string): MeshOutput {
  const out = compiled.meshes.find((m) => m.mesh === mesh);
  if (!out) throw new UsageError(`--mesh ${mesh}: no such mesh; meshes: ${compiled.meshes.map((m) => m.mesh).join(", ")}`);
  return out;
}

/** Progress lines on a terminal only: piped output stays the result alone. */
export function progressWriter(io: CliIo): (line: string) => void {
  // bin/meshfed.js passes process.env and a stderr wrapper without isTTY: ask the process then.
  const tty = (io.stderr as { isTTY?: boolean }).isTTY === true || (io.env === process.env && process.stderr.isTTY === true);
  return tty ? (line) => io.stderr.write(`${line}\n`) : () => {};
}

/** Connects with the given kubeconfig; prints the problem and returns undefined when it cannot be used. */
export async function connectMesh(io: CliIo, flags: KubeTargetFlags, onRetry?: (s: string) => void): Promise<KubeClient | undefined> {
  const { KubeClient, KubeConfigError } = await import("../kube/client.js");
  try {
    return await KubeClient.connect(
      { kubeconfig: flags.kubeconfig === undefined ? undefined : resolvePath(io, flags.kubeconfig), context: flags.context },
      io.env,
      onRetry ? { onRetry } : {},
    );
  } catch (err) {
    if (err instanceof KubeConfigError) {
      io.stderr.write(`meshfed: error: ${err.message}\n`);
      return undefined;
    }
    throw err;
  }
}

function resolvePath(io: CliIo, p: string): string {
  return p.startsWith("/") ? p : `${io.cwd}/${p}`;
}

/**
 * Parses `NAME=KUBECONFIG[#CONTEXT]` (doctor, verify --live): one cluster per mesh, each with
 * its own credentials.
 */
export function parseMeshTargets(values: readonly string[], flag: string): Map<string, { kubeconfig: string; context?: string }> {
  const out = new Map<string, { kubeconfig: string; context?: string }>();
  for (const v of values) {
    const eq = v.indexOf("=");
    if (eq <= 0 || eq === v.length - 1) throw new UsageError(`${flag} ${v}: expected NAME=KUBECONFIG[#CONTEXT]`);
    const name = v.slice(0, eq);
    const rest = v.slice(eq + 1);
    const hash = rest.lastIndexOf("#");
    const target = hash > 0 ? { kubeconfig: rest.slice(0, hash), context: rest.slice(hash + 1) } : { kubeconfig: rest };
    if (out.has(name)) throw new UsageError(`${flag} ${name}=...: given twice`);
    out.set(name, target);
  }
  return out;
}
