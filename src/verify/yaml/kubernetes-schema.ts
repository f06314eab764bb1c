import type JsYaml from "js-yaml";
import { loadOnFirstUse } from "../../util/load-on-first-use.js";
import { plainScalarValue, type PlainScalar } from "./plain-scalar.js";

/**
 * js-yaml, the slow path of read-yaml.ts: loaded on first use, since the documents meshfed and
 * most users write are read by block-subset.ts alone, and loading js-yaml takes longer than
 * reading a small scenario.
 */
export const jsYaml = loadOnFirstUse<typeof JsYaml>("js-yaml");

// js-yaml calls resolve then construct for the same scalar; the second call reuses the first.
let lastText: string | undefined;
let lastValue: PlainScalar = null;
function resolved(text: string): PlainScalar {
  if (text !== lastText) {
    lastValue = plainScalarValue(text);
    lastText = text;
  }
  return lastValue;
}

function construct(data: string): PlainScalar {
  const value = resolved(data);
  // sigs.k8s.io/yaml cannot write these as JSON, so Kubernetes refuses the document.
  if (typeof value === "number" && !Number.isFinite(value)) throw new Error(`${data}: Kubernetes cannot convert infinite or NaN numbers to JSON`);
  return value;
}

/** Whether a plain scalar that resolves to a number is written as a float (go-yaml: !!float), not an integer. */
function isFloatForm(text: string): boolean {
  return /[.eE]/.test(text) && !/^[-+]?0[xX]/.test(text);
}

/** A YAML 1.1 type written explicitly (`!!int 5`), resolved by the same rules. */
function explicit(jsyaml: typeof JsYaml, tag: string, test: (v: PlainScalar) => boolean): JsYaml.Type {
  return new jsyaml.Type(`tag:yaml.org,2002:${tag}`, { kind: "scalar", resolve: (data: string | null) => data !== null && test(resolved(data)), construct });
}

/**
 * js-yaml with Kubernetes' scalar rules (see plain-scalar.ts) and merge keys (`<<`), which
 * go-yaml v2 also honours. One implicit type resolves every plain scalar that is not a string
 * (js-yaml tries each implicit type in turn, and only the merge key's tag matters to it). The
 * standard tags (`!!int`, `!!bool`, ...) resolve by the same rules when written (`!!int` only on
 * an integer, as go-yaml does); any other tag
 * is unknown to this schema, so js-yaml refuses it: go-yaml's handling of local tags and of
 * `!!binary`, `!!timestamp` or `!!set` is not modelled.
 */
export function kubernetesSchema(): JsYaml.Schema {
  schema ??= buildSchema(jsYaml());
  return schema;
}

let schema: JsYaml.Schema | undefined;

function buildSchema(jsyaml: typeof JsYaml): JsYaml.Schema {
  return jsyaml.FAILSAFE_SCHEMA.extend({
    implicit: [
      new jsyaml.Type("tag:yaml.org,2002:int", {
        kind: "scalar",
        resolve: (data: string | null) => data !== null && typeof resolved(data) !== "string",
        construct,
      }),
      // `<<` is a merge key (js-yaml merges mappings for a key of this tag).
      new jsyaml.Type("tag:yaml.org,2002:merge", { kind: "scalar", resolve: (data: string | null) => data === "<<" }),
    ],
    explicit: [
      explicit(jsyaml, "null", (v) => v === null),
      explicit(jsyaml, "bool", (v) => typeof v === "boolean"),
      explicit(jsyaml, "float", (v) => typeof v === "number"),
      // `!!int` only on an integer's form: go-yaml refuses `!!int 1.5`, `!!int yes` or `!!int ~`
      // ("cannot decode !!float `1.5` as a !!int"), which the implicit type above would read.
      new jsyaml.Type("tag:yaml.org,2002:int", {
        kind: "scalar",
        resolve: (data: string | null) => data !== null && typeof resolved(data) === "number" && !isFloatForm(data),
        construct,
      }),
    ],
  });
}
