import type { Command } from "commander";
import { ExitCode, type CliIo } from "../io.js";
import type { SetExit } from "../main.js";

export function registerSchema(program: Command, io: CliIo, setExit: SetExit): void {
  program
    .command("schema")
    .description("Print the JSON Schema of the federation file (for editor completion).")
    .action(async () => {
      const { federationJsonSchema } = await import("../../model/json-schema.js");
      io.stdout.write(`${JSON.stringify(federationJsonSchema(), null, 2)}\n`);
      setExit(ExitCode.ok);
    });
}
