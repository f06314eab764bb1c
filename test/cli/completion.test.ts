import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/fixtures.js";
import { runCli } from "../helpers/run-cli.js";

/** Scripts loaded into the real shells (.ci/run installs zsh and fish). */
const scripts: Record<string, string> = {};
const dir = mkdtempSync(join(tmpdir(), "meshfed-completion-"));

beforeAll(async () => {
  for (const shell of ["bash", "zsh", "fish"]) {
    const r = await runCli(["completion", shell], repoRoot);
    expect(r.code).toBe(0);
    scripts[shell] = r.stdout;
    writeFileSync(join(dir, `meshfed.${shell}`), r.stdout);
  }
});

/** What bash completes for the words typed so far (the last one being completed). */
function bashComplete(...words: string[]): string[] {
  const script = `source ${join(dir, "meshfed.bash")}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _meshfed; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync("bash", ["-c", script], { cwd: dir }).toString().split("\n").filter(Boolean);
}

function fishComplete(line: string): string[] {
  return execFileSync("fish", ["-c", `source ${join(dir, "meshfed.fish")}; complete -C '${line}'`], { cwd: dir })
    .toString()
    .split("\n")
    .filter(Boolean)
    .map((l) => l.split("\t")[0]!);
}

describe("meshfed completion", () => {
  it("bash: commands, each command's flags, -o formats and subcommands, from the command table", () => {
    expect(bashComplete("meshfed", "ve")).toEqual(["verify", "version"]);
    expect(bashComplete("meshfed", "validate", "--fail")).toEqual(["--failure-threshold"]);
    expect(bashComplete("meshfed", "validate", "--failure-threshold", "")).toEqual(["error", "warning"]);
    expect(bashComplete("meshfed", "plan", "f.yaml", "-o", "")).toEqual(["text", "json", "markdown"]);
    expect(bashComplete("meshfed", "ca", "i")).toEqual(["init", "issue", "inspect"]);
    expect(bashComplete("meshfed", "plan", "--ag")).toEqual(["--against"]);
  });

  it("zsh: the script parses and registers its completion function", () => {
    execFileSync("zsh", ["-n", join(dir, "meshfed.zsh")]);
    const out = execFileSync("zsh", [
      "-c",
      `autoload -U compinit; compinit -u -d ${join(dir, "zcompdump")}; source ${join(dir, "meshfed.zsh")}; print -r -- $_comps[meshfed]`,
    ]);
    expect(out.toString().trim()).toBe("_meshfed");
    expect(scripts.zsh).toContain("'--failure-threshold[exit 3 when a finding at or above this severity exists]:value:(error warning)'");
  });

  it("fish: commands and flags", () => {
    expect(fishComplete("meshfed ver")).toEqual(["verify", "version"]);
    expect(fishComplete("meshfed validate --fail")).toEqual(["--failure-threshold"]);
  });

  it("every command of --help completes in each shell", async () => {
    const help = (await runCli(["--help"], repoRoot)).stdout;
    const commands = [...help.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]!).filter((c) => c !== "help");
    expect(commands.length).toBeGreaterThan(15);
    for (const c of commands) {
      for (const shell of ["bash", "zsh", "fish"]) expect(scripts[shell], `${c} in ${shell}`).toContain(c);
    }
    expect(bashComplete("meshfed", "")).toEqual(commands);
  });

  it("an unknown shell is a usage error", async () => {
    const r = await runCli(["completion", "tcsh"], repoRoot);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("use bash, zsh or fish");
  });
});
