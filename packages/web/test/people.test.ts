import type { Locator, Page } from "playwright-core";
import { expect, it } from "vitest";
import { composer, conversationLink, logIn, message, openConversation, paneTitle } from "./app-driver.js";
import { describeInBrowser } from "./browser.js";
import { directConversation, sendMany } from "./seed.js";
import { useWebSuite } from "./web-suite.js";

/**
 * People, groups, presence and the session in a real Chromium against a real server: names
 * of former members, confirmed group actions, presence while reconnecting, the session across
 * tabs, what a removed member sees, renaming, the quick switcher and the paged list.
 * Accounts and groups are made over the HTTP API (fast); what is under test is done in the UI.
 */
describeInBrowser("people, groups, presence and the session", () => {
  const suite = useWebSuite({ alice: "Alice Jones", bob: "Bob Smith", carol: "Carol Diaz", dave: "Dave Okafor" });
  const { idOf, account, session, group } = suite;

  it("names a removed member everywhere after a reload: her messages, the system line, the list", async () => {
    const id = await group("alice", "Book club", ["bob", "carol"]);
    await sendMany(suite.server(), idOf("carol"), id, ["I finished the book"]);
    const removed = await suite.server().http(`/api/conversations/${id}/members/${idOf("carol")}`, {
      method: "DELETE",
      userId: idOf("alice"),
    });
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

  it("asks before removing or leaving, leaves focus somewhere safe, renames, and clears “Add people”", async () => {
    const id = await group("alice", "Road trip", ["bob", "carol", "dave"]);
    const memberCount = async () =>
      ((await suite.server().http(`/api/conversations/${id}`, { userId: idOf("alice") })).body as { member_count: number })
        .member_count;
    const alice = await session("alice");
    await openConversation(alice, "Road trip");
    await alice.getByRole("button", { name: "Members" }).click();
    const panel = alice.getByRole("complementary", { name: "Group members" });

    // "Remove" asks; the question has focus on "Keep", so Enter keeps the member.
    await panel.getByRole("button", { name: "Remove Bob Smith" }).click();
    await panel.getByText("Remove Bob Smith?").waitFor();
    await alice.keyboard.press("Enter");
    await panel.getByRole("button", { name: "Remove Bob Smith" }).waitFor();
    expect(await memberCount()).toBe(4);

    // Confirmed, Bob goes; focus lands on the heading, and another Enter removes nobody.
    await panel.getByRole("button", { name: "Remove Bob Smith" }).click();
    await panel.getByRole("button", { name: "Yes, remove Bob Smith" }).click();
    await panel.getByRole("heading", { name: "Members (3)" }).waitFor();
    const focused = (locator: Locator) => locator.evaluate((el) => el === el.ownerDocument.activeElement);
    await expect.poll(() => focused(panel.getByRole("heading", { name: "Members (3)" }))).toBe(true);
    await alice.keyboard.press("Enter");
    await message(alice, "You removed Bob Smith").waitFor();
    expect(await memberCount()).toBe(3);

    // Picking someone in "Add people" adds them and empties the field for the next name.
    const add = panel.getByLabel("Add people");
    await add.fill("bo");
    await panel.getByRole("button", { name: /Bob Smith/ }).click();
    await message(alice, "You added Bob Smith").waitFor();
    expect(await add.inputValue()).toBe("");
    expect(await memberCount()).toBe(4);

    // Owners rename the group from the panel.
    await panel.getByRole("button", { name: "Rename group" }).click();
    await panel.getByLabel("Group name").fill("Road trip 2026");
    await panel.getByRole("button", { name: "Save" }).click();
    await paneTitle(alice, "Road trip 2026").waitFor();
    await message(alice, "You renamed the group to “Road trip 2026”").waitFor();

    // "Leave group" asks too, with focus on "Stay".
    await panel.getByRole("button", { name: "Leave group" }).click();
    await expect.poll(() => focused(panel.getByRole("button", { name: "Stay" }))).toBe(true);
    await alice.keyboard.press("Enter");
    await panel.getByRole("button", { name: "Leave group" }).waitFor();
    expect(await memberCount()).toBe(4);
    await panel.getByRole("button", { name: "Leave group" }).click();
    await panel.getByRole("button", { name: "Leave", exact: true }).click();
    await conversationLink(alice, "Road trip 2026").waitFor({ state: "detached" });
    const left = await suite.server().http(`/api/conversations/${id}`, { userId: idOf("bob") });
    expect((left.body as { member_count: number }).member_count).toBe(3);
    await alice.context().close();
  }, 30_000);

  it("shows “last seen” for offline peers, and presence as unknown while the connection is down", async () => {
    const direct = await directConversation(suite.server(), idOf("alice"), idOf("bob"));
    await sendMany(suite.server(), idOf("bob"), direct, ["are you there?"]);
    const bob = await session("bob");
    const alice = await session("alice");
    await openConversation(alice, "Bob Smith");
    const header = alice.locator(".pane-header");
    await header.locator(".subtitle").getByText("online", { exact: true }).waitFor();

    await bob.context().close();
    await header.getByText("last seen just now").waitFor();
    await header.locator('.presence[data-presence="offline"]').waitFor();
    await openConversation(alice, "Book club");
    await alice.getByRole("button", { name: "Members" }).click();
    const bobRow = alice
      .getByRole("complementary", { name: "Group members" })
      .getByRole("listitem")
      .filter({ hasText: "Bob Smith" });
    await bobRow.getByText("last seen just now").waitFor();

    // Our own connection down: nobody's presence is known.
    await openConversation(alice, "Bob Smith");
    await suite.stopServer();
    await header.getByText("connecting…").waitFor();
    await header.locator('.presence[data-presence="unknown"]').waitFor();
    await conversationLink(alice, "Bob Smith").locator('.presence[data-presence="unknown"]').waitFor();
    await suite.restartServer();
    await header.getByText("last seen just now").waitFor({ timeout: 20_000 });
    await alice.context().close();
  }, 40_000);

  it("keeps the session in a second tab, after closing a tab, and fresh before expiry; logout and login reach every tab", async () => {
    // One person's browser: tabs share its storage. Its clock is Playwright's, to jump hours ahead.
    const context = await suite.browser().newContext({ viewport: { width: 1000, height: 700 } });
    context.setDefaultTimeout(10_000);
    await context.clock.install();
    const tab = async () => {
      const page = await context.newPage();
      await page.goto(`${suite.server().url}/`);
      return page;
    };
    const stored = async () => {
      const { origins } = await context.storageState();
      const saved = origins[0]?.localStorage.find((item) => item.name === "chatapp.session")?.value;
      return saved === undefined ? undefined : (JSON.parse(saved) as { token: string }).token;
    };
    const loggedIn = (page: Page) => page.getByRole("button", { name: "New chat" }).waitFor();
    const loggedOut = (page: Page) => page.getByRole("button", { name: "Log in", exact: true }).waitFor();

    const first = await tab();
    await logIn(first, "dave");
    const second = await tab();
    await loggedIn(second);
    await first.close();
    await second.reload();
    await loggedIn(second);

    // Half a token's life later (12 of 24 hours), a tab trades it for a fresh one, which works;
    // with two tabs open, only one of them asks.
    let refreshes = 0;
    context.on("request", (request) => {
      if (request.url().endsWith("/api/auth/refresh")) refreshes++;
    });
    const other = await tab();
    await loggedIn(other);
    const token = await stored();
    await second.clock.fastForward("12:30:00");
    await expect.poll(() => stored(), { timeout: 10_000 }).not.toBe(token);
    const fresh = await stored();
    const me = await suite.server().http("/api/me", { headers: { authorization: `Bearer ${fresh}` } });
    expect(me.body.id).toBe(idOf("dave"));

    // Logging out in one tab logs out the others; logging in does too.
    const third = await tab();
    await loggedIn(third);
    await second.getByRole("button", { name: "Log out" }).click();
    await loggedOut(third);
    await loggedOut(second);
    await logIn(third, "dave");
    await loggedIn(second);
    await loggedIn(other);
    expect(refreshes).toBe(1);
    await context.close();
  }, 40_000);

  it("tells a removed member who removed them, also after a reload", async () => {
    const id = await group("alice", "Picnic", ["carol", "bob"]);
    const carol = await session("carol");
    await openConversation(carol, "Picnic");
    const removed = await suite.server().http(`/api/conversations/${id}/members/${idOf("carol")}`, {
      method: "DELETE",
      userId: idOf("alice"),
    });
    expect(removed.status).toBe(204);
    const notice = carol.getByText(/You were removed from “Picnic” by Alice Jones/);
    await notice.waitFor();
    await conversationLink(carol, "Picnic").waitFor({ state: "detached" });
    await carol.reload();
    await notice.waitFor();

    // Added back, the group is hers again and the notice is gone.
    await suite.server().http(`/api/conversations/${id}/members`, {
      method: "POST",
      userId: idOf("alice"),
      json: { user_ids: [idOf("carol")] },
    });
    // The notice's own heading reads "Picnic" too: wait for the notice to go and the group to
    // come back to the list, not for a heading.
    await notice.waitFor({ state: "detached" });
    await conversationLink(carol, "Picnic").waitFor();
    await paneTitle(carol, "Picnic").waitFor();
    await composer(carol).waitFor();
    await carol.context().close();
  }, 30_000);

  it("pages the conversation list with infinite scroll, past the 200 it used to stop at", async () => {
    await account("erin", "Erin Park");
    for (let i = 1; i <= 210; i++) await group("erin", `Club ${String(i).padStart(3, "0")}`, []);
    // Read and delivered up to date, as someone's old conversations are: the client then
    // learns of them from the list alone (nothing to resume in them).
    type Listed = { id: number; last_seq: number; last_activity: string; members: { delivered_seq: number }[] };
    const everything = async () => {
      const first = (await suite.server().http("/api/conversations?limit=200", { userId: idOf("erin") })).body as Listed[];
      const last = first.at(-1) as Listed;
      const cursor = `before_activity=${encodeURIComponent(last.last_activity)}&before_id=${last.id}`;
      return [
        ...first,
        ...((await suite.server().http(`/api/conversations?limit=200&${cursor}`, { userId: idOf("erin") })).body as Listed[]),
      ];
    };
    for (const c of await everything()) {
      await suite
        .server()
        .http(`/api/conversations/${c.id}/read`, { method: "POST", userId: idOf("erin"), json: { seq: c.last_seq } });
    }
    await expect.poll(async () => (await everything()).every((c) => c.members[0]?.delivered_seq === c.last_seq)).toBe(true);
    const erin = await session("erin");
    const list = erin.getByRole("navigation", { name: "Conversation list" });
    await conversationLink(erin, "Club 210").waitFor();
    // The first page only, until the list is scrolled to its end.
    expect(await list.getByRole("link").count()).toBeLessThan(210);
    await expect
      .poll(
        async () => {
          await list.evaluate((el) => {
            el.scrollTop = el.scrollHeight;
          });
          return list.getByRole("link").count();
        },
        { timeout: 20_000 },
      )
      .toBe(210);
    await conversationLink(erin, "Club 001").waitFor();
    await erin.context().close();
  }, 40_000);

  it("Ctrl+K finds conversations and people, and opens them from the keyboard", async () => {
    await group("alice", "Chess club", ["bob"]);
    const alice = await session("alice");
    await conversationLink(alice, "Chess club").waitFor();
    await alice.keyboard.press("Control+k");
    const dialog = alice.getByRole("dialog", { name: "Go to a conversation or person" });
    const box = dialog.getByRole("combobox", { name: "Search people and conversations" });
    await box.fill("chess");
    await dialog.getByRole("option", { name: /Chess club/, selected: true }).waitFor();
    await box.press("Enter");
    await paneTitle(alice, "Chess club").waitFor();
    await dialog.waitFor({ state: "detached" });

    // Someone Alice has no chat with yet: found in the directory, opened as a new chat.
    await alice.keyboard.press("Control+k");
    await box.fill("okafor");
    await dialog.getByRole("option", { name: /Dave Okafor/ }).waitFor();
    await box.press("ArrowDown");
    await box.press("ArrowUp");
    await dialog.getByRole("option", { name: /Dave Okafor/, selected: true }).waitFor();
    await box.press("Enter");
    await paneTitle(alice, "Dave Okafor").waitFor();
    await conversationLink(alice, "Dave Okafor").waitFor();

    // Escape closes it, even with text typed.
    await alice.keyboard.press("Control+k");
    await box.fill("chess");
    await alice.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    await alice.context().close();

    // At phone width, with a chat open (the list, where the switcher lives, is hidden), it shows too.
    const phone = await session("alice", { width: 390, height: 844 });
    await openConversation(phone, "Chess club");
    await phone.keyboard.press("Control+k");
    const onPhone = phone.getByRole("dialog", { name: "Go to a conversation or person" });
    await onPhone.getByRole("combobox").fill("okafor");
    await onPhone.getByRole("option", { name: /Dave Okafor/ }).click();
    await paneTitle(phone, "Dave Okafor").waitFor();
    await phone.context().close();
  }, 30_000);
});
