import { FederationSchema } from "./schema.js";

/**
 * The federation file's JSON Schema (draft 2020-12), from the same definition the parser
 * walks. Symbol-keyed TypeBox metadata is dropped by the JSON round trip.
 */
export function federationJsonSchema(): Record<string, unknown> {
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    ...(JSON.parse(JSON.stringify(FederationSchema)) as Record<string, unknown>),
  };
}
