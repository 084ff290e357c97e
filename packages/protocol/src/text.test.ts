import { describe, expect, it } from "vitest";
import { illFormedTextAt, isWellFormedText } from "./text.js";

describe("well-formed text", () => {
  it("tells lone surrogates from pairs", () => {
    expect(isWellFormedText("plain, é, 😀, 👩🏽‍💻")).toBe(true);
    for (const s of ["\ud800", "a\udc00", "\ud83d", "x\ud83dy", "\ude00\ud83d"]) expect(isWellFormedText(s)).toBe(false);
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
