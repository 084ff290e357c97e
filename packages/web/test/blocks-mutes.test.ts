import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import { conversationLink, message, openConversation, send } from "./app-driver.js";
import { axeBothThemes } from "./axe.js";
import { describeInBrowser } from "./browser.js";
import { directConversation, sendMany } from "./seed.js";
import { useWebSuite } from "./web-suite.js";

/**
 * Blocking and muting (integrations §3) in a real Chromium against a real server: Block /
 * Unblock in a direct conversation's menu and in a group's member list, Mute (with its
 * durations) and Unmute in the conversation menu, the muted icon in the conversation list.
 */
describeInBrowser("blocks and mutes", () => {
  const suite = useWebSuite({ alice: "Alice Jones", bob: "Bob Smith", carol: "Carol Diaz" });

  const menuButton = (page: Page) => page.getByRole("button", { name: "Conversation options" });
  const openMenu = async (page: Page) => {
    await menuButton(page).click();
    await expect.poll(() => menuButton(page).getAttribute("aria-expanded")).toBe("true");
  };
  const blocksOf = async (username: string) =>
    ((await suite.server().http("/api/blocks", { userId: suite.idOf(username) })).body as { user_id: number }[]).map(
      (b) => b.user_id,
    );
  const entryOf = async (username: string, id: number) =>
    (await suite.server().http(`/api/conversations/${id}`, { userId: suite.idOf(username) })).body;

  it("blocks and unblocks from a direct conversation's menu; sends between the two are refused meanwhile", async () => {
    const id = await directConversation(suite.server(), suite.idOf("alice"), suite.idOf("bob"));
    await sendMany(suite.server(), suite.idOf("alice"), id, ["hi Bob"]);
    const bob = await suite.session("bob");
    await openConversation(bob, "Alice Jones");
    await openMenu(bob);
    await bob.getByRole("button", { name: "Block Alice Jones" }).click();
    // The menu closes and gives focus back to its button; the pane says why sending is off.
    // The click's answer (the block's request) comes first: wait for the menu to close.
    await expect.poll(() => menuButton(bob).getAttribute("aria-expanded")).toBe("false");
    await expect.poll(() => bob.evaluate("document.activeElement?.getAttribute('aria-label')")).toBe("Conversation options");
    await bob.getByText("You blocked Alice Jones. Unblock them to send messages.").waitFor();
    expect(await blocksOf("bob")).toEqual([suite.idOf("alice")]);
    const refused = await suite
      .server()
      .http(`/api/conversations/${id}/messages`, { method: "POST", userId: suite.idOf("alice"), json: { content: "hello?" } });
    expect(refused.status).toBe(403);
    // In Alice's client the send is refused with the server's words, nothing about a block.
    const alice = await suite.session("alice");
    await openConversation(alice, "Bob Smith");
    await send(alice, "are you there?");
    await message(alice, "are you there?").getByText("Not sent: you cannot send to this conversation.").waitFor();

    await openMenu(bob);
    expect(await axeBothThemes(bob, "conversation menu")).toEqual([]);
    await bob.getByRole("button", { name: "Unblock Alice Jones" }).click();
    await bob.getByText("You blocked Alice Jones.", { exact: false }).waitFor({ state: "detached" });
    expect(await blocksOf("bob")).toEqual([]);
    // A fresh page knows the block list from the server.
    await openMenu(bob);
    await bob.getByRole("button", { name: "Block Alice Jones" }).click();
    await bob.reload();
    await openConversation(bob, "Alice Jones");
    await bob.getByText("You blocked Alice Jones. Unblock them to send messages.").waitFor();
    await openMenu(bob);
    await bob.getByRole("button", { name: "Unblock Alice Jones" }).click();
    await expect.poll(() => blocksOf("bob")).toEqual([]);
  });

  it("blocks and unblocks from a group's member list; the group goes on", async () => {
    await suite.group("alice", "Book club", ["bob", "carol"]);
    const carol = await suite.session("carol");
    await openConversation(carol, "Book club");
    await carol.getByRole("button", { name: "Members" }).click();
    const panel = carol.getByRole("complementary", { name: "Group members" });
    const block = panel.getByRole("button", { name: "Block Bob Smith" });
    await block.click();
    const unblock = panel.getByRole("button", { name: "Unblock Bob Smith" });
    await expect(unblock.getAttribute("aria-pressed")).resolves.toBe("true");
    expect(await blocksOf("carol")).toEqual([suite.idOf("bob")]);
    // No Block for oneself.
    await expect(panel.getByRole("button", { name: /Block Carol/ }).count()).resolves.toBe(0);
    expect(await axeBothThemes(carol, "member list with Block")).toEqual([]);
    await unblock.click();
    await panel.getByRole("button", { name: "Block Bob Smith" }).waitFor();
    expect(await blocksOf("carol")).toEqual([]);
  });

  it("mutes for a chosen time or until turned back on, with a muted icon in the list; unmute clears it", async () => {
    const id = await suite.group("carol", "Quiet room", ["alice"]);
    const alice = await suite.session("alice");
    await openConversation(alice, "Quiet room");
    const entry = conversationLink(alice, "Quiet room");
    await expect(entry.getAttribute("data-muted")).resolves.toBeNull();

    await openMenu(alice);
    const muteGroup = alice.getByRole("group", { name: "Mute notifications" });
    for (const label of ["For 1 hour", "For 8 hours", "For 1 week", "Until I turn it back on"]) {
      await muteGroup.getByRole("button", { name: label }).waitFor();
    }
    const before = Date.now();
    await muteGroup.getByRole("button", { name: "For 1 hour" }).click();
    await entry.locator(".muted-icon").waitFor();
    await expect(entry.textContent()).resolves.toContain("muted");
    const muted = await entryOf("alice", id);
    expect(muted.muted).toBe(true);
    const until = Date.parse(muted.muted_until);
    expect(until).toBeGreaterThanOrEqual(before + 3600_000 - 5000);
    expect(until).toBeLessThanOrEqual(Date.now() + 3600_000 + 5000);

    // The menu now says until when, and offers Unmute.
    await openMenu(alice);
    await alice.getByText(/^Muted until /).waitFor();
    await alice.getByRole("button", { name: "Unmute" }).click();
    await entry.locator(".muted-icon").waitFor({ state: "detached" });
    expect(await entryOf("alice", id)).toMatchObject({ muted: false, muted_until: null });

    await openMenu(alice);
    await alice
      .getByRole("group", { name: "Mute notifications" })
      .getByRole("button", { name: "Until I turn it back on" })
      .click();
    await entry.locator(".muted-icon").waitFor();
    expect(await entryOf("alice", id)).toMatchObject({ muted: true, muted_until: null });
    // Messages still arrive and count as unread while muted (only notifications are withheld).
    await alice.goto(`${suite.server().url}/#/`);
    await sendMany(suite.server(), suite.idOf("carol"), id, ["still talking"]);
    await entry.locator(".badge", { hasText: "1" }).waitFor();
    await openConversation(alice, "Quiet room");
    await openMenu(alice);
    await alice.getByText("Muted", { exact: true }).waitFor();
    await alice.getByRole("button", { name: "Unmute" }).click();
    await entry.locator(".muted-icon").waitFor({ state: "detached" });
  });
});
