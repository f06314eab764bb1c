import type { Command } from "commander";
import { hasErrors } from "../../diagnostics/diagnostic.js";
import { ExitCode, parseFormat, printDiagnostics, summarize, type CliIo } from "../io.js";
import { loadFederation } from "../load-federation.js";
import type { SetExit } from "../main.js";
import { meshWithTarget } from "../mesh-flags.js";
import { connectMesh, kubeTargetOptions, meshOutputOf, type KubeTargetFlags } from "../kube-common.js";

export function registerDiff(program: Command, io: CliIo, setExit: SetExit): void {
  const cmd = program
    .command("diff")
    .description(
      "Compare one mesh's render with its cluster: objects to create, fields changed (of those meshfed manages), objects to prune. Exit 0 in sync, 4 drifted.",
    )
    .argument("<file>", "federation file (YAML)")
    .requiredOption(
      "--mesh <name[=kubeconfig[#context]]>",
      "the mesh whose cluster to compare (NAME=KUBECONFIG[#CONTEXT] instead of --kubeconfig and --context)",
    )
    .option("-o, --output <format>", "text or json", "text");
  kubeTargetOptions(cmd).action(async (file: string, opts: KubeTargetFlags & { mesh: string; output: string }) => {
    const format = parseFormat(opts.output, ["text", "json"]);
    Object.assign(opts, meshWithTarget(opts.mesh, opts));
    const loaded = await loadFederation(io, file);
    printDiagnostics(io, loaded.diagnostics, loaded.sources);
    if (!loaded.federation || !loaded.compiled || hasErrors(loaded.diagnostics)) {
      io.stderr.write(`${file}: not compared (${summarize(loaded.diagnostics)})\n`);
      setExit(ExitCode.invalidInput);
      return;
    }
    const out = meshOutputOf(loaded.compiled, opts.mesh);
    const client = await connectMesh(io, opts);
    if (!client) {
      setExit(ExitCode.usage);
      return;
    }
    const [{ diffMesh, formatDiff }, { desiredObjects, managedKindsFor }, { KubeApiError }] = await Promise.all([
      import("../../kube/diff.js"),
      import("../../kube/desired.js"),
      import("../../kube/client.js"),
    ]);
    let diffs: Awaited<ReturnType<typeof diffMesh>>;
    try {
      diffs = await diffMesh(client, desiredObjects(loaded.federation.name, out), {
        federation: loaded.federation.name,
        mesh: opts.mesh,
        kinds: managedKindsFor(loaded.federation.meshes.find((m) => m.name === opts.mesh)?.istioVersion),
      });
    } catch (err) {
      if (!(err instanceof KubeApiError)) throw err;
      io.stderr.write(`meshfed: error: ${opts.mesh}: ${client.server}: ${err.status ? `${err.status} ${err.reason}: ` : ""}${err.message}\n`);
      setExit(ExitCode.cluster);
      return;
    }
    if (format === "json") io.stdout.write(`${JSON.stringify({ mesh: opts.mesh, inSync: diffs.length === 0, objects: diffs }, null, 2)}\n`);
    else io.stdout.write(formatDiff(opts.mesh, diffs));
    setExit(diffs.length === 0 ? ExitCode.ok : ExitCode.findings);
  });
}
