import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/fixtures.js";
import { runCli } from "../helpers/run-cli.js";

// The CLI bundle loads Graphviz from node_modules with require (bin/meshfed.js runs a CommonJS
// bundle, where import() has no loader): this runs the built CLI in fresh processes.
describe("meshfed graph -o svg from the built CLI", () => {
  it("gives the same bytes in a fresh process as in-process", async () => {
    const run = () =>
      spawnSync(process.execPath, [join(repoRoot, "bin", "meshfed.js"), "graph", "examples/nrc/federation.yaml", "-o", "svg"], {
        cwd: repoRoot,
        encoding: "utf8",
        env: { PATH: process.env.PATH },
      });
    const first = run();
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(run().stdout).toBe(first.stdout);
    expect((await runCli(["graph", "examples/nrc/federation.yaml", "-o", "svg"], repoRoot)).stdout).toBe(first.stdout);
  });
});
