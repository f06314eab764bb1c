import { createHash } from "node:crypto";

/** A short, stable hash of a string (hex). */
export function shortHash(value: string, length = 6): string {
  return createHash("sha256").update(value).digest("hex").slice(0, length);
}

/**
 * A DNS-1123 label from parts joined by `-`; shortened with a hash suffix only when it would
 * exceed `max` characters, so names stay readable and stable.
 */
export function resourceName(parts: readonly string[], max = 63): string {
  const full = parts.join("-");
  if (full.length <= max) return full;
  const hash = shortHash(full);
  return `${full.slice(0, max - hash.length - 1).replace(/[-.]+$/, "")}-${hash}`;
}

/** A label value (at most 63 characters), shortened the same way. */
export function labelValue(value: string): string {
  return resourceName([value], 63);
}

export const MANAGED_BY = "app.kubernetes.io/managed-by";
export const FEDERATION_LABEL = "meshfed.dev/federation";
export const EXPORT_LABEL = "meshfed.dev/export";
export const ROLE_LABEL = "meshfed.dev/role";
