import { Command, type Option } from "commander";
import { ExitCode, UsageError, type CliIo } from "../io.js";
import { registerAll, type SetExit } from "../main.js";

/** A command as completion needs it: its name, summary, options and subcommands. */
interface CompletionEntry {
  readonly name: string;
  readonly summary: string;
  readonly options: readonly {
    readonly flags: readonly string[];
    readonly takesValue: boolean;
    readonly choices: readonly string[];
    readonly summary: string;
  }[];
  readonly subcommands: readonly CompletionEntry[];
}

const GLOBAL = [
  { flags: ["--ascii"], takesValue: false, choices: [], summary: "ASCII symbols" },
  { flags: ["--no-color"], takesValue: false, choices: [], summary: "no colour" },
  { flags: ["-h", "--help"], takesValue: false, choices: [], summary: "help" },
];

/** Commander keeps options in a field its types call `options`. */
function entryOf(c: Command): CompletionEntry {
  const options = (c.options as readonly Option[]).map((o) => ({
    flags: [o.short, o.long].filter((f): f is string => f !== undefined),
    takesValue: o.required || o.optional,
    // -o lists its formats in its description ("text or json"); explicit choices win.
    choices: o.argChoices ?? (o.long === "--output" ? [...o.description.matchAll(/\b(text|json|yaml|markdown|mermaid|dot|svg)\b/g)].map((m) => m[1]!) : []),
    summary: o.description.split(/[.;(]/)[0]!.trim(),
  }));
  return { name: c.name(), summary: c.description().split(/[.;]/)[0]!.trim(), options: [...options, ...GLOBAL], subcommands: c.commands.map(entryOf) };
}

/** A description inside a single-quoted zsh spec: quotes closed and reopened, brackets and colons escaped. */
const q = (s: string) => s.replace(/'/g, "'\\''").replace(/([[\]:])/g, "\\$1");
const uniq = (xs: readonly string[]) => [...new Set(xs)];

function bash(entries: readonly CompletionEntry[]): string {
  const cases = entries.map((e) => {
    const values = e.options
      .filter((o) => o.takesValue && o.choices.length > 0)
      .map((o) => `      ${o.flags.join("|")}) COMPREPLY=($(compgen -W '${uniq(o.choices).join(" ")}' -- "$cur")); return ;;`);
    const subs =
      e.subcommands.length > 0
        ? `      if [[ $COMP_CWORD -eq 2 ]]; then COMPREPLY=($(compgen -W '${e.subcommands.map((s) => s.name).join(" ")}' -- "$cur")); return; fi\n`
        : "";
    const subFlags = e.subcommands.flatMap((s) => s.options.flatMap((o) => o.flags));
    return `    ${e.name})\n${subs}      case "$prev" in\n${values.join("\n")}${values.length > 0 ? "\n" : ""}      esac\n      opts='${uniq([...e.options.flatMap((o) => o.flags), ...subFlags]).join(" ")}' ;;`;
  });
  return `# meshfed completion for bash. Load it with:  source <(meshfed completion bash)
_meshfed() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" opts=""
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=($(compgen -W '${entries.map((e) => e.name).join(" ")}' -- "$cur"))
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases.join("\n")}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o filenames -F _meshfed meshfed
`;
}

function zsh(entries: readonly CompletionEntry[]): string {
  const spec = (e: CompletionEntry) =>
    e.options
      .map((o) => {
        const value = o.takesValue ? `:value:${o.choices.length > 0 ? `(${uniq(o.choices).join(" ")})` : "_files"}` : "";
        const flags = o.flags.length > 1 ? `'(${o.flags.join(" ")})'{${o.flags.join(",")}}` : `'${o.flags[0]}`;
        return o.flags.length > 1 ? `${flags}'[${q(o.summary)}]${value}'` : `${flags}[${q(o.summary)}]${value}'`;
      })
      .join(" ");
  const cases = entries.map((e) =>
    e.subcommands.length > 0
      ? `    ${e.name}) if (( CURRENT == 3 )); then _values 'subcommand' ${e.subcommands.map((s) => `'${s.name}[${q(s.summary)}]'`).join(" ")}; else _arguments ${uniq(e.subcommands.map(spec)).join(" ")} '*:file:_files'; fi ;;`
      : `    ${e.name}) _arguments ${spec(e)} '*:file:_files' ;;`,
  );
  return `#compdef meshfed
# meshfed completion for zsh. Load it with:  source <(meshfed completion zsh)
_meshfed() {
  if (( CURRENT == 2 )); then
    _values 'command' ${entries.map((e) => `'${e.name}[${q(e.summary)}]'`).join(" ")}
    return
  fi
  case $words[2] in
${cases.join("\n")}
  esac
}
compdef _meshfed meshfed
`;
}

function fish(entries: readonly CompletionEntry[]): string {
  const fq = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  const lines = ["# meshfed completion for fish. Load it with:  meshfed completion fish | source", "complete -c meshfed -f"];
  for (const e of entries) lines.push(`complete -c meshfed -n __fish_use_subcommand -a ${e.name} -d ${fq(e.summary)}`);
  for (const e of entries) {
    const when = `'__fish_seen_subcommand_from ${e.name}'`;
    for (const s of e.subcommands) lines.push(`complete -c meshfed -n ${when} -a ${s.name} -d ${fq(s.summary)}`);
    for (const o of [...e.options, ...e.subcommands.flatMap((s) => s.options)]) {
      const short = o.flags.find((f) => /^-[^-]$/.test(f));
      const long = o.flags.find((f) => f.startsWith("--"));
      const parts = [`complete -c meshfed -n ${when}`, short ? `-s ${short.slice(1)}` : "", long ? `-l ${long.slice(2)}` : "", o.takesValue ? "-r" : ""];
      if (o.choices.length > 0) parts.push(`-a ${fq(uniq(o.choices).join(" "))}`);
      parts.push(`-d ${fq(o.summary)}`);
      lines.push(parts.filter((p) => p !== "").join(" "));
    }
    lines.push(`complete -c meshfed -n ${when} -F`);
  }
  return `${uniq(lines).join("\n")}\n`;
}

export function registerCompletion(program: Command, io: CliIo, setExit: SetExit): void {
  program
    .command("completion")
    .description("Print a shell completion script for bash, zsh or fish, built from meshfed's commands.")
    .argument("<shell>", "bash, zsh or fish")
    .addHelpText(
      "after",
      `
Examples:
  source <(meshfed completion bash)        (add it to ~/.bashrc)
  source <(meshfed completion zsh)         (add it to ~/.zshrc)
  meshfed completion fish > ~/.config/fish/completions/meshfed.fish`,
    )
    .action(async (shell: string) => {
      const writers: Record<string, (e: readonly CompletionEntry[]) => string> = { bash, zsh, fish };
      const write = writers[shell];
      if (!write) throw new UsageError(`completion ${shell}: use bash, zsh or fish`);
      // Built from the command table itself, so a new command or flag completes without more work.
      const all = new Command("meshfed");
      await registerAll(all, io, () => {});
      io.stdout.write(write(all.commands.map(entryOf)));
      setExit(ExitCode.ok);
    });
}
