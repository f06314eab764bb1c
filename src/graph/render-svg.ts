import type { Viz } from "@viz-js/viz";

let viz: Promise<Viz> | undefined;

/**
 * Lays out a DOT graph with Graphviz (compiled to WebAssembly, no system binary) and returns
 * the SVG document. The same DOT text gives byte-identical SVG for a given `@viz-js/viz`
 * release: Graphviz's layout is deterministic and the build embeds its own font metrics.
 */
export async function renderSvg(dot: string): Promise<string> {
  // The WebAssembly Graphviz is a 1.5 MB module: loaded on first use, so only `graph -o svg`
  // and `report` pay for it.
  viz ??= import("@viz-js/viz").then((m) => m.instance());
  return (await viz).renderString(dot, { format: "svg", engine: "dot" });
}

/**
 * An SVG document as an element to place inside an HTML page: without the XML declaration and
 * the DOCTYPE (which names a DTD by URL), so the page references nothing outside itself.
 */
export function inlineSvg(svg: string): string {
  return svg
    .replace(/^<\?xml[^>]*\?>\s*/, "")
    .replace(/^<!DOCTYPE[^>]*>\s*/, "")
    .trim();
}
