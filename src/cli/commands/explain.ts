import type { Command } from "commander";
import { hasErrors } from "../../diagnostics/diagnostic.js";
import { explainProbe, formatExplanation } from "../../explain/explain-probe.js";
import type { ProbeSpec } from "../../verify/types.js";
import { runProbe, World } from "../../verify/verify-scenario.js";
import { ExitCode, parseFormat, printDiagnostics, summarize, UsageError, type CliIo } from "../io.js";
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
    .argument("<dir>", "scenario directory (scenario.yaml and <mesh>/*.yaml)")
    .requiredOption("--from <mesh/namespace/serviceAccount>", "the caller")
    .requiredOption("--to <host:port>", "what the caller dials: a host name or address, and a port")
    .option("-o, --output <format>", "text or json", "text")
    .action(async (dir: string, opts: { from: string; to: string; output: string }) => {
      const format = parseFormat(opts.output, ["text", "json"]);
      const from = parseFrom(opts.from);
      const to = parseTo(opts.to);
      const loaded = loadScenario(dir, io.cwd);
      printDiagnostics(io, loaded.diagnostics, loaded.sources);
      if (!loaded.scenario || hasErrors(loaded.diagnostics)) {
        io.stderr.write(`${dir}: cannot explain (${summarize(loaded.diagnostics)})\n`);
        setExit(ExitCode.invalidInput);
        return;
      }
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
      const explanation = explainProbe(probe, runProbe(world, probe));
      io.stdout.write(format === "json" ? `${JSON.stringify(explanation, null, 2)}\n` : formatExplanation(explanation));
      setExit(explanation.verdict === "allow" ? ExitCode.ok : ExitCode.findings);
    });
}
