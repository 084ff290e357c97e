import { describe, expect, it } from "vitest";
import { decodeFrame } from "./decode-frame.js";

const decode = (value: unknown) => decodeFrame(typeof value === "string" ? value : JSON.stringify(value), false);

describe("decodeFrame", () => {
  it("reads the (seed) untyped frame as a send", () => {
    expect(decode({ receiver_id: 2, content: "hi" })).toEqual({
      ok: true,
      frame: { type: "send", receiverId: 2, content: "hi" },
    });
  });

  it("reads typed frames", () => {
    expect(decode({ type: "send", conversation_id: 7, content: "x", client_id: "c" })).toEqual({
      ok: true,
      frame: { type: "send", conversationId: 7, content: "x", clientId: "c" },
    });
    expect(decode({ type: "read", conversation_id: 7, seq: 0 })).toEqual({
      ok: true,
      frame: { type: "read", conversationId: 7, seq: 0 },
    });
    expect(decode({ type: "typing", conversation_id: 7 })).toEqual({ ok: true, frame: { type: "typing", conversationId: 7 } });
    expect(decode({ type: "ping" })).toEqual({ ok: true, frame: { type: "ping" } });
  });

  it("drops fields the server does not read", () => {
    const r = decode({ receiver_id: 2, content: "hi", sender_id: 9, id: 1, timestamp: "x", type: undefined });
    expect(r).toEqual({ ok: true, frame: { type: "send", receiverId: 2, content: "hi" } });
  });

  it("does not take inherited names for frame types", () => {
    for (const type of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      expect(decode({ type })).toMatchObject({ ok: false, code: "invalid_frame" });
    }
  });

  it("says which field is wrong", () => {
    const r = decode({ type: "read", conversation_id: 1, seq: "5" });
    expect(r).toMatchObject({ ok: false, code: "invalid_frame" });
    expect(!r.ok && r.message).toMatch(/seq/);
  });

  it("measures the frame in bytes", () => {
    const big = JSON.stringify({ receiver_id: 2, content: "€".repeat(6000) }); // 18 KB in UTF-8
    expect(decodeFrame(big, false)).toMatchObject({ ok: false, code: "too_large" });
    expect(decodeFrame(Buffer.from(big), false)).toMatchObject({ ok: false, code: "too_large" });
  });

  it("refuses binary frames, non-objects and bad JSON", () => {
    expect(decodeFrame(Buffer.from("{}"), true)).toMatchObject({ ok: false, code: "invalid_frame" });
    for (const raw of ["", "nope", "[]", "1", "null", '"s"', "{"])
      expect(decode(raw)).toMatchObject({ ok: false, code: "invalid_frame" });
  });

  it("keeps a valid client_id for the error frame", () => {
    expect(decode({ type: "send", content: "x", client_id: "keep" })).toMatchObject({ ok: false, clientId: "keep" });
  });

  it("refuses any string or key that is not well-formed Unicode, echoing only a well-formed client_id", () => {
    const bad = [
      { type: "send", conversation_id: 1, content: "x", client_id: "q\ud800" },
      { type: "send", conversation_id: 1, content: "x\udc00", client_id: "c" },
      { receiver_id: 2, content: "\ud83d" },
      { type: "ping", extra: { deep: ["\udfff"] } },
      { type: "ping", "\ud800": true },
    ];
    for (const frame of bad) expect(decode(frame), JSON.stringify(frame)).toMatchObject({ ok: false, code: "invalid_frame" });
    expect(decode(bad[0])).not.toHaveProperty("clientId");
    expect(decode(bad[1])).toMatchObject({ clientId: "c" });
    expect(decode({ type: "send", conversation_id: 1, content: "😀", client_id: "🎉" })).toMatchObject({ ok: true });
  });
});
