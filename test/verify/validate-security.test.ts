import { describe, expect, it } from "vitest";
import type { Resource } from "../../src/verify/types.js";
import { validateAuthorizationPolicy, validatePeerAuthentication } from "../../src/verify/validate-security.js";

function resource(kind: string, spec: Record<string, any>): Resource {
  return {
    apiVersion: "security.istio.io/v1",
    kind,
    name: "r",
    namespace: "db",
    metadata: { name: "r", namespace: "db" },
    spec,
    status: {},
    raw: {},
    file: "mesh/x.yaml",
    line: 1,
    text: "",
  };
}

type Check = (r: Resource, report: (r: Resource, path: string, refused: any) => void) => void;

/** The [field path, reason] of every refusal of the resource. */
function refusals(check: Check, r: Resource): [string, string][] {
  const out: [string, string][] = [];
  check(r, (_r, path, refused) => out.push([path, refused.reason]));
  return out;
}

/** A case: a name, an edit of the valid base spec, and the refusals expected ([] when Istio accepts it). */
type Case = [string, (spec: any) => void, [string, string][]];

function table(kind: string, check: Check, base: () => Record<string, any>, cases: Case[]): void {
  describe(kind, () => {
    it("accepts the valid base", () => {
      expect(refusals(check, resource(kind, base()))).toEqual([]);
    });
    it.each(cases)("%s", (_n, edit, expected) => {
      const spec = base();
      edit(spec);
      expect(refusals(check, resource(kind, spec))).toEqual(expected);
    });
  });
}

table("PeerAuthentication", validatePeerAuthentication, () => ({ selector: { matchLabels: { app: "postgres" } }, mtls: { mode: "STRICT" } }), [
  [
    "port level without selector",
    (s) => {
      delete s.selector;
      s.portLevelMtls = { "5432": { mode: "STRICT" } };
    },
    [["spec.portLevelMtls", "mesh/namespace peer authentication cannot have port level mTLS"]],
  ],
  ["port level 0", (s) => (s.portLevelMtls = { "0": { mode: "STRICT" } }), [["spec.portLevelMtls.0", "port must be in range 1..65535"]]],
  ["port level 70000", (s) => (s.portLevelMtls = { "70000": { mode: "STRICT" } }), [["spec.portLevelMtls.70000", "port must be in range 1..65535"]]],
  ["an empty port level map", (s) => (s.portLevelMtls = {}), [["spec.portLevelMtls", "port level mTLS, if defined, must have at least one element"]]],
  ["a wildcard selector", (s) => (s.selector.matchLabels = { app: "post*" }), [["spec.selector", 'wildcard is not supported in selector: "app=post*"']]],
  // Valid edits: Istio does not check label syntax in a security selector.
  ["port level 5432", (s) => (s.portLevelMtls = { "5432": { mode: "PERMISSIVE" } }), []],
  ["an empty selector (a warning)", (s) => (s.selector = { matchLabels: {} }), []],
  ["a selector key with a space", (s) => (s.selector = { matchLabels: { "bad key": "x" } }), []],
]);

table(
  "AuthorizationPolicy",
  validateAuthorizationPolicy,
  () => ({
    selector: { matchLabels: { app: "postgres" } },
    action: "DENY",
    rules: [
      { from: [{ source: { notPrincipals: ["production.nrc.internal/*", "operations.nrc.internal/ns/vault/sa/vault"] } }] },
      { from: [{ source: { principals: ["operations.nrc.internal/ns/vault/sa/vault"] } }], to: [{ operation: { notPorts: ["5432"] } }] },
    ],
  }),
  [
    [
      "DENY without rules",
      (s) => delete s.rules,
      [
        [
          "spec.rules",
          "DENY action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request",
        ],
      ],
    ],
    [
      "CUSTOM without provider",
      (s) => (s.action = "CUSTOM"),
      [
        ["spec.provider.name", "`provider.name` must not be empty"],
        ["spec.rules[0].from[0].source.notPrincipals", "From.NotPrincipals is currently not supported with CUSTOM action"],
        ["spec.rules[1].from[0].source.principals", "From.Principals is currently not supported with CUSTOM action"],
      ],
    ],
    ["provider on DENY", (s) => (s.provider = { name: "x" }), [["spec.provider", "`provider` must not be with non CUSTOM action, found DENY"]]],
    [
      "a CIDR /33",
      (s) => (s.rules[0].from[0].source = { ipBlocks: ["10.0.0.0/33"] }),
      [["spec.rules[0].from[0].source.ipBlocks", 'bad CIDR range (10.0.0.0/33): netip.ParsePrefix("10.0.0.0/33"): prefix length out of range']],
    ],
    [
      "an ipBlock that is no IP",
      (s) => (s.rules[0].from[0].source = { ipBlocks: ["foo"] }),
      [["spec.rules[0].from[0].source.ipBlocks", "bad IP address (foo)"]],
    ],
    [
      "an unknown when key",
      (s) => (s.rules[0].when = [{ key: "foo.bar", values: ["x"] }]),
      [
        ["spec.rules[0].when[0].values", "invalid `value` for `key` foo.bar: unknown attribute: foo.bar"],
        ["spec.rules[0].when[0].notValues", "invalid `notValue` for `key` foo.bar: unknown attribute: foo.bar"],
      ],
    ],
    [
      "a when without values",
      (s) => (s.rules[0].when = [{ key: "source.ip" }]),
      [["spec.rules[0].when[0]", "at least one of `values` or `notValues` must be set for key source.ip"]],
    ],
    [
      "a when source.ip that is no IP",
      (s) => (s.rules[0].when = [{ key: "source.ip", values: ["999.1.1.1"] }]),
      [["spec.rules[0].when[0].values", "invalid `value` for `key` source.ip: bad IP address (999.1.1.1)"]],
    ],
    [
      "a when request.headers without name",
      (s) => (s.rules[0].when = [{ key: "request.headers", values: ["x"] }]),
      [
        ["spec.rules[0].when[0].values", "invalid `value` for `key` request.headers: bad key (request.headers): should have format a[b]"],
        ["spec.rules[0].when[0].notValues", "invalid `notValue` for `key` request.headers: bad key (request.headers): should have format a[b]"],
      ],
    ],
    [
      "a when source.serviceAccount with two slashes",
      (s) => (s.rules[0].when = [{ key: "source.serviceAccount", values: ["a/b/c"] }]),
      [
        [
          "spec.rules[0].when[0].values",
          "invalid `value` for `key` source.serviceAccount: expected format 'serviceAccount' or 'namespace/serviceAccount', found \"a/b/c\" in source.serviceAccount",
        ],
      ],
    ],
    [
      "a port name",
      (s) => (s.rules[1].to[0].operation.notPorts = ["tcp-postgres"]),
      [["spec.rules[1].to[0].operation.notPorts", 'bad port (tcp-postgres): strconv.ParseUint: parsing "tcp-postgres": invalid syntax']],
    ],
    ["port 65536", (s) => (s.rules[1].to[0].operation.notPorts = ["65536"]), [["spec.rules[1].to[0].operation.notPorts", "bad port (65536): <nil>"]]],
    [
      "an empty principal",
      (s) => (s.rules[1].from[0].source.principals = [""]),
      [["spec.rules[1].from[0].source.principals", "empty value not allowed, found in Principals"]],
    ],
    [
      "serviceAccounts with principals",
      (s) => (s.rules[1].from[0].source.serviceAccounts = ["vault/vault"]),
      [["spec.rules[1].from[0].source", "cannot set serviceAccounts with namespaces or principals, found at rule 1"]],
    ],
    [
      "a serviceAccount wildcard",
      (s) => (s.rules[1].from[0].source = { serviceAccounts: ["vault/*"] }),
      [["spec.rules[1].from[0].source.serviceAccounts", "wildcard not allowed, found in ServiceAccounts"]],
    ],
    [
      "a trust domain with /",
      (s) => (s.rules[1].from[0].source = { trustDomains: ["a/b"] }),
      [["spec.rules[1].from[0].source.trustDomains", "trust domain must not contain '/', found in TrustDomains: \"a/b\""]],
    ],
    ["an empty source", (s) => (s.rules[1].from[0].source = {}), [["spec.rules[1].from[0].source", "`from.source` must not be empty, found at rule 1"]]],
    ["a from without source", (s) => (s.rules[1].from = [{}]), [["spec.rules[1].from[0].source", "`from.source` must not be nil, found at rule 1"]]],
    ["a to without operation", (s) => (s.rules[1].to = [{}]), [["spec.rules[1].to[0].operation", "`to.operation` must not be nil, found at rule 1"]]],
    [
      "an empty operation",
      (s) => (s.rules[1].to = [{ operation: {} }]),
      [["spec.rules[1].to[0].operation", "`to.operation` must not be empty, found at rule 1"]],
    ],
    [
      "{**} before {*}",
      (s) => (s.rules[1].to[0].operation = { ports: ["5432"], paths: ["/a/{**}/{*}"] }),
      [["spec.rules[1].to[0].operation.paths", "invalid or unsupported path a/{**}/{*}, found in Paths. {**} is not the last operator"]],
    ],
    [
      "selector and targetRef",
      (s) => (s.targetRef = { kind: "Service", group: "", name: "postgres" }),
      [["spec", "only one of targetRefs or workloadSelector can be set"]],
    ],
    [
      "a targetRef to a Pod",
      (s) => {
        delete s.selector;
        s.targetRefs = [{ kind: "Pod", group: "", name: "postgres" }];
      },
      [
        [
          "spec.targetRefs[0]",
          "targetRef must be to one of [core/v1/Service networking.istio.io/v1/ServiceEntry gateway.networking.k8s.io/v1/Gateway gateway.networking.k8s.io/v1/GatewayClass] but was /Pod",
        ],
      ],
    ],
    ["a rule that is null", (s) => s.rules.push(null), [["spec.rules[2]", "`rule` must not be nil, found at rule 2"]]],
    // Valid edits.
    ["a principal wildcard in the middle", (s) => (s.rules[1].from[0].source.principals = ["operations.nrc.internal/ns/*/sa/vault"]), []],
    ["a when request.headers[x-a]", (s) => (s.rules[0].when = [{ key: "request.headers[x-a]", values: ["x"] }]), []],
    ["a when with notValues only", (s) => (s.rules[0].when = [{ key: "source.ip", notValues: ["10.0.0.0/8"] }]), []],
    ["IPv6 blocks", (s) => (s.rules[0].from[0].source = { ipBlocks: ["2001:db8::/32", "fe80::1"] }), []],
    ["a path template", (s) => (s.rules[1].to[0].operation = { ports: ["5432"], paths: ["/a/{*}/b"] }), []],
    ["serviceAccounts alone", (s) => (s.rules[1].from[0].source = { serviceAccounts: ["vault/vault"] }), []],
    ["an empty from list (nil in the proto)", (s) => (s.rules[0].from = []), []],
    ["AUDIT", (s) => (s.action = "AUDIT"), []],
    [
      "ALLOW without rules",
      (s) => {
        s.action = "ALLOW";
        delete s.rules;
      },
      [],
    ],
    ["fields of the wrong type do not crash", (s) => (s.rules = [{ from: "x", to: 5, when: { key: 1 } }]), []],
  ],
);
