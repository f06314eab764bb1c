// Shared helpers of the benchmarks: statistics, core pinning and plain-text tables.
import { spawnSync } from "node:child_process";

export const MiB = 1024 * 1024;

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Whether `taskset` can pin a command to core 0 here. */
export function hasTaskset() {
  return spawnSync("taskset", ["-c", "0", "true"], { stdio: "ignore" }).status === 0;
}

export const fmtMs = (ms) => (ms === undefined ? "n/a" : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
export const fmtMiB = (bytes) => (bytes ? `${(bytes / MiB).toFixed(0)} MiB` : "n/a");

/** Rows of cells as a table: the first row is the header, the first column left-aligned. */
export function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r, i) => {
      const line = r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ");
      return i === 0 ? `${line}\n${widths.map((w) => "-".repeat(w)).join("  ")}` : line;
    })
    .join("\n");
}
