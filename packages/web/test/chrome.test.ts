import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createTestDatabase, startServer, type TestDatabase, type TestServer } from "@chatapp/testkit";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  composer,
  conversationLink,
  createGroup,
  exactMessage,
  message,
  openConversation,
  register,
  send,
  startDirectChat,
} from "./app-driver.js";
import { axeBothThemes } from "./axe.js";
import { describeInBrowser, launchChromium, openPage } from "./browser.js";
import { firstScreenBudget } from "./first-screen.js";
import { directConversation, sendMany, userId } from "./seed.js";

/** Sounds are counted, not played: headless Chromium has no speakers anyway. */
const COUNT_SOUNDS = `window.played = [];
HTMLMediaElement.prototype.play = function () { window.played.push(this.src); return Promise.resolve(); };`;
const played = (page: Page) => page.evaluate("window.played") as Promise<string[]>;

/**
 * The app's chrome: the composer (over-limit counter, Up-arrow editing, emoji), links, the tab
 * title, favicon badge and sound, the themes, accessibility (axe-core) and the first-screen
 * size budget. One server and one browser; a context per person.
 */
describeInBrowser("web client chrome in Chromium", () => {
  let database: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  const people: { context: BrowserContext; page: Page; problems: string[] }[] = [];
  /** Requests any page made to another origin: everything must be served by the app. */
  const foreign: string[] = [];
  let alice: Page;
  let bob: Page;

  const open = async (viewport?: { width: number; height: number }) => {
    const person = await openPage(browser, `${server.url}/`, viewport);
    person.page.on("request", (request) => {
      const url = request.url();
      if (!url.startsWith(server.url) && !url.startsWith("data:") && !url.startsWith("blob:")) foreign.push(url);
    });
    // In this page now, and in every page it loads later.
    await person.context.addInitScript(COUNT_SOUNDS);
    await person.page.evaluate(COUNT_SOUNDS);
    people.push(person);
    return person.page;
  };

  /** A page that messages link to, on this machine (the server may fetch it: LINK_PREVIEW_ALLOW_PRIVATE). */
  let pages: Server;
  const pageUrl = (path: string) => `http://127.0.0.1:${(pages.address() as AddressInfo).port}${path}`;

  beforeAll(async () => {
    pages = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(
        '<html><head><meta property="og:site_name" content="Coast Rides"><meta property="og:title" content="Sunday coast loop">' +
          '<meta property="og:description" content="62 km, mostly flat, one climb at the end."><meta property="og:image" content="/map.png"></head></html>',
      );
    });
    await new Promise<void>((resolve) => pages.listen(0, "127.0.0.1", resolve));
    database = await createTestDatabase("sqlite");
    server = await startServer(database, { env: { LINK_PREVIEWS: "true", LINK_PREVIEW_ALLOW_PRIVATE: "true" } });
    browser = await launchChromium();
  });

  afterAll(async () => {
    const problems = people.flatMap((p) => p.problems);
    await browser?.close();
    await server?.stop();
    await database?.drop();
    await new Promise((resolve) => pages?.close(resolve));
    expect(problems).toEqual([]);
    expect(foreign).toEqual([]);
  });

  it("the login screen has no serious accessibility problem, in light or dark", async () => {
    const page = await open();
    await page.getByRole("button", { name: "Log in", exact: true }).waitFor();
    expect(await axeBothThemes(page, "login")).toEqual([]);
    await page.getByRole("button", { name: "Create an account" }).click();
    await page.getByLabel("Display name").waitFor();
    expect(await axeBothThemes(page, "register")).toEqual([]);
  }, 30_000);

  it("the over-limit counter sits above the text, never over it", async () => {
    alice = await open();
    bob = await open();
    await register(alice, "alice", "Alice");
    await register(bob, "bob", "Bob");
    await startDirectChat(alice, "bo", "Bob");

    await composer(alice).fill(`${"word ".repeat(810)}end`);
    const hint = alice.getByText("characters over the limit of 4000");
    await hint.waitFor();
    const [hintBox, inputBox] = await Promise.all([hint.boundingBox(), composer(alice).boundingBox()]);
    if (!hintBox || !inputBox) throw new Error("no boxes");
    // Fully above the input, and inside the window.
    expect(hintBox.y + hintBox.height).toBeLessThanOrEqual(inputBox.y);
    expect(hintBox.y).toBeGreaterThanOrEqual(0);
    expect(await alice.getByRole("button", { name: "Send" }).isDisabled()).toBe(true);
    await composer(alice).fill("");
  }, 30_000);

  it("a bare www. address is a link to https", async () => {
    await send(alice, "the agenda is on www.example.org/agenda.");
    const link = message(bob, "the agenda is on").getByRole("link", { name: "www.example.org/agenda" });
    await openConversation(bob, "Alice");
    expect(await link.getAttribute("href")).toBe("https://www.example.org/agenda");
    expect(await link.getAttribute("rel")).toBe("noopener noreferrer");
  }, 30_000);

  it("a link's preview shows as a card under the text, loading nothing from the linked site", async () => {
    const url = pageUrl("/rides/coast-loop");
    await send(alice, `route for Sunday: ${url}`);
    await openConversation(bob, "Alice");
    // It arrives with message_updated once the server has read the page.
    const card = message(bob, "route for Sunday").getByRole("link", { name: /Sunday coast loop/ });
    await card.waitFor();
    expect(await card.getAttribute("href")).toBe(url);
    expect(await card.getAttribute("rel")).toBe("noopener noreferrer");
    expect(await card.textContent()).toContain("Coast Rides");
    expect(await card.textContent()).toContain("62 km, mostly flat");
    await message(alice, "route for Sunday")
      .getByRole("link", { name: /Sunday coast loop/ })
      .waitFor();
    // The card's colours pass in both themes (the afterAll checks no request left the app).
    expect(await axeBothThemes(bob, "link preview")).toEqual([]);
  }, 30_000);

  it("keyboard: Enter sends, Shift+Enter adds a line, Up-arrow in an empty composer edits the last message", async () => {
    await composer(alice).pressSequentially("first line");
    await composer(alice).press("Shift+Enter");
    await composer(alice).pressSequentially("second line");
    await composer(alice).press("Enter");
    await exactMessage(bob, "first line\nsecond line").waitFor();
    await send(alice, "see you at 5");
    await message(bob, "see you at 5").waitFor();
    await send(bob, "ok");
    await message(alice, "ok").waitFor();

    // Up with text in the composer moves the caret as usual; in an empty one it edits.
    await composer(alice).fill("draft");
    await composer(alice).press("ArrowUp");
    expect(await composer(alice).inputValue()).toBe("draft");
    await composer(alice).fill("");
    await composer(alice).press("ArrowUp");
    // Alice's last message, not Bob's later "ok".
    expect(await composer(alice).inputValue()).toBe("see you at 5");
    await alice.getByText("Editing message").waitFor();
    await composer(alice).press("Backspace");
    await composer(alice).pressSequentially("6");
    await composer(alice).press("Enter");
    await message(bob, "see you at 6").filter({ hasText: "edited" }).waitFor();
    expect(await composer(alice).inputValue()).toBe("");
    await alice.getByText("Editing message").waitFor({ state: "detached" });

    // Escape gives up an edit and changes nothing.
    await composer(alice).press("ArrowUp");
    expect(await composer(alice).inputValue()).toBe("see you at 6");
    await composer(alice).pressSequentially(" maybe");
    await composer(alice).press("Escape");
    expect(await composer(alice).inputValue()).toBe("");
    expect(await message(alice, "see you at 6 maybe").count()).toBe(0);
  }, 30_000);

  it("the emoji picker loads on demand, with its data from the app, and inserts at the caret", async () => {
    const scriptsBefore = await alice.evaluate(() => performance.getEntriesByType("resource").map((e) => e.name));
    expect(scriptsBefore.filter((name) => /emoji/i.test(name))).toEqual([]);

    await composer(alice).fill("hi there");
    await composer(alice).evaluate((el) => el.setSelectionRange(2, 2));
    await alice.getByRole("button", { name: "Emoji" }).click();
    const picker = alice.getByRole("dialog", { name: "Emoji picker" });
    // The picker's own search field (inside its shadow root, which locators pierce).
    const search = picker.getByRole("combobox", { name: "Search" });
    await search.waitFor();
    await search.fill("grinning face");
    await picker.getByRole("option", { name: /^😀,/ }).click();
    await picker.waitFor({ state: "detached" });
    expect(await composer(alice).inputValue()).toBe("hi😀 there");
    // Typing goes on right after the emoji.
    await composer(alice).pressSequentially("!");
    expect(await composer(alice).inputValue()).toBe("hi😀! there");

    // Escape closes the picker and puts focus back on its button.
    await alice.getByRole("button", { name: "Emoji" }).click();
    await search.waitFor();
    await alice.keyboard.press("Escape");
    await picker.waitFor({ state: "detached" });
    expect(await alice.evaluate("document.activeElement.getAttribute('aria-label')")).toBe("Emoji");
    await composer(alice).fill("");
  }, 30_000);

  it("the tab title and favicon count unread messages; the sound is off until turned on", async () => {
    const aliceId = await userId(server, "alice", 1);
    const bobId = await userId(server, "bob", aliceId);
    const direct = await directConversation(server, bobId, aliceId);
    await alice.goto(`${server.url}/#/`);
    await conversationLink(alice, "Bob").waitFor();
    expect(await alice.title()).toBe("ChatApp");

    await sendMany(server, bobId, direct, ["one", "two", "three"]);
    await expect.poll(() => alice.title()).toBe("(3) ChatApp");
    const icon = await alice.locator('link[rel="icon"]').getAttribute("href");
    expect(decodeURIComponent(icon ?? "")).toContain(">3</text>");
    // Sound is off by default: nothing played.
    expect(await played(alice)).toEqual([]);

    await alice.getByRole("button", { name: "Settings" }).click();
    const settings = alice.getByRole("dialog", { name: "Settings" });
    await settings.getByLabel("Play a sound for new messages").check();
    await alice.keyboard.press("Escape");
    await settings.waitFor({ state: "detached" });

    // A message in a conversation not on screen rings.
    await sendMany(server, bobId, direct, ["four"]);
    await expect.poll(() => alice.title()).toBe("(4) ChatApp");
    await expect.poll(() => played(alice)).toEqual([`${server.url}/sounds/message.wav`]);
    const sound = await fetch(`${server.url}/sounds/message.wav`);
    expect(sound.status).toBe(200);

    // Opening it reads everything: the plain title and icon again.
    await openConversation(alice, "Bob");
    await expect.poll(() => alice.title()).toBe("ChatApp");
    expect(decodeURIComponent((await alice.locator('link[rel="icon"]').getAttribute("href")) ?? "")).not.toContain("<text");

    // In the conversation on screen, a new message is seen, not rung (past the 1.5 s gap).
    await alice.waitForFunction(() => true, undefined, { timeout: 2000, polling: 1600 });
    await send(bob, "you are looking at this");
    await message(alice, "you are looking at this").waitFor();
    expect(await played(alice)).toHaveLength(1);
  }, 30_000);

  it("dark mode follows the system, and a choice in Settings overrides it and stays after a reload", async () => {
    const background = () => alice.evaluate("getComputedStyle(document.documentElement).backgroundColor");
    await alice.emulateMedia({ colorScheme: "light" });
    const light = await background();
    await alice.emulateMedia({ colorScheme: "dark" });
    await expect.poll(background).not.toBe(light);
    const dark = await background();

    await alice.getByRole("button", { name: "Settings" }).click();
    const settings = alice.getByRole("dialog", { name: "Settings" });
    expect(await settings.getByRole("radio", { name: "Same as the system" }).isChecked()).toBe(true);
    await settings.getByRole("radio", { name: "Light" }).check();
    expect(await background()).toBe(light);
    await alice.keyboard.press("Escape");

    await alice.reload();
    await conversationLink(alice, "Bob").waitFor();
    expect(await background()).toBe(light);
    await alice.emulateMedia({ colorScheme: "light" });
    await alice.getByRole("button", { name: "Settings" }).click();
    await settings.getByRole("radio", { name: "Dark" }).check();
    expect(await background()).toBe(dark);
    await settings.getByRole("radio", { name: "Same as the system" }).check();
    expect(await background()).toBe(light);
    await alice.keyboard.press("Escape");
  }, 30_000);

  it("the chat, group and search screens have no serious accessibility problem, in light or dark", async () => {
    const found: string[] = [];
    await openConversation(alice, "Bob");
    await message(alice, "you are looking at this").waitFor();
    found.push(...(await axeBothThemes(alice, "chat")));

    await createGroup(bob, "Book club", ["alice"]);
    await send(bob, "Chapter 3 for Thursday");
    await openConversation(alice, "Book club");
    await message(alice, "Chapter 3 for Thursday").waitFor();
    await alice.getByRole("button", { name: "Members" }).click();
    await alice.getByRole("heading", { level: 3 }).first().waitFor();
    found.push(...(await axeBothThemes(alice, "group")));

    await alice.getByLabel("Search messages").fill("chapter");
    await alice.getByRole("link", { name: /Chapter 3 for Thursday/ }).waitFor();
    found.push(...(await axeBothThemes(alice, "search")));
    await alice.getByLabel("Search messages").fill("");

    await alice.getByRole("button", { name: "Settings" }).click();
    await alice.getByRole("dialog", { name: "Settings" }).waitFor();
    found.push(...(await axeBothThemes(alice, "settings")));
    await alice.keyboard.press("Escape");

    await alice.setViewportSize({ width: 390, height: 844 });
    await alice.getByRole("link", { name: "Back to conversations" }).click();
    found.push(...(await axeBothThemes(alice, "phone list")));
    await openConversation(alice, "Bob");
    found.push(...(await axeBothThemes(alice, "phone chat")));
    await alice.setViewportSize({ width: 1000, height: 700 });
    expect(found).toEqual([]);
  }, 60_000);

  it("the first screen's JavaScript stays within 120 KB gzipped; the emoji picker and the lightbox are not part of it", () => {
    const budget = firstScreenBudget();
    expect(budget.files.length).toBeGreaterThan(0);
    expect(budget.gzipBytes).toBeLessThanOrEqual(120 * 1024);
    expect(budget.files.filter((file) => /emoji|settings-dialog|lightbox/.test(file))).toEqual([]);
  });
});
