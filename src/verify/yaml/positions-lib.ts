import { createRequire } from "node:module";
import type * as Yaml from "yaml";

let yamlModule: typeof Yaml | undefined;

/**
 * The yaml library, for positions and node forms only (a scenario field's error, the items of a
 * List, the keys and nodes reader-disagreements.ts checks); values never come from it. Loaded on
 * first use: most runs need none of it, and it takes a tenth of a short run to load.
 */
export function positionsLib(): typeof Yaml {
  yamlModule ??= createRequire(import.meta.url)("yaml") as typeof Yaml;
  return yamlModule;
}
