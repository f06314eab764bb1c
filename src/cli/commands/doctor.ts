import type { Command } from "commander";
import { hasErrors } from "../../diagnostics/diagnostic.js";
import { ExitCode, parseFormat, printDiagnostics, summarize, UsageError, type CliIo } from "../io.js";
import { loadFederation } from "../load-federation.js";
import type { SetExit } from "../main.js";
import { connectMesh, parseMeshTargets } from "../kube-common.js";
import { collect } from "../mesh-flags.js";

export function registerDoctor(program: Command, io: CliIo, setExit: SetExit): void {
  program
    .command("doctor")
    .description(
      "Check live clusters against the federation (read-only, each cluster with its own credentials): API, Istio CRDs and version, mesh config, shared root, east-west gateway, exports, injection, drift.",
    )
    .argument("<file>", "federation file (YAML)")
    .requiredOption(
      "--mesh <name[=kubeconfig[#context]]>",
      "a mesh and its cluster's kubeconfig (repeat for each mesh); NAME alone checks one mesh with the default kubeconfig",
      collect,
      [],
    )
    .option("-o, --output <format>", "text or json", "text")
    .action(async (file: string, opts: { mesh: string[]; output: string }) => {
      const format = parseFormat(opts.output, ["text", "json"]);
      // NAME alone: the default kubeconfig and its current context, for one mesh only (each
      // cluster has its own credentials, so two meshes cannot both be the default).
      const one = opts.mesh.length === 1 && !opts.mesh[0]!.includes("=") ? opts.mesh[0]! : undefined;
      const targets: Map<string, { kubeconfig?: string; context?: string }> = one !== undefined ? new Map([[one, {}]]) : parseMeshTargets(opts.mesh, "--mesh");
      const loaded = await loadFederation(io, file);
      printDiagnostics(io, loaded.diagnostics, loaded.sources);
      if (!loaded.federation || !loaded.compiled || hasErrors(loaded.diagnostics)) {
        io.stderr.write(`${file}: not checked (${summarize(loaded.diagnostics)})\n`);
        setExit(ExitCode.invalidInput);
        return;
      }
      const federation = loaded.federation;
      for (const name of targets.keys()) {
        if (!federation.meshes.some((m) => m.name === name))
          throw new UsageError(`--mesh ${name}=...: no such mesh; meshes: ${federation.meshes.map((m) => m.name).join(", ")}`);
      }
      const clients = [];
      for (const [mesh, target] of targets) {
        const client = await connectMesh(io, target);
        if (!client) {
          setExit(ExitCode.usage);
          return;
        }
        clients.push({ mesh, client });
      }
      const { runDoctor, formatChecks } = await import("../../kube/doctor.js");
      const results = await runDoctor(federation, loaded.compiled, clients);
      if (format === "json")
        io.stdout.write(`${JSON.stringify({ federation: federation.name, checks: results, ok: !results.some((r) => r.status === "fail") }, null, 2)}\n`);
      else io.stdout.write(formatChecks(results, new Map(clients.map((c) => [c.mesh, c.client.server]))));
      const unreachable = results.some((r) => r.code === "MF4101" && r.status === "fail");
      setExit(unreachable ? ExitCode.cluster : results.some((r) => r.status === "fail") ? ExitCode.findings : ExitCode.ok);
    });
}
