/**
 * Frame times while scrolling a 5,000-message conversation in headless Chromium:
 * `npm run bench:scroll -w @chatapp/web` (options: --messages N, --px-per-frame N, --frames N).
 * Starts a server on a temporary SQLite database, has Bob write N messages to Alice, opens the
 * conversation as Alice (unread, so it loads all of them and opens at the first), then scrolls
 * the message list down from the top and up from the bottom by a fixed step each animation
 * frame, a given number of frames each way, recording the time between frames
 * (requestAnimationFrame). Prints the median, p95 and long frames, and
 * how many rows were in the page at most (the virtualised list keeps only those near the screen).
 */
import { parseArgs } from "node:util";
import { NO_LIMITS } from "@chatapp/testkit";
import { logIn, openConversation, scroller } from "../test/app-driver.js";
import { launchChromium } from "../test/chromium.js";
import { directConversation, sendMany } from "../test/seed.js";
import { ensureWebBuilt } from "../test/web-build.js";
import { startLocalServer } from "./local-server.js";

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "5000" },
    "px-per-frame": { type: "string", default: "60" },
    frames: { type: "string", default: "900" },
  },
});
const COUNT = Number(values.messages);
/** 60 px a frame is 3,600 px a second at 60 frames a second: a quick flick, all the way. */
const STEP = Number(values["px-per-frame"]);
const FRAMES = Number(values.frames);
/** Sends in parallel lanes: the seeding is not what is measured. */
const LANES = 16;

ensureWebBuilt();
const { url, api, register, close } = await startLocalServer("chatapp-scroll-bench-", NO_LIMITS);

const browser = await launchChromium();
try {
  const alice = await register("alice", "Alice Moreau");
  const bob = await register("bob", "Bob Lee");
  const conversation = await directConversation(api, bob, alice);
  // Messages of one to four lines, as a real conversation has.
  const texts = Array.from(
    { length: COUNT },
    (_, i) => `message ${i + 1} ${"lorem ipsum dolor sit amet ".repeat(1 + (i % 7) * 2)}`,
  );
  await Promise.all(
    Array.from({ length: LANES }, (_, lane) =>
      sendMany(
        api,
        bob,
        conversation,
        texts.filter((_, i) => i % LANES === lane),
      ),
    ),
  );

  const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${url}/`);
  await logIn(page, "alice");
  const loadStart = Date.now();
  await openConversation(page, "Bob Lee");
  await page.getByText("This is the start of the conversation.").waitFor({ timeout: 60_000 });
  const loadMs = Date.now() - loadStart;
  const loaded = await scroller(page).evaluate((el) => el.querySelectorAll(".messages .message").length);

  // The page's own work while scrolling (main thread busy time), which other load on the machine
  // changes far less than it changes frame times.
  const cdp = await context.newCDPSession(page);
  await cdp.send("Performance.enable");
  const work = async () => {
    const { metrics } = await cdp.send("Performance.getMetrics");
    const get = (name: string) => metrics.find((m) => m.name === name)?.value ?? 0;
    return { task: get("TaskDuration"), script: get("ScriptDuration"), layout: get("LayoutDuration") };
  };
  const workBefore = await work();
  // tsx keeps function names with a helper, `__name`, that the page does not have.
  await page.evaluate("globalThis.__name = (f) => f");
  const result = await scroller(page).evaluate(
    (el, { step, frames }) =>
      new Promise<{ deltas: number[]; maxRows: number; frames: number }>((resolve) => {
        // The page's own clock of frames (this script is type-checked without the DOM's types).
        type FrameClock = { requestAnimationFrame(callback: (now: number) => void): number };
        const clock = el.ownerDocument.defaultView as unknown as FrameClock;
        const nextFrame = (callback: (now: number) => void) => clock.requestAnimationFrame(callback);
        const deltas: number[] = [];
        let maxRows = 0;
        let last = 0;
        // Down from the top, then up from the bottom.
        let direction = 1;
        let left = frames;
        el.scrollTop = 0;
        const frame = (now: number) => {
          if (last > 0) deltas.push(now - last);
          last = now;
          maxRows = Math.max(maxRows, el.querySelectorAll(".messages > li").length);
          if (left-- === 0) {
            if (direction === -1) {
              resolve({ deltas, maxRows, frames: deltas.length });
              return;
            }
            direction = -1;
            left = frames;
            el.scrollTop = el.scrollHeight;
            last = 0;
          }
          el.scrollTop += direction * step;
          nextFrame(frame);
        };
        nextFrame(frame);
      }),
    { step: STEP, frames: FRAMES },
  );

  const workAfter = await work();
  const perFrameMs = (key: keyof typeof workBefore) =>
    Number(((1000 * (workAfter[key] - workBefore[key])) / result.frames).toFixed(2));
  const sorted = [...result.deltas].sort((a, b) => a - b);
  const quantile = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  const figures = {
    messages: COUNT,
    loadedInPage: loaded,
    openToAllLoadedMs: loadMs,
    pxPerFrame: STEP,
    framesEachWay: FRAMES,
    frames: result.frames,
    medianFrameMs: Number(quantile(0.5).toFixed(1)),
    p95FrameMs: Number(quantile(0.95).toFixed(1)),
    maxFrameMs: Number((sorted.at(-1) ?? Number.NaN).toFixed(1)),
    framesOver33ms: sorted.filter((d) => d > 33.4).length,
    framesOver50ms: sorted.filter((d) => d > 50).length,
    mostRowsInPage: result.maxRows,
    busyMsPerFrame: perFrameMs("task"),
    scriptMsPerFrame: perFrameMs("script"),
    layoutMsPerFrame: perFrameMs("layout"),
  };
  console.log(JSON.stringify(figures, null, 2));
} finally {
  await browser.close();
  await close();
}
