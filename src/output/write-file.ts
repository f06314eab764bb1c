// fs.promises is loaded on first use (node:fs/promises pulls in a dozen internal modules at start).
import { promises as fsp } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

/**
 * Writes one file so that readers see the old contents or the new, never a part: the text
 * goes to a temporary file beside the target, which is then renamed over it.
 */
export async function writeFileAtomic(path: string, contents: string): Promise<void> {
  const target = resolve(path);
  const temp = join(dirname(target), `.${basename(target)}.meshfed-${process.pid}.tmp`);
  try {
    await fsp.writeFile(temp, contents);
    await fsp.rename(temp, target);
  } finally {
    await fsp.rm(temp, { force: true });
  }
}
