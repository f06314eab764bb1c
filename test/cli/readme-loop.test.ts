import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { repoRoot } from "../helpers/fixtures.js";
import { runCli } from "../helpers/run-cli.js";

/**
 * The README's first screen shows the loop with the real output of each command. This test runs
 * the commands in a fresh directory and compares; `UPDATE_GOLDEN=1` (npm run golden:update runs
 * test/golden only, so run this file with it) rewrites the block.
 */
const commands = [
  ["init", "federation.yaml"],
  ["validate", "federation.yaml"],
  ["plan", "federation.yaml", "--mesh", "production"],
  ["render", "federation.yaml", "--out", "deploy"],
  ["verify", "--model", "federation.yaml"],
];

const START = "<!-- readme-loop:start -->\n";
const END = "<!-- readme-loop:end -->\n";

it("the README's loop block is what the five commands print", async () => {
  const dir = mkdtempSync(join(tmpdir(), "meshfed-readme-"));
  const parts: string[] = [];
  for (const argv of commands) {
    const r = await runCli(argv, dir);
    expect(r.code, `meshfed ${argv.join(" ")}: ${r.stderr}`).toBe(0);
    parts.push(`$ meshfed ${argv.join(" ")}\n${r.stdout}${r.stderr}`);
  }
  const block = `\`\`\`console\n${parts.join("")}\`\`\`\n`;
  const readmePath = join(repoRoot, "README.md");
  const readme = readFileSync(readmePath, "utf8");
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  expect(start).toBeGreaterThan(0);
  expect(end).toBeGreaterThan(start);
  if (process.env.UPDATE_GOLDEN === "1") {
    writeFileSync(readmePath, `${readme.slice(0, start + START.length)}${block}${readme.slice(end)}`);
    return;
  }
  expect(readme.slice(start + START.length, end), "README.md's loop is stale: run UPDATE_GOLDEN=1 npx vitest run test/cli/readme-loop.test.ts").toBe(block);
  // On the first screen: the block starts within the README's first 12 lines.
  expect(readme.slice(0, start).split("\n").length).toBeLessThanOrEqual(12);
});
