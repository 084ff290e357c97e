import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CliProcess, exited, startServerProcess } from "@chatapp/testkit";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { register } from "./app-driver.js";
import { describeInBrowser, launchChromium, openPage } from "./browser.js";

/**
 * The README's quick start in a browser (issue 14, defect 8b): `chatapp serve` with no
 * JWT_SECRET, outside production, as a real process in a folder of its own. A restart must
 * not log anyone out, and the bundle must come compressed (defect 10d).
 */
describeInBrowser("the quick start's server in Chromium", () => {
  let dir: string;
  let browser: Browser;
  let server: CliProcess | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "chatapp-dev-session-"));
    browser = await launchChromium();
  });

  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill("SIGTERM");
      await exited(server);
    }
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps the session across a restart without JWT_SECRET, and sends the bundle compressed", async () => {
    const first = await startServerProcess({}, dir);
    server = first.child;
    const url = `http://127.0.0.1:${first.port}/`;
    const { page, problems } = await openPage(browser, "about:blank");
    const encodings: string[] = [];
    page.on("response", async (response) => {
      if (/\/assets\/index-[^/]+\.js$/.test(response.url()))
        encodings.push((await response.allHeaders())["content-encoding"] ?? "identity");
    });
    await page.goto(url);
    await register(page, "dana", "Dana");
    await expect.poll(() => encodings).toEqual(["br"]);

    server.kill("SIGTERM");
    await exited(server);
    // The same folder and port: the browser's origin, and its stored session, stay the same.
    server = (await startServerProcess({ PORT: String(first.port) }, dir)).child;
    await page.reload();
    await page.getByRole("button", { name: "New chat" }).waitFor();
    expect(await page.getByRole("button", { name: "Log in", exact: true }).count()).toBe(0);
    expect(problems).toEqual([]);
  }, 90_000);
});
