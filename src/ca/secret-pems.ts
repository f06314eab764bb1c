import { isMap, isScalar, LineCounter, parseAllDocuments } from "yaml";
import { diagnostic, type Diagnostic, type SourcePosition } from "../diagnostics/diagnostic.js";

/** One PEM entry of a Secret manifest, decoded, with where its key is in the file. */
export interface SecretPem {
  /** The data key, e.g. `ca-cert.pem`. */
  readonly name: string;
  readonly text: string;
  readonly position: SourcePosition;
}

/**
 * The certificate-bearing entries (`*.pem`, `*.crt`) of the Secrets in a YAML file, such as the
 * `cacerts.yaml` `meshfed ca issue` writes or `kubectl get secret cacerts -o yaml`. `data` is
 * base64-decoded, `stringData` read as is. Key entries are returned too; callers skip keys.
 */
export function secretPems(text: string, file: string): { pems: SecretPem[]; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const pems: SecretPem[] = [];
  const diagnostics: Diagnostic[] = [];
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  for (const doc of parseAllDocuments(text, { lineCounter })) {
    if (doc.errors.length > 0) {
      const err = doc.errors[0]!;
      diagnostics.push(diagnostic("MF5002", { file, problem: "secret-not-yaml", reason: err.message.split("\n")[0] ?? "" }, { position: at(err.pos[0]) }));
      continue;
    }
    if (!isMap(doc.contents) || doc.get("kind") !== "Secret") continue;
    for (const field of ["data", "stringData"] as const) {
      const map = doc.get(field, true);
      if (!isMap(map)) continue;
      for (const pair of map.items) {
        if (!isScalar(pair.key) || !isScalar(pair.value)) continue;
        const name = String(pair.key.value);
        if (!/\.(pem|crt)$/.test(name)) continue;
        const raw = String(pair.value.value);
        const position = at(pair.key.range?.[0] ?? 0);
        const decoded = field === "data" ? Buffer.from(raw, "base64").toString("utf8") : raw;
        pems.push({ name, text: decoded, position });
      }
    }
  }
  return { pems, diagnostics };
}
