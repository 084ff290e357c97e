import { createTestDatabase, startServer, type TestDatabase, type TestServer } from "@chatapp/testkit";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { logIn } from "./app-driver.js";
import { launchChromium, openPage, watchProblems } from "./browser.js";
import { serveAppFromBuild } from "./offline-app.js";
import { registerOverApi } from "./seed.js";

type Viewport = { width: number; height: number };

/**
 * One server (SQLite) and one Chromium for a browser suite, with the people in it: accounts
 * made over the API by username, a logged-in page per person, groups made over the API. The
 * pages' problems (page errors, CSP violations) fail the suite at its end. `env`: the server's
 * own settings for this suite.
 */
export function useWebSuite(people: Record<string, string> = {}, options: { env?: Record<string, string> } = {}) {
  let database: TestDatabase | undefined;
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  const problems: string[][] = [];
  const ids = new Map<string, number>();

  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    server = await startServer(database, { env: options.env ?? {} });
    browser = await launchChromium();
    for (const [username, displayName] of Object.entries(people)) {
      ids.set(username, await registerOverApi(server, username, displayName));
    }
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await database?.drop();
    // No page threw, and nothing broke the Content-Security-Policy (no inline code, no eval).
    expect(problems.flat()).toEqual([]);
  });

  const theServer = (): TestServer => {
    if (!server) throw new Error("the suite has not started");
    return server;
  };
  const theBrowser = (): Browser => {
    if (!browser) throw new Error("the suite has not started");
    return browser;
  };
  const idOf = (username: string): number => {
    const id = ids.get(username);
    if (id === undefined) throw new Error(`no account ${username}`);
    return id;
  };
  /** A page in a browser context of its own (one person), at the app, not logged in. */
  const open = async (viewport?: Viewport): Promise<Page> => {
    const person = await openPage(theBrowser(), `${theServer().url}/`, viewport);
    problems.push(person.problems);
    return person.page;
  };

  return {
    server: theServer,
    browser: theBrowser,
    idOf,
    open,
    /**
     * Another tab of `page`'s browser context (the same person, the same storage), at `path`.
     * `fromBuild`: the app's files come from the build, for a tab opened while the server is down.
     */
    async tab(page: Page, path = "/", options: { fromBuild?: boolean } = {}): Promise<Page> {
      const next = await page.context().newPage();
      const found: string[] = [];
      problems.push(found);
      watchProblems(next, found);
      if (options.fromBuild) await serveAppFromBuild(next, theServer().url);
      await next.goto(`${theServer().url}${path}`);
      return next;
    },
    /** A browser context of its own (one person), logged in. */
    async session(username: string, viewport?: Viewport): Promise<Page> {
      const page = await open(viewport);
      await logIn(page, username);
      return page;
    },
    /** One more account made over the API (after the suite's people); its id. */
    async account(username: string, displayName: string): Promise<number> {
      ids.set(username, await registerOverApi(theServer(), username, displayName));
      return idOf(username);
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
    /** The SQLite file, for seeding what the API cannot (old timestamps). */
    sqlitePath(): string {
      if (!database) throw new Error("the suite has not started");
      return (database.config as { path: string }).path;
    },
    /** Stops the server, keeping its database: the pages see it go away. */
    async stopServer(): Promise<void> {
      await theServer().stop();
    },
    /** Starts the server again on the same database and port, where the pages look for it. */
    async restartServer(): Promise<void> {
      const port = theServer().port;
      if (!database) throw new Error("the suite has not started");
      server = await startServer(database, { env: { ...options.env, PORT: String(port) } });
    },
  };
}
