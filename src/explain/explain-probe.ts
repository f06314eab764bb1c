import { codeInfo } from "../diagnostics/codes.js";
import type { Federation } from "../model/types.js";
import { suggestChange, type SuggestedChange } from "./suggest-change.js";
import type { ProbeResult } from "../verify/verify-scenario.js";
import type { ClientHop, GatewayHop, ProbeSpec, Resource, ServerHop } from "../verify/types.js";

/** One step of an explained call. */
export interface ExplainedHop {
  readonly at: "client" | "egress" | "gateway" | "server";
  readonly mesh: string;
  /** Plain-language account of what happened at this hop. */
  readonly text: string;
  /** The resources that decided it, `Kind namespace/name (file:line)`. */
  readonly decidedBy: readonly string[];
  /** The same resources as data. */
  readonly resources: readonly DecidingResource[];
}

/** A resource that decided a hop, and where it is. */
export interface DecidingResource {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly file: string;
  readonly line: number;
}

export interface Explanation {
  /** The call, as verify names its probes. */
  readonly name: string;
  /** The same; kept for scripts written before `name`. */
  readonly probe: string;
  readonly verdict: "allow" | "deny";
  readonly hops: readonly ExplainedHop[];
  /** For a denied call: where, the code, why, and what to do. */
  readonly denied: { readonly at: string; readonly code: string; readonly title: string; readonly why: string; readonly fix: string } | null;
  /** The change to the federation file that would allow a denied call or deny an allowed one (needs the model). */
  readonly change: SuggestedChange | null;
}

const hopOfKind: Record<string, "client" | "gateway" | "server"> = {
  Service: "client",
  ServiceEntry: "client",
  DestinationRule: "client",
  Gateway: "gateway",
  VirtualService: "gateway",
  PeerAuthentication: "server",
  AuthorizationPolicy: "server",
};

function cite(r: Resource): string {
  return `${r.kind} ${r.namespace}/${r.name} (${r.file}:${r.line})`;
}

function clientText(probe: ProbeSpec, h: ClientHop): string {
  const who = `The sidecar of ${probe.from.namespace}/${probe.from.serviceAccount} in mesh ${h.mesh}`;
  if (!h.cluster || h.cluster === "PassthroughCluster" || h.cluster === "BlackHoleCluster") {
    return `${who} looks up ${probe.to.host}:${probe.to.port} and finds no Service or ServiceEntry for it in its namespace, so the call is not routed into the mesh (${h.cluster ?? "no cluster"}).`;
  }
  const tls =
    h.tls === "ISTIO_MUTUAL"
      ? `originates Istio mutual TLS with SNI ${h.sni}${h.sans.length > 0 ? `, and will accept only a server proving ${h.sans.join(" or ")}` : ", accepting any identity of a trusted root"}`
      : h.tls === "DISABLE"
        ? "sends it in plaintext (no DestinationRule asks for Istio mTLS)"
        : `uses TLS mode ${h.tls}${h.sni ? ` with SNI ${h.sni}` : ""}`;
  return `${who} matches ${probe.to.host}:${probe.to.port} to cluster ${h.cluster}, ${tls}, and dials ${h.endpoint ?? "no endpoint"}.`;
}

function gatewayText(h: GatewayHop): string {
  return h.matched
    ? `The east-west gateway of ${h.mesh} reads the SNI and finds a filter chain for ${h.matched}; it forwards the connection, still encrypted, to the service that chain names.`
    : `The east-west gateway of ${h.mesh} finds no filter chain for the connection.`;
}

function egressText(h: GatewayHop): string {
  return h.matched
    ? `The egress gateway of ${h.mesh} reads the SNI and finds a filter chain for ${h.matched}; it passes the connection on, still encrypted and unopened, to the east-west gateway that chain's cluster names.`
    : `The egress gateway of ${h.mesh} finds no filter chain for the connection.`;
}

function serverText(h: ServerHop): string {
  const peer = h.peer ? `The caller proves ${h.peer}.` : "The caller presents no Istio identity.";
  const authz =
    h.authz === "allow"
      ? "Its authorization policies allow the caller on this port."
      : h.authz === "deny"
        ? "Its authorization policies deny the caller on this port."
        : "";
  return `The sidecar of ${h.workload} in ${h.mesh} receives the call. ${peer} ${authz}`.trim();
}

/**
 * Walks one probe's result hop by hop, naming the resource and file:line that decided each;
 * with the federation model, ends with the change to the file that would turn the verdict.
 */
export function explainProbe(probe: ProbeSpec, result: ProbeResult, model?: Federation): Explanation {
  const byHop = new Map<string, string[]>();
  const resourcesByHop = new Map<string, DecidingResource[]>();
  for (const r of result.decidedBy) {
    const at = hopOfKind[r.kind] ?? "client";
    const cited = cite(r);
    if (byHop.get(at)?.includes(cited)) continue;
    byHop.set(at, [...(byHop.get(at) ?? []), cited]);
    resourcesByHop.set(at, [...(resourcesByHop.get(at) ?? []), { kind: r.kind, namespace: r.namespace, name: r.name, file: r.file, line: r.line }]);
  }
  const hops: ExplainedHop[] = result.verdict.hops.map((h) => ({
    at: h.at,
    mesh: h.mesh,
    text: h.at === "client" ? clientText(probe, h) : h.at === "egress" ? egressText(h) : h.at === "gateway" ? gatewayText(h) : serverText(h as ServerHop),
    decidedBy: byHop.get(h.at) ?? [],
    resources: resourcesByHop.get(h.at) ?? [],
  }));
  const v = result.verdict;
  const info = v.reason ? codeInfo(v.reason) : undefined;
  return {
    name: v.name,
    probe: v.name,
    verdict: v.verdict,
    hops,
    denied:
      v.verdict === "deny" && v.reason && info
        ? { at: v.deniedAt ?? "client", code: v.reason, title: info.title, why: result.why ?? info.title, fix: info.explanation }
        : null,
    change: model ? suggestChange(model, probe, v.verdict) : null,
  };
}

/** The explanation as numbered text for a terminal. */
export function formatExplanation(e: Explanation): string {
  const lines = [`${e.probe}: ${e.verdict === "allow" ? "ALLOWED" : "DENIED"}`, ""];
  e.hops.forEach((h, i) => {
    lines.push(`${i + 1}. ${h.at} (${h.mesh}): ${h.text}`);
    for (const d of h.decidedBy) lines.push(`   decided by ${d}`);
  });
  if (e.denied) {
    lines.push("", `Denied at ${e.denied.at}: ${e.denied.code} ${e.denied.title}.`, `   ${e.denied.why}`);
    // The registry's explanation is the general remedy; the model's change, when known, is this call's.
    if (!e.change) lines.push(`   What to do: ${e.denied.fix}`, "   (give the federation file with --model for the exact change)");
  }
  if (e.change) {
    const c = e.change;
    lines.push("", `To ${e.verdict === "allow" ? "deny" : "allow"} this call: ${c.summary}`);
    if (c.at && c.yaml.length > 0) {
      const inside = c.yaml.length === 1 && c.yaml[0]!.startsWith("{");
      const where =
        c.kind === "remove-consumer"
          ? `delete from ${c.at.file}, line ${c.at.line}`
          : inside
            ? `add to the list on ${c.at.file}, line ${c.at.line}`
            : `add to ${c.at.file} after line ${c.at.line}`;
      lines.push(`   ${where} (${c.at.path}):`, ...c.yaml.map((l) => `   ${l}`));
    }
  }
  return `${lines.join("\n")}\n`;
}
