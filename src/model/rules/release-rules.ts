import {
  atLeast,
  CNI_DNS_CAPTURE_SINCE,
  caCertificatesBackport,
  DEFAULT_ISTIO_RELEASE,
  formatIstioRelease,
  MIN_ISTIO_RELEASE,
  parseIstioRelease,
  releaseProfile,
} from "../istio-release.js";
import type { Rule } from "./index.js";

/*
 * Refusals and warnings about the Istio release each mesh runs (`meshes[].istioVersion`).
 * The boundaries are read from Istio's source history; see istio-release.ts.
 */

const versionPath = (i: number) => `spec.meshes[${i}].istioVersion`;

/** The first release line after the oracle's: meshfed proves every patch of the oracle's line, nothing newer. */
const firstUnproven = { major: DEFAULT_ISTIO_RELEASE.major, minor: DEFAULT_ISTIO_RELEASE.minor + 1, patch: 0 };

export const releaseRules: readonly Rule[] = [
  {
    name: "istio-version-supported",
    description: "Every mesh runs Istio 1.8 or later (the DNS proxy) and no release newer than the oracle's.",
    check({ federation, report }) {
      federation.meshes.forEach((m, i) => {
        if (m.istioVersion === undefined) return;
        const r = parseIstioRelease(m.istioVersion);
        if (!r) return; // MF1070, reported by the schema walk
        if (!atLeast(r, MIN_ISTIO_RELEASE)) {
          report("MF1071", versionPath(i), { mesh: m.name, version: m.istioVersion }, { value: m.istioVersion });
        } else if (atLeast(r, firstUnproven)) {
          report(
            "MF1072",
            versionPath(i),
            { mesh: m.name, version: m.istioVersion, proven: formatIstioRelease(DEFAULT_ISTIO_RELEASE) },
            { value: m.istioVersion },
          );
        }
      });
    },
  },
  {
    name: "dns-capture-with-cni",
    description: "An importing mesh on a release before 1.11 gets a warning: with the Istio CNI plugin its DNS is not captured.",
    check({ federation, report }) {
      federation.meshes.forEach((m, i) => {
        if (m.istioVersion === undefined) return;
        const r = parseIstioRelease(m.istioVersion);
        if (!r || !atLeast(r, MIN_ISTIO_RELEASE) || atLeast(r, CNI_DNS_CAPTURE_SINCE)) return;
        if (!federation.exports.some((e) => e.consumers.some((c) => c.principal.mesh === m.name))) return;
        report("MF1074", versionPath(i), { mesh: m.name, version: m.istioVersion }, { value: m.istioVersion });
      });
    },
  },
  {
    name: "egress-gateway-chart",
    description: "A mesh with egressGateway on a release before 1.12 gets a warning: the gateway chart meshfed's values are for does not exist there.",
    check({ federation, report }) {
      federation.meshes.forEach((m, i) => {
        if (m.istioVersion === undefined || m.egressGateway === undefined) return;
        if (releaseProfile(m.istioVersion).gatewayChart === "gateway") return;
        report("MF1075", versionPath(i), { mesh: m.name, version: m.istioVersion }, { value: m.istioVersion });
      });
    },
  },
  {
    name: "trust-domain-mechanism",
    description: "An exporting mesh on a release without caCertificates trust-domain validation gets a warning naming the release that has it.",
    check({ federation, report }) {
      federation.meshes.forEach((m, i) => {
        const profile = releaseProfile(m.istioVersion);
        if (profile.trustDomainMechanism !== "skip-validation") return;
        const consumers = new Set<string>();
        for (const e of federation.exports) {
          if (e.mesh !== m.name) continue;
          for (const c of e.consumers) {
            const cm = federation.meshes.find((x) => x.name === c.principal.mesh);
            if (cm && cm.trustDomain !== m.trustDomain) consumers.add(cm.trustDomain);
          }
        }
        if (consumers.size === 0) return;
        const backport = caCertificatesBackport(profile.release);
        const cleanSince = backport ? formatIstioRelease(backport) : "1.18";
        report(
          "MF1073",
          versionPath(i),
          { mesh: m.name, version: m.istioVersion ?? formatIstioRelease(profile.release), consumers: [...consumers].sort(), cleanSince },
          { value: m.istioVersion },
        );
      });
    },
  },
];
