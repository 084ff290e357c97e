import type { Page } from "playwright-core";
import { beforeAll, expect, it } from "vitest";
import { banner, conversationLink, exactMessage, logIn, message, openConversation, paneTitle, send } from "./app-driver.js";
import { describeInBrowser } from "./browser.js";
import { serveAppFromBuild } from "./offline-app.js";
import { sendMany } from "./seed.js";
import { useWebSuite } from "./web-suite.js";

/** The name of a user's database (chat/local-data.ts). */
const databaseOf = (userId: number) => `chatapp:user:${userId}`;

/** The IndexedDB databases of the page's origin. */
const databases = (page: Page): Promise<string[]> =>
  page.evaluate("indexedDB.databases().then((list) => list.map((d) => d.name))");

/**
 * Whether the user's database holds `text` anywhere (a cached message, an outbox entry): what
 * survives the tab. Read in the page with IndexedDB itself, the connection closed after.
 */
const localDataHas = (page: Page, userId: number, text: string): Promise<boolean> =>
  page.evaluate(`(async () => {
    const name = ${JSON.stringify(databaseOf(userId))};
    if (!(await indexedDB.databases()).some((d) => d.name === name)) return false;
    const done = (request) => new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const db = await done(indexedDB.open(name));
    try {
      const stores = [...db.objectStoreNames];
      if (stores.length === 0) return false;
      const tx = db.transaction(stores);
      const values = await Promise.all(stores.map((store) => done(tx.objectStore(store).getAll())));
      return JSON.stringify(values).includes(${JSON.stringify(text)});
    } finally {
      db.close();
    }
  })()`);

/**
 * The tabs of the origin that hold an outbox owner's Web Lock (the SDK's, one per live tab):
 * a closed tab's goes shortly after it closes, and its sends are then another tab's to adopt.
 */
const ownerLocks = (page: Page): Promise<number> =>
  page.evaluate("navigator.locks.query().then((s) => s.held.filter((l) => l.name.includes(':owner:')).length)");

/** A bubble of one's own not stored yet. */
const pendingBubble = (page: Page, text: string) => message(page, text).and(page.locator('[data-pending="sending"]'));

/** The conversation list request (its first page). */
const listRequest = (url: URL) => url.pathname === "/api/conversations";

/**
 * The web client offline-first, in a real Chromium against a real server that is stopped and
 * started again (same port, same SQLite file): the outbox survives a closed tab and sends once,
 * a reload with the server down shows the list and messages from IndexedDB, logging out (or
 * another user logging in) leaves none of a user's data, and two tabs send an entry once.
 */
describeInBrowser("offline-first web client in Chromium", () => {
  const suite = useWebSuite({ alice: "Alice", bob: "Bob", carol: "Carol" });
  let club: number;
  const id = (username: string) => suite.idOf(username);

  /** How many stored messages of the club have exactly this text (over HTTP). */
  const storedCount = async (text: string): Promise<number> => {
    const { body } = await suite.server().http(`/api/conversations/${club}/messages?limit=200`, { userId: id("alice") });
    return (body.messages as { content: string }[]).filter((m) => m.content === text).length;
  };

  /** Alice's page with the club open and its latest messages on screen (and in her database). */
  const aliceInClub = async (): Promise<Page> => {
    const page = await suite.session("alice");
    await openConversation(page, "Offline club");
    await exactMessage(page, "club 5").waitFor();
    await expect.poll(() => localDataHas(page, id("alice"), "club 5")).toBe(true);
    return page;
  };

  beforeAll(async () => {
    club = await suite.group("bob", "Offline club", ["alice"]);
    await sendMany(suite.server(), id("bob"), club, ["club 1", "club 2", "club 3", "club 4", "club 5"]);
  });

  it("a message typed with the server down stays pending in a closed tab's place, then is sent once", async () => {
    const first = await aliceInClub();
    await suite.stopServer();
    let second: Page;
    try {
      await banner(first).filter({ hasText: "Reconnecting" }).waitFor();
      await send(first, "typed offline");
      await pendingBubble(first, "typed offline").waitFor();
      await expect.poll(() => localDataHas(first, id("alice"), "typed offline")).toBe(true);
      await first.close();

      // A new tab while the server is still down (once the closed one's lock is gone): the
      // list, and the message still pending.
      second = await suite.tab(first, "/favicon.svg", { fromBuild: true });
      await expect.poll(() => ownerLocks(second)).toBe(0);
      await second.goto(`${suite.server().url}/`);
      await openConversation(second, "Offline club");
      await pendingBubble(second, "typed offline").waitFor();
    } finally {
      await suite.restartServer();
    }
    await pendingBubble(second, "typed offline").waitFor({ state: "detached", timeout: 20_000 });
    await exactMessage(second, "typed offline").waitFor();
    expect(await storedCount("typed offline")).toBe(1);
    await second.context().close();
  }, 60_000);

  it("a reload with the server down shows the list and the open conversation's last messages", async () => {
    const page = await aliceInClub();
    await suite.stopServer();
    try {
      await serveAppFromBuild(page, suite.server().url);
      await page.reload();
      // No answer from the network can have brought these: the server is down.
      await conversationLink(page, "Offline club").waitFor();
      await paneTitle(page, "Offline club").waitFor();
      for (const text of ["club 3", "club 4", "club 5"]) await exactMessage(page, text).waitFor();
      expect(await page.getByText("Could not load messages").count()).toBe(0);
    } finally {
      await suite.restartServer();
    }
    // Connected once the server is back: the page goes on live.
    await sendMany(suite.server(), id("bob"), club, ["club 6"]);
    await exactMessage(page, "club 6").waitFor({ timeout: 20_000 });
    await page.context().close();
  }, 60_000);

  it("logging out deletes the user's database; the next user sees none of it, even before the network answers", async () => {
    const page = await aliceInClub();
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByLabel("Username").waitFor();
    await expect.poll(() => databases(page)).not.toContain(databaseOf(id("alice")));

    // Carol's list is held back until her screen has been checked: what shows is local only.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(listRequest, async (route) => {
      await held;
      await route.continue();
    });
    await logIn(page, "carol");
    await page.getByText("Loading conversations…").waitFor();
    expect(await conversationLink(page, "Offline club").count()).toBe(0);
    release();
    await page.getByText("No conversations yet").waitFor();
    await page.unroute(listRequest);
    expect(await databases(page)).not.toContain(databaseOf(id("alice")));
    await page.context().close();
  }, 60_000);

  it("another user logging in after a session that ended without logout gets the browser clean", async () => {
    const page = await aliceInClub();
    // The session went without a logout (cleared by hand, say): Alice's data is still here.
    await page.evaluate("localStorage.removeItem('chatapp.session')");
    await page.reload();
    await page.getByLabel("Username").waitFor();
    expect(await databases(page)).toContain(databaseOf(id("alice")));

    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(listRequest, async (route) => {
      await held;
      await route.continue();
    });
    await logIn(page, "carol");
    await expect.poll(() => databases(page)).not.toContain(databaseOf(id("alice")));
    await page.getByText("Loading conversations…").waitFor();
    expect(await conversationLink(page, "Offline club").count()).toBe(0);
    release();
    await page.getByText("No conversations yet").waitFor();
    await page.unroute(listRequest);
    await page.context().close();
  }, 60_000);

  it("two tabs send an outbox entry once: a closed tab's is adopted, an open tab's is left to it", async () => {
    const a = await aliceInClub();
    const b = await suite.tab(a);
    await openConversation(b, "Offline club");
    /** What tab B sends over its sockets. */
    const sentByB: string[] = [];
    b.on("websocket", (socket) => socket.on("framesent", ({ payload }) => sentByB.push(String(payload))));

    await suite.stopServer();
    try {
      await banner(b).filter({ hasText: "Reconnecting" }).waitFor();
      await send(a, "from tab A");
      await pendingBubble(a, "from tab A").waitFor();
      await expect.poll(() => localDataHas(a, id("alice"), "from tab A")).toBe(true);
      await a.close();
      await expect.poll(() => ownerLocks(b)).toBe(1);
    } finally {
      await suite.restartServer();
    }
    // B adopts the entry of the tab that is gone and sends it.
    await exactMessage(b, "from tab A").waitFor({ timeout: 20_000 });
    expect(await storedCount("from tab A")).toBe(1);

    // Both open: the entry is tab C's, and B leaves it alone.
    const c = await suite.tab(b);
    await openConversation(c, "Offline club");
    await send(c, "both open");
    await exactMessage(b, "both open").waitFor();
    await pendingBubble(c, "both open").waitFor({ state: "detached" });
    expect(await storedCount("both open")).toBe(1);
    expect(sentByB.filter((frame) => frame.includes("both open"))).toEqual([]);
    await b.context().close();
  }, 60_000);
});
