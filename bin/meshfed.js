#!/usr/bin/env node
import { main } from "../dist/cli/main.js";

/** `meshfed render ... | head` closes the pipe early: stop quietly, as Unix tools do. */
function quietOnEpipe(stream) {
  stream.on("error", (err) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
  return stream;
}

const io = { stdout: quietOnEpipe(process.stdout), stderr: quietOnEpipe(process.stderr), cwd: process.cwd(), env: process.env };
process.exitCode = await main(process.argv.slice(2), io);
