import { describeEachDialect, useSuite } from "@chatapp/testkit";
import { expect, it } from "vitest";

describeEachDialect(
  "what an idle connection keeps",
  (dialect) => {
    const suite = useSuite(dialect);

    // The upgrade's HTTP request, reply and stand-in response were kept reachable from every
    // open socket (about a third of an idle connection's memory).
    it("nothing of the upgrade's HTTP request once the socket is accepted", async () => {
      const socket = await suite().connect(1601);
      const [conn] = [...suite().server.app.gateway.registry.all()].filter((c) => c.userId === 1601);
      const ws = conn?.ws as unknown as { _socket: { _httpMessage: unknown }; listenerCount(e: string): number };
      expect(ws._socket._httpMessage ?? null).toBeNull();
      expect(ws.listenerCount("error")).toBe(1); // the gateway's own
      await socket.close();
    });
  },
  { only: ["sqlite"] },
);
