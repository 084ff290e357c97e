import { describeEachDialect, startSuite, TestSocket } from "@chatapp/testkit";
import { expect, it } from "vitest";

describeEachDialect(
  "configuration options",
  (dialect) => {
    it("ALLOWED_ORIGINS admits the origins listed, and any origin with *", async () => {
      const listed = await startSuite(dialect, { env: { ALLOWED_ORIGINS: "https://app.example" } });
      try {
        const headers = { authorization: `Bearer ${await listed.server.token(801)}` };
        const ok = await TestSocket.open(listed.server.wsUrl, { headers: { ...headers, origin: "https://app.example" } });
        await ok.close();
        await expect(
          TestSocket.open(listed.server.wsUrl, { headers: { ...headers, origin: "https://other.example" } }),
        ).rejects.toMatchObject({ status: 403 });
      } finally {
        await listed.done();
      }
      const any = await startSuite(dialect, { env: { ALLOWED_ORIGINS: "*" } });
      try {
        const headers = { authorization: `Bearer ${await any.server.token(802)}`, origin: "https://anything.example" };
        await (await TestSocket.open(any.server.wsUrl, { headers })).close();
      } finally {
        await any.done();
      }
    });

    it("PROVISION_RECIPIENTS lets a direct send reach a user never seen, delivered on first connect", async () => {
      const suite = await startSuite(dialect, { env: { PROVISION_RECIPIENTS: "true" } });
      try {
        const alice = await suite.connect(811);
        alice.send({ type: "send", receiver_id: 812, content: "waiting for you", client_id: "p1" });
        await alice.next((f) => f.type === "ack");
        const bob = await suite.connect(812);
        await bob.next((f) => f.type === "message" && f.content === "waiting for you");
        alice.send({ type: "send", receiver_id: 2 ** 48 + 1, content: "too far", client_id: "p2" });
        expect((await alice.next((f) => f.type === "error")).code).toBe("not_found");
      } finally {
        await suite.done();
      }
    });

    it("answers 503 to an upgrade while shutting down", async () => {
      const suite = await startSuite(dialect);
      try {
        const socket = await suite.server.connect(821);
        const token = await suite.server.token(822);
        const stopping = suite.server.app.gateway.shutdown(1012, 2000);
        await expect(
          TestSocket.open(suite.server.wsUrl, { headers: { authorization: `Bearer ${token}` } }),
        ).rejects.toMatchObject({ status: 503 });
        expect(await socket.waitClosed()).toBe(1012);
        await stopping;
      } finally {
        await suite.done();
      }
    });
  },
  { only: ["sqlite"] },
);
