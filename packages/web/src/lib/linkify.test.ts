import { describe, expect, it } from "vitest";
import { splitLinks } from "./linkify.js";

describe("splitLinks", () => {
  it("leaves text without links alone", () => {
    expect(splitLinks("hello <b>world</b>")).toEqual([{ kind: "text", text: "hello <b>world</b>" }]);
  });

  it("finds http and https links between words", () => {
    expect(splitLinks("see https://example.com/a?b=1 and http://x.org")).toEqual([
      { kind: "text", text: "see " },
      { kind: "link", text: "https://example.com/a?b=1", href: "https://example.com/a?b=1" },
      { kind: "text", text: " and " },
      { kind: "link", text: "http://x.org", href: "http://x.org/" },
    ]);
  });

  it("keeps sentence punctuation out of the link", () => {
    expect(splitLinks("go to https://example.com/page.")).toEqual([
      { kind: "text", text: "go to " },
      { kind: "link", text: "https://example.com/page", href: "https://example.com/page" },
      { kind: "text", text: "." },
    ]);
    expect(splitLinks("(https://example.com)")[1]).toMatchObject({ text: "https://example.com" });
  });

  it("keeps a closing bracket the URL opened", () => {
    const url = "https://en.wikipedia.org/wiki/Chat_(software)";
    expect(splitLinks(`${url}!`)[0]).toEqual({ kind: "link", text: url, href: url });
  });

  it("never links other schemes", () => {
    for (const text of ["javascript:alert(1)", "data:text/html,<script>", "JaVaScRiPt://x.org/%0aalert(1)", "ftp://x.org"]) {
      expect(splitLinks(text).every((s) => s.kind === "text")).toBe(true);
    }
  });

  it("stops at quotes and angle brackets, so markup around a URL stays text", () => {
    expect(splitLinks('<a href="https://evil.example">x</a>')).toEqual([
      { kind: "text", text: '<a href="' },
      { kind: "link", text: "https://evil.example", href: "https://evil.example/" },
      { kind: "text", text: '">x</a>' },
    ]);
  });

  it("finds a link glued to text after it only up to white space", () => {
    expect(splitLinks("https://a.example/x\nnext line")).toEqual([
      { kind: "link", text: "https://a.example/x", href: "https://a.example/x" },
      { kind: "text", text: "\nnext line" },
    ]);
  });
});
