import { createHash } from "node:crypto";

/** A short, stable hash of a string (hex). */
export function shortHash(value: string, length = 6): string {
  return createHash("sha256").update(value).digest("hex").slice(0, length);
}

/** Length of the hash suffix of a disambiguated name: 40 bits, as cdk8s keeps a short digest. */
const HASH_LENGTH = 10;

/**
 * A DNS-1123 label for a generated resource: `<prefix>-<part>-…-<part>[-<suffix>]`, injective
 * over its variable parts.
 *
 * Joining with `-` is only reversible when no part but the last contains a `-`
 * (`payments-api`+`gateway` and `payments`+`api-gateway` both join to `payments-api-gateway`).
 * So the readable form is used only when (1) no variable part before the last contains `-`,
 * (2) the last part has no `--`, and (3) the whole fits in `max` characters. Otherwise the name
 * is the readable form, shortened, then `--` and a hash of the parts joined by `/` (a character
 * no part can hold). Readable names never contain `--`, hashed ones always do, so the two
 * kinds never meet; two hashed names meet only on a 40-bit hash collision, which the compiler
 * still catches (MF2003).
 *
 * @param prefix constant first segment (no `-` needed, e.g. `meshfed`)
 * @param parts the variable parts (DNS-1123 labels: mesh, namespace, service names)
 * @param suffix optional constant last segment (e.g. `guard`)
 */
export function resourceName(prefix: string, parts: readonly string[], suffix?: string, max = 63): string {
  const segments = [prefix, ...parts, ...(suffix !== undefined ? [suffix] : [])];
  const readable = segments.join("-");
  const ambiguous = parts.slice(0, -1).some((p) => p.includes("-")) || segments.some((s) => s.includes("--"));
  if (!ambiguous && readable.length <= max) return readable;
  const hash = shortHash(`${prefix}/${parts.join("/")}/${suffix ?? ""}`, HASH_LENGTH);
  const room = max - hash.length - 2;
  return `${readable.slice(0, room).replace(/-+$/, "")}--${hash}`;
}

/** A label value (at most 63 characters), shortened with a hash suffix when too long. */
export function labelValue(value: string): string {
  if (value.length <= 63) return value;
  const hash = shortHash(value, HASH_LENGTH);
  return `${value.slice(0, 63 - hash.length - 2).replace(/[-._]+$/, "")}--${hash}`;
}

export const MANAGED_BY = "app.kubernetes.io/managed-by";
export const FEDERATION_LABEL = "meshfed.dev/federation";
export const EXPORT_LABEL = "meshfed.dev/export";
export const ROLE_LABEL = "meshfed.dev/role";
