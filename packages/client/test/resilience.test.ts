import type { AddressInfo } from "node:net";
import { AuthError, ChatClient, TokenProviderError, type WebSocketConstructor } from "@chatapp/client";
import { createTestDatabase, startServer, type TestDatabase, type TestServer } from "@chatapp/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { testClient, waitUntil } from "./helpers.js";

/** A WebSocket server that misbehaves as told, counting the connections it gets. */
async function rawServer(onConnection: (ws: WebSocket) => void) {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1", handleProtocols: () => "chatapp.v1" });
  await new Promise((resolve) => wss.once("listening", resolve));
  let connections = 0;
  wss.on("connection", (ws) => {
    connections++;
    onConnection(ws);
  });
  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    connections: () => connections,
    close: () => {
      for (const c of wss.clients) c.terminate();
      return new Promise((resolve) => wss.close(resolve));
    },
  };
}

const ready = (ws: WebSocket) => ws.send(JSON.stringify({ type: "ready", user_id: 1, conversations: [] }));

/** `ws` without terminate(): the browser's WebSocket, which can only close politely. */
class BrowserLikeWebSocket extends WebSocket {
  override terminate = undefined as unknown as () => void;
}

describe("ChatClient against misbehaving servers", () => {
  it("reconnects when the socket opens but `ready` never comes", async () => {
    const server = await rawServer(() => {});
    const client = new ChatClient({ url: server.url, token: "t", pongTimeoutMs: 100, backoff: { initialMs: 10, maxMs: 20 } });
    void client.connect().catch(() => {});
    await waitUntil(() => server.connections() >= 3, 5000, "reconnects");
    client.close();
    await server.close();
  });

  it("reconnects when pongs stop, even where sockets cannot be terminated (browsers), with a timeout longer than the interval", async () => {
    const server = await rawServer((ws) => ready(ws)); // answers no {"type":"ping"}
    const client = new ChatClient({
      url: server.url,
      token: "t",
      WebSocket: BrowserLikeWebSocket as unknown as WebSocketConstructor,
      pingIntervalMs: 30,
      pongTimeoutMs: 100,
      backoff: { initialMs: 10, maxMs: 20 },
    });
    await client.connect();
    await waitUntil(() => server.connections() >= 2, 5000, "a reconnect after the pong timeout");
    client.close();
    await server.close();
  });

  it("does not hammer a server that accepts and drops at once", async () => {
    const server = await rawServer((ws) => {
      ready(ws);
      ws.close(1012);
    });
    const client = new ChatClient({ url: server.url, token: "t", backoff: { initialMs: 50, maxMs: 2000 } });
    void client.connect().catch(() => {});
    // A fixed window on purpose: the test counts the reconnects made within 2 s (a rate).
    await new Promise((r) => setTimeout(r, 2000));
    expect(server.connections()).toBeLessThan(15);
    client.close();
    await server.close();
  });

  it("reports a failing token provider, and stops when it throws AuthError", async () => {
    // Before the first connection a failing provider stops the client: connect() rejects with
    // the cause instead of retrying out of sight (retries once connected: connection.test.ts).
    const errors: string[] = [];
    let calls = 0;
    const cause = new Error("auth service down");
    const flaky = new ChatClient({
      url: "ws://127.0.0.1:9/ws",
      token: () => {
        calls++;
        throw cause;
      },
      backoff: { initialMs: 20, maxMs: 40 },
    });
    flaky.on("error", (e) => errors.push(e.message));
    const failure = await flaky.connect().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(TokenProviderError);
    expect((failure as TokenProviderError).cause).toBe(cause);
    expect(errors).toEqual(["the token provider failed: auth service down"]);
    expect(calls).toBe(1);
    expect(flaky.state).toBe("closed");

    const refused = new ChatClient({
      url: "ws://127.0.0.1:9/ws",
      token: () => {
        throw new AuthError("logged out");
      },
    });
    await expect(refused.connect()).rejects.toBeInstanceOf(AuthError);
    expect(refused.state).toBe("closed");
  });
});

describe("ChatClient recovering against the real server", () => {
  let database: TestDatabase;
  let server: TestServer;
  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    server = await startServer(database, { env: { ALLOWED_ORIGINS: "https://app.example" } });
  });
  afterAll(async () => {
    await server.stop();
    await database.drop();
  });

  it("retries a gap fetch that failed, instead of holding messages back", async () => {
    const alice = testClient(server, 1301);
    await alice.client.connect();
    await testClient(server, 1302)
      .client.connect()
      .then(() => {});
    const first = await alice.client.send({ receiverId: 1302 }, "one");
    let failures = 0;
    const bob = testClient(server, 1302, {
      // Resuming from before the first message: the client must fetch it, and the fetch fails twice.
      cursors: { [first.conversationId]: 0 },
      fetch: async (input, init) => {
        if (String(input).includes("/messages?after_seq=") && failures < 2) {
          failures++;
          return new Response(JSON.stringify({ error: { code: "unavailable", message: "try later" } }), { status: 503 });
        }
        return fetch(input, init);
      },
    });
    await bob.client.connect();
    await waitUntil(() => (bob.received.get(first.conversationId)?.length ?? 0) >= 1, 10_000, "the fetched message");
    await alice.client.send({ conversationId: first.conversationId }, "two");
    await waitUntil(() => (bob.received.get(first.conversationId)?.length ?? 0) >= 2, 10_000, "both messages");
    expect(failures).toBe(2);
    expect(bob.received.get(first.conversationId)?.map((m) => m.content)).toEqual(["one", "two"]);
    alice.client.close();
    bob.client.close();
  });

  it("emits a send that timed out on the client but was stored, and names its clientId in the error", async () => {
    const a = testClient(server, 1311, { sendTimeoutMs: 1 });
    await testClient(server, 1312)
      .client.connect()
      .then(() => {});
    await a.client.connect();
    const err = await a.client.send({ receiverId: 1312 }, "late but stored").catch((e) => e);
    expect(err).toMatchObject({ code: "timeout", clientId: expect.any(String) });
    await waitUntil(() => [...a.received.values()].flat().some((m) => m.content === "late but stored"), 5000, "the stored send");
    a.client.close();
  });

  it("fills receiver_id on the sender's own copy of a direct message sent by conversation id", async () => {
    const a = testClient(server, 1321);
    await testClient(server, 1322)
      .client.connect()
      .then(() => {});
    await a.client.connect();
    const first = await a.client.send({ receiverId: 1322 }, "by user");
    await a.client.send({ conversationId: first.conversationId }, "by conversation");
    await waitUntil(() => a.received.get(first.conversationId)?.length === 2);
    expect(a.received.get(first.conversationId)?.map((m) => m.receiver_id)).toEqual([1322, 1322]);
    a.client.close();
  });

  it("serves the HTTP API cross-origin to ALLOWED_ORIGINS only", async () => {
    const preflight = await fetch(`${server.url}/api/conversations`, {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example",
        "access-control-request-method": "GET",
        "access-control-request-headers": "authorization",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const token = await server.token(1331);
    const allowed = await fetch(`${server.url}/api/me`, {
      headers: { origin: "https://app.example", authorization: `Bearer ${token}` },
    });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const other = await fetch(`${server.url}/api/me`, {
      headers: { origin: "https://evil.example", authorization: `Bearer ${token}` },
    });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});
