import { expect, it } from "vitest";
import { composer, conversationLink, exactMessage, message, openConversation } from "./app-driver.js";
import { axe } from "./axe.js";
import { describeInBrowser } from "./browser.js";
import { sendMany } from "./seed.js";
import { useWebSuite } from "./web-suite.js";

/**
 * Mentions and pins in a real Chromium against a real server: the `@` autocomplete of
 * members, mentions highlighted (one's own more), the unread-mention badge in the list, the
 * header's pinned messages (a click scrolls to one, or opens the thread of a thread reply;
 * each names its sender and time, and the files of a message without text) and pin/unpin in
 * the message menu.
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
    const alicePins = alice.getByRole("button", { name: "1 pinned message" });
    await alicePins.waitFor();

    // Bob gets it live (a pinned frame), opens the list and jumps to the message.
    const bobPins = bob.getByRole("button", { name: "1 pinned message" });
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

  it("the pinned list names sender and time, sums up a message of files only, and opens a pinned thread reply in its thread", async () => {
    const id = await suite.group("carol", "Documents", ["alice"]);
    const carol = suite.idOf("carol");
    const post = async (json: Record<string, unknown>) => {
      const res = await suite.server().http(`/api/conversations/${id}/messages`, { method: "POST", userId: carol, json });
      expect(res.status).toBe(201);
      return res.body as { id: number };
    };
    const form = new FormData();
    form.append("file", new Blob(["agenda, minutes and dates"], { type: "text/plain" }), "agenda.txt");
    const upload = await suite.server().http("/api/uploads", { method: "POST", userId: carol, body: form });
    expect(upload.status).toBe(201);
    const files = await post({ content: "", attachments: [upload.body.id] });
    const root = await post({ content: "Who brings what?" });
    const reply = await post({ content: "I bring the projector", thread_root_id: root.id });
    await sendMany(
      suite.server(),
      carol,
      id,
      Array.from({ length: 30 }, (_, i) => `small talk ${i}`),
    );
    for (const pinned of [files, reply]) {
      const res = await suite.server().http(`/api/conversations/${id}/pins/${pinned.id}`, { method: "PUT", userId: carol });
      expect(res.status).toBe(200);
    }

    const alice = await suite.session("alice");
    await openConversation(alice, "Documents");
    await alice.getByRole("button", { name: "2 pinned messages" }).click();
    const list = alice.getByRole("list", { name: "Pinned messages" });
    // Newest pin first: the thread reply, then the file; each with its sender and time.
    const entries = list.getByRole("button");
    await expect.poll(() => entries.count()).toBe(2);
    await expect(entries.nth(0).textContent()).resolves.toMatch(/^Carol Diaz .*I bring the projector$/);
    await expect(entries.nth(1).textContent()).resolves.toMatch(/^Carol Diaz .*📎 agenda\.txt$/);
    await expect(entries.nth(0).locator("time").getAttribute("datetime")).resolves.toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await axe(alice)).toEqual([]);

    // The thread reply is not in the main list: its thread opens at it, highlighted.
    await entries.nth(0).click();
    const panel = alice.getByRole("complementary", { name: "Thread" });
    const target = panel.getByRole("article", { name: /I bring the projector/ });
    await expect.poll(() => target.getAttribute("data-highlighted")).toBe("true");
    await panel.getByText("Who brings what?").waitFor();

    // The file's entry scrolls the main list to it.
    await alice.getByRole("button", { name: "2 pinned messages" }).click();
    await list.getByRole("button", { name: /agenda\.txt/ }).click();
    // (The message's own list of files holds list items too: the row is the .message one.)
    const fileMessage = message(alice, "agenda.txt").and(alice.locator(".message"));
    await expect.poll(() => fileMessage.getAttribute("data-highlighted")).toBe("true");
    expect(await exactMessage(alice, "I bring the projector").count()).toBe(0);
  }, 60_000);
});
