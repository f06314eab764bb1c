import { X509Certificate } from "node:crypto";
import { parse as parseYaml } from "yaml";
import { compileInstall } from "../compile/compile-install.js";
import type { CompiledFederation, MeshOutput } from "../compile/types.js";
import type { Federation, Mesh } from "../model/types.js";
import { KubeApiError, type KubeClient, type KubeObject } from "./client.js";
import { atLeast, formatIstioRelease, parseIstioRelease, releaseProfile, type IstioRelease } from "../model/istio-release.js";
import { desiredObjects, managedKindsFor } from "./desired.js";
import { driftReadOnly } from "./diff.js";

export type CheckStatus = "ok" | "warning" | "fail" | "skipped";

/** One check's outcome: an assertion phrased as a fact, and when it fails, why, a hint and a docs link. */
export interface CheckResult {
  readonly mesh: string;
  readonly category: string;
  /** The fact checked, e.g. "can reach the Kubernetes API". */
  readonly check: string;
  readonly status: CheckStatus;
  readonly code: string;
  /** What was found (failures and warnings). */
  readonly detail?: string;
  /** What to do. */
  readonly hint?: string;
  readonly docs?: string;
}

/** One mesh to check, with its own cluster's client. */
export interface DoctorTarget {
  readonly mesh: string;
  readonly client: KubeClient;
}

/** Istio's first release with the v1 APIs meshfed writes. */
const MIN_ISTIO: readonly [number, number] = [1, 22];
const ISTIO_NS = "istio-system";

interface MeshFacts {
  readonly mesh: Mesh;
  readonly out: MeshOutput;
  readonly client: KubeClient;
  rootFingerprint?: string;
}

const docs = (code: string) => `docs/diagnostics.md#${code.toLowerCase()}`;

/**
 * Runs doctor's checks on each mesh's cluster with that cluster's client (read-only: only
 * get and list), in the style of `linkerd check`. Running is separate from printing
 * (`formatChecks`). A cluster that cannot be reached skips its remaining checks.
 */
export async function runDoctor(federation: Federation, compiled: CompiledFederation, targets: readonly DoctorTarget[]): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const facts: MeshFacts[] = [];
  for (const t of targets) {
    const mesh = federation.meshes.find((m) => m.name === t.mesh)!;
    const out = compiled.meshes.find((m) => m.mesh === t.mesh)!;
    const f: MeshFacts = { mesh, out, client: t.client };
    facts.push(f);
    results.push(...(await checkMesh(federation, f)));
  }
  // The one cross-cluster check: fingerprints only, each read with its own cluster's credentials.
  const known = facts.filter((f) => f.rootFingerprint !== undefined);
  const distinct = new Set(known.map((f) => f.rootFingerprint));
  for (const f of facts) {
    const idx = results.findIndex((r) => r.mesh === f.mesh.name && r.code === "MF4108");
    if (idx < 0 || results[idx]!.status !== "ok") continue;
    if (distinct.size > 1) {
      const others = known.filter((o) => o !== f).map((o) => `${o.mesh.name} ${short(o.rootFingerprint!)}`);
      results[idx] = fail(
        results[idx]!,
        `root certificate sha256 ${short(f.rootFingerprint!)} differs: ${others.join(", ")}`,
        "plug in intermediates of one shared root in every mesh (Istio's cacerts); compare with `meshfed doctor` again",
      );
    }
  }
  return results;
}

function short(fp: string): string {
  return fp.slice(0, 23);
}

function fail(r: CheckResult, detail: string, hint: string, status: CheckStatus = "fail"): CheckResult {
  return { ...r, status, detail, hint, docs: docs(r.code) };
}

async function checkMesh(federation: Federation, f: MeshFacts): Promise<CheckResult[]> {
  const name = f.mesh.name;
  const results: CheckResult[] = [];
  const ok = (category: string, check: string, code: string): CheckResult => ({ mesh: name, category, check, status: "ok", code });
  // kubernetes-api
  const reach = ok("kubernetes-api", "can reach the Kubernetes API", "MF4101");
  try {
    await f.client.request("GET", "/version");
    results.push(reach);
  } catch (err) {
    results.push(fail(reach, `${f.client.server}: ${(err as Error).message}`, "check the kubeconfig and context for this mesh, and that the API server is up"));
    for (const [category, check, code] of PLANNED.slice(1))
      results.push({ mesh: name, category, check, status: "skipped", code, detail: "the API server is unreachable" });
    return results;
  }
  const run = async (category: string, check: string, code: string, body: (r: CheckResult) => Promise<CheckResult>) => {
    const base = ok(category, check, code);
    try {
      results.push(await body(base));
    } catch (err) {
      if (!(err instanceof KubeApiError)) throw err;
      const denied = err.status === 403;
      results.push(
        fail(
          base,
          `${err.status ? `${err.status} ${err.reason}: ` : ""}${err.message}`,
          denied ? "the credentials lack a permission `meshfed rbac` grants; apply its output" : "the API server refused the read; check it and rerun",
        ),
      );
    }
  };
  const install = compileInstall(federation, f.mesh);
  let meshConfig: Record<string, any> | undefined;
  let istiod: KubeObject | undefined;
  // The declared release decides the API versions and the trust-domain mechanism checked.
  const declared = f.mesh.istioVersion;
  const release = releaseProfile(declared);
  const kinds = managedKindsFor(declared);
  const apis = [...new Set(kinds.filter((k) => k.apiVersion.includes(".istio.io/")).map((k) => k.apiVersion))].join(", ");

  await run(
    "istio",
    declared === undefined ? "Istio's CRDs that meshfed writes are installed and serve v1" : `Istio's CRDs that meshfed writes serve ${apis}`,
    "MF4102",
    async (r) => {
      const missing: string[] = [];
      for (const k of kinds) {
        try {
          await f.client.resource(k.apiVersion, k.kind);
        } catch (err) {
          if (err instanceof KubeApiError && err.status === 404) missing.push(`${k.kind} (${k.apiVersion})`);
          else throw err;
        }
      }
      if (missing.length === 0) return r;
      return declared === undefined
        ? fail(
            r,
            `not served: ${missing.join(", ")}`,
            "install Istio 1.22 or later (its base chart installs the CRDs), or declare the release the mesh runs in meshes[].istioVersion",
          )
        : fail(
            r,
            `not served: ${missing.join(", ")}`,
            `install the CRDs of Istio ${declared} (its base chart), or declare the release the mesh runs in istioVersion`,
          );
    },
  );
  if (declared !== undefined) {
    await run("istio", `istiod runs Istio ${declared}, as the federation file declares`, "MF4103", async (r) => {
      istiod = await f.client.get("apps/v1", "Deployment", ISTIO_NS, "istiod");
      if (!istiod) return fail(r, `no Deployment ${ISTIO_NS}/istiod`, "install Istio (istiod) in istio-system");
      const image = (containersOf(istiod).find((c) => c.name === "discovery") ?? containersOf(istiod)[0])?.image ?? "";
      const m = /:(\d+\.\d+(?:\.\d+)?)/.exec(image);
      const running = m ? parseIstioRelease(m[1]!) : undefined;
      if (!running)
        return fail(r, `cannot tell the Istio version from image "${image}"`, "use a released istiod image (tag <major>.<minor>.<patch>)", "warning");
      return compareRelease(r, running, release.release, declared, image);
    });
  } else {
    await run("istio", `istiod is installed and at least Istio ${MIN_ISTIO.join(".")}`, "MF4103", async (r) => {
      istiod = await f.client.get("apps/v1", "Deployment", ISTIO_NS, "istiod");
      if (!istiod) return fail(r, `no Deployment ${ISTIO_NS}/istiod`, "install Istio (istiod) in istio-system");
      const image = (containersOf(istiod).find((c) => c.name === "discovery") ?? containersOf(istiod)[0])?.image ?? "";
      const m = /:(\d+)\.(\d+)/.exec(image);
      if (!m) return fail(r, `cannot tell the Istio version from image "${image}"`, "use a released istiod image (tag <major>.<minor>.<patch>)", "warning");
      const v: [number, number] = [Number(m[1]), Number(m[2])];
      if (v[0] < MIN_ISTIO[0] || (v[0] === MIN_ISTIO[0] && v[1] < MIN_ISTIO[1]))
        return fail(
          r,
          `istiod is Istio ${v.join(".")} (image ${image})`,
          `upgrade Istio to ${MIN_ISTIO.join(".")} or later, or declare the release it runs (meshes[].istioVersion: "${v.join(".")}") so meshfed emits what it reads`,
        );
      return { ...r, detail: `Istio ${v.join(".")}` };
    });
  }

  await run("mesh-config", `the mesh config's trust domain is ${f.mesh.trustDomain}`, "MF4104", async (r) => {
    const cm = await f.client.get("v1", "ConfigMap", ISTIO_NS, "istio");
    if (!cm) return fail(r, `no ConfigMap ${ISTIO_NS}/istio`, "install Istio with meshfed's install values");
    const text = (cm.data as Record<string, string> | undefined)?.mesh ?? "";
    try {
      meshConfig = (parseYaml(text) as Record<string, any> | null) ?? {};
    } catch (err) {
      return fail(
        r,
        `ConfigMap ${ISTIO_NS}/istio: "mesh" is not YAML: ${(err as Error).message.split("\n")[0]}`,
        "reinstall Istio with meshfed's install values",
      );
    }
    const td = meshConfig.trustDomain ?? "cluster.local";
    return td === f.mesh.trustDomain
      ? r
      : fail(r, `trustDomain is "${td}"`, `set meshConfig.trustDomain to "${f.mesh.trustDomain}" (meshfed's install values do)`);
  });
  // A release that skips trust-domain validation instead lists no caCertificates trust domains.
  const skip = install.skipValidateTrustDomain === true;
  const accepted = skip ? [] : [...install.acceptedTrustDomains].sort();
  await run(
    "mesh-config",
    skip
      ? `the mesh config lists no caCertificates trust domains (Istio ${declared} does not validate with them)`
      : accepted.length > 0
        ? `the mesh accepts exactly the consumers' trust domains (${accepted.join(", ")})`
        : "the mesh accepts no other trust domain",
    "MF4105",
    async (r) => {
      if (!meshConfig) return { ...r, status: "skipped", detail: "no mesh config" };
      const live = [...new Set(((meshConfig.caCertificates as { trustDomains?: string[] }[] | undefined) ?? []).flatMap((c) => c.trustDomains ?? []))].sort();
      if (JSON.stringify(live) === JSON.stringify(accepted)) return r;
      const extra = live.filter((d) => !accepted.includes(d));
      const missing = accepted.filter((d) => !live.includes(d));
      return fail(
        r,
        `caCertificates trust domains ${live.length > 0 ? live.join(", ") : "(none)"}${extra.length > 0 ? `; not intended: ${extra.join(", ")}` : ""}${missing.length > 0 ? `; missing: ${missing.join(", ")}` : ""}`,
        "set meshConfig.caCertificates[].trustDomains as meshfed's install values do",
      );
    },
  );
  await run("mesh-config", "the mesh config has no trustDomainAliases", "MF4106", async (r) => {
    if (!meshConfig) return { ...r, status: "skipped", detail: "no mesh config" };
    const aliases = (meshConfig.trustDomainAliases as string[] | undefined) ?? [];
    return aliases.length === 0
      ? r
      : fail(r, `trustDomainAliases: ${aliases.join(", ")}`, "remove trustDomainAliases; meshfed accepts consumers through caCertificates[].trustDomains");
  });
  await run(
    "mesh-config",
    skip
      ? `istiod skips trust-domain validation (Istio ${declared} cannot accept only ${install.acceptedTrustDomains.join(", ")}; the guards admit only the named consumers)`
      : "istiod does not skip trust-domain validation",
    "MF4107",
    async (r) => {
      if (!istiod) return { ...r, status: "skipped", detail: "no istiod Deployment" };
      const env = containersOf(istiod).flatMap((c) => c.env ?? []);
      const flag = env.find((e) => e.name === "PILOT_SKIP_VALIDATE_TRUST_DOMAIN");
      const set = flag !== undefined && /^(true|1)$/i.test(flag.value ?? "");
      if (skip)
        return set
          ? r
          : fail(
              r,
              `istiod does not set PILOT_SKIP_VALIDATE_TRUST_DOMAIN=true: sidecars refuse ${install.acceptedTrustDomains.join(", ")} at TLS`,
              "set PILOT_SKIP_VALIDATE_TRUST_DOMAIN=true on istiod (values.pilot.env, as meshfed's install values do)",
            );
      return set
        ? fail(r, `istiod has PILOT_SKIP_VALIDATE_TRUST_DOMAIN=${flag.value}`, "remove PILOT_SKIP_VALIDATE_TRUST_DOMAIN from the istiod Deployment")
        : r;
    },
  );

  await run("trust", "every mesh publishes the same root certificate", "MF4108", async (r) => {
    const cm = await f.client.get("v1", "ConfigMap", ISTIO_NS, "istio-ca-root-cert");
    const pem = (cm?.data as Record<string, string> | undefined)?.["root-cert.pem"];
    if (!pem) return fail(r, `no root-cert.pem in ConfigMap ${ISTIO_NS}/istio-ca-root-cert`, "install Istio with the shared root's intermediate in cacerts");
    try {
      f.rootFingerprint = new X509Certificate(pem).fingerprint256;
    } catch {
      return fail(r, `${ISTIO_NS}/istio-ca-root-cert: root-cert.pem is not an X.509 certificate`, "reinstall Istio's CA material");
    }
    return { ...r, detail: `sha256 ${short(f.rootFingerprint)}` };
  });

  const gw = f.mesh.eastWestGateway;
  await run(
    "east-west-gateway",
    gw && f.out.exposes.length > 0 ? `the east-west gateway Service publishes only ${gw.port} at ${gw.address}` : "the mesh needs no east-west gateway",
    "MF4109",
    async (r) => {
      if (!gw || f.out.exposes.length === 0) return r;
      const services = await f.client.list("v1", "Service", { namespace: gw.namespace });
      const svc = services.find((s) => {
        const sel = ((s.spec as any)?.selector ?? {}) as Record<string, string>;
        return Object.keys(gw.selector).length > 0 && Object.entries(gw.selector).every(([k, v]) => sel[k] === v);
      });
      if (!svc)
        return fail(
          r,
          `no Service in ${gw.namespace} selects ${labelsText(gw.selector)}`,
          "install the east-west gateway with meshfed's gateway values (install/)",
        );
      const ports = (((svc.spec as any).ports ?? []) as { port: number }[]).map((p) => p.port).sort((a, b) => a - b);
      const problems: string[] = [];
      if (ports.length !== 1 || ports[0] !== gw.port) problems.push(`publishes ports ${ports.join(", ")} (only ${gw.port} is needed)`);
      const addresses = [
        ...(((svc.status as any)?.loadBalancer?.ingress ?? []) as { ip?: string; hostname?: string }[]).flatMap((i) => [i.ip, i.hostname]),
        ...(((svc.spec as any).externalIPs ?? []) as string[]),
        (svc.spec as any).loadBalancerIP as string | undefined,
      ].filter((a): a is string => typeof a === "string" && a !== "");
      if (!addresses.includes(gw.address))
        problems.push(`has address ${addresses.length > 0 ? addresses.join(", ") : "(none)"}, not the model's ${gw.address}`);
      return problems.length === 0
        ? r
        : fail(
            r,
            `Service ${svc.metadata.namespace}/${svc.metadata.name} ${problems.join("; ")}`,
            "publish only the AUTO_PASSTHROUGH port, and make the federation file's address the gateway's",
          );
    },
  );
  await run("east-west-gateway", "no AUTO_PASSTHROUGH Gateway serves more than the model exports", "MF4110", async (r) => {
    const allowed = new Set(f.out.exposes.map((e) => e.host));
    // meshfed's own egress gateway Gateways (an import leaving through this mesh's egress
    // gateway) serve the exporters' FQDNs: allowed on those Gateways only, as rendered.
    const rendered = new Map(
      f.out.resources
        .filter((x) => x.kind === "Gateway")
        .map((x) => [`${x.metadata.namespace}/${x.metadata.name}`, new Set(((x.spec.servers ?? []) as { hosts?: string[] }[]).flatMap((s) => s.hosts ?? []))]),
    );
    const extra: string[] = [];
    for (const g of await f.client.list(release.networkingApiVersion, "Gateway")) {
      const ours = rendered.get(`${g.metadata.namespace}/${g.metadata.name}`);
      for (const s of ((g.spec as any)?.servers ?? []) as { tls?: { mode?: string }; hosts?: string[] }[]) {
        if (s.tls?.mode !== "AUTO_PASSTHROUGH") continue;
        for (const h of s.hosts ?? []) {
          const host = h.includes("/") ? h.slice(h.indexOf("/") + 1) : h;
          if (!allowed.has(host) && !ours?.has(h)) extra.push(`${g.metadata.namespace}/${g.metadata.name} serves "${h}"`);
        }
      }
    }
    return extra.length === 0
      ? r
      : fail(
          r,
          extra.sort().join("; "),
          "delete AUTO_PASSTHROUGH Gateways that are not meshfed's (the samples' cross-network-gateway serves *.local, i.e. every Service)",
        );
  });

  const exports = federation.exports.filter((e) => e.mesh === name && e.consumers.length > 0);
  await run("exports", "every exported Service exists with its ports and a workload with a sidecar", "MF4111", async (r) => {
    const problems: string[] = [];
    for (const e of exports) {
      const svc = await f.client.get("v1", "Service", e.namespace, e.name);
      if (!svc) {
        problems.push(`Service ${e.namespace}/${e.name} does not exist`);
        continue;
      }
      const ports = new Set((((svc.spec as any).ports ?? []) as { port: number }[]).map((p) => p.port));
      const missing = e.ports.filter((p) => !ports.has(p.number)).map((p) => p.number);
      if (missing.length > 0) problems.push(`Service ${e.namespace}/${e.name} lacks port ${missing.join(", ")}`);
      const selector = ((svc.spec as any).selector ?? {}) as Record<string, string>;
      const pods =
        Object.keys(selector).length === 0
          ? []
          : await f.client.list("v1", "Pod", {
              namespace: e.namespace,
              labelSelector: Object.entries(selector)
                .map(([k, v]) => `${k}=${v}`)
                .join(","),
            });
      if (!pods.some(hasSidecar))
        problems.push(`no Pod with an istio-proxy sidecar behind Service ${e.namespace}/${e.name}${pods.length > 0 ? ` (${pods.length} without)` : ""}`);
    }
    return problems.length === 0 ? r : fail(r, problems.join("; "), "deploy the exported service with a sidecar, or correct the export in the federation file");
  });
  const consumerNamespaces = [
    ...new Set(federation.exports.flatMap((e) => e.consumers.filter((c) => c.principal.mesh === name).map((c) => c.principal.namespace))),
  ].sort();
  await run("consumers", "consumer namespaces are injected", "MF4112", async (r) => {
    const problems: string[] = [];
    for (const ns of consumerNamespaces) {
      const obj = await f.client.get("v1", "Namespace", undefined, ns);
      const l = obj?.metadata.labels ?? {};
      if (!obj) problems.push(`namespace ${ns} does not exist`);
      else if (!(l["istio-injection"] === "enabled" || (l["istio.io/rev"] !== undefined && l["istio-injection"] !== "disabled")))
        problems.push(`namespace ${ns} is not labelled for injection`);
    }
    return problems.length === 0 ? r : fail(r, problems.join("; "), "label consumer namespaces istio-injection=enabled (or istio.io/rev=<revision>)");
  });
  await run("drift", "live resources equal the render", "MF4113", async (r) => {
    if (results.some((x) => x.code === "MF4102" && x.status !== "ok")) return { ...r, status: "skipped", detail: "Istio's CRDs are missing" };
    const drift = await driftReadOnly(f.client, desiredObjects(federation.name, f.out), { federation: federation.name, mesh: name, kinds });
    if (drift.length === 0) return r;
    const count = (s: string) => drift.filter((d) => d.status === s).length;
    return fail(
      r,
      `${count("created")} missing, ${count("changed")} changed, ${count("pruned")} no longer rendered: ${drift
        .slice(0, 5)
        .map((d) => d.ref)
        .join(", ")}${drift.length > 5 ? ", ..." : ""}`,
      `run \`meshfed diff --mesh ${name}\` for the fields, \`meshfed apply --mesh ${name} --prune\` to converge`,
    );
  });
  return results;
}

/** Every check in order (the skipped list of an unreachable cluster). */
const PLANNED: readonly [string, string, string][] = [
  ["kubernetes-api", "can reach the Kubernetes API", "MF4101"],
  ["istio", "Istio's CRDs that meshfed writes are installed and serve v1", "MF4102"],
  ["istio", "istiod is installed and recent enough", "MF4103"],
  ["mesh-config", "the mesh config's trust domain is the model's", "MF4104"],
  ["mesh-config", "the mesh accepts exactly the consumers' trust domains", "MF4105"],
  ["mesh-config", "the mesh config has no trustDomainAliases", "MF4106"],
  ["mesh-config", "istiod does not skip trust-domain validation", "MF4107"],
  ["trust", "every mesh publishes the same root certificate", "MF4108"],
  ["east-west-gateway", "the east-west gateway Service publishes only its port at the model's address", "MF4109"],
  ["east-west-gateway", "no AUTO_PASSTHROUGH Gateway serves more than the model exports", "MF4110"],
  ["exports", "every exported Service exists with its ports and a workload with a sidecar", "MF4111"],
  ["consumers", "consumer namespaces are injected", "MF4112"],
  ["drift", "live resources equal the render", "MF4113"],
];

/**
 * istiod's release against the declared one: older fails (meshfed may emit what it does not
 * read: 1.16.3 has no caCertificates trust-domain validation that 1.16.4 has); a newer line
 * warns (what meshfed emits still works, but not with that line's mechanisms).
 */
function compareRelease(r: CheckResult, running: IstioRelease, want: IstioRelease, declared: string, image: string): CheckResult {
  const text = formatIstioRelease(running);
  const sameLine = running.major === want.major && running.minor === want.minor;
  const older = sameLine ? want.patch !== undefined && running.patch !== undefined && running.patch < want.patch : !atLeast(running, want);
  if (older)
    return fail(
      r,
      `istiod is Istio ${text} (image ${image}), older than the declared ${declared}`,
      `upgrade istiod to ${declared}, or declare istioVersion "${text}" so meshfed emits what it reads`,
    );
  if (!sameLine)
    return fail(
      r,
      `istiod is Istio ${text} (image ${image}), the federation file declares ${declared}`,
      `declare istioVersion "${running.major}.${running.minor}" so meshfed emits what that release reads`,
      "warning",
    );
  return { ...r, detail: `Istio ${text}` };
}

function containersOf(d: KubeObject): { name: string; image?: string; env?: { name: string; value?: string }[] }[] {
  return ((d.spec as any)?.template?.spec?.containers ?? []) as never;
}

function hasSidecar(pod: KubeObject): boolean {
  const spec = (pod.spec ?? {}) as { containers?: { name: string }[]; initContainers?: { name: string }[] };
  return [...(spec.containers ?? []), ...(spec.initContainers ?? [])].some((c) => c.name === "istio-proxy");
}

function labelsText(l: Readonly<Record<string, string>>): string {
  return Object.entries(l)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

const MARK: Record<CheckStatus, string> = { ok: "√", warning: "‼", fail: "×", skipped: "-" };

/** linkerd-check-style text: per mesh, per category, one line per check; hint and docs under failures. */
export function formatChecks(results: readonly CheckResult[], servers: ReadonlyMap<string, string>): string {
  const lines: string[] = [];
  let mesh = "";
  let category = "";
  for (const r of results) {
    if (r.mesh !== mesh) {
      if (mesh) lines.push("");
      mesh = r.mesh;
      category = "";
      lines.push(`${mesh} (${servers.get(mesh) ?? "?"})`, "=".repeat(mesh.length + (servers.get(mesh) ?? "?").length + 3));
    }
    if (r.category !== category) {
      category = r.category;
      lines.push("", category, "-".repeat(category.length));
    }
    lines.push(`${MARK[r.status]} ${r.check}${r.status === "ok" && r.detail ? ` (${r.detail})` : ""}`);
    if (r.status === "fail" || r.status === "warning") {
      lines.push(`    ${r.code}: ${r.detail ?? ""}`);
      if (r.hint) lines.push(`    hint: ${r.hint}`);
      if (r.docs) lines.push(`    see ${r.docs}`);
    } else if (r.status === "skipped" && r.detail) {
      lines.push(`    skipped: ${r.detail}`);
    }
  }
  const failed = results.filter((r) => r.status === "fail").length;
  const warned = results.filter((r) => r.status === "warning").length;
  lines.push(
    "",
    failed === 0
      ? `Status check results are √${warned > 0 ? ` (${warned} warning${warned === 1 ? "" : "s"})` : ""}`
      : `Status check results are × (${failed} failed${warned > 0 ? `, ${warned} warning${warned === 1 ? "" : "s"}` : ""})`,
  );
  return `${lines.join("\n")}\n`;
}
