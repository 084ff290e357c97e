import type { OwnerLocks, StorageAdapter } from "@chatapp/client";
import { eventually } from "@chatapp/testkit";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StorageCheck, storageChecks } from "../../client/test/storage-checks.js";
import { describeInBrowser, launchChromium } from "./browser.js";
import { startStoragePage } from "./storage-page.js";

/** What the storage page's script (storage-page.ts) puts on `globalThis`. */
interface StoragePage {
  indexedDbStorage(options: { name: string }): StorageAdapter;
  deleteIndexedDbStorage(name: string): Promise<void>;
  listIndexedDbStorages(prefix: string): Promise<string[]>;
  webLocksOwners(storeName: string): OwnerLocks;
  storageChecks: StorageCheck[];
  /** What a test keeps in a page between two `evaluate` calls. */
  held: Map<string, unknown>;
}

declare global {
  var storagePage: StoragePage;
}

/** The Web Locks a page sees (the Node program has no DOM types). */
type LockSnapshot = { held?: { name?: string }[]; pending?: { name?: string }[] };
type PageGlobals = { navigator: { locks: { query(): Promise<LockSnapshot> } } };

describeInBrowser("the SDK's browser storage: IndexedDB and Web Locks in Chromium", () => {
  let site: Awaited<ReturnType<typeof startStoragePage>> | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  const problems: string[] = [];

  beforeAll(async () => {
    site = await startStoragePage();
    browser = await launchChromium();
    context = await browser.newContext();
    context.setDefaultTimeout(10_000);
  });

  afterAll(async () => {
    await browser?.close();
    await site?.stop();
    expect(problems).toEqual([]);
  });

  /** A new tab of the one browser context: the tabs share the origin's IndexedDB and locks. */
  async function tab(inContext?: BrowserContext): Promise<Page> {
    if (!context || !site) throw new Error("the suite has not started");
    const page = await (inContext ?? context).newPage();
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    await page.goto(site.url);
    return page;
  }

  describe("every storage check, against IndexedDB", () => {
    let page: Page;
    beforeAll(async () => {
      page = await tab();
    });

    for (const [index, check] of storageChecks.entries()) {
      it(check.name, async () => {
        await page.evaluate(
          async ({ index, name, expected }) => {
            const check = storagePage.storageChecks[index];
            if (check?.name !== expected) throw new Error(`the page's check ${index} is not "${expected}"`);
            // A persistent check opens the same database again: that is IndexedDB's reopen.
            await check.run(() => Promise.resolve(storagePage.indexedDbStorage({ name })));
            await storagePage.deleteIndexedDbStorage(name);
          },
          { index, name: `check:${index}`, expected: check.name },
        );
      });
    }
  });

  it("the records survive a reload of the page, Blob and Uint8Array values included", async () => {
    const page = await tab();
    await page.evaluate(async () => {
      const store = storagePage.indexedDbStorage({ name: "reload" });
      const file = new Blob(["draft bytes"], { type: "text/plain" });
      await store.write([
        { op: "put", key: "outbox:0001", value: { content: "sent offline", file, bytes: new Uint8Array([1, 2, 3]) } },
        { op: "put", key: "cursor:7", value: 42 },
      ]);
      // No close: a tab that reloads (or crashes) never gets to close its connection.
    });
    await page.reload();
    const restored = await page.evaluate(async () => {
      const store = storagePage.indexedDbStorage({ name: "reload" });
      const records = await store.read("");
      const [, outbox] = records[1] as [string, { content: string; file: Blob; bytes: Uint8Array }];
      const restored = {
        keys: records.map(([key]) => key),
        content: outbox.content,
        file: { text: await outbox.file.text(), type: outbox.file.type },
        bytes: [...outbox.bytes],
      };
      await store.close();
      await storagePage.deleteIndexedDbStorage("reload");
      return restored;
    });
    expect(restored).toEqual({
      keys: ["cursor:7", "outbox:0001"],
      content: "sent offline",
      file: { text: "draft bytes", type: "text/plain" },
      bytes: [1, 2, 3],
    });
  });

  it("a tab deleting the database closes the other tab's connection; its next call reopens it empty", async () => {
    const [a, b] = [await tab(), await tab()];
    await a.evaluate(async () => {
      const store = storagePage.indexedDbStorage({ name: "shared" });
      await store.write([{ op: "put", key: "k:1", value: "before" }]);
      storagePage.held.set("store", store);
    });
    // A's connection stays open: the deletion resolves only because A lets go when asked.
    await b.evaluate(() => storagePage.deleteIndexedDbStorage("shared"));
    const after = await a.evaluate(async () => {
      const store = storagePage.held.get("store") as StorageAdapter;
      const emptied = await store.read("");
      await store.write([{ op: "put", key: "k:2", value: "after" }]);
      const written = await store.read("");
      await store.close();
      return { emptied, written };
    });
    expect(after).toEqual({ emptied: [], written: [["k:2", "after"]] });
    expect(await b.evaluate(() => storagePage.listIndexedDbStorages("shared"))).toEqual(["shared"]);
    await b.evaluate(() => storagePage.deleteIndexedDbStorage("shared"));
    await Promise.all([a.close(), b.close()]);
  });

  it("lists the databases whose name starts with a prefix, and deletes one", async () => {
    const page = await tab();
    const listed = await page.evaluate(async () => {
      for (const name of ["list:user:2", "list:user:1", "list:other"]) {
        const store = storagePage.indexedDbStorage({ name });
        await store.write([{ op: "put", key: "k", value: name }]);
        await store.close();
      }
      const before = await storagePage.listIndexedDbStorages("list:user:");
      await storagePage.deleteIndexedDbStorage("list:user:1");
      const after = await storagePage.listIndexedDbStorages("list:");
      for (const name of after) await storagePage.deleteIndexedDbStorage(name);
      return { before, after, left: await storagePage.listIndexedDbStorages("list:") };
    });
    expect(listed).toEqual({ before: ["list:user:1", "list:user:2"], after: ["list:other", "list:user:2"], left: [] });
    await page.close();
  });

  it("a write over the quota rejects with StorageQuotaError and keeps the records written before", async () => {
    if (!browser || !site) throw new Error("the suite has not started");
    // A context of its own: the quota override applies to the origin's storage in it.
    const own = await browser.newContext();
    try {
      const page = await tab(own);
      const cdp = await own.newCDPSession(page);
      await cdp.send("Storage.overrideQuotaForOrigin", { origin: new URL(site.url).origin, quotaSize: 1_000_000 });
      const outcome = await page.evaluate(async () => {
        const store = storagePage.indexedDbStorage({ name: "quota" });
        await store.write([{ op: "put", key: "outbox:1", value: "small" }]);
        const failure = await store
          .write([
            { op: "put", key: "outbox:2", value: "also small" },
            { op: "put", key: "outbox:3", value: new Uint8Array(4_000_000) },
          ])
          .then(
            () => undefined,
            (error: Error) => ({ name: error.name, message: error.message }),
          );
        const kept = await store.read("");
        await store.close();
        return { failure, kept };
      });
      expect(outcome.failure?.name).toBe("StorageQuotaError");
      expect(outcome.failure?.message).toMatch(/IndexedDB storage "quota" is full/);
      // The write was one transaction: its small record went with the big one.
      expect(outcome.kept).toEqual([["outbox:1", "small"]]);
    } finally {
      await own.close();
    }
  });

  describe("two tabs' owner locks (Web Locks)", () => {
    const aliveSeenBy = (page: Page, store: string, ids: string[]) =>
      page.evaluate(async ({ store, ids }) => [...(await storagePage.webLocksOwners(store).alive(ids))], { store, ids });

    it("a tab sees another tab alive while that one holds its lock, and not once it is closed", async () => {
      const [a, b] = [await tab(), await tab()];
      const start = (page: Page) =>
        page.evaluate(async () => {
          const owners = storagePage.webLocksOwners("owners");
          await owners.start();
          storagePage.held.set("owners", owners);
          return owners.id;
        });
      const [idA, idB] = [await start(a), await start(b)];
      expect(idA).toMatch(/^[0-9a-f]{32}$/);
      expect(idB).not.toBe(idA);
      expect((await aliveSeenBy(b, "owners", [idA, idB, "gone"])).sort()).toEqual([idA, idB].sort());
      // Another store's locks are other locks.
      expect(await aliveSeenBy(b, "other-store", [idA])).toEqual([]);
      await a.close();
      await eventually(async () => (await aliveSeenBy(b, "owners", [idA])).length === 0, 5000, "the closed tab's lock released");
      await b.close();
    });

    it("stop() releases the lock and start() takes it again", async () => {
      const [a, b] = [await tab(), await tab()];
      const idA = await a.evaluate(async () => {
        const owners = storagePage.webLocksOwners("restart");
        await owners.start();
        await owners.start(); // held already: no second request
        storagePage.held.set("owners", owners);
        return owners.id;
      });
      expect(await aliveSeenBy(b, "restart", [idA])).toEqual([idA]);
      await a.evaluate(() => (storagePage.held.get("owners") as OwnerLocks).stop());
      await eventually(async () => (await aliveSeenBy(b, "restart", [idA])).length === 0, 5000, "the stopped lock released");
      await a.evaluate(() => (storagePage.held.get("owners") as OwnerLocks).start());
      expect(await aliveSeenBy(b, "restart", [idA])).toEqual([idA]);
      await Promise.all([a.close(), b.close()]);
    });

    it("exclusive() runs in one tab at a time", async () => {
      const [a, b] = [await tab(), await tab()];
      // A enters and stays inside until the test lets it leave.
      await a.evaluate(() => {
        const owners = storagePage.webLocksOwners("adopt");
        let leave = () => {};
        const left = new Promise<void>((resolve) => {
          leave = resolve;
        });
        storagePage.held.set("leave", leave);
        storagePage.held.set(
          "done",
          owners.exclusive(async () => {
            storagePage.held.set("inside", true);
            await left;
            return "a";
          }),
        );
      });
      await a.waitForFunction(() => storagePage.held.get("inside") === true);
      await b.evaluate(() => {
        const owners = storagePage.webLocksOwners("adopt");
        storagePage.held.set(
          "done",
          owners.exclusive(async () => {
            storagePage.held.set("inside", true);
            return "b";
          }),
        );
      });
      // B's request waits behind A's lock, and B has not run.
      const waiting = () =>
        b.evaluate(async () => {
          const snapshot = await (globalThis as unknown as PageGlobals).navigator.locks.query();
          return (snapshot.pending ?? []).some((lock) => lock.name === "chatapp:adopt:adopt");
        });
      await eventually(waiting, 5000, "B's exclusive() queued");
      expect(await b.evaluate(() => storagePage.held.has("inside"))).toBe(false);
      await a.evaluate(() => (storagePage.held.get("leave") as () => void)());
      expect(await a.evaluate(() => storagePage.held.get("done"))).toBe("a");
      expect(await b.evaluate(() => storagePage.held.get("done"))).toBe("b");
      expect(await b.evaluate(() => storagePage.held.get("inside"))).toBe(true);
      await Promise.all([a.close(), b.close()]);
    });

    it("without Web Locks every tab is the single owner, and the storage still works", async () => {
      if (!browser) throw new Error("the suite has not started");
      const own = await browser.newContext();
      try {
        // An older browser, or a page that is not a secure context: no navigator.locks.
        await own.addInitScript(() => {
          const { navigator } = globalThis as unknown as PageGlobals;
          Object.defineProperty(Object.getPrototypeOf(navigator), "locks", { get: () => undefined });
        });
        const page = await tab(own);
        const seen = await page.evaluate(async () => {
          const store = storagePage.indexedDbStorage({ name: "no-locks" });
          const owners = store.owners as OwnerLocks;
          await owners.start();
          const alive = [...(await owners.alive(["local", "gone"]))];
          const ran = await owners.exclusive(async () => "ran");
          await store.write([{ op: "put", key: "k", value: 1 }]);
          const records = await store.read("");
          await store.close();
          return { id: owners.id, alive, ran, records };
        });
        expect(seen).toEqual({ id: "local", alive: ["local"], ran: "ran", records: [["k", 1]] });
      } finally {
        await own.close();
      }
    });
  });
});
