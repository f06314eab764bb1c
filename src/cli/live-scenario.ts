import type { Federation } from "../model/types.js";
import type { SourceFile } from "../verify/parse-scenario.js";
import { scenarioFromModel } from "../verify/scenario-from-model.js";
import { ExitCode, type CliIo } from "./io.js";
import { connectMesh } from "./kube-common.js";
import type { SetExit } from "./main.js";
import type { LoadedScenario } from "./read-files.js";

/**
 * Each --live mesh's resources, read from its cluster with its own kubeconfig, as the files of
 * a scenario (one per object, named `live:<mesh>/<Kind>/<namespace>/<name>`). Prints the
 * problem and sets the exit code (2 for an unusable kubeconfig, 5 for the API) when a cluster
 * cannot be read, and returns undefined then.
 */
export async function readLiveScenario(
  io: CliIo,
  federation: Federation,
  targets: ReadonlyMap<string, { kubeconfig: string; context?: string }>,
  setExit: SetExit,
): Promise<LoadedScenario | undefined> {
  const [{ KubeApiError }, { readLiveMesh }] = await Promise.all([import("../kube/client.js"), import("../kube/live-reader.js")]);
  const meshFiles = new Map<string, SourceFile[]>();
  for (const [mesh, target] of targets) {
    const client = await connectMesh(io, target);
    if (!client) {
      setExit(ExitCode.usage);
      return undefined;
    }
    try {
      const live = await readLiveMesh(client, mesh, { istioVersion: federation.meshes.find((m) => m.name === mesh)?.istioVersion });
      meshFiles.set(
        mesh,
        live.resources.map((r) => ({ file: `live:${mesh}/${r.kind}/${r.metadata.namespace ?? "-"}/${r.metadata.name}`, text: JSON.stringify(r) })),
      );
    } catch (err) {
      if (!(err instanceof KubeApiError)) throw err;
      io.stderr.write(`meshfed: error: ${mesh}: ${err.message}\n`);
      setExit(ExitCode.cluster);
      return undefined;
    }
  }
  const sources = new Map([...meshFiles.values()].flat().map((f) => [f.file, f.text] as const));
  return { ...scenarioFromModel(federation, meshFiles), sources };
}
