// fs.promises is loaded on first use (node:fs/promises pulls in a dozen internal modules at start).
import { promises as fsp } from "node:fs";
import { dirname, join, resolve } from "node:path";

/**
 * Writes a file map under `dir` without ever leaving a half-written tree: everything is
 * written to a sibling temporary directory first, then each mesh directory is swapped in.
 * Only the mesh directories named in the map are replaced; other content of `dir` is kept.
 */
export async function writeFileTree(dir: string, files: ReadonlyMap<string, string>): Promise<void> {
  const target = resolve(dir);
  await fsp.mkdir(target, { recursive: true });
  const staging = await fsp.mkdtemp(join(target, ".meshfed-staging-"));
  try {
    for (const [path, contents] of files) {
      const file = join(staging, path);
      await fsp.mkdir(dirname(file), { recursive: true });
      await fsp.writeFile(file, contents);
    }
    for (const top of await fsp.readdir(staging)) {
      const final = join(target, top);
      const old = join(staging, `.old-${top}`);
      await fsp.rm(old, { recursive: true, force: true });
      await fsp.rename(final, old).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== "ENOENT") throw err;
      });
      await fsp.rename(join(staging, top), final);
    }
  } finally {
    await fsp.rm(staging, { recursive: true, force: true });
  }
}
