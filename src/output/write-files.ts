import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";

/**
 * Writes a file map under `dir` without ever leaving a half-written tree: everything is
 * written to a sibling temporary directory first, then each mesh directory is swapped in.
 * Only the mesh directories named in the map are replaced; other content of `dir` is kept.
 */
export async function writeFileTree(dir: string, files: ReadonlyMap<string, string>): Promise<void> {
  const target = resolve(dir);
  await mkdir(target, { recursive: true });
  const staging = await mkdtemp(join(target, ".meshfed-staging-"));
  try {
    for (const [path, contents] of files) {
      const file = join(staging, path);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, contents);
    }
    for (const top of await readdir(staging)) {
      const final = join(target, top);
      const old = join(staging, `.old-${top}`);
      await rm(old, { recursive: true, force: true });
      await rename(final, old).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== "ENOENT") throw err;
      });
      await rename(join(staging, top), final);
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
