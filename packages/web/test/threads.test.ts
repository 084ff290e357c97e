import { createTestDatabase, startServer, type TestDatabase, type TestServer } from "@chatapp/testkit";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { composer, exactMessage, inView, logIn, message, openConversation, scroller, send } from "./app-driver.js";
import { describeInBrowser, launchChromium, openPage } from "./browser.js";
import { directConversation, registerOverApi, sendMany } from "./seed.js";

/**
 * Replies and threads in a real Chromium against a real server: a reply from the message menu
 * with its quote above the composer, a quote that scrolls to the original (loading older
 * history), and a thread panel that posts into a thread and follows it live.
 */
describeInBrowser("replies and threads in Chromium", () => {
  let database: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  const people: { context: BrowserContext; page: Page; problems: string[] }[] = [];
  const ids = new Map<string, number>();
  let alice: Page;

  const open = async (viewport?: { width: number; height: number }) => {
    const person = await openPage(browser, `${server.url}/`, viewport);
    people.push(person);
    return person.page;
  };
  const id = (username: string) => ids.get(username) ?? Number.NaN;
  const post = async (userId: number, conversationId: number, json: Record<string, unknown>) => {
    const res = await server.http(`/api/conversations/${conversationId}/messages`, { method: "POST", userId, json });
    expect(res.status).toBe(201);
    return res.body as { id: number; seq: number };
  };
  const readAll = async (username: string, conversationId: number) => {
    const { body } = await server.http(`/api/conversations/${conversationId}`, { userId: id(username) });
    await server.http(`/api/conversations/${conversationId}/read`, {
      method: "POST",
      userId: id(username),
      json: { seq: body.last_seq },
    });
  };

  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    server = await startServer(database);
    browser = await launchChromium();
    for (const [username, name] of [
      ["alice", "Alice Moreau"],
      ["bob", "Bob Lee"],
    ] as const) {
      ids.set(username, await registerOverApi(server, username, name));
    }
    alice = await open();
    await logIn(alice, "alice");
  });

  afterAll(async () => {
    const problems = people.flatMap((p) => p.problems);
    await browser?.close();
    await server?.stop();
    await database?.drop();
    expect(problems).toEqual([]);
  });

  it("replies from the message menu or by a swipe, with the quote above the composer; a quote scrolls to its original", async () => {
    const direct = await directConversation(server, id("bob"), id("alice"));
    const first = await post(id("bob"), direct, { content: "the very first question" });
    await sendMany(
      server,
      id("bob"),
      direct,
      Array.from({ length: 160 }, (_, i) => `filler ${i + 1}`),
    );
    await post(id("bob"), direct, { content: "did you see my first question?", reply_to: first.id });
    await readAll("alice", direct);
    await openConversation(alice, "Bob Lee");

    // The quote names the sender and the quoted text; the original is not loaded yet.
    const reply = exactMessage(alice, "did you see my first question?");
    const quote = reply.getByRole("link", { name: /Quoted message from Bob Lee: the very first question/ });
    await quote.waitFor();
    expect(await exactMessage(alice, "the very first question").count()).toBe(0);
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
    const { body } = await server.http(`/api/conversations/${direct}/messages?limit=1`, { userId: id("bob") });
    expect(body.messages[0]).toMatchObject({ content: "yes, answering now", reply_to: { sender_id: id("bob") } });
  }, 60_000);

  it("opens a thread beside the chat, posts into it, follows replies live, and counts them on the root", async () => {
    const { body: group } = await server.http("/api/conversations", {
      method: "POST",
      userId: id("bob"),
      json: { kind: "group", title: "Weekend", member_ids: [id("alice")] },
    });
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
        async () => (await server.http(`/api/conversations/${group.id}/messages?thread=${root.id}`, { userId: id("bob") })).body,
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
    const phone = await open({ width: 390, height: 844 });
    await logIn(phone, "alice");
    await openConversation(phone, "Weekend");
    await exactMessage(phone, "Plan for Friday?").getByRole("button", { name: "2 replies" }).click();
    const phonePanel = phone.getByRole("complementary", { name: "Thread" });
    await phonePanel.getByText("great, 8pm").waitFor();
    expect(await phonePanel.boundingBox()).toMatchObject({ x: 0, y: 0, width: 390, height: 844 });
  }, 60_000);
});
