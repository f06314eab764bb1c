#!/usr/bin/env node
/**
 * Part of `npm run build`: compiles wasm/yaml-block.ts (AssemblyScript) to
 * dist/wasm/yaml-block.wasm, the compiled reader src/util/fast-yaml.ts uses for block YAML.
 * Without AssemblyScript (installed without dev dependencies) nothing is written and
 * fast-yaml reads everything in JavaScript.
 */
import { mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const outFile = join(root, "dist", "wasm", "yaml-block.wasm");

let asc;
try {
  asc = await import("assemblyscript/asc");
} catch {
  rmSync(outFile, { force: true });
  process.stderr.write("build-wasm: assemblyscript is not installed; YAML is read by JavaScript only\n");
  process.exit(0);
}
mkdirSync(dirname(outFile), { recursive: true });
// --runtime stub: no garbage collector (the module allocates nothing); --noAssert: it traps by
// itself (unreachable) on anything outside its subset.
const { error, stderr } = await asc.main([join(root, "wasm", "yaml-block.ts"), "-O3", "--runtime", "stub", "--noAssert", "--outFile", outFile]);
if (error) {
  process.stderr.write(`build-wasm: ${error.message}\n${stderr.toString()}`);
  process.exit(1);
}
