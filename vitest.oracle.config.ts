import { defineConfig } from "vitest/config";

/** Tests that compare meshfed with the Go oracle; MESHFED_ORACLE names the oracle binary. */
export default defineConfig({
  test: {
    include: ["test/**/*.oracle.test.ts"],
    reporters: ["default", "./test/helpers/summary-reporter.ts"],
    testTimeout: 120_000,
    pool: "forks",
  },
});
