import { createTestDatabase, startServer, type TestDatabase, type TestServer } from "@chatapp/testkit";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { logIn } from "./app-driver.js";
import { launchChromium, openPage } from "./browser.js";
import { registerOverApi } from "./seed.js";

/**
 * One server (SQLite) and one Chromium for a browser suite, with the people in it: accounts
 * made over the API by username, a logged-in page per person, groups made over the API. The
 * pages' problems (page errors, CSP violations) fail the suite at its end.
 */
export function useWebSuite(people: Record<string, string>) {
  let database: TestDatabase | undefined;
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  const problems: string[][] = [];
  const ids = new Map<string, number>();

  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    server = await startServer(database);
    browser = await launchChromium();
    for (const [username, displayName] of Object.entries(people)) {
      ids.set(username, await registerOverApi(server, username, displayName));
    }
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await database?.drop();
    expect(problems.flat()).toEqual([]);
  });

  const theServer = (): TestServer => {
    if (!server) throw new Error("the suite has not started");
    return server;
  };
  const idOf = (username: string): number => {
    const id = ids.get(username);
    if (id === undefined) throw new Error(`no account ${username}`);
    return id;
  };

  return {
    server: theServer,
    idOf,
    /** A browser context of its own (one person), logged in. */
    async session(username: string): Promise<Page> {
      if (!browser) throw new Error("the suite has not started");
      const person = await openPage(browser, `${theServer().url}/`);
      problems.push(person.problems);
      await logIn(person.page, username);
      return person.page;
    },
    async group(owner: string, title: string, members: string[]): Promise<number> {
      const { status, body } = await theServer().http("/api/conversations", {
        method: "POST",
        userId: idOf(owner),
        json: { kind: "group", title, member_ids: members.map(idOf) },
      });
      if (status !== 201) throw new Error(`group ${title}: ${status}`);
      return (body as { id: number }).id;
    },
  };
}
