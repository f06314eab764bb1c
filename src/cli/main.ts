import { Command, CommanderError } from "commander";
import { registerApply } from "./commands/apply.js";
import { registerDiagnostics } from "./commands/diagnostics.js";
import { registerDiff } from "./commands/diff.js";
import { registerDoctor } from "./commands/doctor.js";
import { registerExplain } from "./commands/explain.js";
import { registerPlan } from "./commands/plan.js";
import { registerRbac } from "./commands/rbac.js";
import { registerRender } from "./commands/render.js";
import { registerScenario } from "./commands/scenario.js";
import { registerSchema } from "./commands/schema.js";
import { registerValidate } from "./commands/validate.js";
import { registerVerify } from "./commands/verify.js";
import { ExitCode, UsageError, type CliIo } from "./io.js";

/** Sets the exit code a command ends with. */
export type SetExit = (code: number) => void;

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
  registerValidate(program, io, setExit);
  registerRender(program, io, setExit);
  registerPlan(program, io, setExit);
  registerSchema(program, io, setExit);
  registerDiagnostics(program, io, setExit);
  registerScenario(program, io, setExit);
  registerVerify(program, io, setExit);
  registerExplain(program, io, setExit);
  registerApply(program, io, setExit);
  registerDiff(program, io, setExit);
  registerRbac(program, io, setExit);
  registerDoctor(program, io, setExit);
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
