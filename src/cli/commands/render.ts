import { resolve } from "node:path";
import type { Command } from "commander";
import { hasErrors } from "../../diagnostics/diagnostic.js";
import { writeFileTree } from "../../output/write-files.js";
import { layoutFiles, renderJson, renderYamlStream } from "../../render/render.js";
import { displayName, ExitCode, parseFormat, printDiagnostics, reportInvalidInput, UsageError, type CliIo } from "../io.js";
import { loadFederation } from "../load-federation.js";
import { reportWrite } from "../write-report.js";
import type { SetExit } from "../main.js";

export function registerRender(program: Command, io: CliIo, setExit: SetExit): void {
  program
    .command("render")
    .description("Compile a federation into each mesh's Istio configuration.")
    .argument("<file>", "federation file (YAML)")
    .option("--mesh <name>", "only this mesh (required on stdout when the federation has more than one)")
    .option(
      "--out <dir>",
      "write <dir>/<mesh>/ (one file per resource, kustomization.yaml, install/) instead of stdout; files meshfed did not write are never overwritten or deleted",
    )
    .option("-o, --output <format>", "yaml or json (stdout only)")
    .action(async (file: string, opts: { mesh?: string; out?: string; output?: string }) => {
      if (opts.out !== undefined && opts.output !== undefined) {
        throw new UsageError(`-o ${opts.output} applies to stdout; render --out writes YAML files (leave out -o, or leave out --out)`);
      }
      const format = parseFormat(opts.output ?? "yaml", ["yaml", "json"]);
      const loaded = await loadFederation(io, file);
      if (!loaded.compiled || hasErrors(loaded.diagnostics)) {
        reportInvalidInput(io, format, `${displayName(file)}: nothing rendered`, loaded.diagnostics, loaded.sources);
        setExit(ExitCode.invalidInput);
        return;
      }
      printDiagnostics(io, loaded.diagnostics, loaded.sources);
      const compiled = loaded.compiled;
      if (opts.mesh !== undefined && !compiled.meshes.some((m) => m.mesh === opts.mesh)) {
        throw new UsageError(`--mesh ${opts.mesh}: no such mesh; meshes: ${compiled.meshes.map((m) => m.mesh).join(", ")}`);
      }
      if (opts.out !== undefined) {
        const files = layoutFiles(compiled, opts.mesh);
        const report = await writeFileTree(resolve(io.cwd, opts.out), files);
        if (!reportWrite(io, opts.out, report)) {
          setExit(ExitCode.invalidInput);
          return;
        }
        io.stderr.write(`wrote ${files.size} files under ${opts.out}/ for ${opts.mesh ?? compiled.meshes.map((m) => m.mesh).join(", ")}\n`);
      } else {
        // One stream for several clusters would put every mesh's policy on whichever cluster
        // the pipe's kubectl points at.
        if (format === "yaml" && opts.mesh === undefined && compiled.meshes.length > 1) {
          throw new UsageError(
            `${file} has ${compiled.meshes.length} meshes (${compiled.meshes.map((m) => m.mesh).join(", ")}): render one to stdout with --mesh NAME (meshfed render ${file} --mesh ${compiled.meshes[0]!.mesh} | kubectl --context <its cluster> apply -f -), or all with --out DIR`,
          );
        }
        io.stdout.write(format === "json" ? renderJson(compiled, opts.mesh) : renderYamlStream(compiled, opts.mesh));
      }
      setExit(ExitCode.ok);
    });
}
