import { RIG_CLUSTERS, isUp, rigDown, rigUp } from "./rig.mjs";

/**
 * Starts the rig's clusters for the test run (building the binary once if it is not cached)
 * and stops them afterwards unless they were already running. Runs are that select only
 * tests outside test/kube and test/rig (e.g. `npx vitest run test/compile`) skip it.
 */
export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  const filters = process.argv.slice(2).filter((a) => !a.startsWith("-") && a !== "run" && !a.endsWith("vitest") && !a.endsWith("vitest.mjs"));
  if (filters.length > 0 && !filters.some((f) => /kube|rig/.test(f))) return undefined;
  const wasUp = (await Promise.all(RIG_CLUSTERS.map((n) => isUp(n)))).every(Boolean);
  await rigUp({ log: (s) => process.stderr.write(s) });
  return async () => {
    if (!wasUp && process.env.MESHFED_RIG_KEEP !== "1") await rigDown();
  };
}
