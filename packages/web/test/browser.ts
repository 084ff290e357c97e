import { existsSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { describe, it } from "vitest";
import { CHROMIUM } from "./chromium.js";

export { launchChromium } from "./chromium.js";

const REQUIRED = process.env.CHATAPP_REQUIRE_SERVICES === "1";

/**
 * Defines browser suites when Chromium is installed; otherwise skips them with a loud message,
 * or fails them when CHATAPP_REQUIRE_SERVICES=1 (as CI sets it).
 */
export function describeInBrowser(title: string, body: () => void): void {
  if (existsSync(CHROMIUM)) {
    describe(title, body);
  } else if (REQUIRED) {
    describe(title, () => {
      it("needs Chromium", () => {
        throw new Error(`${CHROMIUM} is missing and CHATAPP_REQUIRE_SERVICES=1: apt-get install -y chromium`);
      });
    });
  } else {
    console.warn(`\n!!! SKIPPED "${title}": no Chromium at ${CHROMIUM}. Install it with: apt-get install -y chromium\n`);
    describe.skip(title, body);
  }
}

/** A page in a context of its own (its own storage: one user), with its problems recorded. */
export async function openPage(
  browser: Browser,
  url: string,
  viewport = { width: 1000, height: 700 },
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const problems: string[] = [];
  watchProblems(page, problems);
  await page.goto(url);
  return { context, page, problems };
}

/** Records the page's problems into `problems`: errors it throws, and CSP violations. */
export function watchProblems(page: Page, problems: string[]): void {
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  // A Content-Security-Policy violation means the build runs inline code: the policy is strict.
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
  });
}
