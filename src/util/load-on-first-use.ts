import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/**
 * A package loaded by its first caller rather than at start-up: for libraries that most runs never
 * need and that take a noticeable part of a short run to load. Synchronous (require), so callers
 * stay synchronous.
 */
export function loadOnFirstUse<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= require(name) as T;
    return loaded;
  };
}
