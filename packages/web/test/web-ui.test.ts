import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import {
  banner,
  composer,
  conversationLink,
  createGroup,
  exactMessage,
  message,
  openConversation,
  paneTitle,
  register,
  scroller,
  send,
  startDirectChat,
} from "./app-driver.js";
import { describeInBrowser } from "./browser.js";
import { backdate, directConversation, sendMany, userId } from "./seed.js";
import { useWebSuite } from "./web-suite.js";

/**
 * The web client in a real Chromium against a real server (SQLite in a temporary folder).
 * The steps build on each other, like a person's afternoon: one browser, a context per user.
 */
describeInBrowser("web client in Chromium", () => {
  // Nobody yet: the people register in the form, as part of the story.
  const suite = useWebSuite();
  let alice: Page;
  let bob: Page;
  let carol: Page;

  it("two people register, find each other and chat: ticks, typing, links, edits, presence", async () => {
    alice = await suite.open();
    bob = await suite.open();
    await register(alice, "alice", "Alice");
    await register(bob, "bob", "Bob");

    // Dialogs close on Escape (the native <dialog>) and open again.
    await alice.getByRole("button", { name: "New chat" }).click();
    await alice.getByRole("dialog", { name: "New chat" }).waitFor();
    await alice.keyboard.press("Escape");
    await alice.getByRole("dialog").waitFor({ state: "detached" });

    await startDirectChat(alice, "bo", "Bob");
    await send(alice, "Hello Bob, the plan is at https://example.com/plan.");
    const sent = message(alice, "Hello Bob");
    // Bob is online, so his device receives it at once: delivered, not read.
    await sent.locator('.tick[data-status="delivered"]').waitFor();

    // Bob's list shows it with an unread badge and a preview; opening it reads it.
    const item = conversationLink(bob, "Alice");
    await item.filter({ hasText: "1 unread" }).waitFor();
    expect(await item.textContent()).toContain("Hello Bob, the plan is at");
    await openConversation(bob, "Alice");
    await sent.locator('.tick[data-status="read"]').waitFor();
    expect(await item.textContent()).not.toContain("unread");

    const link = message(bob, "Hello Bob").getByRole("link", { name: "https://example.com/plan" });
    expect(await link.getAttribute("href")).toBe("https://example.com/plan");
    expect(await link.getAttribute("target")).toBe("_blank");
    expect(await link.getAttribute("rel")).toBe("noopener noreferrer");

    // Typing shows on the other side; Shift+Enter makes a new line, Enter sends.
    await composer(bob).pressSequentially("line one");
    await alice.getByText("Bob is typing…").waitFor();
    await composer(bob).press("Shift+Enter");
    await composer(bob).pressSequentially("line two");
    await composer(bob).press("Enter");
    const twoLines = message(alice, "line one");
    await twoLines.waitFor();
    expect(await twoLines.locator(".text").innerText()).toBe("line one\nline two");
    await alice.getByText("Bob is typing…").waitFor({ state: "hidden" });

    // Markup is text, not HTML.
    await send(bob, '<b>bold?</b> <img src="x" onerror="alert(1)">');
    const markup = message(alice, "<b>bold?</b>");
    await markup.waitFor();
    expect(await markup.locator("b, img").count()).toBe(0);

    // Alice edits, then deletes, her first message; Bob sees both.
    await sent.hover();
    await sent.getByRole("button", { name: "Edit message" }).click();
    const editor = sent.getByLabel("Edit message");
    await editor.fill("Hello Bob, the plan changed");
    await editor.press("Enter");
    await message(bob, "the plan changed").filter({ hasText: "edited" }).waitFor();
    const edited = message(alice, "the plan changed");
    await edited.hover();
    await edited.getByRole("button", { name: "Delete message" }).click();
    await edited.getByRole("button", { name: "Delete", exact: true }).click();
    await message(bob, "Message deleted").waitFor();
    expect(await message(bob, "the plan changed").count()).toBe(0);

    // Presence: Bob leaves the page (offline for Alice), and comes back (online) still logged in.
    const presence = alice.locator(".pane-header .presence");
    expect(await presence.getAttribute("data-presence")).toBe("online");
    await bob.goto("about:blank");
    await alice.locator('.pane-header .presence[data-presence="offline"]').waitFor();
    await bob.goto(`${suite.server().url}/`);
    await conversationLink(bob, "Alice").waitFor();
    await alice.locator('.pane-header .presence[data-presence="online"]').waitFor();
  }, 60_000);

  it("a group of three: created with members, read positions, members removed and added", async () => {
    carol = await suite.open();
    await register(carol, "carol", "Carol");
    await createGroup(alice, "Weekend trip", ["bob", "carol"]);
    await message(alice, "You created the group “Weekend trip”").waitFor();
    await send(alice, "Who is in for Saturday?");

    await conversationLink(carol, "Weekend trip").filter({ hasText: "unread" }).waitFor();
    await openConversation(carol, "Weekend trip");
    await message(carol, "Who is in for Saturday?").getByText("Alice", { exact: true }).waitFor();
    await send(carol, "Me!");
    await openConversation(bob, "Weekend trip");
    await message(bob, "Me!").waitFor();

    // Alice sees where each member has read up to.
    await message(alice, "Me!")
      .getByText(/Seen by (Bob and Carol|Carol and Bob)/)
      .waitFor();

    // Alice removes Carol: the group leaves Carol's list, Bob sees why; then she adds her back.
    await alice.getByRole("button", { name: "Members" }).click();
    const members = alice.getByRole("complementary", { name: "Group members" });
    await members.getByRole("button", { name: "Remove Carol" }).click();
    await members.getByRole("button", { name: "Yes, remove Carol" }).click();
    await conversationLink(carol, "Weekend trip").waitFor({ state: "detached" });
    await message(bob, "Alice removed Carol").waitFor();
    await members.getByLabel("Add people").fill("car");
    await members.getByRole("button", { name: /Carol/ }).click();
    await message(bob, "Alice added Carol").waitFor();
    await conversationLink(carol, "Weekend trip").waitFor();
    await openConversation(carol, "Weekend trip");
    await message(carol, "Alice added you").waitFor();
  }, 60_000);

  it("keeps history across a reload, loads older pages without moving the view, and finds old messages", async () => {
    const aliceId = await userId(suite.server(), "alice", 1);
    const bobId = await userId(suite.server(), "bob", aliceId);
    const conversationId = await directConversation(suite.server(), bobId, aliceId);
    const { body } = await suite.server().http(`/api/conversations/${conversationId}`, { userId: bobId });
    const firstSeq = (body as { last_seq: number }).last_seq + 1;
    const history = Array.from({ length: 120 }, (_, i) => (i === 2 ? "history 3 pineapple" : `history ${i + 1}`));
    await sendMany(suite.server(), bobId, conversationId, history);
    // The first 60 were written two days ago: a day separator stands between them and today.
    backdate(
      suite.sqlitePath(),
      conversationId,
      history.slice(0, 60).map((_, i) => firstSeq + i),
      2,
    );
    // Alice has read them (on another device): the conversation opens at its end.
    await suite.server().http(`/api/conversations/${conversationId}/read`, {
      method: "POST",
      userId: aliceId,
      json: { seq: firstSeq + 119 },
    });

    await openConversation(alice, "Bob");
    await alice.reload();
    await paneTitle(alice, "Bob").waitFor();
    await message(alice, "history 120").waitFor();
    expect(await alice.getByRole("button", { name: "Log in" }).count()).toBe(0);

    // Scrolled to the top, the page before loads above; what was on screen stays where it was.
    const anchor = exactMessage(alice, "history 71");
    await anchor.waitFor();
    await scroller(alice).evaluate((el) => {
      el.scrollTop = 0;
    });
    const before = (await anchor.boundingBox())?.y ?? Number.NaN;
    await exactMessage(alice, "history 21").waitFor({ state: "attached" });
    await alice.waitForTimeout(100);
    const after = (await anchor.boundingBox())?.y ?? Number.NaN;
    expect(Math.abs(after - before)).toBeLessThan(3);
    expect(await scroller(alice).evaluate((el) => el.scrollTop)).toBeGreaterThan(0);

    // Two days back: a separator between the days.
    await alice.locator(".day-separator", { hasText: "Today" }).waitFor({ state: "attached" });
    expect(await alice.locator(".day-separator").count()).toBe(2);

    // Search finds a message older than anything loaded after a fresh reload, and opens at it.
    await alice.reload();
    await message(alice, "history 120").waitFor();
    await alice.getByLabel("Search messages").fill("pineapple");
    await alice.getByRole("link", { name: /history 3 pineapple/ }).click();
    const found = message(alice, "history 3 pineapple");
    await found.and(alice.locator("[data-highlighted]")).waitFor();
    expect(await found.isVisible()).toBe(true);
    await alice.getByLabel("Search messages").fill("");
  }, 60_000);

  it("recovers from a server restart without a reload, and delivers what was written meanwhile", async () => {
    await openConversation(alice, "Bob");
    await openConversation(bob, "Alice");
    let loads = 0;
    alice.on("load", () => loads++);
    bob.on("load", () => loads++);

    await suite.stopServer();
    await banner(alice).filter({ hasText: "Reconnecting" }).waitFor();
    await banner(bob).filter({ hasText: "Reconnecting" }).waitFor();

    await send(alice, "written while the server was down");
    const pending = message(alice, "written while the server was down");
    await pending.and(alice.locator('[data-pending="sending"]')).waitFor();
    await banner(alice).filter({ hasText: "1 message will be sent" }).waitFor();

    // The same database, the same port: the pages find it again by themselves.
    await suite.restartServer();
    await banner(alice).filter({ hasText: "Back online" }).waitFor({ timeout: 20_000 });
    await pending.and(alice.locator("[data-pending]")).waitFor({ state: "detached" });
    await message(bob, "written while the server was down").waitFor();
    await send(bob, "got it after the restart");
    await message(alice, "got it after the restart").waitFor();
    await banner(alice).filter({ hasText: "Back online" }).waitFor({ state: "detached" });

    // Nothing was lost or doubled, and neither page reloaded.
    expect(await message(alice, "written while the server was down").count()).toBe(1);
    expect(await message(bob, "written while the server was down").count()).toBe(1);
    expect(await message(bob, "history 120").count()).toBe(1);
    expect(loads).toBe(0);
  }, 60_000);

  it("at phone width shows the list or the conversation, and logs in and out", async () => {
    const phone = await suite.session("carol", { width: 390, height: 740 });
    const list = phone.getByRole("navigation", { name: "Conversation list" });
    await list.waitFor();
    await openConversation(phone, "Weekend trip");
    expect(await list.isVisible()).toBe(false);
    await phone.getByRole("link", { name: "Back to conversations" }).click();
    await list.waitFor();
    expect(await paneTitle(phone, "Weekend trip").count()).toBe(0);

    await phone.getByRole("button", { name: "Log out" }).click();
    await phone.getByRole("button", { name: "Log in", exact: true }).waitFor();
    await phone.reload();
    await phone.getByRole("button", { name: "Log in", exact: true }).waitFor();
  }, 60_000);
});
