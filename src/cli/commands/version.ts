import type { Command } from "commander";
import { ExitCode, parseFormat, type CliIo } from "../io.js";
import { ISTIO_API_VERSION, ISTIO_COMMIT, ISTIO_MODULE_VERSION, ISTIO_RELEASE } from "../istio-release.js";
import { VERSION, type SetExit } from "../main.js";

/** meshfed's version and the Istio its analysis models, as `version` and `--version` print it. */
export function versionText(version: string): string {
  const commit = ISTIO_COMMIT ? `, commit ${ISTIO_COMMIT.commit} of ${ISTIO_COMMIT.date}` : "";
  return `meshfed ${version}\nmodels Istio ${ISTIO_RELEASE} (istio.io/istio ${ISTIO_MODULE_VERSION}${commit}, as pinned by the conformance oracle)\n`;
}

/** The same as data (schema: docs/schemas/version.schema.json). */
export function versionJson(version: string) {
  return {
    meshfed: version,
    istio: {
      release: ISTIO_RELEASE,
      module: `istio.io/istio@${ISTIO_MODULE_VERSION}`,
      api: `istio.io/api@${ISTIO_API_VERSION}`,
      commit: ISTIO_COMMIT?.commit ?? null,
      date: ISTIO_COMMIT?.date ?? null,
    },
  };
}

export function registerVersion(program: Command, io: CliIo, setExit: SetExit): void {
  program
    .command("version")
    .description("Print meshfed's version and the Istio release its analysis models.")
    .option("-o, --output <format>", "text or json", "text")
    .action((opts: { output: string }) => {
      const format = parseFormat(opts.output, ["text", "json"]);
      io.stdout.write(format === "json" ? `${JSON.stringify(versionJson(VERSION), null, 2)}\n` : versionText(VERSION));
      setExit(ExitCode.ok);
    });
}
