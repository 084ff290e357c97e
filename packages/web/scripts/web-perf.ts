/**
 * The web client's performance figures for docs/benchmarks.md: `npm run perf -w @chatapp/web`.
 * 1. The built JavaScript and CSS per file, raw and gzipped, and the first screen's share
 *    (the entry and the chunks index.html preloads).
 * 2. Largest Contentful Paint on cold loads (a fresh browser context each time: empty cache,
 *    empty storage) against a local server on SQLite, in headless Chromium: the login screen,
 *    and the chat screen of a logged-in user with a conversation open. The median of RUNS.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Browser } from "playwright-core";
import { logIn, message, PASSWORD } from "../test/app-driver.js";
import { launchChromium } from "../test/chromium.js";
import { firstScreenBudget } from "../test/first-screen.js";
import { directConversation, sendMany } from "../test/seed.js";
import { ensureWebBuilt, WEB_DIR } from "../test/web-build.js";
import { startLocalServer } from "./local-server.js";

const RUNS = Number(process.env.RUNS ?? 5);
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

ensureWebBuilt();
const dist = join(WEB_DIR, "dist");
const first = firstScreenBudget(dist);
console.log("file | raw | gzip | first screen");
console.log("--- | ---: | ---: | ---");
for (const name of readdirSync(join(dist, "assets")).sort()) {
  if (!/\.(js|css)$/.test(name)) continue;
  const path = join(dist, "assets", name);
  const raw = readFileSync(path);
  const onFirst = first.files.includes(path) ? "yes" : name.endsWith(".css") ? "yes (CSS)" : "no (lazy)";
  console.log(`${name} | ${kb(raw.length)} | ${kb(gzipSync(raw, { level: 9 }).length)} | ${onFirst}`);
}
console.log(`first-screen JavaScript: ${kb(first.gzipBytes)} gzipped (budget 120 KB)\n`);

const server = await startLocalServer("chatapp-perf-", {
  // The seeding sends faster than a person, and every cold load is a new connection.
  RATE_MESSAGES_PER_SECOND: "0",
  RATE_ACTIONS_PER_MINUTE: "0",
  MAX_CONNECTIONS_PER_IP: "0",
  MAX_HTTP_CONNECTIONS_PER_IP: "0",
});
const { api, url } = server;

/** Records every LCP candidate from the start of the load (buffered), for reading later. */
const OBSERVE_LCP = `window.lcp = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.lcp = entry.startTime;
}).observe({ type: "largest-contentful-paint", buffered: true });`;

/** One cold load: a fresh context (nothing cached), storage seeded when logged in. */
async function coldLcp(browser: Browser, path: string, storage: Record<string, Record<string, string>>, ready: string) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  await context.addInitScript(
    `const seed = ${JSON.stringify(storage)};
for (const [k, v] of Object.entries(seed.local ?? {})) localStorage.setItem(k, v);
for (const [k, v] of Object.entries(seed.session ?? {})) sessionStorage.setItem(k, v);`,
  );
  await context.addInitScript(OBSERVE_LCP);
  const page = await context.newPage();
  await page.goto(url + path);
  await page.getByText(ready, { exact: true }).first().waitFor();
  // LCP entries are reported on the next frames after the paint.
  await page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))");
  const lcp = (await page.evaluate("window.lcp")) as number;
  await context.close();
  return lcp;
}

try {
  const { body } = await api.http("/api/auth/register", {
    method: "POST",
    json: { username: "alice", password: PASSWORD, display_name: "Alice Martin" },
  });
  const alice = body.user.id as number;
  const { body: bobBody } = await api.http("/api/auth/register", {
    method: "POST",
    json: { username: "bob", password: PASSWORD, display_name: "Bob Chen" },
  });
  const conversation = await directConversation(api, bobBody.user.id, alice);
  await sendMany(
    api,
    bobBody.user.id,
    conversation,
    Array.from({ length: 50 }, (_, i) => `message ${i + 1} of a conversation that fills the screen`),
  );

  const browser = await launchChromium();
  // Log in once through the UI and keep what the app stored, to start later loads logged in.
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${url}/`);
  await logIn(page, "alice");
  await message(page, "message 50 of")
    .waitFor({ state: "attached" })
    .catch(() => {});
  const storage = (await page.evaluate(
    "({ local: Object.fromEntries(Object.entries(localStorage)), session: Object.fromEntries(Object.entries(sessionStorage)) })",
  )) as Record<string, Record<string, string>>;
  await context.close();

  const login: number[] = [];
  const chat: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    login.push(await coldLcp(browser, "/", {}, "Log in"));
    chat.push(await coldLcp(browser, `/#/c/${conversation}`, storage, "message 50 of a conversation that fills the screen"));
  }
  await browser.close();
  const fmt = (values: number[]) =>
    `median ${median(values).toFixed(0)} ms (runs: ${values.map((v) => v.toFixed(0)).join(", ")})`;
  console.log(`LCP, login screen, cold: ${fmt(login)}`);
  console.log(`LCP, chat screen (logged in, conversation open), cold: ${fmt(chat)}`);
} finally {
  await server.close();
}
