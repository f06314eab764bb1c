/**
 * Orders strings by UTF-16 code units. Unlike `localeCompare` it does not depend on the
 * machine's locale, so sorted output is the same everywhere, and it is much faster.
 */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
