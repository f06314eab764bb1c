import { main } from "../../src/cli/main.js";

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in-process with captured streams (optionally stdin text, environment, and terminals). */
export async function runCli(argv: string[], cwd: string, options: { stdin?: string; env?: Record<string, string>; tty?: boolean } = {}): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s), ...(options.tty ? { isTTY: true } : {}) },
    stderr: { write: (s: string) => (stderr += s), ...(options.tty ? { isTTY: true } : {}) },
    cwd,
    env: options.env ?? {},
    ...(options.stdin !== undefined ? { readStdin: async () => options.stdin as string } : {}),
  });
  return { code, stdout, stderr };
}
