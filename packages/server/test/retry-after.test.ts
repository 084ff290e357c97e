import { startSuite } from "@chatapp/testkit";
import { describe, expect, it } from "vitest";

/** The limiters are the gateway's and the chat domain's, not the database's: one dialect is enough. */
describe("rate_limited names when to retry", () => {
  it("carries retry_after_ms for the message limit, and a sender that waits as told is never closed", async () => {
    // 50/s with no burst: a round trip takes far less than the 20 ms a token takes, so a sender
    // that sends as soon as it may is refused about once per message.
    const suite = await startSuite("sqlite", { env: { RATE_MESSAGES_PER_SECOND: "50", RATE_MESSAGES_BURST: "1" } });
    try {
      const alice = await suite.connect(1801);
      await suite.connect(1802);
      const count = 70;
      let refusals = 0;
      for (let i = 0; i < count; i++) {
        for (;;) {
          const from = alice.frames.length;
          alice.send({ type: "send", receiver_id: 1802, content: `m${i}`, client_id: `w${i}` });
          const answer = await alice.next((f) => f.client_id === `w${i}`, 5000, from);
          if (answer.type === "ack") break;
          expect(answer).toMatchObject({ type: "error", code: "rate_limited" });
          expect(Number.isInteger(answer.retry_after_ms)).toBe(true);
          expect(answer.retry_after_ms).toBeGreaterThanOrEqual(1);
          expect(answer.retry_after_ms).toBeLessThanOrEqual(20);
          refusals++;
          // Waiting as long as the server said is what this test checks (a well-behaved client).
          await new Promise((r) => setTimeout(r, answer.retry_after_ms));
        }
      }
      // More refusals than the 50 in 10 s that close a socket: none counted, as none came early.
      expect(refusals).toBeGreaterThan(50);
      expect(alice.closeCode).toBeUndefined();
      await alice.roundTrip();
    } finally {
      await suite.done();
    }
  });

  it("carries retry_after_ms for the frame limit, and a socket that does not wait is still closed with 1008", async () => {
    const suite = await startSuite("sqlite", { env: { RATE_FRAMES_PER_SECOND: "10", RATE_FRAMES_BURST: "5" } });
    try {
      const flood = await suite.connect(1811);
      await suite.connect(1812);
      for (let i = 0; i < 80; i++) flood.send({ type: "send", receiver_id: 1812, content: "x", client_id: `f${i}` });
      expect(await flood.waitClosed()).toBe(1008);
      const refused = flood.ofType("error");
      expect(refused.length).toBeGreaterThan(50);
      for (const e of refused) {
        expect(e).toMatchObject({ code: "rate_limited", client_id: expect.stringMatching(/^f\d+$/) });
        expect(Number.isInteger(e.retry_after_ms)).toBe(true);
        expect(e.retry_after_ms).toBeGreaterThanOrEqual(1);
        expect(e.retry_after_ms).toBeLessThanOrEqual(100);
      }
    } finally {
      await suite.done();
    }
  });
});
