import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../server/test/helpers/dialects.js";
import { startServer, type TestServer } from "../../server/test/helpers/server.js";
import { conversationLink, logIn, message, openConversation, PASSWORD, paneTitle } from "./app-driver.js";
import { describeInBrowser, launchChromium, openPage } from "./browser.js";
import { sendMany } from "./seed.js";

/**
 * People, groups, presence and the session in a real Chromium against a real server: names
 * of former members, confirmed group actions, presence while reconnecting, the session across
 * tabs, what a removed member sees, renaming, the quick switcher and the paged list.
 * Accounts and groups are made over the HTTP API (fast); what is under test is done in the UI.
 */
describeInBrowser("people, groups, presence and the session", () => {
  let database: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  const contexts: { context: BrowserContext; problems: string[] }[] = [];
  const ids: Record<string, number> = {};

  /** A local account made over the API; its id is kept under the username. */
  async function account(username: string, displayName: string): Promise<number> {
    const { status, body } = await server.http("/api/auth/register", {
      method: "POST",
      json: { username, password: PASSWORD, display_name: displayName },
    });
    if (status !== 201) throw new Error(`register ${username}: ${status}`);
    ids[username] = (body as { user: { id: number } }).user.id;
    return ids[username];
  }

  /** A browser context of its own (one person), logged in as `username`. */
  async function session(username: string, viewport?: { width: number; height: number }): Promise<Page> {
    const person = await openPage(browser, `${server.url}/`, viewport);
    contexts.push(person);
    await logIn(person.page, username);
    return person.page;
  }

  async function group(owner: string, title: string, members: string[]): Promise<number> {
    const { status, body } = await server.http("/api/conversations", {
      method: "POST",
      userId: ids[owner],
      json: { kind: "group", title, member_ids: members.map((m) => ids[m]) },
    });
    if (status !== 201) throw new Error(`group ${title}: ${status}`);
    return (body as { id: number }).id;
  }

  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    server = await startServer(database);
    browser = await launchChromium();
    await account("alice", "Alice Jones");
    await account("bob", "Bob Smith");
    await account("carol", "Carol Diaz");
    await account("dave", "Dave Okafor");
  });

  afterAll(async () => {
    const problems = contexts.flatMap((c) => c.problems);
    await browser?.close();
    await server?.stop();
    await database?.drop();
    expect(problems).toEqual([]);
  });

  it("names a removed member everywhere after a reload: her messages, the system line, the list", async () => {
    const id = await group("alice", "Book club", ["bob", "carol"]);
    await sendMany(server, ids.carol, id, ["I finished the book"]);
    const removed = await server.http(`/api/conversations/${id}/members/${ids.carol}`, { method: "DELETE", userId: ids.alice });
    expect(removed.status).toBe(204);

    const alice = await session("alice");
    await conversationLink(alice, "Book club").filter({ hasText: "You removed Carol Diaz" }).waitFor();
    await openConversation(alice, "Book club");
    await message(alice, "You removed Carol Diaz").waitFor();
    await message(alice, "I finished the book").getByText("Carol Diaz", { exact: true }).waitFor();
    await alice.reload();
    await paneTitle(alice, "Book club").waitFor();
    await message(alice, "I finished the book").getByText("Carol Diaz", { exact: true }).waitFor();
    await message(alice, "You removed Carol Diaz").waitFor();
    expect(await alice.getByText(/User \d+/).count()).toBe(0);
    await alice.context().close();
  }, 30_000);
});
