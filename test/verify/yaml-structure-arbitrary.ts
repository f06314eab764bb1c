import fc from "fast-check";

/**
 * Random YAML streams of the shapes that Kubernetes manifests and hand-edited files take, and
 * near misses of them, for comparing meshfed's YAML reader with Kubernetes' on document
 * structure (test/verify/yaml-structure.oracle.test.ts). A stream is built from a random tree
 * (mappings, sequences, scalars, aliases and merge keys), each node carrying the style choices
 * it is written in (block or flow, indentation, quoting, block scalar headers, anchors, tags,
 * comments); the text is then sometimes damaged a little (a line indented one more or less, a
 * tab, a stray marker, other line ends), since the readers must agree on near misses too.
 */

/** A node of the tree, with the style choices (`s`, numbers 0..99) used to write it. */
type Node =
  | { readonly k: "scalar"; readonly text: string; readonly s: readonly number[] }
  | { readonly k: "map"; readonly entries: readonly (readonly [Key, Node])[]; readonly s: readonly number[] }
  | { readonly k: "seq"; readonly items: readonly Node[]; readonly s: readonly number[] }
  | { readonly k: "alias"; readonly s: readonly number[] }
  | { readonly k: "empty"; readonly s: readonly number[] };

interface Key {
  readonly text: string;
  readonly s: readonly number[];
}

const STYLE = fc.array(fc.nat(99), { minLength: 12, maxLength: 12 });

/** Scalar texts found in manifests, and ones that sit on the edge of YAML's rules. */
const REAL_SCALARS = [
  "nginx:1.25",
  "http://svc.ns.svc.cluster.local:8080/path?x=1&y=2",
  "--flag=value",
  "-v",
  "80",
  "0o17",
  "0755",
  "1_000",
  "0x1F",
  "1e3",
  ".5",
  "yes",
  "no",
  "on",
  "y",
  "~",
  "null",
  "true",
  "",
  "a b",
  "a: b",
  "a:b",
  "#x",
  "a #b",
  "a#b",
  "?x",
  "x?",
  ":x",
  "x:",
  "-x",
  "- x",
  "a,b",
  "[x]",
  "{x}",
  "'q'",
  '"q"',
  "\\/",
  "\\",
  "<<",
  "=",
  "%x",
  "@x",
  "`x",
  "!x",
  "&x",
  "*x",
  "|",
  ">",
  "2024-01-01",
  "2001-12-14t21:59:43.10-05:00",
  "1:20",
  "é",
  "日本",
  "a\u00a0b",
  "a\u2028b",
  "a\u0085b",
  "a\tb",
  "\tx",
  "x\t",
  "line one\nline two",
  "one\n\ntwo",
  "one\n  indented\nthree",
  "trail\n",
  "trail\n\n",
  "\nlead",
  " lead",
  "trail ",
  "---",
  "...",
  "a\u200bb",
  "\u{1F600}",
  "x".repeat(300),
];

/** Characters to build random scalars from: letters, digits and every indicator. */
const SCALAR_CHARS = "ab0Z1.:-?#, []{}'\"\\/&*!|>%@`\t~_e+=\u00e9\u00a0\n ".split("");

const scalarText = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...REAL_SCALARS) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...SCALAR_CHARS), { minLength: 1, maxLength: 8 }).map((cs) => cs.join("")) },
  { weight: 2, arbitrary: fc.constantFrom("a", "b", "c", "web", "default", "TCP", "8080", "istio-system") },
);

const KEYS = [
  "a",
  "b",
  "c",
  "name",
  "port",
  "spec",
  "metadata",
  "labels",
  "items",
  "x.y/z",
  "app.kubernetes.io/name",
  "<<",
  "yes",
  "1",
  "0x10",
  "~",
  "a b",
  "-k",
  "k#",
  "é",
];
const keyText = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...KEYS.slice(0, 11)) }, { weight: 1, arbitrary: fc.constantFrom(...KEYS) });
const key: fc.Arbitrary<Key> = fc.record({ text: keyText, s: STYLE });

const { node } = fc.letrec<{ node: Node; map: Node; seq: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 6, arbitrary: fc.record({ k: fc.constant("scalar" as const), text: scalarText, s: STYLE }) },
    { weight: 3, arbitrary: tie("map") },
    { weight: 2, arbitrary: tie("seq") },
    { weight: 1, arbitrary: fc.record({ k: fc.constant("alias" as const), s: STYLE }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant("empty" as const), s: STYLE }) },
  ),
  map: fc.record({
    k: fc.constant("map" as const),
    entries: fc.uniqueArray(fc.tuple(key, tie("node")), { minLength: 1, maxLength: 4, selector: ([k]) => k.text }),
    s: STYLE,
  }),
  seq: fc.record({ k: fc.constant("seq" as const), items: fc.array(tie("node"), { minLength: 1, maxLength: 4 }), s: STYLE }),
}));

/** Writes a tree as YAML lines; `anchors` counts the anchors written so far, for aliases. */
class Writer {
  anchors = 0;

  pad(n: number): string {
    return " ".repeat(Math.max(0, n));
  }

  /** A choice among `n` options from style number `i` of a node. */
  pick(s: readonly number[], i: number, n: number): number {
    return s[i % s.length]! % n;
  }

  /** Whether style number `i` is below `percent`. */
  chance(s: readonly number[], i: number, percent: number): boolean {
    return s[i % s.length]! < percent;
  }

  /** Anchor and tag written before a node's value, with a trailing space, or "". */
  props(s: readonly number[], kind: "scalar" | "map" | "seq"): string {
    let p = "";
    if (this.chance(s, 9, 15)) p += `&a${this.anchors++} `;
    if (this.chance(s, 10, 4)) {
      const tags = {
        scalar: ["!!str", "!!int", "!!float", "!!bool", "!!null", "!!binary", "!!timestamp", "!", "!local", "!<tag:yaml.org,2002:str>"],
        map: ["!!map", "!!set", "!!omap", "!!str"],
        seq: ["!!seq", "!!omap", "!!pairs", "!!map"],
      }[kind];
      p += `${tags[this.pick(s, 11, tags.length)]!} `;
    }
    return p;
  }

  alias(s: readonly number[]): string {
    // Mostly an anchor written before; rarely one that is not (yet) defined.
    if (this.anchors === 0) return this.chance(s, 1, 10) ? "*a0" : "x";
    return `*a${this.chance(s, 1, 3) ? this.anchors : this.pick(s, 2, this.anchors)}`;
  }

  comment(s: readonly number[], i: number): string {
    return this.chance(s, i, 10) ? [" # c", " #", " #: x", " # - y"][this.pick(s, i + 1, 4)]! : "";
  }

  /** A key as written before its `:` (or after `? `). */
  key(k: Key): string {
    const t = k.text;
    switch (this.pick(k.s, 0, 10)) {
      case 0:
        return `'${t.replaceAll("'", "''")}'`;
      case 1:
        return JSON.stringify(t);
      case 2:
        return `${this.props(k.s, "scalar")}${t}`;
      default:
        return t;
    }
  }

  /** A scalar written in one of YAML's styles; multi-line forms continue at `indent`. */
  scalar(text: string, s: readonly number[], indent: number, inFlow: boolean): { first: string; rest: string[] } {
    const style = this.pick(s, 0, inFlow ? 3 : 5);
    if (style === 1) return this.lines(`'${text.replaceAll("'", "''")}'`, indent, s);
    if (style === 2) return this.lines(`"${this.doubleQuoted(text, s)}"`, indent, s);
    if (style >= 3) return this.blockScalar(text, s, indent);
    return this.lines(text, indent, s);
  }

  /** Text whose line breaks become lines at `indent` (a few at other indentations). */
  lines(text: string, indent: number, s: readonly number[]): { first: string; rest: string[] } {
    const [first, ...rest] = text.split("\n");
    const shift = this.chance(s, 3, 10) ? -1 : this.chance(s, 3, 20) ? 1 : 0;
    return { first: first!, rest: rest.map((l, i) => (l === "" ? "" : `${this.pad(indent + (i === 0 ? shift : 0))}${l}`)) };
  }

  doubleQuoted(text: string, s: readonly number[]): string {
    let out = text.replaceAll("\\", "\\\\").replaceAll('"', '\\"');
    if (this.chance(s, 4, 50)) {
      const escapes = [
        "\\x41",
        "\\xe9",
        "\\xff",
        "\\u00e9",
        "\\u2028",
        "\\ud800",
        "\\uDC00",
        "\\U0001F600",
        "\\U00110000",
        "\\N",
        "\\_",
        "\\L",
        "\\P",
        "\\/",
        "\\'",
        "\\0",
        "\\a",
        "\\e",
        "\\v",
        "\\ ",
        "\\\t",
        "\\t",
        "\\q",
        "\\x4",
        "\\\n",
        "\\\n  x",
      ];
      // At a character's boundary: a lone surrogate is no text a file can hold.
      const chars = Array.from(out);
      const at = this.pick(s, 5, chars.length + 1);
      out = chars.slice(0, at).join("") + escapes[this.pick(s, 6, escapes.length)]! + chars.slice(at).join("");
    }
    return out;
  }

  /** A `|` or `>` block scalar whose content lines are at `indent` (or the header's indicator). */
  blockScalar(text: string, s: readonly number[], indent: number): { first: string; rest: string[] } {
    const chomp = ["", "-", "+"][this.pick(s, 5, 3)]!;
    const explicit = this.chance(s, 6, 20) ? 1 + this.pick(s, 7, 3) : 0;
    const header = `${this.chance(s, 4, 50) ? "|" : ">"}${this.chance(s, 8, 50) ? `${explicit || ""}${chomp}` : `${chomp}${explicit || ""}`}${this.comment(s, 1)}`;
    const at = explicit ? indent - 2 + explicit : indent;
    const rest = text.split("\n").map((l) => (l === "" ? (this.chance(s, 2, 30) ? this.pad(at + 1) : "") : `${this.pad(at)}${l}`));
    for (let i = this.pick(s, 3, 4); i > 0; i--) rest.push(this.chance(s, 7, 30) ? this.pad(at) : "");
    return { first: header, rest };
  }

  /** A flow collection or scalar, on one line or broken over lines at `indent`. */
  flow(n: Node, indent: number, depth: number): string {
    const multi = this.chance(n.s, 6, 15);
    const sep = multi ? `,\n${this.pad(indent + this.pick(n.s, 7, 3))}` : ", ";
    const trailing = this.chance(n.s, 8, 10) ? "," : "";
    switch (n.k) {
      case "scalar": {
        const { first, rest } = this.scalar(n.text, n.s, indent, true);
        return [first, ...rest].join("\n");
      }
      case "alias":
        return this.alias(n.s);
      case "empty":
        return this.chance(n.s, 1, 50) ? "" : "null";
      case "map": {
        if (this.chance(n.s, 1, 10)) return `${this.props(n.s, "map")}{}`;
        const body = n.entries.map(([k, v]) =>
          v.k === "empty" && this.chance(v.s, 2, 50) ? this.key(k) : `${this.key(k)}: ${this.flow(v, indent, depth + 1)}`,
        );
        // A single pair in a flow sequence is a mapping of its own.
        return `${this.props(n.s, "map")}{${body.join(sep)}${trailing}}`;
      }
      case "seq": {
        if (this.chance(n.s, 1, 10)) return `${this.props(n.s, "seq")}[]`;
        const body = n.items.map((v) =>
          v.k === "map" && v.entries.length === 1 && this.chance(v.s, 3, 30)
            ? `${this.key(v.entries[0]![0])}: ${this.flow(v.entries[0]![1], indent, depth + 1)}`
            : this.flow(v, indent, depth + 1),
        );
        return `${this.props(n.s, "seq")}[${body.join(sep)}${trailing}]`;
      }
    }
  }

  /**
   * A value after `key:` or `- `: the rest of that line (with its leading space) and the lines
   * after it. `indent` is the column of the key or dash that owns the value.
   */
  value(n: Node, indent: number, afterKey: boolean): { inline: string; lines: string[] } {
    const step = 1 + this.pick(n.s, 2, 4);
    switch (n.k) {
      case "empty":
        return { inline: this.chance(n.s, 0, 20) ? " ~" : this.comment(n.s, 1), lines: [] };
      case "alias":
        return { inline: ` ${this.alias(n.s)}${this.comment(n.s, 3)}`, lines: [] };
      case "scalar": {
        const props = this.props(n.s, "scalar");
        const { first, rest } = this.scalar(n.text, n.s, indent + step, false);
        return { inline: ` ${props}${first}${rest.length === 0 ? this.comment(n.s, 3) : ""}`, lines: rest };
      }
      case "map":
      case "seq": {
        if (this.chance(n.s, 0, 15)) return { inline: ` ${this.flow(n, indent + step, 0)}${this.comment(n.s, 3)}`, lines: [] };
        const props = this.props(n.s, n.k === "map" ? "map" : "seq").trimEnd();
        // A sequence may sit at its key's indentation.
        const at = n.k === "seq" && afterKey && this.chance(n.s, 4, 40) ? indent : indent + step;
        const comments = this.chance(n.s, 5, 10) ? [`${this.pad(this.pick(n.s, 6, 6))}# note`] : [];
        return { inline: `${props ? ` ${props}` : ""}${this.comment(n.s, 7)}`, lines: [...comments, ...this.block(n, at)] };
      }
    }
  }

  /** A block mapping or sequence at column `indent`. */
  block(n: Node, indent: number): string[] {
    const out: string[] = [];
    if (n.k === "map") {
      for (const [k, v] of n.entries) {
        if (this.chance(k.s, 3, 4)) {
          // An explicit key.
          const { inline, lines } = this.value(v, indent, true);
          out.push(`${this.pad(indent)}? ${this.key(k)}`, `${this.pad(indent)}:${inline}`, ...lines);
          continue;
        }
        const keyText = k.text === "<<" ? "<<" : this.key(k);
        const { inline, lines } =
          k.text === "<<" && this.chance(k.s, 7, 70)
            ? { inline: ` ${this.chance(k.s, 8, 50) ? this.alias(k.s) : `[${this.alias(k.s)}, ${this.alias(v.s)}]`}`, lines: [] }
            : this.value(v, indent, true);
        out.push(`${this.pad(indent)}${keyText}:${inline}`, ...lines);
        if (this.chance(k.s, 4, 5)) out.push("");
        if (this.chance(k.s, 5, 5)) out.push(`${this.pad(this.pick(k.s, 6, 8))}# between`);
      }
      return out;
    }
    if (n.k === "seq") {
      for (const item of n.items) {
        const gap = 1 + (this.chance(item.s, 10, 10) ? this.pick(item.s, 11, 3) : 0);
        const dash = `${this.pad(indent)}-${" ".repeat(gap)}`;
        if ((item.k === "map" || item.k === "seq") && this.chance(item.s, 1, 70)) {
          // A compact nested collection: its first line shares the dash's line.
          const lines = this.block(item, indent + 1 + gap);
          const first = lines.findIndex((l) => l.trim() !== "" && !l.trim().startsWith("#"));
          if (first >= 0) {
            out.push(...lines.slice(0, first), dash + lines[first]!.slice(indent + 1 + gap), ...lines.slice(first + 1));
            continue;
          }
        }
        if (item.k === "empty" && this.chance(item.s, 0, 80)) {
          out.push(`${this.pad(indent)}-${this.comment(item.s, 1)}`);
          continue;
        }
        const { inline, lines } = this.value(item, indent, false);
        out.push(`${this.pad(indent)}-${inline.startsWith(" ") ? " ".repeat(gap - 1) : ""}${inline}`, ...lines);
      }
      return out;
    }
    const { inline, lines } = this.value(n, indent - 1, false);
    return [inline.slice(1), ...lines];
  }
}

/** Damage done to some texts, to test near misses: each takes the lines and a position. */
const MUTATIONS: ((lines: string[], at: number, s: number) => void)[] = [
  (l, at) => {
    l[at] = ` ${l[at]}`;
  },
  (l, at) => {
    l[at] = l[at]!.replace(/^ /, "");
  },
  (l, at) => {
    l[at] = l[at]!.replace(/^( *)/, "$1\t");
  },
  (l, at) => {
    l[at] = l[at]!.replace(/([:-]) /, "$1\t");
  },
  (l, at) => {
    l[at] = `${l[at]}  `;
  },
  (l, at, s) => {
    l.splice(at, 0, ["---", "...", "--- # x", "--- a", "%YAML 1.1", "#", "", "  ", "\t", " ---", "- ", "? ", ": "][s % 13]!);
  },
  (l, at) => {
    l.splice(at, 0, l[at]!);
  },
  (l, at) => {
    l.splice(at, 1);
  },
  (l, at) => {
    l[at] = `${l[at]} # trailing`;
  },
];

/** One document: mostly a mapping, sometimes a sequence, a scalar, a flow collection, an empty document. */
const documentText: fc.Arbitrary<string> = fc
  .tuple(fc.oneof({ weight: 6, arbitrary: node.filter((n) => n.k === "map") }, { weight: 2, arbitrary: node }), fc.nat(99))
  .map(([n, d]) => {
    const w = new Writer();
    if (d < 4) return "";
    if (d < 7) return "# only a comment";
    if (n.k === "map" || n.k === "seq") {
      if (d < 12) return w.flow(n, 0, 0);
      const props = d < 16 ? w.props(n.s, n.k).trimEnd() : "";
      return [...(props ? [props] : []), ...w.block(n, d % 5 === 0 ? 1 : 0)].join("\n");
    }
    if (n.k === "scalar") {
      // Mostly quoted or plain: a block scalar at column 0 is a js-yaml refusal, not a finding.
      const { first, rest } = w.scalar(n.text, d % 3 === 0 ? n.s : [n.s[0]! % 3, ...n.s.slice(1)], 0, false);
      return [first, ...rest].join("\n");
    }
    return n.k === "alias" ? w.alias(n.s) : "";
  });

/** Very deep nesting, long lines and long keys. */
const extremeText: fc.Arbitrary<string> = fc.tuple(fc.nat(6), fc.integer({ min: 1, max: 120 }), fc.nat(99)).map(([kind, n, s]) => {
  switch (kind) {
    case 0:
      return `${Array.from({ length: n }, (_, i) => `${" ".repeat(i * (1 + (s % 2)))}k${i}:`).join("\n")} v\n`;
    case 1:
      return `a: ${"[".repeat(n)}x${"]".repeat(n)}\n`;
    case 2:
      return `${Array.from({ length: n }, () => "-").join(" ")} x\n`;
    case 3:
      return `a: ${"x".repeat(n * 100)}\nb: "${"y ".repeat(n * 50)}"\n`;
    case 4:
      return `${"k".repeat(1000 + (n % 40))}: v\n`;
    case 5:
      return `a: {${Array.from({ length: n }, (_, i) => `k${i}: ${i}`).join(", ")}}\n`;
    default:
      return `a: &a {x: 1}\n${Array.from({ length: n % 20 }, (_, i) => `m${i}:\n  <<: ${s % 2 ? "*a" : "[*a]"}\n  y: ${i}`).join("\n")}\n`;
  }
});

/**
 * Merge keys as hand-edited files use them: anchored mappings over a few shared keys, merged
 * (one or two `<<`, an alias, a list or an inline mapping) into mappings whose own keys come
 * before or after the merge.
 */
const mergeText: fc.Arbitrary<string> = fc
  .tuple(
    fc.array(fc.uniqueArray(fc.constantFrom("a", "b", "c", "d"), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
    fc.array(fc.oneof(fc.constantFrom("a", "b", "c", "d"), fc.constant("<<")), { minLength: 1, maxLength: 5 }),
    fc.array(fc.nat(99), { minLength: 8, maxLength: 8 }),
  )
  .map(([anchored, order, s]) => {
    const bases = anchored.map((keys, i) =>
      s[0]! < 50 ? `b${i}: &b${i} {${keys.map((k) => `${k}: ${i}`).join(", ")}}` : `b${i}: &b${i}\n${keys.map((k) => `  ${k}: ${i}`).join("\n")}`,
    );
    const seen = new Set<string>();
    const entries = order
      .filter((k) => k === "<<" || (!seen.has(k) && seen.add(k) !== undefined))
      .map((k, j) => {
        if (k !== "<<") return `  ${k}: own${j}`;
        const pick = (x: number) => `*b${x % anchored.length}`;
        switch (s[(j + 1) % 8]! % 5) {
          case 0:
            return `  <<: ${pick(j)}`;
          case 1:
            return `  <<: [${pick(j)}, ${pick(j + 1)}]`;
          case 2:
            return `  <<:\n  - ${pick(j + 1)}\n  - ${pick(j)}`;
          case 3:
            return `  <<: {a: inline${j}, c: inline${j}}`;
          default:
            return "  <<: *list";
        }
      });
    const list = s[2]! < 20 ? [`list: &list [${anchored.map((_, i) => `*b${i}`).join(", ")}]`] : [];
    return [...bases, ...list, "m:", ...entries, ""].join("\n");
  });

/** A stream of documents, maybe damaged, with LF, CRLF or CR line ends and maybe a byte order mark. */
export const yamlStreamText: fc.Arbitrary<string> = fc
  .tuple(
    fc.array(fc.oneof({ weight: 12, arbitrary: documentText }, { weight: 1, arbitrary: extremeText }, { weight: 1, arbitrary: mergeText }), {
      minLength: 1,
      maxLength: 3,
    }),
    fc.array(fc.tuple(fc.nat(MUTATIONS.length - 1), fc.nat(), fc.nat(99)), { maxLength: 2 }),
    fc.nat(99),
  )
  .map(([docs, mutations, s]) => {
    const lines = docs.flatMap((d, i) => [...(i > 0 || s < 15 ? [s % 7 === 0 ? "---  " : "---"] : []), ...d.replace(/\n$/, "").split("\n")]);
    // Most texts are left intact, so that most are valid YAML.
    if (s < 35) for (const [m, at, x] of mutations) if (lines.length > 0) MUTATIONS[m]!(lines, at % lines.length, x);
    let text = lines.join("\n") + (s % 9 === 0 ? "" : "\n");
    if (s >= 90 && s < 95) text = text.replace(/\n/g, "\r\n");
    if (s === 95) text = text.replace(/\n/g, "\r");
    if (s >= 96) text = `\ufeff${text}`;
    return text;
  });
