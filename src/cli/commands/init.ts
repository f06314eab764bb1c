import { promises as fsp } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { ExitCode, UsageError, type CliIo } from "../io.js";
import type { SetExit } from "../main.js";

/**
 * A starter federation file: two meshes, one export, every field commented with what it does
 * and where the guide explains it. It validates as written (a test keeps it so).
 */
export const STARTER_FEDERATION = `# A meshfed federation: independent Istio meshes (one per cluster) that share a root CA and
# expose a few services to named callers in other meshes, and nothing else.
# Check it with \`meshfed validate\`, see what it does with \`meshfed plan\`, write each mesh's
# configuration with \`meshfed render --out DIR\`. Every field: \`meshfed schema\`, docs/guide.md.
apiVersion: meshfed.dev/v1alpha1
kind: MeshFederation
metadata:
  name: example               # labels every resource meshfed writes
spec:
  meshes:
    # One entry per cluster. The trust domain is the mesh's SPIFFE identity domain
    # (meshConfig.trustDomain): each mesh needs its own, never cluster.local.
    - name: operations
      trustDomain: operations.example.internal
      # clusterName: Kubernetes   # keep the one the cluster runs (Istio's default is Kubernetes)
      # network: operations       # values.global.network; default: the mesh name
    - name: production
      trustDomain: production.example.internal
      # How other meshes reach this mesh: its east-west gateway's LoadBalancer address
      # (an IP or a DNS name). Only meshes that export need one.
      eastWestGateway:
        address: 10.20.0.10
  exports:
    # A Kubernetes Service, mesh/namespace/name, and who may call it: principals are
    # mesh/namespace/serviceAccount. Only these callers, on these ports, get through.
    - service: production/db/postgres
      ports:
        - number: 5432
      consumers:
        - principal: operations/vault/vault
          # The consumer dials postgres.db.production.mesh:5432 (set alias: to choose another name).
`;

export function registerInit(program: Command, io: CliIo, setExit: SetExit): void {
  program
    .command("init")
    .description("Write a commented starter federation file (never overwrites one).")
    .argument("[file]", "where to write it (- for stdout)", "federation.yaml")
    .action(async (file: string) => {
      if (file === "-") {
        io.stdout.write(STARTER_FEDERATION);
        setExit(ExitCode.ok);
        return;
      }
      try {
        await fsp.writeFile(resolve(io.cwd, file), STARTER_FEDERATION, { flag: "wx" });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "EEXIST") throw new UsageError(`${file} exists; meshfed init never overwrites a file (pick another name, or remove it)`);
        throw new UsageError(`cannot write ${file}: ${code === "ENOENT" ? "no such directory" : code}`);
      }
      io.stderr.write(`wrote ${file}: edit the meshes and exports, then run meshfed validate ${file}\n`);
      setExit(ExitCode.ok);
    });
}
