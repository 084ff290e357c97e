import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describeEachDialect, useSuite } from "@chatapp/testkit";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";

/** A web page server on 127.0.0.1 whose pages answer only when the test lets them. */
function pages() {
  const held: (() => void)[] = [];
  let holding = false;
  const served: string[] = [];
  const page = (title: string) =>
    `<html><head><title>fallback</title><meta property="og:title" content="${title}">` +
    `<meta property="og:description" content="About ${title}"><meta property="og:image" content="/img/${title}.png">` +
    "</head><body>hello</body></html>";
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const answer = () => {
      served.push(req.url ?? "");
      if (req.url?.startsWith("/untitled")) {
        res.writeHead(200, { "content-type": "text/html" }).end("<html><body>no title</body></html>");
        return;
      }
      const name = (req.url ?? "/").slice(1);
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page(name));
    };
    if (holding) held.push(answer);
    else answer();
  });
  return {
    server,
    served,
    url: (path: string) => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    hold() {
      holding = true;
    },
    release() {
      holding = false;
      for (const answer of held.splice(0)) answer();
    },
    heldCount: () => held.length,
  };
}

describeEachDialect("link previews on messages (contract §4)", (dialect) => {
  const web = pages();
  beforeAll(() => new Promise<void>((resolve) => web.server.listen(0, "127.0.0.1", resolve)));
  afterAll(() => new Promise<void>((resolve) => web.server.close(() => resolve())));
  // A test that fails while pages are held must not hold the next test's pages.
  afterEach(() => web.release());
  const suite = useSuite(dialect, { env: { LINK_PREVIEWS: "true", LINK_PREVIEW_ALLOW_PRIVATE: "true" } });
  const http = (...args: Parameters<ReturnType<typeof suite>["server"]["http"]>) => suite().server.http(...args);

  async function conversation(a: number, b: number) {
    await http("/api/me", { userId: b });
    const res = await http("/api/conversations", { method: "POST", userId: a, json: { kind: "direct", user_id: b } });
    return res.body.id as number;
  }

  it("delivers the message first, then message_updated with the previews; history carries them", async () => {
    const id = await conversation(2001, 2002);
    const bob = await suite().connect(2002);
    const alice = await suite().connect(2001);
    web.hold();
    const content = `look ${web.url("/alpha")} and ${web.url("/untitled")} and ${web.url("/alpha")}`;
    alice.send({ type: "send", conversation_id: id, content, client_id: "lp-1" });
    // The ack and the message arrive while the pages have not answered yet.
    const ack = await alice.next((f) => f.type === "ack" && f.client_id === "lp-1");
    const delivered = await bob.next((f) => f.type === "message" && f.id === ack.id);
    expect(delivered.link_previews).toBeUndefined();
    await expect.poll(() => web.heldCount(), { timeout: 5000 }).toBe(2); // distinct URLs only
    web.release();
    const updated = await bob.next((f) => f.type === "message_updated" && f.id === ack.id);
    expect(updated.content).toBe(content);
    expect(updated.edited_at).toBeUndefined();
    expect(updated.link_previews).toEqual([
      {
        url: web.url("/alpha"),
        title: "alpha",
        description: "About alpha",
        image_url: web.url("/img/alpha.png"),
      },
    ]);
    // The sender's devices hear of it too.
    await alice.next((f) => f.type === "message_updated" && f.id === ack.id);
    const history = await http(`/api/conversations/${id}/messages`, { userId: 2002 });
    expect(history.body.messages.at(-1).link_previews).toEqual(updated.link_previews);
  });

  it("gives no entry and no frame for a page without a title, and none for text without links", async () => {
    const id = await conversation(2011, 2012);
    const bob = await suite().connect(2012);
    const first = await http(`/api/conversations/${id}/messages`, {
      method: "POST",
      userId: 2011,
      json: { content: `only ${web.url("/untitled-2")}` },
    });
    await expect.poll(() => web.served.includes("/untitled-2"), { timeout: 5000 }).toBe(true);
    // A later message with a page that has a title: its update comes, the first one's never did.
    const second = await http(`/api/conversations/${id}/messages`, {
      method: "POST",
      userId: 2011,
      json: { content: `then ${web.url("/beta")}` },
    });
    await bob.next((f) => f.type === "message_updated" && f.id === second.body.id);
    expect(bob.ofType("message_updated").map((f) => f.id)).toEqual([second.body.id]);
    const history = await http(`/api/conversations/${id}/messages`, { userId: 2012 });
    expect(history.body.messages.find((m: { id: number }) => m.id === first.body.id).link_previews).toBeUndefined();
  });

  it("recomputes on an edit and drops them on a delete", async () => {
    const id = await conversation(2021, 2022);
    const bob = await suite().connect(2022);
    const sent = await http(`/api/conversations/${id}/messages`, {
      method: "POST",
      userId: 2021,
      json: { content: `see ${web.url("/gamma")}` },
    });
    await bob.next((f) => f.type === "message_updated" && f.id === sent.body.id && f.link_previews?.[0]?.title === "gamma");
    const from = bob.frames.length;
    const edited = await http(`/api/messages/${sent.body.id}`, {
      method: "PATCH",
      userId: 2021,
      json: { content: `no, see ${web.url("/delta")}` },
    });
    expect(edited.body.link_previews).toBeUndefined(); // the old text's previews are gone
    const editFrame = await bob.next((f) => f.type === "message_updated" && f.id === sent.body.id, 5000, from);
    expect(editFrame.link_previews).toBeUndefined();
    const fresh = await bob.next(
      (f) => f.type === "message_updated" && f.id === sent.body.id && f.link_previews?.[0]?.title === "delta",
      5000,
      from,
    );
    expect(fresh.edited_at).toBe(edited.body.edited_at);
    const deleted = await http(`/api/messages/${sent.body.id}`, { method: "DELETE", userId: 2021 });
    expect(deleted.body.link_previews).toBeUndefined();
    const history = await http(`/api/conversations/${id}/messages`, { userId: 2022 });
    expect(history.body.messages.at(-1)).toMatchObject({ deleted: true, content: "" });
    expect(history.body.messages.at(-1).link_previews).toBeUndefined();
  });

  it("the previews' message_updated carries the message's reactions, like every other one", async () => {
    const id = await conversation(2031, 2032);
    const bob = await suite().connect(2032);
    web.hold();
    const sent = await http(`/api/conversations/${id}/messages`, {
      method: "POST",
      userId: 2031,
      json: { content: `react first ${web.url("/epsilon")}` },
    });
    const react = (emoji: string, userId: number) =>
      http(`/api/messages/${sent.body.id}/reactions/${encodeURIComponent(emoji)}`, { method: "PUT", userId });
    expect((await react("👍", 2032)).status).toBe(200);
    expect((await react("👀", 2031)).status).toBe(200);
    web.release();
    const updated = await bob.next((f) => f.type === "message_updated" && f.id === sent.body.id);
    expect(updated.link_previews?.[0]?.title).toBe("epsilon");
    // Fanned out to every member: without `me`.
    expect(updated.reactions).toEqual([
      { emoji: "👍", count: 1 },
      { emoji: "👀", count: 1 },
    ]);
  });
});
