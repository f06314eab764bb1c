/**
 * The CEL rules (`x-kubernetes-validations`) of the Istio CRDs verify checks, each written out in
 * TypeScript and keyed by the rule's exact text: the API server refuses a resource when one is
 * false. A rule that fails to evaluate (a CEL error, such as `int("x")` or `duration("1x")`)
 * refuses it too, so those cases are false here. test/verify/crd-schema.test.ts checks that
 * every rule in istio-crd-schemas.ts has an entry, so a newer Istio cannot add one silently.
 */

import { goDurationNanos } from "./go-duration.js";

type Self = any;

/** CEL `has(o.f)`: the field is set (the API server has dropped nulls before). */
const has = (o: Self, f: string): boolean => o !== null && typeof o === "object" && o[f] !== undefined && o[f] !== null;
const count = (o: Self, ...fields: string[]): number => fields.filter((f) => has(o, f)).length;
const keys = (o: Self): string[] => (o !== null && typeof o === "object" ? Object.keys(o) : []);

/** CEL `int(s)` of a decimal string (strconv.ParseInt), else undefined (a CEL error). */
const celInt = (s: string): number | undefined => (/^[+-]?\d+$/.test(s) ? Number(s) : undefined);

export const CEL_RULES: Readonly<Record<string, (self: Self) => boolean>> = {
  '!((has(self.addresses) ? self.addresses : []).exists(k, k.contains("/")) && !((has(self.resolution) ? self.resolution : "NONE") in ["STATIC", "NONE"]))': (
    self,
  ) =>
    !(
      (has(self, "addresses") ? (self.addresses as unknown[]) : []).some((k) => String(k).includes("/")) &&
      !["STATIC", "NONE"].includes(has(self, "resolution") ? self.resolution : "NONE")
    ),
  '!self.contains("*")': (self) => !String(self).includes("*"),
  '((has(self.resolution) ? self.resolution : "") == "DNS_ROUND_ROBIN") ? ((has(self.endpoints) ? self.endpoints : []).size() <= 1) : true': (self) =>
    (has(self, "resolution") ? self.resolution : "") !== "DNS_ROUND_ROBIN" || (has(self, "endpoints") ? (self.endpoints as unknown[]) : []).length <= 1,
  '((has(self.resolution) ? self.resolution : "NONE") == "NONE") ? !has(self.endpoints) : true': (self) =>
    (has(self, "resolution") ? self.resolution : "NONE") !== "NONE" || !has(self, "endpoints"),
  '(has(self.address) ? self.address : "").startsWith("unix://") ? !has(self.ports) : true': (self) =>
    !String(has(self, "address") ? self.address : "").startsWith("unix://") || !has(self, "ports"),
  "(has(self.credentialName) ? 1 : 0) + (has(self.credentialNames) ? 1 : 0) <= 1": (self) => count(self, "credentialName", "credentialNames") <= 1,
  "(has(self.credentialNames) ? 1 : 0) + (has(self.tlsCertificates) ? 1 : 0) <= 1": (self) => count(self, "credentialNames", "tlsCertificates") <= 1,
  "(has(self.selector) ? 1 : 0) + (has(self.targetRef) ? 1 : 0) + (has(self.targetRefs) ? 1 : 0) <= 1": (self) =>
    count(self, "selector", "targetRef", "targetRefs") <= 1,
  "(has(self.serviceAccounts) || has(self.notServiceAccounts)) ? (!has(self.principals) &&\n!has(self.notPrincipals) && !has(self.namespaces) && !has(self.notNamespaces)) : true":
    (self) => count(self, "serviceAccounts", "notServiceAccounts") === 0 || count(self, "principals", "notPrincipals", "namespaces", "notNamespaces") === 0,
  "(has(self.tlsCertificates) ? 1 : 0) + (has(self.credentialNames) ? 1 : 0) <= 1": (self) => count(self, "tlsCertificates", "credentialNames") <= 1,
  "(has(self.workloadSelector) ? 1 : 0) + (has(self.endpoints) ? 1 : 0) <= 1": (self) => count(self, "workloadSelector", "endpoints") <= 1,
  "0 < self && self <= 65535": (self) => typeof self === "number" && 0 < self && self <= 65535,
  "duration(self) >= duration('1ms')": (self) => (goDurationNanos(self) ?? -1n) >= 1_000_000n,
  "has(self.address) || has(self.network)": (self) => has(self, "address") || has(self, "network"),
  "has(self.portLevelMtls) ? (((has(self.selector) && has(self.selector.matchLabels)) ? self.selector.matchLabels : {}).size() > 0) : true": (self) =>
    !has(self, "portLevelMtls") || (has(self, "selector") && has(self.selector, "matchLabels") && keys(self.selector.matchLabels).length > 0),
  'self != "*"': (self) => self !== "*",
  'self.all(key, !key.contains("*"))': (self) => keys(self).every((k) => !k.includes("*")),
  "self.all(key, 0 < int(key) && int(key) <= 65535)": (self) =>
    keys(self).every((k) => {
      const n = celInt(k);
      return n !== undefined && 0 < n && n <= 65535;
    }),
  "self.all(key, key.size() != 0)": (self) => keys(self).every((k) => k.length !== 0),
  'self.all(key, size(key) < 63 && key.matches("^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$"))': (self) =>
    keys(self).every((k) => [...k].length < 63 && /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/.test(k)),
  "self.all(l1, self.exists_one(l2, l1.number == l2.number))": (self) => {
    const numbers = (Array.isArray(self) ? self : []).map((p: Self) => p?.number);
    return numbers.every((n) => numbers.filter((m) => m === n).length === 1);
  },
  "self.size() == 0": (self) => (typeof self === "string" ? self.length === 0 : keys(self).length === 0),
  'self.startsWith("unix://") ? !self.endsWith("/") : true': (self) => !String(self).startsWith("unix://") || !String(self).endsWith("/"),
  'self.startsWith("unix://") ? (self.substring(7, 8) == "/" || self.substring(7, 8) == "@") : true': (self) =>
    !String(self).startsWith("unix://") || String(self)[7] === "/" || String(self)[7] === "@",
};
