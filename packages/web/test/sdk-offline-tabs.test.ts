import { ChatClient, type ChatClientOptions, type StorageAdapter } from "@chatapp/client";
import type { ConversationMessagesResponse } from "@chatapp/protocol";
import { createTestDatabase, deadPort, eventually, startServer, type TestDatabase, type TestServer } from "@chatapp/testkit";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeInBrowser, launchChromium } from "./browser.js";
import { startStoragePage } from "./storage-page.js";

/** The page's `globalThis.storagePage` (storage-page.ts), as far as this suite uses it. */
interface PageClient {
  restore(): Promise<{ sends: { content: string; result: Promise<unknown> }[] }>;
  connect(): Promise<void>;
  send(target: { conversationId: number }, content: string): Promise<unknown>;
  queuedSends(): { content: string }[];
  close(): void;
}
type TabGlobals = {
  storagePage: {
    indexedDbStorage(options: { name: string }): StorageAdapter;
    ChatClient: new (
      options: Pick<ChatClientOptions, "url" | "httpUrl" | "backoff" | "storage"> & { token: string },
    ) => PageClient;
    held: Map<string, unknown>;
  };
};

/**
 * The SDK's offline outbox on IndexedDB with Web Locks, in real tabs: a tab that closes with
 * unsent messages leaves them stored, and of two tabs opened later exactly one takes them over
 * and sends them, once.
 */
describeInBrowser("the SDK's outbox in two Chromium tabs (IndexedDB, Web Locks)", () => {
  let site: Awaited<ReturnType<typeof startStoragePage>> | undefined;
  let database: TestDatabase | undefined;
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  const problems: string[] = [];

  beforeAll(async () => {
    site = await startStoragePage();
    database = await createTestDatabase("sqlite");
    server = await startServer(database, { env: { ALLOWED_ORIGINS: new URL(site.url).origin } });
    browser = await launchChromium();
    context = await browser.newContext();
    context.setDefaultTimeout(10_000);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await database?.drop();
    await site?.stop();
    expect(problems).toEqual([]);
  });

  async function tab(): Promise<Page> {
    if (!context || !site) throw new Error("the suite has not started");
    const page = await context.newPage();
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    await page.goto(site.url);
    return page;
  }

  it("a tab closed with unsent messages leaves them to one tab of the two opened later, which sends them once", async () => {
    if (!server) throw new Error("the suite has not started");
    const [alice, bob] = [401, 402];
    // Users exist once they have connected. A direct conversation, started from Node.
    for (const id of [alice, bob]) (await server.connect(id)).close();
    const starter = new ChatClient({ url: server.wsUrl, token: () => server?.token(alice) ?? "" });
    await starter.connect();
    const { conversationId } = await starter.send({ receiverId: bob }, "start");
    starter.close();

    const offlineUrl = `ws://127.0.0.1:${await deadPort()}/ws`;
    const base = {
      name: `chatapp:user:${alice}`,
      token: await server.token(alice),
      conversationId,
      backoff: { initialMs: 50, maxMs: 1000 },
    };

    // Tab A, offline: two sends wait in its outbox; then the tab is closed, the client never.
    const a = await tab();
    await a.evaluate(
      ({ name, token, conversationId, backoff, url }) => {
        const { storagePage } = globalThis as unknown as TabGlobals;
        const storage = storagePage.indexedDbStorage({ name });
        const client = new storagePage.ChatClient({ url, httpUrl: url.replace("ws:", "http:"), token, backoff, storage });
        client.connect().catch(() => {});
        for (const text of ["one", "two"]) client.send({ conversationId }, text).catch(() => {});
        storagePage.held.set("client", client);
      },
      { ...base, url: offlineUrl },
    );
    /** The outbox records in the shared database, as a page of this context reads them. */
    const outboxSize = (page: Page) =>
      page.evaluate(async (name) => {
        const { storagePage } = globalThis as unknown as TabGlobals;
        const look = storagePage.indexedDbStorage({ name });
        const outbox = await look.read("o:");
        await look.close();
        return outbox.length;
      }, base.name);
    await eventually(async () => (await outboxSize(a)) === 2, 5000, "tab A's two sends stored");
    await a.close();

    // Tabs B and C, online, restore at the same time: the sends are adopted by one of them.
    const [b, c] = [await tab(), await tab()];
    const restoreIn = (page: Page) =>
      page.evaluate(
        async ({ name, token, backoff, url }) => {
          const { storagePage } = globalThis as unknown as TabGlobals;
          const storage = storagePage.indexedDbStorage({ name });
          const client = new storagePage.ChatClient({ url, token, backoff, storage });
          storagePage.held.set("client", client);
          const restored = await client.restore();
          storagePage.held.set("results", Promise.all(restored.sends.map((send) => send.result)));
          return restored.sends.map((send) => send.content);
        },
        { ...base, url: server?.wsUrl ?? "" },
      );
    const [inB, inC] = await Promise.all([restoreIn(b), restoreIn(c)]);
    expect([...inB, ...inC]).toEqual(["one", "two"]);
    expect(inB.length === 0 || inC.length === 0).toBe(true);

    const connectAndSettle = (page: Page) =>
      page.evaluate(async () => {
        const { storagePage } = globalThis as unknown as TabGlobals;
        await (storagePage.held.get("client") as PageClient).connect();
        await storagePage.held.get("results");
      });
    await Promise.all([connectAndSettle(b), connectAndSettle(c)]);

    const res = await fetch(`${server.url}/api/conversations/${conversationId}/messages?limit=100`, {
      headers: { authorization: `Bearer ${base.token}` },
    });
    const messages = ((await res.json()) as ConversationMessagesResponse).messages.sort((x, y) => x.seq - y.seq);
    // Stored once each, in the order they were sent.
    expect(messages.map((m) => m.content)).toEqual(["start", "one", "two"]);
    // Answered: the outbox empties (the removal is written after the ack).
    await eventually(async () => (await outboxSize(b)) === 0, 5000, "the outbox emptied");
    for (const page of [b, c]) {
      await page.evaluate(() => {
        const { storagePage } = globalThis as unknown as TabGlobals;
        (storagePage.held.get("client") as PageClient).close();
      });
    }
  });
});
