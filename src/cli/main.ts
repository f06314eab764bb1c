import { Command, CommanderError } from "commander";
import { ExitCode, jsonError, UsageError, type CliIo } from "./io.js";
import { versionText } from "./commands/version.js";
import { terminalIo } from "./terminal.js";

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
  ["init", async () => (await import("./commands/init.js")).registerInit],
  ["version", async () => (await import("./commands/version.js")).registerVersion],
  ["completion", async () => (await import("./commands/completion.js")).registerCompletion],
];

/** Registers every command on a program (for help, and for shell completion built from the table). */
export async function registerAll(program: Command, io: CliIo, setExit: SetExit): Promise<void> {
  for (const [, load] of commands) (await load())(program, io, setExit);
}

/** Options every command takes, read before commander parses the rest. */
const GLOBAL_FLAGS = ["--ascii", "--no-color"] as const;

/** The `-o`/`--output` value in argv, if any. */
function outputFormat(argv: readonly string[]): string | undefined {
  let format: string | undefined;
  argv.forEach((a, i) => {
    if (a === "-o" || a === "--output") format = argv[i + 1];
    else if (a.startsWith("--output=")) format = a.slice("--output=".length);
    else if (/^-o[^-]/.test(a)) format = a.slice(2);
  });
  return format;
}

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
export async function main(rawArgv: readonly string[], rawIo: CliIo): Promise<number> {
  const argv = rawArgv.filter((a) => !(GLOBAL_FLAGS as readonly string[]).includes(a));
  const format = outputFormat(argv);
  const first = argv.find((a) => !a.startsWith("-"));
  // stdout is text for people unless -o asks for data or Markdown (pasted or committed as it is),
  // or the command writes YAML, SVG or a script.
  const machine =
    (format !== undefined && format !== "text") ||
    argv.includes("--markdown") ||
    ["render", "schema", "graph", "rbac", "completion", "init"].includes(first ?? "");
  const io = terminalIo(rawIo, { ascii: rawArgv.includes("--ascii"), noColor: rawArgv.includes("--no-color"), machine });
  const json = format === "json";
  // Under -o json a failure is also a JSON object on stdout, so a script reading stdout always gets JSON.
  const fail = (kind: "usage" | "internal", code: number, message: string) => {
    if (json) io.stdout.write(jsonError(kind, code, message));
    return code;
  };
  let commanderMessage = "";
  let exit: number = ExitCode.ok;
  const setExit: SetExit = (code) => {
    exit = Math.max(exit, code);
  };
  const program = new Command("meshfed")
    .description("Least-privilege federation of independent Istio meshes.")
    .version(versionText(VERSION).trimEnd(), "-v, --version")
    .addHelpText(
      "after",
      "\nGlobal options (any command):\n  --ascii     ASCII symbols instead of ✓ × ‼ → (also when the locale is not UTF-8)\n  --no-color  no colour (also when NO_COLOR is set; colour is only ever used on terminals)",
    )
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText("after", exitCodesHelp)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // commander's messages start with "error: "; every meshfed error reads "meshfed: error: ...".
      outputError: (s, write) => {
        commanderMessage = s.replace(/^error: /, "").trim();
        write(`meshfed: ${s}`);
      },
    });
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
      return fail("usage", ExitCode.usage, commanderMessage || err.message.replace(/^error: /, ""));
    }
    if (err instanceof UsageError) {
      io.stderr.write(`meshfed: error: ${err.message}\n`);
      return fail("usage", ExitCode.usage, err.message);
    }
    io.stderr.write(`meshfed: error: internal error: ${(err as Error).message}\nplease report this with the input that caused it\n`);
    return fail("internal", 1, `internal error: ${(err as Error).message}`);
  }
}
