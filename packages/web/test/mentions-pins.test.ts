import { expect, it } from "vitest";
import { composer, conversationLink, message, openConversation } from "./app-driver.js";
import { describeInBrowser } from "./browser.js";
import { sendMany } from "./seed.js";
import { useWebSuite } from "./web-suite.js";

/**
 * Mentions and pins in a real Chromium against a real server: the `@` autocomplete of
 * members, mentions highlighted (one's own more), the unread-mention badge in the list, the
 * header's pinned messages (a click scrolls to one) and pin/unpin in the message menu.
 */
describeInBrowser("mentions and pins", () => {
  const suite = useWebSuite({ alice: "Alice Jones", bob: "Bob Smith", carol: "Carol Diaz" });

  it("the @ autocomplete suggests members and sends the picked one as a mention, highlighted for them", async () => {
    const id = await suite.group("alice", "Trip", ["bob", "carol"]);
    const alice = await suite.session("alice");
    await openConversation(alice, "Trip");
    await composer(alice).fill("see you @bo");
    const suggestions = alice.getByRole("listbox", { name: "Mention someone" });
    await suggestions.getByRole("option", { name: /Bob Smith/ }).waitFor();
    await expect(suggestions.getByRole("option", { name: /Carol/ }).count()).resolves.toBe(0);
    await composer(alice).press("Enter");
    await expect(composer(alice).inputValue()).resolves.toBe("see you @bob ");
    await composer(alice).pressSequentially("there");
    await composer(alice).press("Enter");
    await message(alice, "see you @bob there").waitFor();
    const stored = await suite.server().http(`/api/conversations/${id}/messages`, { userId: suite.idOf("alice") });
    const sent = (stored.body.messages as { content: string; mentions?: number[] }[]).find(
      (m) => m.content === "see you @bob there",
    );
    expect(sent?.mentions).toEqual([suite.idOf("bob")]);
    // Alice sees @bob highlighted, not as her own.
    await message(alice, "see you @bob there").locator(".mention:not([data-me])", { hasText: "@bob" }).waitFor();

    // Bob sees his own name highlighted more strongly, and the message marked.
    const bob = await suite.session("bob");
    await openConversation(bob, "Trip");
    const mine = message(bob, "see you @bob there");
    await mine.locator(".mention[data-me]", { hasText: "@bob" }).waitFor();
    await expect(mine.getAttribute("data-mentions-me")).resolves.toBe("true");
  });

  it("an unread mention shows an @ badge on the list entry, gone once read", async () => {
    const id = await suite.group("carol", "Plans", ["bob"]);
    await sendMany(suite.server(), suite.idOf("carol"), id, ["hello all"]);
    const bob = await suite.session("bob");
    const entry = conversationLink(bob, "Plans");
    await entry.waitFor();
    await expect(entry.locator(".mention-badge").count()).resolves.toBe(0);
    await sendMany(suite.server(), suite.idOf("carol"), id, ["@bob can you book it?"]);
    await entry.locator(".mention-badge").waitFor();
    await openConversation(bob, "Plans");
    await message(bob, "can you book it?").waitFor();
    await entry.locator(".mention-badge").waitFor({ state: "detached" });
    // The server agrees: read, so no mention left.
    await expect
      .poll(async () => (await suite.server().http(`/api/conversations/${id}`, { userId: suite.idOf("bob") })).body.mention_count)
      .toBe(0);
  });

  it("an owner pins from the message menu; members see it in the header; a click scrolls to it; unpin removes it", async () => {
    const id = await suite.group("alice", "Pinboard", ["bob"]);
    await sendMany(suite.server(), suite.idOf("bob"), id, ["the address is 12 Elm St"]);
    await sendMany(
      suite.server(),
      suite.idOf("alice"),
      id,
      Array.from({ length: 40 }, (_, i) => `filler ${i}`),
    );
    const alice = await suite.session("alice");
    const bob = await suite.session("bob");
    await openConversation(alice, "Pinboard");
    await openConversation(bob, "Pinboard");

    // Bob, a member but not an owner, has no Pin in his menu of Alice's messages.
    const bobsView = message(bob, "filler 39");
    await bobsView.hover();
    await expect(bobsView.getByRole("button", { name: "Pin message" }).count()).resolves.toBe(0);

    const target = message(alice, "the address is 12 Elm St");
    await alice.getByRole("region", { name: "Message history" }).evaluate((el) => {
      el.scrollTop = 0;
    });
    await target.waitFor();
    await target.click({ button: "right" });
    await target.getByRole("button", { name: "Pin message" }).click();
    const alicePins = alice.getByRole("button", { name: "Pinned messages (1)" });
    await alicePins.waitFor();

    // Bob gets it live (a pinned frame), opens the list and jumps to the message.
    const bobPins = bob.getByRole("button", { name: "Pinned messages (1)" });
    await bobPins.waitFor();
    await bobPins.click();
    await bob
      .getByRole("list", { name: "Pinned messages" })
      .getByRole("button", { name: /12 Elm St/ })
      .click();
    const pinned = message(bob, "the address is 12 Elm St");
    await expect.poll(() => pinned.getAttribute("data-highlighted")).toBe("true");
    await expect(pinned.isVisible()).resolves.toBe(true);

    // Unpinned from the same menu: the header's button goes for both.
    await target.click({ button: "right" });
    await target.getByRole("button", { name: "Unpin message" }).click();
    await alicePins.waitFor({ state: "detached" });
    await bobPins.waitFor({ state: "detached" });
  });
});
