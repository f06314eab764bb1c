import type * as Yaml from "yaml";
import { loadOnFirstUse } from "../../util/load-on-first-use.js";

/**
 * The yaml library, for positions and node forms only (a scenario field's error, the items of a
 * List, the keys and nodes reader-disagreements.ts checks); values never come from it. Loaded on
 * first use: most runs need none of it, and it takes a tenth of a short run to load.
 */
export const positionsLib = loadOnFirstUse<typeof Yaml>("yaml");
