import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { parseCidr } from "../model/formats.js";
import type { Federation } from "../model/types.js";
import { exportKey } from "./keys.js";

function fnv1a(value: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    hash ^= value.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

function toIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join(".");
}

/**
 * Gives every exported service a stable virtual IP in `vipRange`: its home slot is a hash of
 * `mesh/namespace/name`, so adding or removing other exports leaves it unchanged unless two
 * homes collide (then the later key in sorted order probes to the next free slot).
 */
export function allocateVips(federation: Federation): { vips: Map<string, string>; diagnostics: Diagnostic[] } {
  const vips = new Map<string, string>();
  const range = parseCidr(federation.vipRange);
  if (!range) throw new Error(`vipRange ${federation.vipRange} passed validation but does not parse`);
  const size = 2 ** (32 - range.bits);
  const usable = size - 2; // network and broadcast addresses
  const keys = [...new Set(federation.exports.filter((e) => e.consumers.length > 0).map(exportKey))].sort();
  if (keys.length > usable) {
    const position = federation.sourceMap?.values.get("spec.vipRange");
    return {
      vips,
      diagnostics: [
        diagnostic(
          "MF2001",
          { vipRange: federation.vipRange, usable, services: keys.length },
          { path: "spec.vipRange", value: federation.vipRange, ...(position ? { position } : {}) },
        ),
      ],
    };
  }
  const taken = new Set<number>();
  for (const key of keys) {
    let slot = fnv1a(key) % usable;
    while (taken.has(slot)) slot = (slot + 1) % usable;
    taken.add(slot);
    vips.set(key, toIp(range.base + 1 + slot));
  }
  return { vips, diagnostics: [] };
}
