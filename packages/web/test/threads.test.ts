import type { Page } from "playwright-core";
import { beforeAll, expect, it } from "vitest";
import { composer, exactMessage, inView, message, openConversation, scroller, send } from "./app-driver.js";
import { axe } from "./axe.js";
import { describeInBrowser } from "./browser.js";
import { directConversation, sendMany } from "./seed.js";
import { useWebSuite } from "./web-suite.js";

/**
 * Replies and threads in a real Chromium against a real server: a reply from the message menu
 * with its quote above the composer, a quote that scrolls to the original (loading older
 * history), a thread panel that posts into a thread and follows it live, a reply quoted inside
 * the thread panel, and a quote of a thread reply that opens its thread there.
 */
describeInBrowser("replies and threads in Chromium", () => {
  const suite = useWebSuite({ alice: "Alice Moreau", bob: "Bob Lee" });
  let alice: Page;

  const id = (username: string) => suite.idOf(username);
  const post = async (userId: number, conversationId: number, json: Record<string, unknown>) => {
    const res = await suite.server().http(`/api/conversations/${conversationId}/messages`, { method: "POST", userId, json });
    expect(res.status).toBe(201);
    return res.body as { id: number; seq: number };
  };
  const readAll = async (username: string, conversationId: number) => {
    const { body } = await suite.server().http(`/api/conversations/${conversationId}`, { userId: id(username) });
    await suite.server().http(`/api/conversations/${conversationId}/read`, {
      method: "POST",
      userId: id(username),
      json: { seq: body.last_seq },
    });
  };

  beforeAll(async () => {
    alice = await suite.session("alice");
  });

  it("replies from the message menu or by a swipe, with the quote above the composer; a quote scrolls to its original", async () => {
    const direct = await directConversation(suite.server(), id("bob"), id("alice"));
    const first = await post(id("bob"), direct, { content: "the very first question" });
    await sendMany(
      suite.server(),
      id("bob"),
      direct,
      Array.from({ length: 160 }, (_, i) => `filler ${i + 1}`),
    );
    await post(id("bob"), direct, { content: "did you see my first question?", reply_to: first.id });
    await readAll("alice", direct);
    await openConversation(alice, "Bob Lee");

    // The quote names the sender and the quoted text. The original is far above: not in the
    // latest page, though it may be in the SDK's cache of the latest 200 (shown until the page
    // is in), which Alice's client filled as the messages arrived.
    const reply = exactMessage(alice, "did you see my first question?");
    const quote = reply.getByRole("link", { name: /Quoted message from Bob Lee: the very first question/ });
    await quote.waitFor();
    await quote.click();
    const original = exactMessage(alice, "the very first question");
    await original.waitFor();
    await expect.poll(() => inView(scroller(alice), original)).toBe(true);
    expect(await original.getAttribute("data-highlighted")).not.toBeNull();

    // Reply from the menu: the quote shows above the composer, Cancel drops it, Escape too.
    await reply.hover();
    await reply.getByRole("button", { name: "Reply to message" }).click();
    const bar = alice.locator(".composer-reply");
    await bar.getByText("Replying to Bob Lee").waitFor();
    await alice.getByRole("button", { name: "Cancel reply" }).click();
    await bar.waitFor({ state: "detached" });
    // A touch drawn to the right on a message replies to it.
    const swiped = exactMessage(alice, "filler 160");
    const box = await swiped.locator(".bubble").boundingBox();
    if (!box) throw new Error("no bubble");
    const touch = (dx: number) => ({
      pointerType: "touch",
      pointerId: 7,
      isPrimary: true,
      clientX: box.x + dx,
      clientY: box.y + 5,
    });
    await swiped.dispatchEvent("pointerdown", touch(10));
    await swiped.dispatchEvent("pointermove", touch(90));
    await swiped.dispatchEvent("pointerup", touch(90));
    await bar.getByText("filler 160").waitFor();
    await composer(alice).press("Escape");
    await bar.waitFor({ state: "detached" });

    await reply.hover();
    await reply.getByRole("button", { name: "Reply to message" }).click();
    await bar.waitFor();
    await send(alice, "yes, answering now");
    await bar.waitFor({ state: "detached" });
    const mine = exactMessage(alice, "yes, answering now");
    await mine.getByRole("link", { name: /Quoted message from Bob Lee: did you see my first question\?/ }).waitFor();
    const { body } = await suite.server().http(`/api/conversations/${direct}/messages?limit=1`, { userId: id("bob") });
    expect(body.messages[0]).toMatchObject({ content: "yes, answering now", reply_to: { sender_id: id("bob") } });
  }, 60_000);

  it("opens a thread beside the chat, posts into it, follows replies live, and counts them on the root", async () => {
    const group = { id: await suite.group("bob", "Weekend", ["alice"]) };
    const root = await post(id("bob"), group.id, { content: "Plan for Friday?" });
    await openConversation(alice, "Weekend");
    const rootItem = exactMessage(alice, "Plan for Friday?");
    await rootItem.hover();
    await rootItem.getByRole("button", { name: "Reply in thread" }).click();
    const panel = alice.getByRole("complementary", { name: "Thread" });
    await panel.getByText("Plan for Friday?").waitFor();
    await panel.getByText("0 replies").waitFor();

    // Alice replies in the thread: it is stored with thread_root_id, and stays out of the main list.
    const threadComposer = panel.getByLabel("Thread reply", { exact: true });
    await threadComposer.fill("count me in");
    await threadComposer.press("Enter");
    await panel.getByRole("list", { name: "Thread replies" }).getByText("count me in").waitFor();
    await expect
      .poll(
        async () =>
          (await suite.server().http(`/api/conversations/${group.id}/messages?thread=${root.id}`, { userId: id("bob") })).body,
      )
      .toMatchObject({ messages: [{ content: "count me in", thread_root_id: root.id }] });

    // Bob replies over the API: live in the panel, counted on the root, not in the main list.
    await post(id("bob"), group.id, { content: "great, 8pm", thread_root_id: root.id });
    await panel.getByRole("list", { name: "Thread replies" }).getByText("great, 8pm").waitFor();
    await panel.getByText("2 replies").waitFor();
    await rootItem.getByRole("button", { name: "2 replies" }).waitFor();
    expect(await message(alice, "great, 8pm").count()).toBe(0);
    expect(await message(alice, "count me in").count()).toBe(0);

    // Closed, then opened again from the root's link: both replies, from the thread listing.
    await panel.getByRole("button", { name: "Close thread" }).click();
    await panel.waitFor({ state: "detached" });
    await rootItem.getByRole("button", { name: "2 replies" }).click();
    await panel.getByText("count me in").waitFor();
    await panel.getByText("great, 8pm").waitFor();
    // The main composer still posts to the conversation.
    await send(alice, "see you all");
    await exactMessage(alice, "see you all").waitFor();
    expect(await composer(alice).count()).toBe(1);

    // At phone width the thread is the whole screen.
    const phone = await suite.session("alice", { width: 390, height: 844 });
    await openConversation(phone, "Weekend");
    await exactMessage(phone, "Plan for Friday?").getByRole("button", { name: "2 replies" }).click();
    const phonePanel = phone.getByRole("complementary", { name: "Thread" });
    await phonePanel.getByText("great, 8pm").waitFor();
    expect(await phonePanel.boundingBox()).toMatchObject({ x: 0, y: 0, width: 390, height: 844 });
  }, 60_000);

  it("quotes a message inside the thread panel: the quote shows above the thread's composer, not the main one", async () => {
    const group = await suite.group("bob", "Hotel", ["alice"]);
    const root = await post(id("bob"), group, { content: "Where do we stay?" });
    const booked = await post(id("bob"), group, { content: "the hotel by the lake is booked", thread_root_id: root.id });
    await post(id("bob"), group, { content: "two rooms", thread_root_id: root.id });
    await openConversation(alice, "Hotel");
    await exactMessage(alice, "Where do we stay?").getByRole("button", { name: "2 replies" }).click();
    const panel = alice.getByRole("complementary", { name: "Thread" });
    const replies = panel.getByRole("list", { name: "Thread replies" });
    const quoted = replies.getByRole("article", { name: /the hotel by the lake is booked/ });
    await quoted.hover();
    await quoted.getByRole("button", { name: "Reply to message" }).click();

    // The bar is the panel's: the conversation's composer quotes nothing.
    const bar = panel.locator(".composer-reply");
    await bar.getByText("Replying to Bob Lee").waitFor();
    await bar.getByText("the hotel by the lake is booked").waitFor();
    await expect(alice.locator(".composer-reply").count()).resolves.toBe(1);
    await expect
      .poll(() => panel.getByLabel("Thread reply", { exact: true }).evaluate((el) => el === el.ownerDocument.activeElement))
      .toBe(true);
    expect(await axe(alice)).toEqual([]);

    // Escape drops it; Reply again, then the reply goes into the thread with its quote.
    const threadComposer = panel.getByLabel("Thread reply", { exact: true });
    await threadComposer.press("Escape");
    await bar.waitFor({ state: "detached" });
    await quoted.hover();
    await quoted.getByRole("button", { name: "Reply to message" }).click();
    await threadComposer.fill("which lake?");
    await threadComposer.press("Enter");
    await bar.waitFor({ state: "detached" });
    await replies
      .getByRole("article", { name: /which lake\?/ })
      .getByRole("link", { name: /Quoted message from Bob Lee: the hotel by the lake is booked/ })
      .waitFor();
    expect(await message(alice, "which lake?").count()).toBe(0);
    const { body } = await suite.server().http(`/api/conversations/${group}/messages?thread=${root.id}`, { userId: id("bob") });
    expect(body.messages.at(-1)).toMatchObject({
      content: "which lake?",
      thread_root_id: root.id,
      reply_to: { id: booked.id, sender_id: id("bob") },
    });
  }, 60_000);

  it("a quote of a thread reply opens its thread at that reply, loading older history and earlier replies", async () => {
    const group = await suite.group("bob", "Meeting point", ["alice"]);
    const root = await post(id("bob"), group, { content: "Where do we meet?" });
    const answer = await post(id("bob"), group, { content: "under the clock at the station", thread_root_id: root.id });
    // More replies than the panel's first page, and more history than the timeline's.
    for (let i = 1; i <= 105; i++) await post(id("bob"), group, { content: `thread chatter ${i}`, thread_root_id: root.id });
    await post(id("bob"), group, { content: "as I said in the thread", reply_to: answer.id });
    await sendMany(
      suite.server(),
      id("bob"),
      group,
      Array.from({ length: 20 }, (_, i) => `later ${i + 1}`),
    );
    await readAll("alice", group);
    await openConversation(alice, "Meeting point");

    const quote = exactMessage(alice, "as I said in the thread").getByRole("link", {
      name: /Quoted message from Bob Lee: under the clock at the station/,
    });
    await quote.click();
    const panel = alice.getByRole("complementary", { name: "Thread" });
    const target = panel.getByRole("article", { name: /under the clock at the station/ });
    await expect.poll(() => target.getAttribute("data-highlighted"), { timeout: 15_000 }).toBe("true");
    await panel.getByText("Where do we meet?").waitFor();
    await expect.poll(() => inView(panel.locator(".thread-scroller"), target)).toBe(true);
    // The reply stays out of the main list; the root is there, loaded with the older history.
    expect(await exactMessage(alice, "under the clock at the station").count()).toBe(0);
    await exactMessage(alice, "Where do we meet?").waitFor();
    expect(await axe(alice)).toEqual([]);
  }, 60_000);
});
