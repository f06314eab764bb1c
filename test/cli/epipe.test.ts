import { spawn } from "node:child_process";
import { join } from "node:path";
import { expect, it } from "vitest";
import { repoRoot } from "../helpers/fixtures.js";

it("stops quietly when the reader of stdout goes away (meshfed render | head)", async () => {
  const child = spawn(process.execPath, [join(repoRoot, "bin/meshfed.js"), "render", "examples/nrc/federation.yaml"], { cwd: repoRoot });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout.once("data", () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  expect(stderr).not.toMatch(/EPIPE|Error/);
  expect(code).toBe(0);
});
