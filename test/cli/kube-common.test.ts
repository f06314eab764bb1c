import { describe, expect, it } from "vitest";
import { parseMeshTargets } from "../../src/cli/kube-common.js";
import { UsageError } from "../../src/cli/io.js";
import { formatDiff } from "../../src/kube/diff.js";
import { formatChecks, type CheckResult } from "../../src/kube/doctor.js";

describe("NAME=KUBECONFIG[#CONTEXT] targets", () => {
  it("parses a kubeconfig and an optional context per mesh", () => {
    expect([...parseMeshTargets(["a=/k/a.yaml", "b=b.kubeconfig#admin@b"], "--mesh")]).toEqual([
      ["a", { kubeconfig: "/k/a.yaml" }],
      ["b", { kubeconfig: "b.kubeconfig", context: "admin@b" }],
    ]);
  });

  it.each([["a"], ["=x"], ["a="]])("refuses %s as a usage error", (v) => {
    expect(() => parseMeshTargets([v], "--mesh")).toThrow(UsageError);
  });

  it("refuses a mesh given twice", () => {
    expect(() => parseMeshTargets(["a=x", "a=y"], "--mesh")).toThrow("given twice");
  });
});

describe("diff and doctor text", () => {
  it("marks created, changed (field by field) and pruned objects", () => {
    const text = formatDiff("production", [
      { ref: "Gateway istio-system/g", status: "created", fields: [] },
      {
        ref: "PeerAuthentication db/p",
        status: "changed",
        fields: [
          { path: ".spec.mtls.mode", live: "PERMISSIVE", desired: "STRICT" },
          { path: '.metadata.labels["a.b/c"]', desired: "x" },
        ],
      },
      { ref: "AuthorizationPolicy db/old", status: "pruned", fields: [] },
    ]);
    expect(text).toBe(
      [
        "+ Gateway istio-system/g (created)",
        "~ PeerAuthentication db/p (changed)",
        '    .spec.mtls.mode: "PERMISSIVE" -> "STRICT"',
        '    .metadata.labels["a.b/c"]: (unset) -> "x"',
        "- AuthorizationPolicy db/old (no longer rendered; apply --prune deletes it)",
        "production: drifted: 1 to create, 1 changed, 1 to prune",
        "",
      ].join("\n"),
    );
    expect(formatDiff("production", [])).toBe("production: in sync\n");
  });

  it("prints checks by mesh and category with ✓-style marks, and the hint and docs link under a failure", () => {
    const checks: CheckResult[] = [
      { mesh: "m", category: "kubernetes-api", check: "can reach the Kubernetes API", status: "ok", code: "MF4101" },
      {
        mesh: "m",
        category: "mesh-config",
        check: "the mesh config has no trustDomainAliases",
        status: "fail",
        code: "MF4106",
        detail: "trustDomainAliases: x",
        hint: "remove them",
        docs: "docs/diagnostics.md#mf4106",
      },
    ];
    expect(formatChecks(checks, new Map([["m", "https://h"]]))).toBe(
      [
        "m (https://h)",
        "=============",
        "",
        "kubernetes-api",
        "--------------",
        "√ can reach the Kubernetes API",
        "",
        "mesh-config",
        "-----------",
        "× the mesh config has no trustDomainAliases",
        "    MF4106: trustDomainAliases: x",
        "    hint: remove them",
        "    see docs/diagnostics.md#mf4106",
        "",
        "Status check results are × (1 failed)",
        "",
      ].join("\n"),
    );
  });
});
