import type { CliIo } from "./io.js";

/*
 * Colour and symbols for terminals. Output is built as plain UTF-8 text everywhere (and tested
 * as such); this layer, at the edge, adds colour when a stream is a terminal and NO_COLOR is
 * unset (https://no-color.org), and replaces the symbols meshfed prints by ASCII with --ascii or
 * a locale that is not UTF-8.
 */

/** The symbols meshfed's text output uses, and their ASCII forms. */
const ASCII: ReadonlyMap<string, string> = new Map([
  ["✓", "ok"],
  ["√", "ok"],
  ["×", "x"],
  ["‼", "!!"],
  ["→", "->"],
  ["←", "<-"],
  ["—", "-"],
]);
const SYMBOLS = new RegExp([...ASCII.keys()].join("|"), "g");

const SGR = { red: "\u001b[31m", green: "\u001b[32m", yellow: "\u001b[33m", cyan: "\u001b[36m", bold: "\u001b[1m", reset: "\u001b[0m" };

/** What to colour: severities of diagnostics, verdict words, check marks. */
const PAINT: readonly (readonly [RegExp, string])[] = [
  [/\b(error)( MF\d{4})/g, SGR.red],
  [/\b(warning)( MF\d{4})/g, SGR.yellow],
  [/\b(info)( MF\d{4})/g, SGR.cyan],
  [/\b(DENIED|NOT MET)\b()/g, SGR.red],
  [/\b(ALLOWED)\b()/g, SGR.green],
  [/(✓|√)()/g, SGR.green],
  [/(×)()/g, SGR.red],
  [/(‼)()/g, SGR.yellow],
];

function paint(text: string): string {
  let out = text;
  for (const [re, colour] of PAINT) out = out.replace(re, (_m, word: string, rest: string) => `${colour}${word}${SGR.reset}${rest}`);
  return out;
}

/** Whether the locale names a character set other than UTF-8 (an unset locale is taken as UTF-8). */
export function localeIsAscii(env: CliIo["env"]): boolean {
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG;
  if (!locale) return false;
  return !/utf-?8/i.test(locale);
}

export interface TerminalOptions {
  /** `--ascii` given. */
  readonly ascii: boolean;
  /** `--no-color` given. */
  readonly noColor: boolean;
  /** Machine output on stdout (`-o json`, YAML, SVG): stdout is never coloured or rewritten. */
  readonly machine: boolean;
}

/** The io with colour and ASCII applied to its text streams, as the options and environment say. */
export function terminalIo(io: CliIo, options: TerminalOptions): CliIo {
  const ascii = options.ascii || localeIsAscii(io.env);
  const colourOn = (tty: boolean | undefined) => tty === true && !options.noColor && io.env.NO_COLOR === undefined && io.env.TERM !== "dumb";
  const wrap = (stream: CliIo["stdout"]): CliIo["stdout"] => {
    const colour = colourOn(stream.isTTY);
    if (!ascii && !colour) return stream;
    return {
      isTTY: stream.isTTY,
      write: (chunk: string) => {
        let text = colour ? paint(chunk) : chunk;
        if (ascii) text = text.replace(SYMBOLS, (s) => ASCII.get(s) ?? s);
        return stream.write(text);
      },
    };
  };
  return { ...io, stdout: options.machine ? io.stdout : wrap(io.stdout), stderr: wrap(io.stderr) };
}
