import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { repoRoot } from "../helpers/fixtures.js";
import { adminApply, liveFederation, privateCluster, writeFederation, type RigCluster } from "../helpers/live.js";
import { compileText, installHealthyMesh } from "../helpers/live-mesh.js";

// A consumer mesh whose imports leave through its egress gateway: meshfed's own AUTO_PASSTHROUGH
// Gateway there is not an unexpected exposure; anyone else's still is. A cluster of its own,
// because the check reads every Gateway of the cluster.
let ops: RigCluster & { dispose(): Promise<void> };
// Without staging's metrics-api: production exports one of the same name, which one egress gateway cannot tell apart (MF1101).
const text = liveFederation("egfed", "eg", { exportStagingMetrics: false }).replace(
  "      trustDomain: operations.nrc.internal\n",
  "      trustDomain: operations.nrc.internal\n      egressGateway: {}\n",
);
const { federation } = compileText(text);
const file = writeFederation(text);

beforeAll(async () => {
  ops = await privateCluster("doctor-egress");
  await installHealthyMesh(ops, federation, "operations");
  const r = await runCli(["apply", file, "--mesh", "operations", "--kubeconfig", ops.kubeconfig], repoRoot);
  if (r.code !== 0) throw new Error(r.stderr);
});
afterAll(async () => {
  await ops?.dispose();
});

const mf4110 = async () => {
  const r = await runCli(["doctor", file, "--mesh", `operations=${ops.kubeconfig}`, "-o", "json"], repoRoot);
  return JSON.parse(r.stdout).checks.find((c: { code: string }) => c.code === "MF4110");
};

describe("meshfed doctor on a consumer mesh with an egress gateway", () => {
  it("accepts meshfed's egress Gateways and still flags another AUTO_PASSTHROUGH Gateway", async () => {
    expect((await mf4110()).status).toBe("ok");
    const foreign = {
      apiVersion: "networking.istio.io/v1",
      kind: "Gateway",
      metadata: { name: "someone-elses", namespace: "istio-system" },
      spec: {
        selector: { istio: "egressgateway" },
        servers: [{ port: { number: 15443, name: "tls", protocol: "TLS" }, hosts: ["*.local"], tls: { mode: "AUTO_PASSTHROUGH" } }],
      },
    };
    await adminApply(ops, foreign, "gateways");
    const check = await mf4110();
    expect(check.status).toBe("fail");
    expect(check.detail ?? check.message ?? JSON.stringify(check)).toContain('istio-system/someone-elses serves "*.local"');
  });
});
