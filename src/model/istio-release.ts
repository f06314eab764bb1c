/**
 * Istio releases: which one a mesh runs, and what meshfed may emit for it. Pure.
 *
 * Every boundary below was read in Istio's source history (github.com/istio/istio and
 * github.com/istio/api; the guide's "Istio releases" section lists them with the commits):
 *
 * - 1.8.0: the agent's DNS proxy and `ISTIO_META_DNS_CAPTURE` (istio/istio #26954, commit
 *   35ab4a0e79e; 1.8.0 pilot/cmd/pilot-agent/main.go:150, tools/istio-iptables/pkg/cmd/root.go:39).
 *   Without it an imported alias host does not resolve, so older releases are refused.
 * - 1.11.0: the Istio CNI plugin redirects DNS to the agent too (istio/istio #32416, commit
 *   22efe35d7df); before it only istio-init does, so DNS capture fails in meshes using the CNI plugin.
 * - 1.12.0: the `gateway` Helm chart (istio/istio #34874, commit 9bd521c10e6); before it an
 *   east-west gateway is installed with the `gateways/istio-ingress` chart, whose values sit
 *   under `gateways.istio-ingressgateway`.
 * - 1.16.4, 1.17.2, 1.18.0: `meshConfig.caCertificates[].trustDomains` feed the sidecars'
 *   trust-domain validation (istio/istio #43536, commit fae6453b841, first tag 1.18.0;
 *   backports #43794 in 1.16.4 and #43795 in 1.17.2; pilot/pkg/networking/plugin/authn/util.go).
 * - 1.22.0: `networking.istio.io/v1` and `security.istio.io/v1` PeerAuthentication served
 *   (istio/api #3111 and #3112, picked up by istio/istio #49949 and #49891).
 *   AuthorizationPolicy has served `security.istio.io/v1` since 1.17.0 (istio/api #2553,
 *   istio/istio #42120), but meshfed writes one version per API group before 1.22.
 */

/** A release as declared: `major.minor`, or `major.minor.patch`. */
export interface IstioRelease {
  readonly major: number;
  readonly minor: number;
  /** Absent for a release line (`"1.22"`): any patch of it. */
  readonly patch?: number;
}

/**
 * The release line the conformance oracle runs: `istio.io/istio` at the commit
 * conformance/go.mod pins (v0.0.0-20260827124520-eed52ebb66ad, its VERSION file says 1.31)
 * with `istio.io/api` v1.31.0-rc. A mesh without `istioVersion` runs this.
 */
export const DEFAULT_ISTIO_RELEASE: IstioRelease = { major: 1, minor: 31 };

/** The oldest release meshfed supports: the first with the agent's DNS proxy. */
export const MIN_ISTIO_RELEASE: IstioRelease = { major: 1, minor: 8, patch: 0 };

const VERSION = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})(?:\.(0|[1-9]\d{0,3}))?$/;

/** Parses `"1.9.1"` or `"1.22"`; undefined for anything else. */
export function parseIstioRelease(text: string): IstioRelease | undefined {
  const m = VERSION.exec(text);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), ...(m[3] !== undefined ? { patch: Number(m[3]) } : {}) };
}

/** `1.9.1`, or `1.22` for a line. */
export function formatIstioRelease(r: IstioRelease): string {
  return r.patch === undefined ? `${r.major}.${r.minor}` : `${r.major}.${r.minor}.${r.patch}`;
}

/**
 * Whether release `r` is at least `min`. A line (no patch) counts as its oldest patch, `.0`:
 * meshfed must emit what every patch of a declared line understands.
 */
export function atLeast(r: IstioRelease, min: IstioRelease): boolean {
  if (r.major !== min.major) return r.major > min.major;
  if (r.minor !== min.minor) return r.minor > min.minor;
  return (r.patch ?? 0) >= (min.patch ?? 0);
}

/** How an exporting mesh's sidecars come to accept its consumers' trust domains. */
export type TrustDomainMechanism =
  /** `meshConfig.caCertificates[].trustDomains`: validation only, principals unchanged. */
  | "ca-certificates"
  /** istiod's `PILOT_SKIP_VALIDATE_TRUST_DOMAIN=true`: no trust-domain check at TLS; meshfed's guard is the barrier. */
  | "skip-validation";

/** What meshfed emits for one release. */
export interface IstioReleaseProfile {
  readonly release: IstioRelease;
  /** Whether the federation file names the release (else it is the default). */
  readonly declared: boolean;
  /** For Gateway, ServiceEntry, DestinationRule. */
  readonly networkingApiVersion: "networking.istio.io/v1" | "networking.istio.io/v1beta1";
  /** For PeerAuthentication, AuthorizationPolicy. */
  readonly securityApiVersion: "security.istio.io/v1" | "security.istio.io/v1beta1";
  readonly trustDomainMechanism: TrustDomainMechanism;
  /** The Helm chart meshfed's east-west gateway values are for. */
  readonly gatewayChart: "gateway" | "gateways/istio-ingress";
}

/** The first release with the v1 networking and PeerAuthentication APIs. */
export const V1_APIS_SINCE: IstioRelease = { major: 1, minor: 22, patch: 0 };
/** The Istio CNI plugin's DNS redirect. */
export const CNI_DNS_CAPTURE_SINCE: IstioRelease = { major: 1, minor: 11, patch: 0 };
/** The `gateway` Helm chart. */
export const GATEWAY_CHART_SINCE: IstioRelease = { major: 1, minor: 12, patch: 0 };
/** Releases where `caCertificates[].trustDomains` feed trust-domain validation, per line. */
const CA_CERTIFICATES_TRUST_DOMAINS: readonly IstioRelease[] = [
  { major: 1, minor: 16, patch: 4 },
  { major: 1, minor: 17, patch: 2 },
  { major: 1, minor: 18, patch: 0 },
];

/** Whether `caCertificates[].trustDomains` feed trust-domain validation in release `r`. */
export function hasCaCertificatesTrustDomains(r: IstioRelease): boolean {
  const last = CA_CERTIFICATES_TRUST_DOMAINS[CA_CERTIFICATES_TRUST_DOMAINS.length - 1]!;
  if (atLeast(r, last)) return true;
  const backport = CA_CERTIFICATES_TRUST_DOMAINS.find((b) => b.major === r.major && b.minor === r.minor);
  return backport !== undefined && atLeast(r, backport);
}

/** The patch of `r`'s line that has the clean trust-domain mechanism, when one was backported there. */
export function caCertificatesBackport(r: IstioRelease): IstioRelease | undefined {
  return CA_CERTIFICATES_TRUST_DOMAINS.find((b) => b.major === r.major && b.minor === r.minor && b.patch !== 0);
}

/** What meshfed emits for a mesh that declares `istioVersion` (or not). Assumes a validated version. */
export function releaseProfile(istioVersion: string | undefined): IstioReleaseProfile {
  const release = (istioVersion !== undefined ? parseIstioRelease(istioVersion) : undefined) ?? DEFAULT_ISTIO_RELEASE;
  const v1 = atLeast(release, V1_APIS_SINCE);
  return {
    release,
    declared: istioVersion !== undefined,
    networkingApiVersion: v1 ? "networking.istio.io/v1" : "networking.istio.io/v1beta1",
    securityApiVersion: v1 ? "security.istio.io/v1" : "security.istio.io/v1beta1",
    trustDomainMechanism: hasCaCertificatesTrustDomains(release) ? "ca-certificates" : "skip-validation",
    gatewayChart: atLeast(release, GATEWAY_CHART_SINCE) ? "gateway" : "gateways/istio-ingress",
  };
}

/** The Istio kinds meshfed writes, each with its API group's version for a release. */
export function managedApiVersion(profile: IstioReleaseProfile, kind: string): string {
  return kind === "PeerAuthentication" || kind === "AuthorizationPolicy" ? profile.securityApiVersion : profile.networkingApiVersion;
}
