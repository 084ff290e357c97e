import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describeEachDialect, type TestSocket, useSuite } from "@chatapp/testkit";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, expect, it } from "vitest";

// The before-send hook (contract §2) against a real hook on 127.0.0.1. The hook decides by the
// message's content, so one hook serves every test:
//   "reject:<reason>" rejects with that reason; "empty…" answers 200 with no body;
//   "slow…" never answers; "status500…" answers 500; "garbage…" answers 200 with no JSON;
//   "delay:<ms>:…" allows after <ms>; anything else is allowed with {"action":"allow"}.

const SECRET = `whsec_${Buffer.alloc(32, 9).toString("base64")}`;
const TIMEOUT_MS = 500;

interface Call {
  headers: IncomingHttpHeaders;
  raw: string;
  body: { type: string; timestamp: string; data: Record<string, unknown> };
}

function hookServer() {
  const calls: Call[] = [];
  const held: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const body = JSON.parse(raw) as Call["body"];
      calls.push({ headers: req.headers, raw, body });
      const content = String(body.data.content);
      const json = (value: unknown) => {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify(value));
      };
      if (content.startsWith("reject:")) json({ action: "reject", reason: content.slice("reject:".length) });
      else if (content.startsWith("empty")) res.writeHead(200).end();
      else if (content.startsWith("slow")) held.push(res);
      else if (content.startsWith("status500")) res.writeHead(500).end('{"action":"allow"}');
      else if (content.startsWith("garbage")) res.writeHead(200).end("<html>ok</html>");
      else if (content.startsWith("delay:")) setTimeout(() => json({ action: "allow" }), Number(content.split(":")[1]));
      else json({ action: "allow" });
    });
  });
  return {
    calls,
    callsFor: (content: string) => calls.filter((c) => c.body.data.content === content),
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    start: () => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve)),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const res of held.splice(0)) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 where nothing listens (a refused connection). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

type Suite = ReturnType<ReturnType<typeof useSuite>>;

function helpers(suite: () => Suite) {
  const http = (...args: Parameters<Suite["server"]["http"]>) => suite().server.http(...args);
  return {
    http,
    async direct(a: number, b: number): Promise<number> {
      await http("/api/me", { userId: b });
      const res = await http("/api/conversations", { method: "POST", userId: a, json: { kind: "direct", user_id: b } });
      return res.body.id as number;
    },
    async contents(conversationId: number, userId: number): Promise<string[]> {
      const res = await http(`/api/conversations/${conversationId}/messages`, { userId });
      return (res.body.messages as { content: string }[]).map((m) => m.content);
    },
    /** Sends an allowed marker and waits for `reader` to get it: whatever came before did too. */
    async settle(sender: TestSocket, reader: TestSocket, conversationId: number, marker: string): Promise<void> {
      sender.send({ type: "send", conversation_id: conversationId, content: marker, client_id: marker });
      await reader.next((f) => f.type === "message" && f.content === marker);
    },
  };
}

describeEachDialect("before-send hook, BEFORE_SEND_FAILURE=allow (contract §2)", (dialect) => {
  const hook = hookServer();
  beforeAll(() => hook.start());
  afterAll(() => hook.stop());
  const suite = useSuite(dialect, {
    configure: (config) => {
      config.beforeSend = { url: hook.url(), secret: SECRET, timeoutMs: TIMEOUT_MS, failure: "allow" };
    },
  });
  const { http, direct, contents, settle } = helpers(suite);

  it("posts each send first, signed like a webhook, with exactly the contract's body", async () => {
    const id = await direct(5001, 5002);
    const alice = await suite().connect(5001);
    alice.send({ type: "send", conversation_id: id, content: "hello hook", client_id: "bs-1" });
    const ack = await alice.next((f) => f.type === "ack" && f.client_id === "bs-1");
    const [call] = hook.callsFor("hello hook");
    expect(call).toBeDefined();
    const { headers, raw, body } = call as Call;
    expect(headers["content-type"]).toBe("application/json");
    expect(headers["user-agent"]).toMatch(/^ChatApp\/\S+ \(before-send hook\)$/);
    // The receiver verifies it with the standardwebhooks library, on the exact bytes.
    const verified = new Webhook(SECRET).verify(raw, {
      "webhook-id": String(headers["webhook-id"]),
      "webhook-timestamp": String(headers["webhook-timestamp"]),
      "webhook-signature": String(headers["webhook-signature"]),
    });
    expect(verified).toEqual(body);
    expect(Object.keys(body)).toEqual(["type", "timestamp", "data"]);
    expect(body.type).toBe("message.before_send");
    expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(body.data).toEqual({
      conversation_id: id,
      sender_id: 5001,
      content: "hello hook",
      receiver_id: 5002,
      client_id: "bs-1",
    });
    // A wrong secret does not verify.
    expect(() =>
      new Webhook(`whsec_${Buffer.alloc(32, 1).toString("base64")}`).verify(raw, {
        "webhook-id": String(headers["webhook-id"]),
        "webhook-timestamp": String(headers["webhook-timestamp"]),
        "webhook-signature": String(headers["webhook-signature"]),
      }),
    ).toThrow();
    expect(ack.seq).toBeGreaterThan(0);
    // Each call has its own webhook-id.
    alice.send({ type: "send", conversation_id: id, content: "hello again", client_id: "bs-2" });
    await alice.next((f) => f.type === "ack" && f.client_id === "bs-2");
    expect(hook.callsFor("hello again")[0]?.headers["webhook-id"]).not.toBe(headers["webhook-id"]);
  });

  it("stores and delivers what the hook allows, also with an empty 2xx body; HTTP sends too", async () => {
    const id = await direct(5011, 5012);
    const bob = await suite().connect(5012);
    const alice = await suite().connect(5011);
    alice.send({ type: "send", conversation_id: id, content: "allowed", client_id: "a-1" });
    alice.send({ type: "send", conversation_id: id, content: "empty body allows", client_id: "a-2" });
    await bob.next((f) => f.type === "message" && f.content === "allowed");
    await bob.next((f) => f.type === "message" && f.content === "empty body allows");
    const res = await http(`/api/conversations/${id}/messages`, {
      method: "POST",
      userId: 5011,
      json: { content: "empty over http", client_id: "a-3" },
    });
    expect(res.status).toBe(201);
    await bob.next((f) => f.type === "message" && f.content === "empty over http");
    expect(hook.callsFor("empty over http")).toHaveLength(1);
    // A group send names no receiver.
    const group = await http("/api/conversations", {
      method: "POST",
      userId: 5011,
      json: { kind: "group", title: "g", member_ids: [5012] },
    });
    expect(group.status).toBe(201);
    alice.send({ type: "send", conversation_id: group.body.id, content: "to the group", client_id: "a-4" });
    await bob.next((f) => f.type === "message" && f.content === "to the group");
    expect(hook.callsFor("to the group")[0]?.body.data).toEqual({
      conversation_id: group.body.id,
      sender_id: 5011,
      content: "to the group",
      client_id: "a-4",
    });
  });

  it("rejects over the socket with the reason and client_id: nothing stored, nothing delivered", async () => {
    const id = await direct(5021, 5022);
    const bob = await suite().connect(5022);
    const alice = await suite().connect(5021);
    alice.send({ type: "send", conversation_id: id, content: "reject:no links please", client_id: "r-1" });
    const error = await alice.next((f) => f.type === "error" && f.client_id === "r-1");
    expect(error).toEqual({ type: "error", code: "rejected", message: "no links please", client_id: "r-1" });
    await settle(alice, bob, id, "after the rejection");
    expect(bob.frames.some((f) => f.type === "message" && String(f.content).startsWith("reject:"))).toBe(false);
    expect(alice.frames.some((f) => f.type === "ack" && f.client_id === "r-1")).toBe(false);
    expect(await contents(id, 5022)).toEqual(["after the rejection"]);
    // Sent again, it is asked again (it was never stored).
    alice.send({ type: "send", conversation_id: id, content: "reject:no links please", client_id: "r-1" });
    await alice.next((f) => f.type === "error" && f.client_id === "r-1", 5000, alice.frames.indexOf(error) + 1);
    expect(hook.callsFor("reject:no links please")).toHaveLength(2);
  });

  it("rejects over HTTP with 422 rejected: nothing stored, nothing delivered", async () => {
    const id = await direct(5031, 5032);
    const bob = await suite().connect(5032);
    const res = await http(`/api/conversations/${id}/messages`, {
      method: "POST",
      userId: 5031,
      json: { content: "reject:spam", client_id: "h-1" },
    });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ error: { code: "rejected", message: "spam" } });
    const alice = await suite().connect(5031);
    await settle(alice, bob, id, "marker");
    expect(bob.frames.filter((f) => f.type === "message").map((f) => f.content)).toEqual(["marker"]);
    expect(await contents(id, 5031)).toEqual(["marker"]);
  });

  it("a rejected edit leaves the message unchanged; an allowed one goes through", async () => {
    const id = await direct(5041, 5042);
    const bob = await suite().connect(5042);
    const sent = await http(`/api/conversations/${id}/messages`, {
      method: "POST",
      userId: 5041,
      json: { content: "original", client_id: "e-1" },
    });
    expect(sent.status).toBe(201);
    const refused = await http(`/api/messages/${sent.body.id}`, {
      method: "PATCH",
      userId: 5041,
      json: { content: "reject:edits are closed" },
    });
    expect(refused.status).toBe(422);
    expect(refused.body).toEqual({ error: { code: "rejected", message: "edits are closed" } });
    const [call] = hook.callsFor("reject:edits are closed");
    expect(call?.body.data).toEqual({
      conversation_id: id,
      sender_id: 5041,
      content: "reject:edits are closed",
      receiver_id: 5042,
      message_id: sent.body.id,
    });
    expect(await contents(id, 5042)).toEqual(["original"]);
    const history = await http(`/api/conversations/${id}/messages`, { userId: 5042 });
    expect(history.body.messages[0].edited_at).toBeUndefined();
    const edited = await http(`/api/messages/${sent.body.id}`, { method: "PATCH", userId: 5041, json: { content: "better" } });
    expect(edited.status).toBe(200);
    expect(edited.body.content).toBe("better");
    const updated = await bob.next((f) => f.type === "message_updated");
    expect(updated.content).toBe("better");
    expect(bob.frames.filter((f) => f.type === "message_updated")).toHaveLength(1);
  });

  it("a hook that does not answer in time, answers 500 or answers nonsense: stored, not waiting past the timeout", async () => {
    const id = await direct(5051, 5052);
    const bob = await suite().connect(5052);
    const alice = await suite().connect(5051);
    const started = Date.now();
    alice.send({ type: "send", conversation_id: id, content: "slow one", client_id: "t-1" });
    await alice.next((f) => f.type === "ack" && f.client_id === "t-1");
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 1500);
    await bob.next((f) => f.type === "message" && f.content === "slow one");
    const res = await http(`/api/conversations/${id}/messages`, {
      method: "POST",
      userId: 5051,
      json: { content: "status500 over http", client_id: "t-2" },
    });
    expect(res.status).toBe(201);
    alice.send({ type: "send", conversation_id: id, content: "garbage answer", client_id: "t-3" });
    await alice.next((f) => f.type === "ack" && f.client_id === "t-3");
    expect(await contents(id, 5052)).toEqual(["slow one", "status500 over http", "garbage answer"]);
  });

  it("does not ask again for a repeated client_id already stored", async () => {
    const id = await direct(5061, 5062);
    const alice = await suite().connect(5061);
    alice.send({ type: "send", conversation_id: id, content: "once only", client_id: "d-1" });
    const first = await alice.next((f) => f.type === "ack" && f.client_id === "d-1");
    alice.send({ type: "send", conversation_id: id, content: "once only", client_id: "d-1" });
    const again = await alice.next((f) => f.type === "ack" && f.client_id === "d-1" && f.duplicate === true);
    expect(again.id).toBe(first.id);
    const viaHttp = await http(`/api/conversations/${id}/messages`, {
      method: "POST",
      userId: 5061,
      json: { content: "once only", client_id: "d-1" },
    });
    expect(viaHttp.status).toBe(200);
    expect(hook.callsFor("once only")).toHaveLength(1);
  });

  it("keeps a connection's order when the hook answers out of order", async () => {
    const id = await direct(5071, 5072);
    const bob = await suite().connect(5072);
    const alice = await suite().connect(5071);
    const sends = ["delay:300:first", "delay:150:second", "reject:third is refused", "delay:1:fourth", "fifth"];
    sends.forEach((content, i) => {
      alice.send({ type: "send", conversation_id: id, content, client_id: `o-${i}` });
    });
    await bob.next((f) => f.type === "message" && f.content === "fifth");
    const kept = sends.filter((s) => !s.startsWith("reject:"));
    expect(await contents(id, 5072)).toEqual(kept);
    expect(bob.frames.filter((f) => f.type === "message").map((f) => f.content)).toEqual(kept);
    const acks = alice.frames.filter((f) => f.type === "ack");
    expect(acks.map((f) => f.client_id)).toEqual(["o-0", "o-1", "o-3", "o-4"]);
    const seqs = acks.map((f) => f.seq as number);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    // The hook was asked for all of them side by side: the fourth's answer came back first.
    expect(hook.calls.findIndex((c) => c.body.data.content === "delay:1:fourth")).toBeGreaterThan(
      hook.calls.findIndex((c) => c.body.data.content === "delay:300:first"),
    );
  });

  it("measures the hook's latency in /metrics", async () => {
    const res = await fetch(`${suite().server.url}/metrics`);
    const text = await res.text();
    expect(text).toMatch(/chatapp_before_send_duration_seconds_count\{outcome="allow"\} [1-9]/);
    expect(text).toMatch(/chatapp_before_send_duration_seconds_count\{outcome="reject"\} [1-9]/);
    expect(text).toMatch(/chatapp_before_send_duration_seconds_count\{outcome="failure"\} [1-9]/);
  });
});

describeEachDialect("before-send hook, BEFORE_SEND_FAILURE=reject (contract §2)", (dialect) => {
  const hook = hookServer();
  beforeAll(() => hook.start());
  afterAll(() => hook.stop());
  const suite = useSuite(dialect, {
    configure: (config) => {
      config.beforeSend = { url: hook.url(), secret: SECRET, timeoutMs: TIMEOUT_MS, failure: "reject" };
    },
  });
  const { http, direct, contents, settle } = helpers(suite);

  it("a timeout refuses the send: socket unavailable, HTTP 503, nothing stored or delivered", async () => {
    const id = await direct(5101, 5102);
    const bob = await suite().connect(5102);
    const alice = await suite().connect(5101);
    const started = Date.now();
    alice.send({ type: "send", conversation_id: id, content: "slow and refused", client_id: "u-1" });
    const error = await alice.next((f) => f.type === "error" && f.client_id === "u-1");
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1500);
    expect(error.code).toBe("unavailable");
    const res = await http(`/api/conversations/${id}/messages`, {
      method: "POST",
      userId: 5101,
      json: { content: "slow over http", client_id: "u-2" },
    });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("unavailable");
    await settle(alice, bob, id, "marker");
    expect(await contents(id, 5102)).toEqual(["marker"]);
    expect(bob.frames.filter((f) => f.type === "message").map((f) => f.content)).toEqual(["marker"]);
  });

  it("a non-2xx answer refuses the send, and a retry with the same client_id is stored once the hook allows", async () => {
    const id = await direct(5111, 5112);
    const res = await http(`/api/conversations/${id}/messages`, {
      method: "POST",
      userId: 5111,
      json: { content: "status500 first", client_id: "v-1" },
    });
    expect(res.status).toBe(503);
    expect(await contents(id, 5111)).toEqual([]);
    // The client retries with the same client_id; this time the hook allows.
    const retry = await http(`/api/conversations/${id}/messages`, {
      method: "POST",
      userId: 5111,
      json: { content: "allowed on retry", client_id: "v-1" },
    });
    expect(retry.status).toBe(201);
    expect(await contents(id, 5111)).toEqual(["allowed on retry"]);
  });

  it("an edit whose hook fails is refused with 503 and leaves the message unchanged", async () => {
    const id = await direct(5121, 5122);
    const sent = await http(`/api/conversations/${id}/messages`, {
      method: "POST",
      userId: 5121,
      json: { content: "keep me", client_id: "w-1" },
    });
    const refused = await http(`/api/messages/${sent.body.id}`, {
      method: "PATCH",
      userId: 5121,
      json: { content: "status500 edit" },
    });
    expect(refused.status).toBe(503);
    expect(await contents(id, 5121)).toEqual(["keep me"]);
  });
});

describeEachDialect("before-send hook that refuses connections (contract §2)", (dialect) => {
  let port = 0;
  beforeAll(async () => {
    port = await closedPort();
  });
  const suite = useSuite(dialect, {
    configure: (config) => {
      // A long timeout: the refusal must come from the refused connection, at once.
      config.beforeSend = { url: `http://127.0.0.1:${port}/hook`, secret: SECRET, timeoutMs: 5000, failure: "reject" };
    },
  });
  const { http, direct, contents } = helpers(suite);

  it("no connection with BEFORE_SEND_FAILURE=reject: socket unavailable, HTTP 503, nothing stored", async () => {
    const id = await direct(5201, 5202);
    const alice = await suite().connect(5201);
    const started = Date.now();
    alice.send({ type: "send", conversation_id: id, content: "nobody listens", client_id: "x-1" });
    const error = await alice.next((f) => f.type === "error" && f.client_id === "x-1");
    expect(error.code).toBe("unavailable");
    // Refused at once, not after the 5 s timeout.
    expect(Date.now() - started).toBeLessThan(2500);
    const res = await http(`/api/conversations/${id}/messages`, {
      method: "POST",
      userId: 5201,
      json: { content: "nobody listens", client_id: "x-2" },
    });
    expect(res.status).toBe(503);
    expect(res.body.error).toEqual({
      code: "unavailable",
      message: "the before-send hook did not answer: nothing was stored, retry later",
    });
    expect(await contents(id, 5202)).toEqual([]);
  });
});
