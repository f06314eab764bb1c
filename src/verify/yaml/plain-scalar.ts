/**
 * The value of a plain (unquoted, untagged) YAML scalar as Kubernetes reads it.
 *
 * `kubectl` and the API server turn YAML into JSON with sigs.k8s.io/yaml, which decodes with
 * its fork of go-yaml v2: YAML 1.1 scalar rules, not YAML 1.2's. So `05432` is the octal
 * number 2842, `0x1538` and `+0x1538` are 5432, `1_000` is 1000, `yes`/`on`/`y` are true and
 * `no`/`off`/`n` are false. The rules below follow go-yaml v2's `resolve` (resolve.go): a
 * table of exact words first, then, by the first character, Go's `strconv.ParseInt` with base
 * 0 after removing every `_`, `ParseUint`, and a float pattern; anything else is a string.
 * Timestamps stay strings (go-yaml keeps them as strings when decoding into interface{}).
 */
export type PlainScalar = string | number | boolean | null;

const WORDS = new Map<string, PlainScalar>();
for (const w of ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]) WORDS.set(w, true);
for (const w of ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]) WORDS.set(w, false);
for (const w of ["", "~", "null", "Null", "NULL"]) WORDS.set(w, null);
for (const w of [".nan", ".NaN", ".NAN"]) WORDS.set(w, Number.NaN);
for (const w of [".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"]) WORDS.set(w, Number.POSITIVE_INFINITY);
for (const w of ["-.inf", "-.Inf", "-.INF"]) WORDS.set(w, Number.NEGATIVE_INFINITY);

/** The length of the longest word: a longer text is none of them. */
const LONGEST_WORD = Math.max(...[...WORDS.keys()].map((w) => w.length));
/** The first characters of the words that are letters. */
const WORD_INITIALS = new Set([...WORDS.keys()].map((w) => w.charCodeAt(0)).filter((c) => (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a));

/** go-yaml's `yamlStyleFloat`. */
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
/** What Go's ParseFloat accepts after a leading `.` (no `_` without a base prefix). */
const DOT_FLOAT = /^\.[0-9]+([eE][-+]?[0-9]+)?$/;
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/** Go's strconv.ParseInt(s, 0, 64), then ParseUint(s, 0, 64); undefined where both fail. */
function goParseInteger(s: string): number | undefined {
  let i = 0;
  let negative = false;
  if (s[0] === "+" || s[0] === "-") {
    negative = s[0] === "-";
    i = 1;
  }
  const body = s.slice(i);
  let digits: RegExp;
  let prefix: string;
  if (/^0[xX]/.test(body)) [digits, prefix] = [/^[0-9a-fA-F]+$/, "0x"];
  else if (/^0[oO]/.test(body)) [digits, prefix] = [/^[0-7]+$/, "0o"];
  else if (/^0[bB]/.test(body)) [digits, prefix] = [/^[01]+$/, "0b"];
  else if (/^0[0-9]/.test(body)) [digits, prefix] = [/^[0-7]+$/, "0o"];
  else [digits, prefix] = [/^[0-9]+$/, ""];
  const rest = prefix === "" ? body : prefix === "0o" && /^0[0-9]/.test(body) ? body.slice(1) : body.slice(2);
  if (!digits.test(rest)) return undefined;
  let n = BigInt(prefix === "" ? rest : `${prefix}${rest}`);
  if (negative) n = -n;
  // ParseUint takes no sign; ParseInt takes int64.
  if (n > (negative || s[0] === "+" ? INT64_MAX : UINT64_MAX) || n < INT64_MIN) return undefined;
  return Number(n);
}

function goParseFloat(s: string): number | undefined {
  const n = Number(s);
  // Go returns ErrRange for overflow, and go-yaml then keeps the string.
  return Number.isFinite(n) ? n : undefined;
}

function allDigits(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const d = text.charCodeAt(i);
    if (d < 0x30 || d > 0x39) return false;
  }
  return true;
}

/** The value Kubernetes gives a plain scalar. */
export function plainScalarValue(text: string): PlainScalar {
  const c = text.charCodeAt(0);
  // Most scalars are names: a letter that starts none of the words above, or a text longer than
  // all of them, is no word (and looking it up would hash the whole text).
  const lower = c | 0x20;
  const long = text.length > LONGEST_WORD;
  if (lower >= 0x61 /* a */ && lower <= 0x7a /* z */ && (long || !WORD_INITIALS.has(c))) return text;
  const word = long ? undefined : WORDS.get(text);
  if (word !== undefined) return word;
  if (c === 0x2e /* . */) return DOT_FLOAT.test(text) ? (goParseFloat(text) ?? text) : text;
  const isDigit = c >= 0x30 && c <= 0x39;
  if (!isDigit && c !== 0x2b /* + */ && c !== 0x2d /* - */) return text;
  // Ports and counts: up to 15 decimal digits, no leading zero, are the decimal number itself
  // (exact in a double), which is what ParseInt gives them.
  if (isDigit && (c !== 0x30 || text.length === 1) && text.length <= 15 && allDigits(text)) return Number(text);
  // Addresses and versions (`10.1.4.10`, `1.2.3`): no integer, and a float has one dot at most.
  if (text.indexOf(".") !== text.lastIndexOf(".")) return text;
  const plain = text.includes("_") ? text.replaceAll("_", "") : text;
  const int = goParseInteger(plain);
  if (int !== undefined) return Object.is(int, -0) ? 0 : int;
  if (YAML_STYLE_FLOAT.test(plain)) return goParseFloat(plain) ?? text;
  return text;
}
