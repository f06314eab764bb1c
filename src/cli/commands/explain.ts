import type { Command } from "commander";
import { hasErrors } from "../../diagnostics/diagnostic.js";
import { explainProbe, formatExplanation } from "../../explain/explain-probe.js";
import type { CompiledFederation } from "../../compile/types.js";
import type { Federation } from "../../model/types.js";
import { modelScenario } from "../../scenario/build-scenario.js";
import type { ProbeSpec } from "../../verify/types.js";
import { runProbe, World } from "../../verify/verify-scenario.js";
import { displayName, ExitCode, parseFormat, printDiagnostics, reportInvalidInput, UsageError, type CliIo } from "../io.js";
import { loadFederation } from "../load-federation.js";
import type { SetExit } from "../main.js";
import { loadScenario } from "../read-files.js";

function parseFrom(value: string): { mesh: string; namespace: string; serviceAccount: string } {
  const parts = value.split("/");
  if (parts.length !== 3 || parts.some((p) => p === ""))
    throw new UsageError(`--from ${value}: expected MESH/NAMESPACE/SERVICEACCOUNT, e.g. operations/vault/vault`);
  const [mesh, namespace, serviceAccount] = parts as [string, string, string];
  return { mesh, namespace, serviceAccount };
}

function parseTo(value: string): { host: string; port: number } {
  const i = value.lastIndexOf(":");
  const port = Number(value.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new UsageError(`--to ${value}: expected HOST:PORT, e.g. postgres.db.production.mesh:5432`);
  return { host: value.slice(0, i), port };
}

export function registerExplain(program: Command, io: CliIo, setExit: SetExit): void {
  program
    .command("explain")
    .description(
      "Walk one call hop by hop (client sidecar, east-west gateway, server sidecar), naming the resource and file:line that decided each hop. Exits 0 when the call is allowed, 4 when it is denied.",
    )
    .argument("[dir]", "scenario directory (scenario.yaml and <mesh>/*.yaml); omit it with --model to explain the model's own render")
    .option("--model <file>", "federation file: explain its render when no directory is given, and end with the change to the file that would turn the verdict")
    .requiredOption("--from <mesh/namespace/serviceAccount>", "the caller")
    .requiredOption("--to <host:port>", "what the caller dials: a host name or address, and a port")
    .option("-o, --output <format>", "text or json", "text")
    .addHelpText(
      "after",
      `
Examples:
  meshfed explain --model federation.yaml --from operations/vault/neighbour --to postgres.db.production.mesh:5432
  meshfed explain ./scenario --model federation.yaml --from operations/vault/vault --to postgres.db.production.mesh:5432 -o json`,
    )
    .action(async (dir: string | undefined, opts: { from: string; to: string; output: string; model?: string }) => {
      const format = parseFormat(opts.output, ["text", "json"]);
      const from = parseFrom(opts.from);
      const to = parseTo(opts.to);
      if (dir === undefined && opts.model === undefined) throw new UsageError("missing scenario directory (or --model FILE to explain the model's own render)");
      let model: Federation | undefined;
      let modelCompiled: CompiledFederation | undefined;
      if (opts.model !== undefined) {
        const m = await loadFederation(io, opts.model, dir === undefined);
        if (!m.federation || (dir === undefined && !m.compiled)) {
          reportInvalidInput(io, format, `${displayName(opts.model)}: cannot explain`, m.diagnostics, m.sources);
          setExit(ExitCode.invalidInput);
          return;
        }
        model = m.federation;
        if (dir === undefined) modelCompiled = m.compiled;
      }
      const loaded = dir !== undefined ? loadScenario(dir, io.cwd) : modelScenario(model!, modelCompiled!);
      const sources = "sources" in loaded ? (loaded.sources as ReadonlyMap<string, string>) : new Map<string, string>();
      if (!loaded.scenario || hasErrors(loaded.diagnostics)) {
        reportInvalidInput(io, format, `${dir ?? `the render of ${opts.model}`}: cannot explain`, loaded.diagnostics, sources);
        setExit(ExitCode.invalidInput);
        return;
      }
      printDiagnostics(io, loaded.diagnostics, sources);
      const world = new World(loaded.scenario);
      const mesh = world.meshes.find((m) => m.spec.name === from.mesh);
      if (!mesh)
        throw new UsageError(`--from ${opts.from}: no mesh "${from.mesh}" in the scenario; meshes: ${world.meshes.map((m) => m.spec.name).join(", ")}`);
      // The caller's labels come from its workload when the scenario has one.
      const workload = mesh.workloads.find((w) => w.namespace === from.namespace && w.serviceAccount === from.serviceAccount);
      const probe: ProbeSpec = {
        name: `${opts.from} -> ${opts.to}`,
        from: { ...from, labels: workload ? { ...workload.labels } : { app: from.serviceAccount } },
        to,
      };
      const explanation = explainProbe(probe, runProbe(world, probe), model);
      io.stdout.write(format === "json" ? `${JSON.stringify(explanation, null, 2)}\n` : formatExplanation(explanation));
      setExit(explanation.verdict === "allow" ? ExitCode.ok : ExitCode.findings);
    });
}
