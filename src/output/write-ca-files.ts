import { randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import { join, resolve } from "node:path";

/** A file to write with its permission bits. */
export interface ModeFile {
  readonly name: string;
  readonly contents: string;
  readonly mode: number;
}

export type WriteCaFilesResult = { readonly written: readonly string[] } | { readonly existing: readonly string[] };

/**
 * Writes CA files into `dir` all or nothing: when any target exists and `force` is false, nothing
 * is written and the existing names are returned. Otherwise every file is first written in full
 * to a temporary name in the same directory (created 0600/0644 from the start: a key is never
 * readable by others, not even for a moment), and only when all are written are they renamed into
 * place; a failure removes the temporaries and leaves the old files as they were.
 */
export async function writeCaFiles(dir: string, files: readonly ModeFile[], force: boolean): Promise<WriteCaFilesResult> {
  const target = resolve(dir);
  await fsp.mkdir(target, { recursive: true, mode: 0o700 });
  if (!force) {
    const existing: string[] = [];
    for (const file of files) {
      try {
        await fsp.lstat(join(target, file.name));
        existing.push(file.name);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
    }
    if (existing.length > 0) return { existing };
  }
  const suffix = `.meshfed-tmp-${process.pid}-${randomBytes(6).toString("hex")}`;
  const temporaries: string[] = [];
  try {
    for (const file of files) {
      const temporary = join(target, `.${file.name}${suffix}`);
      // "wx": never follow or reuse something already at the temporary name.
      await fsp.writeFile(temporary, file.contents, { mode: file.mode, flag: "wx" });
      temporaries.push(temporary);
      // The process umask may have cleared bits of the mode; set exactly what was asked.
      await fsp.chmod(temporary, file.mode);
    }
    for (const [i, file] of files.entries()) {
      await fsp.rename(temporaries[i]!, join(target, file.name));
    }
    temporaries.length = 0;
    return { written: files.map((f) => f.name) };
  } finally {
    for (const temporary of temporaries) await fsp.rm(temporary, { force: true });
  }
}
