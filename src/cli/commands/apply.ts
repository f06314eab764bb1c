import type { Command } from "commander";
import { hasErrors, sortDiagnostics } from "../../diagnostics/diagnostic.js";
import { ExitCode, parseFormat, printDiagnostics, summarize, UsageError, type CliIo } from "../io.js";
import { loadFederation } from "../load-federation.js";
import type { SetExit } from "../main.js";
import { meshWithTarget } from "../mesh-flags.js";
import { connectMesh, kubeTargetOptions, meshOutputOf, progressWriter, type KubeTargetFlags } from "../kube-common.js";

interface ApplyFlags extends KubeTargetFlags {
  mesh: string;
  dryRun?: string;
  prune?: boolean;
  force?: boolean;
  forceConflicts?: boolean;
  concurrency: string;
  output: string;
}

export function registerApply(program: Command, io: CliIo, setExit: SetExit): void {
  const cmd = program
    .command("apply")
    .description(
      "Server-side apply one mesh's rendered configuration to its cluster (field manager meshfed), policy before exposure, after the least-privilege audit passes.",
    )
    .argument("<file>", "federation file (YAML)")
    .requiredOption(
      "--mesh <name[=kubeconfig[#context]]>",
      "the mesh whose cluster to apply to (NAME=KUBECONFIG[#CONTEXT] instead of --kubeconfig and --context)",
    )
    .option("--dry-run <mode>", "server: send everything as a server-side dry run (nothing is stored)")
    .option("--prune", "delete this federation's objects in this mesh that are no longer rendered (only objects with its labels)")
    .option("--force", "apply even when the least-privilege audit has findings (printed as warnings)")
    .option("--force-conflicts", "take ownership of fields another field manager owns (otherwise conflicts stop the apply)")
    .option("--concurrency <n>", "requests in flight at once within a step", "8")
    .option("-o, --output <format>", "text or json", "text");
  kubeTargetOptions(cmd).action(async (file: string, opts: ApplyFlags) => {
    const format = parseFormat(opts.output, ["text", "json"]);
    Object.assign(opts, meshWithTarget(opts.mesh, opts));
    if (opts.dryRun !== undefined && opts.dryRun !== "server") throw new UsageError(`--dry-run=${opts.dryRun} is not supported; use --dry-run=server`);
    const concurrency = Number(opts.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
      throw new UsageError(`--concurrency ${opts.concurrency}: use a whole number from 1 to 64`);
    const loaded = await loadFederation(io, file);
    printDiagnostics(io, loaded.diagnostics, loaded.sources);
    if (!loaded.federation || !loaded.compiled || hasErrors(loaded.diagnostics)) {
      io.stderr.write(`${file}: nothing applied (${summarize(loaded.diagnostics)})\n`);
      setExit(ExitCode.invalidInput);
      return;
    }
    const out = meshOutputOf(loaded.compiled, opts.mesh);
    const { auditRender } = await import("../../kube/audit-render.js");
    const findings = sortDiagnostics(auditRender(loaded.federation, loaded.compiled));
    if (findings.length > 0) {
      printDiagnostics(io, findings, loaded.sources);
      if (!opts.force) {
        io.stderr.write(
          `meshfed: error: ${opts.mesh}: MF4001: nothing applied: the least-privilege audit of the render has ${findings.length} finding(s); fix the federation file, or pass --force to apply anyway\n`,
        );
        setExit(ExitCode.findings);
        return;
      }
      io.stderr.write(`meshfed: warning: --force: applying to ${opts.mesh} DESPITE ${findings.length} least-privilege finding(s) above\n`);
    }
    const [{ applyMesh, describeFailure }, { desiredObjects, managedKindsFor }] = await Promise.all([
      import("../../kube/apply.js"),
      import("../../kube/desired.js"),
    ]);
    const progress = progressWriter(io);
    const client = await connectMesh(io, opts, progress);
    if (!client) {
      setExit(ExitCode.usage);
      return;
    }
    const desired = desiredObjects(loaded.federation.name, out);
    const dryRun = opts.dryRun === "server";
    const outcome = await applyMesh(client, desired, {
      federation: loaded.federation.name,
      mesh: opts.mesh,
      dryRun,
      prune: opts.prune ?? false,
      forceConflicts: opts.forceConflicts ?? false,
      concurrency,
      kinds: managedKindsFor(loaded.federation.meshes.find((m) => m.name === opts.mesh)?.istioVersion),
      onEvent: (e) => {
        if (e.type === "phase")
          progress(`${opts.mesh}: ${e.action === "apply" ? "applying" : "pruning"} ${e.count} ${e.phase} object(s)${dryRun ? " (server dry run)" : ""}`);
      },
    });
    const applied = outcome.done.filter((d) => d.action === "applied").map((d) => d.ref);
    const pruned = outcome.done.filter((d) => d.action === "pruned").map((d) => d.ref);
    if (format === "json") {
      io.stdout.write(
        `${JSON.stringify(
          {
            mesh: opts.mesh,
            cluster: client.server,
            dryRun,
            applied,
            pruned,
            notDone: outcome.notDone,
            failures: outcome.failures,
          },
          null,
          2,
        )}\n`,
      );
    } else {
      const verb = dryRun ? "would be " : "";
      for (const r of applied) io.stdout.write(`${r} ${verb}applied\n`);
      for (const r of pruned) io.stdout.write(`${r} ${verb}pruned\n`);
    }
    if (outcome.failures.length > 0) {
      for (const f of outcome.failures) io.stderr.write(`meshfed: error: ${opts.mesh}: ${describeFailure(f)}\n`);
      io.stderr.write(
        `meshfed: error: ${opts.mesh}: ${outcome.done.length} of ${outcome.done.length + outcome.notDone.length} changes made${applied.length > 0 ? ` (applied: ${applied.join(", ")})` : ""}; not done: ${outcome.notDone.map((n) => `${n.action} ${n.ref}`).join(", ") || "none"}; run apply again once fixed (it converges)\n`,
      );
      if (outcome.failures.some((f) => f.conflicts.length > 0))
        io.stderr.write(`meshfed: hint: another tool changed fields meshfed owns; reconcile them, or pass --force-conflicts to take them over\n`);
      setExit(ExitCode.cluster);
      return;
    }
    io.stderr.write(
      `${opts.mesh}: ${applied.length} object(s) ${dryRun ? "would be " : ""}applied, ${pruned.length} ${dryRun ? "would be " : ""}pruned (${client.server})\n`,
    );
    setExit(ExitCode.ok);
  });
}
