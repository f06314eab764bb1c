import jsyaml from "js-yaml";
import { plainScalarValue, type PlainScalar } from "./plain-scalar.js";

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

/** One implicit type per YAML 1.1 kind, so that js-yaml tags results as go-yaml does. */
function kind(tag: string, test: (v: PlainScalar) => boolean): jsyaml.Type {
  return new jsyaml.Type(`tag:yaml.org,2002:${tag}`, {
    kind: "scalar",
    resolve: (data: string | null) => data !== null && test(resolved(data)),
    construct: (data: string) => {
      const value = resolved(data);
      // sigs.k8s.io/yaml cannot write these as JSON, so Kubernetes refuses the document.
      if (typeof value === "number" && !Number.isFinite(value)) throw new Error(`${data}: Kubernetes cannot convert infinite or NaN numbers to JSON`);
      return value;
    },
  });
}

/**
 * js-yaml with Kubernetes' scalar rules (see plain-scalar.ts) and merge keys (`<<`), which
 * go-yaml v2 also honours. The standard tags (`!!int`, `!!bool`, ...) resolve by the same
 * rules; any other tag is unknown to this schema, so js-yaml refuses it: go-yaml's handling of
 * local tags and of `!!binary`, `!!timestamp` or `!!set` is not modelled.
 */
export const KUBERNETES_SCHEMA = jsyaml.FAILSAFE_SCHEMA.extend({
  implicit: [
    kind("null", (v) => v === null),
    kind("bool", (v) => typeof v === "boolean"),
    kind("int", (v) => typeof v === "number" && Number.isInteger(v)),
    kind("float", (v) => typeof v === "number" && !Number.isInteger(v)),
    // `<<` is a merge key (js-yaml merges mappings for a key of this tag).
    new jsyaml.Type("tag:yaml.org,2002:merge", { kind: "scalar", resolve: (data: string | null) => data === "<<" }),
  ],
});
