import { describe, expect, it } from "vitest";
import { contentDisposition, sanitizeFileName } from "./file-name.js";

describe("sanitizeFileName", () => {
  it("keeps the last path component, either separator", () => {
    expect(sanitizeFileName("../../etc/passwd")).toBe("passwd");
    expect(sanitizeFileName("C:\\Users\\me\\plan.png")).toBe("plan.png");
    expect(sanitizeFileName("dir/")).toBe("file");
  });

  it("drops control and bidirectional-override characters and lone surrogates", () => {
    expect(sanitizeFileName("a\u0000b\u001fc\u007f\u0085.txt")).toBe("abc.txt");
    expect(sanitizeFileName("x\u202Egpj.exe")).toBe("xgpj.exe");
    expect(sanitizeFileName("a\uD800b\uDC00c.txt")).toBe("abc.txt");
    expect(sanitizeFileName("smile 😀.png")).toBe("smile 😀.png");
  });

  it("answers file when nothing is left", () => {
    for (const name of [undefined, "", "   ", ".", "..", "\u0001"]) expect(sanitizeFileName(name)).toBe("file");
  });

  it("cuts at 255 UTF-8 bytes on a character boundary", () => {
    expect(sanitizeFileName("a".repeat(300))).toBe("a".repeat(255));
    const emoji = sanitizeFileName("😀".repeat(100));
    expect(emoji).toBe("😀".repeat(63));
    expect(Buffer.byteLength(emoji)).toBe(252);
  });
});

describe("contentDisposition", () => {
  it("gives an ASCII fallback and the UTF-8 name", () => {
    expect(contentDisposition("attachment", 'a "b"\\ é(1).txt')).toBe(
      `attachment; filename="a _b__ _(1).txt"; filename*=UTF-8''a%20%22b%22%5C%20%C3%A9%281%29.txt`,
    );
  });
});
