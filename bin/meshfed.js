#!/usr/bin/env node
import { setFlagsFromString } from "node:v8";

// A meshfed run lasts about a second. With V8's default budget the optimizing compiler takes
// up hundreds of functions that each run briefly, and on one core compiling them costs more
// than it saves; a larger budget optimizes only code that stays hot. This is a tuning flag
// (it changes no result); bench/README.md has the numbers.
setFlagsFromString("--interrupt-budget=1000000");

const { main } = await import("../dist/cli/main.js");

// `meshfed render ... | head` closes the pipe early: stop quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
});
