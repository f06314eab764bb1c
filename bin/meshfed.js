#!/usr/bin/env node
import { main } from "../dist/bin/main.js";

/** `meshfed render ... | head` closes the pipe early: stop quietly, as Unix tools do. */
function quietOnEpipe(stream) {
  stream.on("error", (err) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
  return stream;
}

/** All of stdin, for a file argument `-`; refused on a terminal, where it would wait for typing. */
async function readStdin() {
  if (process.stdin.isTTY) throw Object.assign(new Error("stdin is a terminal"), { code: "ETTY" });
  process.stdin.setEncoding("utf8");
  let text = "";
  for await (const chunk of process.stdin) text += chunk;
  return text;
}

const io = {
  stdout: quietOnEpipe(process.stdout),
  stderr: quietOnEpipe(process.stderr),
  cwd: process.cwd(),
  env: process.env,
  ...(process.stdin.isTTY ? {} : { readStdin }),
};
process.exitCode = await main(process.argv.slice(2), io);
