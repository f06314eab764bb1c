import type { Command } from "commander";
import { hasErrors } from "../../diagnostics/diagnostic.js";
import { buildFederationGraph } from "../../graph/build-graph.js";
import { graphOfMesh } from "../../graph/select-mesh.js";
import { renderSvg } from "../../graph/render-svg.js";
import { graphToDot } from "../../graph/to-dot.js";
import { graphToMermaid } from "../../graph/to-mermaid.js";
import { displayName, ExitCode, printDiagnostics, reportInvalidInput, UsageError, type CliIo } from "../io.js";
import { loadFederation } from "../load-federation.js";
import type { SetExit } from "../main.js";

const formats = ["mermaid", "dot", "svg", "json"] as const;

export function registerGraph(program: Command, io: CliIo, setExit: SetExit): void {
  program
    .command("graph")
    .description("Draw the federation: meshes as boxes, exported services inside their mesh, one edge per consumer principal labelled with its ports.")
    .argument("<file>", "federation file (YAML)")
    .option("-o, --output <format>", "mermaid (for Markdown), dot (Graphviz), svg (laid out by Graphviz compiled to WebAssembly) or json", "mermaid")
    .option("--mesh <name>", "only this mesh, its edges, and the services and callers at their other ends")
    .addHelpText(
      "after",
      `
Examples:
  meshfed graph federation.yaml                 # Mermaid, for a pull request or README
  meshfed graph federation.yaml -o svg > federation.svg
  meshfed graph federation.yaml -o dot | dot -Tpng > federation.png`,
    )
    .action(async (file: string, opts: { output: string; mesh?: string }) => {
      const format = opts.output as (typeof formats)[number];
      if (!formats.includes(format)) throw new UsageError(`-o ${opts.output} is not supported here; use ${formats.join(", ")}`);
      const loaded = await loadFederation(io, file);
      if (!loaded.federation || !loaded.compiled || hasErrors(loaded.diagnostics)) {
        reportInvalidInput(io, format, `${displayName(file)}: no graph`, loaded.diagnostics, loaded.sources);
        setExit(ExitCode.invalidInput);
        return;
      }
      printDiagnostics(io, loaded.diagnostics, loaded.sources);
      const full = buildFederationGraph(loaded.federation);
      if (opts.mesh !== undefined && !full.meshes.some((m) => m.name === opts.mesh)) {
        throw new UsageError(`--mesh ${opts.mesh}: no such mesh; meshes: ${full.meshes.map((m) => m.name).join(", ")}`);
      }
      const graph = opts.mesh === undefined ? full : graphOfMesh(full, opts.mesh);
      if (format === "json") io.stdout.write(`${JSON.stringify(graph, null, 2)}\n`);
      else if (format === "mermaid") io.stdout.write(graphToMermaid(graph));
      else if (format === "dot") io.stdout.write(graphToDot(graph));
      else io.stdout.write(await renderSvg(graphToDot(graph)));
      setExit(ExitCode.ok);
    });
}
