import { existsSync, mkdirSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { compileFederation } from "../../src/compile/compile-federation.js";
import { parseFederation } from "../../src/model/parse-federation.js";
import { writeFileTree } from "../../src/output/write-files.js";
import { buildScenario } from "../../src/scenario/build-scenario.js";
import { exampleFile, exampleText, repoRoot } from "../helpers/fixtures.js";
import { runCli } from "../helpers/run-cli.js";

/**
 * Debian's chromium (installed by .ci/run), or the browser MESHFED_CHROMIUM names. A missing
 * browser fails the test: the report's promise is about what a real browser shows.
 */
function chromiumPath(): string {
  const named = process.env.MESHFED_CHROMIUM;
  if (named) return named;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    for (const name of ["chromium", "chromium-browser"]) {
      if (dir && existsSync(join(dir, name))) return join(dir, name);
    }
  }
  throw new Error("no chromium on PATH: install Debian's chromium (apt-get install -y chromium, as .ci/run does) or set MESHFED_CHROMIUM to a Chromium binary");
}

// Under the repository's .tmp/ (ignored by git), so the screenshots outlive the run for a look.
const outDir = join(repoRoot, ".tmp", "report-test");
const reportFile = join(outDir, "report.html");
let browser: Browser | undefined;
const requests: string[] = [];
const consoleErrors: string[] = [];

/** Writes the example's report, opens it in Chromium; each test awaits it, so a missing browser fails every test rather than skipping them. */
async function openReport(): Promise<Page> {
  mkdirSync(outDir, { recursive: true });
  const scenario = mkdtempSync(join(tmpdir(), "meshfed-browser-"));
  const federation = parseFederation(exampleText).federation!;
  await writeFileTree(scenario, buildScenario(federation, compileFederation(federation).compiled!));
  const r = await runCli(["report", exampleFile, "--scenario", scenario, "--out", reportFile], repoRoot);
  if (r.code !== 0) throw new Error(`meshfed report exited ${r.code}: ${r.stderr}`);
  browser = await chromium.launch({ executablePath: chromiumPath(), headless: true });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("request", (req) => requests.push(req.url()));
  page.on("console", (msg) => {
    if (msg.type() === "error") consoleErrors.push(msg.text());
  });
  await page.goto(pathToFileURL(reportFile).href, { waitUntil: "load" });
  return page;
}

let opened: Promise<Page> | undefined;
const report = () => (opened ??= openReport());

afterAll(async () => {
  await browser?.close();
});

describe("the HTML report in headless Chromium", () => {
  it("loads nothing but itself, and breaks no rule of its Content Security Policy", async () => {
    await report();
    expect(requests).toEqual([pathToFileURL(reportFile).href]);
    expect(consoleErrors).toEqual([]);
  });

  it("shows the audit verdict first", async () => {
    const page = await report();
    const verdict = page.locator("#verdict");
    expect(await verdict.textContent()).toMatch(/^Audit passed: the configuration of operations, staging, production/);
    const box = (await verdict.boundingBox())!;
    expect(box.y).toBeLessThan(120);
  });

  it("draws the graph: three meshes, five nodes, four edges, with readable labels", async () => {
    const page = await report();
    const svg = page.locator("#graph svg");
    await expect.poll(() => svg.count()).toBe(1);
    expect(await svg.locator("g.cluster").count()).toBe(3);
    expect(await svg.locator("g.node").count()).toBe(5);
    expect(await svg.locator("g.edge").count()).toBe(4);
    const box = (await svg.boundingBox())!;
    expect(box.width).toBeGreaterThan(600);
    expect(box.width).toBeLessThanOrEqual(1280);
    const label = (await svg.locator("text", { hasText: "db/postgres" }).boundingBox())!;
    expect(label.height).toBeGreaterThan(8);
  });

  it("has the tables: exposes and imports per mesh, matrix, probes, findings, plan, inputs", async () => {
    const page = await report();
    expect(await page.locator("table.exposes").count()).toBe(2);
    expect(await page.locator("table.imports").count()).toBe(1);
    const row = page.locator("table.matrix tbody tr", { hasText: "operations" });
    expect(await row.locator("td").allTextContents()).toEqual(["–", "4/8", "2/4", "0/4"]);
    expect(await page.locator("table.probes tbody tr").count()).toBe(16);
    expect(await page.locator("#findings").textContent()).toContain("No findings.");
    expect(await page.locator("table.resources").count()).toBe(3);
    const digests = await page.locator("table.inputs tbody tr td:nth-child(3)").allTextContents();
    expect(digests.length).toBeGreaterThan(10);
    for (const d of digests) expect(d).toMatch(/^[0-9a-f]{64}$/);
  });

  it("saves screenshots for screen and print, and prints to PDF", async () => {
    const page = await report();
    await page.screenshot({ path: join(outDir, "report.png"), fullPage: true });
    expect(statSync(join(outDir, "report.png")).size).toBeGreaterThan(50_000);
    await page.emulateMedia({ media: "print" });
    expect(await page.locator("nav").isVisible()).toBe(false);
    await page.screenshot({ path: join(outDir, "report-print.png"), fullPage: true });
    await page.pdf({ path: join(outDir, "report.pdf"), format: "A4" });
    expect(statSync(join(outDir, "report.pdf")).size).toBeGreaterThan(20_000);
    await page.emulateMedia({ media: "screen" });
  });
});
