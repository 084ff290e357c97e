import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeFrame } from "./decode-frame.js";

const CODES = new Set(["invalid_frame", "too_large"]);

/** What any input must come out as: a known frame with fields of the right types, or a refusal. */
function wellFormed(result: ReturnType<typeof decodeFrame>): void {
  if (!result.ok) {
    expect(CODES.has(result.code)).toBe(true);
    expect(typeof result.message).toBe("string");
    if (result.clientId !== undefined) expect(typeof result.clientId).toBe("string");
    return;
  }
  const f = result.frame;
  switch (f.type) {
    case "send":
      expect(typeof f.content).toBe("string");
      expect((f.receiverId === undefined) !== (f.conversationId === undefined)).toBe(true);
      for (const id of [f.receiverId, f.conversationId])
        if (id !== undefined) expect(Number.isSafeInteger(id) && id > 0).toBe(true);
      break;
    case "read":
      expect(Number.isSafeInteger(f.seq) && f.seq >= 0).toBe(true);
      expect(Number.isSafeInteger(f.conversationId)).toBe(true);
      break;
    case "typing":
      expect(Number.isSafeInteger(f.conversationId)).toBe(true);
      break;
    case "ping":
      break;
    default:
      throw new Error(`unknown frame type ${(f as { type: string }).type}`);
  }
  // Only the fields the server reads come through: nothing a client could smuggle.
  expect(Object.keys(f).every((k) => ["type", "receiverId", "conversationId", "content", "clientId", "seq"].includes(k))).toBe(
    true,
  );
}

/** JSON values shaped like frames: the right keys with any values, and any extra keys. */
const frameLike = fc.record(
  {
    type: fc.oneof(fc.constantFrom("send", "read", "typing", "ping", "ack", "message", "", "__proto__"), fc.anything()),
    receiver_id: fc.oneof(fc.integer(), fc.double(), fc.bigInt().map(String), fc.anything()),
    conversation_id: fc.oneof(fc.nat(), fc.constant(2 ** 53), fc.constant(-1), fc.anything()),
    content: fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.constant(""), fc.anything()),
    client_id: fc.oneof(fc.string({ maxLength: 80 }), fc.anything()),
    seq: fc.oneof(fc.integer(), fc.double(), fc.anything()),
    sender_id: fc.anything(),
    id: fc.anything(),
  },
  { requiredKeys: [] },
);

describe("decodeFrame under fuzzing", () => {
  it("answers any JSON value with a known frame or a refusal, never a throw", () => {
    fc.assert(
      fc.property(fc.oneof(frameLike, fc.jsonValue()), (value) => {
        wellFormed(decodeFrame(JSON.stringify(value) ?? "null", false));
      }),
      { numRuns: 3000 },
    );
  });

  it("answers any text or bytes with a known frame or a refusal, never a throw", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: "binary" }),
          fc.uint8Array().map((b) => Buffer.from(b)),
        ),
        fc.boolean(),
        (data, binary) => {
          wellFormed(decodeFrame(typeof data === "string" ? Buffer.from(data) : data, binary));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("refuses deep nesting and huge numbers without trouble", () => {
    const deep = `${"[".repeat(5000)}${"]".repeat(5000)}`;
    wellFormed(decodeFrame(deep, false));
    wellFormed(decodeFrame(`{"type":"read","conversation_id":1e400,"seq":1}`, false));
    wellFormed(decodeFrame(`{"type":"send","receiver_id":123456789012345678901234567890,"content":"x"}`, false));
    expect(decodeFrame(`{"type":"read","conversation_id":1e400,"seq":1}`, false).ok).toBe(false);
  });
});
