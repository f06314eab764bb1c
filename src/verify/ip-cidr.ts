/**
 * IP addresses and CIDR ranges as Istio's authz builder reads them (pilot/pkg/networking/util
 * util.go AddrStrToPrefix: `a.b.c.d` is a /32, `a.b.c.d/n` a prefix) and Envoy's RBAC matches
 * them: an address of the other family never matches.
 */

/** An address as a big integer with its width (32 or 128 bits); undefined when not an address. */
interface Addr {
  readonly bits: 32 | 128;
  readonly value: bigint;
}

/** Four decimal bytes without leading zeros (Go's netip refuses them and anything but digits). */
const V4 = /^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$/;

function parseV4(s: string): bigint | undefined {
  const m = V4.exec(s);
  if (m === null) return undefined;
  // In a number first: one BigInt per address instead of one per byte and shift.
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const byte = Number(m[i]);
    if (byte > 255) return undefined;
    v = v * 256 + byte;
  }
  return BigInt(v);
}

function parseV6(s: string): bigint | undefined {
  if (s.includes("%")) return undefined;
  let tail = s;
  let v4: bigint | undefined;
  const lastColon = s.lastIndexOf(":");
  if (s.includes(".")) {
    v4 = parseV4(s.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = tail.split("::");
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === "" ? [] : h.split(":"));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...rest];
  let v = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(`0x${g}`);
  }
  if (v4 !== undefined) v = (v & ~0xffffffffn) | v4;
  return v;
}

function parseAddr(s: string): Addr | undefined {
  if (s.includes(":")) {
    const value = parseV6(s);
    return value === undefined ? undefined : { bits: 128, value };
  }
  const value = parseV4(s);
  return value === undefined ? undefined : { bits: 32, value };
}

/** A CIDR range; undefined when Istio would not parse it. */
export interface Cidr {
  readonly bits: 32 | 128;
  readonly base: bigint;
  readonly prefix: number;
}

export function parseCidrRange(text: string): Cidr | undefined {
  const slash = text.indexOf("/");
  const addr = parseAddr(slash >= 0 ? text.slice(0, slash) : text);
  if (!addr) return undefined;
  let prefix: number = addr.bits;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]*)$/.test(p) || Number(p) > addr.bits) return undefined;
    prefix = Number(p);
  }
  return { bits: addr.bits, base: addr.value, prefix };
}

/** Whether the range contains the address; false for an unparsable or empty address. */
export function cidrContains(range: Cidr, address: string): boolean {
  const a = parseAddr(address);
  if (!a || a.bits !== range.bits) return false;
  const shift = BigInt(range.bits - range.prefix);
  return a.value >> shift === range.base >> shift;
}

/** Whether the range contains every address of its family (a `/0`). */
export function coversFamily(range: Cidr): boolean {
  return range.prefix === 0;
}
