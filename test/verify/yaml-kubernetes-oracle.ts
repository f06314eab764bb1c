import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readYamlStream } from "../../src/verify/yaml/read-yaml.js";
import { repoRoot } from "../helpers/fixtures.js";

/**
 * Kubernetes' reading of YAML files, from conformance/cmd/yamljson: each file split with
 * apimachinery's YAML reader and each document converted with sigs.k8s.io/yaml, as kubectl and
 * the API server do. Shared by the oracle tests that compare meshfed's YAML reader with it.
 */
export const yamljsonBin = process.env.MESHFED_YAMLJSON ?? join(repoRoot, "conformance/bin/yamljson");

export function requireYamljson(): void {
  if (!existsSync(yamljsonBin))
    throw new Error(`${yamljsonBin} is missing: scripts/conformance.sh builds it (cd conformance && go build -o bin/yamljson ./cmd/yamljson)`);
}

export interface KubeFile {
  readonly file: string;
  readonly docs: { json?: unknown; error?: string }[];
}

/** Kubernetes' reading of each text, in one yamljson run (the texts are written to a temporary directory). */
export function kubernetesRead(texts: readonly string[]): KubeFile[] {
  if (texts.length === 0) return [];
  const dir = mkdtempSync(join(tmpdir(), "meshfed-yamljson-"));
  try {
    const files = texts.map((t, i) => {
      const f = join(dir, `${i}.yaml`);
      writeFileSync(f, t);
      return f;
    });
    const out = execFileSync(yamljsonBin, files, { encoding: "utf8", maxBuffer: 1 << 28 });
    return out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as KubeFile);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** JSON with object keys sorted: Go's encoder sorts map keys, and key order means nothing to Kubernetes. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    typeof v === "object" && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** Whether Kubernetes refuses some document of the file. */
export function kubeRefuses(kube: KubeFile): boolean {
  return kube.docs.some((d) => d.error !== undefined);
}

/** "same" when both read the same values, "refused" when meshfed refuses, else a description of the difference. */
export function compare(text: string, kube: KubeFile): string {
  const mine = readYamlStream(text);
  if (mine.problems.length > 0) return "refused";
  if (kubeRefuses(kube))
    return `Kubernetes refuses (${kube.docs.find((d) => d.error)!.error}) but meshfed reads ${JSON.stringify(mine.documents.map((d) => d.value))}`;
  const a = canonical(mine.documents.map((d) => d.value));
  const b = canonical(kube.docs.map((d) => d.json));
  return a === b ? "same" : `meshfed ${a} ≠ Kubernetes ${b}`;
}
