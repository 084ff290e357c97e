import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";

/** axe-core's browser build, evaluated in the page through the DevTools protocol (the page's CSP forbids inline scripts). */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** The serious and critical problems axe-core finds on the page as it is now. */
export async function axe(page: Page): Promise<string[]> {
  if (!(await page.evaluate("'axe' in window"))) await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(
    "axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)",
  )) as AxeViolation[];
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

/** Runs axe in the light theme and the dark one (the system's preference; no choice made). */
export async function axeBothThemes(page: Page, screen: string): Promise<string[]> {
  const found: string[] = [];
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    await page.waitForFunction(`matchMedia("(prefers-color-scheme: dark)").matches === ${colorScheme === "dark"}`);
    found.push(...(await axe(page)).map((v) => `${screen}, ${colorScheme}: ${v}`));
  }
  await page.emulateMedia({ colorScheme: "light" });
  return found;
}
