import { describe, expect, it } from "vitest";
import { expandWithTrustDomains } from "../../src/verify/expand-trust-domains.js";

describe("expandWithTrustDomains (Istio's spiffe.ExpandWithTrustDomains)", () => {
  it("adds one copy per alias and keeps the original", () => {
    expect(expandWithTrustDomains(["spiffe://cluster.local/ns/db/sa/postgres"], ["production.nrc.internal", "staging.nrc.internal"]).sort()).toEqual([
      "spiffe://cluster.local/ns/db/sa/postgres",
      "spiffe://production.nrc.internal/ns/db/sa/postgres",
      "spiffe://staging.nrc.internal/ns/db/sa/postgres",
    ]);
  });
  it("returns the identities unchanged without aliases", () => {
    expect(expandWithTrustDomains(["spiffe://a/ns/x/sa/y"], [])).toEqual(["spiffe://a/ns/x/sa/y"]);
  });
  it("leaves identities that are not SPIFFE IDs alone", () => {
    expect(expandWithTrustDomains(["postgres.example.com", "spiffe://a/other"], ["b"]).sort()).toEqual(["postgres.example.com", "spiffe://a/other"]);
  });
});
