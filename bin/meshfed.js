#!/usr/bin/env node
"use strict";
const { loadMain, setCliFlags } = require("./load-cli.js");

setCliFlags();

/** `meshfed render ... | head` closes the pipe early: stop quietly, as Unix tools do. */
function quietOnEpipe(stream) {
  stream.on("error", (err) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
  return stream;
}

// process.stderr is created on first use: when it is a pipe, creating it loads Node's network
// modules, which a run that writes nothing to stderr does not need.
let stderr;
const io = {
  stdout: quietOnEpipe(process.stdout),
  stderr: { write: (chunk) => (stderr ??= quietOnEpipe(process.stderr)).write(chunk) },
  cwd: process.cwd(),
  env: process.env,
};

loadMain()
  .then((main) => main(process.argv.slice(2), io))
  .then((code) => {
    process.exitCode = code;
  });
