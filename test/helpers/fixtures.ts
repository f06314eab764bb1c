import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
export const exampleFile = `${repoRoot}examples/nrc/federation.yaml`;
export const exampleText = readFileSync(exampleFile, "utf8");

/** A minimal valid federation; tests edit it to make one thing wrong. */
export const minimal = `apiVersion: meshfed.dev/v1alpha1
kind: MeshFederation
metadata:
  name: nrc
spec:
  meshes:
    - name: operations
      trustDomain: operations.nrc.internal
    - name: production
      trustDomain: production.nrc.internal
      eastWestGateway:
        address: 10.20.0.10
  exports:
    - service: production/db/postgres
      ports:
        - number: 5432
      consumers:
        - principal: operations/vault/vault
`;
