import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { BeforeSendHook } from "../src/chat/before-send.js";

// The hook's connections: kept alive and reused, at most one per call in flight, so a burst of
// checks costs no new TCP connection (nor SSRF check, nor lookup) per message.

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function hookPeer(): Promise<{ url: string; connections: () => number; requests: () => number }> {
  let connections = 0;
  let requests = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      requests++;
      setTimeout(() => res.end('{"action":"allow"}'), 1);
    });
  });
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${address.port}/hook`, connections: () => connections, requests: () => requests };
}

describe("before-send hook connections", () => {
  it("reuses kept-alive connections: bursts of checks open at most maxInFlight", async () => {
    const peer = await hookPeer();
    const hook = new BeforeSendHook({
      url: peer.url,
      secret: `whsec_${randomBytes(32).toString("base64")}`,
      timeoutMs: 5000,
      failure: "reject",
      maxInFlight: 4,
    });
    closers.push(async () => hook.close());
    const burst = () =>
      Promise.all(Array.from({ length: 40 }, (_, i) => hook.check({ conversationId: 1, senderId: 2, content: `m${i}` })));
    await burst();
    await burst();
    expect(peer.requests()).toBe(80);
    expect(peer.connections()).toBeLessThanOrEqual(4);
    expect(hook.load).toEqual({ active: 0, waiting: 0 });
  });
});
