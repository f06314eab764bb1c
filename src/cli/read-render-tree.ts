import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { UsageError } from "./io.js";

/**
 * A previous `render --out` tree as path → text (`<mesh>/<file>`, `<mesh>/install/<file>`), the
 * layout `layoutFiles` builds in memory. Only regular files are read (a FIFO would hang); other
 * entries and deeper directories are not part of a render and are left alone.
 */
export function readRenderTree(dir: string, cwd: string): Map<string, string> {
  const root = resolve(cwd, dir);
  let top: string[];
  try {
    if (!statSync(root).isDirectory()) throw new UsageError(`--against ${dir}: not a directory (give the directory render --out wrote)`);
    top = readdirSync(root);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`--against ${dir}: ${code === "ENOENT" ? "no such directory" : `cannot read (${code})`}`);
  }
  const files = new Map<string, string>();
  const read = (rel: string, depth: number) => {
    const path = join(root, rel);
    const s = statSync(path, { throwIfNoEntry: false });
    if (!s) return;
    if (s.isFile()) files.set(rel, readFileSync(path, "utf8"));
    else if (s.isDirectory() && depth < 2) for (const name of readdirSync(path).sort()) read(`${rel}/${name}`, depth + 1);
  };
  for (const name of top.sort()) {
    if (statSync(join(root, name), { throwIfNoEntry: false })?.isDirectory()) read(name, 0);
  }
  return files;
}
