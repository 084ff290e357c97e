import { connect, type Socket } from "node:net";
import { describeEachDialect, eventually, startSuite, TestSocket } from "@chatapp/testkit";
import { expect, it } from "vitest";

/** A TCP connection to the server, open (or refused) and watched for its end. */
function tcp(port: number): Promise<Socket & { ended: boolean; endedAt?: number }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1" }) as Socket & { ended: boolean; endedAt?: number };
    socket.ended = false;
    socket.on("close", () => {
      socket.ended = true;
      socket.endedAt = Date.now();
    });
    socket.on("error", () => {});
    socket.resume(); // read what comes (a 408), so that the server's close is seen
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
  });
}

describeEachDialect(
  "plain HTTP connections",
  (dialect) => {
    // Issue 12, finding 7: no request timeout was set, and 2,000 partial POSTs were held for
    // more than 121 s until /health stopped answering.
    it("cuts requests that never finish arriving after HTTP_REQUEST_TIMEOUT_MS, and keeps serving", async () => {
      const suite = await startSuite(dialect, { env: { HTTP_REQUEST_TIMEOUT_MS: "1000" } });
      try {
        const started = Date.now();
        const partial = await Promise.all(Array.from({ length: 200 }, () => tcp(suite.server.port)));
        for (const s of partial) {
          s.write("POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{");
        }
        // A WebSocket is not a request in flight: it outlives the timeout.
        const socket = await suite.connect(2301);
        expect((await fetch(`${suite.server.url}/health`)).status).toBe(200);
        // Cut, where before they were held for good; how soon is a figure (about 2 s with a
        // 1 s timeout and Node's 1 s check), not a timed assertion.
        await eventually(() => partial.every((s) => s.ended), 20_000, "every partial POST cut");
        const held = Math.max(...partial.map((s) => (s.endedAt ?? 0) - started));
        console.log(`partial POSTs held at most ${held} ms`);
        expect((await fetch(`${suite.server.url}/health`)).status).toBe(200);
        await socket.roundTrip();
      } finally {
        await suite.done();
      }
    });

    it("closes connections from one address past MAX_HTTP_CONNECTIONS_PER_IP at once; WebSockets give their place back", async () => {
      const suite = await startSuite(dialect, { env: { MAX_HTTP_CONNECTIONS_PER_IP: "5" } });
      try {
        // Upgraded sockets count against MAX_CONNECTIONS_PER_IP, not this limit.
        const sockets = [];
        for (let i = 0; i < 6; i++)
          sockets.push(await TestSocket.open(`${suite.server.wsUrl}?token=${await suite.server.token(2310 + i)}`));
        const idle = await Promise.all(Array.from({ length: 5 }, () => tcp(suite.server.port)));
        const extra = await tcp(suite.server.port);
        await eventually(() => extra.ended, 2000, "the connection over the limit closed");
        expect(idle.some((s) => s.ended)).toBe(false);
        idle[0]?.destroy();
        await eventually(
          async () => (await fetch(`${suite.server.url}/health`).catch(() => undefined))?.status === 200,
          2000,
          "a freed place",
        );
        await sockets[0]?.roundTrip();
        for (const s of idle) s.destroy();
        for (const s of sockets) await s.close();
      } finally {
        await suite.done();
      }
    });
  },
  { only: ["sqlite"] },
);
