import type { AddressInfo } from "node:net";
import { CLOSE } from "@chatapp/protocol";
import { afterEach, describe, expect, it, vi } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { Connection, type ConnectionEvents, type ConnectionState, type WebSocketConstructor } from "./connection.js";
import { AuthError, type ChatClientError, TokenProviderError } from "./errors.js";

/** Polls until `check` stops throwing: a deadline, never a fixed sleep. */
const until = (check: () => void) => vi.waitFor(check, { timeout: 3000, interval: 5 });

/** A real `ws` server on a free port; `onSocket` decides what each new socket gets. */
async function listen(onSocket: (socket: WebSocket, index: number) => void) {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await new Promise((resolve) => wss.once("listening", resolve));
  const sockets: WebSocket[] = [];
  const protocols: string[][] = [];
  wss.on("connection", (socket, request) => {
    protocols.push(String(request.headers["sec-websocket-protocol"]).split(/, */));
    sockets.push(socket);
    onSocket(socket, sockets.length - 1);
  });
  servers.push(wss);
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`, sockets, protocols };
}

const servers: WebSocketServer[] = [];
const connections: Connection[] = [];
afterEach(async () => {
  for (const c of connections.splice(0)) c.close();
  for (const wss of servers.splice(0)) {
    for (const socket of wss.clients) socket.terminate();
    await new Promise((resolve) => wss.close(resolve));
  }
});

const sayReady = (socket: WebSocket) => socket.send(JSON.stringify({ type: "ready", user_id: 1, conversations: [] }));

/** A Connection over `ws` with a 0-1 ms backoff, recording what it tells its owner. */
function connection(
  url: string,
  token: ConstructorParameters<typeof Connection>[0]["token"] = "t",
  onState: (state: ConnectionState) => void = () => {},
) {
  const states: ConnectionState[] = [];
  const readies: boolean[] = [];
  const stopped: ChatClientError[] = [];
  const events: ConnectionEvents = {
    ready: (_frame, first) => readies.push(first),
    frame: () => {},
    state: (state) => {
      states.push(state);
      onState(state);
    },
    error: () => {},
    stopped: (reason) => stopped.push(reason),
    checkToken: async () => {},
  };
  const backoff = { initialMs: 1, maxMs: 1, factor: 1 };
  const conn = new Connection({ url, token, WebSocket: WebSocket as unknown as WebSocketConstructor, backoff }, events);
  connections.push(conn);
  return { conn, states, readies, stopped };
}

describe("Connection", { timeout: 5000 }, () => {
  it("is open once the server says ready, with the token as a subprotocol, and closed by close()", async () => {
    const server = await listen(sayReady);
    const { conn, states, readies, stopped } = connection(server.url, async () => "secret");
    expect(conn.state).toBe("idle");
    await conn.connect();
    expect(states).toEqual(["connecting", "open"]);
    expect(readies).toEqual([true]);
    expect(conn.writable).toBe(true);
    expect(server.protocols[0]).toEqual(["chatapp.v1", "bearer.secret"]);

    const closed = new Promise<number>((resolve) => server.sockets[0]?.once("close", resolve));
    conn.close();
    expect(await closed).toBe(CLOSE.NORMAL);
    expect(states).toEqual(["connecting", "open", "closed"]);
    expect(stopped.map((e) => e.code)).toEqual(["closed"]);
    expect(conn.writable).toBe(false);
  });

  it("reconnects with backoff after the server closes the socket, asking for the token again", async () => {
    const server = await listen((socket, index) => {
      sayReady(socket);
      if (index === 0) socket.close(CLOSE.SLOW_CONSUMER);
    });
    let tokens = 0;
    const { conn, states, readies } = connection(server.url, () => `t${++tokens}`);
    await conn.connect();
    await until(() => expect(readies).toEqual([true, false]));
    expect(states).toEqual(["connecting", "open", "reconnecting", "open"]);
    expect(server.sockets).toHaveLength(2);
    expect(server.protocols[1]).toEqual(["chatapp.v1", "bearer.t2"]);
    expect(conn.state).toBe("open");
  });

  it("does not reconnect after close(), even with a reconnect scheduled", async () => {
    const server = await listen((socket) => {
      sayReady(socket);
      socket.close(CLOSE.SLOW_CONSUMER);
    });
    // Closed the moment it starts waiting to reconnect.
    const { conn, states } = connection(server.url, "first", (state) => state === "reconnecting" && conn.close());
    await conn.connect();
    await until(() => expect(states).toEqual(["connecting", "open", "reconnecting", "closed"]));
    // Another connection with the same 0-1 ms backoff gets in, is dropped and gets back in:
    // the first one, had it still been reconnecting, would have been back by then.
    const witness = connection(server.url, "witness");
    await witness.conn.connect();
    await until(() => expect(witness.states.filter((s) => s === "open")).toHaveLength(2));
    expect(server.protocols.filter(([, bearer]) => bearer === "bearer.first")).toHaveLength(1);
    expect(states).toEqual(["connecting", "open", "reconnecting", "closed"]);
  });

  it("stops, and rejects connect(), when the token provider refuses", async () => {
    const { conn, states, stopped } = connection("ws://127.0.0.1:9/ws", () => {
      throw new AuthError("logged out");
    });
    await expect(conn.connect()).rejects.toBeInstanceOf(AuthError);
    expect(states).toEqual(["connecting", "closed"]);
    expect(stopped.map((e) => e.code)).toEqual(["unauthorized"]);
    expect(conn.running).toBe(false);
  });

  it("stops, and rejects connect() with the cause, when the token provider fails before it was ever open", async () => {
    const cause = new Error("auth backend said 500");
    const { conn, states, stopped } = connection("ws://127.0.0.1:9/ws", async () => {
      throw cause;
    });
    const failure = await conn.connect().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(TokenProviderError);
    expect((failure as TokenProviderError).cause).toBe(cause);
    expect((failure as TokenProviderError).code).toBe("token_provider");
    expect(states).toEqual(["connecting", "closed"]);
    expect(stopped.map((e) => e.code)).toEqual(["token_provider"]);
    expect(conn.running).toBe(false);
  });

  it("once it was open, retries a failing token provider and rejects only who waits meanwhile", async () => {
    const server = await listen((socket, index) => {
      sayReady(socket);
      if (index === 0) socket.close(CLOSE.SLOW_CONSUMER);
    });
    let calls = 0;
    const { conn, readies } = connection(server.url, () => {
      calls++;
      // The second and third asks fail (the auth backend is away), the fourth works.
      if (calls === 2 || calls === 3) throw new Error("auth backend away");
      return `t${calls}`;
    });
    await conn.connect();
    await until(() => expect(calls).toBeGreaterThanOrEqual(2));
    await until(() => expect(readies).toEqual([true, false]));
    expect(conn.state).toBe("open");
    expect(server.protocols[1]).toEqual(["chatapp.v1", "bearer.t4"]);
  });
});
