import { request } from "node:http";
import { describeEachDialect, eventually, startSuite, TestSocket } from "@chatapp/testkit";
import { expect, it } from "vitest";

/** A WebSocket handshake to `path`: the status and body it is answered with (101 has none). */
function upgrade(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({
      agent: false,
      port,
      host: "127.0.0.1",
      path,
      headers: {
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      },
    });
    req.on("upgrade", (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: "" });
    });
    req.on("response", (res) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describeEachDialect(
  "upgrade paths and secrets in logs",
  (dialect) => {
    // Issue 12, finding 10: /ws/, /WS and /socket were answered 101 and then closed.
    it("refuses an upgrade to any path but /ws with a 404 before the handshake", async () => {
      const suite = await startSuite(dialect);
      try {
        const token = await suite.server.token(2201);
        for (const path of ["/ws/", "/WS", "/socket", "/", "/api/me", "/health"]) {
          const answer = await upgrade(suite.server.port, `${path}?token=${token}`);
          expect([path, answer.status]).toEqual([path, 404]);
          expect(JSON.parse(answer.body).error.code).toBe("not_found");
        }
        expect((await upgrade(suite.server.port, `/ws?token=${token}`)).status).toBe(101);
      } finally {
        await suite.done();
      }
    });

    it("keeps tokens and passwords in URLs out of every log line", async () => {
      const logLines: string[] = [];
      const suite = await startSuite(dialect, { logLines });
      try {
        const token = await suite.server.token(2202);
        await upgrade(suite.server.port, `/socket?token=${token}`);
        await upgrade(suite.server.port, `/ws/?%74oken=${token}`);
        const socket = await TestSocket.open(`${suite.server.wsUrl}?token=${token}`);
        await socket.close();
        await fetch(`${suite.server.url}/nowhere?access_token=${token}`);
        suite.server.app.logger.warn({ url: "redis://:hunter2@redis:6379" }, "a library's line");
        await eventually(() => logLines.some((l) => l.includes('"ws close"')), 5000, "the socket's close logged");
        const secret = token.split(".")[2] as string;
        expect(logLines.filter((l) => l.includes(secret) || l.includes("hunter2"))).toEqual([]);
        expect(logLines.some((l) => l.includes("token=[redacted]"))).toBe(true);
      } finally {
        await suite.done();
      }
    });
  },
  { only: ["sqlite"] },
);
