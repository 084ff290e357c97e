import type { Locator, Page } from "playwright-core";
import { beforeAll, expect, it } from "vitest";
import { banner, exactMessage, inView, message, openConversation, scroller, send } from "./app-driver.js";
import { describeInBrowser } from "./browser.js";
import { backdate, directConversation, sendMany } from "./seed.js";
import { useWebSuite } from "./web-suite.js";

/**
 * The message timeline in a real Chromium against a real server: long unread chats, read
 * positions, ticks across a server restart, message actions, dates and sender groups.
 */
describeInBrowser("message timeline in Chromium", () => {
  const suite = useWebSuite({ alice: "Alice Moreau", bob: "Bob Lee", carol: "Carol Diaz", dave: "Dave Okafor" });
  let alice: Page;
  let bob: Page;
  let direct: number;

  const id = (username: string) => suite.idOf(username);
  const lastSeq = async (conversationId: number) =>
    (await suite.server().http(`/api/conversations/${conversationId}`, { userId: id("alice") })).body.last_seq as number;
  const readSeq = async (username: string, conversationId: number) =>
    (await suite.server().http(`/api/conversations/${conversationId}`, { userId: id(username) })).body.read_seq as number;

  beforeAll(async () => {
    direct = await directConversation(suite.server(), id("bob"), id("alice"));
    alice = await suite.session("alice");
  });

  it("opens a long unread chat at the first unread, reads only what was on screen, and jumps to latest", async () => {
    await sendMany(
      suite.server(),
      id("bob"),
      direct,
      Array.from({ length: 220 }, (_, i) => `backlog ${i + 1}`),
    );
    const last = 220;
    await openConversation(alice, "Bob Lee");

    // The divider stands right above the first unread message, which is on screen.
    const divider = alice.getByRole("listitem").filter({ hasText: "Unread messages" });
    await divider.waitFor();
    const first = exactMessage(alice, "backlog 1");
    await expect.poll(() => inView(scroller(alice), first)).toBe(true);
    expect(await inView(scroller(alice), exactMessage(alice, "backlog 220"))).toBe(false);

    // Only what was seen is read: the cursor moves past the first unread, not to the end.
    await expect.poll(() => readSeq("alice", direct)).toBeGreaterThanOrEqual(1);
    const seen = await readSeq("alice", direct);
    expect(seen).toBeLessThan(60);

    // Scrolled up from the end: a jump-to-latest button, with a count of what arrived since.
    const jump = alice.getByRole("button", { name: /Jump to latest/ });
    await jump.waitFor();
    await sendMany(suite.server(), id("bob"), direct, ["arrived 1", "arrived 2"]);
    await jump.filter({ hasText: "2 new" }).waitFor();
    // Reading on by scrolling moves the cursor as far as was seen, never past it.
    await scroller(alice).evaluate((el) => el.scrollBy(0, el.clientHeight));
    await expect.poll(() => readSeq("alice", direct)).toBeGreaterThan(seen);
    expect(await readSeq("alice", direct)).toBeLessThan(last);

    await jump.click();
    await expect.poll(() => inView(scroller(alice), exactMessage(alice, "arrived 2"))).toBe(true);
    await expect.poll(() => readSeq("alice", direct)).toBe(last + 2);
    await jump.waitFor({ state: "detached" });
  }, 60_000);

  it("does not list a member added later, who never logged in, as having seen older messages", async () => {
    const { body: group } = await suite.server().http("/api/conversations", {
      method: "POST",
      userId: id("alice"),
      json: { kind: "group", title: "Book club", member_ids: [id("bob")] },
    });
    await sendMany(suite.server(), id("bob"), group.id, ["before Dave joined"]);
    await suite.server().http(`/api/conversations/${group.id}/members`, {
      method: "POST",
      userId: id("alice"),
      json: { user_ids: [id("dave")] },
    });
    await openConversation(alice, "Book club");
    await message(alice, "Alice added Dave").or(message(alice, "You added Dave Okafor")).first().waitFor();
    await message(alice, "before Dave joined").getByText("Seen by Bob Lee").waitFor();
    expect(await alice.locator(".readers").allTextContents()).not.toContainEqual(expect.stringContaining("Dave"));

    // Once Dave reads, he is placed where he read.
    const { body: dave } = await suite.server().http(`/api/conversations/${group.id}`, { userId: id("dave") });
    await suite.server().http(`/api/conversations/${group.id}/read`, {
      method: "POST",
      userId: id("dave"),
      json: { seq: dave.last_seq },
    });
    await alice.locator(".readers", { hasText: "Dave Okafor" }).waitFor();
  }, 30_000);

  it("turns ticks read after a server restart when the reader has the chat open", async () => {
    bob = await suite.session("bob");
    await openConversation(bob, "Alice Moreau");
    await openConversation(alice, "Bob Lee");
    await sendMany(suite.server(), id("alice"), direct, ["before the restart"]);
    await exactMessage(bob, "before the restart").waitFor();
    await exactMessage(alice, "before the restart").locator('.tick[data-status="read"]').waitFor();

    // Alice's page asks for the conversation list on reconnecting. Its answer is computed at
    // once but handed over only after Bob's read of the queued messages has reached Alice (her
    // ticks turned read): an answer older than the receipt, which must not take it back.
    const read = (text: string) => exactMessage(alice, text).locator('.tick[data-status="read"]');
    const list = /\/api\/conversations\?/;
    await alice.route(list, async (route) => {
      const response = await route.fetch();
      await read("queued while down 2")
        .waitFor({ timeout: 20_000 })
        .catch(() => undefined);
      await route.fulfill({ response });
    });

    await suite.stopServer();
    await banner(alice).filter({ hasText: "Reconnecting" }).waitFor();
    await banner(bob).filter({ hasText: "Reconnecting" }).waitFor();
    await send(alice, "queued while down 1");
    await send(alice, "queued while down 2");
    await banner(alice).filter({ hasText: "2 messages will be sent" }).waitFor();
    const listed = alice.waitForResponse(list, { timeout: 30_000 });

    await suite.restartServer();
    await exactMessage(bob, "queued while down 2").waitFor({ timeout: 20_000 });
    // Bob reported the read after the resume (he is looking at the chat)...
    await expect.poll(() => readSeq("bob", direct), { timeout: 15_000 }).toBe(await lastSeq(direct));
    // ...and Alice's ticks stay read once the late list has been applied (two frames later).
    await listed;
    await alice.evaluate("new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))");
    for (const text of ["queued while down 1", "queued while down 2"]) expect(await read(text).count()).toBe(1);
    await alice.unroute(list);
  }, 60_000);

  it("shows message actions without moving anything: hover toolbar on desktop, a menu at phone width", async () => {
    await openConversation(alice, "Bob Lee");
    await send(alice, "hover me");
    const own = exactMessage(alice, "hover me");
    await own.locator(".tick").waitFor();
    const boxes = async () =>
      alice
        .getByRole("list", { name: "Messages" })
        .getByRole("listitem")
        .evaluateAll((items) =>
          items.map((item) => {
            const r = item.getBoundingClientRect();
            return [Math.round(r.x), Math.round(r.y), Math.round(r.width), Math.round(r.height)];
          }),
        );
    const before = await boxes();
    await own.hover();
    const toolbar = own.getByRole("toolbar", { name: "Message actions" });
    await toolbar.getByRole("button", { name: "Edit message" }).waitFor();
    expect(await boxes()).toEqual(before);

    // Keyboard: focusing a message shows its actions.
    await alice.mouse.move(0, 0);
    await own.focus();
    await toolbar.getByRole("button", { name: "Delete message" }).waitFor();
    // Tab goes to the first action: the quick reactions come first, then Edit and Delete.
    await alice.keyboard.press("Tab");
    expect(
      await toolbar.getByRole("button", { name: "React with 👍" }).evaluate((b) => b === b.ownerDocument.activeElement),
    ).toBe(true);

    // At phone width: no Edit or Delete on screen until the menu of that message is opened.
    const phone = await suite.session("alice", { width: 390, height: 844 });
    await openConversation(phone, "Bob Lee");
    const phoneOwn = exactMessage(phone, "hover me");
    await phoneOwn.waitFor();
    await phoneOwn.hover();
    expect(await visibleCount(phone.getByRole("button", { name: /^(Edit|Delete) message$/ }))).toBe(0);
    // A long press (the context-menu gesture) opens them; Escape closes them again.
    const phoneEdit = phoneOwn.getByRole("button", { name: "Edit message" });
    await phoneOwn.locator(".bubble").dispatchEvent("contextmenu");
    await phoneEdit.waitFor();
    await phone.keyboard.press("Escape");
    await phoneEdit.waitFor({ state: "hidden" });
    await phoneOwn.getByRole("button", { name: "Message actions" }).click();
    await phoneOwn.getByRole("button", { name: "Delete message" }).click();
    await phoneOwn.getByRole("button", { name: "Delete", exact: true }).click();
    await exactMessage(alice, "hover me").waitFor({ state: "detached" });
    await message(alice, "Message deleted").waitFor();
  }, 45_000);

  it("shows full dates on hover, a separator for every day, and groups a sender's run under one name and avatar", async () => {
    const { body: group } = await suite.server().http("/api/conversations", {
      method: "POST",
      userId: id("alice"),
      json: { kind: "group", title: "Days", member_ids: [id("bob"), id("carol")] },
    });
    const days = [12, 3, 1, 0];
    let seq = group.last_seq as number;
    for (const daysAgo of days) {
      await sendMany(suite.server(), id("bob"), group.id, [`day ${daysAgo} a`, `day ${daysAgo} b`]);
      await sendMany(suite.server(), id("carol"), group.id, [`day ${daysAgo} c`]);
      if (daysAgo > 0) backdate(suite.sqlitePath(), group.id, [seq + 1, seq + 2, seq + 3], daysAgo);
      seq += 3;
    }
    await openConversation(alice, "Days");
    await exactMessage(alice, "day 0 c").waitFor();

    const labels = await alice.locator(".day-separator").allTextContents();
    const weekday = new Date(Date.now() - 3 * 86_400_000).toLocaleDateString("en", { weekday: "long" });
    expect(labels.slice(-3)).toEqual([weekday, "Yesterday", "Today"]);
    expect(labels.at(-4)).toMatch(new RegExp(String(new Date(Date.now() - 12 * 86_400_000).getFullYear())));

    // The full date and time, on hover and for screen readers.
    const time = exactMessage(alice, "day 12 a").locator("time");
    expect(await time.getAttribute("title")).toMatch(/\d{4}/);
    expect(await time.textContent()).toMatch(/\d{4}/);

    // Bob's two messages form one run: one name and avatar, in Bob's colour; Carol's differ.
    const a = exactMessage(alice, "day 0 a");
    const b = exactMessage(alice, "day 0 b");
    const c = exactMessage(alice, "day 0 c");
    expect(await a.locator(".sender").textContent()).toBe("Bob Lee");
    expect(await b.locator(".sender").count()).toBe(0);
    expect(await a.locator(".message-avatar .avatar-initials").count()).toBe(1);
    expect(await b.locator(".message-avatar .avatar-initials").count()).toBe(0);
    expect(await c.locator(".sender").textContent()).toBe("Carol Diaz");
    const hue = (l: Locator) => l.locator(".sender").getAttribute("data-hue");
    expect(await hue(a)).not.toBe(await hue(c));
    expect(await hue(a)).toBe(await hue(exactMessage(alice, "day 1 a")));
  }, 30_000);

  it("keeps a 600-message conversation light, and still finds an old message and pages to the start", async () => {
    const { body: group } = await suite.server().http("/api/conversations", {
      method: "POST",
      userId: id("bob"),
      json: { kind: "group", title: "Long read", member_ids: [id("alice")] },
    });
    const contents = Array.from({ length: 600 }, (_, i) => (i === 29 ? "long 30 walrus" : `long ${i + 1}`));
    await Promise.all(
      Array.from({ length: 10 }, (_, lane) =>
        sendMany(
          suite.server(),
          id("bob"),
          group.id,
          contents.filter((_, i) => i % 10 === lane),
        ),
      ),
    );
    // Alice has read it all but the last few: the list opens at the end.
    const { body } = await suite.server().http(`/api/conversations/${group.id}`, { userId: id("alice") });
    await suite.server().http(`/api/conversations/${group.id}/read`, {
      method: "POST",
      userId: id("alice"),
      json: { seq: body.last_seq },
    });
    await openConversation(alice, "Long read");
    await exactMessage(alice, "long 600").waitFor();

    // A search result far above what is loaded: loaded back to, and brought into view.
    await alice.getByLabel("Search messages").fill("walrus");
    await alice.getByRole("link", { name: /long 30 walrus/ }).click();
    const found = exactMessage(alice, "long 30 walrus");
    await found.and(alice.locator("[data-highlighted]")).waitFor();
    await expect.poll(() => inView(scroller(alice), found)).toBe(true);
    await alice.getByLabel("Search messages").fill("");

    // Scroll to the top until everything is loaded.
    await expect
      .poll(
        async () => {
          await scroller(alice).evaluate((el) => {
            el.scrollTop = 0;
          });
          return alice.getByText("This is the start of the conversation.").count();
        },
        { timeout: 30_000, interval: 200 },
      )
      .toBe(1);
    expect(await alice.locator(".message").count()).toBeLessThan(150);
  }, 60_000);
});

/** Whether an element lies (at least half) inside the scroller's visible box. */
async function visibleCount(locator: Locator): Promise<number> {
  let n = 0;
  for (const item of await locator.all()) if (await item.isVisible()) n++;
  return n;
}
