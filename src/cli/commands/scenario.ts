import { resolve } from "node:path";
import type { Command } from "commander";
import { hasErrors } from "../../diagnostics/diagnostic.js";
import { writeFileTree } from "../../output/write-files.js";
import { buildScenario } from "../../scenario/build-scenario.js";
import { ExitCode, printDiagnostics, summarize, UsageError, type CliIo } from "../io.js";
import { loadFederation } from "../load-federation.js";
import { reportWrite } from "../write-report.js";
import type { SetExit } from "../main.js";

export function registerScenario(program: Command, io: CliIo, setExit: SetExit): void {
  program
    .command("scenario")
    .description(
      "Write a scenario directory (workloads of every mesh, the rendered configuration, probes from every workload to every import, the expected exposure) for `meshfed verify` and the conformance oracle.",
    )
    .argument("<file>", "federation file (YAML)")
    .requiredOption("--out <dir>", "directory to write the scenario into")
    .option("--root-ca <label>", "label of the shared root of trust", "shared-root")
    .option("--mesh <name>", "keep only the probes from or into this mesh (every mesh's workloads and configuration are still written)")
    .action(async (file: string, opts: { out: string; rootCa: string; mesh?: string }) => {
      const loaded = await loadFederation(io, file);
      if (opts.mesh !== undefined && loaded.federation && !loaded.federation.meshes.some((m) => m.name === opts.mesh)) {
        throw new UsageError(`--mesh ${opts.mesh}: no such mesh (meshes: ${loaded.federation.meshes.map((m) => m.name).join(", ")})`);
      }
      printDiagnostics(io, loaded.diagnostics, loaded.sources);
      if (!loaded.federation || !loaded.compiled || hasErrors(loaded.diagnostics)) {
        io.stderr.write(`${file}: no scenario (${summarize(loaded.diagnostics)})\n`);
        setExit(ExitCode.invalidInput);
        return;
      }
      const files = buildScenario(loaded.federation, loaded.compiled, { rootCA: opts.rootCa, ...(opts.mesh !== undefined ? { mesh: opts.mesh } : {}) });
      const dir = resolve(io.cwd, opts.out);
      // writeFileTree swaps whole top-level entries, so write the scenario into its own directory.
      const report = await writeFileTree(dir, files);
      if (!reportWrite(io, opts.out, report)) {
        setExit(ExitCode.invalidInput);
        return;
      }
      io.stderr.write(`wrote scenario with ${files.size} files to ${opts.out}\n`);
      setExit(ExitCode.ok);
    });
}
