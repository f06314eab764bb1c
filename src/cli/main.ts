import { Command, CommanderError } from "commander";
import { ExitCode, UsageError, type CliIo } from "./io.js";

/** Sets the exit code a command ends with. */
export type SetExit = (code: number) => void;

type Register = (program: Command, io: CliIo, setExit: SetExit) => void;

/**
 * Every command, in the order `--help` lists them. A run loads only the module of the command
 * it runs (all of them for help and unknown commands): the CA, report and graph commands pull
 * in X.509 and Graphviz libraries that `verify` has no use for.
 */
const commands: readonly (readonly [string, () => Promise<Register>])[] = [
  ["validate", async () => (await import("./commands/validate.js")).registerValidate],
  ["render", async () => (await import("./commands/render.js")).registerRender],
  ["plan", async () => (await import("./commands/plan.js")).registerPlan],
  ["schema", async () => (await import("./commands/schema.js")).registerSchema],
  ["diagnostics", async () => (await import("./commands/diagnostics.js")).registerDiagnostics],
  ["scenario", async () => (await import("./commands/scenario.js")).registerScenario],
  ["verify", async () => (await import("./commands/verify.js")).registerVerify],
  ["explain", async () => (await import("./commands/explain.js")).registerExplain],
  ["graph", async () => (await import("./commands/graph.js")).registerGraph],
  ["report", async () => (await import("./commands/report.js")).registerReport],
  ["ca", async () => (await import("./commands/ca.js")).registerCa],
  ["apply", async () => (await import("./commands/apply.js")).registerApply],
  ["diff", async () => (await import("./commands/diff.js")).registerDiff],
  ["rbac", async () => (await import("./commands/rbac.js")).registerRbac],
  ["doctor", async () => (await import("./commands/doctor.js")).registerDoctor],
];

export const VERSION = "0.1.0";

const exitCodesHelp = `
Exit codes:
  0  success
  2  usage error (unknown flag, missing argument, unreadable file)
  3  invalid input (the federation or scenario has errors)
  4  verification or checks found problems
  5  cluster or API error`;

/**
 * Runs the CLI with the given arguments and streams, returning the exit code. Never throws
 * for user errors and never prints a stack trace for them.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let exit: number = ExitCode.ok;
  const setExit: SetExit = (code) => {
    exit = Math.max(exit, code);
  };
  const program = new Command("meshfed")
    .description("Least-privilege federation of independent Istio meshes.")
    .version(VERSION, "-v, --version")
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText("after", exitCodesHelp)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  const first = argv.find((a) => !a.startsWith("-"));
  const one = commands.find(([name]) => name === first && argv.indexOf(first) === 0);
  for (const [, load] of one ? [one] : commands) (await load())(program, io, setExit);
  for (const command of program.commands) {
    command.exitOverride().addHelpText("after", exitCodesHelp);
  }
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return ExitCode.usage;
    }
    await program.parseAsync([...argv], { from: "user" });
    return exit;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") {
        return ExitCode.ok;
      }
      return ExitCode.usage;
    }
    if (err instanceof UsageError) {
      io.stderr.write(`meshfed: ${err.message}\n`);
      return ExitCode.usage;
    }
    io.stderr.write(`meshfed: internal error: ${(err as Error).message}\nplease report this with the input that caused it\n`);
    return 1;
  }
}
