import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Tests against the Go oracle run in `npm run test:conformance`, once the oracle is built.
    exclude: ["test/**/*.oracle.test.ts", "node_modules/**"],
    reporters: ["default", "./test/helpers/summary-reporter.ts"],
    testTimeout: 60_000,
    pool: "forks",
    // The Kubernetes rig (test/rig/README.md): three real API servers for test/kube.
    globalSetup: ["./test/rig/global-setup.ts"],
    hookTimeout: 180_000,
  },
});
