import { describeEachDialect, type TestSocket, useSuite } from "@chatapp/testkit";
import { beforeAll, expect, it } from "vitest";

describeEachDialect("bad frames", (dialect) => {
  const suite = useSuite(dialect);
  let s: TestSocket;
  const ME = 401;
  const PEER = 402;

  beforeAll(async () => {
    s = await suite().connect(ME);
    await suite().server.http("/api/me", { userId: PEER });
  });

  /** Sends a raw frame and returns the error it earned; the socket must still answer afterwards. */
  async function refused(frame: unknown, binary = false) {
    const from = s.frames.length;
    if (binary) s.ws.send(Buffer.from(JSON.stringify(frame)), { binary: true });
    else s.send(frame);
    const err = await s.next((f) => f.type === "error", 5000, from);
    await s.roundTrip();
    expect(s.ws.readyState).toBe(s.ws.OPEN);
    return err;
  }

  const cases: [string, unknown, string][] = [
    ["not JSON", "{this is not json", "invalid_frame"],
    ["a JSON array", "[1,2]", "invalid_frame"],
    ["a JSON number", "42", "invalid_frame"],
    ["null", "null", "invalid_frame"],
    ["an unknown type", { type: "dance" }, "invalid_frame"],
    ["a non-string type", { type: 7, receiver_id: PEER, content: "x" }, "invalid_frame"],
    ["a typed send without target", { type: "send", content: "x" }, "invalid_frame"],
    ["a send with both targets", { type: "send", receiver_id: PEER, conversation_id: 1, content: "x" }, "invalid_frame"],
    ["a seed frame without content", { receiver_id: PEER }, "invalid_frame"],
    ["a string receiver_id", { receiver_id: String(PEER), content: "x" }, "invalid_frame"],
    ["a fractional receiver_id", { receiver_id: 2.5, content: "x" }, "invalid_frame"],
    ["a negative receiver_id", { receiver_id: -2, content: "x" }, "invalid_frame"],
    ["a receiver_id beyond safe integers", { receiver_id: 1e300, content: "x" }, "invalid_frame"],
    ["a read seq beyond safe integers", { type: "read", conversation_id: 1, seq: 2 ** 60 }, "invalid_frame"],
    ["a numeric content", { type: "send", receiver_id: PEER, content: 5 }, "invalid_frame"],
    ["empty content", { type: "send", receiver_id: PEER, content: "" }, "invalid_frame"],
    ["blank content", { type: "send", receiver_id: PEER, content: "  \n " }, "invalid_frame"],
    ["content over 4000 characters", { type: "send", receiver_id: PEER, content: "x".repeat(4001) }, "too_large"],
    ["a frame over 16 KiB", { type: "send", receiver_id: PEER, content: "x".repeat(17000) }, "too_large"],
    [
      "a client_id over 64 characters",
      { type: "send", receiver_id: PEER, content: "x", client_id: "c".repeat(65) },
      "invalid_frame",
    ],
    ["content with a NUL character", { type: "send", receiver_id: PEER, content: "a\u0000b" }, "invalid_frame"],
    [
      "a client_id with a NUL character",
      { type: "send", receiver_id: PEER, content: "x", client_id: "a\u0000" },
      "invalid_frame",
    ],
    ["a read without seq", { type: "read", conversation_id: 1 }, "invalid_frame"],
    ["a typing without conversation", { type: "typing" }, "invalid_frame"],
    ["a send to oneself", { type: "send", receiver_id: ME, content: "me" }, "invalid_frame"],
    ["a send to a user who does not exist", { type: "send", receiver_id: 999999, content: "hello?" }, "not_found"],
    ["a read of a conversation one is not in", { type: "read", conversation_id: 999999, seq: 1 }, "forbidden"],
    ["a typing in a conversation one is not in", { type: "typing", conversation_id: 999999 }, "forbidden"],
  ];

  for (const [name, frame, code] of cases) {
    it(`answers ${name} with ${code} and keeps the socket open`, async () => {
      const err = await refused(frame);
      expect(err.code).toBe(code);
      expect(err.message.length).toBeGreaterThan(0);
    });
  }

  it("answers a binary frame with invalid_frame", async () => {
    expect((await refused({ type: "ping" }, true)).code).toBe("invalid_frame");
  });

  it("echoes the client_id of a refused send", async () => {
    const err = await refused({ type: "send", receiver_id: 999999, content: "x", client_id: "mine" });
    expect(err.client_id).toBe("mine");
  });

  it("accepts content of exactly 4000 characters, counted as characters not bytes", async () => {
    s.send({ type: "send", receiver_id: PEER, content: "é".repeat(4000), client_id: "long-ok" });
    const ack = await s.next((f) => f.type === "ack" && f.client_id === "long-ok");
    expect(ack.seq).toBeGreaterThan(0);
  });

  it("stores nothing for refused frames and still sends after them", async () => {
    s.send({ type: "send", receiver_id: PEER, content: "still works", client_id: "after" });
    const ack = await s.next((f) => f.type === "ack" && f.client_id === "after");
    const page = await suite().server.http(`/api/conversations/${ack.conversation_id}/messages?limit=1000`, { userId: ME });
    expect(page.body.messages.map((m: any) => m.content)).toEqual(["é".repeat(4000), "still works"]);
  });

  it("closes with 1009 on a frame larger than the hard payload limit", async () => {
    const other = await suite().connect(403);
    other.send({ type: "send", receiver_id: PEER, content: "x".repeat(1024 * 1024 + 10) });
    expect(await other.waitClosed()).toBe(1009);
    await s.roundTrip();
  });
});
