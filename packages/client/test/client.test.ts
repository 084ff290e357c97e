import { AccountDisabledError, AuthError, ChatClient, ChatClientError } from "@chatapp/client";
import { createTestDatabase, startServer, type TestDatabase, type TestServer } from "@chatapp/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testClient, waitUntil } from "./helpers.js";

const ADMIN_KEY = "client-test-admin-key-0123456789abcdefgh";

describe("ChatClient against the server", () => {
  let database: TestDatabase;
  let server: TestServer;
  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    server = await startServer(database, { env: { ADMIN_API_KEY: ADMIN_KEY } });
  });
  afterAll(async () => {
    await server.stop();
    await database.drop();
  });

  it("sends, resolves with the ack, and both sides emit the message once", async () => {
    const a = testClient(server, 1);
    const b = testClient(server, 2);
    await Promise.all([a.client.connect(), b.client.connect()]);
    expect(a.client.state).toBe("open");
    expect(a.client.userId).toBe(1);
    const ack = await a.client.send({ receiverId: 2 }, "hello");
    expect(ack).toMatchObject({ seq: 1, duplicate: false });
    await waitUntil(() => b.received.get(ack.conversationId)?.length === 1);
    expect(b.received.get(ack.conversationId)?.[0]).toMatchObject({ content: "hello", sender_id: 1, seq: 1 });
    expect(a.received.get(ack.conversationId)?.[0]).toMatchObject({ content: "hello", sender_id: 1, id: ack.id });
    const reply = await b.client.send({ conversationId: ack.conversationId }, "hi back");
    expect(reply.seq).toBe(2);
    await waitUntil(() => a.received.get(ack.conversationId)?.length === 2);
    a.client.close();
    b.client.close();
  });

  it("queues sends while offline and resends them after reconnecting, stored once", async () => {
    const a = testClient(server, 11, { backoff: { initialMs: 300, maxMs: 300 } });
    const b = testClient(server, 12);
    await Promise.all([a.client.connect(), b.client.connect()]);
    const states: string[] = [];
    a.client.on("state", (s) => states.push(s));
    a.client.disconnectAbruptly();
    await waitUntil(() => a.client.state === "reconnecting");
    const sends = [1, 2, 3].map((i) => a.client.send({ receiverId: 12 }, `offline ${i}`));
    expect(a.client.pendingSends).toBe(3);
    const acks = await Promise.all(sends);
    expect(acks.map((x) => x.seq)).toEqual([1, 2, 3]);
    expect(states).toContain("open");
    await waitUntil(() => b.received.get(acks[0]?.conversationId as number)?.length === 3);
    a.client.close();
    b.client.close();
  });

  it("resumes without gaps: a client restarted with its cursors gets exactly what it missed, in order", async () => {
    const a = testClient(server, 21);
    const b = testClient(server, 22);
    await Promise.all([a.client.connect(), b.client.connect()]);
    const first = await a.client.send({ receiverId: 22 }, "m1");
    await waitUntil(() => b.received.get(first.conversationId)?.length === 1);
    const saved = b.client.cursors();
    b.client.close();
    for (let i = 2; i <= 30; i++) await a.client.send({ receiverId: 22 }, `m${i}`);
    const again = testClient(server, 22, { cursors: saved });
    await again.client.connect();
    await waitUntil(() => again.received.get(first.conversationId)?.length === 29, 10_000, "29 missed messages");
    expect(again.received.get(first.conversationId)?.map((m) => m.content)).toEqual(
      Array.from({ length: 29 }, (_, i) => `m${i + 2}`),
    );
    a.client.close();
    again.client.close();
  });

  it("rejects a refused send with the server's code, and keeps going", async () => {
    const a = testClient(server, 31);
    await a.client.connect();
    await expect(a.client.send({ receiverId: 99999 }, "nobody")).rejects.toMatchObject({ code: "not_found" });
    await expect(a.client.send({ conversationId: 99999 }, "nowhere")).rejects.toMatchObject({ code: "forbidden" });
    await expect(a.client.send({ receiverId: 31 }, "me")).rejects.toBeInstanceOf(ChatClientError);
    a.client.close();
  });

  it("refuses a clientId with a lone surrogate at once, and the conversation goes on", async () => {
    // The server does not echo such an id, so the send would wait for an answer for good and
    // hold back every later send to the conversation.
    await server.app.chat.users.ensureExists([35, 36]);
    const a = testClient(server, 35, { sendTimeoutMs: 2000 });
    await a.client.connect();
    await expect(a.client.send({ receiverId: 36 }, "poisoned", { clientId: "q\ud800" })).rejects.toMatchObject({
      code: "invalid_frame",
    });
    await expect(a.client.send({ receiverId: 36 }, "after")).resolves.toMatchObject({ seq: 1 });
    a.client.close();
  });

  it("stops with AuthError when the token is refused", async () => {
    const bad = new ChatClient({ url: server.wsUrl, token: "not-a-token", backoff: { initialMs: 10, maxMs: 10 } });
    await expect(bad.connect()).rejects.toBeInstanceOf(AuthError);
    expect(bad.state).toBe("closed");
  });

  it("stops with AccountDisabledError when the account is banned, open or connecting", async () => {
    const ban = (method: string) =>
      fetch(`${server.url}/api/admin/users/61/ban`, { method, headers: { "x-api-key": ADMIN_KEY } }).then((r) => r.status);
    const a = testClient(server, 61);
    await a.client.connect();
    const stopped = new Promise<unknown>((resolve) => a.client.on("error", resolve));
    expect(await ban("POST")).toBe(200);
    expect(await stopped).toBeInstanceOf(AccountDisabledError);
    await waitUntil(() => a.client.state === "closed");
    // Connecting while banned: the upgrade is refused, and the client does not retry.
    const b = testClient(server, 61);
    await expect(b.client.connect()).rejects.toBeInstanceOf(AccountDisabledError);
    expect(b.client.state).toBe("closed");
    expect(await ban("DELETE")).toBe(200);
    await a.client.connect();
    expect(a.client.state).toBe("open");
    a.client.close();
  });

  it("asks the token provider again on every reconnect", async () => {
    let calls = 0;
    const a = testClient(server, 41, {
      token: () => {
        calls++;
        return server.token(41);
      },
    });
    await a.client.connect();
    a.client.disconnectAbruptly();
    await waitUntil(() => calls >= 2 && a.client.state === "open");
    a.client.close();
  });

  it("reads history and the conversation list over HTTP", async () => {
    const a = testClient(server, 51);
    await testClient(server, 52)
      .client.connect()
      .then(() => {});
    await a.client.connect();
    for (let i = 1; i <= 5; i++) await a.client.send({ receiverId: 52 }, `h${i}`);
    const [conversation] = await a.client.conversations();
    expect(conversation).toMatchObject({ last_seq: 5, kind: "direct" });
    const page = await a.client.history(conversation?.id as number, { before: 4, limit: 2 });
    expect(page.messages.map((m) => m.content)).toEqual(["h2", "h3"]);
    expect(page.has_more).toBe(true);
    a.client.close();
  });

  it("rejects pending sends with `closed` when closed", async () => {
    const a = testClient(server, 61, { backoff: { initialMs: 5000, maxMs: 5000 } });
    await a.client.connect();
    a.client.disconnectAbruptly();
    await waitUntil(() => a.client.state === "reconnecting");
    const pending = a.client.send({ receiverId: 62 }, "never");
    a.client.close();
    await expect(pending).rejects.toMatchObject({ code: "closed" });
  });

  it("marks read, relays typing, and reports receipts and status changes as events", async () => {
    const a = testClient(server, 71);
    const b = testClient(server, 72);
    await Promise.all([a.client.connect(), b.client.connect()]);
    const ack = await a.client.send({ receiverId: 72 }, "read me");
    await waitUntil(() => b.received.get(ack.conversationId)?.length === 1);

    const receipts: { user_id: number; read_seq: number }[] = [];
    a.client.on("receipt", (r) => receipts.push(r));
    b.client.markRead(ack.conversationId, ack.seq);
    await waitUntil(() => receipts.some((r) => r.user_id === 72 && r.read_seq === 1), 5000, "read receipt");

    const typing: number[] = [];
    a.client.on("typing", (t) => typing.push(t.user_id));
    b.client.typing(ack.conversationId);
    await waitUntil(() => typing.includes(72), 5000, "typing event");

    const statuses: string[] = [];
    a.client.on("status", (s) => statuses.push(`${s.user_id}:${s.status}`));
    b.client.close();
    await waitUntil(() => statuses.includes("72:offline"), 5000, "status event");
    a.client.close();
  });

  it("reacts over the socket and over HTTP; the reaction event and reactionsOf keep counts and me", async () => {
    const a = testClient(server, 81);
    const b = testClient(server, 82);
    await Promise.all([a.client.connect(), b.client.connect()]);
    const ack = await a.client.send({ receiverId: 82 }, "react here");
    const seen: string[] = [];
    b.client.on("reaction", (f) => seen.push(`${f.user_id}:${f.action}:${f.emoji}:${f.count}`));
    await a.client.react(ack.id, "👍");
    await b.client.react(ack.id, "👍");
    await waitUntil(() => seen.length === 2, 5000, "reaction events");
    expect(seen).toEqual(["81:add:👍:1", "82:add:👍:2"]);
    expect(b.client.reactionsOf(ack.conversationId, ack.id)).toEqual([{ emoji: "👍", count: 2, me: true }]);
    await a.client.unreact(ack.id, "👍");
    await waitUntil(() => seen.length === 3, 5000, "the removal");
    expect(b.client.reactionsOf(ack.conversationId, ack.id)).toEqual([{ emoji: "👍", count: 1, me: true }]);
    await waitUntil(() => a.client.reactionsOf(ack.conversationId, ack.id)[0]?.me === false, 5000, "own removal");
    // Over HTTP (HttpApi), with the answer's me.
    const answer = await a.client.api.react(ack.id, "🎉");
    expect(answer.reactions).toEqual([
      { emoji: "👍", count: 1, me: false },
      { emoji: "🎉", count: 1, me: true },
    ]);
    await expect(a.client.api.react(ack.id, "not one")).rejects.toMatchObject({ code: "invalid_request" });
    a.client.close();
    b.client.close();
  });
});
