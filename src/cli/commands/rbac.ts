import type { Command } from "commander";
import { hasErrors } from "../../diagnostics/diagnostic.js";
import { toYaml } from "../../render/render.js";
import { ExitCode, parseFormat, printDiagnostics, summarize, UsageError, type CliIo } from "../io.js";
import { loadFederation } from "../load-federation.js";
import type { SetExit } from "../main.js";
import { meshOutputOf } from "../kube-common.js";

export function registerRbac(program: Command, io: CliIo, setExit: SetExit): void {
  program
    .command("rbac")
    .description("Print the minimal Roles, ClusterRole and bindings for a ServiceAccount that runs apply, diff, doctor and verify --live in one mesh.")
    .argument("<file>", "federation file (YAML)")
    .requiredOption("--mesh <name>", "the mesh whose cluster the ServiceAccount acts in")
    .option("--service-account <namespace/name>", "the ServiceAccount to bind", "meshfed/meshfed")
    .option("--istio-namespace <name>", "where istiod and its ConfigMaps live", "istio-system")
    .option("-o, --output <format>", "yaml or json", "yaml")
    .action(async (file: string, opts: { mesh: string; serviceAccount: string; istioNamespace: string; output: string }) => {
      const format = parseFormat(opts.output, ["yaml", "json"]);
      const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(opts.serviceAccount);
      if (!m) throw new UsageError(`--service-account ${opts.serviceAccount}: expected NAMESPACE/NAME (DNS-1123 names)`);
      const loaded = await loadFederation(io, file);
      printDiagnostics(io, loaded.diagnostics, loaded.sources);
      if (!loaded.federation || !loaded.compiled || hasErrors(loaded.diagnostics)) {
        io.stderr.write(`${file}: no RBAC printed (${summarize(loaded.diagnostics)})\n`);
        setExit(ExitCode.invalidInput);
        return;
      }
      const out = meshOutputOf(loaded.compiled, opts.mesh);
      const { rbacFor } = await import("../../kube/rbac.js");
      const objects = rbacFor(loaded.federation, out, { namespace: m[1]!, name: m[3]! }, opts.istioNamespace);
      io.stdout.write(
        format === "json" ? `${JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }, null, 2)}\n` : objects.map((o) => toYaml(o)).join("---\n"),
      );
      setExit(ExitCode.ok);
    });
}
