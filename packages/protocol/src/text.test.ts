import { describe, expect, it } from "vitest";
import { illFormedTextAt, isWellFormedText } from "./text.js";

describe("well-formed text", () => {
  it("tells lone surrogates from pairs", () => {
    expect(isWellFormedText("plain, é, 😀, 👩🏽‍💻")).toBe(true);
    for (const s of ["\ud800", "a\udc00", "\ud83d", "x\ud83dy", "\ude00\ud83d"]) expect(isWellFormedText(s)).toBe(false);
  });

  it("gives the same answers where String.prototype.isWellFormed is missing (older browsers)", () => {
    const proto = String.prototype as unknown as { isWellFormed?: () => boolean };
    const native = proto.isWellFormed;
    delete proto.isWellFormed;
    try {
      expect(isWellFormedText("plain, é, 😀, 👩🏽‍💻")).toBe(true);
      for (const s of ["\ud800", "a\udc00", "\ud83d", "x\ud83dy", "\ude00\ud83d"]) expect(isWellFormedText(s)).toBe(false);
    } finally {
      proto.isWellFormed = native;
    }
  });

  it("finds the first ill-formed string or key anywhere in a value", () => {
    expect(illFormedTextAt({ a: "ok", b: [1, "😀", { c: null }] })).toBeUndefined();
    expect(illFormedTextAt("\ud800")).toBe("/");
    expect(illFormedTextAt({ a: "ok", b: [1, "x\udfff"] })).toBe("/b/1");
    expect(illFormedTextAt({ "\ud800": 1 })).toBe("/ (a key)");
    let deep: unknown = "\ud800";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(illFormedTextAt(deep)).toMatch(/^(\/0){100000}$/);
  });
});
