// Bundles the CLI for bin/meshfed.js: dist/cli/main.js and the dist/ modules it imports become
// dist/bin/main.js plus one chunk per lazily loaded command and shared chunks (ES modules, code
// splitting), with npm packages left as imports. `npm run build` runs it after tsc.
//
// Why: a `meshfed verify` of a scenario directory loaded 68 modules one by one; the bundle loads
// about 30 files, and its modules' functions call one another as plain local functions rather
// than through ES module bindings. bench/README.md has the measurement.
import { build } from "esbuild";

await build({
  entryPoints: { main: "dist/cli/main.js" },
  outdir: "dist/bin",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20.19",
  packages: "external",
  chunkNames: "chunk-[hash]",
  legalComments: "none",
  logLevel: "warning",
});
